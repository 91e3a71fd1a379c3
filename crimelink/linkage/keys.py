"""Blocking keys of one party: what a new record or a search looks up to find its candidates.

The keys mirror the batch's blocking rules (:data:`crimelink.linkage.model.PREDICTION_BLOCKING_RULES`)
and the attach keys (:mod:`crimelink.linkage.attach`), so a single record finds the same candidates one
at a time as it would have found in the batch. They are stored in ``linkage_keys`` (kind, key, record,
party) with an index on the key.
"""

from __future__ import annotations

from typing import Any

from crimelink.domain import EntityKind
from crimelink.linkage.attach import business_key, premises_key
from crimelink.linkage.clusters import strong_keys, values_of
from crimelink.linkage.records import person_from_party


def person_row(fields: dict[str, Any]) -> dict[str, Any] | None:
    """A person party as a row of the person table, or None when nothing identifies a person."""
    person = person_from_party(fields, unique_id=0, source="", record_id="")
    return person.as_row() if person else None


def person_keys_of_row(row: dict[str, Any]) -> set[str]:
    """Keys of a person row: one per blocking rule it can take part in."""
    keys: set[str] = set()
    family, given = row["family_name"], row["given_name"]
    if family and row["given_canonical"]:
        keys.add(f"name:{row['given_canonical']}|{family}")
    if family and given:
        keys.add(f"gf:{given}|{family}")
    if row["dob"]:
        keys.add(f"dob:{row['dob']}")
    if row["postcode"] and row["family_metaphone"]:
        keys.add(f"pcfm:{row['postcode']}|{row['family_metaphone']}")
    if row["given_metaphone"] and row["family_metaphone"]:
        keys.add(f"mp:{row['given_metaphone']}|{row['family_metaphone']}")
    if row["family_soundex"] and row["dob"]:
        keys.add(f"sxy:{row['family_soundex']}|{row['dob'][:4]}")
    if row["identifier_anagram"]:
        keys.add(f"ida:{row['identifier_anagram']}")
    if given and row["family_soundex"]:
        keys.add(f"gsx:{given}|{row['family_soundex']}")
    if row["address_numbers"] is not None:
        for half in ("head", "tail"):
            if row[f"identifier_{half}"]:
                keys.add(f"id{half[0]}:{row[f'identifier_{half}']}|{row['address_numbers']}")
    for name in ("phone", "email", "nino"):
        if row[name]:
            keys.add(f"{name}:{row[name]}")
    return keys


def person_lookup_keys(row: dict[str, Any]) -> set[str]:
    """The keys to look up for a person row: its own and its swapped name (given and family reversed)."""
    keys = person_keys_of_row(row)
    if row["family_name"] and row["given_name"]:
        keys.add(f"gf:{row['family_name']}|{row['given_name']}")
    return keys


def party_keys(kind: EntityKind, fields: dict[str, Any]) -> set[str]:
    """Every key of a party of any kind."""
    if kind is EntityKind.PERSON:
        row = person_row(fields)
        return person_keys_of_row(row) if row else set()
    keys = {f"{name}:{value}" for name, value in strong_keys(kind, fields)}
    if kind is EntityKind.PREMISES:
        keys.update(f"addr:{k}" for value in values_of(fields.get("address")) if (k := premises_key(value)))
        keys.update(f"postcode:{value}" for value in values_of(fields.get("postcode")))
    elif kind is EntityKind.BUSINESS:
        keys.update(
            f"bname:{k}" for value in values_of(fields.get("business_name")) if (k := business_key(value))
        )
    return keys
