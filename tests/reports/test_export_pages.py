"""The export page, its download, the JSON API and the links to it from the network and group pages."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from exports_world import ExportWorld, actor, export_world, signed_in
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from crimelink.services.network import network_for
from crimelink.web import create_app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> ExportWorld:
    return export_world(tmp_path_factory.mktemp("exports-world"), sqlite_template)


@pytest.fixture
def client(world: ExportWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, world.engine)) as test_client:
        yield test_client


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            self.fields.append(values)


def test_the_export_page_offers_every_format_and_scope_with_labelled_fields(client: TestClient) -> None:
    signed_in(client, "analyst.demo")
    page = client.get("/exports")
    assert page.status_code == 200
    for label in ("FollowTheMoney entities", "Entity and link CSV", "i2 Analyst", "GraphML", "GEXF (Gephi)"):
        assert label in page.text
    assert "One confirmed group" in page.text
    assert 'href="/exports"' in page.text, "the navigation links the page"
    parser = _Fields()
    parser.feed(page.text)
    assert parser.fields
    assert all(field.get("id") in parser.labelled for field in parser.fields), parser.fields


def test_the_download_is_the_network_as_the_viewer_sees_it(client: TestClient, world: ExportWorld) -> None:
    signed_in(client, "analyst.demo")
    answer = client.get("/exports/download", params={"format": "graphml", "scope": "network"})
    assert answer.status_code == 200
    assert 'filename="crimelink-network-' in answer.headers["content-disposition"]
    graph = nx.read_graphml(io.BytesIO(answer.content))
    with Session(world.engine) as session:
        network = network_for(session, actor(session, "analyst.demo"))
        session.rollback()
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (
        network.graph.vcount(),
        network.graph.ecount(),
    )


def test_a_group_downloads_from_its_page_link(client: TestClient) -> None:
    signed_in(client, "analyst.demo")
    group_page = client.get("/groups/1")
    assert 'href="/exports?scope=group&amp;group=1"' in group_page.text
    form = client.get("/exports", params={"scope": "group", "group": "1"})
    assert 'value="group" checked' in form.text
    answer = client.get("/exports/download", params={"format": "ftm", "scope": "group", "group": "1"})
    assert answer.status_code == 200
    entities = [json.loads(line) for line in answer.text.splitlines()]
    assert any(e["schema"] == "Person" for e in entities)
    network = client.get("/network", params={"group": "1"})
    assert 'id="network-export"' in network.text


def test_bad_choices_come_back_on_the_form_naming_the_field(client: TestClient) -> None:
    signed_in(client, "analyst.demo")
    answer = client.get(
        "/exports/download", params={"format": "csv", "scope": "entities", "entities": "twelve"}
    )
    assert answer.status_code == 400
    assert "give entity numbers" in answer.text
    missing = client.get(
        "/exports/download", params={"format": "csv", "scope": "entities", "entities": "999999999"}
    )
    assert missing.status_code == 400
    assert "not in your network" in missing.text


def test_the_api_lists_the_formats_and_streams_a_file(client: TestClient) -> None:
    signed_in(client, "analyst.demo")
    formats = client.get("/api/exports").json()["formats"]
    assert [f["format"] for f in formats] == ["ftm", "csv", "i2", "graphml", "gexf"]
    answer = client.get("/api/exports/gexf", params={"group_id": 1})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/gexf+xml")
    assert int(answer.headers["x-crimelink-entities"]) > 0
    graph = nx.read_gexf(io.BytesIO(answer.content))
    assert graph.number_of_nodes() == int(answer.headers["x-crimelink-entities"])
    assert client.get("/api/exports/pdf").status_code == 422


def test_a_partner_exports_without_groups_and_a_coordinator_may_not_export(client: TestClient) -> None:
    signed_in(client, "partner.demo")
    page = client.get("/exports")
    assert page.status_code == 200
    assert "One confirmed group" not in page.text
    assert client.get("/api/exports/ftm", params={"group_id": 1}).status_code == 403
    client.cookies.clear()
    signed_in(client, "coordinator.demo")
    assert client.get("/exports").status_code == 403
    assert 'href="/exports"' not in client.get("/").text
