"""What a score is made of: inputs with their sources, analyst-supplied values, parts, bands.

Shared by the scorers in :mod:`crimelink.network.priority`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from crimelink.domain.reference import default_reference
from crimelink.errors import InvalidInputError
from crimelink.network.model import GroupFacts
from crimelink.network.scoring_reference import Band

APPROXIMATION = "local approximation, not national OCGM / MoRiLE output"

InputValue = float | str | bool


class InputSource(StrEnum):
    """Where an input's value came from."""

    RECORDS = "from the records"
    ANALYST = "analyst-supplied"
    NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class AnalystInput:
    """A value an analyst supplies for one input, with who and why."""

    value: InputValue
    supplied_by: str
    rationale: str
    assessed_on: date | None = None


@dataclass(frozen=True)
class ScoringContext:
    """What a score needs besides the group: the date it is scored on and the analyst's inputs."""

    as_of: date
    overrides: Mapping[str, AnalystInput] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreInput:
    """One input: its value, where it came from, and what it adds."""

    name: str
    label: str
    value: InputValue
    source: InputSource
    #: Where the value came from, in words (records and tables, or the analyst's reason).
    basis: str
    record_ids: tuple[int, ...] = ()
    #: The weight or multiplier the settings give it, when it has one.
    weight: float | None = None
    #: What it adds to the total, for additive inputs.
    points: float | None = None
    #: What the records gave, when an analyst replaced it.
    derived_value: InputValue | None = None


@dataclass(frozen=True)
class ScorePart:
    """An intermediate result (harm, likelihood, risk, ...) and how it was worked out."""

    name: str
    label: str
    value: float
    formula: str


@dataclass(frozen=True)
class Score:
    """A group's score under one scorer, with every input and how the total was reached."""

    scorer: str
    label: str
    total: float
    band: str
    band_description: str
    inputs: tuple[ScoreInput, ...]
    parts: tuple[ScorePart, ...]
    notes: tuple[str, ...]
    confidence: str | None = None
    flags: tuple[str, ...] = ()

    def input(self, name: str) -> ScoreInput:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(f"no input {name!r} in the {self.label}; inputs: {[i.name for i in self.inputs]}")

    def part(self, name: str) -> ScorePart:
        for item in self.parts:
            if item.name == name:
                return item
        raise KeyError(f"no part {name!r} in the {self.label}")

    @property
    def analyst_inputs(self) -> tuple[ScoreInput, ...]:
        return tuple(i for i in self.inputs if i.source is InputSource.ANALYST)


@runtime_checkable
class Scorer(Protocol):
    """A way to score a group. ``label`` must say it is a local approximation."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def score(self, facts: GroupFacts, context: ScoringContext) -> Score: ...


# --- analyst inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSpec:
    label: str
    check: Callable[[InputValue], InputValue]


def number_input(low: float, high: float) -> Callable[[InputValue], InputValue]:
    def check(value: InputValue) -> InputValue:
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return float(value)

    return check


def choice_input(values: Sequence[str]) -> Callable[[InputValue], InputValue]:
    def check(value: InputValue) -> InputValue:
        if not isinstance(value, str) or value.upper() not in values:
            raise ValueError(f"must be one of {', '.join(values)}")
        return value.upper()

    return check


def flag_input(value: InputValue) -> InputValue:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def checked_overrides(
    context: ScoringContext, specs: Mapping[str, InputSpec], scorer_label: str
) -> dict[str, tuple[InputValue, AnalystInput]]:
    problems: dict[str, str] = {}
    checked: dict[str, tuple[InputValue, AnalystInput]] = {}
    for name, supplied in context.overrides.items():
        spec = specs.get(name)
        if spec is None:
            problems[name] = f"the {scorer_label} has no such input; use one of {', '.join(specs)}"
            continue
        if not supplied.supplied_by.strip() or not supplied.rationale.strip():
            problems[name] = "say who supplied the value and why"
            continue
        try:
            checked[name] = (spec.check(supplied.value), supplied)
        except ValueError as exc:
            problems[name] = f"{spec.label}: {exc}"
    if problems:
        raise InvalidInputError(problems)
    return checked


def apply_override(
    derived: ScoreInput, overrides: Mapping[str, tuple[InputValue, AnalystInput]]
) -> ScoreInput:
    """The input as the analyst supplied it, keeping what the records gave."""
    if derived.name not in overrides:
        return derived
    value, supplied = overrides[derived.name]
    when = f" on {supplied.assessed_on.isoformat()}" if supplied.assessed_on else ""
    replaced = (
        f" (replaces {derived.value!r} {derived.source.value}: {derived.basis})"
        if derived.source is InputSource.RECORDS
        else ""
    )
    return ScoreInput(
        name=derived.name,
        label=derived.label,
        value=value,
        source=InputSource.ANALYST,
        basis=f"Supplied by {supplied.supplied_by}{when}: {supplied.rationale}{replaced}",
        record_ids=derived.record_ids if derived.source is InputSource.RECORDS else (),
        weight=derived.weight,
        derived_value=derived.value if derived.source is InputSource.RECORDS else None,
    )


def with_points(item: ScoreInput) -> ScoreInput:
    value = float(item.value) if isinstance(item.value, int | float) else 0.0
    points = round(value * (item.weight if item.weight is not None else 1.0), 2)
    return replace(item, points=points)


def band_for(bands: Sequence[Band], total: float) -> Band:
    for band in bands:  # highest min_total first
        if total >= band.min_total:
            return band
    return bands[-1]


def count_words(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def words(code: str) -> str:
    """``LINE_HOLDER`` -> ``line holder``."""
    return code.replace("_", " ").lower()


def threat_label(threat: str) -> str:
    """The threat area's label from the packaged reference data (``Waste crime and fly-tipping``)."""
    try:
        return default_reference().threat_area(threat).label
    except KeyError:
        return words(threat)
