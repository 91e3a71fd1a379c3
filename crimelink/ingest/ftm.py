"""FollowTheMoney entities (line-delimited JSON, as Aleph and the ``ftm`` tools write them) as partner rows.

Each line is one entity ``{"id", "schema", "properties": {name: [values]}}``. Every line becomes one row
of the dataset, keyed by the entity's id, so it goes through the same import as a CSV row: normalised,
stored as a source record, or quarantined naming the file, the line and the property.

- A **thing** (Person, Company, Organization, LegalEntity, PublicBody, Address, RealEstate, Vehicle,
  BankAccount, UserAccount) becomes a record with one party (``person``, ``business``, ``premises``,
  ``vehicle``, ``account``, ``phone``, ``email`` or ``online_account``), its properties mapped to the
  canonical fields in :data:`PROPERTY_FIELDS`.
- An **interval with two ends** (Associate, Family, Ownership, Directorship, Employment, UnknownLink,
  Membership, ...) becomes a record with two parties named after its ends (``person`` and ``associate``,
  ``owner`` and ``asset`` ...), each carrying the identifying fields of the entity it points to, so entity
  resolution links each party to the same entity as that entity's own record, and the record links the
  two. Its ``date`` (or ``startDate``) is the record's event date.
- ``keywords`` that are threat area codes (``COUNTY_LINES``) tag the record.

A line is quarantined when it is not JSON, has no id or an unknown schema, names a property its schema
does not have, points to an entity that is not in the file or cannot be imported, or when a value fails
the canonical field's normaliser (a partial birth date, a malformed company number); the quarantine entry
names the line and the property (the column is ``party Schema.property``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema

from crimelink.domain import CriminalityType, DataCategory, EntityKind, HandlingCode
from crimelink.errors import ImportFileError, MappingError
from crimelink.ingest.mapping import DatasetMapping

#: FtM schema -> the kind of entity it is here and the party its record names it.
SCHEMA_KINDS: dict[str, tuple[EntityKind, str]] = {
    "Person": (EntityKind.PERSON, "person"),
    "Company": (EntityKind.BUSINESS, "business"),
    "Organization": (EntityKind.BUSINESS, "business"),
    "LegalEntity": (EntityKind.BUSINESS, "business"),
    "PublicBody": (EntityKind.BUSINESS, "business"),
    "Address": (EntityKind.PREMISES, "premises"),
    "RealEstate": (EntityKind.PREMISES, "premises"),
    "Vehicle": (EntityKind.VEHICLE, "vehicle"),
    "BankAccount": (EntityKind.BANK_ACCOUNT, "account"),
    "UserAccount": (EntityKind.ONLINE_ACCOUNT, "online_account"),
}
_BUSINESS_FIELDS = {
    "name": "business_name",
    "alias": "business_name",
    "registrationNumber": "company_number",
    "address": "address",
    "phone": "phone",
    "email": "email",
}
#: FtM property -> canonical field, per schema. Properties not listed are not read (and do no harm).
PROPERTY_FIELDS: dict[str, dict[str, str]] = {
    "Person": {
        "name": "full_name",
        "firstName": "given_name",
        "lastName": "family_name",
        "alias": "alias",
        "birthDate": "dob",
        "socialSecurityNumber": "nino",
        "address": "address",
        "phone": "phone",
        "email": "email",
    },
    "Company": _BUSINESS_FIELDS,
    "Organization": _BUSINESS_FIELDS,
    "LegalEntity": _BUSINESS_FIELDS,
    "PublicBody": _BUSINESS_FIELDS,
    "Address": {"full": "address", "postalCode": "postcode"},
    "RealEstate": {"address": "address", "registrationNumber": "uprn"},
    "Vehicle": {"registrationNumber": "vrm"},
    "BankAccount": {"accountNumber": "account", "iban": "account"},
    "UserAccount": {"phone": "phone", "email": "email", "username": "handle"},
}
#: Fields whose text may end with a postcode, which is split off into ``postcode``.
_ADDRESS_FIELDS = frozenset({"address"})
_TRAILING_POSTCODE = re.compile(
    r"^(?:(?P<street>.*?)[,\s]+)?(?P<postcode>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$", re.I
)
#: Row keys: the record id, and the record-level columns every row may carry.
ID_COLUMN = "id"
THREATS_COLUMN = "keywords"
DATE_COLUMN = "date"
_DATE_PROPERTIES = ("date", "startDate")
#: Marks the column holding the id a link's party points to.
REFERENCE_MARK = "@id"


@dataclass
class _Line:
    number: int
    data: dict[str, Any] | None = None
    problem: tuple[str, str] | None = None


@dataclass
class FtmFile:
    """An FtM file read whole: every line, and the line each entity id is on."""

    path: Path
    lines: list[_Line] = field(default_factory=list)
    by_id: dict[str, _Line] = field(default_factory=dict)


def read_ftm_file(path: Path) -> FtmFile:
    """Read every line of ``path`` (a problem on a line is kept with it, to be quarantined)."""
    if not path.is_file():
        raise ImportFileError(str(path), "no such file")
    found = FtmFile(path)
    try:
        with path.open(encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                line = _parse(number, text)
                found.lines.append(line)
                if line.data is not None:
                    entity_id = line.data["id"]
                    if entity_id in found.by_id:
                        line.data, line.problem = (
                            None,
                            (
                                "id",
                                f"id {entity_id!r} is already used on line {found.by_id[entity_id].number}",
                            ),
                        )
                    else:
                        found.by_id[entity_id] = line
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(path), f"not UTF-8 text ({exc.reason})") from None
    if not found.lines:
        raise ImportFileError(str(path), "the file is empty: expected one FollowTheMoney entity a line")
    return found


def _parse(number: int, text: str) -> _Line:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _Line(number, problem=("(line)", f"not JSON ({exc.msg})"))
    if not isinstance(data, dict):
        return _Line(number, problem=("(line)", "not a JSON object: expected an entity with id and schema"))
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        return _Line(number, problem=("id", "the entity has no id"))
    schema = model.get(str(data.get("schema") or ""))
    if schema is None:
        return _Line(number, problem=("schema", f"{data.get('schema')!r} is not a FollowTheMoney schema"))
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        return _Line(number, problem=("properties", "properties must be an object of lists of values"))
    for name, values in properties.items():
        prop = schema.properties.get(name)
        if prop is None:
            return _Line(number, problem=(name, f"{schema.name} has no property {name!r}"))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return _Line(number, problem=(name, "a property's values must be a list of strings"))
        problem = prop.validate(values)
        if problem is not None:
            return _Line(number, problem=(name, f"{problem} for a {prop.type.name}"))
    data = {"id": entity_id.strip(), "schema": schema.name, "properties": properties}
    missing = [name for name in schema.required if not properties.get(name)]
    if missing:
        return _Line(number, data=None, problem=(missing[0], f"{schema.name} needs {missing[0]!r}"))
    return _Line(number, data=data)


def ftm_rows(path: Path, start_after: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` for each entity of the file, skipping lines up to ``start_after``."""
    found = read_ftm_file(path)
    for line in found.lines:
        if line.number <= start_after:
            continue
        yield line.number, entity_row(found, line)


def entity_row(found: FtmFile, line: _Line) -> dict[str, Any]:
    """One line as a row whose columns are ``party Schema.property`` (see the module's docstring)."""
    if line.data is None:
        column, reason = line.problem or ("(line)", "unreadable")
        return {"__bad_line__": reason, "__bad_column__": column}
    data = line.data
    schema = model.get(data["schema"])
    assert schema is not None
    properties: dict[str, list[str]] = data["properties"]
    row: dict[str, Any] = {ID_COLUMN: data["id"]}
    threats = sorted({v.strip().upper() for v in properties.get("keywords", []) if _is_threat(v)})
    if threats:
        row[THREATS_COLUMN] = ";".join(threats)
    if schema.name in SCHEMA_KINDS:
        _, party = _kind_and_party(schema.name, properties)
        row.update(_party_columns(party, schema.name, properties))
        return row
    if schema.edge and schema.source_prop is not None and schema.target_prop is not None:
        for end in (schema.source_prop, schema.target_prop):
            party = _party_name(end.name)
            targets = properties.get(end.name, [])
            if len(targets) != 1:
                return _bad(end.name, f"{schema.name} must point to exactly one {end.name}")
            other = found.by_id.get(targets[0])
            if other is None or other.data is None:
                where = "is not in the file" if other is None else f"on line {other.number} was quarantined"
                return _bad(end.name, f"the {end.name} {targets[0]!r} {where}")
            if other.data["schema"] not in SCHEMA_KINDS:
                return _bad(end.name, f"the {end.name} is a {other.data['schema']}, which is not imported")
            row.update(_party_columns(party, other.data["schema"], other.data["properties"]))
            row[reference_column(party)] = targets[0]
        for name in _DATE_PROPERTIES:
            if properties.get(name):
                row[DATE_COLUMN] = properties[name][0]
                break
        return row
    return _bad("schema", f"{schema.name} entities are not imported: {_supported()}")


def _bad(column: str, reason: str) -> dict[str, Any]:
    return {"__bad_line__": reason, "__bad_column__": column}


def _supported() -> str:
    return "people, companies and organisations, addresses and real estate, vehicles, bank and user " + (
        "accounts, and links between two of them"
    )


def _is_threat(value: str) -> bool:
    return value.strip().upper() in CriminalityType.__members__


def _party_name(prop: str) -> str:
    """An FtM property name as a party name: ``relative``, ``organization``; camelCase to snake_case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", prop).lower()[:40]


def _kind_and_party(schema: str, properties: dict[str, list[str]]) -> tuple[EntityKind, str]:
    kind, party = SCHEMA_KINDS[schema]
    if schema == "UserAccount":
        username = set(properties.get("username", []))
        if properties.get("phone") and username <= set(properties["phone"]):
            return EntityKind.PHONE, "phone"
        if properties.get("email") and username <= set(properties["email"]):
            return EntityKind.EMAIL, "email"
    return kind, party


def _party_columns(party: str, schema: str, properties: dict[str, list[str]]) -> dict[str, list[str]]:
    """The entity's mapped properties as ``party Schema.property`` columns (addresses split off postcodes)."""
    fields = PROPERTY_FIELDS[schema]
    kind, _ = _kind_and_party(schema, properties)
    columns: dict[str, list[str]] = {}
    for name, values in properties.items():
        target = fields.get(name)
        if target is None or not values:
            continue
        if kind in (EntityKind.PHONE, EntityKind.EMAIL) and name == "username":
            continue
        if target in _ADDRESS_FIELDS:
            streets, postcodes = split_postcodes(values)
            if streets:
                columns[column_name(party, schema, name)] = streets
            if postcodes:
                columns[column_name(party, schema, name) + ":postcode"] = postcodes
            continue
        columns[column_name(party, schema, name)] = list(values)
    return columns


def split_postcodes(values: list[str]) -> tuple[list[str], list[str]]:
    """Addresses without a trailing UK postcode, and the postcodes split off them."""
    streets: list[str] = []
    postcodes: list[str] = []
    for value in values:
        match = _TRAILING_POSTCODE.match(value.strip())
        if match:
            if match["street"]:
                streets.append(match["street"].strip(" ,"))
            postcodes.append(match["postcode"])
        else:
            streets.append(value)
    return streets, postcodes


def reference_column(party: str) -> str:
    """The (unmapped) column keeping the id of the entity a link's party points to, e.g. ``owner @id``."""
    return f"{party} {REFERENCE_MARK}"


def references(original: dict[str, Any]) -> dict[str, str]:
    """Party -> the FtM id it points to, from a stored link record's original fields."""
    suffix = f" {REFERENCE_MARK}"
    return {k[: -len(suffix)]: str(v) for k, v in original.items() if k.endswith(suffix) and v}


def thing_party(schema: str, properties: dict[str, list[str]]) -> str:
    """The party a thing's own record names it by."""
    return _kind_and_party(schema, properties)[1]


def column_name(party: str, schema: str, prop: str) -> str:
    """A row's column for one property of one party, e.g. ``associate Person.birthDate``."""
    return f"{party} {schema}.{prop}"


def column_target(column: str) -> str | None:
    """The ``party.field`` a column of :func:`entity_row` goes to (``None`` for the record's own columns)."""
    party, _, rest = column.partition(" ")
    if not rest:
        return None
    path, _, suffix = rest.partition(":")
    schema, _, prop = path.partition(".")
    if suffix == "postcode":
        return f"{party}.postcode"
    target = PROPERTY_FIELDS.get(schema, {}).get(prop)
    return f"{party}.{target}" if target else None


def ftm_columns(path: Path) -> set[str]:
    """Every column the rows of ``path`` use (a first pass, to build the dataset's mapping)."""
    found = read_ftm_file(path)
    columns: set[str] = set()
    for line in found.lines:
        columns.update(k for k in entity_row(found, line) if not k.startswith("__"))
    return columns


def schema_of(name: str) -> Schema:
    schema = model.get(name)
    if schema is None:
        raise KeyError(name)
    return schema


def ftm_mapping(
    path: Path,
    *,
    dataset: str,
    agency: str,
    title: str,
    category: DataCategory = DataCategory.OTHER,
    classification: str = "OFFICIAL",
    handling_code: HandlingCode = HandlingCode.PERMITTED,
    handling_conditions: tuple[str, ...] = (),
    description: str = "",
    deduplicated: bool = False,
) -> DatasetMapping:
    """The dataset mapping for an FtM file: a column for every ``party Schema.property`` the file uses."""
    columns: dict[str, Any] = {}
    for column in sorted(ftm_columns(path)):
        if column == ID_COLUMN:
            continue
        if column == THREATS_COLUMN:
            columns[column] = {"to": "record.threats"}
        elif column == DATE_COLUMN:
            columns[column] = {"to": "record.event_date"}
        elif (target := column_target(column)) is not None:
            columns[column] = {"to": target, "multiple": True}
    if not any(c["to"].split(".", 1)[0] != "record" for c in columns.values()):
        raise MappingError(
            f"{path}: no entity in the file is one Crimelink imports ({_supported()}); nothing to import"
        )
    return DatasetMapping.from_dict(
        {
            "dataset": dataset,
            "title": title,
            "agency": agency,
            "kind": "REGISTER",
            "category": category.value,
            "description": description or f"FollowTheMoney entities from {path.name}",
            "format": "ftm",
            "record_id": ID_COLUMN,
            "deduplicated": deduplicated,
            "defaults": {
                "handling_code": handling_code.value,
                "handling_conditions": list(handling_conditions),
                "classification": classification,
            },
            "columns": columns,
        },
        source=f"FollowTheMoney import of {path.name}",
    )
