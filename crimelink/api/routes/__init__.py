"""One router per resource; :data:`api_router` gathers them (the application mounts it at ``/api``)."""

from fastapi import APIRouter

from crimelink.api.routes import (
    agencies,
    agreements,
    audit,
    compartments,
    disclosures,
    entities,
    intelligence,
    me,
    records,
    tokens,
    users,
)
from crimelink.api.schemas.common import ERROR_RESPONSES

api_router = APIRouter(responses=ERROR_RESPONSES)
for _module in (
    me,
    records,
    entities,
    intelligence,
    disclosures,
    audit,
    tokens,
    agencies,
    users,
    compartments,
    agreements,
):
    api_router.include_router(_module.router)

__all__ = ["api_router"]
