"""Page routes, one module per resource; every page has a JSON twin under /api."""

from fastapi import APIRouter

from crimelink.web.pages import (
    agencies,
    agreements,
    audit,
    auth,
    compartments,
    disclosures,
    entities,
    entity_search,
    groups,
    home,
    intelligence,
    linkage_runs,
    network,
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
