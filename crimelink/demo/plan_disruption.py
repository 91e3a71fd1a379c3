"""The demo's disruption plans: one per planted group, its actions drawn from the recommended tactics.

The Organised Crime Advisor (``advisor.demo``) opens each plan of the plan file against the group the
demo's analyst confirmed, or against its single target, asks for the tactics recommended for it, and adds
each action as the first of its preferred tactics that is recommended and owned by the agency it is
given to (the recommendation's reasons go into the action's description, and its first aim becomes the
action's target). The action is then taken to its state through the action flow: approved by the
advisor, started and finished by the agency's own officer, or abandoned with the reason. An action that
is an operation is linked by its agency's officer to the operation ``crimelink demo operations``
registered, and from then on follows it through deconfliction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from crimelink.demo.plan import ActionSpec, PlanSpec
from crimelink.demo.plan_run import ADVISOR, OFFICERS, PlanRun, PlanSubject
from crimelink.domain import ActionStatus, Purpose
from crimelink.planning import Recommendation
from crimelink.services.disruption_plans import PlanInput, add_action, link_operation, open_plan, review_plan
from crimelink.services.plan_actions import ActionInput, move_action
from crimelink.services.tactics import RecommendationsView, recommend_for_entities, recommend_for_group
from crimelink.store.models import Agency, DisruptionPlan, Operation, PlanAction, Tactic

#: Reasons of a recommendation written into the action's description.
REASONS_SHOWN = 3


def add_disruption_plan(run: PlanRun, spec: PlanSpec, operations: Mapping[str, Any]) -> None:
    """Open the plan ``spec`` describes and add its actions (nothing if a plan has its title already)."""
    subject = run.subjects.get(spec.scenario)
    if subject is None or (subject.group_id is None and subject.target_entity_id is None):
        run.summary.notes.append(f"no plan for the {spec.scenario} group: none of its entities was resolved")
        return
    title = spec.title.format(name=subject.name)
    found = run.session.scalar(select(DisruptionPlan.id).where(DisruptionPlan.title == title).limit(1))
    if found is not None:
        run.plans[spec.key] = found
        _known_actions(run, found, spec)
        run.summary.already_there["disruption plans"] += 1
        return
    advisor = run.actor(ADVISOR)
    plan = open_plan(
        run.session,
        advisor,
        PlanInput(
            title=title,
            owner_agency_id=run.agency(spec.owner).id,
            owner_officer=spec.officer,
            objectives=spec.objectives,
            group_id=subject.group_id,
            target_entity_id=subject.target_entity_id if subject.group_id is None else None,
            objective_id=run.objectives.get(spec.objective),
            review_every_days=spec.review_every_days,
        ),
        now=run.at(spec.opened),
    )
    run.plans[spec.key] = plan.id
    run.summary.added["disruption plans"] += 1
    if subject.group_id is None:
        run.summary.single_targets.append(f"{title} (no candidate group matched the planted group)")
    if spec.reviewed is not None:
        note = "Reviewed at the monthly tasking meeting."
        review_plan(run.session, advisor, plan.id, note=note, now=run.at(spec.reviewed))
    recommended = _recommendations(run, subject)
    used: set[str] = set()
    for action in spec.actions:
        _add_action(run, plan.id, action, recommended, used, operations)


def _known_actions(run: PlanRun, plan_id: int, spec: PlanSpec) -> None:
    """On a later run: which action of the plan each entry made (by tactic and agency), for outcomes."""
    actions = run.session.scalars(
        select(PlanAction).where(PlanAction.plan_id == plan_id).order_by(PlanAction.id)
    )
    made = [(run.session.get(Tactic, a.tactic_id) if a.tactic_id else None, a) for a in actions]
    for entry in spec.actions:
        agency_id = run.agency(entry.agency).id
        for tactic, action in made:
            if tactic is not None and tactic.slug in entry.tactics and action.agency_id == agency_id:
                run.actions.setdefault(entry.key, action.id)
                break


def _recommendations(run: PlanRun, subject: PlanSubject) -> RecommendationsView:
    advisor = run.actor(ADVISOR)
    today = run.now.date()
    if subject.group_id is not None:
        return recommend_for_group(run.session, advisor, subject.group_id, today=today)
    return recommend_for_entities(run.session, advisor, subject.entities, today=today, label=subject.name)


def owns(agency: Agency, recommendation: Recommendation) -> bool:
    """Whether ``agency`` is one of the tactic's owners (any police agency for a police tactic)."""
    owners = recommendation.tactic.owner_agencies
    return agency.kind in owners or (agency.is_police and any(owner.is_police for owner in owners))


def _add_action(
    run: PlanRun,
    plan_id: int,
    spec: ActionSpec,
    recommended: RecommendationsView,
    used: set[str],
    operations: Mapping[str, Any],
) -> None:
    agency = run.agency(spec.agency)
    by_id = {r.tactic.id: r for r in recommended.recommendations}
    usable = [by_id[t] for t in spec.tactics if t in by_id and t not in used and owns(agency, by_id[t])]
    if not usable:
        run.summary.notes.append(
            f"{spec.key}: none of {', '.join(spec.tactics)} is recommended for {recommended.facts.label} "
            f"and owned by {spec.agency}"
        )
        return
    chosen = usable[0]
    used.add(chosen.tactic.id)
    aim = next(iter(chosen.aimed_at), None)
    reasons = "\n".join(f"- {reason.text}" for reason in chosen.reasons[:REASONS_SHOWN])
    action = add_action(
        run.session,
        run.actor(ADVISOR),
        plan_id,
        ActionInput(
            title=f"{chosen.tactic.name}: {readable(aim.label)}" if aim else chosen.tactic.name,
            agency_id=agency.id,
            due_on=run.day(spec.due),
            assignee=spec.assignee,
            description=f"Recommended for {recommended.facts.label} (score {chosen.score:.1f}):\n{reasons}",
            four_p=chosen.tactic.four_p[0],
            tactic=chosen.tactic.id,
            target_entity_id=aim.entity_id if aim else None,
            note="chosen from the tactics recommended for the plan's target",
        ),
        now=run.at(spec.opened),
    )
    run.actions[spec.key] = action.id
    run.summary.added["actions"] += 1
    if spec.follows_operation:
        _follow(run, action.id, spec, operations)
    else:
        _move(run, action.id, spec)


def _move(run: PlanRun, action_id: int, spec: ActionSpec) -> None:
    advisor = run.actor(ADVISOR)
    if spec.state == ActionStatus.ABANDONED:
        move_action(
            run.session, advisor, action_id, to_status=spec.state, note=spec.note, now=run.at(spec.moved)
        )
    elif spec.state != ActionStatus.PROPOSED:
        approved = spec.moved if spec.state == ActionStatus.APPROVED and spec.moved else spec.opened + 1
        note = "agreed at the plan's review"
        move_action(
            run.session, advisor, action_id, to_status=ActionStatus.APPROVED, note=note, now=run.at(approved)
        )
        run.finish(action_id, spec.agency, spec.state, moved=spec.moved, note=spec.note)


def _follow(run: PlanRun, action_id: int, spec: ActionSpec, operations: Mapping[str, Any]) -> None:
    """The agency's officer links the action to the operation they registered; it follows it from then."""
    entry = next((o for o in operations["operations"] if o.get("key") == spec.follows_operation), None)
    agency = run.agency(spec.agency)
    operation_id = None
    if entry is not None:
        operation_id = run.session.scalar(
            select(Operation.id)
            .where(Operation.agency_id == agency.id, Operation.name == entry["name"])
            .limit(1)
        )
    if operation_id is None or spec.agency not in OFFICERS:
        run.summary.notes.append(
            f"{spec.key}: {spec.agency} has not registered its operation: run `crimelink demo operations` first"
        )
        return
    officer = run.actor(OFFICERS[spec.agency], Purpose.OPERATIONAL_DECONFLICTION)
    link_operation(run.session, officer, action_id, operation_id)


def readable(label: str) -> str:
    """An entity's label as people write it.

    >>> readable("11 OLIVER LANE LONDON, E20 1NS")
    '11 Oliver Lane London, E20 1NS'
    """
    return " ".join(
        word if any(c.isdigit() for c in word) else word.capitalize() for word in label.split(" ")
    )
