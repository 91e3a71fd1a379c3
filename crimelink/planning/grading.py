"""Disruption grading of outcomes (``crimelink/domain/data/disruption_grading.yaml``), loaded and validated.

Every grade and threshold in the file is a local, unverified setting [U]: the national disruption
categories are not published. A partnership edits a copy and loads it with :func:`load_grading`; any
problem stops the load with a :class:`~crimelink.errors.ReferenceDataError` naming the file, the entry
and the field.

An outcome's default grade comes from its kind: the kind's rules are tried in order and the first whose
thresholds are all met gives the grade, otherwise the kind's default does. The decision says which and
why, so the outcome's page can show how its grade was reached.

>>> grading = default_grading()
>>> decision = grading.grade(OutcomeKind.SEIZURE_CASH, value_gbp=12_500)
>>> decision.grade
<DisruptionImpact.MODERATE: 'MODERATE'>
>>> decision.basis
'Cash seizure: value £12,500 is at least £10,000 (£10,000 or more in cash is a loss the group notices), so moderate'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crimelink.domain.codes import DisruptionImpact, OutcomeKind
from crimelink.domain.reference import PACKAGED_DIRECTORY
from crimelink.errors import ReferenceDataError

__all__ = [
    "GRADING_FILE",
    "OUTCOME_KIND_LABELS",
    "DisruptionGrading",
    "GradeDecision",
    "GradeRule",
    "KindGrading",
    "default_grading",
    "grading_from",
    "load_grading",
    "money",
]

GRADING_FILE = "disruption_grading.yaml"

#: What people call each kind of outcome.
OUTCOME_KIND_LABELS: dict[OutcomeKind, str] = {
    OutcomeKind.ARREST: "Arrest",
    OutcomeKind.CHARGE: "Charge",
    OutcomeKind.CONVICTION: "Conviction",
    OutcomeKind.SEIZURE_DRUGS: "Drugs seizure",
    OutcomeKind.SEIZURE_FIREARMS: "Firearms seizure",
    OutcomeKind.SEIZURE_CASH: "Cash seizure",
    OutcomeKind.SEIZURE_VEHICLE: "Vehicle seizure",
    OutcomeKind.PREMISES_CLOSURE: "Premises closure",
    OutcomeKind.LICENCE_REVIEW: "Licence review",
    OutcomeKind.SAFEGUARDING_REFERRAL: "Safeguarding referral",
    OutcomeKind.NRM_REFERRAL: "National Referral Mechanism referral",
    OutcomeKind.CIVIL_ORDER: "Civil order (CBO, SCPO, STPO, injunction ...)",
    OutcomeKind.FIXED_PENALTY: "Fixed penalty notice",
    OutcomeKind.CLEARANCE_COST: "Clearance cost (e.g. fly-tipping)",
    OutcomeKind.OTHER: "Other outcome",
}

_THRESHOLDS = (
    ("quantity_at_least", "quantity"),
    ("value_at_least", "value"),
    ("cost_at_least", "cost"),
)


def money(amount: float) -> str:
    """An amount in pounds as people write it: ``£12,500`` or ``£12.50``."""
    return f"£{amount:,.0f}" if float(amount).is_integer() else f"£{amount:,.2f}"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class GradeRule(_Strict):
    """A grade given when every threshold the rule sets is met (the figure is at least the threshold)."""

    grade: DisruptionImpact
    why: str = Field(min_length=1, max_length=300)
    quantity_at_least: float | None = Field(default=None, ge=0)
    value_at_least: float | None = Field(default=None, ge=0)
    cost_at_least: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _sets_a_threshold(self) -> GradeRule:
        if all(getattr(self, name) is None for name, _ in _THRESHOLDS):
            raise ValueError(
                "a rule needs at least one of quantity_at_least, value_at_least or cost_at_least; "
                "for a grade that always applies, set the kind's default instead"
            )
        return self


class KindGrading(_Strict):
    """How one kind of outcome is graded: ordered rules, then the default."""

    default: DisruptionImpact
    counts: str = Field(default="", max_length=30)
    rules: tuple[GradeRule, ...] = ()


@dataclass(frozen=True)
class GradeDecision:
    """The grade the configured rules give an outcome, and how it was reached."""

    grade: DisruptionImpact
    #: ``"rule 2 of SEIZURE_CASH"`` or ``"default of SEIZURE_CASH"``.
    rule: str
    #: The sentence a page shows: the figures, the rule's threshold and reason, the grade.
    basis: str


class DisruptionGrading(_Strict):
    """The grades' meanings and each outcome kind's grading (every kind must be graded)."""

    verified: bool
    source: str = Field(default="", validate_default=True)
    grades: dict[DisruptionImpact, str]
    kinds: dict[OutcomeKind, KindGrading]
    _file: str = PrivateAttr(default=GRADING_FILE)

    @field_validator("source")
    @classmethod
    def _verified_needs_a_source(cls, source: str, info: ValidationInfo) -> str:
        if info.data.get("verified") is True and not source:
            raise ValueError("verified grading must name its source; set verified: false until it can")
        return source

    @field_validator("grades")
    @classmethod
    def _every_grade_means_something(cls, grades: dict[DisruptionImpact, str]) -> dict[DisruptionImpact, str]:
        missing = [g.value for g in DisruptionImpact if g not in grades]
        if missing:
            raise ValueError(f"say what {', '.join(missing)} means: every grade needs its meaning")
        empty = [g.value for g, meaning in grades.items() if not meaning.strip()]
        if empty:
            raise ValueError(f"the meaning of {', '.join(empty)} is empty")
        return grades

    @field_validator("kinds")
    @classmethod
    def _every_kind_graded(cls, kinds: dict[OutcomeKind, KindGrading]) -> dict[OutcomeKind, KindGrading]:
        missing = [k.value for k in OutcomeKind if k not in kinds]
        if missing:
            raise ValueError(
                f"add an entry for {', '.join(missing)}: every outcome kind needs a default grade"
            )
        return kinds

    @property
    def file(self) -> str:
        """The file the grading was loaded from (its name), for the reasons pages show."""
        return self._file

    def meaning(self, grade: DisruptionImpact) -> str:
        return self.grades[grade]

    def counts(self, kind: OutcomeKind) -> str:
        """What ``quantity`` counts for ``kind`` (``people``, ``firearms``), or ``""``."""
        return self.kinds[kind].counts

    def grade(
        self,
        kind: OutcomeKind,
        *,
        quantity: float | None = None,
        value_gbp: float | None = None,
        cost_gbp: float | None = None,
    ) -> GradeDecision:
        """The default grade for an outcome of ``kind`` with these figures, and why."""
        entry = self.kinds[kind]
        figures = {"quantity": quantity, "value": value_gbp, "cost": cost_gbp}
        name = OUTCOME_KIND_LABELS[kind]
        missed: list[str] = []
        for number, rule in enumerate(entry.rules, start=1):
            met: list[str] = []
            failed = ""
            for threshold_name, figure_name in _THRESHOLDS:
                threshold = getattr(rule, threshold_name)
                if threshold is None:
                    continue
                figure = figures[figure_name]
                shown = self._show(figure_name, threshold, entry.counts)
                if figure is None:
                    failed = f"no {figure_name} was given"
                    break
                if figure < threshold:
                    failed = f"{figure_name} {self._show(figure_name, figure, entry.counts)} is below {shown}"
                    break
                met.append(
                    f"{figure_name} {self._show(figure_name, figure, entry.counts)} is at least {shown}"
                )
            if not failed:
                return GradeDecision(
                    grade=rule.grade,
                    rule=f"rule {number} of {kind.value}",
                    basis=f"{name}: {' and '.join(met)} ({rule.why}), so {rule.grade.value.lower()}",
                )
            if failed not in missed:
                missed.append(failed)
        reason = f"no rule was met ({'; '.join(missed)})" if missed else "the kind has no rules"
        return GradeDecision(
            grade=entry.default,
            rule=f"default of {kind.value}",
            basis=f"{name}: {reason}, so the kind's default, {entry.default.value.lower()}",
        )

    @staticmethod
    def _show(figure_name: str, amount: float, counts: str) -> str:
        if figure_name in {"value", "cost"}:
            return money(amount)
        number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,}"
        return f"{number} {counts}".strip()


def load_grading(path: Path | None = None) -> DisruptionGrading:
    """Load and validate grading from ``path`` (a file, or a directory holding the grading file).

    With no path, the packaged file. Raises :class:`ReferenceDataError` listing every problem, one per
    line, each naming the file, the entry and the field.
    """
    target = Path(path) if path is not None else PACKAGED_DIRECTORY / GRADING_FILE
    if target.is_dir():
        target = target / GRADING_FILE
    name = target.name
    if not target.is_file():
        raise ReferenceDataError(
            f"{name}: file not found in {target.parent}; copy it from {PACKAGED_DIRECTORY}"
        )
    try:
        raw = yaml.safe_load(target.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(
            f"{name}: not valid YAML ({exc}); fix the indentation or quoting shown"
        ) from exc
    if not isinstance(raw, dict):
        raise ReferenceDataError(f"{name}: must be a mapping with verified, source, grades and kinds")
    try:
        grading = DisruptionGrading.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError("\n".join(f"{name}: {_describe(error)}" for error in exc.errors())) from exc
    grading._file = name
    return grading


@cache
def default_grading() -> DisruptionGrading:
    """The packaged grading, loaded once per process."""
    return load_grading()


@cache
def _grading_at(path: Path) -> DisruptionGrading:
    return load_grading(path)


def grading_from(path: Path | None) -> DisruptionGrading:
    """The grading a setting names (loaded once per path), or the packaged one when it names none."""
    return default_grading() if path is None else _grading_at(Path(path))


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    kind = error["type"]
    if kind == "missing":
        reason = "is required"
    elif kind == "extra_forbidden":
        reason = "is not a grading setting; check the spelling"
    elif kind == "enum":
        reason = f"{error['input']!r} is not a known code; {error['msg'][:1].lower()}{error['msg'][1:]}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        reason = message[:1].lower() + message[1:]
    if len(loc) >= 2 and loc[0] in {"kinds", "grades"}:
        entry, rest = loc[1], loc[2:]
        if rest == ["[key]"]:
            what = "outcome kind" if loc[0] == "kinds" else "grade"
            return f"entry {entry!r}: is not a known {what}; {reason}"
        field = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest).lstrip(".")
        return f"entry {entry!r}: field {field!r}: {reason}" if field else f"entry {entry!r}: {reason}"
    where = ".".join(loc)
    return f"field {where!r}: {reason}" if where else reason
