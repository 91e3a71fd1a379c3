"""Who is who in a group: suspects, exploited people, key players and suggested roles, each with its reasons.

Everything here reads what the records say about people (the parties they appear as, the criminality
types of those records, whether a record shows them as a child or an adult at risk) and where they sit
in the network. Nothing reads a name, nationality, ethnicity, religion or any other protected
characteristic; being a child or an adult at risk is used only to *protect*: it makes someone an
exploited person, never a suspect.

**Involvement.** Each person of a group is one of:

- *exploited*: a child or adult at risk in records about exploitation (their own records, or the
  group's evidence), or someone who appears in the group only as a worker when its evidence concerns
  labour exploitation, modern slavery or trafficking. Victims are safeguarded, not disrupted: they are
  never key players.
- *suspect*: named in a record about a criminality type as something other than a reporting or
  supporting party (reporter, complainant, carer, ...). When no record in the group names its parties
  (an edge list, say), people whose own facts carry criminality types are suspects; when nothing says
  who is involved in crime, everyone not exploited is.
- *other*: linked to the group only through records that are not about crime (a tenancy, a complaint).

**Key players** (:func:`group_key_players`) are drawn from the suspects; fragmentation is measured
among the people the crime involves (suspects and exploited people), so a bystander who happens to link
two tenants does not count as holding the group together.

**Roles** (:func:`suggest_roles`), one suggestion per person, the first that applies:

1. ``EXPLOITED_PERSON``: exploited, as above.
2. ``PRINCIPAL``: the suspect ranked first among the group's key players.
3. ``ENFORCER``: the subject of a record about violence, weapons, firearms or extortion.
4. ``LINE_HOLDER``: the subject of a record naming a deal line (a phone that appears as ``line``).
5. ``EXPLOITER``: named as subject with an exploited person in a record about exploitation.
6. ``MONEY_MULE_LAUNDERER``: the subject of a money-laundering record naming a business or account.
7. ``COURIER_RUNNER``: a driver in a record, or the associate in records naming a deal line.
8. ``LIEUTENANT_COORDINATOR``: a suspect among the top key players whose removal cuts people off.
9. ``PROPERTY_FACILITATOR``: landlord of premises in the group.
10. ``ASSOCIATE`` for any other suspect, ``UNKNOWN`` for anyone else.

Every other role a person's facts also fit is kept beside the suggestion with its own reasons. A suspect
who holds or directs a business or premises of the group (a licence holder, designated premises
supervisor, director or owner) has that among the principal's reasons, or, when someone else is the top
key player, ``PRINCIPAL`` among the roles beside their suggestion: one principal is suggested a group.
Suggestions advise; an analyst decides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from crimelink.domain.codes import CriminalityType, EntityKind, MemberRole
from crimelink.network._graph import seen_from
from crimelink.network.centrality import Removal, centralities, graph_key_players, position_scores
from crimelink.network.model import Evidence, Network

__all__ = [
    "CONTROL_PARTIES",
    "EXPLOITATION_THREATS",
    "NON_SUSPECT_PARTIES",
    "VIOLENCE_THREATS",
    "Involvement",
    "RoleSuggestion",
    "group_key_players",
    "involvement",
    "suggest_roles",
]

C = CriminalityType
#: Criminality types that make a child or an adult at risk in the records an exploited person.
EXPLOITATION_THREATS = frozenset(
    {
        C.CCE,
        C.CSE,
        C.COUNTY_LINES,
        C.CUCKOOING,
        C.MODERN_SLAVERY,
        C.HUMAN_TRAFFICKING,
        C.LABOUR_EXPLOITATION,
        C.ADULT_SEXUAL_EXPLOITATION_PROSTITUTION_CONTROL,
        C.ONLINE_CSEA_SEXTORTION,
        C.EXPLOITATION_OF_BEGGING,
    }
)
#: Criminality types under which the people a group puts to work are presumed victims.
LABOUR_THREATS = frozenset({C.MODERN_SLAVERY, C.LABOUR_EXPLOITATION, C.HUMAN_TRAFFICKING})
#: Criminality types that make the subject of a record a suggested enforcer.
VIOLENCE_THREATS = frozenset({C.SERIOUS_VIOLENCE_WEAPONS, C.FIREARMS_SUPPLY_IMPORT, C.EXTORTION_RACKETEERING})
#: Parties who report, refer or care for someone: naming them in a record says nothing of their guilt.
NON_SUSPECT_PARTIES = frozenset(
    {
        "reporter",
        "complainant",
        "carer",
        "parent",
        "guardian",
        "referrer",
        "professional",
        "social_worker",
        "witness",
        "victim",
    }
)
#: Parties that put someone in charge of a business or premises (a licence holder, a director ...).
CONTROL_PARTIES = frozenset({"holder", "dps", "owner", "director", "proprietor", "licence_holder"})
CONTROL_RELATIONSHIPS = frozenset({"OWNS", "DIRECTOR_OF", "LICENCE_HOLDER_OF", "CONTROLS"})
#: Parties under which people a group puts to work appear (labour inspections).
WORKER_PARTIES = frozenset({"worker", "employee"})
LINE_PARTY = "line"
DRIVER_PARTIES = frozenset({"driver"})
ASSOCIATE_PARTY = "associate"
LANDLORD_PARTIES = frozenset({"landlord"})


@dataclass(frozen=True)
class _Appearance:
    """One piece of evidence as seen from one person: their party, the other end and its party."""

    mine: str
    other: int
    other_party: str
    other_kind: str
    evidence: Evidence


def _appearances(network: Network, entity_id: int) -> list[_Appearance]:
    graph = network.graph
    vertex = network.vertex(entity_id)
    found = []
    for edge_id in graph.incident(vertex):
        edge = graph.es[edge_id]
        other_vertex = edge.target if edge.source == vertex else edge.source
        other = network.entity(other_vertex)
        for item in seen_from(graph, edge_id, vertex):
            mine, theirs = item.parties if len(item.parties) == 2 else ("", "")
            found.append(_Appearance(mine, other, theirs, network.nodes[other].kind, item))
    return found


def _codes(threats: Iterable[str], wanted: frozenset[CriminalityType]) -> list[str]:
    return sorted({t for t in threats if t in wanted})


@dataclass(frozen=True)
class Involvement:
    """The group's people sorted by what the records say of them, with the reason for each."""

    suspects: dict[int, str] = field(default_factory=dict)
    exploited: dict[int, str] = field(default_factory=dict)
    others: dict[int, str] = field(default_factory=dict)


def involvement(network: Network, entity_ids: Collection[int]) -> Involvement:
    """Which of the group's people are suspects, which are exploited and which are neither, and why."""
    members = {e for e in entity_ids if e in network.index}
    people = sorted(e for e in members if network.nodes[e].kind == EntityKind.PERSON)
    group_threats = _group_threats(network, members)
    seen = {p: _appearances(network, p) for p in people}
    exploited = {}
    for person in people:
        reason = _exploited_reason(network, person, seen[person], members, group_threats)
        if reason:
            exploited[person] = reason
    rest = [p for p in people if p not in exploited]
    suspects: dict[int, str] = {}
    any_parties = any(len(a.evidence.parties) == 2 for p in people for a in seen[p])
    for person in rest:
        named = Counter(
            (a.mine, t) for a in seen[person] for t in a.evidence.threats if a.mine not in NON_SUSPECT_PARTIES
        )
        if named:
            (party, threat), _ = named.most_common(1)[0]
            records = len(
                {
                    a.evidence.record_id
                    for a in seen[person]
                    if a.evidence.threats and a.mine not in NON_SUSPECT_PARTIES
                }
            )
            as_party = f" as {party}" if party else ""
            suspects[person] = f"named{as_party} in {records} record(s) about {threat}"
    if not suspects and not any_parties:
        for person in rest:
            threats = sorted(network.nodes[person].threats)
            if threats:
                suspects[person] = f"their records concern {', '.join(threats)}"
    if not suspects and not any(network.nodes[p].threats for p in rest):
        suspects = dict.fromkeys(
            rest, "nothing in the data says who is involved in crime, so everyone is considered"
        )
    others = {p: _other_reason(seen[p]) for p in rest if p not in suspects}
    return Involvement(suspects, exploited, others)


def _group_threats(network: Network, members: set[int]) -> set[str]:
    sub = network.subnetwork(members)
    if not sub.graph.ecount():
        return set()
    return {t for items in sub.graph.es["evidence"] for item in items for t in item.threats}


def _exploited_reason(
    network: Network, person: int, seen: list[_Appearance], members: set[int], group_threats: set[str]
) -> str:
    node = network.nodes[person]
    who = "a child" if node.is_child else "an adult at risk" if node.vulnerable_adult else ""
    own = _codes(node.threats, EXPLOITATION_THREATS)
    if who and own:
        return f"{who} in records about {', '.join(own)}"
    in_group = _codes(group_threats, EXPLOITATION_THREATS)
    if who and in_group:
        return f"{who} in a group whose evidence concerns {', '.join(in_group)}"
    labour = _codes(group_threats, LABOUR_THREATS)
    inside = [a for a in seen if a.other in members]
    if labour and inside and all(a.mine in WORKER_PARTIES for a in inside):
        return f"appears in the group only as a worker, and the group's evidence concerns {', '.join(labour)}"
    return ""


def _other_reason(seen: list[_Appearance]) -> str:
    parties = Counter(a.mine for a in seen if a.mine)
    datasets = sorted({a.evidence.dataset for a in seen})
    if not parties:
        return "no record about a criminality type names them"
    named = ", ".join(f"{party} ({n})" for party, n in parties.most_common(3))
    return f"no record about a criminality type names them; they appear as {named} in {', '.join(datasets)}"


def group_key_players(
    network: Network,
    entity_ids: Collection[int],
    *,
    k: int | None = None,
    found: Involvement | None = None,
    positions: Mapping[int, float] | None = None,
) -> list[Removal]:
    """Key players of a group among its suspects (see the module docstring), by entity id.

    Removals are of suspects; reachability is measured among suspects and exploited people. Position
    scores (which order removals that fragment equally) are computed within the group unless given
    (by entity id: pass them when the group is the whole network and they are already known).
    """
    found = found or involvement(network, entity_ids)
    wanted = set(entity_ids)
    sub = network if wanted >= set(network.nodes) else network.subnetwork(wanted)
    candidates = {sub.vertex(e) for e in found.suspects}
    counted = {sub.vertex(e) for e in (*found.suspects, *found.exploited)}
    if positions is None:
        positions = position_scores(centralities(sub))
    by_vertex = {sub.vertex(e): score for e, score in positions.items() if e in sub.index}
    removals = graph_key_players(sub.graph, candidates=candidates, counted=counted, k=k, positions=by_vertex)
    return [
        Removal(
            r.rank,
            sub.entity(r.node),
            r.largest_before,
            r.largest_after,
            r.reachability_before,
            r.reachability_after,
            r.position,
        )
        for r in removals
    ]


@dataclass(frozen=True)
class RoleSuggestion:
    """A suggested role for one person of a group, why, and the other roles their facts also fit."""

    entity_id: int
    role: MemberRole
    reasons: tuple[str, ...]
    also: tuple[tuple[MemberRole, tuple[str, ...]], ...] = ()


def suggest_roles(
    network: Network,
    entity_ids: Collection[int],
    *,
    key_players: Sequence[Removal] | None = None,
    found: Involvement | None = None,
) -> dict[int, RoleSuggestion]:
    """A suggested :class:`MemberRole` for every person of the group ``entity_ids``, with its reasons.

    ``key_players`` is :func:`group_key_players` of the same group (computed when not given).

    >>> roles = suggest_roles(network, candidate.members)  # doctest: +SKIP
    >>> roles[child_id].role, roles[child_id].reasons  # doctest: +SKIP
    (<MemberRole.EXPLOITED_PERSON: 'EXPLOITED_PERSON'>, ('a child in records about CCE, COUNTY_LINES',))
    """
    members = {e for e in entity_ids if e in network.index}
    found = found or involvement(network, members)
    if key_players is None:
        key_players = group_key_players(network, members, found=found)
    rank = {r.node: r for r in key_players}
    suggestions: dict[int, RoleSuggestion] = {}
    for person, reason in found.exploited.items():
        suggestions[person] = RoleSuggestion(person, MemberRole.EXPLOITED_PERSON, (reason,))
    for person in (*found.suspects, *found.others):
        fits, alternatives = _fits(network, person, members, found, rank.get(person), len(found.suspects))
        if person in found.suspects:
            fits.append((MemberRole.ASSOCIATE, [found.suspects[person]]))
        else:
            fits.append((MemberRole.UNKNOWN, [found.others[person]]))
        (role, reasons), *rest = [*fits, *alternatives]
        suggestions[person] = RoleSuggestion(
            person, role, tuple(reasons), tuple((r, tuple(why)) for r, why in rest if r != role)
        )
    return dict(sorted(suggestions.items()))


def _fits(
    network: Network,
    person: int,
    members: set[int],
    found: Involvement,
    removal: Removal | None,
    suspects: int,
) -> tuple[list[tuple[MemberRole, list[str]]], list[tuple[MemberRole, list[str]]]]:
    """Every role the person's facts fit, in the order of the module docstring (before the fallback),
    and the roles they only might hold (listed after the fallback, so never the suggestion)."""
    seen = [a for a in _appearances(network, person) if a.mine not in NON_SUSPECT_PARTIES]
    suspect = person in found.suspects
    control = _controls(network, seen, members)
    fits: list[tuple[MemberRole, list[str]]] = []
    alternatives: list[tuple[MemberRole, list[str]]] = []
    if suspect and removal is not None and removal.rank == 1:
        fits.append((MemberRole.PRINCIPAL, [_key_player_reason(removal, suspects), *control]))
    if suspect:
        fits.extend(_rule_fits(network, seen, found))
        if removal is not None and removal.rank <= 3 and removal.rank != 1 and _cuts_off(removal):
            fits.append((MemberRole.LIEUTENANT_COORDINATOR, [_key_player_reason(removal, suspects)]))
        if control and not any(role is MemberRole.PRINCIPAL for role, _ in fits):
            # Fronting the group's business is a sign of leadership, but only the top key player is
            # suggested as principal: one suggestion a group, the others shown beside it.
            alternatives.append((MemberRole.PRINCIPAL, control))
    landlord = sorted(
        {
            network.nodes[a.other].label
            for a in seen
            if a.mine in LANDLORD_PARTIES and a.other in members and a.other_kind == EntityKind.PREMISES
        }
    )
    if landlord:
        fits.append((MemberRole.PROPERTY_FACILITATOR, [f"landlord of {', '.join(landlord)} in the group"]))
    return fits, alternatives


def _rule_fits(
    network: Network, seen: list[_Appearance], found: Involvement
) -> list[tuple[MemberRole, list[str]]]:
    fits: list[tuple[MemberRole, list[str]]] = []
    primary = [a for a in seen if a.mine != ASSOCIATE_PARTY]
    violent = {t for a in primary for t in a.evidence.threats if t in VIOLENCE_THREATS}
    if violent:
        records = len({a.evidence.record_id for a in primary if set(a.evidence.threats) & violent})
        fits.append(
            (MemberRole.ENFORCER, [f"subject of {records} record(s) about {', '.join(sorted(violent))}"])
        )
    lines = sorted({network.nodes[a.other].label for a in primary if a.other_party == LINE_PARTY})
    if lines:
        fits.append((MemberRole.LINE_HOLDER, [f"subject of records naming the deal line {', '.join(lines)}"]))
    victims = sorted(
        {
            network.nodes[a.other].label
            for a in primary
            if a.other in found.exploited and set(a.evidence.threats) & EXPLOITATION_THREATS
        }
    )
    if victims:
        fits.append(
            (
                MemberRole.EXPLOITER,
                [f"named with {len(victims)} exploited person(s) in records about exploitation"],
            )
        )
    laundering = sorted(
        {
            network.nodes[a.other].label
            for a in primary
            if C.MONEY_LAUNDERING in a.evidence.threats
            and a.other_kind in (EntityKind.BUSINESS, EntityKind.BANK_ACCOUNT)
        }
    )
    if laundering:
        fits.append(
            (
                MemberRole.MONEY_MULE_LAUNDERER,
                [f"subject of money-laundering records naming {', '.join(laundering)}"],
            )
        )
    driving = len({a.evidence.record_id for a in seen if a.mine in DRIVER_PARTIES})
    running = len(
        {a.evidence.record_id for a in seen if a.mine == ASSOCIATE_PARTY and a.other_party == LINE_PARTY}
    )
    if driving or running:
        why = []
        if driving:
            why.append(f"the driver in {driving} record(s)")
        if running:
            why.append(f"the associate in {running} record(s) naming a deal line")
        fits.append((MemberRole.COURIER_RUNNER, why))
    return fits


def _controls(network: Network, seen: list[_Appearance], members: set[int]) -> list[str]:
    held = sorted(
        {
            network.nodes[a.other].label
            for a in seen
            if a.other in members
            and a.other_kind in (EntityKind.BUSINESS, EntityKind.PREMISES)
            and (a.mine in CONTROL_PARTIES or a.evidence.kind in CONTROL_RELATIONSHIPS)
        }
    )
    return [f"holds or directs {', '.join(held)}, in the group"] if held else []


def _cuts_off(removal: Removal) -> bool:
    return removal.largest_after < removal.largest_before - 1


def _key_player_reason(removal: Removal, suspects: int) -> str:
    effect = (
        f"removing them leaves {removal.reachability_after:.0%} of the pairs of people involved able to reach "
        f"each other (was {removal.reachability_before:.0%}) and the largest connected part "
        f"{removal.largest_after} people (was {removal.largest_before})"
    )
    return (
        f"key player {removal.rank} of {suspects} suspects: {effect}; position score {removal.position:.2f}"
    )
