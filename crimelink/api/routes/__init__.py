"""One router per resource; :data:`api_router` gathers them (the application mounts it at ``/api``)."""

from fastapi import APIRouter

from crimelink.api.routes import (
    agencies,
    agreements,
    audit,
    compartments,
    deconfliction,
    disclosures,
    entities,
    entity_search,
    groups,
    intelligence,
    interests,
    linkage_runs,
    me,
    network,
    operations,
    records,
    review,
    safeguarding,
    tokens,
    users,
)
from crimelink.api.schemas.common import ERROR_RESPONSES

api_router = APIRouter(responses=ERROR_RESPONSES)
for _module in (
    me,
    records,
    entity_search,  # before entities: /entities/search is not /entities/{id}
    entities,
    intelligence,
    disclosures,
    audit,
    tokens,
    agencies,
    users,
    compartments,
    agreements,
    review,
    linkage_runs,
    safeguarding,
    network,
    groups,
    operations,
    interests,
    deconfliction,
):
    api_router.include_router(_module.router)

__all__ = ["api_router"]
