"""Telephone numbers to E.164 (``+447700900123``).

``phonenumbers`` is the authority, but ``phonenumbers.parse`` costs tens of microseconds and the
import budget is a few microseconds a field. Most partner numbers are UK numbers in a handful of
shapes (``07700 900123``, ``+44 (0)20 7946 0123``, ``7700900123`` from a spreadsheet that dropped the
zero), so those take a fast path that reproduces the library's result: the same national-number
extraction, checked against regular expressions taken from the library's own GB metadata. Anything the
fast path is unsure of goes to the library.

Ofcom reserves ranges for drama and documentation (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx ...).
``phonenumbers`` calls some of them invalid, but they are what demonstration and training data use,
so numbers in those ranges are accepted as well.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.common import CACHE_SIZE, cell_text

_OFCOM_DRAMA_NATIONAL_NUMBERS = re.compile(
    r"1(?:1[3-8]|[2-6]1)4960\d{3}|1914980\d{3}|2079460\d{3}|2896496\d{3}|2920180\d{3}"
    r"|1632960\d{3}|3069990\d{3}|8081570\d{3}|9098790\d{3}|7700900\d{3}"
)
_UK_NATIONAL_NUMBER_LENGTH = 10


def _gb_valid_national_number_pattern() -> re.Pattern[str]:
    """Every number type ``phonenumbers`` recognises for GB, limited to 10-digit national numbers.

    A number matching one of these is valid for GB, and GB is the first region tried for +44, so
    ``phonenumbers.is_valid_number`` would say the same. Types that do not allow 10 digits are left
    out, so the fast path only ever declines (never wrongly accepts) when the metadata changes shape.
    """
    metadata = PhoneMetadata.metadata_for_region("GB")
    if metadata is None:  # pragma: no cover - the library always ships GB
        return re.compile(r"(?!)")
    general = metadata.general_desc
    # Mobiles first: most partner numbers are mobiles, and the regex stops at the first match.
    descriptions = (
        metadata.mobile,
        metadata.fixed_line,
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    type_patterns = [
        description.national_number_pattern
        for description in descriptions
        if description is not None
        and description.national_number_pattern
        and (not description.possible_length or _UK_NATIONAL_NUMBER_LENGTH in description.possible_length)
    ]
    if general is None or _UK_NATIONAL_NUMBER_LENGTH not in (general.possible_length or ()):
        return re.compile(r"(?!)")  # pragma: no cover
    alternatives = "|".join(f"(?:{pattern})" for pattern in type_patterns)
    return re.compile(rf"(?=(?:{general.national_number_pattern})$)(?:{alternatives})")


_GB_VALID = _gb_valid_national_number_pattern()


def normalise_phone(value: object, region: str = "GB") -> str:
    """A telephone number in E.164 form.

    >>> normalise_phone("07700 900123"), normalise_phone(7700900123), normalise_phone("+44 (0)20 7946 0123")
    ('+447700900123', '+447700900123', '+442079460123')
    """
    return _e164(cell_text(value), region.upper())


@lru_cache(maxsize=CACHE_SIZE)
def _e164(text: str, region: str) -> str:
    return _fast_e164(text, region) or _library_e164(text, region)


def _fast_e164(text: str, region: str) -> str | None:
    """E.164 for the common UK shapes, or ``None`` when the library must decide."""
    digits = text if text.isdigit() else "".join(text.split())
    if not digits.isdigit():
        digits = digits.replace("(", "").replace(")", "").replace("-", "").replace(".", "")
    if digits.startswith("+44"):
        national = _without_trunk_zero(digits[3:])
    elif region != "GB":
        return None
    elif digits.startswith("0044"):
        national = _without_trunk_zero(digits[4:])
    elif digits.startswith("44") and len(digits) in (12, 13):
        # The country code without its plus: the library strips it because 12 or more digits is
        # too long for a GB national number.
        national = _without_trunk_zero(digits[2:])
    elif digits.startswith("0") and not digits.startswith("00"):
        national = digits[1:]
    else:
        national = digits
    if len(national) != _UK_NATIONAL_NUMBER_LENGTH or not (national.isascii() and national.isdigit()):
        return None
    if _GB_VALID.fullmatch(national) or _OFCOM_DRAMA_NATIONAL_NUMBERS.fullmatch(national):
        return "+44" + national
    return None


def _without_trunk_zero(national: str) -> str:
    # "+44 (0)20 ...": the library drops the trunk zero written after the country code, and so must we.
    if len(national) == _UK_NATIONAL_NUMBER_LENGTH + 1 and national.startswith("0"):
        return national[1:]
    return national


def _library_e164(text: str, region: str) -> str:
    """E.164 decided by ``phonenumbers``, with Ofcom drama numbers also accepted."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise NormalisationError("phone", f"'{text}' is not a telephone number") from None
    national = phonenumbers.national_significant_number(number)
    is_drama = number.country_code == 44 and _OFCOM_DRAMA_NATIONAL_NUMBERS.fullmatch(national) is not None
    if not is_drama:
        if not phonenumbers.is_possible_number(number):
            raise NormalisationError(
                "phone", f"'{text}' has the wrong number of digits for a telephone number"
            )
        if not phonenumbers.is_valid_number(number):
            raise NormalisationError("phone", f"'{text}' is not a valid telephone number (no such range)")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
