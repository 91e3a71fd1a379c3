"""/api/outcomes and /api/reminders: outcomes and their grading, the performance dashboard, reminders.

Reading outcomes and the dashboard needs ``outcome.view`` (every reader; ``read`` scope), recording one
``outcome.record`` for your own agency (``write`` scope). Sending reminders needs ``reminder.send``
(co-ordinators and administrators); without an SMTP server configured the API answers 503 saying so.
Every call is audited.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from crimelink.access import Action
from crimelink.api.deps import CurrentActor, SessionDep, SettingsDep
from crimelink.api.schemas.common import ErrorPublic, IdPath, StoreId
from crimelink.api.schemas.outcomes import (
    DashboardPublic,
    GradingPublic,
    LetterPublic,
    OutcomeCreate,
    OutcomeListPublic,
    OutcomePublic,
    ReminderItemPublic,
    ReminderRunPublic,
    SentReminderListPublic,
    SentReminderPublic,
)
from crimelink.domain import DisruptionImpact, OutcomeKind
from crimelink.errors import ConfigurationError
from crimelink.planning.grading import OUTCOME_KIND_LABELS, DisruptionGrading, grading_from
from crimelink.services import outcomes, reminders
from crimelink.services.callers import authorise
from crimelink.services.mail import SmtpMailer
from crimelink.services.outcome_dashboard import default_span
from crimelink.settings import Settings
from crimelink.store.models.base import utcnow

router = APIRouter(tags=["outcomes"])


def grading_of(settings: Settings) -> DisruptionGrading:
    """The grading the settings name (``CRIMELINK_DISRUPTION_GRADING_FILE``), or the packaged one."""
    return grading_from(settings.disruption_grading_file)


def grading_public(grading: DisruptionGrading) -> GradingPublic:
    return GradingPublic.model_validate(
        {
            "file": grading.file,
            "verified": grading.verified,
            "source": grading.source,
            "grades": grading.grades,
            "kinds": [
                {
                    "kind": kind,
                    "label": OUTCOME_KIND_LABELS[kind],
                    "default": entry.default,
                    "counts": entry.counts,
                    "rules": [rule.model_dump() for rule in entry.rules],
                }
                for kind, entry in grading.kinds.items()
            ],
        }
    )


def item_public(item: reminders.ReminderItem) -> ReminderItemPublic:
    return ReminderItemPublic.model_validate({**asdict(item), "why": item.why})


def run_public(run: reminders.ReminderRun) -> ReminderRunPublic:
    results = {r.recipient: r for r in run.results}
    letters = []
    for letter in run.plan.letters:
        result = results.get(letter.recipient)
        letters.append(
            LetterPublic(
                recipient=letter.recipient,
                subject_line=letter.subject_line,
                items=[item_public(i) for i in letter.items],
                delivered=result.delivered if result is not None else None,
                error=result.error if result is not None else "",
            )
        )
    return ReminderRunPublic(
        dry_run=run.dry_run,
        summary=run.summary(),
        delivered=run.delivered,
        failed=run.failed,
        problem=run.problem,
        letters=letters,
        unaddressed=[item_public(i) for i in run.plan.unaddressed],
        recently_reminded=[item_public(i) for i in run.plan.recently_reminded],
    )


@router.get("/outcomes")
def list_outcomes(
    db: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    since: date | None = None,
    until: date | None = None,
    agency_id: Annotated[StoreId | None, Query()] = None,
    group_id: Annotated[StoreId | None, Query(description="Needs group.view.")] = None,
    kind: OutcomeKind | None = None,
    impact: DisruptionImpact | None = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> OutcomeListPublic:
    """Outcomes, newest first, filtered as asked."""
    views = outcomes.list_outcomes(
        db,
        actor,
        since=since,
        until=until,
        agency_id=agency_id,
        group_id=group_id,
        kind=kind,
        impact=impact,
        limit=limit,
        grading=grading_of(settings),
    )
    db.commit()
    return OutcomeListPublic.model_validate({"outcomes": [asdict(v) for v in views]})


@router.post("/outcomes", status_code=201)
def record_outcome(
    body: OutcomeCreate, db: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> OutcomePublic:
    """Record an outcome for your agency, graded by the configured grading unless you say otherwise."""
    view = outcomes.record_outcome(
        db,
        actor,
        outcomes.OutcomeInput(**body.model_dump()),
        grading=grading_of(settings),
    )
    db.commit()
    return OutcomePublic.model_validate(asdict(view))


@router.get("/outcomes/dashboard")
def dashboard(
    db: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    since: Annotated[
        date | None, Query(description="Default: the first day of the month a year ago.")
    ] = None,
    until: Annotated[date | None, Query(description="Default: today.")] = None,
    agency_id: Annotated[StoreId | None, Query()] = None,
    group_id: Annotated[StoreId | None, Query(description="Needs group.view.")] = None,
) -> DashboardPublic:
    """Performance over time: outcomes by month, kind, agency, group and grade; actions done and overdue."""
    today = utcnow().date()
    default_since, default_until = default_span(today)
    board = outcomes.outcomes_dashboard(
        db,
        actor,
        since=since or default_since,
        until=until or default_until,
        agency_id=agency_id,
        group_id=group_id,
        today=today,
        grading=grading_of(settings),
    )
    db.commit()
    return DashboardPublic.model_validate(asdict(board))


@router.get("/outcomes/grading")
def grading(actor: CurrentActor, settings: SettingsDep) -> GradingPublic:
    """What each disruption grade means and each outcome kind's default grade (with its rules)."""
    authorise(actor, Action.OUTCOME_VIEW)
    return grading_public(grading_of(settings))


@router.get("/outcomes/{outcome_id}")
def get_outcome(
    outcome_id: IdPath, db: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> OutcomePublic:
    """One outcome, with how its grade was reached."""
    view = outcomes.get_outcome(db, actor, outcome_id, grading=grading_of(settings))
    db.commit()
    return OutcomePublic.model_validate(asdict(view))


@router.get("/reminders")
def reminders_sent(
    db: SessionDep, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> SentReminderListPublic:
    """The latest reminder e-mails sent or failed, newest first."""
    rows = reminders.recent_reminders(db, actor, limit=limit)
    db.commit()
    return SentReminderListPublic(
        reminders=[SentReminderPublic.model_validate({**asdict(r), "path": r.path}) for r in rows]
    )


@router.post(
    "/reminders/send",
    responses={503: {"model": ErrorPublic, "description": "No SMTP server is configured"}},
)
def send_reminders(
    db: SessionDep, actor: CurrentActor, settings: SettingsDep, dry_run: bool = False
) -> ReminderRunPublic:
    """Send the reminder e-mails due now (``dry_run``: say who would be told about what, send nothing).

    A server that cannot be reached is not an error of the call: the answer's ``failed`` and ``problem``
    say so, and the attempts are recorded.
    """
    authorise(actor, Action.REMINDER_SEND)
    try:
        mailer = SmtpMailer.from_settings(settings) if settings.smtp_host or not dry_run else None
        run = reminders.send_reminders(
            db, actor, mailer=mailer, policy=reminders.ReminderPolicy.from_settings(settings), dry_run=dry_run
        )
    except ConfigurationError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from None
    db.commit()
    return run_public(run)
