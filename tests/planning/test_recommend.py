"""Recommending tactics from a target's facts: the rules, the reasons, key players, and the rules file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crimelink.domain.reference import PACKAGED_DIRECTORY
from crimelink.errors import ReferenceDataError
from crimelink.planning import (
    KEY_PLAYERS,
    THREAT_FIT,
    EntitySeen,
    KeyPlayer,
    RecordParty,
    RecordSeen,
    TargetFacts,
    load_rules,
    read_signs,
    recommend,
)

VAN = EntitySeen(1, "VEHICLE", "AB12 CDE")
BOSS = EntitySeen(2, "PERSON", "RON BOSS")
DRIVER = EntitySeen(3, "PERSON", "DAN DRIVER")
WITNESS = EntitySeen(4, "PERSON", "WENDY WITNESS")
PIZZA = EntitySeen(5, "BUSINESS", "SUPREME PIZZA")
SHOP = EntitySeen(6, "PREMISES", "1 HIGH STREET")
GIRL = EntitySeen(7, "PERSON", "AMY CHILD", child=True)


def flytip(record_id: int, *, vehicle: int = 1, reporter: int | None = None) -> RecordSeen:
    parties = [
        RecordParty("vehicle", vehicle, {"vrm": "AB12CDE"}),
        RecordParty("site", None, {"waste_type": "MIXED"}),
    ]
    if reporter is not None:
        parties.append(RecordParty("reporter", reporter, {"full_name": "Wendy Witness"}))
    return RecordSeen(record_id, "flytipping-cases", "ENVIRONMENTAL", (), tuple(parties))


def licence(record_id: int, licence_type: str = "LATE_NIGHT_REFRESHMENT") -> RecordSeen:
    return RecordSeen(
        record_id,
        "premises-licences",
        "LICENSING",
        (),
        (
            RecordParty("business", PIZZA.entity_id, {"business_name": "SUPREME PIZZA"}),
            RecordParty(
                "premises", SHOP.entity_id, {"licence_type": licence_type, "address": "1 High Street"}
            ),
        ),
    )


def facts(entities: list[EntitySeen], records: list[RecordSeen], **overrides: object) -> TargetFacts:
    signs, threats = read_signs(entities, records)
    values: dict[str, object] = {
        "kind": "entities",
        "label": "test",
        "entities": tuple(entities),
        "signs": signs,
        "threats": threats,
        "key_players": (),
    }
    values.update(overrides)
    return TargetFacts(**values)  # type: ignore[arg-type]


def by_id(found: list) -> dict:  # type: ignore[type-arg]
    return {item.tactic.id: item for item in found}


def test_a_vehicle_seen_fly_tipping_is_recommended_for_seizure_naming_the_vehicle_and_the_rule() -> None:
    found = recommend(facts([VAN], [flytip(10), flytip(11)]))
    top = found[0]
    assert top.tactic.id == "fly-tipping-vehicle-seizure"
    reason = top.reasons[0]
    assert reason.rule == "fly-tipping-vehicles"
    assert reason.text == "vehicle seen in fly-tipping: AB12 CDE -> Seizure of vehicles used for fly-tipping"
    assert reason.inputs[0].record_ids == (10, 11)
    assert top.aimed_at[0].label == "AB12 CDE"
    assert set(top.tactic.owner_agencies) == {"LA_ENV_ENFORCEMENT", "ENVIRONMENT_AGENCY"}
    assert top.tactic.verified is False  # shown as unverified [U]


def test_a_witness_who_reported_a_fly_tip_gets_no_sign_from_it() -> None:
    signs, _ = read_signs([VAN, WITNESS], [flytip(10, reporter=WITNESS.entity_id)])
    assert {(s.sign, s.entity_id) for s in signs if s.record_ids} == {("fly-tipping-vehicle", VAN.entity_id)}


def test_licensed_premises_point_to_a_licence_review_with_the_licence_type_and_the_business_kind() -> None:
    found = by_id(recommend(facts([PIZZA, SHOP], [licence(20)])))
    review = found["premises-licence-review"]
    assert review.reasons[0].text.startswith(
        "licensed premises: 1 HIGH STREET (LATE_NIGHT_REFRESHMENT), SUPREME PIZZA"
    )
    assert review.reasons[0].text.endswith("-> Premises licence review and summary review")
    takeaway = found["health-safety-food-inspection"].reasons[0]
    assert takeaway.rule == "takeaway-checks"
    assert "takeaway: SUPREME PIZZA ('PIZZA')" in takeaway.text


def test_children_in_cse_intelligence_are_safeguarded_and_the_adults_restricted() -> None:
    intel = RecordSeen(
        30,
        "intelligence-reports",
        "INTELLIGENCE",
        ("CSE",),
        (RecordParty("subject", BOSS.entity_id, {}), RecordParty("associate", GIRL.entity_id, {})),
    )
    found = by_id(recommend(facts([BOSS, GIRL, SHOP], [intel])))
    enquiry = found["child-protection-enquiry"]
    assert enquiry.reasons[0].text.startswith("child: AMY CHILD, with CSE (1 record)")
    assert [aim.label for aim in enquiry.aimed_at] == ["AMY CHILD"]
    assert "sexual-risk-order" in found
    assert "child-sex-offence-premises-closure" in found
    # Threat fit: the menu lists the closure of premises for CSE, and there are premises here.
    assert any(r.rule == THREAT_FIT for r in found["child-sex-offence-premises-closure"].reasons)


def test_threat_fit_needs_something_the_tactic_can_be_used_against() -> None:
    intel = RecordSeen(
        31,
        "intelligence-reports",
        "INTELLIGENCE",
        ("WASTE_CRIME_FLY_TIPPING",),
        (RecordParty("subject", BOSS.entity_id, {}),),
    )
    found = by_id(recommend(facts([BOSS], [intel])))
    assert "waste-carrier-duty-of-care-checks" in found  # used against people too
    assert "fly-tipping-vehicle-seizure" not in found  # no vehicle


def test_tactics_against_people_are_weighted_towards_key_players_and_say_who_and_why() -> None:
    intel = RecordSeen(
        40,
        "intelligence-reports",
        "INTELLIGENCE",
        ("EXTORTION_RACKETEERING",),
        (RecordParty("subject", BOSS.entity_id, {}), RecordParty("associate", DRIVER.entity_id, {})),
    )
    plain = by_id(recommend(facts([BOSS, DRIVER], [intel])))
    boss = KeyPlayer(BOSS.entity_id, "RON BOSS", 1, 1.0, 0.0)
    weighted = by_id(recommend(facts([BOSS, DRIVER], [intel], key_players=(boss,))))
    scpo_plain, scpo = plain["serious-crime-prevention-order"], weighted["serious-crime-prevention-order"]
    assert scpo.score == scpo_plain.score + 3  # 1 + 2 x the whole group's reachability
    key = next(r for r in scpo.reasons if r.rule == KEY_PLAYERS)
    assert key.text.startswith("key players: RON BOSS")
    assert (
        "removing them leaves 0% of the group's pairs of people able to reach each other"
        in key.inputs[0].detail
    )
    assert scpo.aimed_at[0].label == "RON BOSS"
    # Support for victims is not aimed at the key players.
    support = weighted["victim-and-witness-support"]
    assert all(r.rule != KEY_PLAYERS for r in support.reasons)


def test_the_key_player_weight_never_outweighs_the_tactic_s_own_reasons() -> None:
    marker = RecordSeen(
        50,
        "nominals",
        "NOMINALS",
        (),
        (RecordParty("nominal", BOSS.entity_id, {"warning_markers": "WEAPONS"}),),
    )
    boss = KeyPlayer(BOSS.entity_id, "RON BOSS", 1, 1.0, 0.0)
    found = by_id(recommend(facts([BOSS], [marker], key_players=(boss,))))
    order = found["knife-crime-prevention-order"]
    own = sum(r.weight for r in order.reasons if r.rule != KEY_PLAYERS)
    assert order.score == own * 2  # the bonus (3) is capped at the tactic's own reasons (3)


def test_records_never_give_signs_from_fields_about_who_someone_is(tmp_path: Path) -> None:
    raw = yaml.safe_load((PACKAGED_DIRECTORY / "tactic_rules.yaml").read_text())
    raw["signs"].append(
        {"id": "origin", "label": "origin", "entity_kinds": ["PERSON"], "values": {"nationality": ["X"]}}
    )
    path = tmp_path / "tactic_rules.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReferenceDataError) as error:
        load_rules(path)
    message = str(error.value)
    assert "tactic_rules.yaml: signs entry 'origin': field 'values'" in message
    assert "never who they are" in message


def test_a_bad_rules_file_is_refused_naming_the_file_the_entry_and_the_field(tmp_path: Path) -> None:
    raw = yaml.safe_load((PACKAGED_DIRECTORY / "tactic_rules.yaml").read_text())
    raw["rules"][0]["tactics"] = ["premises-licence-reveiw"]
    raw["rules"][1]["when"] = {"sign": "no-such-sign"}
    raw["rules"][2]["weight"] = 40
    del raw["rules"][3]["why"]
    path = tmp_path / "tactic_rules.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReferenceDataError) as error:
        load_rules(path)
    lines = str(error.value).splitlines()
    assert (
        "tactic_rules.yaml: rules entry 'special-treatment-licence': field 'weight': Input should be less than or equal to 10"
        in lines
    )
    assert "tactic_rules.yaml: rules entry 'massage-licence': field 'why': is required" in lines
    raw["rules"][2]["weight"], raw["rules"][3]["why"] = 3, "why"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ReferenceDataError) as error:
        load_rules(path)
    lines = str(error.value).splitlines()
    assert (
        "tactic_rules.yaml: rules entry 'licensed-premises-review': field 'tactics': 'premises-licence-reveiw' "
        "is not a tactic in tactics.yaml; use the id of a tactic on the menu"
    ) in lines
    assert any(
        line.startswith("tactic_rules.yaml: rules entry 'licensed-premises-visit': field 'when.sign'")
        for line in lines
    )


def test_a_missing_or_unreadable_rules_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"tactic_rules\.yaml: file not found"):
        load_rules(tmp_path / "tactic_rules.yaml")
    (tmp_path / "tactic_rules.yaml").write_text("rules: [\n")
    with pytest.raises(ReferenceDataError, match="not valid YAML"):
        load_rules(tmp_path / "tactic_rules.yaml")


def test_the_packaged_rules_point_only_at_tactics_on_the_menu_and_every_recommendation_has_a_reason() -> None:
    rules = load_rules()
    assert len(rules.rules) >= 40
    found = recommend(facts([VAN, BOSS, DRIVER, PIZZA, SHOP, GIRL], [flytip(1), licence(2)]))
    assert found
    assert all(item.reasons and item.score == round(sum(r.weight for r in item.reasons), 1) for item in found)
    assert [item.score for item in found] == sorted((item.score for item in found), reverse=True)
