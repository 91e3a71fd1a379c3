"""Outcomes: recording with links checked, disruption grading (defaults, overrides, the file), the
performance dashboard's figures on a known set of outcomes, and who sees what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from outcomes_factories import (
    NOW,
    TODAY,
    actor,
    agency_id,
    audit_events,
    build_world,
    make_action,
    make_group,
    make_initiative,
    make_operation,
    make_plan,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import ActionStatus, DisruptionImpact, OutcomeKind
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError, ReferenceDataError
from crimelink.planning.grading import GRADING_FILE, default_grading, load_grading
from crimelink.services.callers import SystemCaller
from crimelink.services.outcomes import (
    OutcomeInput,
    get_outcome,
    list_outcomes,
    outcomes_dashboard,
    record_outcome,
)
from crimelink.services.plan_actions import move_action
from crimelink.store.models import Outcome, PlanAction

PACKAGED = Path(__file__).parents[2] / "crimelink" / "domain" / "data" / GRADING_FILE


@pytest.fixture
def session(sqlite_engine: Engine) -> Session:
    with Session(sqlite_engine) as session:
        build_world(session)
        yield session  # type: ignore[misc]


def cash(**overrides: object) -> OutcomeInput:
    values: dict[str, object] = {"kind": "SEIZURE_CASH", "occurred_on": TODAY - timedelta(days=1)}
    values.update(overrides)
    return OutcomeInput(**values)  # type: ignore[arg-type]


# --- recording and grading ---------------------------------------------------------------------------


def test_a_cash_seizure_is_graded_by_the_configured_rule_and_brings_its_plan_and_group(
    session: Session,
) -> None:
    group = make_group(session)
    plan = make_plan(session, group_id=group.id)
    action = make_action(session, plan_id=plan.id, agency_id=agency_id(session, "POLICE"), assignee="oca")
    oca = actor(session, "oca")

    view = record_outcome(
        session,
        oca,
        cash(value_gbp=12_500, notes="Found in the van's footwell", action_id=action.id),
        now=NOW,
    )

    assert view.impact == DisruptionImpact.MODERATE
    assert view.impact_default == DisruptionImpact.MODERATE
    assert not view.overridden
    assert "value £12,500 is at least £10,000" in view.impact_basis
    assert GRADING_FILE in view.impact_basis
    assert view.impact_meaning.startswith("The group's activity is significantly hampered")
    assert (view.plan_id, view.plan_title) == (plan.id, "Disrupt the Marsh Lane crew")
    assert (view.group_id, view.group_name) == (group.id, "Marsh Lane fly-tipping crew")
    assert view.agency_code == "POLICE"
    assert not view.grading_verified
    [event] = audit_events(session, resource_type="outcome", action="create")
    assert event.details["impact"] == "MODERATE"


def test_the_grade_follows_the_figures(session: Session) -> None:
    oca = actor(session, "oca")
    grades = {
        value: record_outcome(session, oca, cash(value_gbp=value), now=NOW).impact
        for value in (500.0, 10_000.0, 75_000.0)
    }
    assert grades == {
        500.0: DisruptionImpact.MINOR,
        10_000.0: DisruptionImpact.MODERATE,
        75_000.0: DisruptionImpact.MAJOR,
    }
    three_arrests = record_outcome(
        session, oca, OutcomeInput(kind="ARREST", occurred_on=TODAY, quantity=3, unit="people"), now=NOW
    )
    assert three_arrests.impact == DisruptionImpact.MODERATE
    assert "3 people is at least 3 people" in three_arrests.impact_basis
    tipping = record_outcome(
        session, oca, OutcomeInput(kind="CLEARANCE_COST", occurred_on=TODAY, cost_gbp=4_200), now=NOW
    )
    assert tipping.impact == DisruptionImpact.NONE
    assert tipping.cost_gbp == 4_200
    assert "the kind's default, none" in tipping.impact_basis


def test_overriding_the_default_needs_a_reason_which_the_outcome_keeps(session: Session) -> None:
    officer = actor(session, "lic.officer")
    review = OutcomeInput(kind="LICENCE_REVIEW", occurred_on=TODAY, impact="MAJOR")
    with pytest.raises(InvalidInputError) as refused:
        record_outcome(session, officer, review, now=NOW)
    assert refused.value.problems == {
        "override_reason": "the grading gives minor; say why this outcome is major instead"
    }

    view = record_outcome(
        session,
        officer,
        OutcomeInput(
            kind="LICENCE_REVIEW",
            occurred_on=TODAY,
            impact="MAJOR",
            override_reason="The licence was revoked: the group's only cash business has closed",
        ),
        now=NOW,
    )
    assert view.impact == DisruptionImpact.MAJOR
    assert view.impact_default == DisruptionImpact.MINOR
    assert view.overridden
    assert view.impact_override_reason.startswith("The licence was revoked")
    # Choosing the default grade is not an override and keeps no reason.
    same = record_outcome(
        session, officer, OutcomeInput(kind="LICENCE_REVIEW", occurred_on=TODAY, impact="minor"), now=NOW
    )
    assert not same.overridden
    assert same.impact_override_reason == ""


def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(session: Session) -> None:
    officer = actor(session, "lic.officer")
    with pytest.raises(InvalidInputError) as refused:
        record_outcome(
            session,
            officer,
            OutcomeInput(
                kind="SEIZURE_CASH",
                occurred_on=TODAY + timedelta(days=1),
                value_gbp=-5,
                cost_gbp=float("nan"),
                unit="kg",
                impact="HUGE",
            ),
            now=NOW,
        )
    problems = refused.value.problems
    assert problems["occurred_on"].startswith("the date is in the future")
    assert problems["value_gbp"] == "enter a number of zero or more"
    assert problems["cost_gbp"] == "enter a number of zero or more"
    assert problems["quantity"] == "give the quantity the unit 'kg' counts"
    assert problems["impact"].startswith("choose one of MAJOR, MODERATE, MINOR, NONE")
    with pytest.raises(InvalidInputError) as unknown:
        record_outcome(session, officer, OutcomeInput(kind="RAID", occurred_on=None), now=NOW)
    assert set(unknown.value.problems) == {"kind", "occurred_on"}
    assert session.scalars(select(Outcome)).all() == []


def test_links_must_exist_and_be_ones_the_recorder_may_see(session: Session) -> None:
    group = make_group(session)
    plan = make_plan(session, group_id=group.id)
    other_plan = make_plan(session, title="Another plan")
    plan_action = make_action(session, plan_id=plan.id)  # given to licensing
    police_operation = make_operation(session)
    initiative = make_initiative(session)
    env = actor(session, "env.officer")
    problems = _problems(
        session,
        env,
        cash(
            action_id=plan_action.id,
            plan_id=other_plan.id,
            group_id=group.id,
            operation_id=police_operation.id,
            initiative_id=initiative.id + 99,
        ),
    )
    # A partner officer of another agency sees neither the plan's action nor plans nor groups.
    assert problems["action_id"].startswith(f"there is no action {plan_action.id} you can see")
    assert problems["plan_id"].startswith(f"there is no disruption plan {other_plan.id} you can see")
    assert problems["group_id"].startswith("linking an outcome to an organised crime group needs group.view")
    assert problems["operation_id"].startswith(f"your agency has no operation {police_operation.id}")
    assert problems["initiative_id"].startswith(f"there is no joint initiative {initiative.id + 99}")

    oca = actor(session, "oca")
    mismatch = _problems(session, oca, cash(action_id=plan_action.id, plan_id=other_plan.id))
    assert mismatch["plan_id"].startswith(f"action {plan_action.id} belongs to disruption plan {plan.id}")
    other_group = make_group(session, name="Another crew")
    assert _problems(session, oca, cash(plan_id=plan.id, group_id=other_group.id))["group_id"].startswith(
        "the disruption plan is about another group"
    )
    assert _problems(session, oca, cash(action_id=10_000))["action_id"].startswith("there is no action 10000")

    # The licensing officer may link the action given to their agency: its plan and group come with it.
    officer = actor(session, "lic.officer")
    own_operation = make_operation(session, agency_id=agency_id(session, "LIC"), name="Op Lantern")
    view = record_outcome(
        session,
        officer,
        OutcomeInput(
            kind="LICENCE_REVIEW",
            occurred_on=TODAY,
            action_id=plan_action.id,
            operation_id=own_operation.id,
            initiative_id=initiative.id,
        ),
        now=NOW,
    )
    stored = session.get(Outcome, view.id)
    assert stored is not None
    assert (stored.action_id, stored.plan_id, stored.group_id) == (plan_action.id, plan.id, group.id)
    assert (view.operation_id, view.operation_name) == (own_operation.id, "Op Lantern")
    assert view.initiative_name == "County lines week of action"
    # ... but the officer does not read plans or groups, so their titles stay hidden from them.
    assert (view.plan_id, view.plan_title, view.group_id, view.group_name) == (None, "", None, "")
    assert view.action_title == plan_action.title


def _problems(session: Session, who: object, data: OutcomeInput) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as refused:
        record_outcome(session, who, data, now=NOW)  # type: ignore[arg-type]
    return refused.value.problems


# --- the grading file ---------------------------------------------------------------------------------


def _edited(tmp_path: Path, edit: object) -> Path:
    raw = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    edit(raw)  # type: ignore[operator]
    path = tmp_path / GRADING_FILE
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_the_packaged_grading_grades_every_kind_and_is_marked_unverified() -> None:
    grading = default_grading()
    assert set(grading.kinds) == set(OutcomeKind)
    assert set(grading.grades) == set(DisruptionImpact)
    assert grading.verified is False


def test_a_partnerships_own_grading_changes_the_defaults(session: Session, tmp_path: Path) -> None:
    def stricter(raw: dict) -> None:  # type: ignore[type-arg]
        raw["kinds"]["SEIZURE_CASH"]["rules"] = [
            {"grade": "MAJOR", "value_at_least": 1000, "why": "our borough"}
        ]

    grading = load_grading(_edited(tmp_path, stricter))
    view = record_outcome(session, actor(session, "oca"), cash(value_gbp=1_500), grading=grading, now=NOW)
    assert view.impact == DisruptionImpact.MAJOR
    assert "(our borough)" in view.impact_basis


def test_grading_file_errors_name_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    def broken(raw: dict) -> None:  # type: ignore[type-arg]
        raw["kinds"]["SEIZURE_CASH"]["rules"][1]["value_at_least"] = -10
        raw["kinds"]["ARREST"]["default"] = "SEVERE"
        raw["kinds"]["SEIZURE_VEHICLE"]["rules"][0] = {"grade": "MODERATE", "why": "no threshold"}
        raw["kinds"]["CHARGE"]["colour"] = "red"

    with pytest.raises(ReferenceDataError) as error:
        load_grading(_edited(tmp_path, broken))
    lines = str(error.value).splitlines()
    assert (
        "disruption_grading.yaml: entry 'SEIZURE_CASH': field 'rules[1].value_at_least': input should be greater than or equal to 0"
        in lines
    )
    assert any(
        line.startswith(
            "disruption_grading.yaml: entry 'ARREST': field 'default': 'SEVERE' is not a known code"
        )
        for line in lines
    )
    assert any(
        line.startswith(
            "disruption_grading.yaml: entry 'SEIZURE_VEHICLE': field 'rules[0]': a rule needs at least one"
        )
        for line in lines
    )
    assert (
        "disruption_grading.yaml: entry 'CHARGE': field 'colour': is not a grading setting; check the spelling"
        in lines
    )

    def incomplete(raw: dict) -> None:  # type: ignore[type-arg]
        del raw["kinds"]["NRM_REFERRAL"]
        del raw["grades"]["NONE"]

    with pytest.raises(ReferenceDataError) as missing:
        load_grading(_edited(tmp_path, incomplete))
    assert "add an entry for NRM_REFERRAL" in str(missing.value)
    assert "say what NONE means" in str(missing.value)
    with pytest.raises(ReferenceDataError, match="file not found"):
        load_grading(tmp_path / "nowhere")


# --- the dashboard -------------------------------------------------------------------------------------


def _known_outcomes(session: Session) -> dict[str, int]:
    """January to March 2026: seven outcomes by three agencies, two of them about the Marsh Lane crew."""
    group = make_group(session)
    oca, lic, env = actor(session, "oca"), actor(session, "lic.officer"), actor(session, "env.officer")
    plan = make_plan(session, group_id=group.id)
    police = agency_id(session, "POLICE")
    seized = make_action(session, plan_id=plan.id, agency_id=police, assignee="oca", title="Stop the vans")
    record = [
        (oca, OutcomeInput(kind="ARREST", occurred_on=date(2026, 1, 10), quantity=2, action_id=seized.id)),
        (
            oca,
            OutcomeInput(
                kind="SEIZURE_CASH", occurred_on=date(2026, 1, 20), value_gbp=60_000, group_id=group.id
            ),
        ),
        (oca, OutcomeInput(kind="SEIZURE_DRUGS", occurred_on=date(2026, 2, 3), value_gbp=15_000)),
        (
            env,
            OutcomeInput(kind="SEIZURE_VEHICLE", occurred_on=date(2026, 2, 14), quantity=1, value_gbp=3_500),
        ),
        (env, OutcomeInput(kind="CLEARANCE_COST", occurred_on=date(2026, 2, 15), cost_gbp=2_750)),
        (env, OutcomeInput(kind="CLEARANCE_COST", occurred_on=date(2026, 3, 2), cost_gbp=1_250.5)),
        (
            lic,
            OutcomeInput(
                kind="LICENCE_REVIEW", occurred_on=date(2026, 3, 9), impact="MAJOR", override_reason="Revoked"
            ),
        ),
    ]
    for who, data in record:
        record_outcome(session, who, data, now=NOW)
    # Outside the span: not counted.
    record_outcome(session, oca, OutcomeInput(kind="ARREST", occurred_on=date(2025, 12, 31)), now=NOW)
    return {"group": group.id, "plan": plan.id}


def _actions_over_time(session: Session) -> None:
    """Due 5 Jan done 20 Jan; due 10 Jan done 10 Feb; due 1 Feb still open; due 20 Mar (not yet due)."""
    system = SystemCaller("test-setup")
    late_then_done = make_action(session, due_on=date(2026, 1, 10), created_at=NOW - timedelta(days=90))
    on_time = make_action(session, due_on=date(2026, 1, 5), created_at=NOW - timedelta(days=90))
    make_action(session, due_on=date(2026, 2, 1), created_at=NOW - timedelta(days=90))
    make_action(session, due_on=date(2026, 3, 20), created_at=NOW - timedelta(days=20))
    for action, finished in ((on_time, date(2026, 1, 20)), (late_then_done, date(2026, 2, 10))):
        move_action(
            session, system, action.id, to_status=ActionStatus.IN_PROGRESS, now=NOW - timedelta(days=80)
        )
        move_action(
            session,
            system,
            action.id,
            to_status=ActionStatus.DONE,
            now=datetime.combine(finished, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
        )


def test_the_dashboard_counts_a_known_set_of_outcomes(engine: Engine) -> None:
    with Session(engine) as session:
        build_world(session)
        ids = _known_outcomes(session)
        _actions_over_time(session)
        coordinator = actor(session, "coordinator")
        board = outcomes_dashboard(
            session, coordinator, since=date(2026, 1, 1), until=date(2026, 3, 31), today=TODAY
        )
        session.commit()

    assert [m.label for m in board.months] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert [m.outcomes for m in board.months] == [2, 3, 2]
    assert board.outcomes == 7
    jan, feb, mar = board.months
    assert jan.by_grade == {
        DisruptionImpact.MAJOR: 1,  # £60,000 cash
        DisruptionImpact.MODERATE: 0,
        DisruptionImpact.MINOR: 1,  # two arrests
        DisruptionImpact.NONE: 0,
    }
    assert feb.by_grade[DisruptionImpact.MODERATE] == 1  # £15,000 of drugs
    assert mar.by_grade[DisruptionImpact.MAJOR] == 1  # the revoked licence (overridden)
    assert feb.by_kind == {
        OutcomeKind.SEIZURE_DRUGS: 1,
        OutcomeKind.SEIZURE_VEHICLE: 1,
        OutcomeKind.CLEARANCE_COST: 1,
    }
    assert board.seizure_value_gbp == 60_000 + 15_000 + 3_500
    assert board.cost_gbp == pytest.approx(4_000.5)
    assert (feb.cost_gbp, mar.cost_gbp) == (2_750, 1_250.5)
    kinds = {k.kind: (k.outcomes, k.value_gbp, k.cost_gbp) for k in board.by_kind}
    assert kinds[OutcomeKind.CLEARANCE_COST] == (2, 0, 4_000.5)
    assert board.by_kind[0].kind == OutcomeKind.CLEARANCE_COST  # the most frequent first
    agencies = {a.code: (a.outcomes, a.major) for a in board.by_agency}
    assert agencies == {"POLICE": (3, 1), "ENV": (3, 0), "LIC": (1, 1)}
    grades = {g.grade: (g.outcomes, g.overridden) for g in board.by_grade}
    assert grades[DisruptionImpact.MAJOR] == (2, 1)
    assert board.by_group is not None
    groups = {g.name: g.outcomes for g in board.by_group}
    assert groups == {"Marsh Lane fly-tipping crew": 2, "Not linked to a group": 5}
    # Actions: done in January and February; overdue at each month's end (today for March).
    assert [m.actions_done for m in board.months] == [1, 1, 0]
    # End of Jan: the one due 10 Jan is open; end of Feb: the one due 1 Feb; 16 Mar: that one, plus the
    # action of the plan (due a week before today).
    assert [m.actions_overdue for m in board.months] == [1, 1, 2]
    assert board.actions_overdue_now == 2

    with Session(engine) as session:
        coordinator = actor(session, "coordinator")
        one_group = outcomes_dashboard(
            session,
            coordinator,
            since=date(2026, 1, 1),
            until=date(2026, 3, 31),
            group_id=ids["group"],
            today=TODAY,
        )
        env_only = outcomes_dashboard(
            session,
            coordinator,
            since=date(2026, 1, 1),
            until=date(2026, 3, 31),
            agency_id=agency_id(session, "ENV"),
            today=TODAY,
        )
    assert one_group.outcomes == 2
    assert one_group.group_name == "Marsh Lane fly-tipping crew"
    assert one_group.actions_overdue_now == 1  # only the plan's action
    assert env_only.outcomes == 3
    assert env_only.seizure_value_gbp == 3_500
    assert env_only.actions_overdue_now == 0


def test_the_dashboard_refuses_a_backwards_or_overlong_span(session: Session) -> None:
    coordinator = actor(session, "coordinator")
    with pytest.raises(InvalidInputError, match="the start date is after the end date"):
        outcomes_dashboard(session, coordinator, since=date(2026, 3, 1), until=date(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="at most 60 months"):
        outcomes_dashboard(session, coordinator, since=date(2010, 1, 1), until=date(2026, 1, 1))


# --- who sees what -----------------------------------------------------------------------------------


def test_partners_read_every_outcome_but_group_names_only_with_group_view(session: Session) -> None:
    ids = _known_outcomes(session)
    officer = actor(session, "pc.officer")
    board = outcomes_dashboard(session, officer, since=date(2026, 1, 1), until=date(2026, 3, 31), today=TODAY)
    assert board.outcomes == 7
    assert board.by_group is None
    with pytest.raises(PermissionDeniedError):
        outcomes_dashboard(
            session, officer, since=date(2026, 1, 1), until=date(2026, 3, 31), group_id=ids["group"]
        )
    with pytest.raises(PermissionDeniedError):
        list_outcomes(session, officer, group_id=ids["group"])
    listed = list_outcomes(session, officer, since=date(2026, 1, 1))
    assert len(listed) == 7
    assert all(o.group_name == "" and o.group_id is None for o in listed)
    assert [o.occurred_on for o in listed] == sorted((o.occurred_on for o in listed), reverse=True)
    seen_by_oca = list_outcomes(session, actor(session, "oca"), group_id=ids["group"])
    assert {o.group_name for o in seen_by_oca} == {"Marsh Lane fly-tipping crew"}


def test_notes_and_operations_stay_with_the_recording_agency(session: Session) -> None:
    operation = make_operation(session, name="Operation Kestrel")
    oca = actor(session, "oca")
    view = record_outcome(
        session,
        oca,
        cash(value_gbp=900, notes="Informant 27 pointed us to it", operation_id=operation.id),
        now=NOW,
    )
    other = get_outcome(session, actor(session, "env.officer"), view.id)
    assert (other.notes, other.notes_hidden) == ("", True)
    assert (other.operation_id, other.operation_name) == (None, "")
    colleague = get_outcome(session, actor(session, "pc.officer"), view.id)
    assert colleague.notes == "Informant 27 pointed us to it"
    assert colleague.operation_name == "Operation Kestrel"
    # The co-ordinator reads plans, so reads the notes; an auditor may not read outcomes at all.
    assert get_outcome(session, actor(session, "coordinator"), view.id).notes.startswith("Informant 27")
    with pytest.raises(PermissionDeniedError):
        get_outcome(session, actor(session, "auditor"), view.id)
    with pytest.raises(PermissionDeniedError):
        record_outcome(session, actor(session, "admin"), cash(), now=NOW)
    with pytest.raises(NotFoundError, match="there is no outcome 999"):
        get_outcome(session, oca, 999)


def test_an_outcome_is_recorded_for_the_recorders_own_agency(session: Session) -> None:
    action = make_action(session)
    view = record_outcome(session, actor(session, "lic.officer"), cash(action_id=action.id), now=NOW)
    stored = session.get(Outcome, view.id)
    assert stored is not None
    assert stored.agency_id == agency_id(session, "LIC")
    assert stored.created_by == "lic.officer"
    assert session.get(PlanAction, action.id) is not None
