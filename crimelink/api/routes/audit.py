"""/api/audit: auditors search the trail and check its hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from crimelink.access import Action, allowed
from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import UtcDatetime
from crimelink.errors import PermissionDeniedError
from crimelink.services.audit import search_audit, verify_chain

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventPublic(BaseModel):
    id: int
    occurred_at: UtcDatetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    purpose: str
    outcome: str
    details: dict[str, Any]
    hash: str


class ChainPublic(BaseModel):
    ok: bool
    checked: int
    head: str
    problems: list[str]


@router.get("/events")
def events(
    db: SessionDep,
    actor: CurrentActor,
    who: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    resource_type: Annotated[str | None, Query(max_length=60)] = None,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEventPublic]:
    """Newest first. The search itself is audited."""
    found = search_audit(
        db,
        actor,
        who=who,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        until=until,
        limit=limit,
    )
    result = [AuditEventPublic.model_validate(e, from_attributes=True) for e in found]
    db.commit()
    return result


@router.get("/verify")
def verify(db: SessionDep, actor: CurrentActor) -> ChainPublic:
    """Re-compute the hash chain and list every altered, removed or reordered event."""
    gate = allowed(actor, Action.AUDIT_READ)
    if not gate:
        raise PermissionDeniedError(gate.reason)
    report = verify_chain(db)
    return ChainPublic(ok=report.ok, checked=report.checked, head=report.head, problems=report.problems)
