"""/api/safeguarding: the safeguarding inbox, alerts, the lead's actions on them, and scans.

Reading needs ``safeguarding.view`` and acting ``safeguarding.act`` (the safeguarding lead; API tokens with
the ``read`` and ``write`` scopes); scanning needs ``safeguarding.scan`` (the lead or an analyst; the
``import`` scope). An alert shows only what its records allow you to see; every read and action is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.safeguarding import (
    AlertActionCreate,
    AlertInboxPublic,
    AlertPublic,
    ScanCreate,
    ScanSummaryPublic,
)
from crimelink.services import safeguarding

router = APIRouter(prefix="/safeguarding", tags=["safeguarding"])

StatusFilter = Literal["open", "all", "raised", "acknowledged", "referred", "no_further_action", "closed"]
KindFilter = Literal["child", "adult_at_risk"]


@router.get("/alerts")
def alert_inbox(
    db: SessionDep,
    actor: CurrentActor,
    status: StatusFilter = "open",
    kind: KindFilter | None = None,
    limit: Annotated[int, Query(ge=1, le=safeguarding.MAX_INBOX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AlertInboxPublic:
    """Alerts (``open``: raised or acknowledged), most recently changed first, as far as you may see them."""
    inbox = safeguarding.alert_inbox(db, actor, status=status, kind=kind, limit=limit, offset=offset)
    db.commit()  # the view's audit event
    return AlertInboxPublic.model_validate(asdict(inbox))


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: IdPath, db: SessionDep, actor: CurrentActor) -> AlertPublic:
    """One alert: the subject, why, the threats and indicators, the routes, the evidence and what was done."""
    view = safeguarding.get_alert(db, actor, alert_id)
    db.commit()  # the view's audit event
    return AlertPublic.model_validate(asdict(view))


@router.post(
    "/alerts/{alert_id}/actions",
    responses={409: {"model": ErrorPublic, "description": "The alert's status does not allow this action"}},
)
def act_on_alert(
    alert_id: IdPath, body: AlertActionCreate, db: SessionDep, actor: CurrentActor
) -> AlertPublic:
    """Acknowledge the alert; then refer it (naming the route), record no further action, or close it."""
    view = safeguarding.act_on_alert(
        db, actor, alert_id, action=body.action, rationale=body.rationale, route=body.route
    )
    db.commit()
    return AlertPublic.model_validate(asdict(view))


@router.post("/scan")
def scan(body: ScanCreate, db: SessionDep, actor: CurrentActor) -> ScanSummaryPublic:
    """Screen the current records and raise alerts; a re-scan raises nothing twice. Counts only."""
    summary = safeguarding.scan_safeguarding(
        db, actor=actor, today=body.today or datetime.now(UTC).date(), min_score=body.min_score
    )
    db.commit()
    return ScanSummaryPublic.model_validate(asdict(summary))
