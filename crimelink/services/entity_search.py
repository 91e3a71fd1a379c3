"""Finding people, places, vehicles and phones by what an officer would type, with fuzzy matching.

The terms (name, date of birth, address, postcode, phone, VRM, email) are normalised exactly as the
importer normalises partner records, so ``kx19 zzt`` is the stored ``KX19ZZT`` and ``03/04/1990`` the
stored ``1990-04-03``. Candidates come from the blocking keys linkage keeps per party
(:mod:`crimelink.linkage.keys`, table ``linkage_keys``), exact keys first, then fuzzy ones (metaphone,
swapped names, a misspelt surname with the year of birth, a surname at a postcode), then broad ones (a
date of birth alone, its day and month transposed, a postcode). People are scored against the terms with
the saved person model (:class:`~crimelink.linkage.scoring.PairScorer`); a term not given is NULL and
weighs nothing. Other kinds match exactly on their keys (an address on its premises key).

The policy decides each matching record once. An entity is listed, named and scored only from the
matching records the actor may see; a matching record they may not see is never shown, counted against
an entity or described: it surfaces only as a holding notice per agency ("agency X holds N records that
may match; ask them"), exactly as record search does. Every search is audited with its terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, load_access_context
from crimelink.domain import EntityKind
from crimelink.errors import InvalidInputError, NormalisationError
from crimelink.ingest.normalise import NormaliseContext, normalise_business_name, normalise_field
from crimelink.linkage.attach import business_key, premises_key
from crimelink.linkage.clusters import values_of
from crimelink.linkage.incremental import current_model
from crimelink.linkage.keys import person_keys_of_row, person_lookup_keys
from crimelink.linkage.records import PersonRecord, canonical_given_name, person_from_party
from crimelink.linkage.scoring import PairScore, PairScorer
from crimelink.services.callers import authorise, record_event
from crimelink.services.entities import (
    RecordVisibility,
    current_version,
    derived_identity,
    highest_marking,
    party_of,
)
from crimelink.services.records import HoldingNotice
from crimelink.store.models import Agency, Entity, LinkageKey, RecordEntityLink, SourceRecord

#: At most this many matching parties are examined per search (exact keys first, then fuzzy, then broad).
MAX_CANDIDATES = 2000
#: The longest term accepted; longer ones are refused rather than cut, since a cut name is another name.
MAX_TERM = 200
#: The terms a search may give, in the order forms list them.
TERMS = ("name", "dob", "address", "postcode", "phone", "vrm", "email")

#: The canonical field (docs/mapping.md) whose normaliser reads each term.
_CANONICAL = {
    "name": "full_name",
    "dob": "dob",
    "address": "address",
    "postcode": "postcode",
    "phone": "phone",
    "vrm": "vrm",
    "email": "email",
}
#: Comparisons that say "the very identifier typed" when matched exactly (no weight): they rank first.
_IDENTIFIER_COMPARISONS = frozenset({"vrm", "phone", "email"})
#: Key prefixes looked up before the fuzzy and broad ones (the cap keeps the best candidates).
_EXACT_PREFIXES = ("name:", "gf:", "phone:", "email:", "nino:")
_BROAD_PREFIXES = ("dob:",)


@dataclass(frozen=True)
class SearchTerms:
    """The terms as searched: each normalised exactly as stored records are."""

    full_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    dob: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    vrm: str | None = None
    email: str | None = None
    #: The name read as a business name, without its legal form (``LUCKY TEA ROOMS``).
    business: str | None = None

    def shown(self) -> dict[str, str]:
        """The normalised terms by form field, for saying what was searched ("dob": "1990-04-03")."""
        values = {
            "name": self.full_name,
            "dob": self.dob,
            "address": self.address,
            "postcode": self.postcode,
            "phone": self.phone,
            "vrm": self.vrm,
            "email": self.email,
        }
        return {name: value for name, value in values.items() if value}

    @property
    def person_terms(self) -> bool:
        return bool(self.family_name or self.dob or self.phone or self.email)


@dataclass(frozen=True)
class MatchReason:
    """One reason an entity matched: a comparison and the level it reached (``dob``: transposed)."""

    comparison: str
    level: str
    #: The model's weight of that level (log2 Bayes factor); ``None`` for exact identifier matches.
    weight: float | None = None


@dataclass(frozen=True)
class EntityMatch:
    """One entity found, as the matching records the actor may see describe it."""

    id: int
    kind: str
    display_name: str | None
    attributes: dict[str, str]
    #: Why it matched, from its best matching record: "name: metaphone of both; dob: exact".
    why: str
    reasons: list[MatchReason]
    #: People: the weight of evidence in the terms given (the sum of the reasons' weights; each point
    #: doubles the odds), which ranks them. ``None`` for other kinds, which match exactly.
    score: float | None
    #: People: the model's match weight (the score plus its prior) and match probability.
    match_weight: float | None
    match_probability: float | None
    #: The matching records the actor may see.
    record_ids: list[int]


@dataclass(frozen=True)
class EntitySearchResult:
    terms: dict[str, str]
    kind: str | None
    entities: list[EntityMatch]
    #: Matching records the actor may not see: only who holds how many, and whom to ask.
    held_elsewhere: list[HoldingNotice]
    #: More entities matched than are returned.
    truncated: bool
    #: More than MAX_CANDIDATES parties matched the keys: only the closest were examined.
    capped: bool
    #: Matching parties examined.
    candidates: int
    model_version: str
    #: The highest classification among the records the results are drawn from.
    marking: str


def search_entities(
    session: Session,
    actor: Actor,
    *,
    name: str | None = None,
    dob: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    phone: str | None = None,
    vrm: str | None = None,
    email: str | None = None,
    kind: EntityKind | None = None,
    limit: int = 25,
    max_candidates: int = MAX_CANDIDATES,
) -> EntitySearchResult:
    """Entities matching the terms, best first, with why; hidden matches as holding notices. Audited.

    Example: ``search_entities(session, actor, name="Bob Smyth", dob="04/03/1990").entities[0].why``
    may be ``"name: metaphone of both; dob: exact"``. A term that cannot be read raises
    :class:`InvalidInputError` naming it (``dob: 31/02/1990 is not a real date``).
    """
    authorise(actor, Action.RECORD_SEARCH)
    typed = {"name": name, "dob": dob, "address": address, "postcode": postcode}
    typed |= {"phone": phone, "vrm": vrm, "email": email}
    terms = normalise_terms(typed)
    saved = current_model(session)
    query_row = query_person(terms).as_row() if terms.person_terms else None
    tiers = lookup_keys(terms, query_row, kind)
    found, capped = _candidates(session, tiers, max_candidates)
    records = _records(session, {c.record_id for c in found})
    visible = RecordVisibility(actor, load_access_context(session))
    shown, hidden = _sort_out(found, records, visible, terms, query_row, saved.scorer)
    matches = sorted(
        (_entity_match(e, hits, saved.scorer.prior_weight) for e, hits in shown.items()), key=lambda m: m[1]
    )
    listed = [match for match, _ in matches[:limit]]
    notices = _notices(session, hidden)
    record_event(
        session,
        actor,
        action="search",
        resource_type="entity",
        details={
            "terms": {
                term: value.replace("\x00", "") for term, value in typed.items() if value and value.strip()
            },
            "kind": kind.value if kind else None,
            "entities": [m.id for m in listed],
            "held_elsewhere": sum(n.count for n in notices),
            "capped": capped,
        },
    )
    shown_records = {record_id for match in listed for record_id in match.record_ids}
    return EntitySearchResult(
        terms=terms.shown(),
        kind=kind.value if kind else None,
        entities=listed,
        held_elsewhere=notices,
        truncated=len(matches) > limit,
        capped=capped,
        candidates=len(found),
        model_version=saved.version,
        marking=highest_marking(records[r].classification for r in shown_records),
    )


# --- terms ----------------------------------------------------------------------------------------


def normalise_terms(typed: Mapping[str, str | None]) -> SearchTerms:
    """Each term through the product's normaliser; every unreadable term is reported by its field.

    >>> normalise_terms({"vrm": "kx19 zzt", "dob": "03/04/1990"}).shown()
    {'dob': '1990-04-03', 'vrm': 'KX19ZZT'}
    """
    context = NormaliseContext()
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    texts = {term: (typed.get(term) or "").replace("\x00", "").strip() for term in TERMS}
    for term, text in texts.items():
        if not text:
            continue
        if len(text) > MAX_TERM:
            problems[term] = f"keep it under {MAX_TERM} characters"
            continue
        try:
            values |= normalise_field(_CANONICAL[term], text, context)
        except NormalisationError as error:
            problems[term] = error.reason
    if problems:
        raise InvalidInputError(problems)
    if not values:
        raise InvalidInputError(
            "name", "enter at least one of a name, date of birth, address, postcode, phone, VRM or email"
        )
    business = None
    if values.get("full_name"):
        try:
            business = business_key(normalise_business_name(texts["name"]))
        except NormalisationError:
            business = None  # a name no business could have ("O'Brien" reads as a person only)
    return SearchTerms(
        full_name=values.get("full_name"),
        given_name=values.get("given_name"),
        family_name=values.get("family_name"),
        dob=values.get("dob"),
        address=values.get("address"),
        postcode=values.get("postcode"),
        phone=values.get("phone"),
        vrm=values.get("vrm"),
        email=values.get("email"),
        business=business,
    )


def query_person(terms: SearchTerms) -> PersonRecord:
    """The terms as a person record; what was not given stays ``None`` (NULL), so it weighs nothing."""
    return PersonRecord(
        unique_id=0,
        source="search",
        record_id="",
        given_name=terms.given_name,
        family_name=terms.family_name,
        full_name=terms.full_name,
        dob=terms.dob,
        postcode=terms.postcode,
        address=terms.address,
        phones=(terms.phone,) if terms.phone else (),
        emails=(terms.email,) if terms.email else (),
    )


# --- candidates -----------------------------------------------------------------------------------

#: (kind of party, key) pairs to look up.
Lookup = set[tuple[EntityKind, str]]


def lookup_keys(
    terms: SearchTerms, query_row: dict[str, Any] | None, kind: EntityKind | None
) -> tuple[Lookup, Lookup, Lookup]:
    """The keys to look up, as (exact, fuzzy, broad) tiers, for the kinds asked for."""
    exact: Lookup = set()
    fuzzy: Lookup = set()
    broad: Lookup = set()

    def wanted(of: EntityKind) -> bool:
        return kind is None or kind is of

    if query_row is not None and wanted(EntityKind.PERSON):
        own = person_keys_of_row(query_row)
        for key in person_lookup_keys(query_row) | _more_person_keys(query_row):
            tier = exact if key in own and key.startswith(_EXACT_PREFIXES) else fuzzy
            (broad if key.startswith(_BROAD_PREFIXES) else tier).add((EntityKind.PERSON, key))
    identifiers = (
        (EntityKind.VEHICLE, "vrm", terms.vrm),
        (EntityKind.PHONE, "phone", terms.phone),
        (EntityKind.EMAIL, "email", terms.email),
        (EntityKind.PREMISES, "addr", premises_key(terms.address)),
        (EntityKind.BUSINESS, "bname", terms.business),
    )
    exact.update((of, f"{prefix}:{value}") for of, prefix, value in identifiers if value and wanted(of))
    if terms.postcode and wanted(EntityKind.PREMISES):
        broad.add((EntityKind.PREMISES, f"postcode:{terms.postcode}"))
    return exact, fuzzy, broad


def _more_person_keys(row: Mapping[str, object]) -> set[str]:
    """Fuzzy keys beyond linkage's own: the swapped name with a nickname, and a transposed birth date."""
    keys: set[str] = set()
    given, family = row["given_name"], row["family_name"]
    if isinstance(given, str) and isinstance(family, str):
        swapped = canonical_given_name(family)
        keys.add(f"name:{swapped}|{given}")
        swapped_row = person_from_party(
            {"given_name": family, "family_name": given}, unique_id=0, source="", record_id=""
        )
        if swapped_row is not None:
            keys.update(k for k in person_keys_of_row(swapped_row.as_row()) if k.startswith("mp:"))
    dob = row["dob"]
    if isinstance(dob, str):
        try:
            transposed = date(int(dob[:4]), int(dob[8:10]), int(dob[5:7])).isoformat()
        except ValueError:
            transposed = dob
        if transposed != dob:
            keys.add(f"dob:{transposed}")
    return keys


@dataclass(frozen=True)
class _Candidate:
    record_id: int
    party: str
    kind: EntityKind
    #: The live entity (after merges) the party is linked to.
    entity_id: int


def _candidates(session: Session, tiers: Sequence[Lookup], cap: int) -> tuple[list[_Candidate], bool]:
    """Current parties holding any key, tier by tier, newest first, at most ``cap``; and whether capped."""
    found: dict[tuple[int, str], tuple[EntityKind, int]] = {}
    capped = False
    for lookup in tiers:
        if not lookup:
            continue
        by_kind: dict[EntityKind, set[str]] = defaultdict(set)
        for of, key in lookup:
            by_kind[of].add(key[:200])
        wanted = [
            and_(LinkageKey.kind == of.value, LinkageKey.key.in_(sorted(keys)))
            for of, keys in by_kind.items()
        ]
        rows = session.execute(
            select(LinkageKey.record_id, LinkageKey.party, LinkageKey.kind, RecordEntityLink.entity_id)
            .join(
                RecordEntityLink,
                and_(
                    RecordEntityLink.record_id == LinkageKey.record_id,
                    RecordEntityLink.party == LinkageKey.party,
                ),
            )
            .join(SourceRecord, SourceRecord.id == LinkageKey.record_id)
            .where(or_(*wanted), current_version())
            .distinct()
            .order_by(LinkageKey.record_id.desc(), LinkageKey.party)
            .limit(cap + 1)
        ).all()
        capped = capped or len(rows) > cap
        for row in rows:
            if (row.record_id, row.party) in found:
                continue
            if len(found) >= cap:
                capped = True
                break
            found[(row.record_id, row.party)] = (EntityKind(row.kind), row.entity_id)
    live = _survivors(session, {entity_id for _, entity_id in found.values()})
    candidates = [
        _Candidate(record_id, party, of, live[entity_id])
        for (record_id, party), (of, entity_id) in found.items()
    ]
    return candidates, capped


def _survivors(session: Session, ids: set[int]) -> dict[int, int]:
    """Entity id -> the entity it was finally merged into (itself when never merged)."""
    found = {entity_id: entity_id for entity_id in ids}
    for _ in range(100):  # merge chains are short; the bound only guards against a cycle
        rows = session.execute(
            select(Entity.id, Entity.merged_into_id).where(
                Entity.id.in_(set(found.values())), Entity.merged_into_id.is_not(None)
            )
        ).all()
        step = {row.id: row.merged_into_id for row in rows if row.merged_into_id is not None}
        if not step:
            break
        found = {original: step.get(current, current) for original, current in found.items()}
    return found


def _records(session: Session, ids: set[int]) -> dict[int, SourceRecord]:
    records: dict[int, SourceRecord] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        records.update(
            (r.id, r) for r in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(chunk)))
        )
    return records


# --- judging the candidates -----------------------------------------------------------------------


def _sort_out(
    found: Sequence[_Candidate],
    records: Mapping[int, SourceRecord],
    visible: RecordVisibility,
    terms: SearchTerms,
    query_row: dict[str, Any] | None,
    scorer: PairScorer,
) -> tuple[dict[int, list[_Hit]], dict[int, set[int]]]:
    """The matching parties the actor may see, by entity; the ids of the others, by holding agency."""
    shown: dict[int, list[_Hit]] = defaultdict(list)
    hidden: dict[int, set[int]] = defaultdict(set)
    for candidate in found:
        record = records.get(candidate.record_id)
        if record is None:
            continue
        hit = _judge(candidate, party_of(record, candidate.party), terms, query_row, scorer)
        if hit is None:
            continue
        if visible(record):
            shown[candidate.entity_id].append(hit)
        else:
            hidden[record.agency_id].add(record.id)
    return shown, hidden


@dataclass(frozen=True)
class _Hit:
    record_id: int
    kind: EntityKind
    fields: dict[str, object]
    reasons: tuple[MatchReason, ...]
    score: PairScore | None


def _judge(
    candidate: _Candidate,
    fields: dict[str, object],
    terms: SearchTerms,
    query_row: dict[str, Any] | None,
    scorer: PairScorer,
) -> _Hit | None:
    """Whether one matching party answers the terms, and why; ``None`` when it does not."""
    if not fields:
        return None  # the current version no longer has this party
    if candidate.kind is not EntityKind.PERSON:
        reasons = _exact_reasons(candidate.kind, fields, terms)
        return _Hit(candidate.record_id, candidate.kind, fields, reasons, None) if reasons else None
    if query_row is None:
        return None
    person = person_from_party(fields, unique_id=1, source="", record_id="")
    if person is None:
        return None
    score = scorer.score(query_row, person.as_row())
    levels = {f.comparison: f.level for f in score.fields}
    # An email is a strong identifier: linkage takes the same one for the same person, whatever the name.
    same_email = terms.email is not None and terms.email in person.emails
    # A name typed is who is sought: someone found only through a shared date of birth or phone under
    # another name is not an answer. Otherwise the terms given must count for the match, not against it.
    if not same_email and terms.family_name and levels.get("name") in ("null", "else"):
        return None
    if not same_email and score.match_weight <= scorer.prior_weight:
        return None
    reasons = tuple(
        MatchReason(f.comparison, "different" if f.level == "else" else f.level, round(f.weight, 3))
        for f in score.fields
        if f.level != "null"
    )
    if same_email:
        reasons += (MatchReason("email", "exact"),)
    return _Hit(candidate.record_id, candidate.kind, fields, reasons, score)


def _exact_reasons(
    kind: EntityKind, fields: Mapping[str, object], terms: SearchTerms
) -> tuple[MatchReason, ...]:
    """What a non-person party shares with the terms, compared as linkage compares it."""
    reasons: list[MatchReason] = []
    if kind is EntityKind.VEHICLE and terms.vrm in values_of(fields.get("vrm")):
        reasons.append(MatchReason("vrm", "exact"))
    if kind is EntityKind.PHONE and terms.phone in values_of(fields.get("phone")):
        reasons.append(MatchReason("phone", "same number"))
    if kind is EntityKind.EMAIL and terms.email in values_of(fields.get("email")):
        reasons.append(MatchReason("email", "exact"))
    if kind is EntityKind.PREMISES:
        wanted = premises_key(terms.address)
        addresses = values_of(fields.get("address"))
        if terms.address and terms.address in addresses:
            reasons.append(MatchReason("address", "exact"))
        elif wanted and wanted in {premises_key(a) for a in addresses}:
            reasons.append(MatchReason("address", "same premises (town and 'rear of' aside)"))
        if terms.postcode and terms.postcode in values_of(fields.get("postcode")):
            reasons.append(MatchReason("postcode", "exact"))
    if (
        kind is EntityKind.BUSINESS
        and terms.business
        and terms.business in {business_key(name) for name in values_of(fields.get("business_name"))}
    ):
        reasons.append(MatchReason("business name", "same name (legal form aside)"))
    return tuple(reasons)


# --- from hits to results -------------------------------------------------------------------------


def _entity_match(
    entity_id: int, hits: list[_Hit], prior_weight: float
) -> tuple[EntityMatch, tuple[int, float, int]]:
    """The entity as its visible matching records describe it, and its place in the ranking.

    Identifiers typed come first (a VRM, a phone), then people by match weight, then places and names.
    """
    kind = hits[0].kind
    best = max(hits, key=_strength)
    name, attributes = derived_identity(kind, [dict(h.fields) for h in hits])
    match = EntityMatch(
        id=entity_id,
        kind=kind.value,
        display_name=name,
        attributes=attributes,
        why=why_text(best.reasons),
        reasons=list(best.reasons),
        score=round(best.score.match_weight - prior_weight, 3) if best.score else None,
        match_weight=round(best.score.match_weight, 3) if best.score else None,
        match_probability=round(best.score.match_probability, 6) if best.score else None,
        record_ids=sorted({h.record_id for h in hits}),
    )
    if any(r.comparison in _IDENTIFIER_COMPARISONS and r.weight is None for r in best.reasons):
        tier = 0
    elif kind is EntityKind.PERSON:
        tier = 1
    else:
        tier = 2 if any(r.comparison == "address" for r in best.reasons) else 3
    return match, (tier, -_strength(best), entity_id)


def _strength(hit: _Hit) -> float:
    return hit.score.match_weight if hit.score else float(len(hit.reasons))


def why_text(reasons: Iterable[MatchReason]) -> str:
    """The reasons as one line.

    >>> why_text([MatchReason("name", "nickname given, exact family", 8.1), MatchReason("dob", "exact", 14.4)])
    'name: nickname given, exact family; dob: exact'
    """
    return "; ".join(f"{reason.comparison}: {reason.level}" for reason in reasons)


def _notices(session: Session, hidden: Mapping[int, set[int]]) -> list[HoldingNotice]:
    if not hidden:
        return []
    agencies = session.scalars(select(Agency).where(Agency.id.in_(hidden)).order_by(Agency.code))
    return [
        HoldingNotice(a.code, a.name, a.contact, len(hidden[a.id]), tuple(sorted(hidden[a.id])))
        for a in agencies
    ]
