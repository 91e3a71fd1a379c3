"""Detection through the services: each rule, resolution through linkage, idempotence and status flow."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from deconflict_world import (
    DAY,
    FAR,
    HERE,
    NEARBY,
    NOW,
    actor,
    audit_events,
    build_store,
    covert_surveillance,
    interest_input,
    linked_records,
    location,
    operation_input,
)
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind, GroupStatus, MemberRole
from crimelink.domain.deconfliction import ConflictStatus
from crimelink.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services import deconfliction as dc
from crimelink.services.deconfliction import TargetInput
from crimelink.store.models import (
    DeconflictionNotification,
    Entity,
    GroupMembership,
    Operation,
    OperationCell,
    OperationConflict,
    OperationLocation,
    OrganisedCrimeGroup,
)

OKAFOR = [
    {
        "full_name": "ROBERT OKAFOR",
        "given_name": "ROBERT",
        "family_name": "OKAFOR",
        "dob": "1985-07-14",
        "phone": "+447700900321",
    },
    {
        "full_name": "BOB OKAFOR",
        "given_name": "BOB",
        "family_name": "OKAFOR",
        "dob": "1985-07-14",
        "phone": "+447700900321",
    },
]


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    build_store(sqlite_engine)
    return sqlite_engine


def conflicts(session: Session) -> list[OperationConflict]:
    return list(session.scalars(select(OperationConflict).order_by(OperationConflict.id)).all())


def notices(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DeconflictionNotification)) or 0


# --- the rules, end to end ----------------------------------------------------------------------


def test_two_agencies_at_the_same_uprn_at_the_same_time_are_in_red_conflict(store: Engine) -> None:
    with Session(store) as session:
        ts = dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(
                name="Counterfeit tobacco visit", locations=[dc.LocationInput(uprn="100023336956")]
            ),
            now=NOW,
        )
        assert ts.message == "Accepted with no conflict."
        assert ts.operation.status == "CLEARED"
        glaa = dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(locations=[dc.LocationInput(address="14 Quarry Row", uprn="0100023336956")]),
            now=NOW,
        )
        assert glaa.operation.status == "CONFLICT_PENDING"
        (conflict,) = glaa.conflicts
        assert conflict.counterpart.agency_code == "TS"
        assert conflict.counterpart.kinds == ("PREMISES",)
        assert conflict.counterpart.grade == "RED"
        assert conflict.your_items == ["14 Quarry Row, UPRN 100023336956 (within 300 m)"]
        assert (
            dc.get_operation(session, actor(session, "ts.officer"), ts.operation.id).status
            == "CONFLICT_PENDING"
        )


def test_addresses_resolved_to_the_same_premises_collide_though_only_one_has_a_uprn(store: Engine) -> None:
    with Session(store) as session:
        known = {"uprn": "100023336956", "address": "FLAT 3 14 QUARRY ROW", "postcode": "E15 4QR"}
        (premises,) = linked_records(session, "TS", [known], dataset="premises")
        first = dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(locations=[dc.LocationInput(uprn="100023336956")]),
            now=NOW,
        )
        second = dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(
                locations=[dc.LocationInput(address="Flat 3, 14 Quarry Row", postcode="e15 4qr")]
            ),
            now=NOW,
        )
        assert first.operation.locations[0].premises_entity_id == premises
        assert second.operation.locations[0].premises_entity_id == premises
        (conflict,) = second.conflicts
        assert conflict.counterpart.kinds == ("PREMISES",)


def test_place_and_time_is_amber_between_overt_operations_and_red_with_a_covert_one(store: Engine) -> None:
    with Session(store) as session:
        ts = actor(session, "ts.officer")
        glaa = actor(session, "glaa.officer")
        dc.register_operation(session, ts, operation_input(locations=[location(HERE)]), now=NOW)
        near = dc.register_operation(session, glaa, operation_input(locations=[location(NEARBY)]), now=NOW)
        (amber,) = near.conflicts
        assert (amber.counterpart.grade, amber.counterpart.kinds) == ("AMBER", ("PLACE_TIME",))
        far = dc.register_operation(session, glaa, operation_input(locations=[location(FAR)]), now=NOW)
        assert far.conflicts == []
        later = dc.register_operation(
            session,
            glaa,
            operation_input(
                starts_at=DAY + timedelta(hours=5),
                ends_at=DAY + timedelta(hours=6),
                locations=[location(NEARBY)],
            ),
            now=NOW,
        )
        assert later.conflicts == [], "three hours after the other ends: beyond the two-hour buffer"
        dc.register_operation(
            session,
            actor(session, "pc.covert"),
            covert_surveillance(locations=[location(HERE, radius_m=100)], targets=[]),
            now=NOW,
        )
        desk = actor(session, "desk")
        board = dc.desk_board(session, desk, now=NOW)
        reds = [c for c in board.red if "Nightjar" in c.first + c.second]
        assert len(reds) == 3, "the covert operation (three days long) is red against the three near it"
        assert board.counts == {"RED": 3, "AMBER": 1, "INFORMATION": 0}, "the far one meets none"


def test_the_same_phone_typed_two_ways_is_a_target_conflict(store: Engine) -> None:
    with Session(store) as session:
        dc.register_operation(
            session,
            actor(session, "occ.ds"),
            operation_input(locations=[location(FAR)], targets=[TargetInput("PHONE", "07700 900555")]),
            now=NOW,
        )
        overlapping = dc.register_operation(
            session,
            actor(session, "bf.officer"),
            operation_input(locations=[location(HERE)], targets=[TargetInput("phone", "+44 7700 900555")]),
            now=NOW,
        )
        (red,) = overlapping.conflicts
        assert (red.counterpart.grade, red.counterpart.kinds) == ("RED", ("TARGET",))
        assert red.your_items == ["phone: +447700900555"]
        month_later = dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(
                starts_at=DAY + timedelta(days=30),
                ends_at=DAY + timedelta(days=30, hours=2),
                locations=[location(HERE)],
                targets=[TargetInput("PHONE", "07700900555")],
            ),
            now=NOW,
        )
        assert sorted(c.counterpart.grade for c in month_later.conflicts) == ["AMBER", "AMBER"]


def test_different_spellings_of_one_person_resolved_by_linkage_are_a_target_conflict(store: Engine) -> None:
    with Session(store) as session:
        linked_records(session, "POLICE", OKAFOR)
        first = dc.register_operation(
            session,
            actor(session, "occ.ds"),
            operation_input(
                locations=[location(FAR)], targets=[TargetInput("PERSON", "Robert Okafor", dob="1985-07-14")]
            ),
            now=NOW,
        )
        second = dc.register_operation(
            session,
            actor(session, "bf.officer"),
            operation_input(
                locations=[location(HERE)], targets=[TargetInput("PERSON", "OKAFOR, Bob", dob="14/07/1985")]
            ),
            now=NOW,
        )
        assert first.operation.targets[0].entity_id == second.operation.targets[0].entity_id is not None
        assert second.operation.targets[0].resolution_method == "probabilistic"
        (conflict,) = second.conflicts
        assert conflict.counterpart.kinds == ("TARGET",)
        assert conflict.counterpart.agency_code == "OCC"


def test_without_records_to_resolve_them_the_two_spellings_do_not_meet(store: Engine) -> None:
    with Session(store) as session:
        dc.register_operation(
            session,
            actor(session, "occ.ds"),
            operation_input(
                locations=[location(FAR)], targets=[TargetInput("PERSON", "Robert Okafor", dob="1985-07-14")]
            ),
            now=NOW,
        )
        second = dc.register_operation(
            session,
            actor(session, "bf.officer"),
            operation_input(
                locations=[location(HERE)], targets=[TargetInput("PERSON", "Bob Okafor", dob="1985-07-14")]
            ),
            now=NOW,
        )
        assert second.conflicts == [], "Bob and Robert differ in sound: only linkage joins them"
        assert any("matched no known entity" in warning for warning in second.operation.warnings)


def test_a_target_resolved_before_a_merge_meets_one_resolved_after_it(store: Engine) -> None:
    with Session(store) as session:
        old = Entity(kind=EntityKind.PERSON, display_name="MAREK Z")
        survivor = Entity(kind=EntityKind.PERSON, display_name="MAREK ZIELINSKI")
        session.add_all([old, survivor])
        session.flush()
        dc.register_operation(
            session,
            actor(session, "occ.ds"),
            operation_input(locations=[location(FAR)], targets=[TargetInput("ENTITY", entity_id=old.id)]),
            now=NOW,
        )
        old.merged_into_id = survivor.id
        session.flush()
        later = dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(
                locations=[location(HERE)], targets=[TargetInput("ENTITY", entity_id=survivor.id)]
            ),
            now=NOW,
        )
        (conflict,) = later.conflicts
        assert conflict.counterpart.kinds == ("TARGET",)


def test_an_operation_touching_a_flagged_subject_tells_the_holder(store: Engine) -> None:
    with Session(store) as session:
        occ = actor(session, "occ.ds")
        told = dc.register_interest(session, occ, interest_input(TargetInput("VRM", "KX19 ZZT")), now=NOW)
        consult = dc.register_interest(
            session,
            occ,
            interest_input(TargetInput("UPRN", "100023336956"), consult_before_action=True),
            now=NOW,
        )
        assert told.subject_kind == "VEHICLE"
        assert consult.subject_kind == "PREMISES"
        result = dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(
                locations=[dc.LocationInput(uprn="100023336956")], targets=[TargetInput("VRM", "kx19zzt")]
            ),
            now=NOW,
        )
        grades = sorted(
            (c.counterpart.grade, c.counterpart.about, c.counterpart.kinds) for c in result.conflicts
        )
        assert grades == [("AMBER", "interest", ("PREMISES",)), ("INFORMATION", "interest", ("TARGET",))]
        assert result.operation.status == "CONFLICT_PENDING", "the amber flag asks to be consulted first"
        holder = dc.get_interest(session, occ, told.id)
        (seen,) = holder.conflicts
        assert seen.counterpart.agency_code == "TS"
        assert seen.counterpart.about == "operation"


def test_an_interest_registered_later_meets_the_operations_already_live(store: Engine) -> None:
    with Session(store) as session:
        dc.register_operation(
            session,
            actor(session, "ts.officer"),
            operation_input(targets=[TargetInput("COMPANY_NUMBER", "1234567")]),
            now=NOW,
        )
        interest = dc.register_interest(
            session,
            actor(session, "occ.ds"),
            interest_input(TargetInput("COMPANY_NUMBER", "01234567")),
            now=NOW,
        )
        (conflict,) = interest.conflicts
        assert (conflict.counterpart.agency_code, conflict.counterpart.grade) == ("TS", "INFORMATION")


def test_a_group_interest_meets_an_operation_on_a_member(store: Engine) -> None:
    with Session(store) as session:
        member = Entity(kind=EntityKind.PERSON, display_name="MEMBER")
        group = OrganisedCrimeGroup(name="Op Alder", status=GroupStatus.ACTIVE, criminality=["COUNTY_LINES"])
        session.add_all([member, group])
        session.flush()
        session.add(GroupMembership(group_id=group.id, entity_id=member.id, role=MemberRole.PRINCIPAL))
        session.flush()
        dc.register_interest(session, actor(session, "occ.ds"), interest_input(group_id=group.id), now=NOW)
        result = dc.register_operation(
            session,
            actor(session, "glaa.officer"),
            operation_input(targets=[TargetInput("ENTITY", entity_id=member.id)]),
            now=NOW,
        )
        (conflict,) = result.conflicts
        assert (conflict.counterpart.kinds, conflict.counterpart.grade) == (("GROUP",), "INFORMATION")
        assert result.operation.status == "CLEARED", "information does not hold an operation"


# --- idempotence ------------------------------------------------------------------------------


def test_a_check_run_again_changes_nothing_and_a_conflict_that_no_longer_holds_lapses(store: Engine) -> None:
    with Session(store) as session:
        ts = actor(session, "ts.officer")
        glaa = actor(session, "glaa.officer")
        dc.register_operation(session, ts, operation_input(locations=[location(HERE)]), now=NOW)
        mine = dc.register_operation(session, glaa, operation_input(locations=[location(NEARBY)]), now=NOW)
        before = (len(conflicts(session)), notices(session))
        updated = session.scalar(select(Operation.updated_at).where(Operation.id == mine.operation.id))
        for _ in range(3):
            again = dc.check_operation(session, glaa, mine.operation.id, now=NOW)
            assert again.created == 0
        assert (len(conflicts(session)), notices(session)) == before
        session.expire_all()
        checked, still = session.execute(
            select(Operation.checked_at, Operation.updated_at).where(Operation.id == mine.operation.id)
        ).one()
        assert still == updated, "checked again, not updated"
        assert checked is not None
        assert len(audit_events(session, "operation", "check")) == 5, "every check is audited"
        moved = dc.update_operation(
            session, glaa, mine.operation.id, operation_input(locations=[location(FAR)]), now=NOW
        )
        assert moved.conflicts == []
        assert moved.lapsed == 1
        (row,) = conflicts(session)
        assert row.status is ConflictStatus.LAPSED
        assert "no longer holds" in (row.closed_reason or "")
        assert moved.operation.status == "CLEARED"
        back = dc.update_operation(
            session, glaa, mine.operation.id, operation_input(locations=[location(NEARBY)]), now=NOW
        )
        (reopened,) = back.conflicts
        assert reopened.conflict_id == row.id, "the same pair is the same conflict, reopened"
        assert len(conflicts(session)) == 1
        cells = session.scalar(
            select(func.count())
            .select_from(OperationCell)
            .where(OperationCell.operation_id == mine.operation.id)
        )
        assert cells, "the moved operation is indexed where it now is"
        # The index has no foreign keys: nothing is left of the places it moved from.
        now_at = {loc.id for loc in session.get_one(Operation, mine.operation.id).locations}
        indexed_at = session.scalars(
            select(OperationCell.location_id).where(OperationCell.operation_id == mine.operation.id)
        ).all()
        assert set(indexed_at) == now_at
        orphans = (
            select(func.count())
            .select_from(OperationCell)
            .outerjoin(OperationLocation, OperationLocation.id == OperationCell.location_id)
            .where(OperationLocation.id.is_(None))
        )
        assert session.scalar(orphans) == 0


def test_a_standing_operation_meets_what_comes_to_its_place_months_later_and_nothing_elsewhere(
    store: Engine,
) -> None:
    """A standing operation is looked up by ranges of slots (every bucket from its start on)."""
    with Session(store) as session:
        police = actor(session, "pc.covert")
        glaa = actor(session, "glaa.officer")
        standing = dc.register_operation(
            session, police, covert_surveillance(ends_at=None, standing=True), now=NOW
        ).operation.id
        later = DAY + timedelta(days=150)
        here = dc.register_operation(
            session,
            glaa,
            operation_input(
                locations=[location(NEARBY)], starts_at=later, ends_at=later + timedelta(hours=3)
            ),
            now=NOW,
        )
        far = dc.register_operation(
            session,
            glaa,
            operation_input(locations=[location(FAR)], starts_at=later, ends_at=later + timedelta(hours=3)),
            now=NOW,
        )
        assert [c.counterpart.hold for c in here.conflicts] == [True], "held for the covert standing one"
        assert far.conflicts == []
        again = dc.check_operation(session, police, standing, now=NOW)
        assert [c.conflict_id for c in again.conflicts] == [here.conflicts[0].conflict_id]


def test_the_graded_kinds_follow_the_operation_when_it_changes(store: Engine) -> None:
    with Session(store) as session:
        ts = actor(session, "ts.officer")
        glaa = actor(session, "glaa.officer")
        dc.register_operation(
            session, ts, operation_input(locations=[location(HERE, uprn="100023336956")]), now=NOW
        )
        mine = dc.register_operation(session, glaa, operation_input(locations=[location(NEARBY)]), now=NOW)
        assert mine.conflicts[0].counterpart.grade == "AMBER"
        regraded = dc.update_operation(
            session,
            glaa,
            mine.operation.id,
            operation_input(locations=[location(NEARBY, uprn="100023336956")]),
            now=NOW,
        )
        (conflict,) = regraded.conflicts
        assert (conflict.counterpart.grade, conflict.counterpart.kinds) == ("RED", ("PREMISES", "PLACE_TIME"))
        events = [n.event for n in dc.my_notifications(session, glaa)]
        assert events[:2] == ["REGRADED", "CONFLICT"]


# --- the status flow --------------------------------------------------------------------------


def test_a_draft_is_not_checked_until_submitted_and_a_pending_operation_cannot_start(store: Engine) -> None:
    with Session(store) as session:
        ts = actor(session, "ts.officer")
        glaa = actor(session, "glaa.officer")
        dc.register_operation(session, ts, operation_input(locations=[location(HERE)]), now=NOW)
        draft = dc.register_operation(
            session, glaa, operation_input(locations=[location(HERE)]), submit=False, now=NOW
        )
        assert draft.operation.status == "DRAFT"
        assert conflicts(session) == [], "a draft collides with nothing"
        submitted = dc.submit_operation(session, glaa, draft.operation.id, now=NOW)
        assert submitted.operation.status == "CONFLICT_PENDING"
        with pytest.raises(ConflictError, match="deconfliction desk"):
            dc.start_operation(session, glaa, draft.operation.id)
        with pytest.raises(ConflictError, match="already"):
            dc.submit_operation(session, glaa, draft.operation.id, now=NOW)
        cancelled = dc.cancel_operation(
            session, glaa, draft.operation.id, reason="Intelligence went stale", now=NOW
        )
        assert cancelled.status == "CANCELLED"
        assert conflicts(session)[0].status is ConflictStatus.LAPSED
        assert (
            session.scalar(
                select(func.count())
                .select_from(OperationCell)
                .where(OperationCell.operation_id == draft.operation.id)
            )
            == 0
        )
        with pytest.raises(ConflictError):
            dc.update_operation(session, glaa, draft.operation.id, operation_input(), now=NOW)


def test_a_cleared_operation_starts_and_completes(store: Engine) -> None:
    with Session(store) as session:
        glaa = actor(session, "glaa.officer")
        result = dc.register_operation(session, glaa, operation_input(), now=NOW)
        assert result.operation.next_actions == ["edit", "check", "start", "complete", "cancel"]
        assert dc.start_operation(session, glaa, result.operation.id).status == "ACTIVE"
        done = dc.complete_operation(
            session, glaa, result.operation.id, outcome_summary="Two workers safeguarded", now=NOW
        )
        assert (done.status, done.outcome_summary) == ("COMPLETED", "Two workers safeguarded")
        assert done.next_actions == []


def test_a_retrospective_entry_needs_a_reason(store: Engine) -> None:
    with Session(store) as session:
        glaa = actor(session, "glaa.officer")
        yesterday = operation_input(starts_at=NOW - timedelta(days=1), ends_at=NOW - timedelta(hours=20))
        with pytest.raises(InvalidInputError) as refused:
            dc.register_operation(session, glaa, yesterday, now=NOW)
        assert refused.value.field == "retrospective_reason"
        recorded = dc.register_operation(
            session,
            glaa,
            replace(yesterday, retrospective_reason="Urgent welfare visit at 2am; desk unreachable"),
            now=NOW,
        )
        assert recorded.operation.retrospective_reason == "Urgent welfare visit at 2am; desk unreachable"
        (created,) = audit_events(session, "operation", "create")
        assert created.details["retrospective"] is True


def test_bad_input_names_every_field_that_is_wrong(store: Engine) -> None:
    with Session(store) as session:
        bad = operation_input(
            name="",
            operation_type="PICNIC",
            visibility="SECRETIVE",
            ends_at=DAY - timedelta(hours=1),
            locations=[
                dc.LocationInput(latitude=51.5),
                dc.LocationInput(latitude=51.5, longitude=0.1, radius_m=9000),
            ],
            targets=[
                TargetInput("PERSON", "John Smith"),
                TargetInput("PHONE", "12"),
                TargetInput("SHOE", "9"),
            ],
        )
        with pytest.raises(InvalidInputError) as refused:
            dc.register_operation(session, actor(session, "glaa.officer"), bad, now=NOW)
        assert set(refused.value.problems) >= {
            "name",
            "operation_type",
            "visibility",
            "ends_at",
            "locations[0].latitude",
            "locations[1].radius_m",
            "targets[0].dob",
            "targets[1].value",
            "targets[2].kind",
        }


def test_only_the_owning_agency_touches_an_operation_and_only_a_registering_role_registers(
    store: Engine,
) -> None:
    with Session(store) as session:
        mine = dc.register_operation(session, actor(session, "glaa.officer"), operation_input(), now=NOW)
        for outsider in ("ts.officer", "pc.junior"):
            with pytest.raises(NotFoundError, match="you have no operation"):
                dc.get_operation(session, actor(session, outsider), mine.operation.id)
            with pytest.raises(NotFoundError):
                dc.cancel_operation(
                    session, actor(session, outsider), mine.operation.id, reason="not mine to cancel"
                )
        with pytest.raises(PermissionDeniedError):
            dc.register_operation(session, actor(session, "ts.analyst"), operation_input(), now=NOW)
        with pytest.raises(PermissionDeniedError):
            dc.my_operations(session, actor(session, "auditor"))
        with pytest.raises(InvalidInputError, match="desk"):
            dc.register_operation(
                session, actor(session, "glaa.officer"), operation_input(), agency_id=1, now=NOW
            )


def test_the_desk_registers_for_an_officer_without_access(store: Engine) -> None:
    with Session(store) as session:
        desk = actor(session, "desk")
        glaa_id = actor(session, "glaa.officer").agency_id
        result = dc.register_operation(
            session, desk, operation_input(name="Phoned in"), agency_id=glaa_id, now=NOW
        )
        assert result.operation.agency_code == "GLAA"
        assert [o.name for o in dc.my_operations(session, actor(session, "glaa.officer"))] == ["Phoned in"]
