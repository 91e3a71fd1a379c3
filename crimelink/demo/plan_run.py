"""One run of ``crimelink demo plan``: who acts for each agency, the day each step falls on, what was done.

Shared by :mod:`crimelink.demo.plan_loader` and the modules it calls (:mod:`crimelink.demo.plan_groups`,
:mod:`crimelink.demo.plan_disruption`). Only for the synthetic demo borough.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.demo.plan import DAYS_TO_FINISH
from crimelink.domain import ActionStatus, Purpose, UserRole
from crimelink.errors import StoreError
from crimelink.services.auth import actor_for_user
from crimelink.services.plan_actions import move_action
from crimelink.store.models import Agency, User

ANALYST = "analyst.demo"
ADVISOR = "advisor.demo"
COORDINATOR = "coordinator.demo"
#: The demo user who acts for each agency (starts and finishes its actions, records its outcomes,
#: answers requests routed to it). An agency with no demo user has its actions moved by the plan's manager.
OFFICERS = {
    "POLICE": ADVISOR,
    "LBA-HOUSING": "partner.demo",
    "LBA-CSC": "safeguarding.demo",
    "GLAA": "glaa.demo",
    "LBA-TS": "tradingstandards.demo",
    "LBA-LICENSING": "licensing.demo",
    "LBA-ENV": "environment.demo",
}
#: Why each demo user is acting (the purpose of their session; the audit records it).
PURPOSES = {"safeguarding.demo": Purpose.SAFEGUARDING}


@dataclass
class DemoPlanSummary:
    """What one run did: what it added (by kind), what was already there, and what the demo shows now."""

    added: Counter[str] = field(default_factory=Counter)
    already_there: Counter[str] = field(default_factory=Counter)
    confirmed_groups: list[str] = field(default_factory=list)
    #: Plans against a single target, and why (the planted group yielded no candidate).
    single_targets: list[str] = field(default_factory=list)
    #: Anything left out, and why (e.g. none of an action's tactics was recommended for its target).
    notes: list[str] = field(default_factory=list)
    #: Every action of the store by status, and how many are overdue, after the run.
    actions_by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    sign_ins: list[tuple[UserRole, str, str, str]] = field(default_factory=list)


@dataclass
class PlanSubject:
    """What a plan is against: a confirmed group or a single entity, and every planted entity resolved."""

    scenario: str
    name: str
    group_id: int | None
    target_entity_id: int | None
    entities: list[int]


@dataclass
class PlanRun:
    """The session, the moment the run counts days from, the demo users acting and what each step made."""

    session: Session
    now: datetime
    summary: DemoPlanSummary
    subjects: dict[str, PlanSubject] = field(default_factory=dict)
    objectives: dict[str, int] = field(default_factory=dict)
    initiative_id: int | None = None
    plans: dict[str, int] = field(default_factory=dict)
    #: Each plan action's key in the plan file -> the action's id.
    actions: dict[str, int] = field(default_factory=dict)
    _actors: dict[tuple[str, Purpose | None], Actor] = field(default_factory=dict)
    _agencies: dict[str, Agency] = field(default_factory=dict)

    def at(self, day: int, hour: int | None = None) -> datetime:
        """``day`` days from now (at ``hour`` o'clock UTC, when given)."""
        moment = self.now + timedelta(days=day)
        return moment if hour is None else datetime.combine(moment.date(), time(hour), tzinfo=UTC)

    def day(self, day: int) -> date:
        return (self.now + timedelta(days=day)).date()

    def actor(self, username: str, purpose: Purpose | None = None) -> Actor:
        """The demo user ``username``, signed in for ``purpose`` (by default, their usual one)."""
        if (username, purpose) not in self._actors:
            user = self.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise StoreError(f"there is no demo user {username}: run `crimelink demo users` first")
            why = purpose or PURPOSES.get(username, Purpose.CRIME_PREVENTION_DETECTION)
            self._actors[(username, purpose)] = actor_for_user(self.session, user, why)
        return self._actors[(username, purpose)]

    def officer(self, agency_code: str) -> Actor:
        """The demo user acting for ``agency_code`` (the plans' manager, for an agency without one)."""
        return self.actor(OFFICERS.get(agency_code, ADVISOR))

    def agency(self, code: str) -> Agency:
        if code not in self._agencies:
            found = self.session.scalar(select(Agency).where(Agency.code == code))
            if found is None:
                raise StoreError(f"the demo agency {code} is not registered: run `crimelink demo load` first")
            self._agencies[code] = found
        return self._agencies[code]

    def finish(self, action_id: int, agency_code: str, state: ActionStatus, *, moved: int, note: str) -> None:
        """Take an approved action on to ``state`` as its agency's officer would: start it, finish it."""
        officer = self.officer(agency_code)
        if state == ActionStatus.IN_PROGRESS:
            move_action(self.session, officer, action_id, to_status=state, note=note, now=self.at(moved))
        elif state == ActionStatus.DONE:
            started = self.at(moved - DAYS_TO_FINISH)
            move_action(self.session, officer, action_id, to_status=ActionStatus.IN_PROGRESS, now=started)
            move_action(self.session, officer, action_id, to_status=state, note=note, now=self.at(moved))
