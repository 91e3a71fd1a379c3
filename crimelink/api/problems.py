"""Turning pydantic validation errors into one plain message per field, for pages and the API alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FRIENDLY = {
    "missing": "this is required",
    "string_too_short": "this cannot be blank",
    "too_short": "choose at least one",
    "enum": "choose one of the options offered",
    "literal_error": "choose one of the options offered",
    "date_from_datetime_parsing": "enter a date like 2026-04-01",
    "date_parsing": "enter a date like 2026-04-01",
    "date_type": "enter a date like 2026-04-01",
    "int_parsing": "enter a whole number",
    "bool_parsing": "enter true or false",
    "json_invalid": "the request body is not valid JSON",
    "model_attributes_type": "send a JSON object",
    "dict_type": "send a JSON object",
}


def field_problems(errors: Iterable[Any]) -> dict[str, str]:
    """{field: problem} from pydantic's error list; the ``body`` / ``query`` prefix is dropped."""
    problems: dict[str, str] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(location) or "body"
        kind = error.get("type", "")
        message = _FRIENDLY.get(kind) or str(error.get("msg", "not valid"))
        if kind == "enum" and "expected" in error.get("ctx", {}):
            message = f"choose one of {error['ctx']['expected']}"
        problems.setdefault(field, message)
    return problems


def problems_sentence(problems: dict[str, str]) -> str:
    return "; ".join(f"{field}: {message}" for field, message in problems.items())
