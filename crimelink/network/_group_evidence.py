"""One group's evidence read record by record: what the legal tests and the priority scorers share.

A record that links several pairs of entities appears once per pair in :attr:`GroupFacts.evidence`;
here it is counted once. Which members an item (a phone, a vehicle, a premises) is used by is read from
the records both appear in, because an :class:`~crimelink.network.model.Evidence` does not name the two
entities it links.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from crimelink.domain.codes import EntityKind, MemberRole
from crimelink.network.model import GroupFacts

#: Record parties who report something rather than take part in it (the neighbour who reported a fly-tip).
REPORTING_PARTIES = frozenset({"reporter", "complainant"})


@dataclass(frozen=True)
class GroupRecord:
    """One record (or typed relationship) supporting links inside the group."""

    record_id: int
    agency_code: str
    dataset: str
    kinds: frozenset[str]
    grading: str | None
    event_date: date | None
    threats: frozenset[str]


@dataclass(frozen=True)
class SharedItem:
    """A phone, vehicle, premises, business, ... that appears in the group's records with several members."""

    entity_id: int
    kind: str
    label: str
    members: tuple[int, ...]
    record_ids: tuple[int, ...]


class GroupEvidence:
    """The group's records, deduplicated, with lookups by threat, member and date."""

    def __init__(self, facts: GroupFacts) -> None:
        self.facts = facts
        records: dict[int, GroupRecord] = {}
        for item in facts.evidence:
            seen = records.get(item.record_id)
            if seen is None:
                records[item.record_id] = GroupRecord(
                    record_id=item.record_id,
                    agency_code=item.agency_code,
                    dataset=item.dataset,
                    kinds=frozenset({item.kind}),
                    grading=item.grading,
                    event_date=item.event_date,
                    threats=frozenset(item.threats),
                )
            else:
                records[item.record_id] = GroupRecord(
                    record_id=seen.record_id,
                    agency_code=seen.agency_code,
                    dataset=seen.dataset,
                    kinds=seen.kinds | {item.kind},
                    grading=seen.grading or item.grading,
                    event_date=seen.event_date or item.event_date,
                    threats=seen.threats | set(item.threats),
                )
        self.records: dict[int, GroupRecord] = dict(sorted(records.items()))
        self.people: tuple[int, ...] = tuple(sorted(set(facts.people)))

    # --- records -------------------------------------------------------------------------------

    @property
    def record_ids(self) -> tuple[int, ...]:
        return tuple(self.records)

    def threats(self) -> set[str]:
        """Every CriminalityType code on the group's records."""
        return {threat for record in self.records.values() for threat in record.threats}

    def records_tagged(self, threats: Iterable[str]) -> tuple[int, ...]:
        """Records tagged with any of ``threats``, in record order."""
        wanted = set(threats)
        return tuple(r.record_id for r in self.records.values() if r.threats & wanted)

    def records_of_kind(self, kinds: Collection[str]) -> tuple[int, ...]:
        return tuple(r.record_id for r in self.records.values() if r.kinds & set(kinds))

    def dated(self) -> list[GroupRecord]:
        """Records with an event date, oldest first."""
        return sorted(
            (r for r in self.records.values() if r.event_date is not None),
            key=lambda r: (r.event_date or date.min, r.record_id),
        )

    def agencies(self) -> set[str]:
        return {r.agency_code for r in self.records.values()}

    # --- entities ------------------------------------------------------------------------------

    def label(self, entity_id: int) -> str:
        node = self.facts.nodes.get(entity_id)
        return node.label if node is not None and node.label else f"entity {entity_id}"

    def labels(self, entity_ids: Iterable[int]) -> str:
        return ", ".join(self.label(e) for e in entity_ids)

    def kind_of(self, entity_id: int) -> str | None:
        node = self.facts.nodes.get(entity_id)
        return node.kind if node is not None else None

    def entities_of_kind(self, kind: str) -> tuple[int, ...]:
        return tuple(e for e in sorted(set(self.facts.entities)) if self.kind_of(e) == kind)

    def member_records(self, person: int) -> set[int]:
        """The group's records a member appears in (empty when the member's node is not known)."""
        node = self.facts.nodes.get(person)
        return set(node.record_ids) & set(self.records) if node is not None else set()

    def role(self, person: int) -> str | None:
        return self.facts.roles.get(person)

    def people_with_roles(self, roles: Collection[str]) -> tuple[int, ...]:
        return tuple(p for p in self.people if self.facts.roles.get(p) in roles)

    def children(self) -> tuple[int, ...]:
        return tuple(p for p in self.people if (n := self.facts.nodes.get(p)) is not None and n.is_child)

    def vulnerable_adults(self) -> tuple[int, ...]:
        return tuple(
            p for p in self.people if (n := self.facts.nodes.get(p)) is not None and n.vulnerable_adult
        )

    def exploited(self) -> tuple[int, ...]:
        """Members whose suggested or confirmed role is an exploited person (likely victims)."""
        return self.people_with_roles({MemberRole.EXPLOITED_PERSON.value})

    def reporting_only(self, reporting_parties: Collection[str]) -> tuple[int, ...]:
        """Members who appear in every record only as a reporting party (``reporter``, ``complainant``)."""
        found = []
        for person in self.people:
            node = self.facts.nodes.get(person)
            roles = {name for name, count in node.parties.items() if count > 0} if node is not None else set()
            if roles and roles <= set(reporting_parties):
                found.append(person)
        return tuple(found)

    def members(self, reporting_parties: Collection[str] = REPORTING_PARTIES) -> tuple[int, ...]:
        """The people, less those who only reported something."""
        reporters = set(self.reporting_only(reporting_parties))
        return tuple(p for p in self.people if p not in reporters)

    def nodes_known(self) -> bool:
        """True when the facts carry the node of every entity (kinds and record ids can be read)."""
        return bool(self.facts.entities) and all(e in self.facts.nodes for e in self.facts.entities)

    def shared_items(
        self,
        kinds: Collection[str],
        *,
        min_members: int = 2,
        min_records: int = 2,
        reporting_parties: Collection[str] = REPORTING_PARTIES,
    ) -> list[SharedItem]:
        """Non-person entities of ``kinds`` that appear with ``min_members`` or more members across
        ``min_records`` or more of the group's records: a deal line several members use, a car they share,
        a flat they all visit. People who only reported something are not counted as its users."""
        reporters = set(self.reporting_only(reporting_parties))
        member_records = {p: self.member_records(p) for p in self.people if p not in reporters}
        shared: list[SharedItem] = []
        for entity_id in sorted(set(self.facts.entities)):
            node = self.facts.nodes.get(entity_id)
            if node is None or node.kind == EntityKind.PERSON.value or node.kind not in kinds:
                continue
            item_records = set(node.record_ids) & set(self.records)
            members = tuple(p for p, records in member_records.items() if records & item_records)
            used: set[int] = set().union(*(member_records[p] & item_records for p in members))
            if len(members) >= min_members and len(used) >= min_records:
                shared.append(
                    SharedItem(entity_id, node.kind, self.label(entity_id), members, tuple(sorted(used)))
                )
        return shared


def are(record_ids: Collection[int]) -> str:
    """The verb for :func:`ids_text`: ``record 3 is``, ``records 3 and 7 are``."""
    return "is" if len(set(record_ids)) == 1 else "are"


def ids_text(record_ids: Iterable[int]) -> str:
    """``records 3, 7 and 12`` / ``record 3``, for reasons written in words."""
    ids = [str(r) for r in sorted(set(record_ids))]
    if not ids:
        return "no records"
    if len(ids) == 1:
        return f"record {ids[0]}"
    return f"records {', '.join(ids[:-1])} and {ids[-1]}"
