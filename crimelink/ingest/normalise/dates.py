"""Dates and dates of birth, from the many ways partners write them, to ISO ``YYYY-MM-DD``.

Numeric forms are read day-first unless the mapping says ``date_order: MDY``; a date that only makes
sense the other way round is rejected with a hint rather than silently swapped, because swapping some
rows and not others would corrupt a whole file.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypeGuard

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.common import CACHE_SIZE, NormaliseContext, cell_text

# Excel counts days from 1899-12-30 (its 1900 leap-year bug makes that the right epoch after Feb 1900).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_SERIAL_RANGE = (1, 80000)
_EARLIEST_DOB_YEAR = 1900
_EARLIEST_YEAR = 1800
_LATEST_YEAR = 2199
# A two-digit year in an ordinary date is this century unless that puts it this far in the future.
_TWO_DIGIT_YEAR_FUTURE_LIMIT = 10

_MONTH_NAMES = (
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
)
_MONTHS = {
    name[:end]: number for number, name in enumerate(_MONTH_NAMES, 1) for end in range(3, len(name) + 1)
}
_MONTHS["SEPT"] = 9

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(rf"(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})(?:ST|ND|RD|TH)?[ ./-]*([A-Z]{3,9})\.?[ ,./-]*(\d{4}|\d{2})")
_MONTH_NAME_DAY = re.compile(r"([A-Z]{3,9})\.? *(\d{1,2})(?:ST|ND|RD|TH)?[ ,]*(\d{4}|\d{2})")
_WEEKDAY = re.compile(r"^(?:MON|TUE|WED|THU|FRI|SAT|SUN)[A-Z]*\.?,? *")
_EXCEL_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_CLOCK_TIME = re.compile(r"(.+?)[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)? *(AM|PM)?")

_FORMAT_HINT = "use DD/MM/YYYY or YYYY-MM-DD"


def normalise_dob(value: object, context: NormaliseContext) -> str:
    """A date of birth as ISO ``YYYY-MM-DD``; future dates and years before 1900 are rejected.

    >>> normalise_dob("03/04/1990", NormaliseContext())
    '1990-04-03'
    >>> normalise_dob("3/4/05", NormaliseContext(today=date(2026, 1, 1)))
    '2005-04-03'
    """
    today = context.current_date()
    if isinstance(value, str):
        return _dob_from_text(value.strip(), context.date_order, today)
    born = _date_of_value(value)
    if born is None:
        return _dob_from_text(cell_text(value), context.date_order, today)
    return _checked_dob(born, born.isoformat(), today)


def normalise_date(value: object, context: NormaliseContext) -> str:
    """Any calendar date as ISO ``YYYY-MM-DD`` (years 1800 to 2199).

    >>> normalise_date("3rd Apr 2024", NormaliseContext())
    '2024-04-03'
    """
    known = None if isinstance(value, str) else _date_of_value(value)
    if known is not None:
        return known.isoformat()
    return _date_from_text(cell_text(value), context.date_order, context.current_date().year).isoformat()


def normalise_datetime(value: object, context: NormaliseContext) -> str:
    """A date and time as ISO ``YYYY-MM-DDTHH:MM:SS`` (offset kept when given); a date alone is midnight.

    >>> normalise_datetime("03/04/2024 14:05", NormaliseContext())
    '2024-04-03T14:05:00'
    """
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    if _is_excel_serial(value):
        return _excel_serial(value).isoformat()
    text = cell_text(value)
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    clock = _CLOCK_TIME.fullmatch(text.upper())
    if clock is None:
        day = _date_from_text(text, context.date_order, context.current_date().year, field="datetime")
        return datetime(day.year, day.month, day.day).isoformat()
    date_text, hour_text, minute, second, meridiem = clock.groups()
    day = _date_from_text(date_text, context.date_order, context.current_date().year, field="datetime")
    hour = int(hour_text)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise NormalisationError("datetime", f"'{text}' has an impossible time")
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    try:
        moment = datetime(day.year, day.month, day.day, hour, int(minute), int(second or 0))
    except ValueError:
        raise NormalisationError("datetime", f"'{text}' has an impossible time") from None
    return moment.isoformat()


def _date_of_value(value: object) -> date | None:
    """The date a spreadsheet cell already holds as a date or an Excel serial; ``None`` for text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _is_excel_serial(value):
        return _excel_serial(value).date()
    return None


def _is_excel_serial(value: object) -> TypeGuard[float]:
    # Larger numbers fall through to the text forms, where 19900403 reads as YYYYMMDD.
    low, high = _EXCEL_SERIAL_RANGE
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value < high


def _excel_serial(serial: float) -> datetime:
    # Rounded to the second: a float serial for 14:05 is 14:04:59.99999 otherwise.
    return _EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


@lru_cache(maxsize=CACHE_SIZE)
def _dob_from_text(text: str, date_order: str, today: date) -> str:
    born = _common_form(text, date_order)
    if born is None:
        year, month, day, two_digit_year = _parse("dob", text, date_order)
        if two_digit_year:
            # A person cannot be born in the future, so 05 is 2005 only if that date has passed.
            year += 2000 if (2000 + year, month, day) <= (today.year, today.month, today.day) else 1900
        born = _real_date("dob", text, year, month, day, date_order)
    return _checked_dob(born, text, today)


def _checked_dob(born: date, shown: str, today: date) -> str:
    if born > today:
        raise NormalisationError("dob", f"{shown} is in the future, so it cannot be a date of birth")
    if born.year < _EARLIEST_DOB_YEAR:
        raise NormalisationError("dob", f"{shown} is before {_EARLIEST_DOB_YEAR}; check the year")
    return born.isoformat()


def _common_form(text: str, date_order: str) -> date | None:
    """DD/MM/YYYY and YYYY-MM-DD, most of what partners send, without the regular expressions."""
    if len(text) != 10 or not text.isascii():
        return None
    try:
        if text[2] == "/" and text[5] == "/" and (text[:2] + text[3:5] + text[6:]).isdigit():
            first, second, year = int(text[:2]), int(text[3:5]), int(text[6:])
            if date_order == "MDY":
                first, second = second, first
            return date(year, second, first)
        if text[4] == "-" and text[7] == "-" and (text[:4] + text[5:7] + text[8:]).isdigit():
            return date.fromisoformat(text)
    except ValueError:
        pass  # the general parser explains what is wrong
    return None


@lru_cache(maxsize=CACHE_SIZE)
def _date_from_text(text: str, date_order: str, this_year: int, field: str = "date") -> date:
    year, month, day, two_digit_year = _parse(field, text, date_order)
    if two_digit_year:
        year += 2000 if 2000 + year <= this_year + _TWO_DIGIT_YEAR_FUTURE_LIMIT else 1900
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        raise NormalisationError(field, f"{text} is in the year {year}; check the year")
    return _real_date(field, text, year, month, day, date_order)


def _real_date(field: str, text: str, year: int, month: int, day: int, date_order: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        pass
    hint = ""
    if _is_ambiguous_form(text) and _is_real(year, day, month):
        other = "MDY (month first)" if date_order == "DMY" else "DMY (day first)"
        hint = f"; if the file writes dates the other way round, set date_order: {other} in the mapping"
    raise NormalisationError(field, f"{text} is not a real date{hint}")


def _is_real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_ambiguous_form(text: str) -> bool:
    match = _NUMERIC.fullmatch(text)
    return match is not None and match.group(2) != "."


def _parse(field: str, text: str, date_order: str) -> tuple[int, int, int, bool]:
    """(year, month, day, year-has-two-digits) read from ``text``; the date may still be impossible."""
    match = _NUMERIC.fullmatch(text)
    if match is not None:
        first, separator, second, year = match.group(1, 2, 3, 4)
        # Dots are a continental, always day-first habit; only / and - follow the mapping's order.
        if date_order == "MDY" and separator != ".":
            first, second = second, first
        return int(year), int(second), int(first), len(year) == 2
    match = _ISO.fullmatch(text)
    if match is not None:
        return int(match.group(1)), int(match.group(3)), int(match.group(4)), False
    match = _COMPACT.fullmatch(text)
    if match is not None:
        return int(match.group(1)), int(match.group(2)), int(match.group(3)), False
    if _EXCEL_SERIAL_TEXT.fullmatch(text) and _is_excel_serial(float(text)):
        serial = _excel_serial(float(text))
        return serial.year, serial.month, serial.day, False
    return _parse_month_name(field, text)


def _parse_month_name(field: str, text: str) -> tuple[int, int, int, bool]:
    upper = _WEEKDAY.sub("", " ".join(text.upper().split()), count=1)
    match = _DAY_MONTH_NAME.fullmatch(upper)
    if match is not None:
        day, month_name, year = match.groups()
    else:
        match = _MONTH_NAME_DAY.fullmatch(upper)
        if match is None:
            raise NormalisationError(field, f"'{text}' is not a date in a recognised format ({_FORMAT_HINT})")
        month_name, day, year = match.groups()
    month = _MONTHS.get(month_name)
    if month is None:
        raise NormalisationError(field, f"'{text}' does not name a month ({_FORMAT_HINT})")
    return int(year), month, int(day), len(year) == 2
