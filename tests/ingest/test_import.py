"""Importing partner files: good rows land, bad rows are quarantined with reasons, nothing twice."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind, Classification, EntityKind, HandlingCode
from crimelink.errors import ImportFileError, MappingError
from crimelink.ingest.importer import import_file
from crimelink.ingest.mapping import DatasetMapping, load_mapping
from crimelink.services.agencies import register_agency
from crimelink.store.models import (
    AuditEvent,
    ImportRun,
    IntelligenceEvaluation,
    IntelligenceReport,
    QuarantineEntry,
    ReportSubject,
    SourceRecord,
)

HMO_MAPPING = {
    "dataset": "hmo-register",
    "title": "HMO licence register",
    "agency": "LBX-HOUSING",
    "record_id": "Licence No",
    "defaults": {"handling_code": "P", "classification": "OFFICIAL", "review_after_days": 730},
    "columns": {
        "Holder": "holder.full_name",
        "Holder DOB": "holder.dob",
        "Address": "premises.address",
        "Postcode": "premises.postcode",
        "Phone": {"to": "holder.phone", "multiple": True},
        "Occupants": {"to": "premises.occupants", "type": "integer"},
        "Marking": "record.classification",
    },
}
HMO_CSV = """Licence No,Holder,Holder DOB,Address,Postcode,Phone,Occupants,Marking
HMO-1,"SMITH, John",03/04/1980,"12 High St",e20 1aa,07700 900123; 07700 900124,6,
HMO-2,Mrs Ayesha Khan,31/02/1985,"3 Mill Rd",E20 1AB,,4,
HMO-3,Peter Jones,1975-12-01,"Flat 2, 7 Park Lane",NOT A CODE,,5,
HMO-4,Mary Brown,12/12/1990,"9 Church Road",E15 2BB,12345,3,
HMO-5,Alan Green,01/01/1960,"1 Station Road",E15 3DD,,2,SECRET
,Nobody,01/01/1970,"2 Station Road",E15 3DD,,2,
HMO-7,Lucy Gray,5 May 1988,"40 Canal Walk",E20 2DD,+44 7700 900125,8,OFFICIAL-SENSITIVE
"""


@pytest.fixture
def housing(engine: Engine) -> Engine:
    with Session(engine) as session:
        register_agency(session, code="LBX-HOUSING", name="Housing", kind=AgencyKind.LA_HOUSING, contact="x")
        register_agency(
            session, code="POLICE", name="Police SOC unit", kind=AgencyKind.POLICE_BCU, contact="y"
        )
        session.commit()
    return engine


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rows_land_and_bad_rows_are_quarantined_with_reasons(housing: Engine, tmp_path: Path) -> None:
    source = write(tmp_path / "hmo.csv", HMO_CSV)
    summary = import_file(housing, source, DatasetMapping.from_dict(HMO_MAPPING))
    assert (summary.rows_read, summary.stored, summary.quarantined) == (7, 2, 5)
    with Session(housing) as session:
        records = {r.source_key: r for r in session.scalars(select(SourceRecord))}
        assert set(records) == {"HMO-1", "HMO-7"}
        first = records["HMO-1"]
        assert first.normalised["holder"]["given_name"] == "JOHN"
        assert first.normalised["holder"]["family_name"] == "SMITH"
        assert first.normalised["holder"]["dob"] == "1980-04-03"
        assert first.normalised["holder"]["phone"] == ["+447700900123", "+447700900124"]
        assert first.normalised["premises"]["postcode"] == "E20 1AA"
        assert first.normalised["premises"]["occupants"] == 6
        assert first.original["Holder"] == "SMITH, John"
        assert first.handling_code is HandlingCode.PERMITTED
        assert (first.review_due - first.received_at.date()).days == 730
        assert records["HMO-7"].classification is Classification.OFFICIAL_SENSITIVE
        quarantine = {
            (q.row_number, q.column): q
            for q in session.scalars(select(QuarantineEntry).order_by(QuarantineEntry.row_number))
        }
    # Spreadsheet rows: the header is row 1, so HMO-2 is row 3.
    assert set(quarantine) == {
        (3, "Holder DOB"),
        (4, "Postcode"),
        (5, "Phone"),
        (6, "Marking"),
        (7, "Licence No"),
    }
    assert "31/02/1985" in quarantine[(3, "Holder DOB")].reason
    assert quarantine[(3, "Holder DOB")].field == "dob"
    assert quarantine[(3, "Holder DOB")].file_name == "hmo.csv"
    assert "postcode" in quarantine[(4, "Postcode")].reason.lower()
    assert "SECRET" in quarantine[(6, "Marking")].reason
    assert quarantine[(7, "Licence No")].reason == "the record id is empty"
    assert quarantine[(3, "Holder DOB")].raw["Holder"] == "Mrs Ayesha Khan"


def test_importing_the_same_file_twice_stores_nothing_twice(housing: Engine, tmp_path: Path) -> None:
    source = write(tmp_path / "hmo.csv", HMO_CSV)
    mapping = DatasetMapping.from_dict(HMO_MAPPING)
    import_file(housing, source, mapping)
    again = import_file(housing, source, mapping)
    assert (again.stored, again.versioned, again.unchanged, again.quarantined) == (0, 0, 2, 5)
    with Session(housing) as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 2
        assert session.scalar(select(func.count()).select_from(QuarantineEntry)) == 5
        assert session.scalars(select(ImportRun.status)).all() == ["completed", "completed"]
        imports = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
        assert [e.details["stored"] for e in imports] == [2, 0]


def test_a_changed_row_becomes_a_new_version_and_the_old_one_is_kept(housing: Engine, tmp_path: Path) -> None:
    mapping = DatasetMapping.from_dict(HMO_MAPPING)
    import_file(housing, write(tmp_path / "a.csv", HMO_CSV), mapping)
    changed = HMO_CSV.replace('"40 Canal Walk",E20 2DD', '"41 Canal Walk",E20 2DD')
    summary = import_file(housing, write(tmp_path / "b.csv", changed), mapping)
    assert (summary.stored, summary.versioned, summary.unchanged) == (0, 1, 1)
    with Session(housing) as session:
        versions = session.scalars(
            select(SourceRecord).where(SourceRecord.source_key == "HMO-7").order_by(SourceRecord.version)
        ).all()
        assert [(v.version, v.normalised["premises"]["address"]) for v in versions] == [
            (1, "40 CANAL WALK"),
            (2, "41 CANAL WALK"),
        ]


INTEL_MAPPING = {
    "dataset": "intelligence",
    "title": "Intelligence reports",
    "agency": "POLICE",
    "kind": "INTELLIGENCE",
    "record_id": "URN",
    "defaults": {"classification": "OFFICIAL"},
    "columns": {
        "Grade": "record.grading",
        "Legacy": "record.legacy_grading",
        "Conditions": "record.handling_conditions",
        "Text": "record.text",
        "Raw": "record.text_raw",
        "Threats": "record.threats",
        "Date": "record.event_date",
        "Subject": "subject.full_name",
        "VRM": "vehicle.vrm",
    },
}
INTEL_CSV = """URN,Grade,Legacy,Conditions,Text,Raw,Threats,Date,Subject,VRM
IR-1,1B P,,,Subject deals from the flat.,Source A says...,COUNTY_LINES;CUCKOOING,01/03/2026,Dean Carter,AB12 CDE
IR-2,2C C,,POLICE_ONLY,Subject carries a knife.,,SERIOUS_VIOLENCE_WEAPONS,02/03/2026,Dean Carter,
IR-3,,B35,,Old report about the address.,,,03/03/2026,,
IR-4,2C C,,,Conditions missing.,,,,Dean Carter,
IR-5,4F P,,,Bad grade.,,,,,
IR-6,1A P,,,,,,,Dean Carter,
IR-7,1A P,,,Unknown threat.,,BANK_ROBBERY,,,
"""


def test_intelligence_reports_keep_their_grading_and_subjects(housing: Engine, tmp_path: Path) -> None:
    summary = import_file(
        housing, write(tmp_path / "intel.csv", INTEL_CSV), DatasetMapping.from_dict(INTEL_MAPPING)
    )
    assert (summary.stored, summary.quarantined) == (3, 4)
    with Session(housing) as session:
        reports = {r.urn: r for r in session.scalars(select(IntelligenceReport))}
        assert {urn: r.current_evaluation.display for urn, r in reports.items()} == {
            "IR-1": "1B P",
            "IR-2": "2C C",
            "IR-3": "B35 (5x5x5)",
        }
        assert reports["IR-2"].current_evaluation.handling_conditions[0]["code"] == "POLICE_ONLY"
        assert reports["IR-1"].threats == ["COUNTY_LINES", "CUCKOOING"]
        assert reports["IR-1"].text_raw == "Source A says..."
        assert reports["IR-1"].reported_on == date(2026, 3, 1)
        subjects = {(s.party, s.kind, s.display) for s in reports["IR-1"].subjects}
        assert subjects == {
            ("subject", EntityKind.PERSON, "DEAN CARTER"),
            ("vehicle", EntityKind.VEHICLE, "AB12CDE"),
        }
        assert session.scalar(select(func.count()).select_from(IntelligenceEvaluation)) == 3
        assert session.scalar(select(func.count()).select_from(ReportSubject)) == 3
        reasons = dict(session.execute(select(QuarantineEntry.row_number, QuarantineEntry.reason)).all())
    assert "at least one handling condition" in reasons[5]
    assert "source evaluation must be 1, 2 or 3" in reasons[6]
    assert "sanitised text" in reasons[7]
    assert "BANK_ROBBERY" in reasons[8]


def test_xlsx_and_json_lines_files_import_like_csv(housing: Engine, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Licence No", "Holder", "Holder DOB", "Address", "Postcode", "Phone", "Occupants", "Marking"]
    )
    sheet.append(["HMO-10", "Joan Rivers", datetime(1970, 6, 5), "5 Bow Rd", "E3 2AA", 7700900126, 3, None])
    sheet.append([11, "Sam Hill", date(1999, 1, 2), "6 Bow Rd", "E3 2AB", None, 4.0, None])
    workbook.save(tmp_path / "hmo.xlsx")
    summary = import_file(housing, tmp_path / "hmo.xlsx", DatasetMapping.from_dict(HMO_MAPPING))
    assert (summary.stored, summary.quarantined) == (2, 0)

    lines = [
        {"Licence No": "J-1", "Holder": "Ann Lee", "Holder DOB": "1980-02-29", "Postcode": "E1 6AN"},
        {"Licence No": "J-2", "Holder": "Bo Chan", "Holder DOB": "1981-02-29"},
    ]
    jsonl = tmp_path / "hmo.jsonl"
    jsonl.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8")
    summary = import_file(housing, jsonl, DatasetMapping.from_dict(HMO_MAPPING))
    assert (summary.stored, summary.quarantined) == (1, 2)
    with Session(housing) as session:
        records = {r.source_key: r.normalised for r in session.scalars(select(SourceRecord))}
        assert records["HMO-10"]["holder"]["dob"] == "1970-06-05"
        assert records["HMO-10"]["holder"]["phone"] == "+447700900126"
        assert "11" in records
        assert records["J-1"]["holder"]["dob"] == "1980-02-29"
        lines_quarantined = dict(
            session.execute(select(QuarantineEntry.row_number, QuarantineEntry.reason)).all()
        )
    assert set(lines_quarantined) == {2, 3}
    assert "not JSON" in lines_quarantined[3]


def test_mapping_errors_name_the_file_and_the_column(tmp_path: Path) -> None:
    bad = dict(HMO_MAPPING, columns={"Holder": "holder.fullname"})
    path = tmp_path / "bad.mapping.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert str(path) in str(error.value)
    assert "columns.Holder" in str(error.value)
    assert "'fullname' is not a canonical field" in str(error.value)

    c_without_conditions = dict(HMO_MAPPING, defaults={"handling_code": "C"})
    with pytest.raises(MappingError, match="at least one handling condition"):
        DatasetMapping.from_dict(c_without_conditions)
    with pytest.raises(MappingError, match="SECRET"):
        DatasetMapping.from_dict(dict(HMO_MAPPING, defaults={"classification": "SECRET"}))


def test_a_file_missing_a_mapped_column_is_refused_before_anything_is_stored(
    housing: Engine, tmp_path: Path
) -> None:
    source = write(tmp_path / "short.csv", "Licence No,Holder\nX-1,Ann Lee\n")
    with pytest.raises(ImportFileError) as error:
        import_file(housing, source, DatasetMapping.from_dict(HMO_MAPPING))
    assert "short.csv" in str(error.value)
    assert "'Holder DOB'" in str(error.value)
    with Session(housing) as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 0


def test_an_unregistered_agency_is_a_clear_error(housing: Engine, tmp_path: Path) -> None:
    mapping = DatasetMapping.from_dict(dict(HMO_MAPPING, agency="NOBODY"))
    with pytest.raises(MappingError, match="'NOBODY', which is not registered"):
        import_file(housing, write(tmp_path / "hmo.csv", HMO_CSV), mapping)


def test_a_key_repeated_within_one_file_is_stored_once_or_versioned(housing: Engine, tmp_path: Path) -> None:
    rows = (
        "Licence No,Holder,Holder DOB,Address,Postcode,Phone,Occupants,Marking\n"
        "D-1,Ann Lee,01/01/1980,1 Bow Rd,E3 2AA,,1,\n"
        "D-1,Ann Lee,01/01/1980,1 Bow Rd,E3 2AA,,1,\n"
        "D-1,Ann Lee,01/01/1980,1 Bow Rd,E3 2AA,,2,\n"
    )
    summary = import_file(housing, write(tmp_path / "dup.csv", rows), DatasetMapping.from_dict(HMO_MAPPING))
    assert (summary.stored, summary.unchanged, summary.versioned) == (1, 1, 1)
    with Session(housing) as session:
        versions = session.execute(select(SourceRecord.version, SourceRecord.row_number)).all()
    assert sorted(versions) == [(1, 2), (2, 4)]


def test_a_handling_code_that_contradicts_the_grading_is_quarantined(housing: Engine, tmp_path: Path) -> None:
    mapping = dict(INTEL_MAPPING, columns={**INTEL_MAPPING["columns"], "Handling": "record.handling_code"})  # type: ignore[dict-item]
    text = (
        "URN,Grade,Legacy,Conditions,Text,Raw,Threats,Date,Subject,VRM,Handling\nIR-9,1B P,,,Text.,,,,,,C\n"
    )
    summary = import_file(housing, write(tmp_path / "x.csv", text), DatasetMapping.from_dict(mapping))
    assert (summary.stored, summary.quarantined) == (0, 1)
    with Session(housing) as session:
        entry = session.scalars(select(QuarantineEntry)).one()
    assert (entry.column, entry.field) == ("Handling", "handling_code")
    assert entry.reason == "handling code C disagrees with the grading 1B P"


def test_nul_characters_are_dropped_so_every_database_takes_the_row(housing: Engine, tmp_path: Path) -> None:
    lines = [
        {"Licence No": "N-1", "Holder": "Ann\x00 Lee", "Address": "1 Bow\x00 Road", "Postcode": "E3 2AA"}
    ]
    source = tmp_path / "nul.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    summary = import_file(housing, source, DatasetMapping.from_dict(HMO_MAPPING))
    assert summary.stored == 1
    with Session(housing) as session:
        record = session.scalars(select(SourceRecord)).one()
    assert record.original["Holder"] == "Ann Lee"
    assert record.normalised["premises"]["address"] == "1 BOW ROAD"
