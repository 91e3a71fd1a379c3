"""Evidence weights: better graded and newer evidence counts for more, and every factor says why."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import pytest

from crimelink.domain import IntelligenceAssessment, LegacyGrading, SourceEvaluation
from crimelink.errors import GradingError, InvalidInputError
from crimelink.network import weights
from crimelink.network.weights import (
    CO_OCCURRENCE,
    WeightRules,
    age_factor,
    evidence_weight,
    grading_code,
    grading_weight,
    legacy_grade_weight,
    report_grade_weight,
    weigh,
)

TODAY = date(2026, 6, 1)
RULES = WeightRules()


def report(
    grading: str | None, *, days_old: int = 0, parties: tuple[str, str] = ("subject", "associate")
) -> float:
    return evidence_weight(
        kind=CO_OCCURRENCE,
        grading=grading,
        event_date=TODAY - timedelta(days=days_old),
        parties=parties,
        today=TODAY,
    )


def test_a_1a_report_outweighs_a_3e_report() -> None:
    assert report("1A") == pytest.approx(1.0)
    assert report("3E") == pytest.approx(0.03)
    assert report("1A") > 30 * report("3E")


def test_a_better_source_or_assessment_always_weighs_more() -> None:
    sources, assessments = list(SourceEvaluation), list(IntelligenceAssessment)
    for assessment in assessments:
        row = [report_grade_weight(source, assessment) for source in sources]
        assert row == sorted(row, reverse=True), assessment
        assert len(set(row)) == len(row), assessment
    for source in sources:
        column = [report_grade_weight(source, assessment) for assessment in assessments]
        assert column == sorted(column, reverse=True), source
        assert len(set(column)) == len(column), source


def test_an_older_report_weighs_less_halving_every_half_life() -> None:
    assert report("1A", days_old=365) < report("1A")
    assert report("1A", days_old=730) == pytest.approx(0.5)
    assert report("1A", days_old=1460) == pytest.approx(0.25)
    # Age can outweigh grade: a fresh 2B counts for more than a four-year-old 1A.
    assert report("2B") > report("1A", days_old=1460)


def test_the_half_life_is_configurable_and_ageing_can_be_turned_off() -> None:
    one_year = WeightRules(half_life_days=365)
    assert age_factor(TODAY - timedelta(days=365), TODAY, one_year) == pytest.approx(0.5)
    never = WeightRules(half_life_days=None)
    assert age_factor(date(1990, 1, 1), TODAY, never) == 1.0


def test_undated_and_future_dated_evidence_is_not_discounted() -> None:
    assert age_factor(None, TODAY) == 1.0
    assert age_factor(TODAY + timedelta(days=30), TODAY) == 1.0


def test_register_records_and_typed_relationships_carry_fixed_documented_weights() -> None:
    assert report(None) == pytest.approx(RULES.record_weight) == pytest.approx(0.5)
    assert report(None, days_old=730) == pytest.approx(0.25)
    for grading in ("1A", "3E", None):
        relationship = evidence_weight(
            kind="EXPLOITS", grading=grading, event_date=TODAY, parties=(), today=TODAY
        )
        assert relationship == pytest.approx(RULES.relationship_weight)
    heavier = WeightRules(record_weight=0.8, relationship_weight=2.0)
    assert evidence_weight(
        kind="OWNS", grading=None, event_date=None, parties=(), today=TODAY, rules=heavier
    ) == pytest.approx(2.0)
    assert evidence_weight(
        kind=CO_OCCURRENCE, grading=None, event_date=None, parties=("a", "b"), today=TODAY, rules=heavier
    ) == pytest.approx(0.8)


def test_legacy_5x5x5_grades_are_weighed_without_being_converted() -> None:
    assert grading_code(None, None, "B35") == "B35 (5x5x5)"
    assert grading_code(SourceEvaluation.UNTESTED, IntelligenceAssessment.KNOWN_INDIRECTLY, "B35") == "2C"
    assert grading_code(None, None, None) is None
    assert grading_weight("B35 (5x5x5)") == pytest.approx(0.8 * 0.8)
    assert grading_weight("C45 (5x5x5)") == pytest.approx(0.5 * 0.35)
    assert grading_weight("A11 (5x5x5)") == pytest.approx(1.0)
    # The handling digit does not change how much a report counts.
    assert legacy_grade_weight(LegacyGrading.parse("C21")) == legacy_grade_weight(LegacyGrading.parse("C25"))
    assert report("A21 (5x5x5)") > report("D45 (5x5x5)")


def test_people_who_report_a_crime_are_linked_only_weakly_to_it() -> None:
    assert report(None, parties=("vehicle", "reporter")) == pytest.approx(0.5 * 0.25)
    assert report(None, parties=("complainant", "trader")) == pytest.approx(0.5 * 0.25)
    assert report(None, parties=("vehicle", "suspect")) == pytest.approx(0.5)
    counted = WeightRules(reporting_party_factor=1.0)
    assert evidence_weight(
        kind=CO_OCCURRENCE,
        grading=None,
        event_date=None,
        parties=("reporter", "site"),
        today=TODAY,
        rules=counted,
    ) == pytest.approx(0.5)


def test_a_weight_explains_itself() -> None:
    breakdown = weigh(
        kind=CO_OCCURRENCE,
        grading="1A",
        event_date=TODAY - timedelta(days=730),
        parties=("reporter", "vehicle"),
        today=TODAY,
    )
    assert breakdown.weight == pytest.approx(0.125)
    assert breakdown.explain() == "1A report 1.00 x age 0.50 x reporting party 0.25 = 0.12"
    plain = weigh(kind="OWNS", grading=None, event_date=None, parties=(), today=TODAY)
    assert plain.explain() == "relationship 1.00 = 1.00"


def test_a_grade_that_is_not_3x5x2_or_5x5x5_is_refused_with_the_expected_form() -> None:
    for bad in ("4A", "1F", "1AP", "", "Z99 (5x5x5)"):
        with pytest.raises(GradingError):
            grading_weight(bad)
    with pytest.raises(GradingError, match="1A"):
        grading_weight("9Z")


def test_rules_that_make_no_sense_are_refused_naming_the_parameter() -> None:
    with pytest.raises(InvalidInputError) as refused:
        WeightRules(half_life_days=0)
    assert "half_life_days" in refused.value.problems
    with pytest.raises(InvalidInputError) as refused:
        WeightRules(source_factors=(1.0, -0.5, 0.3), record_weight=float("nan"))
    assert set(refused.value.problems) == {"source_factors", "record_weight"}
    with pytest.raises(InvalidInputError):
        WeightRules(assessment_factors=(1.0, 0.5))  # type: ignore[arg-type]


def test_rules_are_hashable_so_callers_may_cache_by_them() -> None:
    assert hash(WeightRules()) == hash(WeightRules())
    assert WeightRules(half_life_days=365) != WeightRules()


def test_the_documented_examples_hold() -> None:
    failed, tried = doctest.testmod(weights, raise_on_error=False, verbose=False)
    assert tried >= 4
    assert failed == 0
