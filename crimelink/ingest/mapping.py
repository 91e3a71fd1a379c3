"""Dataset column mappings (YAML), validated at load. The format is described in ``docs/mapping.md``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crimelink.domain import DataCategory, DatasetKind, HandlingCode, HandlingCondition, parse_classification
from crimelink.errors import CrimelinkError, MappingError

#: Canonical fields: each has a normaliser and feeds linkage (see docs/mapping.md).
CANONICAL_FIELDS = frozenset(
    {
        "full_name",
        "given_name",
        "family_name",
        "alias",
        "dob",
        "nino",
        "address",
        "postcode",
        "uprn",
        "phone",
        "email",
        "vrm",
        "vin",
        "business_name",
        "company_number",
        "account",
        "handle",
    }
)
#: Types of plain attributes (``{to: party.attr, type: ...}``).
ATTRIBUTE_TYPES = frozenset({"text", "code", "integer", "decimal", "date", "datetime", "boolean"})
#: Fields of the reserved party ``record``.
RECORD_FIELDS = frozenset(
    {
        "handling_code",
        "handling_conditions",
        "classification",
        "caveats",
        "received",
        "review_due",
        "grading",
        "source_evaluation",
        "intelligence_assessment",
        "legacy_grading",
        "text",
        "text_raw",
        "threats",
        "event_date",
    }
)
_PARTY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class ColumnMapping(BaseModel):
    """Where one column of the partner file goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: str
    type: str | None = None
    multiple: bool = False
    separator: str = ";"

    @property
    def party(self) -> str:
        return self.to.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.to.split(".", 1)[1]

    @model_validator(mode="after")
    def _check_target(self) -> ColumnMapping:
        party, dot, name = self.to.partition(".")
        if not dot or not _PARTY.match(party) or not name:
            raise ValueError(f"'to' must look like party.field (e.g. subject.dob), got {self.to!r}")
        if party == "record":
            if name not in RECORD_FIELDS:
                raise ValueError(f"record.{name} is not a record field; use one of {sorted(RECORD_FIELDS)}")
            if self.type is not None:
                raise ValueError("record fields take no 'type'")
        elif self.type is None:
            if name not in CANONICAL_FIELDS:
                raise ValueError(
                    f"{name!r} is not a canonical field ({', '.join(sorted(CANONICAL_FIELDS))}); "
                    f"for another attribute give a type, e.g. {{to: {self.to}, type: text}}"
                )
        elif self.type not in ATTRIBUTE_TYPES:
            raise ValueError(f"type {self.type!r} is not one of {sorted(ATTRIBUTE_TYPES)}")
        elif name in CANONICAL_FIELDS:
            raise ValueError(f"{name!r} is a canonical field: drop the 'type' so its normaliser is used")
        return self


class MappingDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    handling_code: HandlingCode = HandlingCode.PERMITTED
    handling_conditions: tuple[str, ...] = ()
    classification: str = "OFFICIAL"
    caveats: tuple[str, ...] = ()
    review_after_days: int = Field(default=365, ge=1, le=36500)

    @field_validator("classification")
    @classmethod
    def _classification(cls, value: str) -> str:
        return parse_classification(value).value

    @field_validator("handling_conditions")
    @classmethod
    def _conditions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            HandlingCondition.parse(text)
        return value

    @model_validator(mode="after")
    def _c_needs_conditions(self) -> MappingDefaults:
        if self.handling_code is HandlingCode.CONDITIONS and not self.handling_conditions:
            raise ValueError("handling_code C needs at least one handling condition in handling_conditions")
        if self.handling_code is HandlingCode.PERMITTED and self.handling_conditions:
            raise ValueError("handling_conditions are only allowed with handling_code C")
        return self


class DatasetMapping(BaseModel):
    """A validated mapping. Build it with :func:`load_mapping` or :meth:`from_dict`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    title: str
    agency: str
    kind: DatasetKind = DatasetKind.REGISTER
    #: What sharing agreements are made about; default INTELLIGENCE for intelligence datasets, else OTHER.
    category: DataCategory | None = None
    description: str = ""
    format: Literal["csv", "xlsx", "jsonl", "ftm"] | None = None
    sheet: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    date_order: Literal["DMY", "MDY"] = "DMY"
    record_id: str
    #: The publisher resolved its own entities (an OpenSanctions dataset, a Crimelink export): records
    #: naming one party each are distinct things, so linkage joins them to others but not to each other.
    deduplicated: bool = False
    defaults: MappingDefaults = MappingDefaults()
    columns: dict[str, ColumnMapping]

    @field_validator("dataset")
    @classmethod
    def _dataset_code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(f"dataset code {value!r} must be lower-case letters, digits and hyphens")
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): ({"to": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _intelligence_needs_grading(self) -> DatasetMapping:
        targets = {c.to for c in self.columns.values()}
        if not self.columns:
            raise ValueError("columns: map at least one column")
        if self.kind is DatasetKind.INTELLIGENCE:
            graded = {"record.grading", "record.legacy_grading"} & targets or {
                "record.source_evaluation",
                "record.intelligence_assessment",
            } <= targets
            if not graded:
                raise ValueError(
                    "an INTELLIGENCE dataset must map record.grading, record.legacy_grading, or both "
                    "record.source_evaluation and record.intelligence_assessment"
                )
            if "record.text" not in targets:
                raise ValueError("an INTELLIGENCE dataset must map record.text (the sanitised narrative)")
        return self

    @property
    def data_category(self) -> DataCategory:
        if self.category is not None:
            return self.category
        return DataCategory.INTELLIGENCE if self.kind is DatasetKind.INTELLIGENCE else DataCategory.OTHER

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()

    def file_format(self, path: Path) -> Literal["csv", "xlsx", "jsonl", "ftm"]:
        if self.format:
            return self.format
        suffix = path.suffix.lower()
        if suffix in {".csv", ".txt", ".tsv"}:
            return "csv"
        if suffix in {".xlsx", ".xlsm"}:
            return "xlsx"
        if suffix in {".jsonl", ".ndjson", ".json"}:
            return "jsonl"
        raise MappingError(f"{path}: cannot tell the format from {suffix!r}; set 'format' in the mapping")

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "mapping") -> DatasetMapping:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise MappingError(f"{source}: {problems}") from None
        except CrimelinkError as exc:
            raise MappingError(f"{source}: {exc}") from None


def load_mapping(path: Path) -> DatasetMapping:
    """Read and validate a mapping YAML file; errors name the file and the offending key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise MappingError(
            f"{path}: a mapping must be a YAML object with dataset, agency, record_id, columns"
        )
    return DatasetMapping.from_dict(data, source=str(path))
