"""The person-matching model: comparisons, blocking rules and the documented starting parameters.

Each comparison level carries an ``(m, u)`` pair. ``m`` is the chance a level is seen when two records
are the same person, ``u`` when they are two different people. They are the model's starting values:
with enough records (:data:`MIN_RECORDS_TO_TRAIN`) ``u`` is re-estimated by random sampling and ``m``
by expectation maximisation with no labels; with fewer, EM is unstable and the values below are used
as they stand. They are set from experience with UK person data (about 1 in 25,000 people share a
date of birth, 1 in 200 a surname, 1 in 20,000 a full postcode), not fitted to any labelled set.

The SQL is DuckDB's dialect (``jaro_winkler_similarity``, ``list_intersect``); another engine supplies
its own conditions through the same :class:`Level` list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jellyfish

#: Below this many records the engine does not train: the fixed parameters here are used instead.
MIN_RECORDS_TO_TRAIN = 1000
#: Prior chance two random records are the same person, used when it cannot be estimated.
FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH = 1e-4


Row = dict[str, Any]


@dataclass(frozen=True)
class Level:
    """One comparison level: a SQL condition on ``column_l`` / ``column_r`` and its starting (m, u).

    ``test`` is the same condition in Python, used to score one record against a few candidates
    without a database (incremental matching, search); a test checks it agrees with the SQL.
    """

    label: str
    sql: str
    m: float
    u: float
    test: Callable[[Row, Row], bool]


@dataclass(frozen=True)
class PersonComparison:
    name: str
    null_sql: str
    is_null: Callable[[Row, Row], bool]
    levels: tuple[Level, ...]
    else_m: float

    @property
    def else_u(self) -> float:
        return max(1.0 - sum(level.u for level in self.levels), 0.001)

    def as_splink_dict(self) -> dict[str, Any]:
        """The comparison in Splink's settings-dictionary form, with the starting parameters."""
        levels: list[dict[str, Any]] = [
            {"sql_condition": self.null_sql, "label_for_charts": "null", "is_null_level": True}
        ]
        levels.extend(
            {
                "sql_condition": lv.sql,
                "label_for_charts": lv.label,
                "m_probability": lv.m,
                "u_probability": lv.u,
            }
            for lv in self.levels
        )
        levels.append(
            {
                "sql_condition": "ELSE",
                "label_for_charts": "else",
                "m_probability": self.else_m,
                "u_probability": self.else_u,
            }
        )
        return {"output_column_name": self.name, "comparison_levels": levels}


def _both(template: str, *columns: str) -> str:
    return " AND ".join(template.format(c=c) for c in columns)


_JW = "jaro_winkler_similarity({c}_l, {c}_r) >= {t}"
_JACCARD = (
    "len(list_intersect(address_tokens_l, address_tokens_r)) * 1.0"
    " / nullif(len(list_distinct(list_concat(address_tokens_l, address_tokens_r))), 0) >= {t}"
)
#: At most one edit for every six letters of the shorter address (each side's length is checked).
_LETTERS_CLOSE = "levenshtein(address_letters_l, address_letters_r) * 6 <= length(address_letters_{s})"
_SECTOR = "regexp_extract(postcode_{s}, '^[A-Z]{{1,2}}[0-9][A-Z0-9]? [0-9]')"
_DISTRICT = "regexp_extract(postcode_{s}, '^[A-Z]{{1,2}}[0-9][A-Z0-9]?')"
_SECTOR_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]")
_DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?")


# Python twins of the SQL above, with SQL's NULL logic: a comparison with NULL is never true.
def _eq(left: Row, right: Row, *columns: str) -> bool:
    return all(left[c] is not None and left[c] == right[c] for c in columns)


def _jw(left: Row, right: Row, threshold: float, *columns: str) -> bool:
    return all(
        left[c] is not None
        and right[c] is not None
        and jellyfish.jaro_winkler_similarity(left[c], right[c]) >= threshold
        for c in columns
    )


def _jaccard(left: Row, right: Row, threshold: float) -> bool:
    a, b = set(left["address_tokens"] or ()), set(right["address_tokens"] or ())
    union = a | b
    return bool(union) and len(a & b) / len(union) >= threshold


def _letters_close(left: Row, right: Row) -> bool:
    a, b = left["address_letters"], right["address_letters"]
    if left["address_numbers"] is None or left["address_numbers"] != right["address_numbers"]:
        return False
    return a is not None and b is not None and jellyfish.levenshtein_distance(a, b) * 6 <= min(len(a), len(b))


def _extract(pattern: re.Pattern[str], value: str | None) -> str | None:
    if value is None:
        return None
    found = pattern.match(value)
    return found.group(0) if found else ""


def _same_part(pattern: re.Pattern[str]) -> Callable[[Row, Row], bool]:
    def test(left: Row, right: Row) -> bool:
        a, b = _extract(pattern, left["postcode"]), _extract(pattern, right["postcode"])
        return a is not None and a == b

    return test


def _dob_part(left: Row, right: Row, end: int) -> bool:
    a, b = left["dob"], right["dob"]
    return a is not None and b is not None and a[:end] == b[:end]


def _dob_transposed(left: Row, right: Row) -> bool:
    a, b = left["dob"], right["dob"]
    return a is not None and b is not None and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _initial(left: Row, right: Row) -> bool:
    a, b = left["given_canonical"], right["given_canonical"]
    return a is not None and b is not None and a[:1] == b[:1]


NAME = PersonComparison(
    name="name",
    null_sql="family_name_l IS NULL OR family_name_r IS NULL",
    is_null=lambda a, b: a["family_name"] is None or b["family_name"] is None,
    levels=(
        Level(
            "exact given and family",
            _both("{c}_l = {c}_r", "given_name", "family_name"),
            0.79,
            0.0005,
            lambda a, b: _eq(a, b, "given_name", "family_name"),
        ),
        Level(
            "nickname given, exact family",
            _both("{c}_l = {c}_r", "given_canonical", "family_name"),
            0.05,
            0.0002,
            lambda a, b: _eq(a, b, "given_canonical", "family_name"),
        ),
        Level(
            "given and family swapped",
            "given_name_l = family_name_r AND family_name_l = given_name_r",
            0.02,
            0.00002,
            lambda a, b: (
                a["given_name"] is not None
                and a["given_name"] == b["family_name"]
                and a["family_name"] == b["given_name"]
            ),
        ),
        Level(
            "Jaro-Winkler >= 0.92 on both",
            " AND ".join(_JW.format(c=c, t=0.92) for c in ("given_canonical", "family_name")),
            0.06,
            0.0005,
            lambda a, b: _jw(a, b, 0.92, "given_canonical", "family_name"),
        ),
        Level(
            "metaphone of both",
            _both("{c}_l = {c}_r", "given_metaphone", "family_metaphone"),
            0.03,
            0.001,
            lambda a, b: _eq(a, b, "given_metaphone", "family_metaphone"),
        ),
        Level(
            "exact family, same initial",
            "family_name_l = family_name_r AND left(given_canonical_l, 1) = left(given_canonical_r, 1)",
            0.02,
            0.0005,
            lambda a, b: _eq(a, b, "family_name") and _initial(a, b),
        ),
        Level(
            "Jaro-Winkler >= 0.8 on both",
            " AND ".join(_JW.format(c=c, t=0.8) for c in ("given_canonical", "family_name")),
            0.01,
            0.003,
            lambda a, b: _jw(a, b, 0.8, "given_canonical", "family_name"),
        ),
        Level(
            "exact family, given missing",
            "family_name_l = family_name_r AND (given_name_l IS NULL OR given_name_r IS NULL)",
            0.01,
            0.004,
            lambda a, b: _eq(a, b, "family_name") and (a["given_name"] is None or b["given_name"] is None),
        ),
        Level(
            "similar family, given missing",
            f"{_JW.format(c='family_name', t=0.92)} AND (given_name_l IS NULL OR given_name_r IS NULL)",
            0.005,
            0.0005,
            lambda a, b: (
                _jw(a, b, 0.92, "family_name") and (a["given_name"] is None or b["given_name"] is None)
            ),
        ),
        # A different given name with the same surname is a relative far more often than a typo.
        Level(
            "exact family only",
            "family_name_l = family_name_r",
            0.005,
            0.005,
            lambda a, b: _eq(a, b, "family_name"),
        ),
    ),
    else_m=0.005,
)

DOB = PersonComparison(
    name="dob",
    null_sql="dob_l IS NULL OR dob_r IS NULL",
    is_null=lambda a, b: a["dob"] is None or b["dob"] is None,
    levels=(
        Level("exact", "dob_l = dob_r", 0.88, 0.00004, lambda a, b: _eq(a, b, "dob")),
        Level(
            "day and month transposed",
            "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
            " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
            0.02,
            0.00001,
            _dob_transposed,
        ),
        Level(
            "one character different",
            "levenshtein(dob_l, dob_r) <= 1",
            0.05,
            0.0005,
            lambda a, b: jellyfish.levenshtein_distance(a["dob"], b["dob"]) <= 1,
        ),
        Level(
            "same year and month",
            "substr(dob_l, 1, 7) = substr(dob_r, 1, 7)",
            0.01,
            0.0008,
            lambda a, b: _dob_part(a, b, 7),
        ),
        Level(
            "same year",
            "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)",
            0.02,
            0.013,
            lambda a, b: _dob_part(a, b, 4),
        ),
    ),
    else_m=0.02,
)

LOCATION = PersonComparison(
    name="location",
    null_sql="(postcode_l IS NULL OR postcode_r IS NULL) AND (len(address_tokens_l) = 0 OR len(address_tokens_r) = 0)",
    is_null=lambda a, b: (
        (a["postcode"] is None or b["postcode"] is None)
        and (not a["address_tokens"] or not b["address_tokens"])
    ),
    levels=(
        Level(
            "postcode and most of the address",
            f"postcode_l = postcode_r AND {_JACCARD.format(t=0.6)}",
            0.55,
            0.00005,
            lambda a, b: _eq(a, b, "postcode") and _jaccard(a, b, 0.6),
        ),
        Level("postcode", "postcode_l = postcode_r", 0.1, 0.0002, lambda a, b: _eq(a, b, "postcode")),
        Level("most of the address", _JACCARD.format(t=0.7), 0.1, 0.0001, lambda a, b: _jaccard(a, b, 0.7)),
        # Typos split and join words (COPLAN D RIVE), which token overlap cannot see; the numbers must agree.
        Level(
            "same numbers, address a few typos apart",
            "address_numbers_l = address_numbers_r"
            f" AND {_LETTERS_CLOSE.format(s='l')} AND {_LETTERS_CLOSE.format(s='r')}",
            0.05,
            0.0002,
            _letters_close,
        ),
        Level("half the address", _JACCARD.format(t=0.5), 0.05, 0.002, lambda a, b: _jaccard(a, b, 0.5)),
        Level(
            "postcode sector",
            f"{_SECTOR.format(s='l')} = {_SECTOR.format(s='r')}",
            0.03,
            0.003,
            _same_part(_SECTOR_RE),
        ),
        Level(
            "postcode district",
            f"{_DISTRICT.format(s='l')} = {_DISTRICT.format(s='r')}",
            0.02,
            0.02,
            _same_part(_DISTRICT_RE),
        ),
    ),
    else_m=0.15,
)

# A phone is shared by a household and passed between handsets, so it supports a match without proving it.
PHONE = PersonComparison(
    name="phone",
    null_sql="phone_l IS NULL OR phone_r IS NULL",
    is_null=lambda a, b: a["phone"] is None or b["phone"] is None,
    levels=(Level("same number", "phone_l = phone_r", 0.6, 0.0002, lambda a, b: _eq(a, b, "phone")),),
    else_m=0.4,
)

# Equal identifiers link outright before scoring; a mistyped one is strong evidence, not proof.
IDENTIFIER = PersonComparison(
    name="identifier",
    null_sql="identifier_l IS NULL OR identifier_r IS NULL",
    is_null=lambda a, b: a["identifier"] is None or b["identifier"] is None,
    levels=(
        Level("exact", "identifier_l = identifier_r", 0.9, 0.00001, lambda a, b: _eq(a, b, "identifier")),
        # Two digits typed the wrong way round is the commonest slip in a reference number.
        Level(
            "one character different or two swapped",
            "damerau_levenshtein(identifier_l, identifier_r) <= 1",
            0.06,
            0.00001,
            lambda a, b: jellyfish.damerau_levenshtein_distance(a["identifier"], b["identifier"]) <= 1,
        ),
        Level(
            "two slips",
            "damerau_levenshtein(identifier_l, identifier_r) <= 2",
            0.02,
            0.0001,
            lambda a, b: jellyfish.damerau_levenshtein_distance(a["identifier"], b["identifier"]) <= 2,
        ),
    ),
    else_m=0.03,
)

COMPARISONS = (NAME, DOB, LOCATION, PHONE, IDENTIFIER)

#: Which candidate pairs are scored at all. Each rule catches what the others miss: nicknames,
#: transposed dates, swapped names, misspelt surnames at one postcode or with the same given name, an
#: identifier mistyped while the name and date of birth were changed (one half of it survives one slip).
PREDICTION_BLOCKING_RULES = (
    "l.family_name = r.family_name AND l.given_canonical = r.given_canonical",
    "l.dob = r.dob",
    "l.postcode = r.postcode AND l.family_metaphone = r.family_metaphone",
    "l.family_metaphone = r.family_metaphone AND l.given_metaphone = r.given_metaphone",
    "l.given_name = r.family_name AND l.family_name = r.given_name",
    "l.family_soundex = r.family_soundex AND substr(l.dob, 1, 4) = substr(r.dob, 1, 4)",
    "l.phone = r.phone",
    "l.identifier_anagram = r.identifier_anagram",
    "l.given_name = r.given_name AND l.family_soundex = r.family_soundex",
    "l.identifier_head = r.identifier_head AND l.address_numbers = r.address_numbers",
    "l.identifier_tail = r.identifier_tail AND l.address_numbers = r.address_numbers",
)

#: EM sessions: each blocks on some columns and so trains the comparisons that do not use them.
EM_BLOCKING_RULES = (
    "l.dob = r.dob",
    "l.family_name = r.family_name AND l.given_canonical = r.given_canonical",
)

#: Rules that admit almost no false positives, to estimate the prior match probability.
DETERMINISTIC_PRIOR_RULES = (
    "l.dob = r.dob AND l.family_name = r.family_name AND l.given_canonical = r.given_canonical",
)
DETERMINISTIC_PRIOR_RECALL = 0.6


def settings_dict(*, probability_two_random_records_match: float) -> dict[str, Any]:
    """Splink settings for deduplicating the person table (one table, so cross-file links included)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": [comparison.as_splink_dict() for comparison in COMPARISONS],
        "blocking_rules_to_generate_predictions": list(PREDICTION_BLOCKING_RULES),
        "probability_two_random_records_match": probability_two_random_records_match,
        "additional_columns_to_retain": ["source", "record_id"],
        "retain_matching_columns": False,
        "max_iterations": 20,
    }
