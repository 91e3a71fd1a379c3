"""The network explorer: Cytoscape.js elements of a view, and the evidential path between two entities."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class NodeData(BaseModel):
    """An entity as the records you may see describe it."""

    #: The Cytoscape element id, ``e`` and the entity id.
    id: str
    entity_id: int
    #: An EntityKind value (``PERSON``, ``PREMISES``, ``PHONE`` ...).
    kind: str
    kind_label: str
    label: str
    threats: list[str]
    #: Records you may see that name the entity.
    records: int
    agencies: list[str]
    child: bool
    vulnerable_adult: bool


class NodeElement(BaseModel):
    data: NodeData


class EdgeData(BaseModel):
    """A link: the summed weight of its evidence, and the records behind it."""

    #: ``e<low id>-e<high id>``.
    id: str
    source: str
    target: str
    weight: float
    evidence_count: int
    record_ids: list[int]
    #: ``co-occurrence`` (named in one record) and/or relationship types.
    kinds: list[str]


class EdgeElement(BaseModel):
    data: EdgeData


class ElementsPublic(BaseModel):
    nodes: list[NodeElement]
    edges: list[EdgeElement]


class NetworkPublic(BaseModel):
    """Part of your network as Cytoscape.js elements; ``capped``: only the most strongly linked kept."""

    elements: ElementsPublic
    #: Entities and links in the view before ``max_nodes`` was applied.
    total_nodes: int
    total_edges: int
    capped: bool
    #: What the view shows, in words.
    focus: str = ""
    #: The highest protective marking of the records behind the view.
    marking: str = "OFFICIAL"


class EvidencePublic(BaseModel):
    """One record's support for a link: who holds it, its grading and date, and what it says in words."""

    record_id: int
    dataset: str
    dataset_title: str
    agency: str
    #: 3x5x2 source evaluation and assessment (e.g. ``2B``); ``null`` for a register record.
    grading: str | None
    date: date | None
    kind: str
    parties: list[str]
    threats: list[str]
    summary: str


class HopPublic(BaseModel):
    """One step of a path, from one entity to the next, with its evidence."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    from_label: str
    to_label: str
    #: The Cytoscape element id of the link.
    edge: str
    weight: float
    evidence: list[EvidencePublic]


class PathPublic(BaseModel):
    """How two entities are connected in the records you may see (``found`` false: they are not)."""

    found: bool
    reason: str
    hops: list[HopPublic]
    #: The entities and links of the path.
    network: NetworkPublic
