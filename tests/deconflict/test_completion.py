"""Completion: agencies with an interest in what an operation touched are told there is an outcome."""

from __future__ import annotations

import pytest
from deconflict_world import NOW, actor, audit_events, build_store, interest_input, location, operation_input
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crimelink.deconflict.rules import DEFAULT_RULES
from crimelink.services import deconfliction as dc
from crimelink.services.deconfliction import TargetInput


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    build_store(sqlite_engine)
    return sqlite_engine


def test_the_organised_crime_command_hears_of_a_border_force_outcome(store: Engine) -> None:
    """The seed case: Border Force interdicts a vehicle the Organised Crime Command has flagged."""
    with Session(store) as session:
        occ = actor(session, "occ.ds")
        flag = dc.register_interest(
            session,
            occ,
            interest_input(TargetInput("VRM", "KX19 ZZT"), reason="Courier vehicle for the Alder network"),
            now=NOW,
        )
        bf = actor(session, "bf.officer")
        interdiction = dc.register_operation(
            session,
            bf,
            operation_input(
                name="Dover inbound check",
                operation_type="BORDER_INTERDICTION",
                contact_24h="Border Force NCC 0300 123 7000",
                locations=[location()],
                targets=[TargetInput("VRM", "kx19zzt")],
            ),
            now=NOW,
        )
        assert interdiction.operation.status == "CLEARED", "an information flag does not hold the operation"
        dc.start_operation(session, bf, interdiction.operation.id)
        dc.complete_operation(
            session,
            bf,
            interdiction.operation.id,
            outcome_summary="4 kg cocaine in the sill; driver arrested",
            now=NOW,
        )
        (outcome,) = [n for n in dc.my_notifications(session, occ) if n.event == "OUTCOME"]
        assert outcome.your_interest_id == flag.id
        assert outcome.counterpart_agency_code == "BF"
        assert outcome.contact == "Border Force NCC 0300 123 7000"
        assert "there is an outcome to ask about" in outcome.message
        assert "cocaine" not in outcome.message, "the outcome itself stays with Border Force until asked"
        (completed,) = [
            e for e in audit_events(session, "operation", "update") if e.details.get("to") == "COMPLETED"
        ]
        assert completed.details["interests_told"] == [flag.id]
        (seen,) = dc.get_interest(session, occ, flag.id).conflicts
        assert seen.status == "LAPSED", "the conflict ends with the operation"


def test_an_interest_registered_after_the_check_is_told_too_and_others_are_not(store: Engine) -> None:
    with Session(store) as session:
        bf = actor(session, "bf.officer")
        operation = dc.register_operation(
            session, bf, operation_input(targets=[TargetInput("PHONE", "07700900321")]), now=NOW
        )
        occ = actor(session, "occ.ds")
        dc.register_interest(session, occ, interest_input(TargetInput("PHONE", "+447700900321")), now=NOW)
        unrelated = actor(session, "ts.officer")
        dc.register_interest(session, unrelated, interest_input(TargetInput("PHONE", "07700900999")), now=NOW)
        withdrawn = dc.register_interest(
            session,
            actor(session, "glaa.officer"),
            interest_input(TargetInput("PHONE", "07700900321")),
            now=NOW,
        )
        dc.withdraw_interest(session, actor(session, "glaa.officer"), withdrawn.id, now=NOW)
        dc.complete_operation(session, bf, operation.operation.id, now=NOW)
        assert [n.event for n in dc.my_notifications(session, occ)].count("OUTCOME") == 1
        assert "OUTCOME" not in [n.event for n in dc.my_notifications(session, unrelated)]
        assert "OUTCOME" not in [
            n.event for n in dc.my_notifications(session, actor(session, "glaa.officer"))
        ]


def test_a_partner_hears_of_a_covert_outcome_only_through_the_desk(store: Engine) -> None:
    with Session(store) as session:
        glaa = actor(session, "glaa.officer")
        dc.register_interest(session, glaa, interest_input(TargetInput("PHONE", "07700900555")), now=NOW)
        police = actor(session, "pc.covert")
        covert = dc.register_operation(
            session,
            police,
            operation_input(
                name="Operation Nightjar",
                visibility="COVERT",
                contact_24h="07700 900777",
                targets=[TargetInput("PHONE", "07700900555")],
            ),
            now=NOW,
        )
        dc.complete_operation(session, police, covert.operation.id, now=NOW)
        (outcome,) = [n for n in dc.my_notifications(session, glaa) if n.event == "OUTCOME"]
        assert outcome.hold
        assert outcome.counterpart_agency_code is None
        assert outcome.contact == DEFAULT_RULES.desk_contact
        assert "Nightjar" not in outcome.message
        assert "07700 900777" not in outcome.message
        assert "contact the police SOC desk" in outcome.message
