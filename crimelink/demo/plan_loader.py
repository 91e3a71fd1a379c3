"""Give the demo borough its co-ordinated plan, entered as each agency's officer would enter it.

Only for the synthetic demo borough. ``crimelink demo plan`` reads the plan file (:mod:`crimelink.demo.plan`)
and puts every line of it through the ordinary services as the demo user of the agency that would do it,
so each step is checked and audited like any user's:

1. **Organised crime groups** (:mod:`crimelink.demo.plan_groups`): the demo's analyst confirms the
   candidates of their group analysis that match the groups planted in the borough, so that the plan has
   groups to work on; a planted group with no candidate gets a plan against a single target instead.
2. **The directory of contacts**, added by the co-ordinator (``coordinator.demo``).
3. **The partnership plan**: objectives under the 4Ps with Clear-Hold-Build phases and a county-lines week
   of action across boroughs, each with actions, set by the co-ordinator and moved on by the agencies.
4. **Disruption plans** (:mod:`crimelink.demo.plan_disruption`), opened by the Organised Crime Advisor,
   with actions drawn from the tactics recommended for each group or target, in every state of the flow;
   the nail bar's GLAA action follows the GLAA day of action through deconfliction (it meets the police's
   covert surveillance, so it waits on the desk without learning why).
5. **The board a month ago**: called a week before it sat (its agenda built from the live items of that
   day), minutes, and resolutions that became actions, moved on since by their agencies.
6. **Requests for assistance** raised by partners and routed, accepted, closed or declined.
7. **Outcomes** over the last six months, each recorded by its agency against the action or initiative
   it came from, so the performance dashboard shows trends.
8. **The board next week**, its agenda built from today's live items.

Days are relative to ``now`` (the moment it runs), so overdue actions are overdue on first run; the
services' own ``now`` parameters place each step on its day. Run it after ``crimelink demo operations``.
Running it again adds nothing: groups, contacts, objectives, initiatives, plans, requests, meetings and
outcomes already held under their name or title are left as they are. The caller commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed
from crimelink.demo.operations_loader import read_operations
from crimelink.demo.plan import DemoPlan, MeetingSpec, PartnershipActionSpec, RequestSpec, demo_plan
from crimelink.demo.plan_disruption import add_disruption_plan
from crimelink.demo.plan_groups import confirm_planted_groups, read_truth
from crimelink.demo.plan_run import COORDINATOR, OFFICERS, DemoPlanSummary, PlanRun
from crimelink.domain import ActionStatus, RequestStatus
from crimelink.services.assistance import (
    RequestInput,
    accept_request,
    close_request,
    decline_request,
    raise_request,
    route_request,
)
from crimelink.services.contacts import ContactInput, add_contact
from crimelink.services.demo_users import ensure_operation_officers, ensure_plan_officers
from crimelink.services.meetings import (
    MeetingInput,
    ResolutionInput,
    add_agenda_item,
    add_resolution,
    call_meeting,
    mark_held,
    record_minutes,
)
from crimelink.services.outcomes import OutcomeInput, record_outcome
from crimelink.services.partnership_plan import (
    InitiativeInput,
    ObjectiveInput,
    add_plan_action,
    create_initiative,
    create_objective,
    move_initiative,
)
from crimelink.services.plan_actions import overdue_actions
from crimelink.settings import Settings
from crimelink.store.models import (
    Agency,
    AssistanceRequest,
    Contact,
    Initiative,
    Meeting,
    Outcome,
    PartnershipObjective,
    PlanAction,
    User,
)
from crimelink.store.models.base import utcnow

__all__ = ["DemoPlanSummary", "load_demo_plan"]


def load_demo_plan(
    session: Session,
    directory: Path,
    settings: Settings,
    *,
    now: datetime | None = None,
    content: DemoPlan | None = None,
) -> DemoPlanSummary:
    """Enter the demo's plan (``content``, by default the packaged one) through the services as each
    agency's demo user, counting days from ``now``. The caller commits."""
    content = content or demo_plan()
    truth = read_truth(directory)
    operations = read_operations(directory)
    summary = DemoPlanSummary()
    summary.sign_ins = ensure_operation_officers(session, settings) + ensure_plan_officers(session, settings)
    run = PlanRun(session, (now or utcnow()).astimezone(UTC), summary)
    single_target = {plan.scenario: plan.single_target for plan in content.plans}
    titles = {plan.scenario: plan.title for plan in content.plans}
    confirm_planted_groups(
        run, truth, lead_agency=content.lead_agency, single_target=single_target, plan_titles=titles
    )
    _add_contacts(run, content)
    _add_partnership_plan(run, content)
    for plan in content.plans:
        add_disruption_plan(run, plan, operations)
    # The board sat before the requests now pending were raised: its agenda is built without them.
    _hold_meeting(run, content.held_meeting)
    _add_requests(run, content)
    _record_outcomes(run, content)
    _meeting(run, content.next_meeting)
    counts = Counter(session.scalars(select(PlanAction.status)))
    summary.actions_by_status = {status.value: counts.get(status, 0) for status in ActionStatus}
    summary.overdue = len(overdue_actions(session, today=run.now.date()))
    return summary


# --- the directory and the partnership plan --------------------------------------------------------


def _add_contacts(run: PlanRun, content: DemoPlan) -> None:
    coordinator = run.actor(COORDINATOR)
    for spec in content.contacts:
        agency = run.agency(spec.agency)
        exists = run.session.scalar(
            select(Contact.id).where(Contact.agency_id == agency.id, Contact.name == spec.name).limit(1)
        )
        if exists is not None:
            run.summary.already_there["contacts"] += 1
            continue
        username = spec.username
        if username and run.session.scalar(select(User.id).where(User.username == username)) is None:
            username = ""
        add_contact(
            run.session,
            coordinator,
            ContactInput(
                agency_id=agency.id,
                name=spec.name,
                specialisms=[s.value for s in spec.specialisms],
                job_title=spec.job_title,
                email=spec.email,
                phone=spec.phone,
                out_of_hours=spec.out_of_hours,
                username=username,
                notes=spec.notes,
            ),
        )
        run.summary.added["contacts"] += 1


def _add_partnership_plan(run: PlanRun, content: DemoPlan) -> None:
    """The objectives under the 4Ps and their actions, set six months ago; then the week of action."""
    coordinator = run.actor(COORDINATOR)
    for spec in content.objectives:
        found = run.session.scalar(
            select(PartnershipObjective.id).where(PartnershipObjective.title == spec.title).limit(1)
        )
        if found is not None:
            run.objectives[spec.key] = found
            run.summary.already_there["objectives"] += 1
            continue
        data = ObjectiveInput(
            title=spec.title,
            four_p=spec.four_p,
            description=spec.description,
            phase=spec.phase,
            owner_agency_id=run.agency(spec.owner).id,
            measure=spec.measure,
        )
        view = create_objective(run.session, coordinator, data, now=run.at(-180))
        run.objectives[spec.key] = view.id
        run.summary.added["objectives"] += 1
        for action in content.objective_actions:
            if action.objective == spec.key:
                _add_partnership_action(run, action, objective_id=view.id)
    _add_week_of_action(run, content)


def _add_week_of_action(run: PlanRun, content: DemoPlan) -> None:
    spec = content.initiative
    found = run.session.scalar(select(Initiative.id).where(Initiative.name == spec.name).limit(1))
    if found is not None:
        run.initiative_id = found
        run.summary.already_there["initiatives"] += 1
        return
    coordinator = run.actor(COORDINATOR)
    data = InitiativeInput(
        name=spec.name,
        lead_agency_id=run.agency(spec.lead).id,
        description=spec.description,
        phase=spec.phase,
        area=spec.area,
        starts_on=run.day(spec.starts),
        ends_on=run.day(spec.ends),
        partner_agency_ids=[run.agency(code).id for code in spec.partners],
        objective_id=run.objectives.get(spec.objective),
        measures=spec.measures,
    )
    view = create_initiative(run.session, coordinator, data, now=run.at(spec.opened))
    run.initiative_id = view.id
    run.summary.added["initiatives"] += 1
    for action in content.initiative_actions:
        _add_partnership_action(run, action, initiative_id=view.id)
    # It has run; the debrief to the Board is still to come, so it stays active.
    move_initiative(run.session, coordinator, view.id, to_status="ACTIVE", now=run.at(spec.starts, 7))


def _add_partnership_action(
    run: PlanRun,
    spec: PartnershipActionSpec,
    *,
    objective_id: int | None = None,
    initiative_id: int | None = None,
) -> None:
    action = add_plan_action(
        run.session,
        run.actor(COORDINATOR),
        title=spec.title,
        agency_id=run.agency(spec.agency).id,
        objective_id=objective_id,
        initiative_id=initiative_id,
        due_on=run.day(spec.due),
        assignee=spec.assignee,
        now=run.at(spec.opened),
    )
    run.summary.added["actions"] += 1
    run.finish(action.id, spec.agency, spec.state, moved=spec.moved, note=spec.note)


# --- requests for assistance -----------------------------------------------------------------------


def _add_requests(run: PlanRun, content: DemoPlan) -> None:
    coordinator = run.actor(COORDINATOR)
    for spec in content.requests:
        agency = run.agency(spec.by)
        found = run.session.scalar(
            select(AssistanceRequest.id)
            .where(AssistanceRequest.requesting_agency_id == agency.id, AssistanceRequest.title == spec.title)
            .limit(1)
        )
        if found is not None:
            run.summary.already_there["requests"] += 1
            continue
        subject = run.subjects.get(spec.about) if spec.about else None
        data = RequestInput(
            title=spec.title,
            specialism=spec.specialism,
            details=spec.details,
            urgency=spec.urgency,
            group_id=subject.group_id if subject else None,
            entity_id=subject.target_entity_id if subject and subject.group_id is None else None,
            due_on=run.day(spec.raised + spec.wanted_in),
        )
        view = raise_request(run.session, run.officer(spec.by), data, now=run.at(spec.raised))
        run.summary.added["requests"] += 1
        _answer(run, view.id, spec, coordinator)


def _answer(run: PlanRun, request_id: int, spec: RequestSpec, router: Actor) -> None:
    """The router sends the request to its contact; the agency it reaches accepts, closes or declines it."""
    if spec.state == RequestStatus.OPEN:
        return
    contact = run.session.scalar(select(Contact).where(Contact.name == spec.route_to).limit(1))
    if contact is None:
        run.summary.notes.append(f"request {request_id}: {spec.route_to} is not in the directory")
        return
    day = spec.raised + spec.step_after
    route_request(run.session, router, request_id, contact_id=contact.id, now=run.at(day))
    if spec.state == RequestStatus.ROUTED:
        return
    receiver = _receiver(run, contact, router)
    day += spec.step_after
    if spec.state == RequestStatus.DECLINED:
        decline_request(run.session, receiver, request_id, reason=spec.response, now=run.at(day))
        return
    accept_request(run.session, receiver, request_id, now=run.at(day))
    if spec.state == RequestStatus.CLOSED:
        day += spec.step_after
        close_request(run.session, receiver, request_id, response=spec.response, now=run.at(day))


def _receiver(run: PlanRun, contact: Contact, router: Actor) -> Actor:
    """Who answers for the contact: the contact themselves if they sign in, else their agency's officer."""
    if contact.username:
        return run.actor(contact.username)
    agency = run.session.get(Agency, contact.agency_id)
    return run.officer(agency.code) if agency is not None and agency.code in OFFICERS else router


# --- meetings --------------------------------------------------------------------------------------


def _meeting(run: PlanRun, spec: MeetingSpec) -> int | None:
    """Call the meeting, its agenda built from the live items of the day it is called (``None``: already
    there)."""
    found = run.session.scalar(select(Meeting.id).where(Meeting.title == spec.title).limit(1))
    if found is not None:
        run.summary.already_there["meetings"] += 1
        return None
    coordinator = run.actor(COORDINATOR)
    called = run.at(spec.called) if spec.called < 0 else run.now
    data = MeetingInput(
        title=spec.title,
        held_at=run.at(spec.day, 10),
        location=spec.location,
        chair=spec.chair,
        attendees=spec.attendees,
    )
    view = call_meeting(run.session, coordinator, data, now=called)
    for item in spec.own_items:
        add_agenda_item(run.session, coordinator, view.id, title=item.title, detail=item.detail, now=called)
    run.summary.added["meetings"] += 1
    return view.id


def _hold_meeting(run: PlanRun, spec: MeetingSpec) -> None:
    """The board sat: minutes, and resolutions that became actions (moved on since by their agencies)."""
    meeting_id = _meeting(run, spec)
    if meeting_id is None:
        return
    coordinator = run.actor(COORDINATOR)
    sat = run.at(spec.day, 12)
    record_minutes(run.session, coordinator, meeting_id, minutes=spec.minutes, now=sat)
    for resolution in spec.resolutions:
        data = ResolutionInput(
            text=resolution.text,
            agency_id=run.agency(resolution.agency).id if resolution.agency else None,
            assignee=resolution.assignee,
            due_on=run.day(resolution.due) if resolution.due is not None else None,
        )
        view = add_resolution(run.session, coordinator, meeting_id, data, now=sat)
        if view.action is not None:
            run.summary.added["actions"] += 1
            run.finish(
                view.action.id,
                resolution.agency,
                resolution.state,
                moved=resolution.moved,
                note=resolution.note,
            )
    mark_held(run.session, coordinator, meeting_id, now=sat)


# --- outcomes --------------------------------------------------------------------------------------


def _record_outcomes(run: PlanRun, content: DemoPlan) -> None:
    """Each outcome recorded by its agency's officer on its day, against the action it came from."""
    plan_of = {action.key: plan.key for plan in content.plans for action in plan.actions}
    for spec in content.outcomes:
        recorder = run.officer(spec.agency)
        found = run.session.scalar(
            select(Outcome.id)
            .where(
                Outcome.agency_id == recorder.agency_id,
                Outcome.kind == spec.kind,
                Outcome.notes == spec.notes,
            )
            .limit(1)
        )
        if found is not None:
            run.summary.already_there["outcomes"] += 1
            continue
        action_id = run.actions.get(spec.action) if spec.action else None
        plan_id = None
        if spec.action and action_id is None:
            # Its action was left out (no tactic recommended): the plan, for a recorder who reads plans.
            if allowed(recorder, Action.PLAN_VIEW):
                plan_id = run.plans.get(plan_of.get(spec.action, ""))
            run.summary.notes.append(f"outcome '{spec.notes}': its action {spec.action} was not added")
        data = OutcomeInput(
            kind=spec.kind,
            occurred_on=run.day(spec.day),
            quantity=spec.quantity,
            unit=spec.unit,
            value_gbp=spec.value_gbp,
            cost_gbp=spec.cost_gbp,
            notes=spec.notes,
            action_id=action_id,
            plan_id=plan_id,
            initiative_id=run.initiative_id if spec.initiative else None,
        )
        record_outcome(run.session, recorder, data, now=run.at(spec.day))
        run.summary.added["outcomes"] += 1
