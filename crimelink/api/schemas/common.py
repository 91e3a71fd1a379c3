"""Shapes shared by every resource: the error body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field

from crimelink.services.auth import as_utc

#: SQLite and PostgreSQL keep ids as signed 64-bit integers.
MAX_ID = 2**63 - 1
#: A stored row's id in a URL: ids no database could hold are refused with 422, not passed on.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A stored row's id in a request body.
StoreId = Annotated[int, Field(ge=1, le=MAX_ID)]

#: A moment in UTC. SQLite gives stored times back without a zone; they are all UTC.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class ErrorPublic(BaseModel):
    """Every error the API returns: a sentence saying what went wrong and what to do next."""

    detail: str
    #: For 409 and 422: the problem with each named input field.
    errors: dict[str, str] | None = Field(default=None)


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "Not signed in, or the API token is unknown or revoked"},
    403: {"model": ErrorPublic, "description": "The access policy refuses this (the detail says why)"},
}
