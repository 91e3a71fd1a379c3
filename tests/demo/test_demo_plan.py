"""The demo borough's co-ordinated plan: loaded through the services, it gives the dashboards something true.

One small demo (size 3,000) is generated, loaded, resolved, given its users and its operations once for
the module, and the plan is loaded once on top (a copy of the store from before the plan serves the test
of the command). The tests read the plan as the demo's users would: the co-ordinator's board, the GLAA
officer's own action, the meetings, the requests and the performance dashboard.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.access import Actor
from crimelink.cli import app
from crimelink.deconflict.windows import as_utc
from crimelink.demo import generate_demo
from crimelink.demo.loader import load_demo
from crimelink.demo.operations_loader import load_demo_operations, read_operations
from crimelink.demo.plan import PLAN_FILE, demo_plan, read_plan
from crimelink.demo.plan_disruption import owns
from crimelink.demo.plan_groups import read_truth
from crimelink.demo.plan_loader import DemoPlanSummary, load_demo_plan
from crimelink.domain import ActionStatus, MeetingStatus, Purpose, RequestStatus
from crimelink.errors import ImportFileError
from crimelink.linkage.resolve import resolve_entities
from crimelink.planning import Recommendation
from crimelink.services.auth import actor_for_user, check_password_rules
from crimelink.services.demo_users import DEMO_PLAN_OFFICERS, ensure_demo_users
from crimelink.services.disruption_plans import read_action
from crimelink.services.meetings import get_meeting
from crimelink.services.outcome_dashboard import default_span
from crimelink.services.outcomes import outcomes_dashboard
from crimelink.services.plan_actions import overdue_actions
from crimelink.services.tactics import get_tactic
from crimelink.settings import Settings, get_settings
from crimelink.store.engine import make_engine, session_scope
from crimelink.store.models import (
    Agency,
    AssistanceRequest,
    AuditEvent,
    Contact,
    DisruptionPlan,
    Meeting,
    Operation,
    OperationConflict,
    OrganisedCrimeGroup,
    Outcome,
    PartnershipObjective,
    PlanAction,
    Tactic,
    User,
)

SEED = 7
TABLES = (
    OrganisedCrimeGroup,
    Contact,
    PartnershipObjective,
    DisruptionPlan,
    PlanAction,
    Meeting,
    AssistanceRequest,
    Outcome,
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("demo-plan-settings")
    return Settings(_env_file=None, data_dir=directory, secret_key=SecretStr("demo-plan-" + "s" * 40))


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, settings: Settings
) -> Iterator[tuple[Path, Engine, DemoPlanSummary]]:
    """A size-3,000 demo with its users and operations, and its plan loaded once."""
    directory = tmp_path_factory.mktemp("demo-plan")
    generate_demo(directory / "demo", seed=SEED, size=3000)
    path = directory / "crimelink.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    load_demo(engine, directory / "demo")
    resolve_entities(engine)
    with session_scope(engine) as session:
        ensure_demo_users(session, settings)
    with session_scope(engine) as session:
        load_demo_operations(session, directory / "demo", settings)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, directory / "before-plan.db")
    with session_scope(engine) as session:
        summary = load_demo_plan(session, directory / "demo", settings)
    yield directory / "demo", engine, summary
    engine.dispose()


@pytest.fixture
def session(demo: tuple[Path, Engine, DemoPlanSummary]) -> Iterator[Session]:
    with Session(demo[1]) as session:
        yield session
        session.rollback()


def _actor(session: Session, username: str, purpose: Purpose = Purpose.CRIME_PREVENTION_DETECTION) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one()
    return actor_for_user(session, user, purpose)


def _today() -> date:
    return datetime.now(UTC).date()


def _code(session: Session, agency_id: int) -> str:
    agency = session.get(Agency, agency_id)
    assert agency is not None
    return agency.code


def test_actions_stand_in_every_state_of_the_flow(
    demo: tuple[Path, Engine, DemoPlanSummary], session: Session
) -> None:
    statuses = dict.fromkeys(ActionStatus, 0)
    for status in session.scalars(select(PlanAction.status)):
        statuses[status] += 1
    assert all(count > 0 for count in statuses.values()), statuses
    assert demo[2].actions_by_status == {s.value: n for s, n in statuses.items()}
    abandoned = session.scalars(select(PlanAction).where(PlanAction.status == ActionStatus.ABANDONED)).all()
    assert all(action.events[-1].note for action in abandoned), "every abandoned action says why"


def test_actions_are_overdue_on_first_run_in_plans_and_from_the_last_meeting(session: Session) -> None:
    overdue = overdue_actions(session, today=_today())
    assert any(action.plan_id is not None for action in overdue)
    assert any(action.meeting_id is not None for action in overdue)
    assert any(action.initiative_id is not None or action.objective_id is not None for action in overdue)


def test_every_plan_action_is_a_tactic_recommended_for_its_target_and_owned_by_its_agency(
    session: Session,
) -> None:
    advisor = _actor(session, "advisor.demo")
    actions = session.scalars(select(PlanAction).where(PlanAction.plan_id.is_not(None))).all()
    assert len(actions) >= 25
    for action in actions:
        tactic_row = session.get(Tactic, action.tactic_id) if action.tactic_id else None
        assert tactic_row is not None, action.title
        assert action.description.startswith("Recommended for "), action.title
        assert "->" in action.description, "the recommendation's reasons are written into the action"
        agency = session.get(Agency, action.agency_id)
        assert agency is not None
        tactic = get_tactic(advisor, tactic_row.slug)
        assert owns(agency, Recommendation(tactic, 1.0, (), ())), (action.title, agency.code)


def test_the_analyst_confirmed_the_planted_groups_that_have_a_candidate(
    demo: tuple[Path, Engine, DemoPlanSummary], session: Session
) -> None:
    truth = read_truth(demo[0])
    planted = {group["name"]: group for group in truth["groups"]}
    confirmed = session.scalars(select(OrganisedCrimeGroup)).all()
    assert len(confirmed) >= 3
    lead = demo_plan().lead_agency
    for group in confirmed:
        assert group.name in planted
        assert group.criminality
        assert set(group.criminality) <= set(planted[group.name]["threats"])
        assert group.lead_agency_id is not None
        assert _code(session, group.lead_agency_id) == lead[planted[group.name]["scenario"]]
    # Confirmed in the weeks before the board held a month ago (whose agenda lists them as new).
    first_meeting = session.scalars(select(Meeting).order_by(Meeting.held_at)).first()
    assert first_meeting is not None
    assert all(as_utc(group.created_at) < as_utc(first_meeting.held_at) for group in confirmed)
    decisions = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "group.manage", AuditEvent.actor == "analyst.demo")
    ).all()
    assert len(decisions) == len(confirmed)
    plans = session.scalars(select(DisruptionPlan)).all()
    assert len(plans) == len(planted), "every planted group has a plan, against it or a single target"
    single = [plan for plan in plans if plan.group_id is None]
    assert single
    assert all(plan.target_entity_id is not None for plan in single)
    assert len(single) == len(planted) - len(confirmed)


def test_the_nail_bars_glaa_action_waits_on_the_desk_without_learning_of_the_covert_operation(
    demo: tuple[Path, Engine, DemoPlanSummary], session: Session
) -> None:
    operations = {entry["key"]: entry for entry in read_operations(demo[0])["operations"]}
    glaa_operation = session.scalars(
        select(Operation).where(Operation.name == operations["glaa-day-of-action"]["name"])
    ).one()
    covert = operations["police-covert-surveillance"]["name"]
    action = session.scalars(select(PlanAction).where(PlanAction.operation_id == glaa_operation.id)).one()
    assert action.status == ActionStatus.DECONFLICTING
    assert _code(session, action.agency_id) == "GLAA"
    plan = session.get(DisruptionPlan, action.plan_id)
    assert plan is not None
    assert plan.group_id is not None
    group = session.get(OrganisedCrimeGroup, plan.group_id)
    assert group is not None
    assert "MODERN_SLAVERY" in group.criminality
    conflict = session.scalars(
        select(OperationConflict).where(
            (OperationConflict.operation_id == glaa_operation.id)
            | (OperationConflict.other_operation_id == glaa_operation.id)
        )
    ).one()
    assert conflict.grade.value == "RED"
    assert conflict.status.value == "OPEN"

    glaa = _actor(session, "glaa.demo", Purpose.OPERATIONAL_DECONFLICTION)
    view = read_action(session, glaa, action.id, today=_today())
    assert view.plan_title == "", "GLAA reads its own action, not the police-owned plan behind it"
    notes = " ".join(event.note for event in view.events)
    assert "waits for the deconfliction desk" in notes
    assert covert not in notes
    for word in ("covert", "surveillance", "POLICE", "police"):
        assert word not in notes, word


def test_the_board_held_a_month_ago_has_minutes_and_resolutions_that_became_actions(session: Session) -> None:
    coordinator = _actor(session, "coordinator.demo")
    held = session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.HELD)).one()
    view = get_meeting(session, coordinator, held.id, today=_today())
    assert timedelta(days=28) <= datetime.now(UTC) - view.held_at <= timedelta(days=32)
    assert view.minutes
    assert {item.kind for item in view.agenda} >= {"overdue_action", "new_group", "item"}
    actions = [r.action for r in view.resolutions if r.action is not None]
    assert len(actions) >= 3
    assert any(r.action is None for r in view.resolutions), "a resolution noted, with no action"
    assert any(a.status == ActionStatus.DONE for a in actions)
    assert any(a.overdue for a in actions)
    assert all(a.meeting_id == held.id for a in actions)


def test_the_next_board_has_its_agenda_built_from_live_items(session: Session) -> None:
    coordinator = _actor(session, "coordinator.demo")
    planned = session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.PLANNED)).one()
    view = get_meeting(session, coordinator, planned.id, today=_today())
    assert view.held_at.date() == _today() + timedelta(days=7)
    kinds = {item.kind for item in view.agenda}
    assert kinds >= {"previous_action", "overdue_action", "conflict", "request", "plan_review", "item"}
    held = session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.HELD)).one()
    resolved = {r.action_id for r in held.resolutions if r.action_id}
    previous = {item.ref for item in view.agenda if item.kind == "previous_action"}
    assert previous == {f"action:{action_id}" for action_id in resolved}


def test_requests_stand_in_every_state_routed_to_the_directory(session: Session) -> None:
    requests = session.scalars(select(AssistanceRequest)).all()
    assert {r.status for r in requests} == set(RequestStatus)
    for request in requests:
        if request.status != RequestStatus.OPEN:
            contact = session.get(Contact, request.routed_to_contact_id)
            assert contact is not None
            assert request.routed_to_agency_id == contact.agency_id
        if request.status in (RequestStatus.CLOSED, RequestStatus.DECLINED):
            assert request.response
            assert request.closed_by
    declined = next(r for r in requests if r.status == RequestStatus.DECLINED)
    assert declined.closed_by == "glaa.demo", "the agency it was routed to declined it"


def test_the_directory_holds_synthetic_contacts_by_specialism(session: Session) -> None:
    contacts = session.scalars(select(Contact)).all()
    assert 10 <= len(contacts) <= 15
    assert len({c.agency_id for c in contacts}) >= 8
    for contact in contacts:
        assert contact.email.endswith((".example.org", ".invalid"))
        assert contact.phone.startswith("+447700900"), "Ofcom's drama range"
        assert contact.specialisms
    assert {"ORGANISED_CRIME", "COUNTY_LINES", "LICENSING", "WASTE_CRIME", "LABOUR_EXPLOITATION"} <= {
        s for c in contacts for s in c.specialisms
    }


def test_the_dashboard_shows_outcomes_over_the_last_six_months(session: Session) -> None:
    coordinator = _actor(session, "coordinator.demo")
    since, until = default_span(_today(), months=7)
    board = outcomes_dashboard(session, coordinator, since=since, until=until, today=_today())
    with_outcomes = [month for month in board.months if month.outcomes]
    assert len(with_outcomes) >= 3
    kinds = {figures.kind.value for figures in board.by_kind}
    assert kinds >= {
        "ARREST",
        "CHARGE",
        "SEIZURE_DRUGS",
        "SEIZURE_CASH",
        "PREMISES_CLOSURE",
        "LICENCE_REVIEW",
        "SAFEGUARDING_REFERRAL",
        "NRM_REFERRAL",
        "CLEARANCE_COST",
    }
    assert board.cost_gbp > 0
    assert board.seizure_value_gbp > 0
    assert sum(month.actions_done for month in board.months) >= 10
    assert board.by_group is not None
    assert any(g.group_id is not None for g in board.by_group)
    outcomes = session.scalars(select(Outcome)).all()
    assert all(o.action_id is not None or o.initiative_id is not None for o in outcomes)
    recorders = {o.created_by for o in outcomes}
    assert {"advisor.demo", "safeguarding.demo", "licensing.demo", "environment.demo"} <= recorders


def test_running_it_again_adds_nothing(
    demo: tuple[Path, Engine, DemoPlanSummary], settings: Settings
) -> None:
    directory, engine, _ = demo

    def counts() -> dict[str, int]:
        with Session(engine) as session:
            return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}

    before = counts()
    with session_scope(engine) as session:
        again = load_demo_plan(session, directory, settings)
    assert not again.added
    assert again.already_there["disruption plans"] == len(demo_plan().plans)
    assert again.already_there["outcomes"] == len(demo_plan().outcomes)
    assert counts() == before


def test_the_command_loads_the_plan_once_and_prints_a_summary(
    demo: tuple[Path, Engine, DemoPlanSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = demo[0]
    copy = tmp_path / "cli.db"
    shutil.copyfile(directory.parent / "before-plan.db", copy)
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(app, ["demo", "plan", "--dir", str(directory)])
        second = CliRunner().invoke(app, ["demo", "plan", "--dir", str(directory)])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == 0, first.output
    assert "the analyst confirmed:" in first.output
    assert "disruption plans" in first.output
    assert "overdue" in first.output
    assert "licensing.demo" in first.output
    assert "ashvale-demo-licensing-2026" in first.output
    assert second.exit_code == 0, second.output
    assert "added " not in second.output
    assert "already there, nothing to do for them" in second.output


def test_the_plan_officers_sign_in_with_documented_passwords(settings: Settings) -> None:
    for officer in DEMO_PLAN_OFFICERS:
        assert check_password_rules(officer.password, officer.username, settings) == []


def test_a_broken_plan_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    text = PLAN_FILE.read_text(encoding="utf-8").replace("action: cl-warrant", "action: cl-warant", 1)
    broken = tmp_path / "plan.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError, match="cl-warant"):
        read_plan(broken)
    text = PLAN_FILE.read_text(encoding="utf-8").replace("state: ABANDONED", "state: SIDELINED", 1)
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"plans\.\d+\.actions\.\d+\.state"):
        read_plan(broken)
