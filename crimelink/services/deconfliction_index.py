"""What a deconfliction check reads: facts of operations and interests, and candidates through indexes.

No access decisions here: the deconfliction services call these after deciding who may do what. Every
lookup goes through an index (``operation_cells.slot``, UPRN, entity, match key, group), never a scan:

- **place and time**: the slot ranges of :mod:`crimelink.deconflict.index` give the located operations
  near in space and time; the database keeps those whose windows meet and whose boxes hold the other's
  point, and the rules test the exact distance;
- **premises and targets**: locations and targets sharing a UPRN, an identifier key or an entity of the
  operation (an entity's whole merge family, so a target resolved before a merge still meets one after);
- **interests**: unexpired, not withdrawn, on one of those keys, entities or groups (or a group one of
  the targets is a member of).

The rules in :mod:`crimelink.deconflict.assess` then decide on the candidates' full facts. The
candidate operations are found and read with their locations and targets in one statement, and lists are
bound with :func:`crimelink.store.expressions.one_of`: on PostgreSQL each statement is a round trip, and
one whose text changes with a list's length is planned afresh at every call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from crimelink.deconflict.assess import (
    InterestFacts,
    LocationFacts,
    OperationFacts,
    TargetFacts,
    place_time_match,
)
from crimelink.deconflict.index import box, index_rows, query_slots
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.deconflict.windows import Window
from crimelink.domain import OperationStatus, Visibility
from crimelink.domain.deconfliction import InterestSubject, TargetKind
from crimelink.linkage.incremental import live_entities
from crimelink.services.deconfliction_notices import AGENCY_OF_CARD, Card, card_of_row
from crimelink.store.expressions import one_of
from crimelink.store.fixed_reads import FixedRead
from crimelink.store.models import (
    Agency,
    Entity,
    GroupMembership,
    Interest,
    Operation,
    OperationCell,
    OperationLocation,
    OperationTarget,
    PlanAction,
)
from crimelink.store.pipeline import Write, plan_for_values

#: Operations others can collide with: submitted and not yet completed or cancelled.
LIVE_STATUSES = (
    OperationStatus.SUBMITTED,
    OperationStatus.CONFLICT_PENDING,
    OperationStatus.CLEARED,
    OperationStatus.ACTIVE,
)
#: Index lookups (a slot list, or a range) per statement: a long window over a large circle has hundreds.
_LOOKUPS_PER_QUERY = 200


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read(
    session: Session, statement: Executable | FixedRead, parameters: dict[str, Any] | None = None
) -> Sequence[Any]:
    """Rows of a read through the session's connection: no ORM layer, and no autoflush per query. A
    statement built once is a :class:`FixedRead` (on PostgreSQL, run through the driver).

    The check flushes once before it reads (:func:`index_writes`), so every read sees its writes.
    """
    if isinstance(statement, FixedRead):
        return statement.rows(session, parameters or {})
    return session.connection().execute(statement, parameters or {}).all()


def _read_scalars(
    session: Session, statement: Executable, parameters: dict[str, Any] | None = None
) -> Sequence[Any]:
    return session.connection().execute(statement, parameters or {}).scalars().all()


# The statements of every check, built once: building and keying a statement costs more than running it.
# An operation's facts come in rows of two parts: its head with each location (one row with no location if
# it has none), then its targets, in one statement (:func:`_facts_statement`): each statement costs a round
# trip. The columns a part has not are NULL (typed in the first arm, so its rows are read as before).
_LOCATIONS, _TARGETS = 0, 1
_HEAD_AND_LOCATION = (
    Operation.agency_id,
    # What the check's notices name the operation by (its card), with its agency's.
    Operation.name,
    Operation.contact_24h,
    *AGENCY_OF_CARD,
    Operation.starts_at,
    Operation.ends_at,
    Operation.standing,
    Operation.visibility,
    Operation.armed,
    Operation.group_id,
    Operation.status,
    # Whether a plan action follows the operation (only then does a change of status look for actions).
    select(PlanAction.id).where(PlanAction.operation_id == Operation.id).exists().label("followed"),
    OperationLocation.latitude,
    OperationLocation.longitude,
    OperationLocation.radius_m,
    OperationLocation.uprn,
)
_TARGET = (OperationTarget.identifier_kind, OperationTarget.match_key)


def _facts_statement(operation_ids: Callable[[Any], ColumnElement[bool]], *, besides_me: bool) -> Any:
    """The operations whose id ``operation_ids`` accepts (given the id column to test), with their
    locations and targets; with ``besides_me``, not the targets of the operation bound as ``me`` (whose
    head and locations come, if accepted, for its card)."""

    def chosen(column: Any, *, mine: bool = False) -> list[ColumnElement[bool]]:
        return [operation_ids(column), *([column != bindparam("me")] if besides_me and not mine else [])]

    heads: Any = (
        select(
            Operation.id,
            literal_column(str(_LOCATIONS)).label("part"),
            *_HEAD_AND_LOCATION,
            OperationLocation.id.label("item_id"),
            OperationLocation.entity_id,
            *(type_coerce(null(), column.type).label(column.key) for column in _TARGET),
        )
        .join(Agency, Agency.id == Operation.agency_id)
        .outerjoin(OperationLocation, OperationLocation.operation_id == Operation.id)
        .where(*chosen(Operation.id, mine=True))
    )
    targets: Any = select(
        OperationTarget.operation_id,
        literal_column(str(_TARGETS)),
        *(null() for _ in _HEAD_AND_LOCATION),
        OperationTarget.id,
        OperationTarget.entity_id,
        *_TARGET,
    ).where(*chosen(OperationTarget.operation_id))
    # Not ordered: sorting the rows cost SQLite more than the statement saved. They are put in order as
    # they are read (:func:`_facts_of_rows`).
    return union_all(heads, targets)


_FACTS_OF_LISTED = FixedRead(_facts_statement(lambda column: one_of(column, "ids"), besides_me=False))


# What a place may meet, beyond sharing a slot: a window meeting its own (widened by the buffer), and a
# point in its box or a box holding its point. The database drops the rest before anything is read back.
def _near_filters(place: str = "") -> tuple[ColumnElement[bool], ...]:
    """The filters for one place, its parameters named with the suffix ``place`` (``south_0``, ...)."""
    return (
        OperationCell.operation_id != bindparam("me"),
        OperationCell.starts_at <= bindparam("latest"),
        or_(OperationCell.ends_at.is_(None), OperationCell.ends_at >= bindparam("earliest")),
        or_(
            and_(
                OperationCell.latitude.between(bindparam(f"south{place}"), bindparam(f"north{place}")),
                OperationCell.longitude.between(bindparam(f"west{place}"), bindparam(f"east{place}")),
            ),
            and_(
                OperationCell.min_latitude <= bindparam(f"latitude{place}"),
                OperationCell.max_latitude >= bindparam(f"latitude{place}"),
                OperationCell.min_longitude <= bindparam(f"longitude{place}"),
                OperationCell.max_longitude >= bindparam(f"longitude{place}"),
            ),
        ),
    )


_NEAR_FILTERS = _near_filters()


def _near_statement(lookups: Sequence[ColumnElement[bool]]) -> Any:
    """The index rows a place with a long window may meet (see :func:`_near_one_wide_place`).

    No ``DISTINCT``: with ranges of slots, SQLite answers it by scanning every row in operation order
    instead of looking up each range (a standing operation's check took 0.6 s at 100,000 operations instead
    of 1 ms); the repeats are dropped as the rows are read.
    """
    return select(
        OperationCell.operation_id,
        OperationCell.latitude,
        OperationCell.longitude,
        OperationCell.radius_m,
    ).where(or_(*lookups), *_NEAR_FILTERS)


def _sharing_arms(uprns: bool, entities: bool, keys: bool) -> list[Select[int]]:
    """Operations with a location or target on given UPRNs, entities or keys: one arm per index.

    An arm with nothing to look up is left out rather than given an empty list: SQLite plans a union or an
    OR as a whole, and one arm it cannot serve from an index (or whose index looks useless, as an all-NULL
    column does after ANALYZE) makes it scan.
    """
    arms = []
    if uprns:
        arms.append(select(OperationLocation.operation_id).where(one_of(OperationLocation.uprn, "uprns")))
    if entities:
        arms.append(
            select(OperationLocation.operation_id).where(one_of(OperationLocation.entity_id, "entities"))
        )
        arms.append(select(OperationTarget.operation_id).where(one_of(OperationTarget.entity_id, "entities")))
    if keys:
        arms.append(select(OperationTarget.operation_id).where(one_of(OperationTarget.match_key, "keys")))
    return arms


@lru_cache(maxsize=64)
def _candidates_statement(places: int, uprns: bool, entities: bool, keys: bool, listed: bool) -> FixedRead:
    """The candidates of a check with their locations, found and read in one statement.

    The candidates are the operations with an index row near one of ``places`` places (slots, window and
    box, with the parameters ``slots_0``, ``south_0``, ... of each), those sharing a UPRN, entity or key
    (:func:`_sharing_arms`), and those ``listed`` (``ids``: found near a place with a long window, whose
    lookups are too many for one statement). The operation checked (``me``) comes too, without its
    targets, for its card. One statement rather than one a place and one for the sharing and one for the
    facts: each costs a round trip, which on PostgreSQL costs more than its rows.
    """
    arms: list[Select[int]] = [
        select(OperationCell.operation_id).where(
            one_of(OperationCell.slot, f"slots_{place}"), *_near_filters(f"_{place}")
        )
        for place in range(places)
    ]
    arms.extend(_sharing_arms(uprns, entities, keys))
    if listed:
        arms.append(select(Operation.id).where(one_of(Operation.id, "ids")))
    # The operation checked, for its own card (its head and locations: the notices name it too).
    arms.append(select(type_coerce(bindparam("me"), Integer())))
    found = union(*arms).cte("found")
    return FixedRead(_facts_statement(lambda column: column.in_(select(found.c[0])), besides_me=True))


@lru_cache(maxsize=8)
def _interests_statement(keys: bool, entities: bool, group: bool) -> FixedRead:
    """Live interests on given keys, entities (or groups they are members of) or a group.

    Their ids are found first, each arm a lookup in an index: as one ``OR`` whose group arm was a subquery's
    ``IN``, PostgreSQL scanned every interest (14 ms at 100,000 interests, against 0.04).
    """
    arms: list[Select[int]] = []
    if keys:
        arms.append(select(Interest.id).where(one_of(Interest.match_key, "keys")))
    if entities:
        arms.append(select(Interest.id).where(one_of(Interest.entity_id, "entities")))
        arms.append(
            select(Interest.id)
            .join(GroupMembership, GroupMembership.group_id == Interest.group_id)
            .where(one_of(GroupMembership.entity_id, "entities"))
        )
    if group:
        arms.append(select(Interest.id).where(Interest.group_id == bindparam("group_id", type_=Integer())))
    found = (union(*arms) if len(arms) > 1 else arms[0]).cte("interests_found")
    return FixedRead(
        select(
            Interest.id,
            Interest.agency_id,
            Interest.subject_kind,
            Interest.match_key,
            Interest.entity_id,
            Interest.group_id,
            Interest.consult_before_action,
            Interest.expires_on,
            # What the check's notices name the interest by (its card), with its agency's.
            Interest.label,
            Interest.contact,
            *AGENCY_OF_CARD,
        )
        .join(Agency, Agency.id == Interest.agency_id)
        .where(
            Interest.id.in_(select(found.c[0])),
            Interest.withdrawn_at.is_(None),
            or_(Interest.expires_on.is_(None), Interest.expires_on >= bindparam("today", type_=Date())),
        )
    )


_MERGED_INTO = FixedRead(select(Entity.id, Entity.merged_into_id).where(one_of(Entity.merged_into_id, "ids")))
_MEMBERSHIPS = FixedRead(
    select(GroupMembership.entity_id, GroupMembership.group_id).where(
        one_of(GroupMembership.entity_id, "entities")
    )
)


def window_of(starts_at: object, ends_at: object, standing: bool) -> Window | None:
    """The window of a stored operation (``None`` for one without a start: a legacy draft)."""
    if not isinstance(starts_at, datetime):
        return None
    return Window(starts_at, ends_at if isinstance(ends_at, datetime) else None, standing=standing)


# --- entities ---------------------------------------------------------------------------------


def entity_family(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """Every entity in the merge families of ``ids``, mapped to the live entity it now is.

    A target resolved to an entity later merged into another, and a target resolved to the survivor,
    are the same target: the family holds both.
    """
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    live = live_entities(session, wanted)
    family = dict(live)
    family.update({survivor: survivor for survivor in live.values()})
    frontier = set(live.values())
    while frontier:
        rows = _read(session, _MERGED_INTO, {"ids": sorted(frontier)})
        frontier = set()
        for entity_id, parent in rows:
            if entity_id not in family and parent is not None:
                family[entity_id] = family[parent]
                frontier.add(entity_id)
    return family


def _live(entity_id: int | None, family: Mapping[int, int]) -> int | None:
    if entity_id is None:
        return None
    return family.get(entity_id, entity_id)


# --- facts ------------------------------------------------------------------------------------


def facts_of(session: Session, operation: Operation) -> tuple[OperationFacts, dict[int, int]] | None:
    """An operation's facts (entities as they now stand) and its entities' merge families."""
    window = window_of(operation.starts_at, operation.ends_at, operation.standing)
    if window is None:
        return None
    family = entity_family(
        session,
        [t.entity_id for t in operation.targets if t.entity_id is not None]
        + [loc.entity_id for loc in operation.locations if loc.entity_id is not None],
    )
    facts = OperationFacts(
        id=operation.id,
        agency_id=operation.agency_id,
        window=window,
        covert=operation.visibility is Visibility.COVERT,
        armed=operation.armed,
        locations=tuple(
            LocationFacts(
                loc.id, loc.latitude, loc.longitude, loc.radius_m, loc.uprn, _live(loc.entity_id, family)
            )
            for loc in operation.locations
        ),
        targets=tuple(
            TargetFacts(t.id, TargetKind(t.identifier_kind), t.match_key, _live(t.entity_id, family))
            for t in operation.targets
        ),
        group_id=operation.group_id,
    )
    return facts, family


@dataclass
class Seen:
    """What a check's reads tell beside the facts, so that it need not ask again."""

    #: The cards of the operations and interests read (the notices name them), the checked one's too.
    cards: dict[tuple[str, int], Card] = field(default_factory=dict)
    #: Operations read that no plan action follows: their actions need not be looked for.
    unfollowed: set[int] = field(default_factory=set)


def load_operation_facts(session: Session, ids: Iterable[int]) -> dict[int, OperationFacts]:
    """Facts of those of the operations ``ids`` that are live (three indexed queries, and one for merges)."""
    candidates = sorted(set(ids))
    if not candidates:
        return {}
    return _facts_of_rows(session, _read(session, _FACTS_OF_LISTED, {"ids": candidates}))


def _facts_of_rows(
    session: Session, rows: Iterable[Any], seen: Seen | None = None
) -> dict[int, OperationFacts]:
    """Facts of the live operations among ``rows`` (of :func:`_facts_statement`); what else their rows
    tell noted in ``seen``, if given."""
    heads: dict[int, Any] = {}
    locations: dict[int, list[tuple[int, float | None, float | None, float, str | None, int | None]]] = (
        defaultdict(list)
    )
    targets: dict[int, list[tuple[int, str, str, int | None]]] = defaultdict(list)
    for row in rows:
        if row.part == _TARGETS:
            targets[row.id].append((row.item_id, row.identifier_kind, row.match_key, row.entity_id))
        elif row.status in LIVE_STATUSES:
            heads.setdefault(row.id, row)
            if row.item_id is not None:
                locations[row.id].append(
                    (row.item_id, row.latitude, row.longitude, row.radius_m, row.uprn, row.entity_id)
                )
    if not heads:
        return {}
    entity_ids = {e for rows in locations.values() for *_, e in rows if e is not None}
    entity_ids.update(e for op_id in heads for *_, e in targets[op_id] if e is not None)
    live = live_entities(session, entity_ids) if entity_ids else {}
    found = {}
    for op_id in sorted(heads):  # in order of id, and each one's places and targets in order of theirs
        head = heads[op_id]
        agency_id, visibility, armed, group_id = head.agency_id, head.visibility, head.armed, head.group_id
        window = window_of(head.starts_at, head.ends_at, head.standing)
        if window is None:
            continue
        if seen is not None:
            covert = visibility is Visibility.COVERT
            seen.cards["operation", op_id] = card_of_row(
                "operation", head, head.name, covert, head.contact_24h
            )
            if not head.followed:
                seen.unfollowed.add(op_id)
        found[op_id] = OperationFacts(
            id=op_id,
            agency_id=agency_id,
            window=window,
            covert=visibility is Visibility.COVERT,
            armed=bool(armed),
            locations=tuple(
                LocationFacts(i, lat, lon, radius, uprn, _live(entity, live))
                for i, lat, lon, radius, uprn, entity in sorted(locations[op_id])
            ),
            targets=tuple(
                TargetFacts(i, TargetKind(kind), key, _live(entity, live))
                for i, kind, key, entity in sorted(targets[op_id])
            ),
            group_id=group_id,
        )
    return found


def interest_facts(interest: Interest, family: Mapping[int, int]) -> InterestFacts:
    return InterestFacts(
        id=interest.id,
        agency_id=interest.agency_id,
        subject=InterestSubject(interest.subject_kind),
        match_key=interest.match_key,
        entity_id=_live(interest.entity_id, family),
        group_id=interest.group_id,
        consult_before_action=interest.consult_before_action,
        expires_on=interest.expires_on,
    )


# --- the spatial-temporal index -------------------------------------------------------------


def index_writes(session: Session, operation: Operation, *, replace: bool = True) -> list[Write]:
    """The writes that (re)index the operation's cells: every located location, while the operation is
    live. The session's pending changes are flushed first, so they are what is indexed.

    ``replace=False`` for an operation never indexed (its first check) skips deleting what is not there.
    The check makes them with its lock (:func:`crimelink.services.deconfliction_check.hold_check_lock`).
    """
    session.flush()
    writes: list[Write] = []
    if replace:
        writes.append((_UNINDEX, {"operation": operation.id}))
    window = window_of(operation.starts_at, operation.ends_at, operation.standing)
    if window is None or operation.status not in LIVE_STATUSES:
        return writes
    rows = [
        row
        for loc in operation.locations
        if loc.latitude is not None and loc.longitude is not None
        for row in index_rows(
            location_id=loc.id,
            operation_id=operation.id,
            latitude=loc.latitude,
            longitude=loc.longitude,
            radius_m=loc.radius_m,
            window=window,
        )
    ]
    if rows:
        writes.append((_INDEX, rows))
    return writes


_CELLS = cast(Table, OperationCell.__table__)
_UNINDEX = delete(_CELLS).where(_CELLS.c.operation_id == bindparam("operation"))
_INDEX = insert(_CELLS).inline()  # nothing read back (no implicit RETURNING of a single row's id)


def unindex_operation(session: Session, operation_id: int) -> None:
    session.execute(delete(OperationCell).where(OperationCell.operation_id == operation_id))


# --- candidates -------------------------------------------------------------------------------


def candidate_operation_facts(
    session: Session,
    facts: OperationFacts,
    family: Mapping[int, int],
    rules: DeconflictionRules,
    seen: Seen | None = None,
) -> dict[int, OperationFacts]:
    """Facts of the live operations that may conflict with ``facts``: a superset of those that do, found by
    index, and read with their locations and targets in one statement (:func:`_candidates_statement`).
    What else their rows tell is noted in ``seen``, if given, with the operation's own (its head is read
    with them).

    - **Place and time**: the slots of each located place find the index rows sharing a cell and a time
      bucket; the database keeps those whose window meets this one's (widened by the buffer) and whose
      point lies in the place's box, or whose box holds its point. The rules test the exact distance.
    - **Sharing**: a location or target on one of the operation's UPRNs, identifier keys or entities.
    """
    earliest, latest = facts.window.widened(rules.buffer)
    common = {"me": facts.id, "earliest": earliest, "latest": latest}
    parameters: dict[str, Any] = dict(common)
    places = 0
    listed: set[int] = set()
    for loc in facts.locations:
        if loc.latitude is None or loc.longitude is None:
            continue
        single, wide = query_slots(loc.latitude, loc.longitude, loc.radius_m, facts.window, rules.buffer)
        if wide:
            listed.update(_near_one_wide_place(session, loc, single, wide, {**common, **_place(loc, "")}))
            continue
        parameters.update({f"slots_{places}": single, **_place(loc, f"_{places}")})
        places += 1
    keys = facts.match_keys()
    uprns = {loc.uprn for loc in facts.locations if loc.uprn}
    uprns.update(t.match_key.removeprefix("UPRN:") for t in facts.targets if t.kind is TargetKind.UPRN)
    entities = set(family) | facts.entity_ids()
    listed.discard(facts.id)
    if not (places or keys or uprns or entities or listed):
        return {}
    parameters.update(
        {"uprns": sorted(uprns), "entities": sorted(entities), "keys": sorted(keys), "ids": sorted(listed)}
    )
    shape = (places, bool(uprns), bool(entities), bool(keys), bool(listed))
    if _few_shapes(session):
        # Every arm, each place's too up to a power of two, those with nothing to look up given empty lists:
        # a handful of statements, each prepared and planned once, rather than dozens met a few times each.
        padded = 1 << max(places - 1, 0).bit_length()
        for place in range(places, padded):
            parameters.update({f"slots_{place}": [], **_no_place(f"_{place}")})
        shape = (padded, True, True, True, True)
    statement = _candidates_statement(*shape)
    found = _facts_of_rows(session, _read(session, statement, parameters), seen)
    found.pop(facts.id, None)  # read for its card only
    return found


def _few_shapes(session: Session) -> bool:
    """Whether a statement's arms with nothing to look up are kept, given empty lists (PostgreSQL), rather
    than left out (SQLite, which plans a union or an OR as a whole: an arm it cannot serve from an index
    makes it scan)."""
    return session.get_bind().dialect.name == "postgresql"


def _no_place(suffix: str) -> dict[str, float]:
    """The parameters of a place arm with no slots to look up (it finds nothing)."""
    return {f"{name}{suffix}": 0.0 for name in ("south", "north", "west", "east", "latitude", "longitude")}


def _place(loc: LocationFacts, suffix: str) -> dict[str, float]:
    """The parameters of :func:`_near_filters` for one place: its box and its point, names ending ``suffix``."""
    assert loc.latitude is not None and loc.longitude is not None  # noqa: PT018 (located)
    south, north, west, east = box(loc.latitude, loc.longitude, loc.radius_m)
    return {
        f"south{suffix}": south,
        f"north{suffix}": north,
        f"west{suffix}": west,
        f"east{suffix}": east,
        f"latitude{suffix}": loc.latitude,
        f"longitude{suffix}": loc.longitude,
    }


def _near_one_wide_place(
    session: Session,
    loc: LocationFacts,
    single: list[int],
    wide: list[tuple[int, int]],
    parameters: dict[str, Any],
) -> set[int]:
    """Operations near a place with a long window: its coarse levels as ranges of slots, a few hundred
    lookups a statement, the exact distance tested here to keep what is passed on short.
    """
    plan_for_values(session)  # its ranges of slots vary in width: a generic plan scans far too much
    lookups: list[ColumnElement[bool]] = [OperationCell.slot.in_(single)] if single else []
    lookups.extend(OperationCell.slot.between(low, high) for low, high in wide)
    found: set[int] = set()
    for start in range(0, len(lookups), _LOOKUPS_PER_QUERY):
        statement = _near_statement(lookups[start : start + _LOOKUPS_PER_QUERY])
        for op_id, lat, lon, radius in _read(session, statement, parameters):
            if op_id not in found and place_time_match(loc, LocationFacts(0, lat, lon, radius)) is not None:
                found.add(op_id)
    return found


def candidate_interests(
    session: Session,
    facts: OperationFacts,
    family: Mapping[int, int],
    today: date,
    seen: Seen | None = None,
) -> list[InterestFacts]:
    """Unexpired, unwithdrawn interests on one of the operation's keys, entities or groups.

    Their entities are given as they now stand (an interest found through the merge family maps to the
    family's live entity). Their cards are noted in ``seen``, if given.
    """
    keys = facts.match_keys()
    entities = set(family) | facts.entity_ids()
    if not (keys or entities or facts.group_id is not None):
        return []
    shape = (
        (True, True, True)
        if _few_shapes(session)
        else (bool(keys), bool(entities), facts.group_id is not None)
    )
    rows = _read(
        session,
        _interests_statement(*shape),
        {"keys": sorted(keys), "entities": sorted(entities), "group_id": facts.group_id, "today": today},
    )
    if seen is not None:
        seen.cards.update(
            (("interest", row.id), card_of_row("interest", row, row.label, False, row.contact))
            for row in rows
        )
    return [
        InterestFacts(
            id=row.id,
            agency_id=row.agency_id,
            subject=InterestSubject(row.subject_kind),
            match_key=row.match_key,
            entity_id=_live(row.entity_id, family),
            group_id=row.group_id,
            consult_before_action=bool(row.consult_before_action),
            expires_on=row.expires_on,
        )
        for row in rows
    ]


def memberships(session: Session, family: Mapping[int, int]) -> dict[int, frozenset[int]]:
    """Live entity -> the organised crime groups it (or an entity merged into it) is a member of."""
    if not family:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    for entity_id, group_id in _read(session, _MEMBERSHIPS, {"entities": sorted(family)}):
        found[family.get(entity_id, entity_id)].add(group_id)
    return {entity: frozenset(groups) for entity, groups in found.items()}


def operations_touching_interest(session: Session, interest: Interest, family: Mapping[int, int]) -> set[int]:
    """Live operations whose targets, locations or group the interest names.

    ``family`` holds the interest's entity and, for a group, its members, each with its merge family.
    """
    entities = set(family)
    selects = []
    if interest.match_key:
        selects.append(
            select(OperationTarget.operation_id).where(OperationTarget.match_key == interest.match_key)
        )
        if interest.match_key.startswith("UPRN:"):
            selects.append(
                select(OperationLocation.operation_id).where(
                    OperationLocation.uprn == interest.match_key.removeprefix("UPRN:")
                )
            )
    if entities:
        selects.append(select(OperationTarget.operation_id).where(OperationTarget.entity_id.in_(entities)))
        selects.append(
            select(OperationLocation.operation_id).where(OperationLocation.entity_id.in_(entities))
        )
    if interest.group_id is not None:
        selects.append(select(Operation.id).where(Operation.group_id == interest.group_id))
    if not selects:
        return set()
    candidates = set(_read_scalars(session, union(*selects)))
    if not candidates:
        return set()
    return {
        op_id
        for op_id, status in _read(
            session, select(Operation.id, Operation.status).where(Operation.id.in_(candidates))
        )
        if status in LIVE_STATUSES
    }


def group_members_family(session: Session, group_id: int) -> dict[int, int]:
    """The members of a group, with their merge families."""
    members = _read_scalars(
        session, select(GroupMembership.entity_id).where(GroupMembership.group_id == group_id)
    )
    return entity_family(session, members)
