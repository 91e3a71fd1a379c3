"""The legal definitions: what an analyst reads when a group is set against the serious and organised
crime tests."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from group_facts_factories import (
    ALAN,
    BEA,
    CAL,
    drug_supply_group,
    firearms_group,
    fly_tipping_group,
    group,
    person,
    record,
)

from crimelink.domain.reference import ReferenceData, default_reference
from crimelink.network.legal import (
    LegalThresholds,
    LimbStatus,
    assess_legal_definitions,
    assess_organised_crime,
    assess_serious_crime,
)
from crimelink.network.model import GroupFacts

MET, NOT_MET, SHORT = LimbStatus.MET, LimbStatus.NOT_MET, LimbStatus.NOT_ENOUGH_EVIDENCE


@pytest.fixture
def reference() -> ReferenceData:
    return default_reference()


def test_a_drug_supply_group_of_three_with_a_year_of_reports_meets_both_tests_citing_the_records(
    reference: ReferenceData,
) -> None:
    result = assess_legal_definitions(drug_supply_group(), reference)

    serious, organised = result.serious_crime, result.organised_crime
    assert serious.status is MET
    penalty = serious.limb("penalty")
    assert penalty.status is MET
    assert penalty.record_ids == (101, 102, 103, 104)
    assert "mda1971-s4-supply-class-a" in {o.code for o in penalty.offences}
    assert all(o.max_penalty in {"life", "14 years", "7 years"} for o in penalty.offences)
    assert "Records 101, 102, 103 and 104 are tagged Drug supply" in penalty.reasons[0]
    assert serious.limb("financial-gain").status is MET

    assert organised.status is MET, organised.summary
    assert [limb.status for limb in organised.limbs] == [MET] * 5
    planned = organised.limb("planned-coordinated")
    assert any("07700 900123" in r and "Alan Dee" in r and "Cal Rye" in r for r in planned.reasons)
    assert set(planned.record_ids) == {101, 102, 103}
    continuing = organised.limb("continuing-basis")
    assert "2024-01-15 to 2024-12-03" in continuing.reasons[0]
    assert "4 different dates" in continuing.reasons[0]
    activities = organised.limb("criminal-activities")
    assert activities.record_ids == (101, 102, 103, 104)
    assert all(reference.offence(o.code).carries_at_least(7) for o in activities.offences)
    assert "Records 101, 102, 103 and 104 point to criminality carried on for gain." in activities.reasons[-1]
    assert organised.record_ids == (101, 102, 103, 104)


def test_results_are_advice_for_a_person_to_decide(reference: ReferenceData) -> None:
    result = assess_legal_definitions(drug_supply_group(), reference)

    for test in (result.serious_crime, result.organised_crime):
        assert "person to decide" in test.advice
        assert "has not decided" in test.advice


def test_two_people_are_not_an_organised_crime_group_because_s45_needs_three(
    reference: ReferenceData,
) -> None:
    pair = drug_supply_group(people=2)

    organised = assess_organised_crime(pair, reference)

    assert organised.status is NOT_MET
    people = organised.limb("three-or-more-people")
    assert people.status is NOT_MET
    assert "2 people (Alan Dee, Bea Cole)" in people.reasons[0]
    assert "s.45 needs three or more people" in people.reasons[0]
    assert "s.45 needs three or more people" in organised.summary
    # The pair's drug supply is still serious crime: only the organised-crime test fails.
    assert assess_serious_crime(pair, reference).status is MET


def test_one_fly_tipping_report_on_one_date_is_not_enough_evidence_of_a_continuing_basis(
    reference: ReferenceData,
) -> None:
    organised = assess_organised_crime(fly_tipping_group(), reference)

    continuing = organised.limb("continuing-basis")
    assert continuing.status is SHORT
    assert continuing.reasons[0].startswith("Only one dated event (2024-06-01, record 201)")
    assert "at least 3 different dates" in continuing.reasons[0]
    assert organised.status is SHORT
    assert "working together on a continuing basis" in organised.summary


def test_fly_tipping_carries_enough_for_serious_crime_but_not_the_s45_seven_years(
    reference: ReferenceData,
) -> None:
    result = assess_legal_definitions(fly_tipping_group(), reference)

    penalty = result.serious_crime.limb("penalty")
    assert penalty.status is MET
    assert [o.code for o in penalty.offences] == ["epa1990-s33-unlawful-deposit-of-waste"]
    activities = result.organised_crime.limb("criminal-activities")
    assert activities.status is SHORT
    assert "maximum 5 years" in activities.reasons[0]
    assert "none of them offences carrying 7 years or more" in activities.reasons[0]


def test_two_people_seen_once_in_one_van_are_not_yet_shared_infrastructure(reference: ReferenceData) -> None:
    planned = assess_organised_crime(fly_tipping_group(), reference).limb("planned-coordinated")

    assert planned.status is SHORT
    assert "2 or more members in 2 or more records" in planned.reasons[0]


def test_a_person_who_only_reported_the_fly_tip_is_not_counted_as_a_member(reference: ReferenceData) -> None:
    people = assess_organised_crime(fly_tipping_group(), reference).limb("three-or-more-people")

    assert people.status is SHORT
    assert "Fay Gee appears only as the person reporting" in people.reasons[0]
    assert "Without them it has 2" in people.reasons[0]


def test_an_exploited_member_may_be_a_victim_so_three_is_not_certain(reference: ReferenceData) -> None:
    facts = drug_supply_group(roles={CAL: "EXPLOITED_PERSON"})

    organised = assess_organised_crime(facts, reference)

    people = organised.limb("three-or-more-people")
    assert people.status is SHORT
    assert "Cal Rye has the role exploited person" in people.reasons[0]
    assert organised.status is SHORT


def test_a_child_member_is_counted_but_flagged_for_the_analyst(reference: ReferenceData) -> None:
    r1, r2 = record(1, date(2024, 1, 1), "COUNTY_LINES"), record(2, date(2024, 6, 1), "COUNTY_LINES")
    facts = group(
        [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole"), person(CAL, "Cal Rye", child=True)],
        [(ALAN, BEA, r1), (ALAN, CAL, r2)],
    )

    people = assess_organised_crime(facts, reference).limb("three-or-more-people")

    assert people.status is MET
    assert any("Cal Rye is a child or an adult at risk" in r for r in people.reasons)


def test_planning_and_coordination_needs_shared_infrastructure_or_a_coordinating_role(
    reference: ReferenceData,
) -> None:
    without = assess_organised_crime(drug_supply_group(shared_phone=False), reference)
    with_role = assess_organised_crime(
        drug_supply_group(shared_phone=False, roles={ALAN: "LINE_HOLDER"}), reference
    )

    assert without.limb("planned-coordinated").status is SHORT
    assert "No phone, vehicle, premises" in without.limb("planned-coordinated").reasons[0]
    assert without.status is SHORT
    planned = with_role.limb("planned-coordinated")
    assert planned.status is MET
    assert "Alan Dee has the role line holder." in planned.reasons
    assert set(planned.record_ids) == {101, 102, 103, 104}
    assert with_role.status is MET


def test_violence_is_read_from_violent_catalogue_offences_or_violence_threats(
    reference: ReferenceData,
) -> None:
    firearms = assess_serious_crime(firearms_group(), reference).limb("violence")
    drugs = assess_serious_crime(drug_supply_group(), reference).limb("violence")

    assert firearms.status is MET
    assert firearms.reasons[0] == "Record 302 is tagged Serious violence and weapons."
    assert "Records 301, 302 and 303 are tagged Firearms supply and importation" in firearms.reasons[1]
    assert "fa1968-s16-intent-to-endanger-life" in {o.code for o in firearms.offences}
    assert all(o.violence for o in firearms.offences)
    assert drugs.status is SHORT
    assert "does not show that there was none" in drugs.reasons[0]


def test_the_penalty_limb_follows_the_catalogue_maximum_and_the_threshold(reference: ReferenceData) -> None:
    hacking = group(
        [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole")],
        [(ALAN, BEA, record(7, date(2024, 2, 1), "CYBER"))],
    )

    default = assess_serious_crime(hacking, reference).limb("penalty")
    lower = assess_serious_crime(hacking, reference, thresholds=LegalThresholds(serious_crime_years=2)).limb(
        "penalty"
    )

    assert default.status is SHORT
    assert "Unauthorised access to computer material" in default.reasons[0]
    assert "maximum 2 years" in default.reasons[0]
    assert lower.status is MET
    assert lower.record_ids == (7,)
    assert assess_organised_crime(hacking, reference).limb("criminal-activities").status is SHORT


def test_the_s45_participation_offence_is_never_cited_as_the_groups_own_crime(
    reference: ReferenceData,
) -> None:
    result = assess_legal_definitions(drug_supply_group(), reference)

    cited = {
        o.code
        for test in (result.serious_crime, result.organised_crime)
        for x in test.limbs
        for o in x.offences
    }
    assert "sca2015-s45-participating-in-ocg" not in cited


def test_unverified_catalogue_entries_are_said_to_be_unverified(reference: ReferenceData) -> None:
    serious = assess_serious_crime(drug_supply_group(), reference)

    penalty = serious.limb("penalty")
    assert penalty.unverified_offences == penalty.offences
    assert all(o.display_name.endswith("[U]") for o in penalty.offences)
    assert any("unverified [U] in the offence catalogue" in c for c in serious.caveats)

    checked = dataclasses.replace(
        reference,
        offences=tuple(
            o.model_copy(update={"verified": True, "source": "checked"}) for o in reference.offences
        ),
    )
    verified = assess_serious_crime(drug_supply_group(), checked)
    assert not verified.limb("penalty").unverified_offences
    assert not any("offence catalogue:" in c for c in verified.caveats)


def test_a_large_number_of_people_is_a_local_setting(reference: ReferenceData) -> None:
    default = assess_serious_crime(drug_supply_group(), reference).limb("large-number")
    local = assess_serious_crime(
        drug_supply_group(), reference, thresholds=LegalThresholds(large_number_of_people=3)
    ).limb("large-number")

    assert default.status is NOT_MET
    assert "counts 10 or more as a large number" in default.reasons[0]
    assert local.status is MET


def test_a_short_burst_of_reports_is_not_yet_a_continuing_basis(reference: ReferenceData) -> None:
    burst = group(
        [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole"), person(CAL, "Cal Rye")],
        [
            (ALAN, BEA, record(1, date(2024, 3, 1), "DRUG_SUPPLY")),
            (ALAN, CAL, record(2, date(2024, 3, 10), "DRUG_SUPPLY")),
            (BEA, CAL, record(3, date(2024, 3, 20), "DRUG_SUPPLY")),
            (ALAN, BEA, record(4, None, "DRUG_SUPPLY")),
        ],
    )

    continuing = assess_organised_crime(burst, reference).limb("continuing-basis")

    assert continuing.status is SHORT
    assert "2024-03-01 to 2024-03-20 (19 days), on 3 different dates" in continuing.reasons[0]
    assert "1 of the group's records has no date." in continuing.reasons


def test_a_group_with_no_records_has_not_enough_evidence_rather_than_failing(
    reference: ReferenceData,
) -> None:
    empty = GroupFacts(people=[], entities=[], evidence=[])

    result = assess_legal_definitions(empty, reference)

    assert result.serious_crime.status is SHORT
    assert result.organised_crime.status is NOT_MET  # no people: s.45 cannot be met
    assert all(limb.reasons for test in (result.serious_crime, result.organised_crime) for limb in test.limbs)


def test_thresholds_refuse_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="minimum_people must be 1 or more"):
        LegalThresholds(minimum_people=0)
    with pytest.raises(ValueError, match="GUN_RUNNING not known"):
        LegalThresholds(violence_threats=frozenset({"GUN_RUNNING"}))
