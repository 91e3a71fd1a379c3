"""Identifiers with a known format: postcode, UPRN, NINO, VRM, VIN, company number, email, accounts.

Each is reduced to one spelling (upper case, no spaces, leading zeros as the issuer writes them) so
that linkage can compare them exactly, and rejected with a reason when it cannot be what it claims.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crimelink.errors import NormalisationError
from crimelink.ingest.normalise.common import CACHE_SIZE, cell_text

# The UK postcode grammar: outward code A9, A99, AA9, AA99, A9A or AA9A, with the letters each position
# may hold, then the inward code 9AA (never C I K M O V). GIR 0AA (Girobank) is a real postcode.
# BFPO numbers and the overseas territories' codes (ASCN 1ZZ ...) are not UK postcodes: they are
# rejected, and belong in the address.
POSTCODE_PATTERN = re.compile(
    r"(?:GIR0AA"
    r"|(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})"
)


def normalise_postcode(value: object) -> str:
    """A UK postcode with its canonical single space.

    >>> normalise_postcode("sw1a1aa"), normalise_postcode(" e1   6an ")
    ('SW1A 1AA', 'E1 6AN')
    """
    return _postcode(cell_text(value))


@lru_cache(maxsize=CACHE_SIZE)
def _postcode(text: str) -> str:
    compact = "".join(text.split()).upper()
    if not POSTCODE_PATTERN.fullmatch(compact):
        if compact.startswith("BFPO"):
            raise NormalisationError(
                "postcode", f"'{text}' is a BFPO number, not a postcode; map it to the address"
            )
        raise NormalisationError("postcode", f"'{text}' is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


# Registration marks: current (AB12CDE), prefix (A123BCD), suffix (ABC123D), dateless and Northern
# Ireland (ABZ1234, 1234AB). Letter rules such as "no I or Q" are not enforced: personalised and older
# marks break them, and a missed link costs more than an odd mark.
_VRM_PATTERN = re.compile(
    r"[A-Z]{2}[0-9]{2}[A-Z]{3}"
    r"|[A-Z][0-9]{1,3}[A-Z]{3}"
    r"|[A-Z]{3}[0-9]{1,3}[A-Z]"
    r"|[A-Z]{1,4}[0-9]{1,4}"
    r"|[0-9]{1,4}[A-Z]{1,4}"
)
_VRM_SEPARATORS = str.maketrans("", "", " -\t")
_VRM_MAX_LENGTH = 7


def normalise_vrm(value: object) -> str:
    """A vehicle registration mark, upper case without spaces.

    >>> normalise_vrm("ab12 cde"), normalise_vrm("ABZ-1234")
    ('AB12CDE', 'ABZ1234')
    """
    return _vrm(cell_text(value))


@lru_cache(maxsize=CACHE_SIZE)
def _vrm(text: str) -> str:
    mark = text.translate(_VRM_SEPARATORS).upper()
    if len(mark) > _VRM_MAX_LENGTH or not _VRM_PATTERN.fullmatch(mark):
        raise NormalisationError(
            "vrm",
            f"'{text}' is not a UK registration mark (formats AB12 CDE, A123 BCD, ABC 123D, ABC 123, 1234 AB)",
        )
    return mark


_VIN_LENGTH = 17
_VIN_CHARACTERS = re.compile(r"[A-Z0-9]{17}")
# ISO 3779 leaves I, O and Q out of VINs because they are misread for 1 and 0; in partner data they
# are exactly that misreading, and correcting them lets the same vehicle link.
_VIN_MISREAD_LETTERS = str.maketrans({"I": "1", "O": "0", "Q": "0", " ": None, "-": None})


def normalise_vin(value: object) -> str:
    """A vehicle identification number: 17 characters, upper case, I/O/Q read as 1/0/0.

    >>> normalise_vin("wvwzzz1jz3w386752")
    'WVWZZZ1JZ3W386752'
    """
    text = cell_text(value)
    vin = text.upper().translate(_VIN_MISREAD_LETTERS)
    if len(vin) != _VIN_LENGTH:
        raise NormalisationError("vin", f"'{text}' has {len(vin)} characters; a VIN has {_VIN_LENGTH}")
    if not _VIN_CHARACTERS.fullmatch(vin):
        raise NormalisationError("vin", f"'{text}' contains characters other than letters and digits")
    return vin


_UPRN_PATTERN = re.compile(r"0*([0-9]{1,12})(?:\.0*)?")
_SCIENTIFIC_NOTATION = re.compile(r"[0-9.]+E\+?[0-9]+", re.IGNORECASE)


def normalise_uprn(value: object) -> str:
    """A Unique Property Reference Number: 1 to 12 digits without leading zeros.

    >>> normalise_uprn(100023336956.0), normalise_uprn("000100023336956")
    ('100023336956', '100023336956')
    """
    text = cell_text(value)
    match = _UPRN_PATTERN.fullmatch(text)
    if match is None:
        if _SCIENTIFIC_NOTATION.fullmatch(text):
            raise NormalisationError(
                "uprn", f"'{text}' was rounded by a spreadsheet; export the UPRN column as text"
            )
        raise NormalisationError("uprn", f"'{text}' is not a UPRN (1 to 12 digits)")
    uprn = match.group(1).lstrip("0")
    if not uprn:
        raise NormalisationError("uprn", f"'{text}' is not a UPRN (a UPRN is never zero)")
    return uprn


# Companies House prefixes: the register (England and Wales, Scotland, Northern Ireland) and the kind
# of body (LLP, limited partnership, overseas company, charitable incorporated organisation ...).
COMPANY_NUMBER_PREFIXES = frozenset(
    {
        "AC", "BR", "CE", "CS", "FC", "FE", "GE", "GN", "GS", "IC", "IP", "LP", "NA", "NC", "NF", "NI", "NL",
        "NO", "NP", "NR", "NV", "NZ", "OC", "OE", "PC", "R0", "RC", "RS", "SA", "SC", "SE", "SF", "SG", "SI",
        "SL", "SO", "SP", "SR", "SZ", "ZC",
    }
)  # fmt: skip
_COMPANY_NUMBER_LENGTH = 8
_COMPANY_NUMBER_PATTERN = re.compile(r"([A-Z][A-Z0-9])?([0-9]{1,8})")


def normalise_company_number(value: object) -> str:
    """A Companies House number: 8 characters, digits zero-padded, e.g. ``01234567`` or ``SC012345``.

    >>> normalise_company_number(1234567), normalise_company_number("sc 12345")
    ('01234567', 'SC012345')
    """
    text = cell_text(value)
    number = "".join(text.split()).upper()
    match = _COMPANY_NUMBER_PATTERN.fullmatch(number)
    if match is None:
        raise NormalisationError(
            "company_number",
            f"'{text}' is not a Companies House number (8 digits, or 2 letters and 6 digits)",
        )
    prefix, digits = match.groups()
    if prefix is None:
        return digits.zfill(_COMPANY_NUMBER_LENGTH)
    if prefix not in COMPANY_NUMBER_PREFIXES:
        raise NormalisationError(
            "company_number", f"'{text}' has the unknown Companies House prefix {prefix}"
        )
    if len(digits) > _COMPANY_NUMBER_LENGTH - len(prefix):
        raise NormalisationError("company_number", f"'{text}' is too long for a Companies House number")
    return prefix + digits.zfill(_COMPANY_NUMBER_LENGTH - len(prefix))


_EMAIL_IN_ANGLE_BRACKETS = re.compile(r"<([^<>]+)>")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# The whole check in one expression for the common, already clean address; the step-by-step checks
# below only run to explain a rejection (or unwrap mailto: and angle brackets).
_EMAIL = re.compile(r"[^@\s<>:]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def normalise_email(value: object) -> str:
    """An email address in lower case; ``mailto:`` and ``Name <address>`` wrappers removed.

    >>> normalise_email(" MAILTO:John.Smith@Example.COM ")
    'john.smith@example.com'
    """
    text = cell_text(value)
    address = text.lower()
    if _EMAIL.fullmatch(address):
        return address
    if "<" in address:
        match = _EMAIL_IN_ANGLE_BRACKETS.search(address)
        if match is not None:
            address = match.group(1).strip()
    address = address.removeprefix("mailto:").strip()
    local, at, domain = address.partition("@")
    problem = None
    if not at or "@" in domain:
        problem = "needs exactly one @"
    elif not local:
        problem = "has nothing before the @"
    elif any(character.isspace() for character in address):
        problem = "contains spaces"
    elif "." not in domain or not all(_DOMAIN_LABEL.fullmatch(label) for label in domain.split(".")):
        problem = "needs a domain such as example.org after the @"
    if problem is not None:
        raise NormalisationError("email", f"'{text}' is not an email address: it {problem}")
    return address


# HMRC: neither prefix letter is D, F, I, Q, U or V; the second is not O; some pairs are never issued
# (TN is a temporary number, not a NINO). The suffix A-D is often left off, and is optional here.
_NINO_PATTERN = re.compile(r"([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])([0-9]{6})([A-D]?)")
_NINO_UNUSED_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def normalise_nino(value: object) -> str:
    """A National Insurance number, upper case without spaces.

    >>> normalise_nino("ab 12 34 56 c")
    'AB123456C'
    """
    text = cell_text(value)
    nino = "".join(text.split()).replace("-", "").upper()
    match = _NINO_PATTERN.fullmatch(nino)
    if match is None:
        raise NormalisationError(
            "nino",
            f"'{text}' is not a National Insurance number (2 letters, 6 digits, optional letter A-D; "
            "the letters D F I Q U V are never used, nor O second)",
        )
    if match.group(1) in _NINO_UNUSED_PREFIXES:
        raise NormalisationError("nino", f"'{text}' starts with {match.group(1)}, which HMRC never issues")
    return nino


_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_ACCOUNT_SEPARATORS = str.maketrans("", "", " -\t")


def normalise_account(value: object) -> str:
    """A bank or online account identifier with spaces and hyphens removed.

    An IBAN (recognised by its shape and check digits) is upper-cased; anything else keeps its case,
    because wallet addresses and some usernames are case-sensitive. Nothing is rejected for its
    shape: an online identifier can look like anything.

    >>> normalise_account("12-34-56 12345678"), normalise_account("gb82 west 1234 5698 7654 32")
    ('12345612345678', 'GB82WEST12345698765432')
    """
    text = cell_text(value)
    account = text.translate(_ACCOUNT_SEPARATORS)
    if not account:
        raise NormalisationError("account", f"'{text}' has no account identifier")
    upper = account.upper()
    if _IBAN_SHAPE.fullmatch(upper) and _iban_checksum_is_valid(upper):
        return upper
    return account


def _iban_checksum_is_valid(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(character, 36)) for character in rearranged)) % 97 == 1


def normalise_handle(value: object) -> str:
    """An online handle or username as given, in lower case, without a leading ``@``.

    >>> normalise_handle(" @Drill_King ")
    'drill_king'
    """
    text = cell_text(value)
    handle = " ".join(text.lower().removeprefix("@").split())
    if not handle:
        raise NormalisationError("handle", f"'{text}' has no handle")
    return handle
