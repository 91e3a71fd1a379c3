"""GraphML and GEXF for Gephi (and networkx, yEd, Cytoscape desktop): the network with typed attributes.

Nodes are the exported entities (id ``e<entity id>``), edges their links (undirected, as the network
is); both carry typed attributes (docs/exports.md lists them): ``label`` (Gephi's node label), ``kind``,
``weight`` (a double: Gephi's edge weight), counts as integers, safeguarding flags as booleans, and the
graph as a whole carries the scope, the date, who exported it and its protective marking. GEXF nodes are
also coloured by kind.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import IO

from crimelink.domain import EntityKind
from crimelink.services.exports import ExportEntity, ExportLink, ExportSnapshot

SEPARATOR = "; "
#: (attribute, GraphML type, GEXF type) of nodes and of edges, in order.
NODE_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("label", "string", "string"),
    ("entity_id", "int", "integer"),
    ("kind", "string", "string"),
    ("identifiers", "string", "string"),
    ("agencies", "string", "string"),
    ("threats", "string", "string"),
    ("records", "int", "integer"),
    ("child", "boolean", "boolean"),
    ("vulnerable_adult", "boolean", "boolean"),
    ("marking", "string", "string"),
)
EDGE_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("relation", "string", "string"),
    ("kinds", "string", "string"),
    ("roles", "string", "string"),
    ("weight", "double", "double"),
    ("evidence_count", "int", "integer"),
    ("first_seen", "string", "string"),
    ("last_seen", "string", "string"),
    ("records", "string", "string"),
    ("marking", "string", "string"),
)
GRAPH_ATTRIBUTES = ("scope", "as_of", "exported_by", "marking")
#: Node colours in GEXF (Gephi shows them as they are), by kind.
KIND_COLOURS: dict[EntityKind, tuple[int, int, int]] = {
    EntityKind.PERSON: (31, 119, 180),
    EntityKind.PREMISES: (44, 160, 44),
    EntityKind.VEHICLE: (255, 127, 14),
    EntityKind.PHONE: (214, 39, 40),
    EntityKind.EMAIL: (148, 103, 189),
    EntityKind.BUSINESS: (140, 86, 75),
    EntityKind.BANK_ACCOUNT: (227, 119, 194),
    EntityKind.ONLINE_ACCOUNT: (127, 127, 127),
}
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GEXF_NS = "http://www.gexf.net/1.2draft"
VIZ_NS = "http://www.gexf.net/1.2draft/viz"


def node_id(entity_id: int) -> str:
    return f"e{entity_id}"


def _node_values(entity: ExportEntity) -> dict[str, str]:
    identifiers = SEPARATOR.join(
        f"{name}: {value}" for name, values in entity.values.items() for value in values
    )
    return {
        "label": entity.label,
        "entity_id": str(entity.entity_id),
        "kind": entity.kind.value,
        "identifiers": identifiers,
        "agencies": SEPARATOR.join(entity.agencies),
        "threats": SEPARATOR.join(entity.threats),
        "records": str(len(entity.records)),
        "child": "true" if entity.child else "false",
        "vulnerable_adult": "true" if entity.vulnerable_adult else "false",
        "marking": entity.marking,
    }


def _edge_values(link: ExportLink) -> dict[str, str]:
    return {
        "relation": link.relation.value,
        "kinds": SEPARATOR.join(link.kinds),
        "roles": link.roles,
        "weight": repr(float(link.weight)),
        "evidence_count": str(len(link.records)),
        "first_seen": link.first_seen.isoformat() if link.first_seen else "",
        "last_seen": link.last_seen.isoformat() if link.last_seen else "",
        "records": SEPARATOR.join(r.reference for r in link.records),
        "marking": link.marking,
    }


def _graph_values(snapshot: ExportSnapshot) -> dict[str, str]:
    return {
        "scope": snapshot.scope_text,
        "as_of": snapshot.as_of.isoformat(),
        "exported_by": snapshot.actor,
        "marking": snapshot.marking,
    }


def _write(root: ET.Element, out: IO[bytes]) -> None:
    ET.indent(root, space=" ")
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def _keys(
    parent: ET.Element, owner: str, attributes: Sequence[tuple[str, str, str]], prefix: str
) -> dict[str, str]:
    ids: dict[str, str] = {}
    for name, graphml_type, _ in attributes:
        ids[name] = f"{prefix}_{name}"
        ET.SubElement(
            parent, "key", {"id": ids[name], "for": owner, "attr.name": name, "attr.type": graphml_type}
        )
    return ids


def write_graphml(
    snapshot: ExportSnapshot, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> None:
    """The network as GraphML: typed ``<key>`` declarations, one ``<node>`` per entity, one ``<edge>`` a link."""
    root = ET.Element("graphml", {"xmlns": GRAPHML_NS})
    graph_keys = _keys(root, "graph", [(n, "string", "string") for n in GRAPH_ATTRIBUTES], "g")
    node_keys = _keys(root, "node", NODE_ATTRIBUTES, "n")
    edge_keys = _keys(root, "edge", EDGE_ATTRIBUTES, "d")
    graph = ET.SubElement(root, "graph", {"id": "crimelink", "edgedefault": "undirected"})
    for name, value in _graph_values(snapshot).items():
        ET.SubElement(graph, "data", {"key": graph_keys[name]}).text = value
    for entity in snapshot.entities:
        node = ET.SubElement(graph, "node", {"id": node_id(entity.entity_id)})
        for name, value in _node_values(entity).items():
            if value != "":
                ET.SubElement(node, "data", {"key": node_keys[name]}).text = value
    for link in snapshot.links:
        edge = ET.SubElement(graph, "edge", {"source": node_id(link.source), "target": node_id(link.target)})
        for name, value in _edge_values(link).items():
            if value != "":
                ET.SubElement(edge, "data", {"key": edge_keys[name]}).text = value
    _write(root, out)
    if progress:
        progress(1, 1)


def write_gexf(
    snapshot: ExportSnapshot, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> None:
    """The network as GEXF 1.2 (Gephi's own format): typed attributes, labels, weights and kind colours."""
    # Unqualified tags under literal xmlns declarations: ElementTree would otherwise invent prefixes.
    root = ET.Element("gexf", {"xmlns": GEXF_NS, "xmlns:viz": VIZ_NS, "version": "1.2"})
    meta = ET.SubElement(root, "meta", {"lastmodifieddate": snapshot.as_of.isoformat()})
    ET.SubElement(meta, "creator").text = "Crimelink"
    ET.SubElement(
        meta, "description"
    ).text = f"{snapshot.scope_text}; exported by {snapshot.actor}; {snapshot.marking}"
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "undirected", "mode": "static"})
    node_ids = _gexf_attributes(graph, "node", [a for a in NODE_ATTRIBUTES if a[0] != "label"])
    edge_ids = _gexf_attributes(graph, "edge", [a for a in EDGE_ATTRIBUTES if a[0] != "weight"])
    nodes = ET.SubElement(graph, "nodes")
    for entity in snapshot.entities:
        values = _node_values(entity)
        node = ET.SubElement(nodes, "node", {"id": node_id(entity.entity_id), "label": values["label"]})
        _gexf_values(node, node_ids, values)
        red, green, blue = KIND_COLOURS[entity.kind]
        ET.SubElement(node, "viz:color", {"r": str(red), "g": str(green), "b": str(blue)})
    edges = ET.SubElement(graph, "edges")
    for number, link in enumerate(snapshot.links):
        values = _edge_values(link)
        edge = ET.SubElement(
            edges,
            "edge",
            {
                "id": str(number),
                "source": node_id(link.source),
                "target": node_id(link.target),
                "weight": values["weight"],
                "label": link.relation.value.lower(),
            },
        )
        _gexf_values(edge, edge_ids, values)
    _write(root, out)
    if progress:
        progress(1, 1)


def _gexf_attributes(
    graph: ET.Element, owner: str, attributes: Sequence[tuple[str, str, str]]
) -> dict[str, str]:
    declared = ET.SubElement(graph, "attributes", {"class": owner, "mode": "static"})
    ids: dict[str, str] = {}
    for number, (name, _, gexf_type) in enumerate(attributes):
        ids[name] = str(number)
        ET.SubElement(declared, "attribute", {"id": ids[name], "title": name, "type": gexf_type})
    return ids


def _gexf_values(element: ET.Element, ids: dict[str, str], values: dict[str, str]) -> None:
    holder = ET.SubElement(element, "attvalues")
    for name, attribute_id in ids.items():
        if values[name] != "":
            ET.SubElement(holder, "attvalue", {"for": attribute_id, "value": values[name]})
