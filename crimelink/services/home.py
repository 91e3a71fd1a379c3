"""What the home page shows each user: only counts of things they may see.

Everyone sees how many agencies are in the partnership (the directory hit / no-hit answers point to).
People who may view records see their own agency's datasets with record counts (an agency always
sees its own records). Those who decide their agency's disclosure requests see how many are waiting.
Administrators see the administration counts. Everyone who works on the plan sees their agency's
overdue actions and pending requests for assistance (a co-ordinator: all of them), as
:mod:`crimelink.services.reminders` finds them for the reminder e-mails. Nothing else is counted here:
a count of other agencies' records would leak what the policy hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Action, Actor, AgencyResource, allowed
from crimelink.domain import DataCategory, DatasetKind, DisclosureStatus
from crimelink.services.admin import AdminCounts, admin_counts
from crimelink.services.reminders import ReminderItem, overdue_actions_for, pending_requests_for
from crimelink.store.models import Agency, Dataset, DisclosureRequest, SourceRecord


@dataclass(frozen=True)
class OwnDataset:
    code: str
    title: str
    kind: DatasetKind
    category: DataCategory
    records: int


@dataclass(frozen=True)
class HomeSummary:
    agencies: int
    #: ``None`` when the actor may not view records at all (so the page shows no dataset list).
    own_datasets: list[OwnDataset] | None
    admin: AdminCounts | None
    #: Requests to the actor's agency awaiting a decision; ``None`` when the actor may not decide them.
    pending_disclosures: int | None = None
    #: The agency's overdue actions (a co-ordinator's: all); ``None`` when the actor sees no actions.
    overdue_actions: list[ReminderItem] | None = None
    #: Requests for assistance the agency raised or was routed, still waiting (a co-ordinator's: all).
    pending_requests: list[ReminderItem] | None = None
    #: The actor may send the reminder e-mails now (``reminder.send``).
    may_send_reminders: bool = False


def home_summary(session: Session, actor: Actor, *, today: date) -> HomeSummary:
    agencies = session.scalar(select(func.count()).select_from(Agency)) or 0
    own: list[OwnDataset] | None = None
    if allowed(actor, Action.RECORD_VIEW):
        counted = session.execute(
            select(SourceRecord.dataset_id, func.count(func.distinct(SourceRecord.source_key)))
            .join(Dataset, Dataset.id == SourceRecord.dataset_id)
            .where(Dataset.agency_id == actor.agency_id)
            .group_by(SourceRecord.dataset_id)
        )
        counts = dict(counted.all())
        own = [
            OwnDataset(d.code, d.title, d.kind, d.category, counts.get(d.id, 0))
            for d in session.scalars(
                select(Dataset).where(Dataset.agency_id == actor.agency_id).order_by(Dataset.code)
            )
        ]
    admin = admin_counts(session, actor, today=today) if allowed(actor, Action.USER_MANAGE) else None
    return HomeSummary(
        agencies=agencies,
        own_datasets=own,
        admin=admin,
        pending_disclosures=_pending_disclosures(session, actor),
        overdue_actions=overdue_actions_for(session, actor, today=today),
        pending_requests=pending_requests_for(session, actor, today=today),
        may_send_reminders=bool(allowed(actor, Action.REMINDER_SEND)),
    )


def _pending_disclosures(session: Session, actor: Actor) -> int | None:
    if not allowed(actor, Action.DISCLOSURE_DECIDE, AgencyResource(actor.agency_id)):
        return None
    waiting = (
        select(func.count())
        .select_from(DisclosureRequest)
        .where(
            DisclosureRequest.holder_agency_id == actor.agency_id,
            DisclosureRequest.status == DisclosureStatus.PENDING,
        )
    )
    return session.scalar(waiting) or 0
