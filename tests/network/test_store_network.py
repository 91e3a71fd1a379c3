"""The network as a viewer may see it: built from resolved entities over the records they may see.

The world (``network_store_world``) is resolved once per module and each test reads a fresh copy; the
visibility test builds its own on every backend.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from network_store_world import (
    HIDDEN,
    POLICE_COLUMNS,
    POLICE_ROWS,
    TODAY,
    NetworkWorld,
    _import,
    _mapping,
    actor,
    build_network_world,
    build_once,
)
from pydantic import SecretStr
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from crimelink.domain import DataCategory
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.linkage.resolve import resolve_entities
from crimelink.network import Network
from crimelink.network.model import Evidence
from crimelink.network.weights import WeightRules
from crimelink.services.network import edge_element_id, network_for, network_json, node_element_id
from crimelink.settings import Settings
from crimelink.store.engine import make_engine
from crimelink.store.models import AuditEvent, Entity, SourceRecord


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, NetworkWorld]:
    return build_once(tmp_path_factory.mktemp("network-world"), sqlite_template)


@pytest.fixture
def store(built: tuple[Path, NetworkWorld], tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "crimelink.db"
    shutil.copyfile(built[0], path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def world(built: tuple[Path, NetworkWorld]) -> NetworkWorld:
    return built[1]


def network_of(engine: Engine, username: str, **filters: object) -> Network:
    with Session(engine) as session:
        network = network_for(session, actor(session, username), today=TODAY, **filters)  # type: ignore[arg-type]
        session.commit()
    return network


def add_report(
    store: Engine,
    tmp_path: Path,
    urn: str,
    subject: tuple[str, str],
    associate: tuple[str, str],
    *,
    grade: str,
    threats: str,
    text: str,
) -> None:
    """Import one more police report naming ``subject`` and ``associate`` (each a name and date of birth)."""
    row = dict(POLICE_ROWS[0]) | {
        "URN": urn,
        "Name": subject[0],
        "DOB": subject[1],
        "NINO": "",
        "Associate": associate[0],
        "Associate DOB": associate[1],
        "VRM": "",
        "Conditions": "",
        "Grade": grade,
        "Threats": threats,
        "Text": text,
    }
    intelligence = _mapping(
        "intelligence-log", "POLICE", "INTELLIGENCE", DataCategory.INTELLIGENCE, "URN", POLICE_COLUMNS
    )
    _import(store, tmp_path, intelligence, [row])


def weight(network: Network, a: int, b: int) -> float:
    return sum(item.weight for item in network.evidence_between(a, b))


def test_two_people_named_in_one_report_are_linked_with_that_report_as_evidence(
    store: Engine, world: NetworkWorld
) -> None:
    e = world.entities
    network = network_of(store, "analyst.one")
    [evidence] = network.evidence_between(e["alice"], e["bob"])
    assert evidence.record_id == world.records["IR-1"]
    assert evidence.kind == "co-occurrence"
    assert evidence.grading == "1A"
    assert (evidence.agency_code, evidence.dataset) == ("POLICE", "intelligence-log")
    assert evidence.threats == ("DRUG_SUPPLY",)
    assert evidence.event_date == date(2026, 1, 10)
    assert set(evidence.parties) == {"subject", "associate"}
    # A register row links its parties too, with its start date as the record's date.
    [tenancy] = network.evidence_between(e["alice"], e["linden_road"])
    assert tenancy.record_id == world.records["H-1"]
    assert tenancy.grading is None
    assert tenancy.event_date == date(2024, 2, 1)
    # People never named together are not linked.
    assert network.evidence_between(e["bob"], e["carol"]) == []
    alice = network.nodes[e["alice"]]
    assert alice.label == "ALICE MARLOW"
    assert alice.kind == "PERSON"
    assert alice.record_ids == {world.records[k] for k in ("IR-1", "IR-4", "H-1")}
    assert alice.agencies == {"POLICE", "LBA-HOUSING"}
    assert alice.parties["subject"] == 3


def test_better_graded_and_newer_reports_make_stronger_links(store: Engine, world: NetworkWorld) -> None:
    e = world.entities
    network = network_of(store, "analyst.one")
    # Same day: 1A against 3E.
    assert weight(network, e["alice"], e["bob"]) > 10 * weight(network, e["carol"], e["dave"])
    # Same grade: this year against six years ago.
    assert weight(network, e["alice"], e["bob"]) > 5 * weight(network, e["eve"], e["frank"])
    assert network.graph.es[network.graph.get_eid(network.vertex(e["alice"]), network.vertex(e["bob"]))][
        "weight"
    ] == pytest.approx(weight(network, e["alice"], e["bob"]))
    with Session(store) as session:
        ageless = network_for(
            session, actor(session, "analyst.one"), today=TODAY, rules=WeightRules(half_life_days=None)
        )
        session.rollback()
    assert weight(ageless, e["alice"], e["bob"]) == pytest.approx(weight(ageless, e["eve"], e["frank"]))


def test_a_typed_relationship_adds_its_evidence_to_the_link(store: Engine, world: NetworkWorld) -> None:
    e = world.entities
    network = network_of(store, "analyst.one")
    evidence = network.evidence_between(e["harry"], e["kyle"])
    assert sorted(item.kind for item in evidence) == ["EXPLOITS", "co-occurrence"]
    assert {item.record_id for item in evidence} == {world.records["IR-5"]}
    relationship = next(item for item in evidence if item.kind == "EXPLOITS")
    assert not relationship.parties  # a typed relationship names no parties of a record
    assert weight(network, e["harry"], e["kyle"]) > weight(network, e["harry"], e["mary"])


def test_a_record_the_viewer_may_not_see_leaves_no_trace_in_their_network(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "var", secret_key=SecretStr("v" * 48))
    world = build_network_world(engine, settings, tmp_path)
    e, hidden_report = world.entities, world.records["IR-4"]
    analyst = network_of(engine, "analyst.one")
    partner = network_of(engine, "partner.one")

    # The police analyst sees the police-only report: its people, vehicle, links and threat.
    assert {e["gina"], e["vehicle"]} <= set(analyst.nodes)
    assert analyst.evidence_between(e["alice"], e["gina"])[0].record_id == hidden_report
    assert [item.kind for item in analyst.evidence_between(e["alice"], e["barnaby"])] == ["CONTROLS"]
    assert "MODERN_SLAVERY" in analyst.nodes[e["alice"]].threats

    # The housing officer does not: no node, no link, no threat, no record, no name from it.
    assert e["gina"] not in partner.nodes
    assert e["vehicle"] not in partner.nodes
    assert partner.evidence_between(e["alice"], e["barnaby"]) == []
    alice = partner.nodes[e["alice"]]
    assert alice.threats == {"DRUG_SUPPLY"}
    assert hidden_report not in alice.record_ids
    assert alice.parties["subject"] == 2
    assert alice.label == "ALICE MARLOW"
    assert all(hidden_report not in (i.record_id for i in items) for items in partner.graph.es["evidence"])
    shown = json.dumps(network_json(partner)).upper()
    for secret in HIDDEN:
        assert secret not in shown, secret
    # What the partner may see is still there.
    assert partner.evidence_between(e["alice"], e["bob"])
    assert partner.evidence_between(e["alice"], e["linden_road"])
    with Session(engine) as session:
        stored = session.get(Entity, e["alice"])
        assert stored is not None
        assert "MARLOW-GREY" in stored.display_name  # what the label must not be built from


def test_safeguarding_facts_come_only_from_records_the_viewer_may_see(
    store: Engine, world: NetworkWorld
) -> None:
    e = world.entities
    analyst = network_of(store, "analyst.one")
    # Kyle has no date of birth anywhere: he is a child because children's social care knows him.
    assert analyst.nodes[e["kyle"]].is_child
    assert analyst.nodes[e["kyle"]].parties == {"associate": 1, "child": 1}
    assert not analyst.nodes[e["lena"]].is_child  # his carer
    assert analyst.nodes[e["ian"]].is_child  # 15 on the day of IR-7, by his date of birth
    assert analyst.nodes[e["mary"]].vulnerable_adult
    assert not analyst.nodes[e["mary"]].is_child
    assert not analyst.nodes[e["harry"]].is_child
    assert not analyst.nodes[e["harry"]].vulnerable_adult

    partner = network_of(store, "partner.one")
    assert not partner.nodes[e["kyle"]].is_child
    assert not partner.nodes[e["mary"]].vulnerable_adult
    assert partner.nodes[e["ian"]].is_child
    assert e["lena"] not in partner.nodes


def test_merged_entities_collapse_into_the_one_they_were_merged_into(
    store: Engine, world: NetworkWorld
) -> None:
    e, r = world.entities, world.records
    # Frank was merged into Bob, and Bob since into Oscar; links written before the merges still name them.
    with Session(store) as session:
        session.execute(update(Entity).where(Entity.id == e["frank"]).values(merged_into_id=e["bob"]))
        session.execute(update(Entity).where(Entity.id == e["bob"]).values(merged_into_id=e["oscar"]))
        session.commit()
    network = network_of(store, "analyst.one")
    assert e["frank"] not in network.nodes
    assert e["bob"] not in network.nodes
    oscar = network.nodes[e["oscar"]]
    assert oscar.record_ids == {r["IR-1"], r["IR-3"], r["IR-7"]}
    assert oscar.parties == {"associate": 3}
    assert oscar.threats == {"DRUG_SUPPLY", "FRAUD"}
    assert {
        network.nodes[network.entity(v)].label for v in network.graph.neighbors(network.vertex(e["oscar"]))
    } == {
        "ALICE MARLOW",
        "EVE ROWE",
        "IAN WOLFE",
    }
    assert [item.record_id for item in network.evidence_between(e["alice"], e["oscar"])] == [r["IR-1"]]


def test_a_threat_filter_keeps_the_records_tagged_with_it(store: Engine, world: NetworkWorld) -> None:
    e, r = world.entities, world.records
    county_lines = network_of(store, "analyst.one", threats=["COUNTY_LINES"])
    assert set(county_lines.nodes) == {e["harry"], e["kyle"], e["mary"], e["elm_court"]}
    assert county_lines.graph.ecount() == 4
    kyle = county_lines.nodes[e["kyle"]]
    assert kyle.record_ids == {r["IR-5"]}
    assert kyle.parties == {"associate": 1}
    # The social care records carry no threat tag, yet still say who is a child or an adult at risk.
    assert kyle.is_child
    assert county_lines.nodes[e["mary"]].vulnerable_adult
    assert kyle.label == "KYLE NASH"

    cuckooing = network_of(store, "analyst.one", threats=["cuckooing", "FRAUD"])
    assert set(cuckooing.nodes) == {e["harry"], e["mary"], e["elm_court"], e["eve"], e["frank"]}
    with pytest.raises(InvalidInputError, match="COUNTY_LINES"):
        network_of(store, "analyst.one", threats=["GANGS"])


def test_a_time_window_keeps_the_records_dated_in_it(store: Engine, world: NetworkWorld) -> None:
    e = world.entities
    january = network_of(store, "analyst.one", since=date(2026, 1, 1), until=date(2026, 1, 31))
    assert set(january.nodes) == {e["alice"], e["bob"], e["carol"], e["dave"]}
    assert january.nodes[e["alice"]].label == "ALICE MARLOW"
    recent = network_of(store, "analyst.one", since=date(2026, 1, 1))
    assert e["eve"] not in recent.nodes
    assert e["linden_road"] not in recent.nodes
    assert e["ian"] in recent.nodes
    older = network_of(store, "analyst.one", until=date(2025, 12, 31))
    assert e["bob"] not in older.nodes
    assert {e["eve"], e["frank"], e["gina"], e["linden_road"], e["kyle"], e["lena"]} <= set(older.nodes)
    with pytest.raises(InvalidInputError, match="swap"):
        network_of(store, "analyst.one", since=date(2026, 2, 1), until=date(2026, 1, 1))


def test_the_network_page_gets_cytoscape_elements(store: Engine, world: NetworkWorld) -> None:
    e, r = world.entities, world.records
    network = network_of(store, "analyst.one")
    payload = network_json(network)
    nodes = {n["data"]["id"]: n["data"] for n in payload["elements"]["nodes"]}
    edges = {x["data"]["id"]: x["data"] for x in payload["elements"]["edges"]}
    assert payload["total_nodes"] == len(nodes) == network.graph.vcount()
    assert payload["total_edges"] == len(edges) == network.graph.ecount()
    assert payload["capped"] is False
    kyle = nodes[node_element_id(e["kyle"])]
    assert kyle["entity_id"] == e["kyle"]
    assert (kyle["kind"], kyle["kind_label"], kyle["label"]) == ("PERSON", "Person", "KYLE NASH")
    assert kyle["threats"] == ["COUNTY_LINES"]
    assert kyle["child"] is True
    assert kyle["agencies"] == ["LBA-CSC", "POLICE"]
    link = edges[edge_element_id(e["kyle"], e["harry"])]
    assert {link["source"], link["target"]} == {node_element_id(e["kyle"]), node_element_id(e["harry"])}
    assert link["evidence_count"] == 2
    assert link["record_ids"] == [r["IR-5"]]
    assert link["kinds"] == ["EXPLOITS", "co-occurrence"]
    assert link["weight"] == pytest.approx(weight(network, e["kyle"], e["harry"]), abs=1e-4)

    strongest = network_json(network, max_nodes=2)
    assert strongest["capped"] is True
    assert strongest["total_nodes"] == network.graph.vcount()
    strength = {entity: sum(weight(network, entity, o) for o in network.nodes) for entity in network.nodes}
    top_two = sorted(strength, key=lambda entity: -strength[entity])[:2]
    assert {n["data"]["entity_id"] for n in strongest["elements"]["nodes"]} == set(top_two)

    part = network_json(network, entity_ids=[e["harry"], e["mary"], e["elm_court"], 999_999])
    assert part["total_nodes"] == 3
    assert len(part["elements"]["edges"]) == 3


def test_only_readers_may_build_the_network_and_each_build_is_audited(store: Engine) -> None:
    with Session(store) as session:
        with pytest.raises(PermissionDeniedError):
            network_for(session, actor(session, "admin.one"), today=TODAY)
        network = network_for(session, actor(session, "analyst.one"), today=TODAY, threats=["FRAUD"])
        session.commit()
        event = session.scalars(select(AuditEvent).where(AuditEvent.resource_type == "network")).one()
    assert event.actor == "analyst.one"
    assert event.details["threats"] == ["FRAUD"]
    assert event.details["entities"] == network.graph.vcount() == 2
    assert event.details["records"] == 1


def test_a_report_added_after_a_view_is_in_the_next_view(store: Engine, tmp_path: Path) -> None:
    """Networks are reused while nothing they are read from changes; a new report is a change."""
    before = network_of(store, "analyst.one")
    assert "QUENTIN MARSH" not in {node.label for node in before.nodes.values()}
    add_report(
        store,
        tmp_path,
        "IR-9",
        ("Quentin Marsh", "01/02/1990"),
        ("Rhea Stone", "03/04/1991"),
        grade="1A P",
        threats="DRUG_SUPPLY",
        text="Subject and associate run a supply line.",
    )
    resolve_entities(store)
    after = network_of(store, "analyst.one")
    labels = {node.label: entity for entity, node in after.nodes.items()}
    assert "QUENTIN MARSH" in labels
    assert after.evidence_between(labels["QUENTIN MARSH"], labels["RHEA STONE"])
    assert network_of(store, "analyst.one") is after, "an unchanged store reuses the network it built"


def test_a_record_its_indicators_tag_is_threat_evidence_once_screened(
    store: Engine, world: NetworkWorld, tmp_path: Path
) -> None:
    """The indicator catalogue's tags, kept by a screening run, count as the agency's own tags do."""
    from crimelink.domain.reference import default_reference
    from crimelink.network.screening import Screener
    from crimelink.services.record_screening import screen_records

    add_report(
        store,
        tmp_path,
        "IR-10",
        ("Tess Amble", "01/02/1960"),
        ("Uri Brook", "03/04/1999"),
        grade="2B P",
        threats="",
        text="Young males coming and going at all hours; the door frame is damaged.",
    )
    resolve_entities(store)

    def tess_and_uri(network: Network) -> list[Evidence]:
        labels = {node.label: entity for entity, node in network.nodes.items()}
        return network.evidence_between(labels["TESS AMBLE"], labels["URI BROOK"])

    (before,) = tess_and_uri(network_of(store, "analyst.one"))
    assert before.threats == ()
    assert before.screened == ()
    assert "TESS AMBLE" not in {
        n.label for n in network_of(store, "analyst.one", threats=["CUCKOOING"]).nodes.values()
    }

    with Session(store) as session:
        run = screen_records(session)
        session.commit()
    assert run.tagged >= 1
    assert run.by_threat.get("CUCKOOING", 0) >= 1
    (after,) = tess_and_uri(network_of(store, "analyst.one"))
    assert after.threats == ("CUCKOOING",)
    assert after.screened == ("CUCKOOING",)
    cuckooing = network_of(store, "analyst.one", threats=["CUCKOOING"])
    assert tess_and_uri(cuckooing), "the threat filter keeps a record screening tagged"
    # A record its agency tagged keeps its own tags, and they are not counted as screening's.
    (harry_mary,) = network_of(store, "analyst.one").evidence_between(
        world.entities["harry"], world.entities["mary"]
    )
    assert harry_mary.threats == ("COUNTY_LINES", "CUCKOOING")
    assert harry_mary.screened == ()

    with Session(store) as session:
        assert screen_records(session).screened == 0, "a second run with the same catalogue screens nothing"
        everything = session.scalar(select(func.count()).select_from(SourceRecord))
        stricter = Screener(default_reference().indicators, min_score=6)
        assert screen_records(session, screener=stricter).screened == everything
        session.commit()
    (stricter_view,) = tess_and_uri(network_of(store, "analyst.one"))
    assert stricter_view.threats == (), "two indicators weighing 4 do not reach a minimum score of 6"
