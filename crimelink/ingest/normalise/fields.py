"""The entry points the importer calls: a canonical field or a typed attribute, by name."""

from __future__ import annotations

import re
from collections.abc import Callable

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.address import normalise_address
from crimelink.ingest.normalise.common import NormaliseContext, cell_text, is_blank
from crimelink.ingest.normalise.dates import normalise_date, normalise_datetime, normalise_dob
from crimelink.ingest.normalise.identifiers import (
    normalise_account,
    normalise_company_number,
    normalise_email,
    normalise_handle,
    normalise_nino,
    normalise_postcode,
    normalise_uprn,
    normalise_vin,
    normalise_vrm,
)
from crimelink.ingest.normalise.names import (
    normalise_alias,
    normalise_business_name,
    normalise_name_part,
    normalise_person_name,
)
from crimelink.ingest.normalise.phone import normalise_phone

_FieldNormaliser = Callable[[object, NormaliseContext], dict[str, str]]

_FIELD_NORMALISERS: dict[str, _FieldNormaliser] = {
    "full_name": lambda value, _: normalise_person_name(value).as_fields(),
    "given_name": lambda value, _: {"given_name": normalise_name_part(value)},
    "family_name": lambda value, _: {"family_name": normalise_name_part(value)},
    "alias": lambda value, _: {"alias": normalise_alias(value)},
    "dob": lambda value, context: {"dob": normalise_dob(value, context)},
    "nino": lambda value, _: {"nino": normalise_nino(value)},
    "address": lambda value, _: {"address": normalise_address(value)},
    "postcode": lambda value, _: {"postcode": normalise_postcode(value)},
    "uprn": lambda value, _: {"uprn": normalise_uprn(value)},
    "phone": lambda value, context: {"phone": normalise_phone(value, context.phone_region)},
    "email": lambda value, _: {"email": normalise_email(value)},
    "vrm": lambda value, _: {"vrm": normalise_vrm(value)},
    "vin": lambda value, _: {"vin": normalise_vin(value)},
    "business_name": lambda value, _: {"business_name": normalise_business_name(value)},
    "company_number": lambda value, _: {"company_number": normalise_company_number(value)},
    "account": lambda value, _: {"account": normalise_account(value)},
    "handle": lambda value, _: {"handle": normalise_handle(value)},
}

#: The fields a mapping may name (``party.field``); each has a normaliser and feeds linkage.
CANONICAL_FIELDS: frozenset[str] = frozenset(_FIELD_NORMALISERS)


def normalise_field(field: str, value: object, context: NormaliseContext) -> dict[str, str]:
    """The normalised keys a cell contributes to its party; empty for a blank cell.

    >>> normalise_field("dob", "03/04/1990", NormaliseContext())
    {'dob': '1990-04-03'}
    >>> normalise_field("full_name", "SMITH, John", NormaliseContext())
    {'full_name': 'JOHN SMITH', 'given_name': 'JOHN', 'family_name': 'SMITH'}

    Raises :class:`NormalisationError` carrying ``field`` and a reason a person can act on.
    """
    normaliser = _FIELD_NORMALISERS.get(field)
    if normaliser is None:
        raise NormalisationError(
            field, f"unknown canonical field '{field}'; use one of {', '.join(sorted(CANONICAL_FIELDS))}"
        )
    if is_blank(value):
        return {}
    try:
        return normaliser(value, context)
    except NormalisationError as error:
        # Shared normalisers (name parts) name their own field; the caller asked about this one.
        if error.field == field:
            raise
        raise NormalisationError(field, error.reason) from None


_TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1"})
_FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})
_THOUSANDS_SEPARATED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_CURRENCY_SIGNS = "£$€"


def _text(value: object, _: NormaliseContext) -> str:
    return " ".join(cell_text(value).split())


def _code(value: object, _: NormaliseContext) -> str:
    return "_".join(cell_text(value).upper().split())


def _integer(value: object, _: NormaliseContext) -> int:
    if isinstance(value, bool):
        raise NormalisationError("integer", f"{value} is a yes/no value, not a whole number")
    if isinstance(value, int):
        return value
    text = cell_text(value)
    number = _number_text(text)
    try:
        return int(number)
    except ValueError:
        pass
    try:
        as_float = float(number)
    except ValueError:
        raise NormalisationError("integer", f"'{text}' is not a whole number") from None
    if not as_float.is_integer():
        raise NormalisationError("integer", f"'{text}' is not a whole number")
    return int(as_float)


def _decimal(value: object, _: NormaliseContext) -> float:
    if isinstance(value, bool):
        raise NormalisationError("decimal", f"{value} is a yes/no value, not a number")
    if isinstance(value, int | float):
        number = float(value)
        text = str(value)
    else:
        text = cell_text(value)
        try:
            number = float(_number_text(text))
        except ValueError:
            raise NormalisationError("decimal", f"'{text}' is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise NormalisationError("decimal", f"'{text}' is not a finite number")
    return number


def _number_text(text: str) -> str:
    # Spreadsheets export money as "£1,234.50"; the sign and thousands separators carry no value.
    number = text.strip().lstrip(_CURRENCY_SIGNS).strip()
    if _THOUSANDS_SEPARATED.fullmatch(number):
        number = number.replace(",", "")
    return number


def _boolean(value: object, _: NormaliseContext) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    word = text.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise NormalisationError("boolean", f"'{text}' is not yes or no (use yes/no, y/n, true/false or 1/0)")


_ATTRIBUTE_NORMALISERS: dict[str, Callable[[object, NormaliseContext], str | int | float | bool]] = {
    "text": _text,
    "code": _code,
    "integer": _integer,
    "decimal": _decimal,
    "date": normalise_date,
    "datetime": normalise_datetime,
    "boolean": _boolean,
}

#: The types a mapping may give a plain (non-canonical) attribute.
ATTRIBUTE_TYPES: frozenset[str] = frozenset(_ATTRIBUTE_NORMALISERS)


def normalise_attribute(type_name: str, value: object, context: NormaliseContext) -> str | int | float | bool:
    """A typed attribute value: ``text``, ``code``, ``integer``, ``decimal``, ``date``, ``datetime``, ``boolean``.

    >>> normalise_attribute("integer", "1,204", NormaliseContext()), normalise_attribute("boolean", "Y", NormaliseContext())
    (1204, True)

    Dates and date-times come back as ISO strings. Raises :class:`NormalisationError` (its ``field``
    is the type name) when the value cannot be read as the type.
    """
    normaliser = _ATTRIBUTE_NORMALISERS.get(type_name)
    if normaliser is None:
        raise NormalisationError(
            type_name,
            f"unknown attribute type '{type_name}'; use one of {', '.join(sorted(ATTRIBUTE_TYPES))}",
        )
    return normaliser(value, context)
