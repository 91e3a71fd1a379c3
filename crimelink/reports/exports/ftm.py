"""FollowTheMoney entities: line-delimited JSON that Aleph, OpenSanctions' tools and ``ftm`` read.

Every entity is built with the ``followthemoney`` library and checked by it before it is written
(:func:`validate_entity`): its schema exists and is not abstract, every property belongs to the schema,
every required property is present, every value is valid for its type and survives the library's own
cleaning unchanged. The mapping (docs/exports.md):

- person -> ``Person``; business -> ``Company``; premises -> ``RealEstate`` when it has a UPRN (the
  UPRN as its registration number), else ``Address``; vehicle -> ``Vehicle``; bank account ->
  ``BankAccount``; phone, email and online account -> ``UserAccount`` (FtM has no phone schema: the
  number is the account's username and phone).
- a link -> ``Family``, ``Associate``, ``Directorship``, ``Ownership`` or ``Employment`` when its relation
  is one and its ends fit the schema, else ``UnknownLink`` with the records' roles; its dates, record
  references (``recordId``) and holding agencies (``publisher``) are the provenance.

An import of the file (:mod:`crimelink.ingest.ftm`) reads the same properties back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from crimelink.domain import EntityKind
from crimelink.errors import CrimelinkError
from crimelink.services.exports import ExportEntity, ExportLink, ExportSnapshot, Relation

#: A link's relation -> (FtM schema, its source property, its target property, its role property).
RELATION_SCHEMATA: dict[Relation, tuple[str, str, str, str]] = {
    Relation.FAMILY: ("Family", "person", "relative", "relationship"),
    Relation.ASSOCIATE: ("Associate", "person", "associate", "relationship"),
    Relation.DIRECTORSHIP: ("Directorship", "director", "organization", "role"),
    Relation.OWNERSHIP: ("Ownership", "owner", "asset", "role"),
    Relation.EMPLOYMENT: ("Employment", "employer", "employee", "role"),
    Relation.OTHER: ("UnknownLink", "subject", "object", "role"),
}
ACCOUNT_SERVICES = {
    EntityKind.PHONE: "Telephone",
    EntityKind.EMAIL: "Email",
    EntityKind.ONLINE_ACCOUNT: "Online account",
}
#: How many record references an entity's description lists before saying how many more there are.
REFERENCES_LISTED = 20


class InvalidExportError(CrimelinkError):
    """An entity the exporter built failed FollowTheMoney validation (a fault in the exporter)."""


def entity_id(entity: int) -> str:
    """The FtM id of a Crimelink entity: stable across exports of the same store."""
    return f"crimelink-entity-{entity}"


def link_id(link: ExportLink) -> str:
    low, high = sorted((link.source, link.target))
    return f"crimelink-link-{low}-{high}"


def schema_for(entity: ExportEntity) -> str:
    """The FtM schema an entity is exported as."""
    if entity.kind is EntityKind.PREMISES:
        return "RealEstate" if entity.values.get("uprn") else "Address"
    return {
        EntityKind.PERSON: "Person",
        EntityKind.BUSINESS: "Company",
        EntityKind.VEHICLE: "Vehicle",
        EntityKind.BANK_ACCOUNT: "BankAccount",
        EntityKind.PHONE: "UserAccount",
        EntityKind.EMAIL: "UserAccount",
        EntityKind.ONLINE_ACCOUNT: "UserAccount",
    }[entity.kind]


def _addresses(entity: ExportEntity) -> list[str]:
    """Addresses with the first postcode after the first address (postcodes alone when no address)."""
    addresses = list(entity.values.get("address", ()))
    postcodes = list(entity.values.get("postcode", ()))
    if not addresses:
        return postcodes[:1]
    if postcodes:
        addresses[0] = f"{addresses[0]}, {postcodes[0]}"
    return addresses


def entity_proxy(entity: ExportEntity) -> EntityProxy:
    """One entity as an FtM proxy (not yet validated)."""
    proxy = model.make_entity(schema_for(entity))
    proxy.id = entity_id(entity.entity_id)
    values = entity.values
    label = entity.label or f"{entity.kind.value.replace('_', ' ').capitalize()} {entity.entity_id}"
    if entity.kind is EntityKind.PERSON:
        names = list(values.get("full_name", ())) or [label]
        proxy.add("name", names[0])
        proxy.add("alias", [*names[1:], *values.get("alias", ())])
        proxy.add("firstName", list(values.get("given_name", ())))
        proxy.add("lastName", list(values.get("family_name", ())))
        proxy.add("birthDate", list(values.get("dob", ())))
        proxy.add("socialSecurityNumber", list(values.get("nino", ())))
        proxy.add("address", _addresses(entity))
        proxy.add("phone", list(values.get("phone", ())))
        proxy.add("email", list(values.get("email", ())))
    elif entity.kind is EntityKind.BUSINESS:
        names = list(values.get("business_name", ())) or [label]
        proxy.add("name", names[0])
        proxy.add("alias", names[1:])
        proxy.add("registrationNumber", list(values.get("company_number", ())))
        proxy.add("address", _addresses(entity))
        proxy.add("phone", list(values.get("phone", ())))
        proxy.add("email", list(values.get("email", ())))
    elif entity.kind is EntityKind.PREMISES:
        proxy.add("name", label)
        if proxy.schema.name == "RealEstate":
            proxy.add("address", _addresses(entity))
            proxy.add("registrationNumber", list(values.get("uprn", ())))
        else:
            proxy.add("full", list(values.get("address", ())))
            proxy.add("postalCode", list(values.get("postcode", ())))
    elif entity.kind is EntityKind.VEHICLE:
        proxy.add("name", label)
        proxy.add("registrationNumber", list(values.get("vrm", ())))
    elif entity.kind is EntityKind.BANK_ACCOUNT:
        proxy.add("name", label)
        proxy.add("accountNumber", list(values.get("account", ())))
    else:
        field = {EntityKind.PHONE: "phone", EntityKind.EMAIL: "email"}.get(entity.kind, "handle")
        handles = list(values.get(field, ())) or [label]
        proxy.add("name", label)
        proxy.add("service", ACCOUNT_SERVICES[entity.kind])
        proxy.add("username", handles[0])
        if field in ("phone", "email"):
            proxy.add(field, handles)
        else:
            proxy.add("alias", handles[1:])
    proxy.add("publisher", list(entity.agencies))
    proxy.add("keywords", list(entity.threats))
    proxy.add("description", _provenance(entity))
    return proxy


def _provenance(entity: ExportEntity) -> str:
    refs = [r.reference for r in entity.records]
    listed = ", ".join(refs[:REFERENCES_LISTED])
    more = f" and {len(refs) - REFERENCES_LISTED} more" if len(refs) > REFERENCES_LISTED else ""
    noun = "record" if len(refs) == 1 else "records"
    return f"Crimelink entity {entity.entity_id}, from {len(refs)} {noun}: {listed}{more}"


def _fits(schema: str, prop: str, other: str) -> bool:
    found = model.get(schema)
    target = model.get(other)
    assert found is not None
    assert target is not None
    prop_range = found.properties[prop].range
    return prop_range is not None and target.is_a(prop_range)


def link_proxy(link: ExportLink, schemata: dict[int, str]) -> EntityProxy:
    """One link as an FtM interval: its relation's schema when both ends fit it, else ``UnknownLink``."""
    schema, source, target, role = RELATION_SCHEMATA[link.relation]
    if not (_fits(schema, source, schemata[link.source]) and _fits(schema, target, schemata[link.target])):
        schema, source, target, role = RELATION_SCHEMATA[Relation.OTHER]
    proxy = model.make_entity(schema)
    proxy.id = link_id(link)
    proxy.add(source, entity_id(link.source))
    proxy.add(target, entity_id(link.target))
    proxy.add(role, link.roles or "named together in a record")
    if link.first_seen:
        proxy.add("startDate", link.first_seen.isoformat())
    if link.last_seen:
        proxy.add("endDate", link.last_seen.isoformat())
    proxy.add("recordId", [r.reference for r in link.records])
    proxy.add("publisher", sorted({r.agency for r in link.records}))
    count = len(link.records)
    proxy.add("summary", f"{count} record{'' if count == 1 else 's'}; link weight {link.weight:g}")
    return proxy


def validate_entity(data: dict[str, Any]) -> list[str]:
    """What is wrong with one FtM entity (empty: nothing), judged by the ``followthemoney`` library."""
    schema = model.get(str(data.get("schema") or ""))
    if schema is None or schema.abstract:
        return [f"schema {data.get('schema')!r} is not a concrete FollowTheMoney schema"]
    problems: list[str] = []
    if not data.get("id"):
        problems.append("no id")
    properties: dict[str, list[str]] = data.get("properties") or {}
    unknown = sorted(set(properties) - set(schema.properties))
    problems.extend(f"{schema.name} has no property {name!r}" for name in unknown)
    problems.extend(f"{name} is required" for name in sorted(schema.required) if not properties.get(name))
    try:
        schema.validate(data)  # type: ignore[arg-type]  # a plain dict of the same shape
    except InvalidData as exc:
        problems.append(f"invalid values: {exc.errors}")
    if not unknown:
        cleaned = model.get_proxy(data, cleaned=False).properties
        for name, values in properties.items():
            if set(cleaned.get(name, [])) != set(values):
                problems.append(f"{name}: {values} changes to {cleaned.get(name, [])} when cleaned")
    return problems


def ftm_entities(
    snapshot: ExportSnapshot, progress: Callable[[int, int], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Every entity then every link of the snapshot as validated FtM dictionaries."""
    schemata: dict[int, str] = {}
    total = len(snapshot.entities) + len(snapshot.links)
    done = 0
    for entity in snapshot.entities:
        proxy = entity_proxy(entity)
        schemata[entity.entity_id] = proxy.schema.name
        yield _checked(proxy)
        done += 1
        if progress and (done % 1000 == 0 or done == total):
            progress(done, total)
    for link in snapshot.links:
        yield _checked(link_proxy(link, schemata))
        done += 1
        if progress and (done % 1000 == 0 or done == total):
            progress(done, total)


def _checked(proxy: EntityProxy) -> dict[str, Any]:
    data = proxy.to_dict()
    problems = validate_entity(data)
    if problems:
        raise InvalidExportError(
            f"FollowTheMoney entity {data['id']} ({data['schema']}) failed validation: {'; '.join(problems)}"
        )
    return data


def write_ftm(
    snapshot: ExportSnapshot, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> None:
    """Write the snapshot as FtM entities, one JSON object a line (``ftm`` / Aleph's format)."""
    for data in ftm_entities(snapshot, progress):
        out.write(json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        out.write(b"\n")
