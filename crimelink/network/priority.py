"""Prioritising groups: pluggable scorers that show every input, and a ranked list for the strategic group.

Two scorers ship, both **local approximations, not national OCGM or MoRiLE output** (``DOMAIN.md``
section 2), and both say so on every score:

* :class:`LocalOCGPriorityScorer`, attribute-based: criminality severity + capability attributes (0-3
  each, weighted) + intent.
* :class:`MoRiLEStyleScorer`, harm-based: harm x likelihood, then the partnership's organisational
  position.

Inputs are read from a group's facts where the records can show them (criminality types, member roles,
businesses, shared phones and premises, children and adults at risk among the victims, dates and
gradings). What the records cannot show (intent, counter-surveillance, organisational position, an
opportunity) an analyst supplies through :class:`AnalystInput`; the score marks those inputs as
analyst-supplied, and an analyst's value for a derived input keeps the derived value beside it.

No input is, or is read from, nationality, ethnicity, religion or any other protected characteristic.
A score advises the strategic group; people decide.

Weights, tables and bands live in ``crimelink/domain/data/scoring.yaml``
(:mod:`crimelink.network.scoring_reference`); every number there is a local, unverified setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from statistics import mean
from typing import Generic, TypeVar

from crimelink.domain.codes import CriminalityType, EntityKind, ManagementLevel
from crimelink.domain.grading import IntelligenceAssessment, SourceEvaluation
from crimelink.network._group_evidence import GroupEvidence, ids_text
from crimelink.network._score_model import (
    APPROXIMATION,
    AnalystInput,
    InputSource,
    InputSpec,
    Score,
    ScoreInput,
    ScorePart,
    Scorer,
    ScoringContext,
    apply_override,
    band_for,
    checked_overrides,
    choice_input,
    count_words,
    flag_input,
    number_input,
    threat_label,
    with_points,
    words,
)
from crimelink.network.model import GroupFacts
from crimelink.network.scoring_reference import (
    CapabilityAttribute,
    CapabilityRule,
    GroupMeasure,
    HarmElement,
    PositionLevel,
    ScoringReference,
    default_scoring,
)

__all__ = [
    "APPROXIMATION",
    "AnalystInput",
    "InputSource",
    "LocalOCGPriorityScorer",
    "MoRiLEStyleScorer",
    "RankedGroup",
    "Score",
    "ScoreInput",
    "ScorePart",
    "Scorer",
    "ScoringContext",
    "rank_groups",
    "scorers",
]

#: Kinds of entity that count as a group's infrastructure when several members use one.
_INFRASTRUCTURE = frozenset(
    {
        EntityKind.PHONE,
        EntityKind.VEHICLE,
        EntityKind.PREMISES,
        EntityKind.BUSINESS,
        EntityKind.BANK_ACCOUNT,
        EntityKind.ONLINE_ACCOUNT,
        EntityKind.EMAIL,
    }
)

#: The organisational position inputs: how well placed the partnership is to deal with the group.
_POSITION = (
    ("capacity", "Organisational capacity", "Has the partnership the people, time and money to act?"),
    ("capability", "Organisational capability", "Has it the skills, powers and tactics to act?"),
    ("partnership", "Partnership", "Are the partners needed engaged and sharing?"),
)

_SCOPE_ORDER = (
    ManagementLevel.LOCAL_L1,
    ManagementLevel.CROSS_BORDER_REGIONAL_L2,
    ManagementLevel.NATIONAL_INTERNATIONAL_L3,
)


# --- local OCG priority --------------------------------------------------------------------------


class LocalOCGPriorityScorer:
    """Attribute-based priority: severity + weighted capability (0-3 each) + intent.

    >>> from datetime import date
    >>> from crimelink.network.model import GroupFacts
    >>> scorer = LocalOCGPriorityScorer()
    >>> empty = GroupFacts(people=[], entities=[], evidence=[])
    >>> scorer.score(empty, ScoringContext(as_of=date(2025, 1, 1))).band
    'Watch'
    """

    name = "local-ocg-priority"
    label = f"Local OCG priority score ({APPROXIMATION})"

    def __init__(self, settings: ScoringReference | None = None) -> None:
        self.settings = (settings or default_scoring()).local_ocg_priority
        self._specs: dict[str, InputSpec] = {
            "criminality_severity": InputSpec("Criminality severity", number_input(0, 10)),
            **{
                a.value: InputSpec(rule.label, number_input(0, 3))
                for a, rule in self.settings.capability.items()
            },
            "intent": InputSpec("Intent", number_input(0, 3)),
        }

    def score(self, facts: GroupFacts, context: ScoringContext) -> Score:
        overrides = checked_overrides(context, self._specs, self.label)
        evidence = GroupEvidence(facts)
        inputs = [self._severity(evidence)]
        inputs += [_capability(evidence, a, rule) for a, rule in self.settings.capability.items()]
        inputs.append(
            ScoreInput(
                name="intent",
                label="Intent",
                value=0.0,
                source=InputSource.NOT_ASSESSED,
                basis="The records cannot show intent; an analyst may supply it (0-3). Counted as 0.",
                weight=self.settings.intent_weight,
            )
        )
        scored = tuple(with_points(apply_override(item, overrides)) for item in inputs)
        severity = sum(i.points or 0.0 for i in scored if i.name == "criminality_severity")
        capability = sum(i.points or 0.0 for i in scored if i.name in set(CapabilityAttribute))
        intent = sum(i.points or 0.0 for i in scored if i.name == "intent")
        total = round(severity + capability + intent, 2)
        band = band_for(self.settings.bands, total)
        not_assessed = [i.label.lower() for i in scored if i.source is InputSource.NOT_ASSESSED]
        notes = [
            f"This is a {APPROXIMATION}. Weights and bands are local settings, unverified [U] "
            "(scoring.yaml).",
            "A score advises the strategic group; people decide.",
        ]
        if not_assessed:
            notes.append(f"Not assessed, counted as 0: {', '.join(not_assessed)}.")
        return Score(
            scorer=self.name,
            label=self.label,
            total=total,
            band=band.band,
            band_description=band.description,
            inputs=scored,
            parts=(
                ScorePart(
                    "severity", "Criminality severity", round(severity, 2), "severity x severity weight"
                ),
                ScorePart(
                    "capability", "Capability", round(capability, 2), "sum of capability level x weight"
                ),
                ScorePart("intent", "Intent", round(intent, 2), "intent x intent weight"),
                ScorePart("total", "Total", total, "severity + capability + intent"),
            ),
            notes=tuple(notes),
        )

    def _severity(self, evidence: GroupEvidence) -> ScoreInput:
        table = self.settings.criminality_severity
        known = {t: table[CriminalityType(t)] for t in evidence.threats() if t in set(CriminalityType)}
        name, label, weight = "criminality_severity", "Criminality severity", self.settings.severity_weight
        if not known:
            basis = "No record in the group is tagged with a criminality type."
            return ScoreInput(name, label, 0.0, InputSource.RECORDS, basis, weight=weight)
        worst = max(known.values())
        top = sorted(t for t, v in known.items() if v == worst)
        records = evidence.records_tagged(top)
        others = ", ".join(
            f"{threat_label(t)} ({v:g})"
            for t, v in sorted(known.items(), key=lambda pair: -pair[1])
            if t not in top
        )
        basis = (
            f"Highest severity among the group's criminality: {', '.join(map(threat_label, top))} "
            f"({worst:g} of 10) in {ids_text(records)}" + (f"; also {others}." if others else ".")
        )
        return ScoreInput(name, label, float(worst), InputSource.RECORDS, basis, records, weight=weight)


def _capability(evidence: GroupEvidence, attribute: CapabilityAttribute, rule: CapabilityRule) -> ScoreInput:
    if not rule.derivable:
        basis = "The records cannot show this; an analyst may supply it (0-3). Counted as 0."
        return ScoreInput(
            attribute.value, rule.label, 0.0, InputSource.NOT_ASSESSED, basis, weight=rule.weight
        )
    found: list[tuple[int, str, tuple[int, ...]]] = []
    threats = evidence.threats()
    for threat, level in rule.threats.items():
        if threat.value in threats:
            tagged = evidence.records_tagged([threat.value])
            found.append((level, f"{threat_label(threat.value)} in {ids_text(tagged)}", tagged))
    for role, level in rule.roles.items():
        for person in evidence.people_with_roles({role.value}):
            records = tuple(sorted(evidence.member_records(person)))
            found.append((level, f"{evidence.label(person)} has the role {words(role.value)}", records))
    for kind, level in rule.evidence_kinds.items():
        linked = evidence.records_of_kind({kind.value})
        if linked:
            found.append((level, f"{words(kind.value)} links in {ids_text(linked)}", linked))
    for measure, counts in rule.measures.items():
        value, records = _measure(evidence, measure)
        level = sum(1 for count in counts if value >= count)
        levels = ", ".join(f"{c:g}" for c in counts)
        found.append((level, f"{_measure_words(measure)}: {value:g} (levels 1-3 at {levels})", records))
    level = max((f[0] for f in found), default=0)
    shown = sorted(found, key=lambda f: -f[0])
    basis = "; ".join(f"{text} -> {lvl}" for lvl, text, _ in shown) or "Nothing in the records shows this"
    records = tuple(sorted({r for lvl, _, rs in found if lvl == level and lvl > 0 for r in rs}))
    return ScoreInput(
        attribute.value,
        rule.label,
        float(level),
        InputSource.RECORDS,
        f"{basis}. Level {level} of 3.",
        records,
        weight=rule.weight,
    )


def _measure(evidence: GroupEvidence, measure: GroupMeasure) -> tuple[float, tuple[int, ...]]:
    if measure is GroupMeasure.PEOPLE:
        return float(len(evidence.members())), ()
    if measure is GroupMeasure.BUSINESSES:
        businesses = evidence.entities_of_kind(EntityKind.BUSINESS.value)
        records = {r for b in businesses for r in evidence.member_records(b)}
        return float(len(businesses)), tuple(sorted(records))
    if measure is GroupMeasure.SHARED_ITEMS:
        shared = evidence.shared_items(_INFRASTRUCTURE, min_members=2)
        return float(len(shared)), tuple(sorted({r for item in shared for r in item.record_ids}))
    if measure is GroupMeasure.RECORDS_PER_PERSON:
        counts = [len(evidence.member_records(p)) for p in evidence.members()]
        return (round(mean(counts), 2) if counts else 0.0), ()
    if measure is GroupMeasure.AGENCIES:
        return float(len(evidence.agencies())), ()
    return float(len({r.event_date for r in evidence.dated()})), ()


def _measure_words(measure: GroupMeasure) -> str:
    return {
        GroupMeasure.PEOPLE: "people in the group (not counting people who only reported)",
        GroupMeasure.BUSINESSES: "businesses in the group",
        GroupMeasure.SHARED_ITEMS: "phones, vehicles, premises or businesses shared by members",
        GroupMeasure.RECORDS_PER_PERSON: "records per member",
        GroupMeasure.AGENCIES: "agencies holding records",
        GroupMeasure.DATED_EVENTS: "dates with events",
    }[measure]


# --- MoRiLE-style --------------------------------------------------------------------------------


class MoRiLEStyleScorer:
    """Harm-based priority: (harm x likelihood) x organisational position.

    >>> from datetime import date
    >>> from crimelink.network.model import GroupFacts
    >>> scorer = MoRiLEStyleScorer()
    >>> empty = GroupFacts(people=[], entities=[], evidence=[])
    >>> scorer.score(empty, ScoringContext(as_of=date(2025, 1, 1))).total
    0.0
    """

    name = "morile-style"
    label = f"MoRiLE-style harm x likelihood score ({APPROXIMATION})"

    def __init__(self, settings: ScoringReference | None = None) -> None:
        self.settings = (settings or default_scoring()).morile_style
        positions = [level.value for level in PositionLevel]
        self._specs: dict[str, InputSpec] = {
            **{e.value: InputSpec(f"{words(e.value)} harm", number_input(0, 4)) for e in HarmElement},
            "geographic_scope": InputSpec(
                "Geographic scope", choice_input([lvl.value for lvl in ManagementLevel])
            ),
            "victim_vulnerability": InputSpec("Victim vulnerability", number_input(0, 4)),
            "recency": InputSpec("Recency", number_input(0, 4)),
            "evidence_reliability": InputSpec("Evidence reliability", number_input(0, 1)),
            "capacity": InputSpec("Capacity", choice_input(positions)),
            "capability": InputSpec("Capability", choice_input(positions)),
            "partnership": InputSpec("Partnership", choice_input(positions)),
            "opportunity": InputSpec("Opportunity", flag_input),
        }

    def score(self, facts: GroupFacts, context: ScoringContext) -> Score:
        overrides = checked_overrides(context, self._specs, self.label)
        evidence = GroupEvidence(facts)
        inputs = [
            *self._harm(evidence),
            self._scope(evidence),
            self._victims(evidence),
            self._recency(evidence, context.as_of),
            self._reliability(evidence),
            *self._position(),
            ScoreInput(
                name="opportunity",
                label="Opportunity",
                value=False,
                source=InputSource.NOT_ASSESSED,
                basis="Whether there is an opportunity to act now; an analyst may supply it.",
            ),
        ]
        scored = {item.name: apply_override(item, overrides) for item in inputs}
        scored["geographic_scope"] = self._scope_weight(scored["geographic_scope"])
        for name in ("capacity", "capability", "partnership"):
            scored[name] = self._position_weight(scored[name])
        return self._result(evidence, scored)

    def _result(self, evidence: GroupEvidence, scored: dict[str, ScoreInput]) -> Score:
        def number(name: str) -> float:
            value = scored[name].value
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

        harm_sum = sum(number(e.value) for e in HarmElement)
        multiplier = scored["geographic_scope"].weight or 1.0
        harm = round(harm_sum * multiplier + number("victim_vulnerability"), 2)
        likelihood = round(number("recency") * number("evidence_reliability"), 2)
        risk = round(harm * likelihood, 2)
        position = round(mean(scored[n].weight or 1.0 for n in ("capacity", "capability", "partnership")), 3)
        total = round(risk * position, 2)
        band = band_for(self.settings.bands, total)
        confidence = self._confidence(evidence)
        not_assessed = [i.label.lower() for i in scored.values() if i.source is InputSource.NOT_ASSESSED]
        notes = [
            f"This is a {APPROXIMATION}. Scales, multipliers and bands are local settings, unverified [U] "
            "(scoring.yaml).",
            "A score advises the strategic group; people decide.",
            f"Confidence {confidence}: {count_words(len(evidence.records), 'record')} from "
            f"{count_words(len(evidence.agencies()), 'agency', 'agencies')}.",
        ]
        if not_assessed:
            notes.append(
                f"Not assessed (neutral or 0 until an analyst supplies them): {', '.join(not_assessed)}."
            )
        return Score(
            scorer=self.name,
            label=self.label,
            total=total,
            band=band.band,
            band_description=band.description,
            inputs=tuple(scored.values()),
            parts=(
                ScorePart(
                    "harm",
                    "Total harm",
                    harm,
                    f"({harm_sum:g} harm) x {multiplier:g} scope + victim vulnerability",
                ),
                ScorePart("likelihood", "Likelihood", likelihood, "recency x evidence reliability"),
                ScorePart("risk", "Risk", risk, "harm x likelihood"),
                ScorePart(
                    "position",
                    "Organisational position",
                    position,
                    "mean of capacity, capability, partnership",
                ),
                ScorePart("priority", "Priority", total, "risk x organisational position"),
            ),
            notes=tuple(notes),
            confidence=confidence,
            flags=("opportunity",) if scored["opportunity"].value is True else (),
        )

    def _harm(self, evidence: GroupEvidence) -> list[ScoreInput]:
        threats = sorted(t for t in evidence.threats() if t in set(CriminalityType))
        inputs = []
        for element in HarmElement:
            levels = {t: self.settings.harm_by_threat[CriminalityType(t)].level(element) for t in threats}
            label = f"{words(element.value).capitalize()} harm"
            if not levels:
                inputs.append(
                    ScoreInput(
                        element.value,
                        label,
                        0.0,
                        InputSource.RECORDS,
                        "No record is tagged with a criminality type.",
                    )
                )
                continue
            worst = max(levels.values())
            top = [t for t, v in levels.items() if v == worst]
            records = evidence.records_tagged(top)
            basis = f"{', '.join(map(threat_label, top))} ({worst} of 4) in {ids_text(records)}."
            inputs.append(ScoreInput(element.value, label, float(worst), InputSource.RECORDS, basis, records))
        return inputs

    def _scope(self, evidence: GroupEvidence) -> ScoreInput:
        reach = {
            t: self.settings.geographic_scope.threats[CriminalityType(t)]
            for t in evidence.threats()
            if t in set(CriminalityType) and CriminalityType(t) in self.settings.geographic_scope.threats
        }
        if not reach:
            basis = "No record points beyond the local area."
            return ScoreInput(
                "geographic_scope",
                "Geographic scope",
                ManagementLevel.LOCAL_L1.value,
                InputSource.RECORDS,
                basis,
            )
        widest = max(reach.values(), key=_SCOPE_ORDER.index)
        top = sorted(t for t, level in reach.items() if level is widest)
        records = evidence.records_tagged(top)
        basis = f"{', '.join(map(threat_label, top))} in {ids_text(records)} reach {widest.value}."
        return ScoreInput(
            "geographic_scope", "Geographic scope", widest.value, InputSource.RECORDS, basis, records
        )

    def _scope_weight(self, item: ScoreInput) -> ScoreInput:
        level = ManagementLevel(str(item.value))
        return replace(item, weight=self.settings.geographic_scope.multipliers[level])

    def _victims(self, evidence: GroupEvidence) -> ScoreInput:
        table = self.settings.victim_vulnerability
        found: list[tuple[int, str, tuple[int, ...]]] = []
        for people, level, one, many in (
            (evidence.children(), table.child, "child", "children"),
            (evidence.vulnerable_adults(), table.vulnerable_adult, "adult at risk", "adults at risk"),
            (evidence.exploited(), table.exploited_person, "member", "members"),
        ):
            if people:
                records = tuple(sorted({r for p in people for r in evidence.member_records(p)}))
                what = count_words(len(people), one, many)
                if one == "member":
                    what += " with the role exploited person"
                found.append((level, f"{what} in the records", records))
        for threat, level in table.threats.items():
            if threat.value in evidence.threats():
                tagged = evidence.records_tagged([threat.value])
                found.append((level, f"{threat_label(threat.value)} in {ids_text(tagged)}", tagged))
        label = "Victim vulnerability"
        if not found:
            return ScoreInput(
                "victim_vulnerability",
                label,
                0.0,
                InputSource.RECORDS,
                "No vulnerable victim appears in the records.",
            )
        level = max(f[0] for f in found)
        records = tuple(sorted({r for lvl, _, rs in found if lvl == level for r in rs}))
        basis = "; ".join(f"{text} -> {lvl}" for lvl, text, _ in sorted(found, key=lambda f: -f[0]))
        return ScoreInput(
            "victim_vulnerability",
            label,
            float(level),
            InputSource.RECORDS,
            f"{basis}. Counts harm to victims.",
            records,
        )

    def _recency(self, evidence: GroupEvidence, as_of: date) -> ScoreInput:
        dated = evidence.dated()
        if not dated:
            return ScoreInput(
                "recency", "Recency", 0.0, InputSource.RECORDS, "No record in the group has a date."
            )
        newest = dated[-1]
        newest_date = newest.event_date or as_of
        days = max(0, (as_of - newest_date).days)
        level = next((row.level for row in self.settings.likelihood.recency if days <= row.within_days), 0)
        basis = (
            f"Newest record {newest.record_id} on {newest_date.isoformat()}, {days} days before "
            f"{as_of.isoformat()}."
        )
        return ScoreInput("recency", "Recency", float(level), InputSource.RECORDS, basis, (newest.record_id,))

    def _reliability(self, evidence: GroupEvidence) -> ScoreInput:
        label = "Evidence reliability"
        if not evidence.records:
            return ScoreInput(
                "evidence_reliability", label, 0.0, InputSource.RECORDS, "The group has no records."
            )
        factors: dict[str, list[float]] = {}
        for record in evidence.records.values():
            grade, factor = self._grading_factor(record.grading)
            factors.setdefault(grade, []).append(factor)
        value = round(mean(f for fs in factors.values() for f in fs), 3)
        parts = ", ".join(f"{grade} x{len(fs)} ({fs[0]:g})" for grade, fs in sorted(factors.items()))
        basis = f"Mean over {count_words(len(evidence.records), 'record')}: {parts}."
        return ScoreInput(
            "evidence_reliability", label, value, InputSource.RECORDS, basis, evidence.record_ids
        )

    def _grading_factor(self, grading: str | None) -> tuple[str, float]:
        likelihood = self.settings.likelihood
        if grading is None:
            return "register record", likelihood.register_record
        text = grading.strip().upper()
        sources = {s.value: s for s in SourceEvaluation}
        assessments = {a.value: a for a in IntelligenceAssessment}
        if len(text) >= 2 and text[0] in sources and text[1] in assessments:
            source, assessment = sources[text[0]], assessments[text[1]]
            factor = likelihood.source_evaluation[source] * likelihood.intelligence_assessment[assessment]
            return f"graded {text[:2]}", round(factor, 3)
        return "other grading", likelihood.other_grading

    def _position(self) -> list[ScoreInput]:
        default = self.settings.organisational_position.not_assessed
        return [
            ScoreInput(
                name=name,
                label=label,
                value=default.value,
                source=InputSource.NOT_ASSESSED,
                basis=(
                    f"{question} An analyst supplies LOW, MEDIUM or HIGH; taken as {default.value} "
                    "until then."
                ),
            )
            for name, label, question in _POSITION
        ]

    def _position_weight(self, item: ScoreInput) -> ScoreInput:
        level = PositionLevel(str(item.value))
        return replace(item, weight=self.settings.organisational_position.multipliers[level])

    def _confidence(self, evidence: GroupEvidence) -> str:
        rules = self.settings.confidence
        records, agencies = len(evidence.records), len(evidence.agencies())
        if records >= rules.high.records and agencies >= rules.high.agencies:
            return "HIGH"
        if records >= rules.medium.records and agencies >= rules.medium.agencies:
            return "MEDIUM"
        return "LOW"


def scorers(settings: ScoringReference | None = None) -> tuple[Scorer, ...]:
    """The scorers Crimelink ships, configured from ``settings`` (default: the packaged file)."""
    chosen = settings or default_scoring()
    return (LocalOCGPriorityScorer(chosen), MoRiLEStyleScorer(chosen))


# --- ranking -------------------------------------------------------------------------------------

K = TypeVar("K")


@dataclass(frozen=True)
class RankedGroup(Generic[K]):
    """One group's place in the ranked list. Equal totals share a rank."""

    rank: int
    key: K
    score: Score


def rank_groups(
    groups: Sequence[tuple[K, GroupFacts]],
    scorer: Scorer,
    *,
    as_of: date | None = None,
    overrides: Mapping[K, Mapping[str, AnalystInput]] | None = None,
) -> list[RankedGroup[K]]:
    """Score every group and rank them, highest total first, for the strategic group to discuss.

    ``as_of`` is the date recency is measured from (default: today); ``overrides`` holds the analyst's
    inputs for each group by key. Groups with equal totals share a rank and keep their given order.
    """
    day = as_of or date.today()
    supplied = overrides or {}
    scored = [(key, scorer.score(facts, ScoringContext(day, supplied.get(key, {})))) for key, facts in groups]
    ordered = sorted(scored, key=lambda pair: -pair[1].total)
    ranked: list[RankedGroup[K]] = []
    for position, (key, score) in enumerate(ordered, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].score.total == score.total else position
        ranked.append(RankedGroup(rank, key, score))
    return ranked
