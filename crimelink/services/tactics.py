"""The menu of tactics, and recommended tactics for a group, a candidate, an entity or a set of entities.

The menu is the editable reference data (``crimelink/domain/data/tactics.yaml``), filtered by area of a
criminal's life, 4P, threat, owning agency, target kind and words. Anyone with ``tactic.view`` reads it.

A recommendation (:mod:`crimelink.planning.recommend`) reads only what the actor may see: the entities
come from the actor's own network (:func:`crimelink.services.network.network_for`, or the group analysis
built on it), and the signs and threats from the records that network was built from, which the access
policy has already allowed. A record the actor may not see adds no sign, no threat and no name. Threats
are each record's own tags plus threat screening's (on its sanitised text, never raw intelligence).

Recommendations for groups and candidates also need ``group.view``; every recommendation read is audited
(``tactic.view`` on the group, candidate or entities), as group reads are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor
from crimelink.domain import AgencyKind, CriminalityType, EntityKind, FourP, LifestyleArea
from crimelink.domain.reference import Tactic, TargetKind, default_reference
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.linkage.incremental import live_entities
from crimelink.network.centrality import Removal
from crimelink.network.groups import detection_network
from crimelink.network.model import Network
from crimelink.network.roles import group_key_players
from crimelink.planning import (
    EntitySeen,
    KeyPlayer,
    Recommendation,
    RecordParty,
    RecordSeen,
    TacticRules,
    TargetFacts,
    default_rules,
    read_signs,
    recommend,
)
from crimelink.services import groups
from crimelink.services.callers import authorise, record_event
from crimelink.services.explorer import records_marking
from crimelink.services.network import network_for
from crimelink.services.safeguarding_scan import screen_stored_record
from crimelink.store.models import Dataset, RecordEntityLink, SourceRecord

__all__ = [
    "MAX_ENTITIES",
    "MenuFilters",
    "RecommendationsView",
    "TacticMenu",
    "get_tactic",
    "parse_menu_filters",
    "recommend_for_candidate",
    "recommend_for_entities",
    "recommend_for_entity",
    "recommend_for_group",
    "tactic_menu",
]

#: Most entities one hand-picked recommendation reads.
MAX_ENTITIES = 500
#: Key players the recommendation weighs.
KEY_PLAYERS_USED = 5
_CHUNK = 2000


# --- the menu -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuFilters:
    """Filters on the menu; ``None`` or empty means no filter."""

    area: LifestyleArea | None = None
    four_p: FourP | None = None
    threat: CriminalityType | None = None
    agency: AgencyKind | None = None
    target_kind: TargetKind | None = None
    text: str = ""

    def active(self) -> bool:
        return any((self.area, self.four_p, self.threat, self.agency, self.target_kind, self.text))


@dataclass(frozen=True)
class TacticMenu:
    """The menu as filtered: the tactics in each of the six areas (in the menu's order), and counts."""

    filters: MenuFilters
    areas: list[tuple[LifestyleArea, list[Tactic]]]
    shown: int
    total: int
    unverified_shown: int


_Code = TypeVar("_Code", LifestyleArea, FourP, CriminalityType, AgencyKind, TargetKind)


def _enum(kind: type[_Code], value: str | None, field: str) -> _Code | None:
    if value is None or not value.strip():
        return None
    try:
        return kind(value.strip().upper())
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InvalidInputError(field, f"{value!r} is not one of {known}") from None


def parse_menu_filters(
    *,
    area: str | None = None,
    four_p: str | None = None,
    threat: str | None = None,
    agency: str | None = None,
    target_kind: str | None = None,
    text: str | None = None,
) -> MenuFilters:
    """Menu filters from the words of a form or query string; an unknown code names its field."""
    words = (text or "").strip()
    if len(words) > 200:
        raise InvalidInputError("text", "search for at most 200 characters")
    return MenuFilters(
        area=_enum(LifestyleArea, area, "area"),
        four_p=_enum(FourP, four_p, "four_p"),
        threat=_enum(CriminalityType, threat, "threat"),
        agency=_enum(AgencyKind, agency, "agency"),
        target_kind=_enum(TargetKind, target_kind, "target_kind"),
        text=words,
    )


def _matches_text(tactic: Tactic, words: str) -> bool:
    haystack = " ".join(
        (tactic.id, tactic.name, tactic.legal_basis, tactic.what, tactic.impacts, tactic.who_can_help)
    ).lower()
    return all(word in haystack for word in words.lower().split())


def tactic_menu(actor: Actor, filters: MenuFilters | None = None) -> TacticMenu:
    """The menu of tactics matching every filter, grouped by the six areas of a criminal's life.

    >>> # tactic_menu(officer, MenuFilters(agency=AgencyKind.GLAA)).shown
    """
    authorise(actor, Action.TACTIC_VIEW)
    filters = filters or MenuFilters()
    reference = default_reference()
    chosen = [
        tactic
        for tactic in reference.tactics_for(
            area=filters.area, four_p=filters.four_p, threat=filters.threat, agency=filters.agency
        )
        if (filters.target_kind is None or filters.target_kind in tactic.target_kinds)
        and (not filters.text or _matches_text(tactic, filters.text))
    ]
    areas = [(area, [t for t in chosen if t.area is area]) for area in LifestyleArea]
    return TacticMenu(
        filters=filters,
        areas=[(area, tactics) for area, tactics in areas if tactics],
        shown=len(chosen),
        total=len(reference.tactics),
        unverified_shown=sum(1 for t in chosen if not t.verified),
    )


def get_tactic(actor: Actor, tactic_id: str) -> Tactic:
    """One tactic of the menu by its id (slug)."""
    authorise(actor, Action.TACTIC_VIEW)
    try:
        return default_reference().tactic(tactic_id.strip())
    except KeyError:
        raise NotFoundError(
            f"there is no tactic {tactic_id!r} on the menu: pick one from the tactics page"
        ) from None


# --- recommendations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationsView:
    """Recommended tactics for one target, with every fact they were read from."""

    #: ``group``, ``candidate``, ``entity`` or ``entities``.
    target_kind: str
    #: The group id, candidate key, entity id or the entity ids joined with commas.
    target_id: str
    facts: TargetFacts
    recommendations: list[Recommendation]
    #: Records the facts were read from (all visible to the actor).
    record_count: int
    #: Entities asked for that the actor's records do not show (a hand-picked set only).
    not_seen: int
    marking: str
    as_of: date
    rules_source: str


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def _entities(network: Network, entity_ids: Iterable[int]) -> list[EntitySeen]:
    seen = []
    for entity_id in dict.fromkeys(entity_ids):
        node = network.nodes.get(entity_id)
        if node is None:
            continue
        seen.append(EntitySeen(entity_id, node.kind, node.label, node.is_child, node.vulnerable_adult))
    return seen


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _records(session: Session, record_ids: Collection[int]) -> list[RecordSeen]:
    """The records (already allowed by the policy), their parties as live entities, and their threats."""
    ids = sorted(record_ids)
    datasets = {
        dataset_id: (code, category)
        for dataset_id, code, category in session.execute(select(Dataset.id, Dataset.code, Dataset.category))
    }
    parties: dict[int, list[tuple[str, int]]] = defaultdict(list)
    stored: dict[int, SourceRecord] = {}
    for chunk in _chunks(ids):
        stored.update(
            (r.id, r) for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(chunk)))
        )
        for record_id, party, entity_id in session.execute(
            select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id).where(
                RecordEntityLink.record_id.in_(chunk)
            )
        ):
            parties[record_id].append((party, entity_id))
    live = live_entities(session, {entity_id for found in parties.values() for _, entity_id in found})
    seen = []
    for record_id in ids:
        record = stored.get(record_id)
        if record is None:
            continue
        code, category = datasets[record.dataset_id]
        normalised = record.normalised if isinstance(record.normalised, dict) else {}
        threats = dict.fromkeys(str(t) for t in record.threats or ())
        threats.update(dict.fromkeys(tag.threat for tag in screen_stored_record(session, record_id)))
        seen.append(
            RecordSeen(
                record_id=record_id,
                dataset=code,
                category=str(category),
                threats=tuple(threats),
                parties=tuple(
                    RecordParty(
                        party,
                        live.get(entity_id, entity_id),
                        _fields(normalised, party),
                    )
                    for party, entity_id in sorted(parties.get(record_id, []))
                ),
            )
        )
    return seen


def _fields(normalised: dict[str, object], party: str) -> dict[str, object]:
    found = normalised.get(party)
    return found if isinstance(found, dict) else {}


def _key_players(removals: Sequence[Removal], network: Network) -> tuple[KeyPlayer, ...]:
    return tuple(
        KeyPlayer(
            entity_id=r.node,
            label=network.nodes[r.node].label if r.node in network.nodes else f"entity {r.node}",
            rank=r.rank,
            reachability_before=r.reachability_before,
            reachability_after=r.reachability_after,
        )
        for r in removals[:KEY_PLAYERS_USED]
    )


def _build(
    session: Session,
    actor: Actor,
    *,
    network: Network,
    entities: list[EntitySeen],
    removals: Sequence[Removal],
    target_kind: str,
    target_id: str,
    label: str,
    today: date,
    not_seen: int = 0,
    rules: TacticRules | None = None,
) -> RecommendationsView:
    rules = rules or default_rules()
    record_ids = {r for e in entities for r in network.nodes[e.entity_id].record_ids}
    records = _records(session, record_ids)
    group = target_kind in ("group", "candidate")
    signs, threats = read_signs(entities, records, rules=rules, group=group)
    facts = TargetFacts(
        kind=target_kind,
        label=label,
        entities=tuple(entities),
        signs=signs,
        threats=threats,
        key_players=_key_players(removals, network),
    )
    found = recommend(facts, rules=rules)
    record_event(
        session,
        actor,
        action=Action.TACTIC_VIEW.value,
        resource_type={
            "group": "organised_crime_group",
            "candidate": "candidate_group",
            "entity": "entity",
        }.get(target_kind, "entities"),
        resource_id=target_id[:100],
        details={
            "recommended": [r.tactic.id for r in found[:10]],
            "entities": len(entities),
            "records": len(records),
        },
    )
    return RecommendationsView(
        target_kind=target_kind,
        target_id=target_id,
        facts=facts,
        recommendations=found,
        record_count=len(records),
        not_seen=not_seen,
        marking=records_marking(session, record_ids),
        as_of=today,
        rules_source=rules.source,
    )


def recommend_for_group(
    session: Session,
    actor: Actor,
    group_id: int,
    *,
    today: date | None = None,
    picture: groups.Picture | None = None,
) -> RecommendationsView:
    """Tactics for a confirmed group: its recorded members and the things the network places in it. Audited.

    ``picture`` is the actor's analysis when the caller has it already (the local profile recommends for
    several groups from one analysis).
    """
    authorise(actor, Action.TACTIC_VIEW)
    picture = picture or groups.analyse(session, actor, today=_today(today))
    profile = groups.group_profile(session, actor, picture, group_id)
    assert profile.group is not None
    members = [m.entity_id for m in (*profile.members, *profile.new_people, *profile.things)]
    return _build(
        session,
        actor,
        network=picture.network,
        entities=_entities(picture.network, members),
        removals=profile.key_players,
        target_kind="group",
        target_id=str(group_id),
        label=profile.group.name,
        today=picture.today,
    )


def recommend_for_candidate(
    session: Session, actor: Actor, key: str, *, today: date | None = None
) -> RecommendationsView:
    """Tactics for a candidate group of the actor's current analysis. Audited."""
    authorise(actor, Action.TACTIC_VIEW)
    picture = groups.analyse(session, actor, today=_today(today))
    profile = groups.candidate_profile(session, actor, picture, key)
    members = [m.entity_id for m in (*profile.members, *profile.things)]
    return _build(
        session,
        actor,
        network=picture.network,
        entities=_entities(picture.network, members),
        removals=profile.key_players,
        target_kind="candidate",
        target_id=key,
        label=f"candidate {key}",
        today=picture.today,
    )


def _hand_picked(
    session: Session,
    actor: Actor,
    entity_ids: Sequence[int],
    *,
    today: date | None,
    target_kind: str,
    label: str,
) -> RecommendationsView:
    wanted = list(dict.fromkeys(entity_ids))
    if not wanted:
        raise InvalidInputError("entity_ids", "choose at least one entity")
    if len(wanted) > MAX_ENTITIES:
        raise InvalidInputError("entity_ids", f"choose at most {MAX_ENTITIES} entities at once")
    day = _today(today)
    network = network_for(session, actor, today=day)
    live = live_entities(session, set(wanted))
    entities = _entities(network, (live.get(e, e) for e in wanted))
    if not entities:
        if target_kind == "entity":
            raise NotFoundError(f"entity {wanted[0]} is not in any record you may see")
        raise InvalidInputError("entity_ids", "none of these entities is in a record you may see")
    detection = detection_network(network)
    present = [e.entity_id for e in entities if e.entity_id in detection.index]
    people = [e for e in present if detection.nodes[e].kind == EntityKind.PERSON.value]
    removals = group_key_players(detection, present) if len(people) >= 2 else []
    return _build(
        session,
        actor,
        network=network,
        entities=entities,
        removals=removals,
        target_kind=target_kind,
        target_id=",".join(str(e) for e in wanted),
        label=label or (entities[0].label if target_kind == "entity" else f"{len(entities)} chosen entities"),
        today=day,
        not_seen=len(wanted) - len(entities),
    )


def recommend_for_entity(
    session: Session, actor: Actor, entity_id: int, *, today: date | None = None
) -> RecommendationsView:
    """Tactics for one entity (a person, premises, vehicle, business ...) as the actor's records show it."""
    authorise(actor, Action.TACTIC_VIEW)
    return _hand_picked(session, actor, [entity_id], today=today, target_kind="entity", label="")


def recommend_for_entities(
    session: Session,
    actor: Actor,
    entity_ids: Sequence[int],
    *,
    today: date | None = None,
    label: str = "",
) -> RecommendationsView:
    """Tactics for a hand-picked set of entities, read together as one target (key players among them).

    Entities the actor's records do not show are left out and counted in ``not_seen``; if none is shown,
    the request is refused naming ``entity_ids``. Example: an analyst's own selection of a suspected
    group's people, premises and vehicles that community detection has not put together.
    """
    authorise(actor, Action.TACTIC_VIEW)
    return _hand_picked(session, actor, entity_ids, today=today, target_kind="entities", label=label.strip())
