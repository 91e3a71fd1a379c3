"""Editable reference data: threat areas, indicators, tactics, retention rules and offences.

The packaged YAML files in ``crimelink/domain/data`` are a starting point. A partnership may copy the
directory, edit its copy and point Crimelink at it. Every file is validated when it is loaded, and
any problem stops the load with a :class:`~crimelink.errors.ReferenceDataError` naming the file,
the entry and the field.

Every entry carries ``verified`` and ``source``. ``verified: false`` means the entry has not been
checked against a named source ([U] in ``DOMAIN.md``). Screens must show such entries as unverified,
never as fact.

>>> data = default_reference()
>>> data.tactic("serious-crime-prevention-order").verified
True
>>> data.offence("sca2015-s45-participating-in-ocg").max_penalty
'5 years'

Check an edited copy from the command line::

    python -m crimelink.domain.reference path/to/our-reference-data
"""

from __future__ import annotations

import argparse
import re
import sys
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from crimelink.domain.codes import AgencyKind, CriminalityType, FourP, LifestyleArea, RetentionGroup
from crimelink.errors import ReferenceDataError

__all__ = [
    "PACKAGED_DIRECTORY",
    "Audience",
    "Indicator",
    "IndicatorCategory",
    "LegalStandard",
    "ModeOfTrial",
    "Offence",
    "ReferenceData",
    "ReferenceEntry",
    "RetentionRule",
    "SocStrategyCategory",
    "Tactic",
    "TargetKind",
    "ThreatArea",
    "default_reference",
    "load_reference",
    "main",
]

PACKAGED_DIRECTORY = Path(__file__).parent / "data"

_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Indicators describe what someone does or what is happening to them. Words that point at who a
# person *is* (nationality, ethnicity, religion, race) are refused: they are not indicators of
# exploitation, and screening on them would be discriminatory and unlawful.
_PROTECTED_CHARACTERISTICS = re.compile(
    r"\b(nationalit\w*|national[\s_-]+origins?|countr(y|ies)[\s_-]+of[\s_-]+origin|ethnic\w*|races?|racial\w*"
    r"|religio\w*|faiths?|caste|skin[\s_-]+colou?r|colou?r[\s_-]+of[\s_-]+(their|his|her)?\s*skin)\b",
    re.IGNORECASE,
)


class SocStrategyCategory(StrEnum):
    """The threat categories of the national Serious and Organised Crime Strategy (``DOMAIN.md`` §2)."""

    CSEA = "CSEA"
    ILLEGAL_DRUGS = "ILLEGAL_DRUGS"
    ILLEGAL_FIREARMS = "ILLEGAL_FIREARMS"
    FRAUD = "FRAUD"
    MONEY_LAUNDERING_ECONOMIC_CRIME = "MONEY_LAUNDERING_ECONOMIC_CRIME"
    BRIBERY_CORRUPTION = "BRIBERY_CORRUPTION"
    ORGANISED_IMMIGRATION_CRIME = "ORGANISED_IMMIGRATION_CRIME"
    MODERN_SLAVERY_HUMAN_TRAFFICKING = "MODERN_SLAVERY_HUMAN_TRAFFICKING"
    CYBER_CRIME = "CYBER_CRIME"


class IndicatorCategory(StrEnum):
    """What part of a person's or a place's circumstances an indicator describes."""

    APPEARANCE = "APPEARANCE"
    ISOLATION = "ISOLATION"
    ACCOMMODATION = "ACCOMMODATION"
    FINANCES = "FINANCES"
    PREMISES = "PREMISES"
    ONLINE = "ONLINE"
    BEHAVIOUR = "BEHAVIOUR"
    EMPLOYER = "EMPLOYER"
    MOVEMENT = "MOVEMENT"
    VULNERABILITY = "VULNERABILITY"
    WORKING_CONDITIONS = "WORKING_CONDITIONS"
    POSSESSIONS = "POSSESSIONS"
    RELATIONSHIPS = "RELATIONSHIPS"
    HEALTH = "HEALTH"
    EDUCATION = "EDUCATION"
    BUSINESS = "BUSINESS"
    VEHICLES = "VEHICLES"


class Audience(StrEnum):
    """Who an indicator is written for: anyone (leaflets, public pages) or trained practitioners."""

    PUBLIC = "PUBLIC"
    PRACTITIONER = "PRACTITIONER"


class LegalStandard(StrEnum):
    """The kind of law a tactic rests on, which sets its standard of proof and process."""

    CRIMINAL = "CRIMINAL"
    CIVIL = "CIVIL"
    REGULATORY = "REGULATORY"
    ADMIN = "ADMIN"
    SAFEGUARDING = "SAFEGUARDING"


class TargetKind(StrEnum):
    """What a tactic can be used against."""

    PERSON = "PERSON"
    PREMISES = "PREMISES"
    BUSINESS = "BUSINESS"
    VEHICLE = "VEHICLE"
    GROUP = "GROUP"
    PLACE = "PLACE"


class ModeOfTrial(StrEnum):
    """How an offence is tried in England and Wales."""

    INDICTABLE_ONLY = "indictable-only"
    EITHER_WAY = "either-way"
    SUMMARY = "summary"


def _no_repeats(values: tuple[Any, ...]) -> tuple[Any, ...]:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed more than once; list each value once")
    return values


class ReferenceEntry(BaseModel):
    """Fields every reference entry has. ``verified`` is False for [U] entries."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    file_name: ClassVar[str] = ""

    verified: bool
    source: str = Field(default="", validate_default=True)

    @field_validator("source")
    @classmethod
    def _verified_needs_a_source(cls, source: str, info: ValidationInfo) -> str:
        if info.data.get("verified") is True and not source:
            raise ValueError(
                "a verified entry must name its source (a DOMAIN.md source number or a reference); "
                "set verified: false if it has not been checked"
            )
        return source

    @property
    @abstractmethod
    def key(self) -> str:
        """The entry's id (its ``code`` for offences)."""

    @property
    @abstractmethod
    def title(self) -> str:
        """A short human name for the entry."""

    @property
    def verification(self) -> str:
        """``verified`` or ``unverified [U]``, as screens should show it."""
        return "verified" if self.verified else "unverified [U]"

    @property
    def display_name(self) -> str:
        """The title, with ``[U]`` appended when the entry is unverified."""
        return self.title if self.verified else f"{self.title} [U]"


class ThreatArea(ReferenceEntry):
    """A threat area: one per :class:`CriminalityType`, with the partnership's own wording."""

    file_name: ClassVar[str] = "threat_areas.yaml"

    id: CriminalityType
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    soc_category: SocStrategyCategory | None = None
    in_local_scope: bool

    @property
    def key(self) -> str:
        return self.id.value

    @property
    def title(self) -> str:
        return self.label


class Indicator(ReferenceEntry):
    """A behaviour or circumstance that may point to exploitation. Never a protected characteristic."""

    file_name: ClassVar[str] = "indicators.yaml"

    id: str = Field(pattern=_SLUG)
    threat: CriminalityType
    category: IndicatorCategory
    text: str = Field(min_length=1)
    audience: Audience
    weight: int = Field(ge=1, le=3)
    #: Text rules: regular expressions (Python syntax, case-insensitive) that find the indicator in the
    #: free text of a record. ``\b`` marks a word boundary. Screening matches them against narrative text
    #: only, never against names, identifiers or any field about who a person is.
    patterns: tuple[str, ...] = ()

    _check_patterns_listed_once = field_validator("patterns")(_no_repeats)

    @field_validator("category", "text", mode="before")
    @classmethod
    def _behaviour_not_identity(cls, value: object) -> object:
        if isinstance(value, str):
            found = _PROTECTED_CHARACTERISTICS.search(value)
            if found:
                raise ValueError(
                    f"mentions {found.group(0)!r}: indicators must describe behaviour or circumstances, "
                    "never nationality, ethnicity, race, religion or other protected characteristics; "
                    "reword it or remove it"
                )
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns_are_usable(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            # Read the words: the pattern \brace\b is the word "race" once its escapes are set aside.
            words = re.sub(r"[^A-Za-z]+", " ", re.sub(r"\\[A-Za-z]", " ", pattern))
            found = _PROTECTED_CHARACTERISTICS.search(words)
            if found:
                raise ValueError(
                    f"pattern {pattern!r} mentions {found.group(0)!r}: a text rule must look for behaviour or "
                    "circumstances, never nationality, ethnicity, race, religion or other protected "
                    "characteristics; reword it or remove it"
                )
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression ({exc}); "
                    r"write words as they appear, with \b for a word boundary, e.g. '\bcoming and going\b'"
                ) from None
            if compiled.search("") is not None:
                raise ValueError(f"pattern {pattern!r} matches empty text, so it would match every record")
        return patterns

    @property
    def key(self) -> str:
        return self.id

    @property
    def title(self) -> str:
        return self.text


class Tactic(ReferenceEntry):
    """A disruption tactic from the menu, profiled as in the Home Office menu of tactics."""

    file_name: ClassVar[str] = "tactics.yaml"

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    area: LifestyleArea
    four_p: tuple[FourP, ...] = Field(min_length=1)
    owner_agencies: tuple[AgencyKind, ...] = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    standard: LegalStandard
    target_kinds: tuple[TargetKind, ...] = Field(min_length=1)
    threats: tuple[CriminalityType, ...] = ()
    what: str = Field(min_length=1)
    impacts: str = Field(min_length=1)
    procedure: str = Field(min_length=1)
    who_can_help: str = Field(min_length=1)
    watch_outs: str = Field(min_length=1)
    needs_court: bool
    needs_evidence: str = Field(min_length=1)

    _check_lists = field_validator("four_p", "owner_agencies", "target_kinds", "threats")(_no_repeats)

    @property
    def key(self) -> str:
        return self.id

    @property
    def title(self) -> str:
        return self.name

    def applies_to(self, threat: CriminalityType) -> bool:
        """True if the tactic lists ``threat``, or lists no threats (usable against any)."""
        return not self.threats or threat in self.threats


class RetentionRule(ReferenceEntry):
    """A review and retention rule (MoPI group, non-nominal record or council schedule)."""

    file_name: ClassVar[str] = "retention.yaml"

    id: str = Field(pattern=_SLUG)
    record_type: str = Field(min_length=1)
    group: RetentionGroup
    review_interval_years: int | None = Field(default=None, ge=1)
    clear_period_years: int | None = Field(default=None, ge=1)
    retain_until_age: int | None = Field(default=None, ge=1, le=130)
    minimum_years: int | None = Field(default=None, ge=1)
    notes: str = Field(default="", validate_default=True)

    @field_validator("notes")
    @classmethod
    def _explain_rules_without_periods(cls, notes: str, info: ValidationInfo) -> str:
        periods = ("review_interval_years", "clear_period_years", "retain_until_age", "minimum_years")
        if not notes and all(info.data.get(name) is None for name in periods):
            raise ValueError(
                "a rule with no review, clear period, age or minimum must explain itself in notes"
            )
        return notes

    @property
    def key(self) -> str:
        return self.id

    @property
    def title(self) -> str:
        return self.record_type


class Offence(ReferenceEntry):
    """An offence, with its maximum sentence on indictment (life is written as 99 with ``life: true``)."""

    file_name: ClassVar[str] = "offences.yaml"

    LIFE_YEARS: ClassVar[int] = 99

    code: str = Field(pattern=_SLUG)
    title_text: str = Field(alias="title", min_length=1)
    statute: str = Field(min_length=1)
    section: str = Field(min_length=1)
    max_penalty_years: float = Field(ge=0)
    life: bool = Field(default=False, validate_default=True)
    indictable: ModeOfTrial
    threats: tuple[CriminalityType, ...] = ()
    violence: bool
    notes: str = ""

    _check_threats = field_validator("threats")(_no_repeats)

    @field_validator("life")
    @classmethod
    def _life_is_99(cls, life: bool, info: ValidationInfo) -> bool:
        years = info.data.get("max_penalty_years")
        if life and years != cls.LIFE_YEARS:
            raise ValueError(
                f"a life maximum is written as max_penalty_years: {cls.LIFE_YEARS} with life: true"
            )
        if not life and years == cls.LIFE_YEARS:
            raise ValueError(f"max_penalty_years: {cls.LIFE_YEARS} means life; add life: true")
        return life

    @property
    def key(self) -> str:
        return self.code

    @property
    def title(self) -> str:
        return self.title_text

    @property
    def max_penalty(self) -> str:
        """The maximum sentence in words, e.g. ``life``, ``14 years``, ``fine only``."""
        if self.life:
            return "life"
        if self.max_penalty_years == 0:
            return "fine only"
        years = self.max_penalty_years
        return f"{years:g} year{'s' if years != 1 else ''}"

    def carries_at_least(self, years: float) -> bool:
        """True if the maximum sentence is ``years`` or more (life always is).

        The "serious crime" test uses 3 years; "criminal activities" of an OCG under SCA 2015 s.45
        use 7 years.
        """
        return self.life or self.max_penalty_years >= years


_E = TypeVar("_E", bound=ReferenceEntry)


def _find(entries: Sequence[_E], key: str, what: str) -> _E:
    for entry in entries:
        if entry.key == key:
            return entry
    file_name = entries[0].file_name if entries else "the reference data"
    raise KeyError(f"no {what} {key!r} in {file_name}")


@dataclass(frozen=True)
class ReferenceData:
    """All reference data, validated. Lookups raise ``KeyError`` for an unknown id."""

    threat_areas: tuple[ThreatArea, ...]
    indicators: tuple[Indicator, ...]
    tactics: tuple[Tactic, ...]
    retention_rules: tuple[RetentionRule, ...]
    offences: tuple[Offence, ...]

    def threat_area(self, threat: CriminalityType | str) -> ThreatArea:
        return _find(self.threat_areas, str(threat), "threat area")

    def local_threat_areas(self) -> list[ThreatArea]:
        """Threat areas the partnership has marked as in its local scope."""
        return [area for area in self.threat_areas if area.in_local_scope]

    def indicator(self, indicator_id: str) -> Indicator:
        return _find(self.indicators, indicator_id, "indicator")

    def indicators_for(
        self, threat: CriminalityType | str, *, audience: Audience | None = None, verified_only: bool = False
    ) -> list[Indicator]:
        """Indicators for one threat, optionally only those for one audience or only verified ones.

        >>> [i.id for i in default_reference().indicators_for("CUCKOOING")][:2]
        ['ck-coming-and-going', 'ck-asb-litter-smells']
        """
        threat = CriminalityType(threat)
        return [
            indicator
            for indicator in self.indicators
            if indicator.threat is threat
            and (audience is None or indicator.audience is audience)
            and (indicator.verified or not verified_only)
        ]

    def tactic(self, tactic_id: str) -> Tactic:
        return _find(self.tactics, tactic_id, "tactic")

    def tactics_for(
        self,
        *,
        area: LifestyleArea | None = None,
        four_p: FourP | None = None,
        threat: CriminalityType | None = None,
        agency: AgencyKind | None = None,
    ) -> list[Tactic]:
        """Tactics matching every filter given. A tactic that lists no threats matches any threat."""
        return [
            tactic
            for tactic in self.tactics
            if (area is None or tactic.area is area)
            and (four_p is None or four_p in tactic.four_p)
            and (threat is None or tactic.applies_to(threat))
            and (agency is None or agency in tactic.owner_agencies)
        ]

    def retention_rule(self, rule_id: str) -> RetentionRule:
        return _find(self.retention_rules, rule_id, "retention rule")

    def retention_rules_for(self, group: RetentionGroup) -> list[RetentionRule]:
        return [rule for rule in self.retention_rules if rule.group is group]

    def offence(self, code: str) -> Offence:
        return _find(self.offences, code, "offence")

    def offences_for(self, threat: CriminalityType) -> list[Offence]:
        return [offence for offence in self.offences if threat in offence.threats]

    def offences_with_max_at_least(self, years: float) -> list[Offence]:
        """Offences whose maximum sentence is ``years`` or more, e.g. 3 for the "serious crime" test."""
        return [offence for offence in self.offences if offence.carries_at_least(years)]

    def all_entries(self) -> list[ReferenceEntry]:
        return [*self.threat_areas, *self.indicators, *self.tactics, *self.retention_rules, *self.offences]

    def unverified_entries(self) -> list[ReferenceEntry]:
        """Every entry marked ``verified: false``; screens show these as [U]."""
        return [entry for entry in self.all_entries() if not entry.verified]


# --- loading -------------------------------------------------------------------------------------

_ENUM_NOUNS: dict[str, tuple[str, type[StrEnum]]] = {
    "owner_agencies": ("an agency kind", AgencyKind),
    "threats": ("a criminality type", CriminalityType),
    "threat": ("a criminality type", CriminalityType),
    "id": ("a criminality type", CriminalityType),
    "area": ("a lifestyle area", LifestyleArea),
    "four_p": ("a 4P value", FourP),
    "standard": ("a legal standard", LegalStandard),
    "target_kinds": ("a target kind", TargetKind),
    "category": ("an indicator category", IndicatorCategory),
    "audience": ("an audience", Audience),
    "group": ("a retention group", RetentionGroup),
    "indictable": ("a mode of trial", ModeOfTrial),
    "soc_category": ("a SOC strategy category", SocStrategyCategory),
}


def _describe(error: ErrorDetails, model: type[ReferenceEntry]) -> str:
    """Turn one pydantic error into "field 'x': what is wrong; what to do"."""
    loc = error["loc"]
    field = str(loc[0]) if loc else ""
    kind = error["type"]
    if kind == "enum" and field in _ENUM_NOUNS:
        noun, enum = _ENUM_NOUNS[field]
        reason = f"{error['input']!r} is not {noun}; use one of {', '.join(member.value for member in enum)}"
    elif kind == "missing":
        reason = "is required"
    elif kind == "extra_forbidden":
        known = ", ".join(f.alias or name for name, f in model.model_fields.items())
        reason = f"is not a field of {model.file_name} entries; check the spelling (fields: {known})"
    elif kind == "string_pattern_mismatch":
        reason = f"{error['input']!r} must be lower-case letters, digits and hyphens, e.g. 'closure-order'"
    elif kind == "value_error":
        reason = str(error["msg"]).removeprefix("Value error, ")
    else:
        message = str(error["msg"])
        reason = message[:1].lower() + message[1:]
    return f"field '{field}': {reason}" if field else reason


def _useful(exc: ValidationError) -> list[ErrorDetails]:
    """Drop the "list too short" echo pydantic adds after refusing every item of a list."""
    errors = exc.errors()
    fields_with_item_errors = {err["loc"][0] for err in errors if len(err["loc"]) > 1}
    return [
        err
        for err in errors
        if not (err["type"] == "too_short" and err["loc"] and err["loc"][0] in fields_with_item_errors)
    ]


@dataclass(frozen=True)
class _FileSpec:
    model: type[ReferenceEntry]
    key_field: str


_FILES: dict[str, _FileSpec] = {
    "threat_areas": _FileSpec(ThreatArea, "id"),
    "indicators": _FileSpec(Indicator, "id"),
    "tactics": _FileSpec(Tactic, "id"),
    "retention_rules": _FileSpec(RetentionRule, "id"),
    "offences": _FileSpec(Offence, "code"),
}


def _read_entries(path: Path, problems: list[str]) -> list[Any]:
    name = path.name
    if not path.is_file():
        problems.append(f"{name}: file not found in {path.parent}; copy it from {PACKAGED_DIRECTORY}")
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{name}: not valid YAML ({exc}); fix the indentation or quoting shown")
        return []
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{name}: must be a YAML list of entries, each starting with '- '")
        return []
    return raw


def _validate_file(path: Path, spec: _FileSpec, problems: list[str]) -> list[ReferenceEntry]:
    name = path.name
    entries: list[ReferenceEntry] = []
    first_seen: dict[str, int] = {}
    for position, item in enumerate(_read_entries(path, problems), start=1):
        if not isinstance(item, dict):
            problems.append(f"{name}: entry #{position}: must be a mapping of field: value")
            continue
        raw_key = item.get(spec.key_field)
        label = repr(str(raw_key)) if raw_key not in (None, "") else f"#{position}"
        try:
            entry = spec.model.model_validate(item)
        except ValidationError as exc:
            problems.extend(f"{name}: entry {label}: {_describe(err, spec.model)}" for err in _useful(exc))
            continue
        if entry.key in first_seen:
            problems.append(
                f"{name}: entry {label}: field '{spec.key_field}': duplicate id, "
                f"already used by entry #{first_seen[entry.key]}; give each entry its own id"
            )
            continue
        first_seen[entry.key] = position
        entries.append(entry)
    return entries


def load_reference(directory: Path | None = None) -> ReferenceData:
    """Load and validate the five reference files from ``directory`` (default: the packaged copy).

    Raises :class:`ReferenceDataError` listing every problem found, one per line, each naming the
    file, the entry and the field.
    """
    directory = Path(directory) if directory is not None else PACKAGED_DIRECTORY
    problems: list[str] = []
    loaded = {
        attribute: _validate_file(directory / spec.model.file_name, spec, problems)
        for attribute, spec in _FILES.items()
    }
    covered = {entry.key for entry in loaded["threat_areas"]}
    for threat in CriminalityType:
        if threat.value not in covered and (directory / ThreatArea.file_name).is_file():
            problems.append(
                f"{ThreatArea.file_name}: entry '{threat.value}': field 'id': missing; "
                "every criminality type needs a threat area entry"
            )
    if problems:
        raise ReferenceDataError("\n".join(problems))
    return ReferenceData(
        threat_areas=tuple(e for e in loaded["threat_areas"] if isinstance(e, ThreatArea)),
        indicators=tuple(e for e in loaded["indicators"] if isinstance(e, Indicator)),
        tactics=tuple(e for e in loaded["tactics"] if isinstance(e, Tactic)),
        retention_rules=tuple(e for e in loaded["retention_rules"] if isinstance(e, RetentionRule)),
        offences=tuple(e for e in loaded["offences"] if isinstance(e, Offence)),
    )


@cache
def default_reference() -> ReferenceData:
    """The packaged reference data, loaded once per process."""
    return load_reference()


def main(argv: Sequence[str] | None = None) -> int:
    """Validate a reference data directory and print a summary; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m crimelink.domain.reference",
        description="Validate Crimelink reference data files (threat areas, indicators, tactics, ...).",
    )
    parser.add_argument("directory", nargs="?", type=Path, help="directory holding the five YAML files")
    args = parser.parse_args(argv)
    try:
        data = load_reference(args.directory)
    except ReferenceDataError as exc:
        print(f"Reference data is not valid:\n{exc}", file=sys.stderr)
        return 1
    for attribute, spec in _FILES.items():
        entries: tuple[ReferenceEntry, ...] = getattr(data, attribute)
        unverified = sum(1 for entry in entries if not entry.verified)
        print(f"{spec.model.file_name}: {len(entries)} entries, {unverified} unverified [U]")
    print("OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
