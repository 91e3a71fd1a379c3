"""A single record's blocking keys find every candidate the batch's blocking rules would give it."""

from __future__ import annotations

from linkage_store import person_records

from crimelink.linkage import model
from crimelink.linkage.engine import DuckDBEngine
from crimelink.linkage.keys import person_keys_of_row, person_lookup_keys

# (given, family, dob, postcode, address, phone, NINO): each blocking rule pairs some of them.
PEOPLE = [
    ("ROBERT", "SMITH", "1980-04-03", "SW1A 1AA", "12 HIGH STREET", "+447700900123", "QQ123456C"),
    ("BOB", "SMITH", "1980-03-04", "SW1A 1AA", "12 HIGH STREET", None, None),
    ("ROBERT", "SMYTH", None, None, None, None, None),
    # The same given name and a surname that sounds alike, with nothing else in common.
    ("EMILY", "HINGSTON", None, None, None, None, None),
    ("EMILY", "HINGSTXON", "1971-12-19", None, None, None, None),
    ("SMITH", "ROBERT", "1955-06-05", None, None, None, None),
    ("ROBBIE", "SMITH", "1980-07-07", "SW1A 1AA", None, "+447700900123", None),
    ("PAT", "KHAN", "1980-04-03", None, "12 HIGH STREET", None, None),
    # The NINO with one digit wrong, name and date of birth replaced, at the same house number.
    ("ALI", "JONES", "1971-01-01", None, "12 HIGH STRET", None, "QQ123457C"),
    ("ALI", "JONES", "1971-01-01", None, "12 HIGH STREET", None, "QQ923456C"),
    # Two digits the wrong way round.
    ("SAM", "PATEL", "1990-02-02", None, None, None, "QQ213456C"),
]


def test_every_pair_a_blocking_rule_makes_shares_a_lookup_key() -> None:
    records = person_records(PEOPLE)
    rows = [record.as_row() for record in records]
    engine = DuckDBEngine()
    engine.load(records)
    connection = engine._con  # the engine's own table, as Splink blocks on it
    for rule in model.PREDICTION_BLOCKING_RULES:
        pairs = connection.execute(
            "SELECT l.unique_id, r.unique_id FROM person_records AS l JOIN person_records AS r"
            f" ON l.unique_id < r.unique_id AND ({rule})"
        ).fetchall()
        assert pairs, f"no test record pairs under {rule!r}: add some"
        for left, right in pairs:
            shared = person_lookup_keys(rows[left]) & person_keys_of_row(rows[right])
            assert shared, (rule, PEOPLE[left], PEOPLE[right])
