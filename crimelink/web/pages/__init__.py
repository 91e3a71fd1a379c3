"""Page routes, one module per resource; every page has a JSON twin under /api."""

from fastapi import APIRouter

from crimelink.web.pages import (
    agencies,
    agreements,
    audit,
    auth,
    compartments,
    deconfliction,
    disclosures,
    entities,
    entity_search,
    groups,
    home,
    intelligence,
    interests,
    linkage_runs,
    network,
    operation_form,
    operations,
    records,
    review,
    safeguarding,
    search,
    tokens,
    users,
)

page_routers: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    search.router,
    records.router,
    entity_search.router,
    entities.router,
    review.router,
    linkage_runs.router,
    safeguarding.router,
    network.router,
    groups.router,
    operation_form.router,  # before operations: /operations/new is not /operations/{id}
    operations.router,
    interests.router,
    deconfliction.router,
    intelligence.router,
    disclosures.router,
    audit.router,
    tokens.router,
    agencies.router,
    users.router,
    compartments.router,
    agreements.router,
)

__all__ = ["page_routers"]
