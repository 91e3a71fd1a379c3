"""Reading posted forms into the API's schemas, so pages and the API validate the same way."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from crimelink.api.problems import field_problems

Model = TypeVar("Model", bound=BaseModel)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    """A field that may be left blank: blank means "not given"."""
    return text(form, name) or None


def many(form: FormData, name: str) -> list[str]:
    """Every value of a multi-select or a group of checkboxes."""
    return [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def parse(model: type[Model], data: dict[str, Any]) -> tuple[Model | None, dict[str, str]]:
    """``(instance, {})`` when ``data`` is valid, else ``(None, {field: problem})``."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_problems(exc.errors())
