"""How much one piece of evidence counts towards a link between two entities.

A link's weight (see :func:`crimelink.network.model.build_network`) is the sum of its evidence weights.
Each evidence weight is a product of factors, every one of them a parameter of :class:`WeightRules`:

``weight = base x age factor x party factor``

**Base**

- *Graded intelligence (3x5x2)*: source evaluation factor x intelligence assessment factor.

  Source evaluation: 1 Reliable 1.0, 2 Untested 0.6, 3 Not reliable 0.3. Intelligence assessment:
  A known directly to the source 1.0, B known indirectly but corroborated 0.8, C known indirectly 0.6,
  D not known 0.35, E suspected to be false 0.1.

  So a 1A report weighs 1.0, a 2B 0.48, a 3C 0.18 and a 3E 0.03: a report the source knows directly,
  from a reliable source, counts over thirty times one suspected to be false from an unreliable one.
- *Legacy 5x5x5 grades* (kept as given, never converted to 3x5x2): source A always reliable 1.0,
  B mostly reliable 0.8, C sometimes reliable 0.5, D unreliable 0.3, E untested 0.6; intelligence
  1 known true 1.0, 2 known personally to the source 1.0, 3 corroborated 0.8, 4 cannot be judged 0.35,
  5 suspected false 0.1. These weights only sit the old reports beside the new ones in the network;
  they are not a conversion, and no 3x5x2 grade is ever shown for a 5x5x5 report.
- *Records without a grade* (a register, case or referral row, or a report whose grade was not
  given): a fixed ``record_weight``, 0.5 by default, a little above a 2B report (0.48).
  A register row is a fact the agency recorded, but a weaker sign of criminal association than a
  report about it.
- *Typed relationships* (:class:`~crimelink.domain.RelationshipType`, one piece of evidence per
  supporting record): a fixed ``relationship_weight``, 1.0 by default, as much as a 1A report,
  because a person has already read the record and stated the relationship.

**Age** (``half_life_days``, 730 by default): evidence loses half its weight every half-life, counted
from the record's date (its event date, else the date it was received) to ``today``: a 1A report two
years old weighs 0.5, four years old 0.25. Evidence dated after ``today`` and undated evidence are not
discounted. ``half_life_days=None`` turns ageing off.

**Party** (``reporting_party_factor``, 0.25 by default): a co-occurrence in which either end is a
reporting party (``reporter``, ``complainant``: the member of the public who reported a fly-tip or
complained about a trader) counts a quarter, because reporting something is not taking part in it.
Set the factor to 1.0 to count them fully.

>>> rules = WeightRules()
>>> grading_weight("1A", rules) > grading_weight("3E", rules)
True
>>> round(grading_weight("2B", rules), 2)
0.48
>>> from datetime import date
>>> evidence_weight(
...     kind="co-occurrence", grading="1A", event_date=date(2024, 1, 2), parties=("subject", "associate"),
...     today=date(2026, 1, 1),
... )
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from crimelink.domain.grading import (
    IntelligenceAssessment,
    LegacyGrading,
    LegacyIntelligence,
    LegacySource,
    SourceEvaluation,
)
from crimelink.errors import GradingError, InvalidInputError

#: The evidence kind of two entities appearing in one record (typed relationships use their type).
CO_OCCURRENCE = "co-occurrence"
#: How a 5x5x5 grade is written on evidence, e.g. ``B35 (5x5x5)`` (as the record pages show it).
LEGACY_SUFFIX = " (5x5x5)"

_SOURCES = tuple(SourceEvaluation)
_ASSESSMENTS = tuple(IntelligenceAssessment)
_LEGACY_SOURCES = tuple(LegacySource)
_LEGACY_INTELLIGENCE = tuple(LegacyIntelligence)


@dataclass(frozen=True)
class WeightRules:
    """The parameters of the weight rules (module docstring); every default is documented there.

    Factors are listed in the order of their scale: ``source_factors`` for 1, 2, 3;
    ``assessment_factors`` for A to E; ``legacy_source_factors`` for A to E; ``legacy_intelligence_factors``
    for 1 to 5.
    """

    source_factors: tuple[float, float, float] = (1.0, 0.6, 0.3)
    assessment_factors: tuple[float, float, float, float, float] = (1.0, 0.8, 0.6, 0.35, 0.1)
    legacy_source_factors: tuple[float, float, float, float, float] = (1.0, 0.8, 0.5, 0.3, 0.6)
    legacy_intelligence_factors: tuple[float, float, float, float, float] = (1.0, 1.0, 0.8, 0.35, 0.1)
    record_weight: float = 0.5
    relationship_weight: float = 1.0
    #: Days after which evidence counts half; ``None``: evidence does not age.
    half_life_days: float | None = 730.0
    reporting_parties: frozenset[str] = field(default=frozenset({"reporter", "complainant"}))
    reporting_party_factor: float = 0.25

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        for name, expected in (
            ("source_factors", 3),
            ("assessment_factors", 5),
            ("legacy_source_factors", 5),
            ("legacy_intelligence_factors", 5),
        ):
            values: Sequence[float] = getattr(self, name)
            if len(values) != expected or any(not math.isfinite(v) or v < 0 for v in values):
                problems[name] = f"give {expected} factors, each zero or more"
        for name in ("record_weight", "relationship_weight", "reporting_party_factor"):
            value: float = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                problems[name] = "must be zero or more"
        if self.half_life_days is not None and not (
            math.isfinite(self.half_life_days) and self.half_life_days > 0
        ):
            problems["half_life_days"] = "must be a number of days above zero, or None to turn ageing off"
        if problems:
            raise InvalidInputError(problems)


DEFAULT_RULES = WeightRules()


@dataclass(frozen=True)
class WeightBreakdown:
    """One evidence weight and the factors it was made of, so a page can say why a link is strong."""

    #: What the base weight is for: ``1A report``, ``B35 (5x5x5) report``, ``record``, ``relationship``.
    basis: str
    base: float
    age_factor: float
    party_factor: float

    @property
    def weight(self) -> float:
        return self.base * self.age_factor * self.party_factor

    def explain(self) -> str:
        """The calculation in words, e.g. ``1A report 1.00 x age 0.50 = 0.50``."""
        parts = [f"{self.basis} {self.base:.2f}"]
        if self.age_factor != 1.0:
            parts.append(f"age {self.age_factor:.2f}")
        if self.party_factor != 1.0:
            parts.append(f"reporting party {self.party_factor:.2f}")
        return " x ".join(parts) + f" = {self.weight:.2f}"


def grading_code(
    source: SourceEvaluation | None, assessment: IntelligenceAssessment | None, legacy: str | None
) -> str | None:
    """How a report's grade is written on evidence: ``1A`` for 3x5x2, ``B35 (5x5x5)`` for legacy.

    ``None`` when the report carries neither.

    >>> grading_code(SourceEvaluation.RELIABLE, IntelligenceAssessment.KNOWN_DIRECTLY, None)
    '1A'
    >>> grading_code(None, None, "B35")
    'B35 (5x5x5)'
    """
    if source is not None and assessment is not None:
        return f"{source.value}{assessment.value}"
    if legacy:
        return f"{legacy}{LEGACY_SUFFIX}"
    return None


def report_grade_weight(
    source: SourceEvaluation, assessment: IntelligenceAssessment, rules: WeightRules = DEFAULT_RULES
) -> float:
    """The base weight of a 3x5x2-graded report: source factor x assessment factor."""
    return (
        rules.source_factors[_SOURCES.index(source)]
        * rules.assessment_factors[_ASSESSMENTS.index(assessment)]
    )


def legacy_grade_weight(grade: LegacyGrading, rules: WeightRules = DEFAULT_RULES) -> float:
    """The base weight of a 5x5x5-graded report (its handling digit does not change the weight)."""
    return (
        rules.legacy_source_factors[_LEGACY_SOURCES.index(grade.source)]
        * rules.legacy_intelligence_factors[_LEGACY_INTELLIGENCE.index(grade.intelligence)]
    )


def grading_weight(grading: str, rules: WeightRules = DEFAULT_RULES) -> float:
    """The base weight of a grade as written on evidence (``1A``, ``B35 (5x5x5)``).

    Raises :class:`~crimelink.errors.GradingError` for anything else.
    """
    text = grading.strip()
    if text.endswith(LEGACY_SUFFIX.strip()):
        return legacy_grade_weight(LegacyGrading.parse(text.removesuffix(LEGACY_SUFFIX.strip())), rules)
    compact = "".join(text.split())
    if len(compact) != 2:
        raise GradingError(f"not a 3x5x2 grade: {grading!r} (expected e.g. '1A', or 'B35 (5x5x5)')")
    try:
        source = SourceEvaluation(compact[0])
        assessment = IntelligenceAssessment(compact[1].upper())
    except ValueError:
        raise GradingError(
            f"not a 3x5x2 grade: {grading!r} (source 1 to 3, then assessment A to E, e.g. '1A')"
        ) from None
    return report_grade_weight(source, assessment, rules)


def age_factor(event_date: date | None, today: date, rules: WeightRules = DEFAULT_RULES) -> float:
    """``0.5 ** (age in days / half-life)``; 1.0 when undated, dated after ``today`` or ageing is off."""
    if event_date is None or rules.half_life_days is None or event_date >= today:
        return 1.0
    return float(0.5 ** ((today - event_date).days / rules.half_life_days))


def weigh(
    *,
    kind: str,
    grading: str | None,
    event_date: date | None,
    parties: Sequence[str],
    today: date,
    rules: WeightRules = DEFAULT_RULES,
) -> WeightBreakdown:
    """The weight of one piece of evidence, with its factors.

    ``kind`` is :data:`CO_OCCURRENCE` or a relationship type; ``grading`` is written as
    :func:`grading_code` writes it (``None`` for an ungraded record); ``parties`` are the record's
    party names at the two ends (empty for a typed relationship).
    """
    if kind != CO_OCCURRENCE:
        basis, base = "relationship", rules.relationship_weight
    elif grading is None:
        basis, base = "record", rules.record_weight
    else:
        basis, base = f"{grading} report", grading_weight(grading, rules)
    reporting = kind == CO_OCCURRENCE and any(party in rules.reporting_parties for party in parties)
    return WeightBreakdown(
        basis=basis,
        base=base,
        age_factor=age_factor(event_date, today, rules),
        party_factor=rules.reporting_party_factor if reporting else 1.0,
    )


def evidence_weight(
    *,
    kind: str,
    grading: str | None,
    event_date: date | None,
    parties: Sequence[str],
    today: date,
    rules: WeightRules = DEFAULT_RULES,
) -> float:
    """The weight of one piece of evidence (see :func:`weigh` for its factors)."""
    return weigh(
        kind=kind, grading=grading, event_date=event_date, parties=parties, today=today, rules=rules
    ).weight
