"""/api/requests: requests for assistance, raised by any partner and routed to a specialist.

``request.submit`` (every reader): raise a request and follow your agency's own (``box=raised``), and
answer those routed to your agency (``box=received``: accept, close with a response, decline with a
reason). ``request.route`` (Organised Crime Advisors and the co-ordinator): every request (``box=all``),
suggested specialists with their reasons, and routing. Audited.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import IdPath
from crimelink.api.schemas.partnership import (
    RequestClose,
    RequestCreate,
    RequestDecline,
    RequestListPublic,
    RequestPublic,
    RequestRoute,
    SuggestionPublic,
)
from crimelink.services import assistance

router = APIRouter(prefix="/requests", tags=["requests for assistance"])


def _public(view: assistance.RequestView) -> RequestPublic:
    return RequestPublic.model_validate(asdict(view))


@router.get("")
def list_requests(
    db: SessionDep, actor: CurrentActor, box: str = "raised", pending_only: bool = False
) -> RequestListPublic:
    """``box``: ``raised`` (your agency's), ``received`` (routed to your agency) or ``all`` (the router)."""
    views = assistance.list_requests(db, actor, box=box, pending_only=pending_only)
    db.commit()
    return RequestListPublic.model_validate({"box": box, "requests": [asdict(v) for v in views]})


@router.post("", status_code=201)
def raise_request(body: RequestCreate, db: SessionDep, actor: CurrentActor) -> RequestPublic:
    view = assistance.raise_request(
        db,
        actor,
        assistance.RequestInput(
            title=body.title,
            specialism=body.specialism,
            details=body.details,
            urgency=body.urgency,
            group_id=body.group_id,
            entity_id=body.entity_id,
            due_on=body.due_on,
        ),
    )
    db.commit()
    return _public(view)


@router.get("/{request_id}")
def get_request(request_id: IdPath, db: SessionDep, actor: CurrentActor) -> RequestPublic:
    view = assistance.get_request(db, actor, request_id)
    db.commit()
    return _public(view)


@router.get("/{request_id}/suggestions")
def suggest_specialists(request_id: IdPath, db: SessionDep, actor: CurrentActor) -> list[SuggestionPublic]:
    """Contacts of the directory who fit the request, best first, each with why."""
    suggestions = assistance.suggest_specialists(db, actor, request_id)
    db.commit()
    return [SuggestionPublic.model_validate(asdict(s)) for s in suggestions]


@router.post("/{request_id}/route")
def route_request(
    request_id: IdPath, body: RequestRoute, db: SessionDep, actor: CurrentActor
) -> RequestPublic:
    view = assistance.route_request(db, actor, request_id, contact_id=body.contact_id, note=body.note)
    db.commit()
    return _public(view)


@router.post("/{request_id}/accept")
def accept_request(request_id: IdPath, db: SessionDep, actor: CurrentActor) -> RequestPublic:
    view = assistance.accept_request(db, actor, request_id)
    db.commit()
    return _public(view)


@router.post("/{request_id}/close")
def close_request(
    request_id: IdPath, body: RequestClose, db: SessionDep, actor: CurrentActor
) -> RequestPublic:
    view = assistance.close_request(db, actor, request_id, response=body.response)
    db.commit()
    return _public(view)


@router.post("/{request_id}/decline")
def decline_request(
    request_id: IdPath, body: RequestDecline, db: SessionDep, actor: CurrentActor
) -> RequestPublic:
    view = assistance.decline_request(db, actor, request_id, reason=body.reason)
    db.commit()
    return _public(view)
