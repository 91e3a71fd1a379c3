"""Any edge list as a network, and the same analyses the organised crime picture runs, written as CSV files.

:func:`read_edge_list` reads ``source,target[,weight]`` rows (and, optionally, a node table) into a
:class:`~crimelink.network.model.Network`: each node becomes an entity numbered in order of first
appearance, each row one piece of evidence (so repeated rows for a pair, in either direction, add up).
:func:`analyse_network` runs community detection, centralities, brokers, key players and suggested roles;
:func:`write_analysis` writes ``communities.csv``, ``rankings.csv`` and ``key_players.csv``.

A node table may give, beside its id column, ``label`` (or ``name``), ``kind`` (an entity kind, PERSON by
default), ``is_child`` and ``vulnerable_adult`` (yes/no, true/false, 1/0) and ``threats`` (criminality type
codes separated by ``;``). Role suggestions use only those. Every other column is carried nowhere and
used for nothing: attributes such as birthplace or ethnicity never feed a ranking or a role.

Bad input stops the read with an :class:`~crimelink.errors.ImportFileError` naming the file, the row
(counting the header as row 1) and the column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crimelink.domain.codes import CriminalityType, EntityKind, MemberRole
from crimelink.errors import ImportFileError
from crimelink.network.centrality import (
    DEFAULT_MIN_OUTSIDE_SHARE,
    Broker,
    Centrality,
    Removal,
    brokers,
    centralities,
    participation,
    position_scores,
)
from crimelink.network.communities import (
    DEFAULT_RESOLUTION,
    DEFAULT_SEED,
    CandidateGroup,
    candidates_from_membership,
    detect_communities,
)
from crimelink.network.model import Evidence, Network, Node, build_network
from crimelink.network.roles import RoleSuggestion, group_key_players, involvement, suggest_roles

__all__ = [
    "EDGE_LIST_EVIDENCE",
    "EdgeListAnalysis",
    "LoadedEdgeList",
    "analyse_network",
    "read_edge_list",
    "role_counts",
    "write_analysis",
]

#: The evidence kind of one edge-list row.
EDGE_LIST_EVIDENCE = "edge-list row"
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"", "0", "false", "no", "n", "f"}


@dataclass
class LoadedEdgeList:
    """An edge list read into a network, with each node's name as the file gives it."""

    network: Network
    #: Entity id -> the node's id in the file.
    names: dict[int, str]
    rows: int = 0
    #: Rows linking a node to itself, which say nothing about a network and are left out.
    self_links: int = 0


def _rows(path: Path, what: str) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise ImportFileError(str(path), f"no such {what} file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise ImportFileError(str(path), "the file is empty: expected a header row")
            names = [h.strip() for h in header]
            row_number = 1
            for cells in reader:
                row_number += 1
                if not any(cell.strip() for cell in cells):
                    continue
                yield row_number, dict(zip(names, (c.strip() for c in cells), strict=False))
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(path), f"not readable as UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportFileError(str(path), f"malformed CSV ({exc})") from None


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except (UnicodeDecodeError, csv.Error, OSError):
        return []


def _need(path: Path, header: list[str], column: str, option: str) -> None:
    if column not in header:
        raise ImportFileError(
            str(path),
            f"no column {column!r}; the header has {', '.join(repr(h) for h in header)} "
            f"(name the right column with {option})",
        )


def read_edge_list(
    edges: Path,
    *,
    nodes: Path | None = None,
    source: str = "source",
    target: str = "target",
    weight: str | None = None,
    node_id: str = "id",
) -> LoadedEdgeList:
    """Read an edge list (and optionally a node table) into a network.

    ``weight`` names the weight column; when it is None a column called ``weight`` is used if there is
    one, and every row counts 1 otherwise. Weights must be positive numbers.

    >>> loaded = read_edge_list(Path("london_gang.edges.csv"), nodes=Path("london_gang.nodes.csv"))  # doctest: +SKIP
    """
    names: dict[str, int] = {}
    facts: dict[int, Node] = {}
    if nodes is not None:
        _read_nodes(nodes, node_id, names, facts)
    header = _header(edges)
    if edges.is_file() and header:
        _need(edges, header, source, "--source")
        _need(edges, header, target, "--target")
        if weight is not None:
            _need(edges, header, weight, "--weight")
        elif "weight" in header:
            weight = "weight"
    triples: list[tuple[int, int, Evidence]] = []
    loaded_rows = self_links = 0
    for row_number, row in _rows(edges, "edge list"):
        loaded_rows += 1
        ends = []
        for column in (source, target):
            value = row.get(column, "")
            if not value:
                raise ImportFileError(
                    str(edges), f"row {row_number}, column {column!r}: empty; give a node id"
                )
            if value not in names:
                if nodes is not None:
                    raise ImportFileError(
                        str(edges),
                        f"row {row_number}, column {column!r}: node {value!r} is not in {nodes.name}; "
                        "add it there or correct the id",
                    )
                names[value] = len(names)
                facts[names[value]] = Node(names[value], EntityKind.PERSON.value, value)
            ends.append(names[value])
        w = _weight(edges, row_number, weight, row.get(weight, "") if weight else "1")
        if ends[0] == ends[1]:
            self_links += 1
            continue
        triples.append(
            (
                ends[0],
                ends[1],
                Evidence(
                    record_id=row_number,
                    agency_code="",
                    dataset=edges.name,
                    kind=EDGE_LIST_EVIDENCE,
                    parties=(),
                    grading=None,
                    event_date=None,
                    threats=(),
                    weight=w,
                ),
            )
        )
    if not loaded_rows:
        raise ImportFileError(str(edges), "no rows after the header: there are no links to analyse")
    network = build_network(facts.values(), triples)
    return LoadedEdgeList(network, {e: name for name, e in names.items()}, loaded_rows, self_links)


def _weight(path: Path, row_number: int, column: str | None, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ImportFileError(
            str(path),
            f"row {row_number}, column {column!r}: {text!r} is not a number; give a positive weight",
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise ImportFileError(
            str(path), f"row {row_number}, column {column!r}: {text!r}; weights must be positive numbers"
        )
    return value


def _read_nodes(path: Path, node_id: str, names: dict[str, int], facts: dict[int, Node]) -> None:
    header = _header(path)
    if path.is_file() and header:
        _need(path, header, node_id, "--node-id")
    columns = {h.lower(): h for h in header}
    label_column = columns.get("label") or columns.get("name")
    for row_number, row in _rows(path, "node table"):
        name = row.get(node_id, "")
        if not name:
            raise ImportFileError(
                str(path), f"row {row_number}, column {node_id!r}: empty; give the node's id"
            )
        if name in names:
            raise ImportFileError(
                str(path), f"row {row_number}, column {node_id!r}: node {name!r} appears twice"
            )
        entity = names[name] = len(names)
        node = Node(entity, _kind(path, row_number, columns, row), row.get(label_column or "", "") or name)
        node.is_child = _flag(path, row_number, columns.get("is_child"), row)
        node.vulnerable_adult = _flag(path, row_number, columns.get("vulnerable_adult"), row)
        node.threats = _threats(path, row_number, columns.get("threats"), row)
        facts[entity] = node


def _kind(path: Path, row_number: int, columns: dict[str, str], row: dict[str, str]) -> str:
    column = columns.get("kind")
    text = row.get(column, "").upper() if column else ""
    if not text:
        return EntityKind.PERSON.value
    if text not in EntityKind.__members__:
        raise ImportFileError(
            str(path),
            f"row {row_number}, column {column!r}: {text!r} is not an entity kind; use one of "
            f"{', '.join(EntityKind.__members__)}",
        )
    return text


def _flag(path: Path, row_number: int, column: str | None, row: dict[str, str]) -> bool:
    if column is None:
        return False
    text = row.get(column, "").lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ImportFileError(str(path), f"row {row_number}, column {column!r}: {text!r} is not yes or no")


def _threats(path: Path, row_number: int, column: str | None, row: dict[str, str]) -> set[str]:
    if column is None:
        return set()
    codes = {
        code.strip().upper() for code in row.get(column, "").replace(",", ";").split(";") if code.strip()
    }
    unknown = sorted(code for code in codes if code not in CriminalityType.__members__)
    if unknown:
        raise ImportFileError(
            str(path),
            f"row {row_number}, column {column!r}: {', '.join(unknown)} not a criminality type code "
            "(see crimelink.domain.CriminalityType)",
        )
    return codes


# --- analysis -------------------------------------------------------------------------------------


@dataclass
class EdgeListAnalysis:
    """Everything :func:`analyse_network` found, by entity id."""

    membership: dict[int, int]
    #: Communities with at least ``min_size`` people, largest first.
    communities: list[CandidateGroup]
    centrality: dict[int, Centrality]
    positions: dict[int, float]
    participation: dict[int, float]
    brokers: dict[int, Broker]
    #: Greedy key players of the whole network (up to ``top_k`` suspects).
    key_players: list[Removal]
    #: Key-player rank of every suspect: the greedy ``top_k`` first, then the others by position score.
    ranking: dict[int, int]
    #: Greedy key players of each reported community (by its community number).
    community_key_players: dict[int, list[Removal]] = field(default_factory=dict)
    roles: dict[int, RoleSuggestion] = field(default_factory=dict)


def analyse_network(
    network: Network,
    *,
    resolution: float = DEFAULT_RESOLUTION,
    min_size: int = 3,
    top_k: int = 10,
    seed: int = DEFAULT_SEED,
    broker_share: float = DEFAULT_MIN_OUTSIDE_SHARE,
) -> EdgeListAnalysis:
    """Communities, centralities, brokers, key players and suggested roles of a whole network.

    ``min_size`` counts people (every node of an edge list without a ``kind`` column is a person).
    """
    graph = network.graph
    raw_membership = detect_communities(graph, resolution=resolution, seed=seed)
    membership = {network.entity(v): c for v, c in enumerate(raw_membership)}
    communities = candidates_from_membership(network, raw_membership, min_people=min_size)
    found = centralities(network)
    positions = position_scores(found)
    shares = {network.entity(v): p for v, p in enumerate(participation(graph, raw_membership))}
    reaching = {b.node: b for b in brokers(network, raw_membership, min_outside_share=broker_share)}
    everyone = list(network.nodes)
    # Only suspects are ranked: exploited people and bystanders are never key players.
    people = involvement(network, everyone)
    key_players = group_key_players(network, everyone, k=top_k, found=people, positions=positions)
    chosen = [r.node for r in key_players]
    rest = sorted(set(people.suspects) - set(chosen), key=lambda e: (-positions.get(e, 0.0), e))
    ranking = {e: rank for rank, e in enumerate([*chosen, *rest], start=1)}
    analysis = EdgeListAnalysis(
        membership, communities, found, positions, shares, reaching, key_players, ranking
    )
    for community in communities:
        people = involvement(network, community.members)
        removals = group_key_players(network, community.members, found=people)
        analysis.community_key_players[community.community] = removals
        analysis.roles.update(suggest_roles(network, community.members, key_players=removals, found=people))
    return analysis


def write_analysis(
    analysis: EdgeListAnalysis, loaded: LoadedEdgeList, out_dir: Path, *, top_k: int = 10
) -> dict[str, Path]:
    """Write ``communities.csv``, ``rankings.csv`` and ``key_players.csv`` to ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    network, names = loaded.network, loaded.names
    paths = {name: out_dir / f"{name}.csv" for name in ("communities", "rankings", "key_players")}
    with paths["communities"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "community",
                "node",
                "label",
                "kind",
                "people",
                "members",
                "density",
                "inside_share",
                "key_player_rank",
                "suggested_role",
                "role_reasons",
            ]
        )
        for community in analysis.communities:
            rank = {r.node: r.rank for r in analysis.community_key_players.get(community.community, [])}
            for entity in community.members:
                node = network.nodes[entity]
                role = analysis.roles.get(entity)
                out.writerow(
                    [
                        community.community,
                        names[entity],
                        node.label,
                        node.kind,
                        len(community.people),
                        len(community.members),
                        f"{community.cohesion.density:.4f}",
                        f"{community.cohesion.inside_share:.4f}",
                        rank.get(entity, ""),
                        role.role.value if role else "",
                        "; ".join(role.reasons) if role else "",
                    ]
                )
    with paths["rankings"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "node",
                "label",
                "community",
                "degree",
                "strength",
                "betweenness",
                "eigenvector",
                "position",
                "participation",
                "broker",
                "broker_reason",
                "key_player_rank",
            ]
        )
        order = sorted(network.nodes, key=lambda e: (analysis.ranking.get(e, len(network.nodes) + 1), e))
        for entity in order:
            c = analysis.centrality[entity]
            broker = analysis.brokers.get(entity)
            out.writerow(
                [
                    names[entity],
                    network.nodes[entity].label,
                    analysis.membership[entity],
                    c.degree,
                    f"{c.strength:.6g}",
                    f"{c.betweenness:.6f}",
                    f"{c.eigenvector:.6f}",
                    f"{analysis.positions.get(entity, 0.0):.6f}",
                    f"{analysis.participation.get(entity, 0.0):.6f}",
                    "yes" if broker else "no",
                    broker.reason() if broker else "",
                    analysis.ranking.get(entity, ""),
                ]
            )
    with paths["key_players"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "scope",
                "rank",
                "node",
                "label",
                "largest_before",
                "largest_after",
                "reachability_before",
                "reachability_after",
                "position",
            ]
        )
        scopes: list[tuple[str, list[Removal]]] = [("network", analysis.key_players)]
        scopes += [
            (f"community {number}", removals[:top_k])
            for number, removals in sorted(analysis.community_key_players.items())
        ]
        for scope, removals in scopes:
            for r in removals:
                out.writerow(
                    [
                        scope,
                        r.rank,
                        names[r.node],
                        network.nodes[r.node].label,
                        r.largest_before,
                        r.largest_after,
                        f"{r.reachability_before:.6f}",
                        f"{r.reachability_after:.6f}",
                        f"{r.position:.6f}",
                    ]
                )
    return paths


def role_counts(analysis: EdgeListAnalysis) -> dict[MemberRole, int]:
    """How many people each suggested role went to."""
    counts: dict[MemberRole, int] = {}
    for suggestion in analysis.roles.values():
        counts[suggestion.role] = counts.get(suggestion.role, 0) + 1
    return counts
