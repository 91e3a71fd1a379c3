"""The rules that recommend tactics, as editable data (``crimelink/domain/data/tactic_rules.yaml``).

The file says how signs are read from records (``signs``), what kind of business a name points to
(``business_kinds``), which parties of a record are bystanders (``bystander_parties``), and which signs
and threats point to which tactics (``rules``). It is validated when it is loaded, against itself and
against the menu of tactics; any problem stops the load with a :class:`~crimelink.errors.ReferenceDataError`
naming the file, the entry and the field, e.g.
``tactic_rules.yaml: rules entry 'hmo-standards': field 'tactics': 'hmo-licence' is not a tactic in
tactics.yaml``.

No sign may read a field about who a person is (nationality, ethnicity, religion and the like): the
loader refuses such a field, and :func:`crimelink.planning.recommend.signs_of_records` never reads one.

>>> rules = default_rules()
>>> rules.rule("hmo-standards").tactics
('hmo-licensing-housing-standards',)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crimelink.domain.codes import CriminalityType, DataCategory, EntityKind
from crimelink.domain.reference import PACKAGED_DIRECTORY, ReferenceData, default_reference
from crimelink.errors import ReferenceDataError

__all__ = [
    "BUILT_IN_SIGNS",
    "RULES_FILE_NAME",
    "BusinessKind",
    "Rule",
    "RuleCondition",
    "SignDefinition",
    "TacticRules",
    "default_rules",
    "is_protected_field",
    "load_rules",
]

RULES_FILE_NAME = "tactic_rules.yaml"
_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"

#: Signs every target has without reading a record's fields: from the network's own facts (a child, an
#: adult at risk), from what kind of thing an entity is, and ``group`` (three or more people).
BUILT_IN_SIGNS: dict[str, str] = {
    "child": "child",
    "vulnerable-adult": "adult at risk",
    "vehicle": "vehicle",
    "premises": "premises",
    "business": "business",
    "phone": "phone",
    "bank-account": "bank account",
    "group": "three or more people",
}

# Fields about who someone is. Reading them would be profiling by protected characteristics.
_PROTECTED = re.compile(
    r"(nationalit|ethnic|race|racial|religio|faith|belief|caste|country_?of_?(birth|origin)|national_?origin"
    r"|place_?of_?birth|birth_?place|first_?language|mother_?tongue|skin|citizenship)",
    re.IGNORECASE,
)


def is_protected_field(name: str) -> bool:
    """True for a field about who someone is, which no sign may read.

    >>> is_protected_field("nationality"), is_protected_field("licence_type")
    (True, False)
    """
    return bool(_PROTECTED.search(name))


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class BusinessKind(_Entry):
    """What a business is, from whole words of its name or licensable activities (any case)."""

    id: str = Field(pattern=_SLUG)
    label: str = Field(min_length=1)
    words: tuple[str, ...] = Field(min_length=1)

    @field_validator("words")
    @classmethod
    def _plain_words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        for word in words:
            if not word.strip():
                raise ValueError("a word may not be empty")
            if _PROTECTED.search(word.replace(" ", "_")):
                raise ValueError(f"{word!r} is about who someone is; describe what the business does")
        return tuple(word.strip().lower() for word in words)

    def pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(word) for word in sorted(self.words, key=len, reverse=True))
        return re.compile(rf"(?<![a-z0-9])({alternatives})(?![a-z0-9])", re.IGNORECASE)


class SignDefinition(_Entry):
    """How one sign is read from a record (see the file's header)."""

    id: str = Field(pattern=_SLUG)
    label: str = Field(min_length=1)
    entity_kinds: tuple[EntityKind, ...] = Field(min_length=1)
    categories: tuple[DataCategory, ...] = ()
    parties: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    record_threats: tuple[CriminalityType, ...] = ()
    look_in: Literal["own", "record"] = "record"
    detail_field: str = ""

    @field_validator("fields", "detail_field")
    @classmethod
    def _not_protected(cls, value: Any) -> Any:
        names = value if isinstance(value, tuple) else (value,)
        for name in names:
            if name and is_protected_field(name):
                raise ValueError(
                    f"{name!r} is about who someone is (nationality, ethnicity, religion ...); signs read "
                    "what people and businesses do, never who they are"
                )
        return value

    @field_validator("values")
    @classmethod
    def _values_not_protected(cls, values: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, wanted in values.items():
            if is_protected_field(name):
                raise ValueError(
                    f"{name!r} is about who someone is (nationality, ethnicity, religion ...); signs read "
                    "what people and businesses do, never who they are"
                )
            if not wanted:
                raise ValueError(f"give at least one value for {name!r}")
        return {name: tuple(str(v).strip().upper() for v in wanted) for name, wanted in values.items()}

    @model_validator(mode="after")
    def _reads_something(self) -> SignDefinition:
        if not (self.categories or self.fields or self.values or self.record_threats or self.parties):
            raise ValueError(
                "a sign needs at least one of categories, parties, fields, values or record_threats; "
                "otherwise every record would give it"
            )
        return self


class RuleCondition(_Entry):
    """When a rule counts: a sign or some threats, optionally only with some threats as well."""

    sign: str = ""
    threats: tuple[CriminalityType, ...] = ()
    with_threats: tuple[CriminalityType, ...] = ()

    @model_validator(mode="after")
    def _sign_or_threats(self) -> RuleCondition:
        if not self.sign and not self.threats:
            raise ValueError("'when' needs a sign or threats")
        return self


class Rule(_Entry):
    """A sign or threat and the tactics it points to, with how strongly and why."""

    id: str = Field(pattern=_SLUG)
    when: RuleCondition
    tactics: tuple[str, ...] = Field(min_length=1)
    weight: float = Field(ge=1, le=10)
    why: str = Field(min_length=1)


class _RulesFile(_Entry):
    bystander_parties: tuple[str, ...] = ()
    business_kinds: tuple[BusinessKind, ...] = ()
    signs: tuple[SignDefinition, ...] = ()
    rules: tuple[Rule, ...] = Field(min_length=1)


class TacticRules:
    """The validated rules file, with lookups by id."""

    def __init__(self, loaded: _RulesFile, *, source: str) -> None:
        self.source = source
        self.bystander_parties = frozenset(party.lower() for party in loaded.bystander_parties)
        self.business_kinds = loaded.business_kinds
        self.signs = loaded.signs
        self.rules = loaded.rules
        self._patterns = {kind.id: kind.pattern() for kind in loaded.business_kinds}

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no rule {rule_id!r} in {RULES_FILE_NAME}")

    def sign_label(self, sign_id: str) -> str:
        """The words for a sign id (a record sign, a business kind or a built-in sign)."""
        for sign in self.signs:
            if sign.id == sign_id:
                return sign.label
        for kind in self.business_kinds:
            if kind.id == sign_id:
                return kind.label
        return BUILT_IN_SIGNS.get(sign_id, sign_id.replace("-", " "))

    def business_kinds_in(self, text: str) -> list[tuple[BusinessKind, str]]:
        """The business kinds whose words appear in ``text``, each with the word found."""
        found = []
        for kind in self.business_kinds:
            match = self._patterns[kind.id].search(text)
            if match:
                found.append((kind, match.group(0)))
        return found

    def sign_ids(self) -> set[str]:
        return {*(s.id for s in self.signs), *(k.id for k in self.business_kinds), *BUILT_IN_SIGNS}


def _location(loc: tuple[int | str, ...], raw: Mapping[str, Any]) -> tuple[str, str]:
    """("section entry 'id'", "field") for a pydantic error location in the file."""
    if not loc:
        return "", ""
    section = str(loc[0])
    if len(loc) >= 2 and isinstance(loc[1], int):
        items = raw.get(section)
        label = f"#{loc[1] + 1}"
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            key = items[loc[1]].get("id")
            if key:
                label = repr(str(key))
        field = ".".join(str(part) for part in loc[2:] if not isinstance(part, int)) or "(entry)"
        return f"{section} entry {label}", field
    return section, ".".join(str(part) for part in loc[1:]) or section


def _describe(error: Any) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field; check the spelling against the file's header"
    if kind == "enum":
        return f"{error['input']!r} is not one of {error['ctx'].get('expected', 'the allowed values')}"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} must be lower-case letters, digits and hyphens"
    return message.removeprefix("Value error, ")


def _cross_check(loaded: _RulesFile, reference: ReferenceData, file_name: str) -> list[str]:
    problems: list[str] = []
    tactic_ids = {tactic.id for tactic in reference.tactics}
    seen: set[str] = set(BUILT_IN_SIGNS)
    for section, entries in (("business_kinds", loaded.business_kinds), ("signs", loaded.signs)):
        for entry in entries:
            if entry.id in seen:
                problems.append(
                    f"{file_name}: {section} entry {entry.id!r}: field 'id': already used by another sign "
                    "(or a built-in sign); give each sign its own id"
                )
            seen.add(entry.id)
    rule_ids: set[str] = set()
    for rule in loaded.rules:
        where = f"{file_name}: rules entry {rule.id!r}"
        if rule.id in rule_ids:
            problems.append(f"{where}: field 'id': duplicate id; give each rule its own id")
        rule_ids.add(rule.id)
        if rule.when.sign and rule.when.sign not in seen:
            problems.append(
                f"{where}: field 'when.sign': {rule.when.sign!r} is not a sign; use one defined under signs or "
                f"business_kinds, or a built-in sign ({', '.join(BUILT_IN_SIGNS)})"
            )
        for tactic_id in rule.tactics:
            if tactic_id not in tactic_ids:
                problems.append(
                    f"{where}: field 'tactics': {tactic_id!r} is not a tactic in tactics.yaml; "
                    "use the id of a tactic on the menu"
                )
    return problems


def load_rules(path: Path | None = None, *, reference: ReferenceData | None = None) -> TacticRules:
    """Load and validate the rules file (default: the packaged one), checking tactic ids against the menu.

    Raises :class:`ReferenceDataError` listing every problem, one per line, each naming the file, the
    entry and the field.
    """
    path = Path(path) if path is not None else PACKAGED_DIRECTORY / RULES_FILE_NAME
    name = path.name
    if not path.is_file():
        raise ReferenceDataError(
            f"{name}: file not found in {path.parent}; copy it from {PACKAGED_DIRECTORY}"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(
            f"{name}: not valid YAML ({exc}); fix the indentation or quoting shown"
        ) from None
    if not isinstance(raw, dict):
        raise ReferenceDataError(
            f"{name}: must be a mapping with the sections bystander_parties, business_kinds, signs and rules"
        )
    try:
        loaded = _RulesFile.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where, field = _location(error["loc"], raw)
            lines.append(f"{name}: {where}: field '{field}': {_describe(error)}")
        raise ReferenceDataError("\n".join(lines)) from None
    problems = _cross_check(loaded, reference or default_reference(), name)
    if problems:
        raise ReferenceDataError("\n".join(problems))
    return TacticRules(loaded, source=str(path))


@cache
def default_rules() -> TacticRules:
    """The packaged rules, loaded once per process."""
    return load_rules()
