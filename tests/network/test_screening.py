"""Threat screening: the indicator catalogue applied to records' text and ticked fields, and the routes.

Pure: no store, no users. What a safeguarding lead would notice: which threat a record is tagged with,
which indicators were found, where and how; that one sign alone does not tag a record; that fields about
who someone is are never read; and which routes a child or an adult at risk is given.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crimelink.domain.reference import PACKAGED_DIRECTORY, default_reference, load_reference
from crimelink.errors import ReferenceDataError
from crimelink.network.screening import (
    EXPLOITATION_THREATS,
    RecordContent,
    Route,
    Screener,
    SubjectKind,
    ThreatTag,
    catalogue_version,
    screen_record,
    suggest_routes,
)

COUNTY_LINES_TEXT = (
    "Missing overnight; found in Southend with older males. Unexplained cash, a second phone and new "
    "clothes. Believed to be running drugs on a county line."
)
CUCKOOING_TEXT = (
    "Neighbours report young males coming and going at all hours; resident not seen for days and reluctant "
    "to open the door. Door frame damaged."
)


def tags_by_threat(content: RecordContent, **options: int) -> dict[str, ThreatTag]:
    return {tag.threat: tag for tag in screen_record(content, **options)}


def test_a_county_lines_account_is_tagged_with_the_indicators_found_and_where() -> None:
    tags = tags_by_threat(RecordContent(texts={"text": COUNTY_LINES_TEXT}))

    tag = tags["COUNTY_LINES"]
    assert not tag.declared
    assert set(tag.indicator_ids) == {
        "cl-missing-found-elsewhere",
        "cl-older-controlling-associates",
        "cl-unexplained-money-goods",
        "cl-several-phones",
    }
    assert tag.score == 3 + 2 + 2 + 2
    missing = next(m for m in tag.matches if m.indicator_id == "cl-missing-found-elsewhere")
    assert (missing.where, missing.how) == ("text", "text")
    assert missing.found.startswith("Missing overnight")
    assert missing.found.endswith("found in")
    assert tag.reason() == "4 indicators of COUNTY_LINES found, weighing 9 (a tag needs 4)"


def test_signs_at_a_cuckooed_home_tag_cuckooing_from_a_party_note_as_well_as_the_text() -> None:
    content = RecordContent(texts={"client.concern_notes": CUCKOOING_TEXT})

    tag = tags_by_threat(content)["CUCKOOING"]

    assert set(tag.indicator_ids) == {
        "ck-coming-and-going",
        "ck-resident-not-seen-anxious",
        "ck-resident-will-not-open-door",
        "ck-door-damaged-entry-buttons",
    }
    assert {m.where for m in tag.matches} == {"client.concern_notes"}


def test_indicator_ids_ticked_in_any_field_count_as_found() -> None:
    fields = {
        "subject": {
            "full_name": "JANE DOE",
            "indicators": ["CK-COMING-AND-GOING", "ck_door_damaged_entry_buttons"],
        },
        "premises": {"observed": "ck-asb-litter-smells; not-an-indicator"},
    }

    tag = tags_by_threat(RecordContent(fields=fields))["CUCKOOING"]

    assert {(m.indicator_id, m.where, m.how) for m in tag.matches} == {
        ("ck-coming-and-going", "subject.indicators", "ticked"),
        ("ck-door-damaged-entry-buttons", "subject.indicators", "ticked"),
        ("ck-asb-litter-smells", "premises.observed", "ticked"),
    }
    assert tag.score == 6


def test_one_sign_alone_does_not_tag_a_record_but_the_holders_own_tag_always_does() -> None:
    knife = RecordContent(
        texts={"text": "Subject is believed to carry a knife when out in the area at night."}
    )
    missing = RecordContent(
        texts={"text": "Reported missing overnight; returned next day, no concerns disclosed."}
    )
    declared = RecordContent(texts={"text": "Contact from school."}, declared_threats=("CSE",))

    assert screen_record(knife) == []
    assert screen_record(missing) == []
    assert tags_by_threat(declared) == {"CSE": ThreatTag("CSE", declared=True)}
    # The partnership's own setting: a lower minimum tags on one sign.
    assert "COUNTY_LINES" in tags_by_threat(knife, min_score=3)


def test_background_register_entries_are_not_tagged() -> None:
    for text in (
        "Care package review; no concerns.",
        "Household on transfer list due to overcrowding.",
        "Family support requested by school; attendance concerns.",
        "Records checked; workers paid by bank transfer; no concerns.",
        "Neighbour complaint about loud music late at night.",
    ):
        assert screen_record(RecordContent(texts={"text": text})) == [], text


def test_fields_about_who_someone_is_are_never_read() -> None:
    fields = {
        "subject": {
            "nationality": "ck-coming-and-going",
            "religion": ["ck-door-damaged-entry-buttons", "ck-asb-litter-smells"],
            "country_of_birth": "cl-several-phones",
        }
    }
    texts = {"subject.ethnicity": CUCKOOING_TEXT, "subject.first_language": COUNTY_LINES_TEXT}

    assert screen_record(RecordContent(texts=texts, fields=fields)) == []


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"\breligious\b", "mentions 'religious'"),
        (r"\bnationality\b", "mentions 'nationality'"),
        (r"(unclosed", "is not a valid regular expression"),
        (r"(maybe)?", "matches empty text"),
    ],
)
def test_the_catalogue_refuses_text_rules_about_identity_or_that_cannot_work(
    tmp_path: Path, pattern: str, problem: str
) -> None:
    copy = tmp_path / "reference"
    shutil.copytree(PACKAGED_DIRECTORY, copy)
    with (copy / "indicators.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n- id: bad-rule\n  threat: CUCKOOING\n  category: BEHAVIOUR\n  text: Something happens.\n"
            f"  audience: PUBLIC\n  weight: 1\n  verified: false\n  patterns:\n    - '{pattern}'\n"
        )

    with pytest.raises(ReferenceDataError) as refused:
        load_reference(copy)

    message = str(refused.value)
    assert "indicators.yaml: entry 'bad-rule': field 'patterns':" in message
    assert problem in message


def test_an_edited_pattern_changes_what_is_found_and_the_catalogue_version(tmp_path: Path) -> None:
    copy = tmp_path / "reference"
    shutil.copytree(PACKAGED_DIRECTORY, copy)
    text = (copy / "indicators.yaml").read_text(encoding="utf-8")
    edited = text.replace(
        "    - '\\bcoming and going\\b'\n", "    - '\\bcoming and going\\b'\n    - '\\bbusy flat\\b'\n"
    )
    assert edited != text
    (copy / "indicators.yaml").write_text(edited, encoding="utf-8")
    ours = load_reference(copy)
    content = RecordContent(texts={"text": "A busy flat; the door was kicked in last week."})

    assert screen_record(content) == []
    tag = Screener(ours.indicators).screen(content)[0]
    assert (tag.threat, tag.indicator_ids) == (
        "CUCKOOING",
        ("ck-coming-and-going", "ck-door-damaged-entry-buttons"),
    )
    assert catalogue_version(ours.indicators) != catalogue_version(default_reference().indicators)


def test_every_exploitation_threat_with_indicators_has_text_rules_in_the_catalogue() -> None:
    reference = default_reference()
    listed = [threat for threat in sorted(EXPLOITATION_THREATS) if reference.indicators_for(threat)]
    assert len(listed) >= 8
    for threat in listed:
        assert any(i.patterns for i in reference.indicators_for(threat)), threat


def test_tags_survive_being_stored_and_read_back() -> None:
    tag = tags_by_threat(RecordContent(texts={"text": CUCKOOING_TEXT}, declared_threats=("CUCKOOING",)))[
        "CUCKOOING"
    ]

    assert ThreatTag.from_json(tag.to_json()) == tag
    assert tag.to_json()["score"] == tag.score


def test_a_child_is_always_referred_to_childrens_social_care() -> None:
    routes = suggest_routes(SubjectKind.CHILD, ["CSE"])

    assert [r.route for r in routes] == [Route.MASH_CHILDREN_REFERRAL]
    assert "always" in routes[0].rule
    assert routes[0].threats == ()


def test_an_adult_at_risk_goes_to_adult_safeguarding_and_slavery_also_to_the_nrm() -> None:
    assert [r.route for r in suggest_routes(SubjectKind.ADULT_AT_RISK, ["CUCKOOING"])] == [
        Route.ADULT_SAFEGUARDING_S42
    ]
    routes = suggest_routes(SubjectKind.ADULT_AT_RISK, ["LABOUR_EXPLOITATION", "MODERN_SLAVERY"])
    assert [r.route for r in routes] == [
        Route.ADULT_SAFEGUARDING_S42,
        Route.NRM_REFERRAL,
        Route.MSA_DUTY_TO_NOTIFY,
    ]
    assert routes[1].threats == ("LABOUR_EXPLOITATION", "MODERN_SLAVERY")
    assert "consent" in routes[1].rule


def test_a_trafficked_child_is_referred_to_both_childrens_social_care_and_the_nrm() -> None:
    routes = suggest_routes(SubjectKind.CHILD, ["HUMAN_TRAFFICKING", "CCE"])

    assert [r.route for r in routes] == [Route.MASH_CHILDREN_REFERRAL, Route.NRM_REFERRAL]
    assert "no consent" in routes[1].rule
