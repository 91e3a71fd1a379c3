"""What the demo borough's partnership has put in its co-ordinated plan: ``data/plan.yaml``, checked.

Synthetic content only, read by :mod:`crimelink.demo.plan_loader` (``crimelink demo plan``), which
enters every line through the ordinary services as the demo agency's officer. The file's header says
what each section holds. Days are relative to the day the loader runs (``-30``: a month ago; ``7``: next
week). Loading checks the file as a whole (every key an entry refers to exists, every tactic is on the
menu, every day falls where its state needs it) and names the entry and field of any problem.

Names of people here are the partnership's own (officers and contacts), never the synthetic residents of
the borough: those reach the plan only through the recommendations read from the demo's records.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crimelink.domain import (
    ActionStatus,
    ClearHoldBuild,
    FourP,
    OutcomeKind,
    RequestStatus,
    RequestUrgency,
    Specialism,
)
from crimelink.domain.reference import default_reference
from crimelink.errors import ImportFileError

PLAN_FILE = Path(__file__).parent / "data" / "plan.yaml"
#: A done action was started this many days before it was finished.
DAYS_TO_FINISH = 2
#: States an action is taken to by moves of its own; DECONFLICTING comes only from an operation.
MOVED_TO = frozenset(
    {
        ActionStatus.PROPOSED,
        ActionStatus.APPROVED,
        ActionStatus.IN_PROGRESS,
        ActionStatus.DONE,
        ActionStatus.ABANDONED,
    }
)


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactSpec(_Entry):
    agency: str
    name: str
    job_title: str
    specialisms: tuple[Specialism, ...] = Field(min_length=1)
    email: str
    phone: str
    out_of_hours: bool = False
    #: The demo user this contact signs in as (they see requests routed to them on their home page).
    username: str = ""
    notes: str = ""


class ObjectiveSpec(_Entry):
    key: str
    title: str
    four_p: FourP
    phase: ClearHoldBuild
    owner: str
    measure: str
    description: str = ""


class PartnershipActionSpec(_Entry):
    """An action serving an objective or the initiative (approved at once: the partnership set it)."""

    title: str
    agency: str
    opened: int
    due: int
    state: ActionStatus = ActionStatus.APPROVED
    assignee: str = ""
    objective: str = ""
    #: IN_PROGRESS or DONE: the day it moved there.
    moved: int = 0
    note: str = ""

    @model_validator(mode="after")
    def _days(self) -> PartnershipActionSpec:
        _check_state(self.state, self.opened, self.moved, self.note, allowed=_AGENCY_STATES)
        return self


class InitiativeSpec(_Entry):
    name: str
    lead: str
    partners: tuple[str, ...]
    phase: ClearHoldBuild
    area: str
    starts: int
    ends: int
    objective: str
    measures: str
    description: str
    opened: int


class ActionSpec(_Entry):
    """An action of a disruption plan: the first of ``tactics`` recommended for the plan's target."""

    key: str
    tactics: tuple[str, ...] = Field(min_length=1)
    agency: str
    state: ActionStatus
    opened: int
    due: int
    assignee: str = ""
    #: APPROVED, IN_PROGRESS, DONE, ABANDONED: the day it last moved.
    moved: int = 0
    #: Why it was abandoned, or what its last move says.
    note: str = ""
    #: The key (in ``operations.json``) of the agency's operation this action follows.
    follows_operation: str = ""

    @model_validator(mode="after")
    def _days(self) -> ActionSpec:
        if self.follows_operation and self.state != ActionStatus.PROPOSED:
            raise ValueError("an action that follows an operation starts PROPOSED: the operation moves it")
        _check_state(self.state, self.opened, self.moved, self.note, allowed=MOVED_TO)
        return self


class PlanSpec(_Entry):
    key: str
    scenario: str
    #: ``{name}``: the planted group's name.
    title: str
    owner: str
    officer: str
    objectives: str
    objective: str
    opened: int
    #: The day it was last reviewed; ``None``: not since it opened (so its review may be overdue).
    reviewed: int | None = None
    review_every_days: int = Field(default=28, ge=1, le=366)
    #: What the plan targets when the demo's analyst confirmed no group: the group's business or principal.
    single_target: Literal["business", "principal"]
    actions: tuple[ActionSpec, ...] = Field(min_length=1)


class OutcomeSpec(_Entry):
    """What came of an action (its key) or of the week of action."""

    kind: OutcomeKind
    agency: str
    day: int = Field(le=0)
    notes: str = Field(min_length=1)
    action: str = ""
    initiative: bool = False
    quantity: float | None = None
    unit: str = ""
    value_gbp: float | None = None
    cost_gbp: float | None = None


class AgendaItemSpec(_Entry):
    title: str
    detail: str = ""


class ResolutionSpec(_Entry):
    text: str
    agency: str = ""
    assignee: str = ""
    due: int | None = None
    #: What became of its action since: APPROVED (as resolved), IN_PROGRESS or DONE.
    state: ActionStatus = ActionStatus.APPROVED
    moved: int = 0
    note: str = ""

    @model_validator(mode="after")
    def _owner(self) -> ResolutionSpec:
        if (self.due is None) != (not self.agency):
            raise ValueError("a resolution that becomes an action needs both an agency and a due day")
        if self.state not in _AGENCY_STATES:
            raise ValueError("a resolution's action is APPROVED, IN_PROGRESS or DONE")
        return self


class MeetingSpec(_Entry):
    title: str
    day: int
    #: The day it was called: its agenda is built from the live items of that day.
    called: int = Field(le=0)
    location: str
    chair: str
    attendees: tuple[str, ...]
    own_items: tuple[AgendaItemSpec, ...] = ()
    minutes: str = ""
    resolutions: tuple[ResolutionSpec, ...] = ()

    @model_validator(mode="after")
    def _held(self) -> MeetingSpec:
        if self.called > self.day:
            raise ValueError("a meeting is called before it sits")
        if (self.minutes or self.resolutions) and self.day > 0:
            raise ValueError("only a meeting that has sat has minutes and resolutions")
        for resolution in self.resolutions:
            if resolution.state != ActionStatus.APPROVED:
                _check_state(
                    resolution.state, self.day, resolution.moved, resolution.note, allowed=_AGENCY_STATES
                )
            if resolution.due is not None and resolution.due < self.day:
                raise ValueError("a resolution is due on or after the day the meeting sat")
        return self


class RequestSpec(_Entry):
    title: str
    by: str
    specialism: Specialism
    urgency: RequestUrgency
    details: str
    raised: int = Field(le=0)
    #: Days after it was raised that an answer is wanted.
    wanted_in: int = Field(ge=0)
    state: RequestStatus
    #: The contact of the directory the router sends it to (by name).
    route_to: str = ""
    #: Days between each step after it was raised (routed, accepted, closed or declined).
    step_after: int = Field(default=1, ge=0)
    #: The answer given (closed) or why it was declined.
    response: str = ""
    #: The planted group it is about (by scenario).
    about: str = ""

    @model_validator(mode="after")
    def _steps(self) -> RequestSpec:
        if self.state != RequestStatus.OPEN and not self.route_to:
            raise ValueError("a request past OPEN names the contact it was routed to (route_to)")
        if self.state in (RequestStatus.CLOSED, RequestStatus.DECLINED) and not self.response:
            raise ValueError("a closed or declined request says the answer or the reason (response)")
        steps = {RequestStatus.ROUTED: 1, RequestStatus.ACCEPTED: 2, RequestStatus.DECLINED: 2}
        if (
            self.raised
            + self.step_after * steps.get(self.state, 3 if self.state == RequestStatus.CLOSED else 0)
            > 0
        ):
            raise ValueError("every step of the request falls on or before today")
        return self


class DemoPlan(_Entry):
    """The whole file, checked as a whole."""

    contacts: tuple[ContactSpec, ...]
    objectives: tuple[ObjectiveSpec, ...]
    objective_actions: tuple[PartnershipActionSpec, ...]
    initiative: InitiativeSpec
    initiative_actions: tuple[PartnershipActionSpec, ...]
    lead_agency: dict[str, str]
    plans: tuple[PlanSpec, ...]
    outcomes: tuple[OutcomeSpec, ...]
    held_meeting: MeetingSpec
    next_meeting: MeetingSpec
    requests: tuple[RequestSpec, ...]

    @model_validator(mode="after")
    def _references(self) -> DemoPlan:
        objectives = {o.key for o in self.objectives}
        wanted = {a.objective for a in self.objective_actions} | {p.objective for p in self.plans}
        wanted.add(self.initiative.objective)
        if missing := wanted - objectives:
            raise ValueError(f"no objective has the key {', '.join(sorted(missing))}")
        keys = [a.key for p in self.plans for a in p.actions]
        if len(keys) != len(set(keys)):
            raise ValueError("two plan actions share a key")
        menu = {t.id for t in default_reference().tactics}
        if unknown := {t for p in self.plans for a in p.actions for t in a.tactics} - menu:
            raise ValueError(f"not on the menu of tactics: {', '.join(sorted(unknown))}")
        if missing := {o.action for o in self.outcomes if o.action} - set(keys):
            raise ValueError(f"outcomes name actions no plan has: {', '.join(sorted(missing))}")
        contacts = {c.name for c in self.contacts}
        if missing := {r.route_to for r in self.requests if r.route_to} - contacts:
            raise ValueError(
                f"requests are routed to people not in the directory: {', '.join(sorted(missing))}"
            )
        return self


_AGENCY_STATES = frozenset({ActionStatus.APPROVED, ActionStatus.IN_PROGRESS, ActionStatus.DONE})


def _check_state(
    state: ActionStatus, opened: int, moved: int, note: str, *, allowed: frozenset[ActionStatus]
) -> None:
    if state not in allowed:
        raise ValueError(f"state is one of {', '.join(sorted(s.value for s in allowed))}")
    if state == ActionStatus.ABANDONED and not note:
        raise ValueError("an abandoned action says why (note)")
    if state in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.ABANDONED) and not (
        opened < moved <= 0
    ):
        raise ValueError("an action moved after it was opened, and on or before today (opened < moved <= 0)")
    if state == ActionStatus.DONE and moved - opened < DAYS_TO_FINISH + 1:
        raise ValueError(
            f"a done action was started {DAYS_TO_FINISH} days before it was finished: open it earlier"
        )


def read_plan(path: Path) -> DemoPlan:
    """The plan file at ``path``, checked; :class:`ImportFileError` names the entry and field at fault."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ImportFileError(str(path), f"cannot read it ({error})") from None
    try:
        return DemoPlan.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ImportFileError(str(path), f"{where}: {first['msg']}") from None


@lru_cache(maxsize=1)
def demo_plan() -> DemoPlan:
    """The packaged plan of the demo borough (:data:`PLAN_FILE`)."""
    return read_plan(PLAN_FILE)
