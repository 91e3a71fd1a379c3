"""The demo generator: deterministic files, valid mappings, complete ground truth, planted scenarios."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from crimelink.demo import DemoManifest, generate_demo
from crimelink.domain.codes import AgencyKind, CriminalityType, DatasetKind, GroupStructure, MemberRole

SIZE = 3_000
SEED = 4242

CANONICAL_FIELDS = {
    "full_name", "given_name", "family_name", "alias", "dob", "nino", "address", "postcode", "uprn", "phone",
    "email", "vrm", "vin", "business_name", "company_number", "account", "handle",
}  # fmt: skip
RECORD_FIELDS = {
    "grading", "handling_code", "handling_conditions", "classification", "caveats", "received", "review_due",
    "text", "text_raw", "threats", "event_date", "legacy_grading", "source_evaluation", "intelligence_assessment",
}  # fmt: skip
TYPES = {"text", "code", "integer", "decimal", "date", "datetime", "boolean"}
SCENARIOS = {
    "COUNTY_LINES",
    "MODERN_SLAVERY",
    "WASTE_CRIME",
    "CRIME_FAMILY",
    "CSE",
    "EXPLOITED_BEGGING",
    "PROTECTION_RACKET",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=SEED, size=SIZE)


@pytest.fixture(scope="module")
def truth(demo: DemoManifest) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (demo.out_dir / "ground_truth" / "truth.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def manifest_doc(demo: DemoManifest) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((demo.out_dir / "manifest.yaml").read_text(encoding="utf-8"))
    return data


def load_mapping(out_dir: Path, entry: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((out_dir / entry["mapping"]).read_text(encoding="utf-8"))
    return data


def read_table(path: Path, mapping: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows of a partner file, read the way the mapping describes it."""
    file_format = mapping.get("format") or path.suffix.lstrip(".")
    if file_format == "csv":
        with path.open(encoding=mapping.get("encoding", "utf-8"), newline="") as handle:
            reader = csv.DictReader(handle, delimiter=mapping.get("delimiter", ","))
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        sheet = workbook[mapping["sheet"]] if mapping.get("sheet") else workbook.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        header = [str(v) for v in values[0]]
        return header, [dict(zip(header, row, strict=True)) for row in values[1:]]
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    header: list[str] = []
    for record in records:
        header.extend(k for k in record if k not in header)
    return header, records


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", seed=7, size=SIZE)
    second = generate_demo(tmp_path / "b", seed=7, size=SIZE)
    other = generate_demo(tmp_path / "c", seed=8, size=SIZE)
    files = sorted(p.relative_to(first.out_dir) for p in first.out_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.out_dir) for p in second.out_dir.rglob("*") if p.is_file())
    for relative in files:
        assert (first.out_dir / relative).read_bytes() == (second.out_dir / relative).read_bytes(), relative
    differing = [f for f in files if (first.out_dir / f).read_bytes() != (other.out_dir / f).read_bytes()]
    assert any(str(f).endswith((".csv", ".xlsx", ".jsonl")) for f in differing)


def test_manifest_lists_agencies_and_datasets_whose_files_exist(
    demo: DemoManifest, manifest_doc: dict[str, Any]
) -> None:
    assert manifest_doc["seed"] == SEED
    assert manifest_doc["size"] == SIZE
    assert manifest_doc["borough"]["name"]
    assert manifest_doc["borough"]["code"]
    agencies = manifest_doc["agencies"]
    assert len(agencies) >= 8
    for agency in agencies:
        assert re.fullmatch(r"[A-Z][A-Z-]*", agency["code"])
        AgencyKind(agency["kind"])
        assert re.search(r"\d{3,}", agency["contact"])
    codes = {a["code"] for a in agencies}
    formats = set()
    for entry in manifest_doc["datasets"]:
        assert entry["agency"] in codes
        assert (demo.out_dir / entry["file"]).is_file()
        assert (demo.out_dir / entry["mapping"]).is_file()
        assert entry["file"].startswith(entry["agency"].lower() + "/")
        formats.add(Path(entry["file"]).suffix)
    assert formats == {".csv", ".xlsx", ".jsonl"}


def test_every_mapping_follows_the_documented_format(
    demo: DemoManifest, manifest_doc: dict[str, Any]
) -> None:
    for entry in manifest_doc["datasets"]:
        mapping = load_mapping(demo.out_dir, entry)
        header, _ = read_table(demo.out_dir / entry["file"], mapping)
        assert mapping["agency"] == entry["agency"]
        assert mapping["dataset"] == entry["dataset"]
        assert re.fullmatch(r"[a-z0-9-]+", mapping["dataset"])
        DatasetKind(mapping["kind"])
        assert mapping["date_order"] in ("DMY", "MDY")
        assert mapping["record_id"] in header
        defaults = mapping["defaults"]
        assert defaults["handling_code"] in ("P", "C")
        assert bool(defaults["handling_conditions"]) == (defaults["handling_code"] == "C")
        assert defaults["classification"] in ("OFFICIAL", "OFFICIAL-SENSITIVE")
        for column, target in mapping["columns"].items():
            assert column in header, f"{entry['file']}: mapped column {column!r} is not in the file"
            spec = {"to": target} if isinstance(target, str) else target
            party, _, field = spec["to"].partition(".")
            assert re.fullmatch(r"[a-z][a-z0-9_]*", party)
            assert field
            if "type" in spec:
                assert spec["type"] in TYPES
                assert party != "record"
            elif party == "record":
                assert field in RECORD_FIELDS, spec["to"]
            else:
                assert field in CANONICAL_FIELDS, spec["to"]


def test_intelligence_reports_are_graded_mostly_p_with_some_c_and_legacy(
    demo: DemoManifest, manifest_doc: dict[str, Any]
) -> None:
    entry = next(e for e in manifest_doc["datasets"] if e["dataset"] == "intelligence-reports")
    mapping = load_mapping(demo.out_dir, entry)
    assert mapping["kind"] == "INTELLIGENCE"
    _, rows = read_table(demo.out_dir / entry["file"], mapping)
    graded = [r for r in rows if r["Grade"]]
    legacy = [r for r in rows if not r["Grade"]]
    assert all(re.fullmatch(r"[123][A-E] [PC]", r["Grade"]) for r in graded)
    assert legacy
    assert all(re.fullmatch(r"[A-E][1-5][1-5]", r["Legacy Grade"]) for r in legacy)
    conditioned = [r for r in rows if r["Handling Code"] == "C"]
    assert all(r["Handling Conditions"] for r in conditioned)
    assert 0.08 < len(conditioned) / len(rows) < 0.3
    assert any(r["Classification"] == "OFFICIAL-SENSITIVE" for r in rows)
    for row in rows:
        assert row["Sanitised Text"]
        assert row["Threats"]
        assert all(CriminalityType(t) for t in row["Threats"].split(";"))


def test_ground_truth_covers_every_row_and_only_rows(
    demo: DemoManifest, manifest_doc: dict[str, Any], truth: dict[str, Any]
) -> None:
    keys: set[str] = set()
    for entry in manifest_doc["datasets"]:
        mapping = load_mapping(demo.out_dir, entry)
        _, rows = read_table(demo.out_dir / entry["file"], mapping)
        assert len(rows) == demo.record_count[f"{entry['agency']}/{entry['dataset']}"]
        for row in rows:
            keys.add(f"{entry['agency']}/{entry['dataset']}/{row[mapping['record_id']]}")
    assert keys == set(truth["records"])
    for key, parties in truth["records"].items():
        # Only an anonymous fly-tip in an alley names no person, premises, vehicle, phone or business.
        assert parties or key.startswith("LBA-ENV/flytipping-cases/")
        for true_id in parties.values():
            table = {"P": "persons", "H": "premises", "V": "vehicles", "T": "phones", "B": "businesses"}[
                true_id[0]
            ]
            assert true_id in truth[table]


def test_size_is_roughly_honoured(demo: DemoManifest) -> None:
    assert abs(demo.total_rows - SIZE) <= SIZE * 0.1


def test_every_scenario_is_planted_across_several_agencies(truth: dict[str, Any]) -> None:
    groups = truth["groups"]
    assert {g["scenario"] for g in groups} == SCENARIOS
    agencies_by_person: dict[str, set[str]] = defaultdict(set)
    for key, parties in truth["records"].items():
        for true_id in parties.values():
            agencies_by_person[true_id].add(key.split("/")[0])
    for group in groups:
        GroupStructure(group["structure"])
        assert group["threats"]
        assert all(CriminalityType(t) for t in group["threats"])
        roles = [MemberRole(m["role"]) for m in group["members"]]
        assert MemberRole.PRINCIPAL in roles
        agencies = set().union(*(agencies_by_person[m["person"]] for m in group["members"]))
        assert len(agencies) >= 2, group["name"]
        assert group["premises"] or group["vehicles"] or group["phones"]


def test_children_and_vulnerable_adults_are_among_the_exploited(truth: dict[str, Any]) -> None:
    exploited = [truth["persons"][p] for p in truth["exploited"]]
    assert any(p["is_child"] for p in exploited)
    assert any(p["vulnerable_adult"] and not p["is_child"] for p in exploited)
    for person in truth["persons"].values():
        born = date.fromisoformat(person["dob"])
        assert person["is_child"] == (born > date(2008, 11, 1))


def test_the_same_person_appears_in_three_or_more_registers(truth: dict[str, Any]) -> None:
    datasets_by_person: dict[str, set[str]] = defaultdict(set)
    for key, parties in truth["records"].items():
        dataset = "/".join(key.split("/")[:2])
        for true_id in parties.values():
            if true_id.startswith("P"):
                datasets_by_person[true_id].add(dataset)
    assert sum(1 for d in datasets_by_person.values() if len(d) >= 3) >= 20


def test_broken_rows_are_listed_for_quarantine(
    demo: DemoManifest, manifest_doc: dict[str, Any], truth: dict[str, Any]
) -> None:
    expected = truth["expected_quarantine"]
    assert 5 <= len(expected) <= 15
    mappings = {e["file"]: load_mapping(demo.out_dir, e) for e in manifest_doc["datasets"]}
    for item in expected:
        mapping = mappings[item["file"]]
        _, rows = read_table(demo.out_dir / item["file"], mapping)
        row = rows[item["data_row"] - 1]
        assert item["row"] == item["data_row"] + (0 if item["file"].endswith(".jsonl") else 1)
        assert row[mapping["record_id"]] == item["record_id"]
        value = str(row[item["column"]])
        if item["field"] == "dob":
            assert re.search(r"\b(31|30)\b", value)
            assert not isinstance(row[item["column"]], (date, datetime))
        elif item["field"] == "postcode":
            assert not re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", value)
        elif item["field"] == "phone":
            assert len(re.sub(r"\D", "", value)) < 10
        else:
            assert not value.isdigit()


def test_ground_truth_is_separate_from_what_the_product_reads(
    demo: DemoManifest, manifest_doc: dict[str, Any]
) -> None:
    assert (demo.out_dir / "ground_truth" / "truth.json").is_file()
    texts = [(demo.out_dir / "manifest.yaml").read_text(encoding="utf-8")]
    texts += [(demo.out_dir / e["mapping"]).read_text(encoding="utf-8") for e in manifest_doc["datasets"]]
    assert not any("ground_truth" in text or "truth.json" in text for text in texts)
    assert not any(e["file"].startswith("ground_truth") for e in manifest_doc["datasets"])


def test_identifiers_are_synthetic(truth: dict[str, Any]) -> None:
    drama = re.compile(r"07700900\d{3}|0207946\d{4}|01(1[3-8]|21|31|41|51|61|91)496\d{4}|01632960\d{3}")
    assert all(drama.fullmatch(p["number"]) for p in truth["phones"].values())
    assert all(re.fullmatch(r"9\d{11}", h["uprn"]) for h in truth["premises"].values())
    assert all(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z]{3}", v["vrm"]) for v in truth["vehicles"].values())
    numbers = [b["company_number"] for b in truth["businesses"].values() if b["company_number"]]
    assert numbers
    assert all(re.fullmatch(r"\d{8}", n) for n in numbers)


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_geography_has_a_borough_and_wards_containing_their_premises(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    collection = json.loads((demo.out_dir / "geography.geojson").read_text(encoding="utf-8"))
    features = collection["features"]
    kinds = [f["properties"]["kind"] for f in features]
    assert kinds.count("borough") == 1
    assert 8 <= kinds.count("ward") <= 12
    rings = {f["properties"]["name"]: f["geometry"]["coordinates"][0] for f in features}
    borough = next(f for f in features if f["properties"]["kind"] == "borough")["properties"]["name"]
    for premises in truth["premises"].values():
        point = (premises["lon"], premises["lat"])
        assert _inside(point, rings[premises["ward"]])
        assert _inside(point, rings[borough])


def test_the_licensing_workbook_has_real_date_cells(demo: DemoManifest, manifest_doc: dict[str, Any]) -> None:
    entry = next(e for e in manifest_doc["datasets"] if e["file"].endswith(".xlsx"))
    _, rows = read_table(demo.out_dir / entry["file"], load_mapping(demo.out_dir, entry))
    assert all(isinstance(r["Granted"], datetime) for r in rows)


def test_progress_is_reported(tmp_path: Path) -> None:
    stages: list[tuple[str, int, int]] = []
    generate_demo(tmp_path, seed=1, size=1_500, progress=lambda s, d, t: stages.append((s, d, t)))
    assert stages[-1][0] == "done"
    assert any(stage.startswith("POLICE/") for stage, _, _ in stages)
