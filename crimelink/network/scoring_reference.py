"""The priority scorers' settings (``crimelink/domain/data/scoring.yaml``), loaded and validated.

Every number in the file is a local, unverified setting: the national OCGM and MoRiLE scales are not
published. A partnership edits a copy and loads it with :func:`load_scoring`; any problem stops the
load with a :class:`~crimelink.errors.ReferenceDataError` naming the file, the setting and what to do.

Every table is keyed by a code (criminality type, member role, relationship type, NIM level, grading
part), and unknown fields are refused, so the file cannot add a nationality, ethnicity or religion
weight: the scorers only ever read behaviour and circumstances.

>>> settings = default_scoring()
>>> settings.local_ocg_priority.criminality_severity[CriminalityType.FIREARMS_SUPPLY_IMPORT]
10.0
>>> settings.unverified
True
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crimelink.domain.codes import CriminalityType, ManagementLevel, MemberRole, RelationshipType
from crimelink.domain.grading import IntelligenceAssessment, SourceEvaluation
from crimelink.domain.reference import PACKAGED_DIRECTORY
from crimelink.errors import ReferenceDataError

__all__ = [
    "SCORING_FILE",
    "Band",
    "CapabilityAttribute",
    "CapabilityRule",
    "GroupMeasure",
    "HarmElement",
    "HarmScores",
    "LocalOCGPrioritySettings",
    "MoRiLEStyleSettings",
    "PositionLevel",
    "ScoringReference",
    "default_scoring",
    "load_scoring",
]

SCORING_FILE = "scoring.yaml"

CapabilityLevel = Annotated[int, Field(ge=0, le=3)]
HarmLevel = Annotated[int, Field(ge=0, le=4)]
Factor = Annotated[float, Field(ge=0, le=1)]


class CapabilityAttribute(StrEnum):
    """The capability attributes of the local OCG priority score (``DOMAIN.md`` section 2)."""

    FIREARMS_VIOLENCE = "firearms_violence"
    SPECIALIST_SKILLS = "specialist_skills"
    CORRUPTION_INSIDER = "corruption_insider"
    COUNTER_SURVEILLANCE = "counter_surveillance"
    CROSS_BORDER_REACH = "cross_border_reach"
    BUSINESS_INFILTRATION = "business_infiltration"
    FINANCIAL_RESOURCES = "financial_resources"
    SIZE = "size"
    COHESION = "cohesion"


class GroupMeasure(StrEnum):
    """Counts read from a group's facts that a capability rule may grade."""

    PEOPLE = "PEOPLE"
    BUSINESSES = "BUSINESSES"
    #: Phones, vehicles, premises, businesses or accounts that appear with two or more members.
    SHARED_ITEMS = "SHARED_ITEMS"
    #: The mean number of the group's records each member appears in.
    RECORDS_PER_PERSON = "RECORDS_PER_PERSON"
    AGENCIES = "AGENCIES"
    #: Distinct dates on which the group's records took place.
    DATED_EVENTS = "DATED_EVENTS"


class HarmElement(StrEnum):
    """The harm elements of the MoRiLE-style score (some MoRiLE columns are [U])."""

    PHYSICAL = "physical"
    PSYCHOLOGICAL = "psychological"
    FINANCIAL = "financial"
    COMMUNITY_ENVIRONMENT = "community_environment"
    REPUTATIONAL = "reputational"


class PositionLevel(StrEnum):
    """How well placed the partnership is (capacity, capability, partnership)."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class _Section(_Strict):
    """A scorer's settings: ``verified`` stays false until the partnership can name a source."""

    verified: bool
    source: str = Field(default="", validate_default=True)

    @field_validator("source")
    @classmethod
    def _verified_needs_a_source(cls, source: str, info: ValidationInfo) -> str:
        if info.data.get("verified") is True and not source:
            raise ValueError("verified settings must name their source; set verified: false until they can")
        return source


class Band(_Strict):
    band: str = Field(min_length=1)
    min_total: float = Field(ge=0)
    description: str = Field(min_length=1)


def _check_bands(bands: tuple[Band, ...]) -> tuple[Band, ...]:
    names = [b.band for b in bands]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"band {', '.join(repeated)} listed more than once")
    if not any(b.min_total == 0 for b in bands):
        raise ValueError("one band must have min_total: 0 so that every total has a band")
    return tuple(sorted(bands, key=lambda b: -b.min_total))


def _every(enum: type[StrEnum], table: dict[Any, Any], what: str) -> None:
    missing = [member.value for member in enum if member not in table]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}; give every {what} a value")


class CapabilityRule(_Strict):
    """How one capability attribute is read from a group's records (level 0 to 3)."""

    label: str = Field(min_length=1)
    weight: float = Field(ge=0)
    threats: dict[CriminalityType, CapabilityLevel] = Field(default_factory=dict)
    roles: dict[MemberRole, CapabilityLevel] = Field(default_factory=dict)
    evidence_kinds: dict[RelationshipType, CapabilityLevel] = Field(default_factory=dict)
    #: Counts needed for levels 1, 2 and 3, ascending.
    measures: dict[GroupMeasure, tuple[float, float, float]] = Field(default_factory=dict)

    @field_validator("measures")
    @classmethod
    def _ascending(
        cls, measures: dict[GroupMeasure, tuple[float, float, float]]
    ) -> dict[GroupMeasure, tuple[float, float, float]]:
        for measure, counts in measures.items():
            if list(counts) != sorted(counts) or counts[0] <= 0:
                raise ValueError(f"{measure.value}: the three counts must be more than 0 and ascending")
        return measures

    @property
    def derivable(self) -> bool:
        """False when nothing in the records can show the attribute (only an analyst can)."""
        return bool(self.threats or self.roles or self.evidence_kinds or self.measures)


class LocalOCGPrioritySettings(_Section):
    severity_weight: float = Field(ge=0)
    intent_weight: float = Field(ge=0)
    criminality_severity: dict[CriminalityType, Annotated[float, Field(ge=0, le=10)]]
    capability: dict[CapabilityAttribute, CapabilityRule]
    bands: tuple[Band, ...] = Field(min_length=1)

    _check_bands = field_validator("bands")(_check_bands)

    @field_validator("criminality_severity")
    @classmethod
    def _every_threat(cls, table: dict[CriminalityType, float]) -> dict[CriminalityType, float]:
        _every(CriminalityType, table, "criminality type")
        return table

    @field_validator("capability")
    @classmethod
    def _every_attribute(
        cls, table: dict[CapabilityAttribute, CapabilityRule]
    ) -> dict[CapabilityAttribute, CapabilityRule]:
        _every(CapabilityAttribute, table, "capability attribute")
        return {attribute: table[attribute] for attribute in CapabilityAttribute}


class HarmScores(_Strict):
    physical: HarmLevel
    psychological: HarmLevel
    financial: HarmLevel
    community_environment: HarmLevel
    reputational: HarmLevel

    def level(self, element: HarmElement) -> int:
        return int(getattr(self, element.value))


class GeographicScope(_Strict):
    multipliers: dict[ManagementLevel, Annotated[float, Field(gt=0)]]
    threats: dict[CriminalityType, ManagementLevel] = Field(default_factory=dict)

    @field_validator("multipliers")
    @classmethod
    def _every_level(cls, table: dict[ManagementLevel, float]) -> dict[ManagementLevel, float]:
        _every(ManagementLevel, table, "NIM level")
        return table


class VictimVulnerability(_Strict):
    child: HarmLevel
    vulnerable_adult: HarmLevel
    exploited_person: HarmLevel
    threats: dict[CriminalityType, HarmLevel] = Field(default_factory=dict)


class RecencyLevel(_Strict):
    within_days: int = Field(ge=0)
    level: HarmLevel


class Likelihood(_Strict):
    recency: tuple[RecencyLevel, ...] = Field(min_length=1)
    source_evaluation: dict[SourceEvaluation, Factor]
    intelligence_assessment: dict[IntelligenceAssessment, Factor]
    register_record: Factor
    other_grading: Factor

    @field_validator("recency")
    @classmethod
    def _sorted(cls, rows: tuple[RecencyLevel, ...]) -> tuple[RecencyLevel, ...]:
        return tuple(sorted(rows, key=lambda row: row.within_days))

    @field_validator("source_evaluation")
    @classmethod
    def _every_source(cls, table: dict[SourceEvaluation, float]) -> dict[SourceEvaluation, float]:
        _every(SourceEvaluation, table, "source evaluation")
        return table

    @field_validator("intelligence_assessment")
    @classmethod
    def _every_assessment(
        cls, table: dict[IntelligenceAssessment, float]
    ) -> dict[IntelligenceAssessment, float]:
        _every(IntelligenceAssessment, table, "intelligence assessment")
        return table


class ConfidenceRule(_Strict):
    records: int = Field(ge=1)
    agencies: int = Field(ge=1)


class Confidence(_Strict):
    high: ConfidenceRule
    medium: ConfidenceRule


class OrganisationalPosition(_Strict):
    multipliers: dict[PositionLevel, Annotated[float, Field(gt=0)]]
    not_assessed: PositionLevel

    @field_validator("multipliers")
    @classmethod
    def _every_level(cls, table: dict[PositionLevel, float]) -> dict[PositionLevel, float]:
        _every(PositionLevel, table, "position level")
        return table


class MoRiLEStyleSettings(_Section):
    harm_by_threat: dict[CriminalityType, HarmScores]
    geographic_scope: GeographicScope
    victim_vulnerability: VictimVulnerability
    likelihood: Likelihood
    confidence: Confidence
    organisational_position: OrganisationalPosition
    bands: tuple[Band, ...] = Field(min_length=1)

    _check_bands = field_validator("bands")(_check_bands)

    @field_validator("harm_by_threat")
    @classmethod
    def _every_threat(cls, table: dict[CriminalityType, HarmScores]) -> dict[CriminalityType, HarmScores]:
        _every(CriminalityType, table, "criminality type")
        return table


class ScoringReference(_Strict):
    """Both scorers' settings."""

    local_ocg_priority: LocalOCGPrioritySettings
    morile_style: MoRiLEStyleSettings

    @model_validator(mode="after")
    def _confidence_order(self) -> ScoringReference:
        confidence = self.morile_style.confidence
        if (
            confidence.high.records < confidence.medium.records
            or confidence.high.agencies < confidence.medium.agencies
        ):
            raise ValueError(
                "morile_style.confidence: high needs at least as many records and agencies as medium"
            )
        return self

    @property
    def unverified(self) -> bool:
        """True while any section is unverified [U] (the packaged file: always)."""
        return not (self.local_ocg_priority.verified and self.morile_style.verified)


def load_scoring(path: Path | None = None) -> ScoringReference:
    """Load and validate scoring settings from ``path`` (a file, or a directory holding ``scoring.yaml``).

    With no path, the packaged file. Raises :class:`ReferenceDataError` listing every problem, one per
    line, each naming the file and the setting.
    """
    target = Path(path) if path is not None else PACKAGED_DIRECTORY / SCORING_FILE
    if target.is_dir():
        target = target / SCORING_FILE
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
        raise ReferenceDataError(
            f"{name}: must be a mapping with local_ocg_priority and morile_style sections"
        )
    try:
        return ScoringReference.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError("\n".join(f"{name}: {_describe(error)}" for error in exc.errors())) from exc


@cache
def default_scoring() -> ScoringReference:
    """The packaged scoring settings, loaded once per process."""
    return load_scoring()


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "missing":
        reason = "is required"
    elif kind == "extra_forbidden":
        reason = (
            "is not a scoring setting; check the spelling. Scores read only behaviour and circumstances, "
            "never nationality, ethnicity, religion or other protected characteristics"
        )
    elif kind == "enum":
        reason = f"{error['input']!r} is not a known code; {error['msg'][:1].lower()}{error['msg'][1:]}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        reason = message[:1].lower() + message[1:]
    return f"'{where}': {reason}" if where else reason
