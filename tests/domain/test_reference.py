"""Reference data: the packaged files load, and an edited copy with mistakes is refused clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crimelink.domain.codes import AgencyKind, CriminalityType, FourP, LifestyleArea, RetentionGroup
from crimelink.domain.reference import (
    PACKAGED_DIRECTORY,
    Audience,
    ReferenceData,
    default_reference,
    load_reference,
    main,
)
from crimelink.errors import ReferenceDataError

LOCAL_SCOPE = {
    CriminalityType.FIREARMS_SUPPLY_IMPORT,
    CriminalityType.DRUG_IMPORTATION,
    CriminalityType.CRIME_FAMILY_GANG,
    CriminalityType.COUNTY_LINES,
    CriminalityType.CUCKOOING,
    CriminalityType.MODERN_SLAVERY,
    CriminalityType.HUMAN_TRAFFICKING,
    CriminalityType.CSE,
    CriminalityType.FGM_HARMFUL_PRACTICES,
    CriminalityType.ADULT_SEXUAL_EXPLOITATION_PROSTITUTION_CONTROL,
    CriminalityType.EXTORTION_RACKETEERING,
    CriminalityType.ONLINE_CSEA_SEXTORTION,
    CriminalityType.EXPLOITATION_OF_BEGGING,
    CriminalityType.WASTE_CRIME_FLY_TIPPING,
}

# Tactics DOMAIN.md confirms against a named source ([V]); nothing else may claim to be verified.
VERIFIED_TACTICS = {
    "community-protection-notice",
    "criminal-behaviour-order",
    "serious-crime-prevention-order",
    "slavery-trafficking-prevention-order",
    "slavery-trafficking-risk-order",
    "sca2015-s45-participation-charge",
    "child-exploitation-disruption-toolkit",
    "ea-prevent-and-deter",
    "joint-unit-for-waste-crime-referral",
    "fgm-mandatory-reporting",
    "clear-hold-build",
}


@pytest.fixture
def reference() -> ReferenceData:
    return default_reference()


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    """A partnership's own editable copy of the packaged files."""
    target = tmp_path / "reference"
    target.mkdir()
    for path in PACKAGED_DIRECTORY.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, entry: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + entry)


def load_error(directory: Path) -> str:
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(directory)
    return str(caught.value)


# --- the packaged files ------------------------------------------------------------------------


def test_packaged_files_load_with_expected_sizes(reference: ReferenceData) -> None:
    assert len(reference.threat_areas) == len(CriminalityType)
    assert 60 <= len(reference.indicators) <= 90
    assert len(reference.tactics) >= 45
    assert len(reference.offences) >= 40
    assert {rule.group for rule in reference.retention_rules} == set(RetentionGroup)
    assert load_reference() == reference


def test_every_criminality_type_has_a_threat_area(reference: ReferenceData) -> None:
    for threat in CriminalityType:
        assert reference.threat_area(threat).id is threat
    assert {area.id for area in reference.local_threat_areas()} == LOCAL_SCOPE


def test_tactics_cover_all_six_lifestyle_areas_and_every_4p(reference: ReferenceData) -> None:
    assert len(reference.tactics) >= 40
    assert {tactic.area for tactic in reference.tactics} == set(LifestyleArea)
    assert {p for tactic in reference.tactics for p in tactic.four_p} == set(FourP)
    for area in LifestyleArea:
        assert len(reference.tactics_for(area=area)) >= 3, area


def test_only_domain_confirmed_tactics_claim_to_be_verified(reference: ReferenceData) -> None:
    assert {tactic.id for tactic in reference.tactics if tactic.verified} == VERIFIED_TACTICS
    assert all(entry.source for entry in reference.all_entries() if entry.verified)


def test_tactic_lookups_filter_by_threat_agency_and_4p(reference: ReferenceData) -> None:
    scpo = reference.tactic("serious-crime-prevention-order")
    assert scpo.needs_court
    assert scpo.area is LifestyleArea.BEHAVIOUR

    glaa = reference.tactics_for(agency=AgencyKind.GLAA)
    assert "gangmaster-licence-action" in {t.id for t in glaa}
    assert all(AgencyKind.GLAA in t.owner_agencies for t in glaa)

    waste = reference.tactics_for(threat=CriminalityType.WASTE_CRIME_FLY_TIPPING, four_p=FourP.PURSUE)
    ids = {t.id for t in waste}
    assert {"fly-tipping-vehicle-seizure", "cash-seizure-forfeiture"} <= ids  # cash seizure lists no threats
    assert "fgm-protection-order" not in ids

    with pytest.raises(KeyError, match=r"no tactic 'not-a-tactic' in tactics\.yaml"):
        reference.tactic("not-a-tactic")


def test_indicators_for_a_threat(reference: ReferenceData) -> None:
    cuckooing = reference.indicators_for(CriminalityType.CUCKOOING)
    assert len(cuckooing) >= 8
    assert all(i.threat is CriminalityType.CUCKOOING for i in cuckooing)

    public_cse = reference.indicators_for("CSE", audience=Audience.PUBLIC)
    assert public_cse
    assert all(i.audience is Audience.PUBLIC for i in public_cse)
    assert len(public_cse) < len(reference.indicators_for("CSE"))


def test_unverified_entries_are_reported_as_unverified(reference: ReferenceData) -> None:
    unverified = reference.unverified_entries()
    keys = {(entry.file_name, entry.key) for entry in unverified}

    assert ("tactics.yaml", "premises-licence-review") in keys
    assert ("tactics.yaml", "serious-crime-prevention-order") not in keys
    assert all(("retention.yaml", rule.id) in keys for rule in reference.retention_rules)

    fgm_risk = reference.indicators_for(CriminalityType.FGM_HARMFUL_PRACTICES)
    assert fgm_risk
    assert not any(i.verified for i in fgm_risk)
    assert reference.indicators_for(CriminalityType.FGM_HARMFUL_PRACTICES, verified_only=True) == []

    licence_review = reference.tactic("premises-licence-review")
    assert licence_review.display_name.endswith("[U]")
    assert licence_review.verification == "unverified [U]"
    assert reference.tactic("criminal-behaviour-order").display_name == "Criminal Behaviour Order"


def test_offence_lookups_for_the_serious_crime_tests(reference: ReferenceData) -> None:
    s45 = reference.offence("sca2015-s45-participating-in-ocg")
    assert s45.verified
    assert s45.max_penalty_years == 5
    assert s45.indictable.value == "indictable-only"

    three_years = {o.code for o in reference.offences_with_max_at_least(3)}
    assert "sca2015-s45-participating-in-ocg" in three_years
    assert "msa2015-s1-slavery-forced-labour" in three_years  # life counts as at least anything
    assert "soa2003-s15a-sexual-communication-with-child" not in three_years  # 2 years
    assert "va1824-s3-begging" not in three_years  # fine only

    seven_years = {o.code for o in reference.offences_with_max_at_least(7)}
    assert "sca2015-s45-participating-in-ocg" not in seven_years
    assert "mda1971-s4-supply-class-a" in seven_years

    assert reference.offence("mda1971-s4-supply-class-a").max_penalty == "life"
    assert reference.offence("va1824-s3-begging").max_penalty == "fine only"
    assert s45.max_penalty == "5 years"
    assert "fgma2003-s1-female-genital-mutilation" in {
        o.code for o in reference.offences_for(CriminalityType.FGM_HARMFUL_PRACTICES)
    }


# --- an edited copy with mistakes ------------------------------------------------------------


def test_edited_copy_loads_from_its_own_directory(copy_dir: Path) -> None:
    edit(copy_dir / "threat_areas.yaml", "label: Cuckooing", "label: Cuckooing (home takeover)")
    data = load_reference(copy_dir)
    assert data.threat_area(CriminalityType.CUCKOOING).label == "Cuckooing (home takeover)"


def test_unknown_agency_kind_names_file_entry_and_field(copy_dir: Path) -> None:
    edit(
        copy_dir / "tactics.yaml",
        "owner_agencies: [LA_LICENSING, POLICE_BCU]",
        "owner_agencies: [LA_LICENCING, POLICE_BCU]",
    )
    message = load_error(copy_dir)
    assert message.startswith(
        "tactics.yaml: entry 'premises-licence-review': field 'owner_agencies': "
        "'LA_LICENCING' is not an agency kind; use one of POLICE_BCU"
    )
    assert len(message.splitlines()) == 1


def test_unknown_threat_in_an_indicator_is_refused(copy_dir: Path) -> None:
    edit(
        copy_dir / "indicators.yaml",
        "- id: ck-coming-and-going\n  threat: CUCKOOING",
        "- id: ck-coming-and-going\n  threat: CUCKOO",
    )
    assert (
        "indicators.yaml: entry 'ck-coming-and-going': field 'threat': 'CUCKOO' is not a criminality type"
        in load_error(copy_dir)
    )


def test_unknown_threat_in_an_offence_is_refused(copy_dir: Path) -> None:
    edit(copy_dir / "offences.yaml", "threats: [FRAUD]", "threats: [FRAUDS]")
    assert (
        "offences.yaml: entry 'fraud2006-s1-fraud': field 'threats': 'FRAUDS' is not a criminality type"
        in load_error(copy_dir)
    )


def test_duplicate_id_is_refused(copy_dir: Path) -> None:
    append(
        copy_dir / "indicators.yaml",
        "- id: cse-self-harm\n  threat: CSE\n  category: HEALTH\n  text: Self-harms repeatedly.\n"
        "  audience: PRACTITIONER\n  weight: 2\n  verified: false\n",
    )
    message = load_error(copy_dir)
    assert "indicators.yaml: entry 'cse-self-harm': field 'id': duplicate id" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Worker's nationality differs from the employer's."),
        ("text", "Belongs to a particular ethnic group."),
        ("text", "Attends a place of worship linked to a religion."),
        ("text", "Is of a particular race."),
        ("category", "NATIONALITY"),
    ],
)
def test_indicator_about_a_protected_characteristic_is_refused(
    copy_dir: Path, field: str, value: str
) -> None:
    entry = {
        "id": "bad-indicator",
        "threat": "MODERN_SLAVERY",
        "category": "BEHAVIOUR",
        "text": "Appears withdrawn.",
        "audience": "PRACTITIONER",
    }
    entry[field] = value
    fields = "\n  ".join(f'{name}: "{text}"' for name, text in entry.items())
    append(copy_dir / "indicators.yaml", f"- {fields}\n  weight: 1\n  verified: false\n")
    message = load_error(copy_dir)
    assert f"indicators.yaml: entry 'bad-indicator': field '{field}': mentions" in message
    assert "never nationality, ethnicity, race, religion" in message


def test_verified_entry_without_source_is_refused(copy_dir: Path) -> None:
    edit(
        copy_dir / "tactics.yaml",
        'verified: true\n  source: "40 (LG Inform Plus, public safety function)"\n\n- id: criminal-behaviour-order',
        'verified: true\n  source: ""\n\n- id: criminal-behaviour-order',
    )
    message = load_error(copy_dir)
    assert (
        "tactics.yaml: entry 'community-protection-notice': field 'source': a verified entry must name"
        in message
    )


def test_missing_threat_area_is_refused(copy_dir: Path) -> None:
    edit(copy_dir / "threat_areas.yaml", "- id: OTHER\n", "- id: OTHERS\n")
    message = load_error(copy_dir)
    assert "threat_areas.yaml: entry 'OTHERS': field 'id': 'OTHERS' is not a criminality type" in message
    assert "threat_areas.yaml: entry 'OTHER': field 'id': missing" in message


def test_life_sentence_must_be_written_consistently(copy_dir: Path) -> None:
    edit(copy_dir / "offences.yaml", "max_penalty_years: 99\n  life: true\n", "max_penalty_years: 99\n")
    assert "offences.yaml: entry 'mda1971-s4-supply-class-a': field 'life'" in load_error(copy_dir)


def test_missing_file_and_bad_yaml_are_reported(copy_dir: Path) -> None:
    (copy_dir / "retention.yaml").unlink()
    (copy_dir / "offences.yaml").write_text("- code: [unclosed\n", encoding="utf-8")
    message = load_error(copy_dir)
    assert "retention.yaml: file not found" in message
    assert "offences.yaml: not valid YAML" in message


def test_command_line_validates_a_directory(copy_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(copy_dir)]) == 0
    out = capsys.readouterr().out
    assert "tactics.yaml:" in out
    assert "unverified [U]" in out

    edit(copy_dir / "tactics.yaml", "area: BUSINESS", "area: BUSINES")
    assert main([str(copy_dir)]) == 1
    assert "'BUSINES' is not a lifestyle area" in capsys.readouterr().err
