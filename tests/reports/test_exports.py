"""Exports of the demo borough: FtM validated entity by entity, GraphML and GEXF that networkx reads with the
network's counts, the CSV and i2 tables, scopes, the audit, and a partner's export holding nothing hidden.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from exports_world import ExportWorld, actor, export_world
from followthemoney import model
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import load_access_context
from crimelink.errors import NotFoundError, PermissionDeniedError
from crimelink.reports.exports import ExportScope, run_export, validate_entity
from crimelink.reports.exports.tables import I2_COLUMNS, I2_TYPES
from crimelink.services.entities import RecordVisibility, current_version
from crimelink.services.network import network_for
from crimelink.store.models import AuditEvent, OrganisedCrimeGroup, SourceRecord


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> ExportWorld:
    return export_world(tmp_path_factory.mktemp("exports-world"), sqlite_template)


@pytest.fixture
def session(world: ExportWorld) -> Iterator[Session]:
    with Session(world.engine) as session:
        yield session
        session.rollback()


def _export(session: Session, username: str, fmt: str, scope: ExportScope | None = None) -> tuple[bytes, Any]:
    out = io.BytesIO()
    result = run_export(session, actor(session, username), fmt, out=out, scope=scope)
    return out.getvalue(), result


def _lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_every_ftm_entity_of_the_demo_passes_followthemoney_validation(session: Session) -> None:
    data, result = _export(session, "analyst.demo", "ftm")
    entities = _lines(data)
    assert len(entities) == result.entities + result.links
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities), "every entity has its own id"
    for entity in entities:
        assert validate_entity(entity) == [], entity
        proxy = model.get_proxy(entity, cleaned=False)
        schema = proxy.schema
        assert not schema.abstract
        assert all(proxy.get(name) for name in schema.required), entity
        if schema.edge:
            # Both ends of every link are entities of the same file.
            assert proxy.get(schema.edge_source)[0] in ids
            assert proxy.get(schema.edge_target)[0] in ids
            assert proxy.get("recordId"), "a link names the records behind it"
    schemata = {e["schema"] for e in entities}
    assert {"Person", "Company", "Vehicle", "UnknownLink"} <= schemata
    assert schemata & {"Address", "RealEstate"}
    assert schemata & {"Ownership", "Employment", "Associate"}, "register roles become typed links"


def test_graphml_loads_in_networkx_with_the_networks_node_and_edge_counts(session: Session) -> None:
    analyst = actor(session, "analyst.demo")
    network = network_for(session, analyst)
    data, result = _export(session, "analyst.demo", "graphml")
    graph = nx.read_graphml(io.BytesIO(data))
    assert graph.number_of_nodes() == network.graph.vcount() == result.entities
    assert graph.number_of_edges() == network.graph.ecount() == result.links
    node = next(iter(graph.nodes(data=True)))[1]
    assert isinstance(node["label"], str)
    assert node["label"]
    assert isinstance(node["entity_id"], int)
    assert isinstance(node["child"], bool)
    edge = next(iter(graph.edges(data=True)))[2]
    assert isinstance(edge["weight"], float)
    assert isinstance(edge["evidence_count"], int)
    assert graph.graph["exported_by"] == "analyst.demo"
    # Node labels are the network's labels.
    labels = {f"e{entity}": node.label for entity, node in network.nodes.items()}
    assert all(graph.nodes[n]["label"] == labels[n] for n in list(graph.nodes)[:200])


def test_gexf_loads_in_networkx_with_the_same_counts_labels_and_colours(session: Session) -> None:
    analyst = actor(session, "analyst.demo")
    network = network_for(session, analyst)
    data, _ = _export(session, "analyst.demo", "gexf")
    graph = nx.read_gexf(io.BytesIO(data))
    assert graph.number_of_nodes() == network.graph.vcount()
    assert graph.number_of_edges() == network.graph.ecount()
    first = next(iter(graph.nodes(data=True)))[1]
    assert first["label"]
    assert "color" in first["viz"]
    assert isinstance(next(iter(graph.edges(data=True)))[2]["weight"], float)


def test_a_group_export_holds_the_groups_members_and_only_the_links_between_them(session: Session) -> None:
    group = session.scalars(select(OrganisedCrimeGroup).order_by(OrganisedCrimeGroup.id)).first()
    assert group is not None
    data, result = _export(session, "analyst.demo", "graphml", ExportScope(group_id=group.id))
    graph = nx.read_graphml(io.BytesIO(data))
    members = {f"e{m.entity_id}" for m in group.memberships}
    assert members <= set(graph.nodes)
    network = network_for(session, actor(session, "analyst.demo"))
    ids = [int(n[1:]) for n in graph.nodes]
    assert graph.number_of_edges() == network.subnetwork(ids).graph.ecount()
    assert group.name in result.scope_text
    assert result.filename.startswith(f"crimelink-group-{group.id}-")


def test_the_entity_and_link_csv_count_what_the_export_holds(session: Session) -> None:
    data, result = _export(session, "advisor.demo", "csv")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["entities.csv", "links.csv"]
    entities = list(csv.DictReader(io.StringIO(archive.read("entities.csv").decode("utf-8-sig"))))
    links = list(csv.DictReader(io.StringIO(archive.read("links.csv").decode("utf-8-sig"))))
    assert len(entities) == result.entities
    assert len(links) == result.links
    ids = {row["entity_id"] for row in entities}
    assert all(row["source_id"] in ids and row["target_id"] in ids for row in links)
    people = [row for row in entities if row["kind"] == "PERSON"]
    assert any(row["dob"] for row in people)
    assert all(row["records"] for row in entities), "every entity names the records behind it"


def test_the_i2_table_has_one_row_per_link_with_both_ends(session: Session) -> None:
    data, result = _export(session, "analyst.demo", "i2")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == I2_COLUMNS
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    linked = [row for row in body if row["Link Type"]]
    assert len(linked) == result.links
    types = set(I2_TYPES.values())
    for row in linked:
        assert row["Entity 1 Identity"].startswith("E")
        assert row["Entity 2 Identity"].startswith("E")
        assert row["Entity 1 Type"] in types
        assert row["Entity 2 Type"] in types
        assert row["Link Strength"] in ("Confirmed", "Unconfirmed", "Tentative")
        assert row["Link Records"]
    alone = [row for row in body if not row["Link Type"]]
    assert (
        len({r["Entity 1 Identity"] for r in linked} | {r["Entity 2 Identity"] for r in linked}) + len(alone)
        == result.entities
    )


def test_every_export_is_audited_with_its_format_scope_and_counts(session: Session) -> None:
    _, result = _export(session, "analyst.demo", "gexf")
    session.flush()
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.run").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.actor == "analyst.demo"
    assert event.details["format"] == "gexf"
    assert event.details["scope"]["kind"] == "network"
    assert event.details["entities"] == result.entities
    assert event.details["links"] == result.links


def test_who_may_export_what(session: Session) -> None:
    with pytest.raises(PermissionDeniedError):
        _export(session, "coordinator.demo", "ftm")
    with pytest.raises(PermissionDeniedError):
        _export(session, "partner.demo", "ftm", ExportScope(group_id=1))
    with pytest.raises(NotFoundError):
        _export(session, "partner.demo", "csv", ExportScope(entity_ids=(10**9,)))


def _identifying_values(record: SourceRecord) -> set[str]:
    found: set[str] = set()
    for fields in record.normalised.values():
        if not isinstance(fields, dict):
            continue
        given, family = fields.get("given_name"), fields.get("family_name")
        if isinstance(given, str) and isinstance(family, str):
            found.add(f"{given} {family}")  # how a party without a full name is labelled
        for name in (
            "full_name",
            "alias",
            "nino",
            "phone",
            "vrm",
            "uprn",
            "company_number",
            "email",
            "business_name",
        ):
            value = fields.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and len(item) >= 6:
                    found.add(item)
    return found


def test_a_partners_exports_hold_nothing_from_records_they_may_not_see(session: Session) -> None:
    partner = actor(session, "partner.demo")
    visible = RecordVisibility(partner, load_access_context(session))
    shown: set[str] = set()
    hidden: set[str] = set()
    hidden_keys: set[str] = set()
    for record in session.scalars(select(SourceRecord).where(current_version())):
        if visible(record):
            shown |= _identifying_values(record)
        else:
            hidden |= _identifying_values(record)
            hidden_keys.add(f"/{record.source_key}")
    only_hidden = hidden - shown
    assert len(only_hidden) > 100, "the demo hides plenty from a housing officer"
    for fmt in ("ftm", "csv", "i2", "graphml", "gexf"):
        data, result = _export(session, "partner.demo", fmt)
        assert result.entities > 0
        if fmt == "csv":
            archive = zipfile.ZipFile(io.BytesIO(data))
            text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
        else:
            text = data.decode("utf-8-sig")
        leaked = sorted(value for value in only_hidden if value in text)
        assert leaked == [], f"{fmt}: {leaked[:5]}"
        references = sorted(key for key in hidden_keys if f"{key};" in text or f'{key}"' in text)
        assert references == [], f"{fmt} names hidden records: {references[:5]}"


def test_exports_are_named_for_their_scope_and_day(session: Session) -> None:
    _, result = _export(session, "analyst.demo", "ftm")
    assert result.filename == f"crimelink-network-{datetime.now(UTC).date().isoformat()}.ftm.json"
    assert result.media_type == "application/x-ndjson"
