"""Hit / no-hit, disclosure requests and their decisions, and submitting graded intelligence."""

from __future__ import annotations

from datetime import date

import pytest
from access_factories import actor_for, make_agency, make_agreement, make_dataset, make_record, make_user
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import Classification, DataCategory, LawfulBasis, Purpose, UserRole
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.services.disclosure import (
    decide_disclosure,
    my_requests,
    request_disclosure,
    requests_to_decide,
)
from crimelink.services.intelligence import submit_intelligence
from crimelink.services.records import HoldingNotice, RecordView, get_record, search_records
from crimelink.store.models import AuditEvent, IntelligenceReport, SourceRecord


@pytest.fixture
def partnership(engine: Engine) -> Engine:
    with Session(engine) as session:
        police = make_agency(session, "POLICE", police=True)
        housing = make_agency(session, "HOUSING")
        intel = make_dataset(session, police, DataCategory.INTELLIGENCE)
        hmo = make_dataset(session, housing, DataCategory.HOUSING)
        make_record(session, intel, "IR-1", name="DEAN CARTER")
        make_record(session, hmo, "HMO-1", name="DEAN CARTER")
        make_user(session, police, "olivia", roles=[UserRole.ORGANISED_CRIME_ADVISOR.value])
        make_user(session, housing, "harry", roles=[UserRole.PARTNER_OFFICER.value])
        make_agreement(session, housing, police, DataCategory.HOUSING, [Purpose.CRIME_PREVENTION_DETECTION])
        session.commit()
    return engine


def actors(session: Session) -> dict[str, object]:
    from crimelink.store.models import Agency, User

    result = {}
    for user in session.scalars(select(User)):
        result[user.username] = actor_for(user, session.get(Agency, user.agency_id))  # type: ignore[arg-type]
    return result


def test_a_partner_sees_only_that_police_hold_a_record_then_gets_it_by_disclosure(
    partnership: Engine,
) -> None:
    with Session(partnership) as session:
        people = actors(session)
        harry, olivia = people["harry"], people["olivia"]
        found = search_records(session, harry, query="dean carter")  # type: ignore[arg-type]
        assert [v.dataset_code for v in found.records] == ["housing-housing"]
        assert [(n.agency_code, n.count, n.contact) for n in found.held_elsewhere] == [
            ("POLICE", 1, "POLICE duty desk")
        ]
        police_record = found.held_elsewhere[0].record_ids[0]
        assert isinstance(get_record(session, harry, police_record), HoldingNotice)  # type: ignore[arg-type]

        # The police see both: their own record, and housing's under the agreement.
        assert len(search_records(session, olivia, query="dean carter").records) == 2  # type: ignore[arg-type]

        (request,) = request_disclosure(
            session,
            harry,
            record_ids=[police_record],
            justification="Tenancy enforcement on the same address",  # type: ignore[arg-type]
        )
        assert [r.status for r in requests_to_decide(session, olivia)] == ["PENDING"]  # type: ignore[arg-type]
        with pytest.raises(PermissionDeniedError):
            decide_disclosure(
                session,
                harry,
                request_id=request.id,
                grant=True,
                lawful_basis=LawfulBasis.CDA1998_S115,  # type: ignore[arg-type]
                conditions=[],
                note="",
                expires_on=None,
            )
        with pytest.raises(InvalidInputError) as missing_basis:
            decide_disclosure(
                session,
                olivia,
                request_id=request.id,
                grant=True,
                lawful_basis=None,  # type: ignore[arg-type]
                conditions=[],
                note="",
                expires_on=None,
            )
        assert "lawful_basis" in missing_basis.value.problems
        decide_disclosure(
            session,
            olivia,
            request_id=request.id,
            grant=True,
            lawful_basis=LawfulBasis.CDA1998_S115,  # type: ignore[arg-type]
            conditions=["NOT_FOR_EVIDENTIAL_USE"],
            note="Shared for the joint visit",
            expires_on=date(2099, 1, 1),
        )
        session.commit()
        view = get_record(session, harry, police_record)  # type: ignore[arg-type]
        assert isinstance(view, RecordView)
        assert view.why_visible == "a disclosure of this record to your agency was granted"
        assert [r.status for r in my_requests(session, harry)] == ["GRANTED"]  # type: ignore[arg-type]
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.resource_type == "disclosure_request")
        ).all()
        assert events == ["request", "disclosure"]


def test_refused_disclosure_keeps_the_record_hidden(partnership: Engine) -> None:
    with Session(partnership) as session:
        people = actors(session)
        record_id = session.scalars(select(SourceRecord.id).where(SourceRecord.source_key == "IR-1")).one()
        (request,) = request_disclosure(
            session, people["harry"], record_ids=[record_id], justification="Need it for a visit"
        )  # type: ignore[arg-type]
        decide_disclosure(
            session,
            people["olivia"],
            request_id=request.id,
            grant=False,
            lawful_basis=None,  # type: ignore[arg-type]
            conditions=[],
            note="Live operation",
            expires_on=None,
        )
        assert isinstance(get_record(session, people["harry"], record_id), HoldingNotice)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="already refused"):
            decide_disclosure(
                session,
                people["olivia"],
                request_id=request.id,
                grant=True,  # type: ignore[arg-type]
                lawful_basis=LawfulBasis.CDA1998_S115,
                conditions=[],
                note="",
                expires_on=None,
            )


def test_submitted_intelligence_is_graded_validated_and_raw_text_stays_with_police(
    partnership: Engine,
) -> None:
    with Session(partnership) as session:
        people = actors(session)
        report = submit_intelligence(
            session,
            people["olivia"],  # type: ignore[arg-type]
            form={
                "source_evaluation": "1",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "text": "Subject is storing drugs at the address for a London line.",
                "text_raw": "CHIS 123 reports subject storing drugs.",
                "threats": "COUNTY_LINES",
                "subject_name": "Dean Carter",
                "subject_postcode": "e20 1aa",
            },
        )
        session.commit()
        assert report.current_evaluation.display == "1B P"
        record = session.get(SourceRecord, report.source_record_id)
        assert record is not None
        assert record.normalised["subject"]["postcode"] == "E20 1AA"
        own = get_record(session, people["olivia"], record.id)  # type: ignore[arg-type]
        assert isinstance(own, RecordView)
        assert own.intelligence is not None
        assert own.intelligence.raw_text == "CHIS 123 reports subject storing drugs."

        with pytest.raises(InvalidInputError) as bad:
            submit_intelligence(
                session,
                people["olivia"],  # type: ignore[arg-type]
                form={
                    "source_evaluation": "1",
                    "intelligence_assessment": "B",
                    "handling_code": "C",
                    "classification": "SECRET",
                    "text": "x",
                    "subject_postcode": "NOT A POSTCODE",
                },
            )
        problems = bad.value.problems
        with pytest.raises(InvalidInputError) as wrong_grade:
            submit_intelligence(
                session,
                people["olivia"],  # type: ignore[arg-type]
                form={"source_evaluation": "1", "intelligence_assessment": "F", "text": "Some text."},
            )
        assert list(wrong_grade.value.problems) == ["intelligence_assessment"]
        assert "SECRET" in problems.get("classification", "")
        assert "subject_postcode" in problems
        assert "handling_conditions" in problems
        assert session.scalar(select(IntelligenceReport.id).where(IntelligenceReport.id != report.id)) is None


def test_partners_never_see_police_raw_text_even_when_the_report_is_shared(engine: Engine) -> None:
    with Session(engine) as session:
        police = make_agency(session, "POLICE", police=True)
        housing = make_agency(session, "HOUSING")
        make_user(session, police, "olivia", roles=[UserRole.ORGANISED_CRIME_ADVISOR.value])
        make_user(session, housing, "harry", roles=[UserRole.PARTNER_OFFICER.value])
        make_agreement(
            session, police, housing, DataCategory.INTELLIGENCE, [Purpose.CRIME_PREVENTION_DETECTION]
        )
        session.commit()
        people = actors(session)
        report = submit_intelligence(
            session,
            people["olivia"],  # type: ignore[arg-type]
            form={
                "source_evaluation": "2",
                "intelligence_assessment": "C",
                "text": "Sanitised: cuckooing suspected at the flat.",
                "text_raw": "RAW SOURCE DETAIL",
                "classification": "OFFICIAL",
            },
        )
        view = get_record(session, people["harry"], report.source_record_id)  # type: ignore[arg-type]
        assert isinstance(view, RecordView)
        assert view.intelligence is not None
        assert view.intelligence.text == "Sanitised: cuckooing suspected at the flat."
        assert view.intelligence.raw_text is None
        assert "RAW SOURCE DETAIL" not in str(view)


def test_sensitive_records_need_clearance_and_compartment(engine: Engine) -> None:
    with Session(engine) as session:
        csc = make_agency(session, "CSC")
        police = make_agency(session, "POLICE", police=True)
        children = make_dataset(session, csc, DataCategory.CHILDREN_SOCIAL_CARE)
        record = make_record(
            session,
            children,
            "C-1",
            name="CHILD ONE",
            classification=Classification.OFFICIAL_SENSITIVE,
            caveats=["CHILDREN"],
        )
        make_agreement(session, csc, police, DataCategory.CHILDREN_SOCIAL_CARE, [Purpose.SAFEGUARDING])
        cleared = make_user(
            session,
            police,
            "sally",
            roles=[UserRole.SAFEGUARDING_LEAD.value],
            clearance=Classification.OFFICIAL_SENSITIVE,
            compartments=["CHILDREN"],
        )
        uncleared = make_user(session, police, "ursula", roles=[UserRole.SAFEGUARDING_LEAD.value])
        session.commit()
        sally = actor_for(cleared, police, purpose=Purpose.SAFEGUARDING)
        ursula = actor_for(uncleared, police, purpose=Purpose.SAFEGUARDING)
        assert isinstance(get_record(session, sally, record.id), RecordView)
        assert isinstance(get_record(session, ursula, record.id), HoldingNotice)
        # The right person with the wrong purpose: no agreement covers it.
        assert isinstance(get_record(session, actor_for(cleared, police), record.id), HoldingNotice)


def test_a_search_matching_too_many_records_says_its_counts_are_lower_bounds(engine: Engine) -> None:
    with Session(engine) as session:
        police = make_agency(session, "POLICE", police=True)
        housing = make_agency(session, "HOUSING")
        intel = make_dataset(session, police, DataCategory.INTELLIGENCE)
        for n in range(5):
            make_record(session, intel, f"IR-{n}", name=f"COMMON NAME {n}")
        harry = actor_for(
            make_user(session, housing, "harry", roles=[UserRole.PARTNER_OFFICER.value]), housing
        )
        exact = search_records(session, harry, query="common", max_candidates=10)
        capped = search_records(session, harry, query="common", max_candidates=3)
    assert (exact.capped, [n.count for n in exact.held_elsewhere]) == (False, [5])
    assert (capped.capped, [n.count for n in capped.held_elsewhere]) == (True, [3])


def test_submitted_intelligence_is_screened_at_once_on_its_sanitised_text_only(partnership: Engine) -> None:
    from crimelink.store.models import RecordScreening

    with Session(partnership) as session:
        olivia = actors(session)["olivia"]
        tagged = submit_intelligence(
            session,
            olivia,  # type: ignore[arg-type]
            form={
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "text": "Young males coming and going at all hours; the door frame is damaged.",
                "subject_name": "Dean Carter",
            },
        )
        quiet = submit_intelligence(
            session,
            olivia,  # type: ignore[arg-type]
            form={
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "text": "Subject seen at the address.",
                "text_raw": "CHIS: young males coming and going at all hours; the door frame is damaged.",
                "subject_name": "Dean Carter",
            },
        )
        session.commit()
        screened = session.get(RecordScreening, tagged.source_record_id)
        assert screened is not None
        assert screened.threats == ["CUCKOOING"]
        assert {m["indicator_id"] for m in screened.tags[0]["matches"]} >= {"ck-coming-and-going"}
        held_back = session.get(RecordScreening, quiet.source_record_id)
        assert held_back is not None, "screened, and found nothing"
        assert held_back.threats == [], "raw intelligence never reaches screening"
