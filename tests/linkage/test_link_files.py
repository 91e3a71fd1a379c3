"""Person linkage end to end: real CSV files in, pairs / clusters / quarantine CSVs out."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.ingest.mapping import DatasetMapping
from crimelink.linkage import LinkSummary, link_files
from crimelink.linkage.model import MIN_RECORDS_TO_TRAIN
from crimelink.linkage.service import CLUSTERS_HEADER, PAIRS_HEADER, QUARANTINE_HEADER

HEADER = ("id", "name", "dob", "postcode", "address", "nino", "email", "phone")
MAPPING_YAML = """\
dataset: test-people
title: People
agency: TEST
record_id: id
columns:
  name: subject.full_name
  dob: subject.dob
  postcode: subject.postcode
  address: subject.address
  nino: subject.nino
  email: subject.email
  phone: subject.phone
"""


def make_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "people.yaml"
    path.write_text(MAPPING_YAML, encoding="utf-8")
    return path


def people_mapping() -> DatasetMapping:
    import yaml

    return DatasetMapping.from_dict(yaml.safe_load(MAPPING_YAML))


def write_people(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def linked_ids(out_dir: Path) -> set[frozenset[str]]:
    return {frozenset((p["left_record_id"], p["right_record_id"])) for p in read_csv(out_dir / "pairs.csv")}


def same_cluster(out_dir: Path, left: str, right: str) -> bool:
    clusters = {row["record_id"]: row["cluster_id"] for row in read_csv(out_dir / "clusters.csv")}
    return clusters[left] == clusters[right]


FAMILY_AND_ALIASES = [
    ("1", "Robert Smith", "03/04/1980", "SW1A 1AA", "12 High Street, London", "", "", ""),
    ("2", "SMITH, Bob", "04/03/1980", "sw1a1aa", "12 High St London", "", "", ""),
    ("3", "John Smith", "05/06/1955", "SW1A 1AA", "12 High Street, London", "", "", ""),
    ("4", "Michael Smith", "07/08/1985", "SW1A 1AA", "12 High Street, London", "", "", ""),
    ("5", "Jane Doe", "01/01/1970", "E1 6AN", "1 Mile End Road", "AB123456C", "", ""),
    ("6", "Janet Brown", "02/02/1972", "N1 9GU", "5 Upper Street", "AB 12 34 56 C", "", ""),
    ("7", "Priya Patel", "09/09/1991", "M1 1AE", "3 Oxford Road", "", "p.patel@example.org", ""),
    ("8", "Sita Kaur", "10/10/1993", "B1 1BB", "8 New Street", "", "P.Patel@example.org", ""),
    ("9", "Nobody Real", "31/02/1990", "N1 9GU", "5 Upper Street", "", "", ""),
]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[LinkSummary, Path]:
    tmp_path = tmp_path_factory.mktemp("small")
    source = write_people(tmp_path / "people.csv", FAMILY_AND_ALIASES)
    out_dir = tmp_path / "out"
    return link_files([source], people_mapping(), out_dir=out_dir), out_dir


def test_same_person_spelled_differently_links(small_run: tuple[LinkSummary, Path]) -> None:
    # Nickname, "SURNAME, Given" order, day and month transposed, postcode without its space.
    summary, out_dir = small_run
    assert frozenset({"1", "2"}) in linked_ids(out_dir)
    assert same_cluster(out_dir, "1", "2")
    pair = next(
        p
        for p in read_csv(out_dir / "pairs.csv")
        if {p["left_record_id"], p["right_record_id"]} == {"1", "2"}
    )
    assert pair["method"] == "probabilistic"
    assert float(pair["match_probability"]) >= 0.9
    assert not summary.trained  # nine rows: the documented fixed parameters


def test_father_and_son_at_one_address_do_not_link(small_run: tuple[LinkSummary, Path]) -> None:
    _summary, out_dir = small_run
    pairs = linked_ids(out_dir)
    assert frozenset({"3", "4"}) not in pairs
    assert frozenset({"1", "3"}) not in pairs
    assert not same_cluster(out_dir, "3", "4")


def test_shared_nino_or_email_links_despite_different_names(small_run: tuple[LinkSummary, Path]) -> None:
    _summary, out_dir = small_run
    evidence = {
        frozenset((p["left_record_id"], p["right_record_id"])): (p["method"], p["evidence"])
        for p in read_csv(out_dir / "pairs.csv")
    }
    assert evidence[frozenset({"5", "6"})] == ("deterministic", "nino")
    assert evidence[frozenset({"7", "8"})] == ("deterministic", "email")
    assert same_cluster(out_dir, "5", "6")


def test_outputs_have_headers_and_bad_rows_go_to_quarantine(small_run: tuple[LinkSummary, Path]) -> None:
    summary, out_dir = small_run
    for name, header in (
        ("pairs", PAIRS_HEADER),
        ("clusters", CLUSTERS_HEADER),
        ("quarantine", QUARANTINE_HEADER),
    ):
        with (out_dir / f"{name}.csv").open(encoding="utf-8") as handle:
            assert tuple(next(csv.reader(handle))) == header
    quarantined = read_csv(out_dir / "quarantine.csv")
    assert [(q["row_number"], q["field"]) for q in quarantined] == [("10", "dob")]
    assert "not a real date" in quarantined[0]["reason"]
    assert quarantined[0]["reason"].endswith("the row was linked without this field")
    # The row with the impossible date is still linked on its name and address.
    assert (summary.quarantined, summary.fields_left_out) == (0, 1)
    assert summary.records == 9
    assert len(read_csv(out_dir / "clusters.csv")) == 9


def test_two_files_link_across(tmp_path: Path) -> None:
    housing = write_people(
        tmp_path / "housing.csv",
        [
            (
                "H1",
                "Robert Smith",
                "03/04/1980",
                "SW1A 1AA",
                "12 High Street, London",
                "",
                "",
                "07700 900123",
            ),
            ("H2", "Amira Hussain", "11/12/1988", "LS1 4AP", "22 Park Row, Leeds", "", "", ""),
        ],
    )
    police = write_people(
        tmp_path / "police.csv",
        [
            ("P1", "SMITH, Bob", "04/03/1980", "SW1A1AA", "12 High St London", "", "", ""),
            ("P2", "Tom Jones", "01/01/1960", "CF10 1AA", "1 Queen Street, Cardiff", "", "", ""),
        ],
    )
    summary = link_files([housing, police], people_mapping(), out_dir=tmp_path / "out")
    pairs = read_csv(tmp_path / "out" / "pairs.csv")
    assert [
        (p["left_source"], p["left_record_id"], p["right_source"], p["right_record_id"]) for p in pairs
    ] == [("housing.csv", "H1", "police.csv", "P1")]
    assert summary.cross_source_pairs == 1
    assert summary.clusters == 3


GIVEN = [
    "JAMES",
    "ROBERT",
    "JOHN",
    "MICHAEL",
    "DAVID",
    "WILLIAM",
    "THOMAS",
    "SARAH",
    "EMMA",
    "LAURA",
    "SOPHIE",
    "OLIVIA",
    "AMELIA",
    "JESSICA",
    "DANIEL",
    "MATTHEW",
    "ANDREW",
    "CHLOE",
    "HANNAH",
    "RUTH",
]
FAMILY = [
    "SMITH",
    "JONES",
    "TAYLOR",
    "BROWN",
    "WILLIAMS",
    "WILSON",
    "JOHNSON",
    "DAVIES",
    "ROBINSON",
    "WRIGHT",
    "THOMPSON",
    "EVANS",
    "WALKER",
    "WHITE",
    "ROBERTS",
    "GREEN",
    "HALL",
    "WOOD",
    "JACKSON",
    "CLARKE",
    "PATEL",
    "KHAN",
    "AHMED",
    "HUGHES",
    "EDWARDS",
    "HILL",
    "MOORE",
    "CLARK",
    "HARRISON",
    "SCOTT",
]
NICK = {
    "ROBERT": "BOB",
    "WILLIAM": "BILL",
    "JAMES": "JIM",
    "MICHAEL": "MIKE",
    "THOMAS": "TOM",
    "DAVID": "DAVE",
}
STREETS = [
    "HIGH STREET",
    "STATION ROAD",
    "CHURCH LANE",
    "MILL ROAD",
    "PARK AVENUE",
    "QUEEN STREET",
    "KING ROAD",
]
OUTCODES = ["SW1A", "E1", "N1", "M1", "B1", "LS1", "CF10", "G1", "BS1", "NE1"]


def generated_people(count: int, seed: int = 7) -> tuple[list[tuple[str, ...]], set[frozenset[str]]]:
    """About ``count`` rows: distinct people plus variant duplicates (nicknames, typos, transposed dates)."""
    rng = random.Random(seed)
    rows: list[tuple[str, ...]] = []
    truth: set[frozenset[str]] = set()
    while len(rows) < count:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 2005)
        postcode = (
            f"{rng.choice(OUTCODES)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}"
        )
        address = f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
        key = f"R{len(rows)}"
        rows.append(
            (key, f"{given} {family}", f"{day:02d}/{month:02d}/{year}", postcode, address, "", "", "")
        )
        if rng.random() < 0.3:
            variant_given = NICK.get(given, given) if rng.random() < 0.5 else given
            variant_day, variant_month = (month, day) if day <= 12 and rng.random() < 0.3 else (day, month)
            name = f"{family}, {variant_given}" if rng.random() < 0.3 else f"{variant_given} {family}"
            dup = f"R{len(rows)}"
            rows.append(
                (
                    dup,
                    name,
                    f"{variant_day:02d}/{variant_month:02d}/{year}",
                    postcode.replace(" ", ""),
                    address,
                    "",
                    "",
                    "",
                )
            )
            truth.add(frozenset({key, dup}))
    return rows, truth


def test_trained_model_on_a_generated_register(tmp_path: Path) -> None:
    rows, truth = generated_people(2000)
    assert len(rows) >= MIN_RECORDS_TO_TRAIN
    source = write_people(tmp_path / "register.csv", rows)
    summary = link_files([source], people_mapping(), out_dir=tmp_path / "out")
    assert summary.trained
    found = linked_ids(tmp_path / "out")
    true_found = len(found & truth)
    assert true_found / len(truth) > 0.9  # recall
    assert true_found / max(len(found), 1) > 0.9  # precision


def test_cli_link_writes_results_and_summary(tmp_path: Path) -> None:
    source = write_people(tmp_path / "people.csv", FAMILY_AND_ALIASES)
    result = CliRunner().invoke(
        app, ["link", str(source), "--mapping", str(make_mapping(tmp_path)), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "clusters (people)" in result.output
    assert (tmp_path / "out" / "pairs.csv").is_file()
