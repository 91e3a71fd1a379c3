"""Grading a pair: two operations, or an operation and another agency's interest (``DOMAIN.md`` §6).

Pure functions over plain facts, so the rules can be read, tested and changed in one place; the
services gather the facts (through the index) and store what these return.

Two operations *a* and *b*, whose windows overlap when the gap between them is at most the buffer:

- **premises**: a location of one at the same UPRN or resolved premises as a location (or a premises
  target) of the other, windows overlapping -> red;
- **place and time**: two located points no further apart than the larger of their radii, windows
  overlapping -> amber, red if either operation is covert or armed;
- **target**: a target of each with the same normalised identifier or the same resolved entity (after
  merges), or a premises target of one where the other has a location, -> red if the windows overlap,
  amber otherwise.

An operation and an interest (an agency's standing flag, not yet expired when the operation starts):

- **target** or **premises**: the operation targets, or is located at, the flagged subject -> amber if
  the holder asked to be consulted before action, information otherwise;
- **group**: the operation is on the flagged group (as target) or targets one of its members
  (information).

A pair's grade is its most serious reason's; every reason is kept so the desk can see exactly why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crimelink.deconflict.geometry import distance_m
from crimelink.deconflict.rules import DeconflictionRules
from crimelink.deconflict.windows import Window
from crimelink.domain.deconfliction import ConflictGrade, ConflictKind, InterestSubject, TargetKind

#: An item of one side: ("location", id), ("target", id), ("operation", id) or ("interest", id).
Item = tuple[str, int]


@dataclass(frozen=True)
class LocationFacts:
    id: int
    latitude: float | None
    longitude: float | None
    radius_m: float
    uprn: str | None = None
    #: The resolved premises entity, as it stands after merges.
    premises_entity_id: int | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def premises_keys(self) -> set[str]:
        keys = set()
        if self.uprn:
            keys.add(f"UPRN:{self.uprn}")
        if self.premises_entity_id is not None:
            keys.add(f"ENTITY:{self.premises_entity_id}")
        return keys


def _match_keys(match_key: str, entity_id: int | None) -> set[str]:
    """What a target or an interest can collide on: its identifier key and its entity."""
    keys = {match_key} if match_key else set()
    if entity_id is not None:
        keys.add(f"ENTITY:{entity_id}")
    return keys


@dataclass(frozen=True)
class TargetFacts:
    id: int
    kind: TargetKind
    #: ``KIND:normalised value`` (``""`` when the target is only an entity).
    match_key: str = ""
    #: The resolved entity, as it stands after merges.
    entity_id: int | None = None

    def keys(self) -> set[str]:
        return _match_keys(self.match_key, self.entity_id)


@dataclass(frozen=True)
class OperationFacts:
    id: int
    agency_id: int
    window: Window
    covert: bool = False
    armed: bool = False
    locations: tuple[LocationFacts, ...] = ()
    targets: tuple[TargetFacts, ...] = ()
    group_id: int | None = None

    def entity_ids(self) -> set[int]:
        found = {t.entity_id for t in self.targets if t.entity_id is not None}
        found.update(loc.premises_entity_id for loc in self.locations if loc.premises_entity_id is not None)
        return found

    def match_keys(self) -> set[str]:
        """Identifier keys of targets and of locations' UPRNs (the things an interest can name)."""
        keys = {t.match_key for t in self.targets if t.match_key}
        keys.update(f"UPRN:{loc.uprn}" for loc in self.locations if loc.uprn)
        return keys


@dataclass(frozen=True)
class InterestFacts:
    id: int
    agency_id: int
    subject: InterestSubject
    match_key: str = ""
    entity_id: int | None = None
    group_id: int | None = None
    consult_before_action: bool = False
    expires_on: date | None = None

    def keys(self) -> set[str]:
        return _match_keys(self.match_key, self.entity_id)


@dataclass(frozen=True)
class Reason:
    """One thing that collided: which kind, how serious, the item of each side and the measurements."""

    kind: ConflictKind
    grade: ConflictGrade
    a_item: Item
    b_item: Item
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "grade": self.grade.value,
            "a": list(self.a_item),
            "b": list(self.b_item),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Finding:
    """A pair in conflict: its kinds (most serious first), grade and reasons."""

    grade: ConflictGrade
    kinds: tuple[ConflictKind, ...]
    reasons: tuple[Reason, ...]

    @classmethod
    def of(cls, reasons: list[Reason]) -> Finding | None:
        if not reasons:
            return None
        worst: dict[ConflictKind, int] = {}
        for reason in reasons:
            worst[reason.kind] = max(worst.get(reason.kind, -1), reason.grade.rank)
        kinds = tuple(sorted(worst, key=lambda kind: (-worst[kind], list(ConflictKind).index(kind))))
        grade = max((r.grade for r in reasons), key=lambda g: g.rank)
        return cls(grade, kinds, tuple(reasons))


def assess_operations(a: OperationFacts, b: OperationFacts, rules: DeconflictionRules) -> Finding | None:
    """Whether operations ``a`` and ``b`` conflict, how seriously and why (``None``: they do not)."""
    gap = a.window.gap(b.window)
    overlapping = gap <= rules.buffer
    timing = {"gap_minutes": round(gap.total_seconds() / 60)}
    reasons: list[Reason] = []
    if overlapping:
        reasons.extend(_premises(a, b, rules, timing))
        reasons.extend(_place_time(a, b, rules, timing))
    reasons.extend(_targets(a, b, rules, overlapping, timing))
    return Finding.of(reasons)


def _premises(
    a: OperationFacts, b: OperationFacts, rules: DeconflictionRules, timing: dict[str, Any]
) -> Iterator[Reason]:
    for la in a.locations:
        for lb in b.locations:
            shared = la.premises_keys() & lb.premises_keys()
            if shared:
                yield Reason(
                    ConflictKind.PREMISES,
                    rules.premises_grade,
                    ("location", la.id),
                    ("location", lb.id),
                    {"premises": sorted(shared), **timing},
                )
    yield from _location_against_targets(a, b, rules, overlapping=True, timing=timing)


def _location_against_targets(
    a: OperationFacts,
    b: OperationFacts,
    rules: DeconflictionRules,
    *,
    overlapping: bool,
    timing: dict[str, Any],
) -> Iterator[Reason]:
    """A location of one side at premises the other side targets (either way round)."""
    kind = ConflictKind.PREMISES if overlapping else ConflictKind.TARGET
    grade = rules.premises_grade if overlapping else rules.target_apart_grade
    for la in a.locations:
        for tb in b.targets:
            shared = la.premises_keys() & tb.keys()
            if shared:
                yield Reason(
                    kind,
                    grade,
                    ("location", la.id),
                    ("target", tb.id),
                    {"premises": sorted(shared), **timing},
                )
    for ta in a.targets:
        for lb in b.locations:
            shared = ta.keys() & lb.premises_keys()
            if shared:
                yield Reason(
                    kind,
                    grade,
                    ("target", ta.id),
                    ("location", lb.id),
                    {"premises": sorted(shared), **timing},
                )


def place_time_match(la: LocationFacts, lb: LocationFacts) -> float | None:
    """The distance between two located points when it is within the larger radius, else ``None``."""
    if la.latitude is None or la.longitude is None or lb.latitude is None or lb.longitude is None:
        return None
    distance = distance_m(la.latitude, la.longitude, lb.latitude, lb.longitude)
    return distance if distance <= max(la.radius_m, lb.radius_m) else None


def _place_time(
    a: OperationFacts, b: OperationFacts, rules: DeconflictionRules, timing: dict[str, Any]
) -> Iterator[Reason]:
    sensitive = a.covert or b.covert or a.armed or b.armed
    grade = rules.place_time_covert_or_armed_grade if sensitive else rules.place_time_grade
    for la in a.locations:
        for lb in b.locations:
            distance = place_time_match(la, lb)
            if distance is not None:
                yield Reason(
                    ConflictKind.PLACE_TIME,
                    grade,
                    ("location", la.id),
                    ("location", lb.id),
                    {
                        "distance_m": round(distance, 1),
                        "within_m": max(la.radius_m, lb.radius_m),
                        "covert_or_armed": sensitive,
                        **timing,
                    },
                )


def _targets(
    a: OperationFacts, b: OperationFacts, rules: DeconflictionRules, overlapping: bool, timing: dict[str, Any]
) -> Iterator[Reason]:
    grade = rules.target_overlapping_grade if overlapping else rules.target_apart_grade
    for ta in a.targets:
        for tb in b.targets:
            shared = ta.keys() & tb.keys()
            if shared:
                yield Reason(
                    ConflictKind.TARGET,
                    grade,
                    ("target", ta.id),
                    ("target", tb.id),
                    {"shared": sorted(shared), "overlapping": overlapping, **timing},
                )
    if not overlapping:
        yield from _location_against_targets(a, b, rules, overlapping=False, timing=timing)


def assess_interest(
    operation: OperationFacts,
    interest: InterestFacts,
    rules: DeconflictionRules,
    *,
    memberships: Mapping[int, frozenset[int]] | None = None,
) -> Finding | None:
    """Whether ``operation`` touches the subject of ``interest`` (``None``: it does not).

    ``memberships`` maps an entity to the organised crime groups it is a member of.
    """
    if interest.expires_on is not None and operation.window.start.date() > interest.expires_on:
        return None
    direct = rules.interest_consult_grade if interest.consult_before_action else rules.interest_inform_grade
    subject: Item = ("interest", interest.id)
    keys = interest.keys()
    reasons: list[Reason] = []
    for target in operation.targets:
        shared = target.keys() & keys
        if shared:
            reasons.append(
                Reason(
                    ConflictKind.TARGET, direct, ("target", target.id), subject, {"shared": sorted(shared)}
                )
            )
    for location in operation.locations:
        shared = location.premises_keys() & keys
        if shared:
            reasons.append(
                Reason(
                    ConflictKind.PREMISES,
                    direct,
                    ("location", location.id),
                    subject,
                    {"premises": sorted(shared)},
                )
            )
    if interest.group_id is not None:
        if operation.group_id == interest.group_id:
            reasons.append(
                Reason(
                    ConflictKind.GROUP,
                    direct,
                    ("operation", operation.id),
                    subject,
                    {"group_id": interest.group_id},
                )
            )
        for target in operation.targets:
            groups = (memberships or {}).get(target.entity_id or 0, frozenset())
            if target.entity_id is not None and interest.group_id in groups:
                reasons.append(
                    Reason(
                        ConflictKind.GROUP,
                        rules.group_member_grade,
                        ("target", target.id),
                        subject,
                        {"group_id": interest.group_id, "member_entity_id": target.entity_id},
                    )
                )
    return Finding.of(reasons)
