"""Prioritisation: what the strategic group sees when groups are scored and ranked."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

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

from crimelink.domain.reference import PACKAGED_DIRECTORY
from crimelink.errors import InvalidInputError, ReferenceDataError
from crimelink.network.model import GroupFacts
from crimelink.network.priority import (
    APPROXIMATION,
    AnalystInput,
    InputSource,
    LocalOCGPriorityScorer,
    MoRiLEStyleScorer,
    Scorer,
    ScoringContext,
    rank_groups,
    scorers,
)
from crimelink.network.scoring_reference import default_scoring, load_scoring

AS_OF = date(2025, 1, 10)
CONTEXT = ScoringContext(as_of=AS_OF)
SCORERS = [pytest.param(LocalOCGPriorityScorer, id="local-ocg"), pytest.param(MoRiLEStyleScorer, id="morile")]


def _copy_of_settings(tmp_path: Path) -> Path:
    target = tmp_path / "scoring.yaml"
    shutil.copy(PACKAGED_DIRECTORY / "scoring.yaml", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in scoring.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("scorer_class", SCORERS)
def test_a_firearms_group_outranks_a_fly_tipping_group(scorer_class: Callable[[], Scorer]) -> None:
    ranked = rank_groups(
        [("fly-tipping", fly_tipping_group()), ("firearms", firearms_group())], scorer_class(), as_of=AS_OF
    )

    assert [entry.key for entry in ranked] == ["firearms", "fly-tipping"]
    assert [entry.rank for entry in ranked] == [1, 2]
    assert ranked[0].score.total > ranked[1].score.total


@pytest.mark.parametrize("scorer_class", SCORERS)
def test_every_score_lists_its_inputs_with_their_values_and_where_they_came_from(
    scorer_class: Callable[[], Scorer],
) -> None:
    facts = firearms_group()
    score = scorer_class().score(facts, CONTEXT)

    group_records = {e.record_id for e in facts.evidence}
    assert len(score.inputs) >= 9
    for item in score.inputs:
        assert item.basis, item.name
        assert item.source in set(InputSource)
        assert set(item.record_ids) <= group_records
    assert {i.source for i in score.inputs} == {InputSource.RECORDS, InputSource.NOT_ASSESSED}
    assert score.parts
    assert score.band


def test_the_local_score_is_the_sum_of_its_inputs_points() -> None:
    score = LocalOCGPriorityScorer().score(firearms_group(), CONTEXT)

    assert score.total == pytest.approx(sum(i.points or 0 for i in score.inputs))
    severity = score.input("criminality_severity")
    assert severity.value == 10
    assert severity.record_ids == (301, 302, 303)
    assert "Firearms supply and importation (10 of 10) in records 301, 302 and 303" in severity.basis
    assert "also Serious violence and weapons (9)" in severity.basis
    firearms = score.input("firearms_violence")
    assert firearms.value == 3
    assert firearms.weight is not None
    assert firearms.points == 3 * firearms.weight
    assert "ivy jay has the role enforcer" in firearms.basis.lower()
    assert score.input("intent").source is InputSource.NOT_ASSESSED


def test_the_morile_style_priority_is_harm_times_likelihood_times_position() -> None:
    score = MoRiLEStyleScorer().score(firearms_group(), CONTEXT)

    harm, likelihood, risk = (
        score.part("harm").value,
        score.part("likelihood").value,
        score.part("risk").value,
    )
    assert risk == pytest.approx(harm * likelihood, abs=0.01)
    assert score.total == pytest.approx(risk * score.part("position").value, abs=0.01)
    assert score.input("physical").value == 4
    assert score.input("geographic_scope").value == "CROSS_BORDER_REGIONAL_L2"
    assert score.input("recency").value == 4  # newest record 51 days before
    assert score.confidence == "MEDIUM"


@pytest.mark.parametrize("scorer_class", SCORERS)
def test_both_scorers_say_they_are_local_approximations(scorer_class: Callable[[], Scorer]) -> None:
    scorer = scorer_class()
    score = scorer.score(drug_supply_group(), CONTEXT)

    assert isinstance(scorer, Scorer)
    assert APPROXIMATION == "local approximation, not national OCGM / MoRiLE output"
    assert APPROXIMATION in scorer.label
    assert APPROXIMATION in score.label
    assert any("unverified [U]" in note for note in score.notes)
    assert default_scoring().unverified


def test_an_analysts_intent_shows_as_analyst_supplied_and_counts() -> None:
    scorer = LocalOCGPriorityScorer()
    before = scorer.score(drug_supply_group(), CONTEXT)
    intent = AnalystInput(3, supplied_by="DS Patel", rationale="Threats to a rival line in record 104")

    after = scorer.score(drug_supply_group(), ScoringContext(AS_OF, {"intent": intent}))

    item = after.input("intent")
    assert item.source is InputSource.ANALYST
    assert item.value == 3
    assert "Supplied by DS Patel: Threats to a rival line in record 104" in item.basis
    assert after.analyst_inputs == (item,)
    assert after.total == pytest.approx(before.total + 3 * default_scoring().local_ocg_priority.intent_weight)
    assert not any("intent" in note for note in after.notes if note.startswith("Not assessed"))


def test_an_analyst_replacing_a_derived_input_keeps_what_the_records_gave() -> None:
    supplied = AnalystInput(1, "DC Ward", "The van is the carrier's own, not shared", date(2025, 1, 9))

    score = LocalOCGPriorityScorer().score(
        firearms_group(), ScoringContext(AS_OF, {"firearms_violence": supplied})
    )

    item = score.input("firearms_violence")
    assert item.value == 1
    assert item.derived_value == 3
    assert item.basis.startswith("Supplied by DC Ward on 2025-01-09")
    assert "replaces 3.0 from the records" in item.basis


def test_organisational_position_and_opportunity_come_from_the_analyst() -> None:
    scorer = MoRiLEStyleScorer()
    weak = AnalystInput("LOW", "Insp. Shah", "No surveillance capacity this quarter")
    go = AnalystInput(True, "Insp. Shah", "Warrant window next week")

    neutral = scorer.score(firearms_group(), CONTEXT)
    placed = scorer.score(firearms_group(), ScoringContext(AS_OF, {"capacity": weak, "opportunity": go}))

    assert neutral.input("capacity").source is InputSource.NOT_ASSESSED
    assert placed.input("capacity").source is InputSource.ANALYST
    assert placed.total > neutral.total
    assert placed.flags == ("opportunity",)
    assert neutral.flags == ()


def test_an_impossible_or_anonymous_override_is_refused_with_what_to_do() -> None:
    scorer = LocalOCGPriorityScorer()

    with pytest.raises(InvalidInputError, match="from 0 to 3"):
        scorer.score(drug_supply_group(), ScoringContext(AS_OF, {"intent": AnalystInput(5, "DS Patel", "x")}))
    with pytest.raises(InvalidInputError, match="no such input; use one of criminality_severity"):
        scorer.score(drug_supply_group(), ScoringContext(AS_OF, {"menace": AnalystInput(2, "DS Patel", "x")}))
    with pytest.raises(InvalidInputError, match="say who supplied the value and why"):
        scorer.score(drug_supply_group(), ScoringContext(AS_OF, {"intent": AnalystInput(2, " ", "x")}))
    with pytest.raises(InvalidInputError, match="LOW, MEDIUM, HIGH"):
        MoRiLEStyleScorer().score(
            drug_supply_group(), ScoringContext(AS_OF, {"capacity": AnalystInput(2, "A", "b")})
        )


def test_editing_a_weight_in_the_yaml_changes_the_score(tmp_path: Path) -> None:
    path = _copy_of_settings(tmp_path)
    _edit(path, "    FIREARMS_SUPPLY_IMPORT: 10\n", "    FIREARMS_SUPPLY_IMPORT: 4\n")
    packaged = LocalOCGPriorityScorer().score(firearms_group(), CONTEXT)

    edited = LocalOCGPriorityScorer(load_scoring(path)).score(firearms_group(), CONTEXT)

    assert edited.input("criminality_severity").value == 9  # serious violence (9) is now the highest
    assert edited.total == pytest.approx(packaged.total - 1)


def test_editing_the_geographic_multiplier_in_the_yaml_changes_the_harm(tmp_path: Path) -> None:
    path = _copy_of_settings(tmp_path)
    _edit(path, "CROSS_BORDER_REGIONAL_L2: 1.25,", "CROSS_BORDER_REGIONAL_L2: 2.0,")

    packaged = MoRiLEStyleScorer().score(firearms_group(), CONTEXT)
    edited = MoRiLEStyleScorer(load_scoring(path)).score(firearms_group(), CONTEXT)

    assert edited.input("geographic_scope").weight == 2.0
    assert edited.part("harm").value > packaged.part("harm").value
    assert edited.total > packaged.total


def test_the_settings_file_cannot_add_a_protected_characteristic(tmp_path: Path) -> None:
    path = _copy_of_settings(tmp_path)
    _edit(path, "  severity_weight: 1.0\n", "  severity_weight: 1.0\n  nationality: 3\n")

    with pytest.raises(ReferenceDataError) as refused:
        load_scoring(path)

    message = str(refused.value)
    assert "scoring.yaml: 'local_ocg_priority.nationality'" in message
    assert "never nationality, ethnicity, religion" in message


def test_a_broken_settings_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = _copy_of_settings(tmp_path)
    _edit(path, "    CSE: 10\n", "")
    _edit(path, "      weight: 2.0\n", "      weight: -2\n")

    with pytest.raises(ReferenceDataError) as refused:
        load_scoring(tmp_path)

    message = str(refused.value)
    assert "'local_ocg_priority.criminality_severity': missing CSE" in message
    assert "'local_ocg_priority.capability.firearms_violence.weight'" in message


def test_no_input_reads_protected_characteristics_or_names() -> None:
    renamed = firearms_group()
    for node in renamed.nodes.values():
        node.label = "Mohammed Al-Hassan" if node.kind == "PERSON" else node.label

    for scorer in scorers():
        original = scorer.score(firearms_group(), CONTEXT)
        again = scorer.score(renamed, CONTEXT)
        assert again.total == original.total
        names = " ".join(i.name for i in original.inputs)
        assert not re.search(r"national|ethnic|religio|race|faith|name", names)


def test_children_among_the_victims_raise_the_harm() -> None:
    r1, r2 = record(1, date(2024, 11, 1), "COUNTY_LINES"), record(2, date(2024, 12, 1), "COUNTY_LINES")

    def county_line(child: bool) -> GroupFacts:
        people = [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole"), person(CAL, "Cal Rye", child=child)]
        return group(people, [(ALAN, BEA, r1), (ALAN, CAL, r2)])

    with_child = MoRiLEStyleScorer().score(county_line(True), CONTEXT)
    without = MoRiLEStyleScorer().score(county_line(False), CONTEXT)

    assert with_child.input("victim_vulnerability").value == 4
    assert "1 child in the records -> 4" in with_child.input("victim_vulnerability").basis
    assert without.input("victim_vulnerability").value == 2  # county lines by its nature
    assert with_child.part("harm").value > without.part("harm").value


def test_old_or_poorly_graded_intelligence_lowers_the_likelihood() -> None:
    scorer = MoRiLEStyleScorer()
    recent = scorer.score(drug_supply_group(), ScoringContext(date(2025, 1, 10)))
    old = scorer.score(drug_supply_group(), ScoringContext(date(2026, 6, 1)))
    doubtful = group(
        [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole")],
        [(ALAN, BEA, record(9, date(2024, 12, 3), "DRUG_SUPPLY", grading="3E"))],
    )
    sure = group(
        [person(ALAN, "Alan Dee"), person(BEA, "Bea Cole")],
        [(ALAN, BEA, record(9, date(2024, 12, 3), "DRUG_SUPPLY", grading="1A"))],
    )

    assert float(old.input("recency").value) < float(recent.input("recency").value)
    assert old.part("likelihood").value < recent.part("likelihood").value
    assert scorer.score(doubtful, CONTEXT).input("evidence_reliability").value == 0
    assert scorer.score(sure, CONTEXT).input("evidence_reliability").value == 1
    assert "graded 1B x3 (0.9), graded 2C x1 (0.6)" in recent.input("evidence_reliability").basis


def test_equal_totals_share_a_rank_and_overrides_apply_to_their_own_group() -> None:
    scorer = LocalOCGPriorityScorer()
    intent = {"intent": AnalystInput(2, "DS Patel", "Planning to expand to a second line")}

    ranked = rank_groups(
        [("a", drug_supply_group()), ("b", drug_supply_group()), ("c", fly_tipping_group())],
        scorer,
        as_of=AS_OF,
        overrides={"c": intent},
    )
    plain = rank_groups([("a", drug_supply_group()), ("b", drug_supply_group())], scorer, as_of=AS_OF)

    assert [(entry.rank, entry.key) for entry in plain] == [(1, "a"), (1, "b")]
    by_key = {entry.key: entry for entry in ranked}
    assert by_key["c"].score.input("intent").source is InputSource.ANALYST
    assert by_key["a"].score.input("intent").source is InputSource.NOT_ASSESSED


def test_an_empty_group_scores_zero_rather_than_failing() -> None:
    empty = GroupFacts(people=[], entities=[], evidence=[])

    for scorer in scorers():
        score = scorer.score(empty, CONTEXT)
        assert score.total == 0
        assert score.band == "Watch"
