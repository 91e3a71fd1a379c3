"""Clustering the store's parties into would-be entities, before any id is given to them.

People go through the person linkage (:class:`~crimelink.linkage.engine.LinkageEngine`: strong identifiers,
then Splink). Every other kind links outright on strong identifiers only: the same E.164 phone, email,
VRM or VIN, company number (else business name and postcode), UPRN (else address and postcode).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crimelink.domain import EntityKind
from crimelink.linkage import model
from crimelink.linkage.attach import (
    Profile,
    UnionFind,
    attach,
    business_key,
    deletions,
    person_keys,
    person_name_key,
    premises_key,
    registered_name,
)
from crimelink.linkage.engine import LinkageEngine, ScoredPair
from crimelink.linkage.records import PersonRecord, person_from_party

#: (source record id, party name): what one RecordEntityLink row describes.
PartyKey = tuple[int, str]
#: Version of the exact-identifier rules below, stored as the model version of their links.
EXACT_RULES_VERSION = "exact-1"

#: Normalised fields kept on an entity as its best-known attributes, by kind.
ATTRIBUTE_FIELDS: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.PERSON: ("full_name", "dob", "nino", "postcode"),
    EntityKind.PREMISES: ("uprn", "address", "postcode"),
    EntityKind.VEHICLE: ("vrm", "vin"),
    EntityKind.PHONE: ("phone",),
    EntityKind.EMAIL: ("email",),
    EntityKind.BUSINESS: ("business_name", "company_number", "postcode"),
    EntityKind.BANK_ACCOUNT: ("account",),
    EntityKind.ONLINE_ACCOUNT: ("handle",),
}


@dataclass(frozen=True, slots=True)
class Party:
    """One party of the current version of one source record."""

    record_id: int
    party: str
    dataset_id: int
    source_key: str
    kind: EntityKind
    fields: dict[str, Any]

    @property
    def key(self) -> PartyKey:
        return (self.record_id, self.party)


@dataclass(frozen=True)
class LinkInfo:
    """How a party came to be in its cluster."""

    method: str  # deterministic | probabilistic | new
    match_probability: float | None
    model_version: str


@dataclass
class Cluster:
    """Parties judged to be one real-world thing; ``entity_id`` is filled when ids are assigned."""

    kind: EntityKind
    members: list[Party]
    links: dict[PartyKey, LinkInfo] = field(default_factory=dict)
    entity_id: int | None = None

    def attributes(self) -> dict[str, Any]:
        """The most common value of each identifying field across the members (ties: smallest)."""
        found: dict[str, Any] = {}
        for name in ATTRIBUTE_FIELDS.get(self.kind, ()):
            counts: dict[str, int] = {}
            for member in self.members:
                for value in values_of(member.fields.get(name)):
                    counts[value] = counts.get(value, 0) + 1
            if counts:
                found[name] = min(counts, key=lambda v: (-counts[v], v))
        return found


def values_of(value: Any) -> list[str]:
    """A normalised field as a list of non-empty strings (multi-valued fields arrive as lists)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if item is not None and str(item) != ""]


def fixed_settings() -> dict[str, Any]:
    """The person model with its documented starting parameters (used untrained on small stores)."""
    return model.settings_dict(
        probability_two_random_records_match=model.FIXED_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
    )


def person_model_version(
    *, threshold: float, engine_name: str, settings: dict[str, Any] | None = None
) -> str:
    """A short hash of the person model's settings (trained parameters included), threshold and engine.

    Parameters are hashed to three significant figures: training samples pairs at random (DuckDB's
    sampling is not repeatable across threads), so a re-run over the same records gives the same
    version unless the model really changed.
    """
    text = json.dumps(
        {"settings": _rounded(settings or fixed_settings()), "threshold": threshold, "engine": engine_name},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.3g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@dataclass
class PersonLinkage:
    """What the person linkage produced besides clusters: its model and the pairs left for review."""

    settings: dict[str, Any]
    trained: bool
    version: str
    #: (left party, right party, probability, weight) scored below the threshold, for review
    candidates: list[tuple[PartyKey, PartyKey, float, float]] = field(default_factory=list)


def person_clusters(
    parties: Sequence[Party],
    *,
    threshold: float,
    make_engine: Callable[[], LinkageEngine],
    engine_name: str,
    review_from: float | None = None,
    step: Callable[[str], None] | None = None,
) -> tuple[list[Cluster], PersonLinkage]:
    """Cluster person parties with the linkage engine; parties nothing identifies stay alone."""
    records: list[PersonRecord] = []
    by_unique_id: dict[int, Party] = {}
    alone: list[Party] = []
    for party in parties:
        person = person_from_party(
            party.fields,
            unique_id=len(records),
            source=str(party.dataset_id),
            record_id=f"{party.record_id}/{party.party}",
        )
        if person is None:
            alone.append(party)
            continue
        by_unique_id[person.unique_id] = party
        records.append(person)
    pairs: list[ScoredPair] = []
    labels = {record.unique_id: record.unique_id for record in records}
    linkage = PersonLinkage(fixed_settings(), False, "")
    if len(records) >= 2:
        result = make_engine().link(records, threshold=threshold, review_from=review_from, step=step)
        pairs, labels = result.pairs, result.clusters
        linkage = PersonLinkage(
            result.settings or fixed_settings(),
            result.trained,
            "",
            [
                (
                    by_unique_id[c.left_id].key,
                    by_unique_id[c.right_id].key,
                    c.match_probability,
                    c.match_weight or 0.0,
                )
                for c in result.candidates
            ],
        )
    linkage.version = person_model_version(
        threshold=threshold, engine_name=engine_name, settings=linkage.settings
    )
    model_version = linkage.version
    groups: dict[int, list[int]] = {}
    for unique_id in sorted(labels):
        groups.setdefault(labels[unique_id], []).append(unique_id)
    evidence = _best_evidence(pairs)
    clusters = []
    for ids in groups.values():
        cluster = Cluster(EntityKind.PERSON, [by_unique_id[i] for i in ids])
        for unique_id in ids:
            method, probability = evidence.get(unique_id, ("new", None)) if len(ids) > 1 else ("new", None)
            cluster.links[by_unique_id[unique_id].key] = LinkInfo(method, probability, model_version)
        clusters.append(cluster)
    clusters.extend(_singleton(party, model_version) for party in alone)
    return clusters, linkage


def _best_evidence(pairs: Sequence[ScoredPair]) -> dict[int, tuple[str, float | None]]:
    """Per record: deterministic if any strong identifier links it, else its best match probability."""
    best: dict[int, tuple[str, float | None]] = {}
    for pair in pairs:
        for unique_id in (pair.left_id, pair.right_id):
            current = best.get(unique_id)
            if pair.method == "deterministic":
                best[unique_id] = ("deterministic", 1.0)
            elif current is None or (
                current[0] == "probabilistic" and (current[1] or 0) < pair.match_probability
            ):
                best[unique_id] = ("probabilistic", round(pair.match_probability, 6))
    return best


def strong_keys(kind: EntityKind, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """The identifiers on which a non-person party links outright: equal key, same thing."""

    def keys(name: str) -> list[tuple[str, str]]:
        return [(name, value) for value in values_of(fields.get(name))]

    if kind is EntityKind.PHONE:
        return keys("phone")
    if kind is EntityKind.EMAIL:
        return keys("email")
    if kind is EntityKind.VEHICLE:
        return keys("vrm") + keys("vin")
    if kind is EntityKind.BANK_ACCOUNT:
        return keys("account")
    if kind is EntityKind.ONLINE_ACCOUNT:
        return keys("handle")
    if kind is EntityKind.BUSINESS:
        return keys("company_number")
    if kind is EntityKind.PREMISES:
        return keys("uprn")
    return []


def attach_profile(
    cluster: Cluster,
    context: Mapping[int, frozenset[str]] | None = None,
    places: Mapping[int, frozenset[str]] | None = None,
    *,
    fuzzy_names: bool = True,
) -> Profile:
    """What :func:`crimelink.linkage.attach.attach` needs to know about a cluster, by kind.

    ``context`` adds discriminators by source record: a business is told apart by the premises named
    on the same record ("premises:<cluster>"), since one trading name can be used at several shops.
    """
    keys: set[str] = set()
    fuzzy: set[str] = set()
    discriminators: set[str] = set()
    conflicts: set[str] = set()
    for member in cluster.members:
        fields = member.fields
        # A registered company name is one company wherever it is seen: its premises on a record (a
        # yard in intelligence, a shop in a complaint) do not tell two of them apart.
        registered = cluster.kind is EntityKind.BUSINESS and any(
            registered_name(value) for value in values_of(fields.get("business_name"))
        )
        if context and not registered:
            discriminators.update(context.get(member.record_id, ()))
        first = {name: next(iter(values_of(fields.get(name))), None) for name in _ATTACH_FIELDS}
        if cluster.kind is EntityKind.PERSON:
            if fuzzy_names:
                exact, fuzzy_keys = person_keys(first["given_name"], first["family_name"])
                fuzzy.update(fuzzy_keys)
            else:
                exact = person_name_key(first["given_name"], first["family_name"])
            keys.update([exact] if exact else [])
            discriminators.update(f"dob:{value}" for value in values_of(fields.get("dob")))
            conflicts.update(f"phone:{value}" for value in values_of(fields.get("phone")))
            if places is not None:
                conflicts.update(f"addr:{key}" for key in _places(member, {}))
        elif cluster.kind is EntityKind.PREMISES:
            keys.update(k for value in values_of(fields.get("address")) if (k := premises_key(value)))
            discriminators.update(f"uprn:{value}" for value in values_of(fields.get("uprn")))
            discriminators.update(f"postcode:{value}" for value in values_of(fields.get("postcode")))
        elif cluster.kind is EntityKind.BUSINESS:
            # A registered name and an unregistered trading name sharing its words are told apart.
            keys.update(
                f"registered:{k}" if registered_name(value) else k
                for value in values_of(fields.get("business_name"))
                if (k := business_key(value))
            )
            discriminators.update(f"company:{v}" for v in values_of(fields.get("company_number")))
            if not registered:
                discriminators.update(f"postcode:{value}" for value in values_of(fields.get("postcode")))
    return Profile(frozenset(keys), frozenset(discriminators), frozenset(fuzzy), frozenset(conflicts))


_ATTACH_FIELDS = ("given_name", "family_name")
#: The rule recorded on a party attached to its cluster by :func:`attach_weak`, by kind.
ATTACH_RULES = {
    EntityKind.PERSON: "unique-name",
    EntityKind.PREMISES: "unique-address",
    EntityKind.BUSINESS: "unique-business-name",
}


def attach_weak(
    clusters: Sequence[Cluster],
    kind: EntityKind,
    context: Mapping[int, frozenset[str]] | None = None,
    *,
    places: Mapping[int, frozenset[str]] | None = None,
) -> list[Cluster]:
    """Join weakly identified clusters of one kind to the only cluster they can be (see ``attach``).

    Premises get a second pass: a party with only a postcode joins the one premises known there.
    """
    if kind not in ATTACH_RULES:
        return list(clusters)
    profiles = [attach_profile(cluster, context, places) for cluster in clusters]
    if kind is EntityKind.PERSON:
        profiles = _without_common_names(profiles)
    result = _joined(
        clusters,
        kind,
        *attach(profiles, merge_agreeing=kind is not EntityKind.PERSON, rule=ATTACH_RULES[kind]),
    )
    if kind is EntityKind.PREMISES:
        result = _joined(
            result,
            kind,
            *attach([_postcode_profile(c) for c in result], merge_agreeing=False, rule="unique-postcode"),
        )
    return result


#: A name is common when the store is expected to hold at least this many different people called so
#: (given-name frequency x family-name frequency x people): then knowing only one of them by date of
#: birth does not make a name-only record theirs.
COMMON_NAME_PEOPLE = 2.0
#: Name frequencies are only estimated from at least this many named people.
COMMON_NAME_MIN_PEOPLE = 10_000


def _without_common_names(profiles: Sequence[Profile]) -> list[Profile]:
    """Profiles whose name keys are dropped where the name is common (see COMMON_NAME_PEOPLE).

    A fuzzy key (one slip in one name) stands for every name within that slip: NICOL|REYNOLDS for
    NICOLA and NICOLE REYNOLDS. It is dropped when the people expected to bear any of those names
    are as many, so two real names a letter apart are not taken for a typo of each other.
    """
    given: Counter[str] = Counter()
    family: Counter[str] = Counter()
    given_slips: Counter[str] = Counter()
    family_slips: Counter[str] = Counter()
    named = 0
    for profile in profiles:
        names = {tuple(key.split("|", 1)) for key in profile.keys}
        named += bool(names)
        given.update({g for g, _f in names})
        family.update({f for _g, f in names})
        given_slips.update({v for g, _f in names for v in deletions(g)})
        family_slips.update({v for _g, f in names for v in deletions(f)})
    if named < COMMON_NAME_MIN_PEOPLE:
        return list(profiles)  # too few people for name frequencies to mean anything

    def common(key: str) -> bool:
        g, f = key.split("|", 1)
        return given[g] * family[f] / named >= COMMON_NAME_PEOPLE

    def common_within_a_slip(key: str) -> bool:
        # The given name varied or the family name varied (people called exactly so are in both).
        g, f = key.split("|", 1)
        bearers = given_slips[g] * family[f] + given[g] * family_slips[f] - given[g] * family[f]
        return bearers / named >= COMMON_NAME_PEOPLE

    found = []
    for profile in profiles:
        keys = frozenset(k for k in profile.keys if not common(k))
        fuzzy = frozenset(k for k in profile.fuzzy_keys if not common_within_a_slip(k))
        if keys != profile.keys or fuzzy != profile.fuzzy_keys:
            # A common name's own slips are not used: its typos are as likely another bearer's.
            profile = Profile(
                keys,
                profile.discriminators,
                fuzzy if keys == profile.keys else frozenset(),
                profile.conflicts,
            )
        found.append(profile)
    return found


def _postcode_profile(cluster: Cluster) -> Profile:
    """Premises by postcode: a cluster with an address or UPRN is a known premises there."""
    postcodes = {f"postcode:{v}" for m in cluster.members for v in values_of(m.fields.get("postcode"))}
    known = {
        f"{name}:{v}"
        for m in cluster.members
        for name in ("address", "uprn")
        for v in values_of(m.fields.get(name))
    }
    return Profile(frozenset(postcodes), frozenset(known))


def _joined(
    clusters: Sequence[Cluster], kind: EntityKind, forest: UnionFind, joined_by: dict[int, str]
) -> list[Cluster]:
    """Clusters united by ``forest``; a party that joined by a rule records that rule."""
    merged: dict[int, Cluster] = {}
    for index, cluster in enumerate(clusters):
        target = merged.setdefault(forest.root(index), Cluster(kind, [], {}))
        target.members.extend(cluster.members)
        rule = joined_by.get(index)
        for key, info in cluster.links.items():
            # A party alone before this pass, now joined by a rule, records that rule as its link.
            target.links[key] = LinkInfo(rule, None, info.model_version) if rule else info
    result = list(merged.values())
    for cluster in result:
        if len(cluster.members) > 1:
            rule = next((i.method for i in cluster.links.values() if i.method not in ("new",)), None)
            for key, info in cluster.links.items():
                if info.method == "new":
                    cluster.links[key] = LinkInfo(rule or ATTACH_RULES[kind], None, info.model_version)
    return result


def exact_clusters(parties: Sequence[Party]) -> list[Cluster]:
    """Connected components of non-person parties sharing any strong key (kinds never mix)."""
    forest = UnionFind(len(parties))
    first_with: dict[tuple[EntityKind, str, str], int] = {}
    for index, party in enumerate(parties):
        for name, value in strong_keys(party.kind, party.fields):
            forest.union(index, first_with.setdefault((party.kind, name, value), index))
    groups: dict[int, list[Party]] = {}
    for index, party in enumerate(parties):
        groups.setdefault(forest.root(index), []).append(party)
    clusters = []
    for members in groups.values():
        method, probability = ("deterministic", 1.0) if len(members) > 1 else ("new", None)
        info = LinkInfo(method, probability, EXACT_RULES_VERSION)
        clusters.append(Cluster(members[0].kind, members, {m.key: info for m in members}))
    return clusters


def _singleton(party: Party, model_version: str) -> Cluster:
    return Cluster(party.kind, [party], {party.key: LinkInfo("new", None, model_version)})


def person_address_context(parties: Sequence[Party]) -> dict[int, frozenset[str]]:
    """Source record id -> premises keys of every address on it: where a name-only person was seen.

    An occupant named on a tenancy case, a consignee on a delivery, a worker at an inspected site, a
    carer on a child's record: the record's addresses place them. Used only to find the same name at
    the same address, never to tell people apart (a complaint's trader contact does not live at the
    complainant's address, but nobody of the contact's name is likely to live there either).
    """
    found: dict[int, set[str]] = {}
    for party in parties:
        if party.kind in (EntityKind.PREMISES, EntityKind.PERSON):
            for value in values_of(party.fields.get("address")):
                key = premises_key(value)
                if key:
                    found.setdefault(party.record_id, set()).add(key)
    return {record_id: frozenset(keys) for record_id, keys in found.items()}


def attach_people(clusters: Sequence[Cluster], addresses: Mapping[int, frozenset[str]]) -> list[Cluster]:
    """People: first a name seen at the same address (own or the record's premises), then unique names."""
    profiles = []
    for cluster in clusters:
        keys: set[str] = set()
        base = attach_profile(cluster, fuzzy_names=False)
        for member in cluster.members:
            exact = person_name_key(
                next(iter(values_of(member.fields.get("given_name"))), None),
                next(iter(values_of(member.fields.get("family_name"))), None),
            )
            if not exact:
                continue
            keys.update(f"{exact}@{place}" for place in _places(member, addresses))
        profiles.append(Profile(frozenset(keys), base.discriminators, frozenset(), base.conflicts))
    joined = attach(profiles, merge_agreeing=False, rule="name-at-address", share=True)
    del profiles  # not held while the unique names are attached: a million of them at 1,000,000 records
    placed = _joined(clusters, EntityKind.PERSON, *joined)
    del joined
    people = attach_weak(placed, EntityKind.PERSON, places=addresses)
    person_keys.cache_clear()  # the fuzzy keys of up to 262,144 names, needed by nothing after this
    return people


def _places(member: Party, addresses: Mapping[int, frozenset[str]]) -> set[str]:
    """Where a person was seen: their own address and the premises on the same record (premises keys)."""
    places = set(addresses.get(member.record_id, ()))
    places.update(k for value in values_of(member.fields.get("address")) if (k := premises_key(value)))
    return places


def premises_context(premises: Sequence[Cluster]) -> dict[int, frozenset[str]]:
    """Source record id -> the premises clusters it names, as business discriminators.

    Only premises known by an address or UPRN count: a bare postcode does not say which shop it is.
    """
    found: dict[int, set[str]] = {}
    for index, cluster in enumerate(premises):
        if not _located(cluster):
            continue
        for member in cluster.members:
            found.setdefault(member.record_id, set()).add(f"premises:{index}")
    return {record_id: frozenset(values) for record_id, values in found.items()}


def _located(cluster: Cluster) -> bool:
    return any(m.fields.get("address") or m.fields.get("uprn") for m in cluster.members)


def premises_by_business(premises: Sequence[Cluster], businesses: Sequence[Cluster]) -> list[Cluster]:
    """A premises given only by its postcode joins the one premises at that postcode where the business
    named on the same record is known (a complaint's trader "postcode only" at the trader's shop)."""
    premises_of_record: dict[int, set[int]] = {}
    for index, cluster in enumerate(premises):
        for member in cluster.members:
            premises_of_record.setdefault(member.record_id, set()).add(index)
    business_premises: dict[int, set[int]] = {}  # business cluster -> located premises clusters
    business_of_record: dict[int, set[int]] = {}
    for b_index, cluster in enumerate(businesses):
        for member in cluster.members:
            business_of_record.setdefault(member.record_id, set()).add(b_index)
            business_premises.setdefault(b_index, set()).update(
                p for p in premises_of_record.get(member.record_id, ()) if _located(premises[p])
            )
    postcodes = [
        {v for m in cluster.members for v in values_of(m.fields.get("postcode"))} for cluster in premises
    ]
    forest = UnionFind(len(premises))
    joined_by: dict[int, str] = {}
    for index, cluster in enumerate(premises):
        if _located(cluster) or not postcodes[index]:
            continue
        places = {
            place
            for member in cluster.members
            for b_index in business_of_record.get(member.record_id, ())
            for place in business_premises.get(b_index, ())
            if postcodes[place] & postcodes[index]
        }
        roots = {forest.root(place) for place in places}
        if len(roots) == 1:
            target = roots.pop()
            forest.parent[forest.root(index)] = target
            joined_by[index] = "business-premises"
    return _joined(premises, EntityKind.PREMISES, forest, joined_by)
