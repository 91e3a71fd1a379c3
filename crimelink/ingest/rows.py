"""Turn one raw partner row into a record ready to store, or into the reasons it cannot be stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crimelink.domain import (
    Classification,
    CriminalityType,
    DatasetKind,
    Grading,
    HandlingCode,
    HandlingCondition,
    LegacyGrading,
    parse_classification,
)
from crimelink.errors import CrimelinkError, NormalisationError
from crimelink.ingest.mapping import ColumnMapping, DatasetMapping
from crimelink.ingest.normalise import NormaliseContext, is_blank, normalise_attribute, normalise_field
from crimelink.ingest.readers import Row, json_safe

#: Fields that may hold several values in one party; repeated values become a list.
MULTI_VALUED = frozenset({"phone", "email", "vrm", "vin", "alias", "account", "handle", "uprn", "address"})


@dataclass(frozen=True)
class RowError:
    """Why a row cannot be stored: the column (as in the file), the field and a reason a person can act on."""

    column: str
    field: str
    reason: str


@dataclass
class IntelligencePart:
    """The graded-intelligence part of a row of an INTELLIGENCE dataset."""

    urn: str
    grading: Grading | None
    legacy: LegacyGrading | None
    text_sanitised: str
    text_raw: str | None


@dataclass
class ProcessedRow:
    row_number: int
    source_key: str
    original: dict[str, Any]
    normalised: dict[str, dict[str, Any]]
    handling_code: HandlingCode
    handling_conditions: list[HandlingCondition]
    classification: Classification
    caveats: list[str]
    threats: list[str]
    received_at: datetime
    review_due: date
    event_date: date | None
    intelligence: IntelligencePart | None
    content_hash: str = field(default="")


class RowProcessor:
    """Applies one dataset mapping to rows. Stateless between rows, so safe to reuse."""

    def __init__(self, mapping: DatasetMapping, *, phone_region: str, received_at: datetime) -> None:
        self.mapping = mapping
        self.context = NormaliseContext(date_order=mapping.date_order, phone_region=phone_region)
        self.received_at = received_at
        # Resolved once: the per-row loop is the import's hot path.
        self._party_columns = [
            (column, target.party, target.field, target.type, target if target.multiple else None)
            for column, target in mapping.columns.items()
            if target.party != "record"
        ]
        self._record_columns = {m.field: c for c, m in mapping.columns.items() if m.party == "record"}
        self._default_conditions = [HandlingCondition.parse(t) for t in mapping.defaults.handling_conditions]

    def process(self, row_number: int, row: Row) -> ProcessedRow | list[RowError]:
        if "__bad_line__" in row:
            # A reader that can tell which column is at fault names it (FollowTheMoney: the property).
            column = str(row.get("__bad_column__", "(line)"))
            return [RowError(column, "line" if column == "(line)" else column, str(row["__bad_line__"]))]
        if any(type(v) is str and "\x00" in v for v in row.values()):
            # NUL characters are invisible, mean nothing in a register, and PostgreSQL refuses them.
            row = {k: v.replace("\x00", "") if type(v) is str else v for k, v in row.items()}
        errors: list[RowError] = []
        key_value = row.get(self.mapping.record_id)
        if is_blank(key_value):
            errors.append(RowError(self.mapping.record_id, "record_id", "the record id is empty"))
            source_key = ""
        else:
            source_key = _key_text(key_value)
        normalised = self._parties(row, errors)
        record = self._record_fields(row, errors)
        if errors:
            return errors
        original = {str(k): v if type(v) is str else json_safe(v) for k, v in row.items()}
        processed = ProcessedRow(
            row_number=row_number,
            source_key=source_key,
            original=original,
            normalised=normalised,
            intelligence=None,
            **record,
        )
        if self.mapping.kind is DatasetKind.INTELLIGENCE:
            intelligence = self._intelligence(row, processed, errors)
            if errors:
                return errors
            processed.intelligence = intelligence
        processed.content_hash = content_hash(processed)
        return processed

    def _parties(self, row: Row, errors: list[RowError]) -> dict[str, dict[str, Any]]:
        parties: dict[str, dict[str, Any]] = {}
        context = self.context
        for column, party_name, field_name, type_name, multiple in self._party_columns:
            value = row.get(column)
            if is_blank(value):
                continue
            values = _split(value, multiple) if multiple is not None else (value,)
            party = parties.setdefault(party_name, {})
            for item in values:
                try:
                    if type_name is None:
                        result: dict[str, Any] = normalise_field(field_name, item, context)
                    else:
                        result = {field_name: normalise_attribute(type_name, item, context)}
                except NormalisationError as exc:
                    errors.append(RowError(column, field_name, f"{exc.reason} (value {_show(item)})"))
                    continue
                _merge(party, result)
        return {name: fields for name, fields in parties.items() if fields}

    def _text(self, row: Row, name: str) -> str | None:
        column = self._record_columns.get(name)
        if column is None:
            return None
        value = row.get(column)
        return None if is_blank(value) else " ".join(str(value).split())

    def _record_fields(self, row: Row, errors: list[RowError]) -> dict[str, Any]:
        defaults = self.mapping.defaults
        columns = self._record_columns

        def attempt(name: str, parse: Any, fallback: Any) -> Any:
            if name not in columns:
                return fallback
            text = self._text(row, name)
            if text is None:
                return fallback
            try:
                return parse(text)
            except (CrimelinkError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, NormalisationError) else str(exc)
                errors.append(RowError(columns[name], name, f"{reason} (value {_show(text)})"))
                return fallback

        handling = attempt("handling_code", _handling_code, defaults.handling_code)
        conditions = attempt("handling_conditions", _conditions, self._default_conditions)
        grading_text = self._text(row, "grading")
        if grading_text:
            grade = attempt("grading", lambda t: Grading.parse(t, conditions=conditions), None)
            if grade is not None:
                if self._text(row, "handling_code") and grade.handling is not handling:
                    errors.append(
                        RowError(
                            columns["handling_code"],
                            "handling_code",
                            f"handling code {handling.value} disagrees with the grading {grade.display}",
                        )
                    )
                handling = grade.handling
        classification = attempt(
            "classification", lambda t: parse_classification(t, default=Classification.OFFICIAL), None
        ) or Classification(defaults.classification)
        extra_caveats = attempt("caveats", lambda t: [c.strip() for c in t.split(";") if c.strip()], [])
        caveats = sorted(set(defaults.caveats) | set(extra_caveats))
        if handling is HandlingCode.CONDITIONS and not conditions:
            errors.append(
                RowError(
                    columns.get("handling_conditions", columns.get("handling_code", "(defaults)")),
                    "handling_conditions",
                    "handling code C needs at least one handling condition",
                )
            )
        if handling is HandlingCode.PERMITTED and conditions:
            # Conditions only bind with C; a P item carrying conditions is a contradiction to resolve at source.
            errors.append(
                RowError(
                    columns.get("handling_code", columns.get("grading", "(defaults)")),
                    "handling_code",
                    "handling conditions are given but the handling code is P; use C or drop the conditions",
                )
            )
        received = attempt("received", self._date_time, self.received_at)
        review_due = attempt("review_due", self._date, None) or (
            received.date() + timedelta(days=defaults.review_after_days)
        )
        return {
            "handling_code": handling,
            "handling_conditions": conditions,
            "classification": classification,
            "caveats": caveats,
            "threats": attempt("threats", _threats, []),
            "received_at": received,
            "review_due": review_due,
            "event_date": attempt("event_date", self._date, None),
        }

    def _intelligence(
        self, row: Row, processed: ProcessedRow, errors: list[RowError]
    ) -> IntelligencePart | None:
        columns = self._record_columns
        grading: Grading | None = None
        legacy: LegacyGrading | None = None
        try:
            grading_text = self._text(row, "grading")
            source = self._text(row, "source_evaluation")
            assessment = self._text(row, "intelligence_assessment")
            if grading_text:
                grading = Grading.parse(grading_text, conditions=processed.handling_conditions)
            elif source or assessment:
                grading = Grading.of(
                    source or "", assessment or "", processed.handling_code, processed.handling_conditions
                )
        except CrimelinkError as exc:
            # Name the column that is wrong: the combined grade, or one of the two separate codes.
            message = str(exc)
            column = columns.get("grading") or columns.get("source_evaluation") or "(grading)"
            if "intelligence assessment" in message and "intelligence_assessment" in columns:
                column = columns["intelligence_assessment"]
            errors.append(RowError(column, "grading", message))
            return None
        legacy_text = self._text(row, "legacy_grading")
        if legacy_text:
            try:
                legacy = LegacyGrading.parse(legacy_text)
            except CrimelinkError as exc:
                errors.append(RowError(columns["legacy_grading"], "legacy_grading", str(exc)))
                return None
        if grading is None and legacy is None:
            column = columns.get("grading") or columns.get("legacy_grading") or "(grading)"
            errors.append(
                RowError(column, "grading", "an intelligence report needs a 3x5x2 or 5x5x5 grading")
            )
            return None
        text = self._text(row, "text")
        if not text:
            errors.append(
                RowError(columns["text"], "text", "an intelligence report needs its sanitised text")
            )
            return None
        return IntelligencePart(
            urn=processed.source_key,
            grading=grading,
            legacy=legacy,
            text_sanitised=text,
            text_raw=self._text(row, "text_raw"),
        )

    def _date(self, text: str) -> date:
        return date.fromisoformat(str(normalise_attribute("date", text, self.context)))

    def _date_time(self, text: str) -> datetime:
        value = str(normalise_attribute("datetime", text, self.context))
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.received_at.tzinfo)


def content_hash(row: ProcessedRow) -> str:
    """What makes two deliveries of a row the same: the original cells and their handling."""
    payload = {
        "o": row.original,
        "h": row.handling_code.value,
        "hc": [c.to_json() for c in row.handling_conditions],
        "c": row.classification.value,
        "cv": row.caveats,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _handling_code(text: str) -> HandlingCode:
    try:
        return HandlingCode(text.strip().upper())
    except ValueError:
        raise ValueError("handling code must be P or C") from None


def _conditions(text: str) -> list[HandlingCondition]:
    return [HandlingCondition.parse(part) for part in text.split(";") if part.strip()]


def _threats(text: str) -> list[str]:
    threats = []
    for part in text.replace(",", ";").split(";"):
        code = part.strip().upper().replace(" ", "_").replace("-", "_")
        if not code:
            continue
        try:
            threats.append(CriminalityType(code).value)
        except ValueError:
            raise ValueError(f"{part.strip()!r} is not a criminality type") from None
    return sorted(set(threats))


def _split(value: Any, target: ColumnMapping) -> list[Any]:
    if isinstance(value, str):
        return [part for part in value.split(target.separator) if not is_blank(part)]
    if isinstance(value, list):
        return [v for v in value if not is_blank(v)]
    return [value]


def _merge(party: dict[str, Any], result: dict[str, Any]) -> None:
    if party.keys().isdisjoint(result):
        party.update(result)
        return
    for key, value in result.items():
        if key not in party:
            party[key] = value
        elif key in MULTI_VALUED and party[key] != value:
            existing = party[key] if isinstance(party[key], list) else [party[key]]
            if value not in existing:
                party[key] = [*existing, value]


def _key_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")
