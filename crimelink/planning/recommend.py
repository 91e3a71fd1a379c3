"""Recommended tactics: the facts about a target, the signs read from them, and tactics ranked with reasons.

Pure logic over plain data: nothing here reads the store or knows who is looking. The caller
(:mod:`crimelink.services.tactics`) gathers the facts from the records the viewer may see and passes them in.

A **target** is a confirmed group, a candidate group, one entity or a hand-picked set of entities. Its facts
(:class:`TargetFacts`) are its entities, the **signs** read from their records (:func:`read_signs`), the
**threats** those records show (the holding agency's tags and threat screening's), and the **key players**
(who fragments the group most when removed).

A tactic from the menu scores from three kinds of reason, each naming the fact it rests on and the rule:

1. **rules** (``tactic_rules.yaml``): a sign or a threat points to tactics with a weight, e.g.
   ``licensed premises: Supreme Pizza (LATE_NIGHT_REFRESHMENT) -> Premises licence review``;
2. **threat fit**: each threat on the target that the tactic itself lists in ``tactics.yaml`` adds 1
   (at most 3), when the target holds something of a kind the tactic is used against;
3. **key players**: a tactic that enforces against people (criminal or civil standard) and already has a
   reason is weighted towards the key players, by how much removing the first fragments the group.

Protected characteristics (nationality, ethnicity, religion ...) are never an input: signs cannot name
such fields (:func:`crimelink.planning.rules.is_protected_field`) and :func:`read_signs` skips them.

>>> facts = TargetFacts(
...     kind="entities",
...     label="example",
...     entities=(EntitySeen(1, "VEHICLE", "AB12 CDE"),),
...     signs=(Sign("fly-tipping-vehicle", "vehicle seen in fly-tipping", 1, "AB12 CDE", "VEHICLE", "", (7,)),),
...     threats=(),
...     key_players=(),
... )
>>> top = recommend(facts)[0]
>>> top.tactic.id, top.reasons[0].text
('fly-tipping-vehicle-seizure', 'vehicle seen in fly-tipping: AB12 CDE -> Seizure of vehicles used for fly-tipping')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crimelink.domain.codes import EntityKind
from crimelink.domain.reference import LegalStandard, ReferenceData, Tactic, TargetKind, default_reference
from crimelink.planning.rules import Rule, SignDefinition, TacticRules, default_rules, is_protected_field

__all__ = [
    "KEY_PLAYERS",
    "THREAT_FIT",
    "Aim",
    "EntitySeen",
    "KeyPlayer",
    "Reason",
    "ReasonInput",
    "Recommendation",
    "RecordParty",
    "RecordSeen",
    "Sign",
    "TargetFacts",
    "ThreatSeen",
    "read_signs",
    "recommend",
]

#: Rule ids of the two reasons that do not come from the rules file.
THREAT_FIT = "threat-fit"
KEY_PLAYERS = "key-players"
#: At most this much from threat fit, however many threats a tactic lists.
THREAT_FIT_MAX = 3
#: Key players named on a person-targeted tactic.
KEY_PLAYERS_NAMED = 3
#: Entities named in one reason's text (the rest are counted, and all are in its inputs).
NAMED_IN_TEXT = 3
#: Three or more people: the s.45 Serious Crime Act 2015 threshold of an organised crime group.
GROUP_SIZE = 3

_KIND_SIGNS = {
    EntityKind.VEHICLE.value: "vehicle",
    EntityKind.PREMISES.value: "premises",
    EntityKind.BUSINESS.value: "business",
    EntityKind.PHONE.value: "phone",
    EntityKind.BANK_ACCOUNT.value: "bank-account",
}
_TARGET_KINDS = {
    EntityKind.PERSON.value: (TargetKind.PERSON,),
    EntityKind.PREMISES.value: (TargetKind.PREMISES, TargetKind.PLACE),
    EntityKind.BUSINESS.value: (TargetKind.BUSINESS,),
    EntityKind.VEHICLE.value: (TargetKind.VEHICLE,),
}
_ENFORCING = (LegalStandard.CRIMINAL, LegalStandard.CIVIL)


# --- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitySeen:
    """One entity of the target, as the viewer's records show it."""

    entity_id: int
    #: An :class:`EntityKind` value.
    kind: str
    label: str
    child: bool = False
    vulnerable_adult: bool = False


@dataclass(frozen=True)
class RecordParty:
    """One party of a record: its name in the record, the (live) entity it is, and its fields."""

    party: str
    entity_id: int | None
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class RecordSeen:
    """A record the viewer may see that names an entity of the target."""

    record_id: int
    dataset: str
    #: A :class:`DataCategory` value.
    category: str
    #: Threats it is tagged with: its agency's own tags and threat screening's.
    threats: tuple[str, ...]
    parties: tuple[RecordParty, ...]


@dataclass(frozen=True)
class Sign:
    """A fact about one entity that a rule can point from, and the records that show it."""

    sign: str
    label: str
    entity_id: int
    entity_label: str
    entity_kind: str
    #: What the records say more precisely (a licence type, a commodity); may be empty.
    detail: str
    record_ids: tuple[int, ...]


@dataclass(frozen=True)
class ThreatSeen:
    """A threat the target's records show, and which records."""

    threat: str
    record_ids: tuple[int, ...]


@dataclass(frozen=True)
class KeyPlayer:
    """A person whose removal fragments the group (greedy key-player analysis), in order."""

    entity_id: int
    label: str
    rank: int
    reachability_before: float
    reachability_after: float

    @property
    def fragmentation(self) -> float:
        """The share of the group's reachability their removal takes away (0 to 1)."""
        if self.reachability_before <= 0:
            return 0.0
        return max(0.0, min(1.0, 1 - self.reachability_after / self.reachability_before))

    @property
    def why(self) -> str:
        return (
            f"key player {self.rank}: removing them leaves {self.reachability_after:.0%} of the group's "
            f"pairs of people able to reach each other (from {self.reachability_before:.0%})"
        )


@dataclass(frozen=True)
class TargetFacts:
    """Everything a recommendation reads about its target."""

    #: ``group``, ``candidate``, ``entity`` or ``entities``.
    kind: str
    label: str
    entities: tuple[EntitySeen, ...]
    signs: tuple[Sign, ...]
    threats: tuple[ThreatSeen, ...]
    key_players: tuple[KeyPlayer, ...]

    @property
    def people(self) -> int:
        return sum(1 for entity in self.entities if entity.kind == EntityKind.PERSON.value)

    def threat_codes(self) -> set[str]:
        return {threat.threat for threat in self.threats}

    def target_kinds(self) -> set[TargetKind]:
        """What the tactics could be used against here."""
        kinds = {kind for entity in self.entities for kind in _TARGET_KINDS.get(entity.kind, ())}
        if self.kind in ("group", "candidate") or self.people >= GROUP_SIZE:
            kinds.add(TargetKind.GROUP)
        return kinds


# --- reading signs --------------------------------------------------------------------------------


def _present(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    return bool(str(value).strip())


def _parts(value: Any) -> set[str]:
    if isinstance(value, list | tuple):
        return {str(v).strip().upper() for v in value}
    return {part.strip().upper() for part in str(value).replace("|", ";").replace(",", ";").split(";")}


def _fields_in(definition: SignDefinition, own: RecordParty, record: RecordSeen) -> list[Mapping[str, Any]]:
    if definition.look_in == "own":
        return [own.fields]
    return [own.fields, *(p.fields for p in record.parties if p is not own)]


def _gives(definition: SignDefinition, own: RecordParty, record: RecordSeen, kind: str) -> str | None:
    """The sign's detail if this record gives the sign about the party's entity, else ``None``."""
    if kind not in definition.entity_kinds:
        return None
    if definition.categories and record.category not in definition.categories:
        return None
    if definition.parties and own.party not in definition.parties:
        return None
    if definition.record_threats and not set(definition.record_threats) & set(record.threats):
        return None
    looked = _fields_in(definition, own, record)
    if definition.fields and not any(
        _present(fields.get(name))
        for fields in looked
        for name in definition.fields
        if not is_protected_field(name)
    ):
        return None
    for name, wanted in definition.values.items():
        if is_protected_field(name):
            return None
        if not any(_parts(fields[name]) & set(wanted) for fields in looked if _present(fields.get(name))):
            return None
    if definition.detail_field and not is_protected_field(definition.detail_field):
        for fields in looked:
            if _present(fields.get(definition.detail_field)):
                return str(fields[definition.detail_field])
    return ""


@dataclass
class _Gathered:
    record_ids: set[int] = field(default_factory=set)
    details: list[str] = field(default_factory=list)


def read_signs(
    entities: Sequence[EntitySeen],
    records: Iterable[RecordSeen],
    *,
    rules: TacticRules | None = None,
    group: bool = False,
) -> tuple[tuple[Sign, ...], tuple[ThreatSeen, ...]]:
    """The signs and threats the records give about ``entities`` (``group``: the target is a group).

    A record says nothing about an entity that is only a bystander in it (``bystander_parties``).
    """
    rules = rules or default_rules()
    by_id = {entity.entity_id: entity for entity in entities}
    gathered: dict[tuple[str, int], _Gathered] = defaultdict(_Gathered)
    threats: dict[str, set[int]] = defaultdict(set)
    for record in records:
        for own in record.parties:
            entity = by_id.get(own.entity_id) if own.entity_id is not None else None
            if entity is None or own.party.lower() in rules.bystander_parties:
                continue
            for threat in record.threats:
                threats[threat].add(record.record_id)
            for definition in rules.signs:
                detail = _gives(definition, own, record, entity.kind)
                if detail is not None:
                    found = gathered[(definition.id, entity.entity_id)]
                    found.record_ids.add(record.record_id)
                    if detail and detail not in found.details:
                        found.details.append(detail)
            if entity.kind == EntityKind.BUSINESS.value:
                words = [str(own.fields.get("business_name") or "")]
                words += [str(p.fields.get("licensable_activities") or "") for p in record.parties]
                for kind, word in rules.business_kinds_in(" / ".join(w for w in words if w)):
                    found = gathered[(kind.id, entity.entity_id)]
                    found.record_ids.add(record.record_id)
                    if f"'{word}'" not in found.details:
                        found.details.append(f"'{word}'")
    signs = [
        Sign(
            sign=sign_id,
            label=rules.sign_label(sign_id),
            entity_id=entity_id,
            entity_label=by_id[entity_id].label,
            entity_kind=by_id[entity_id].kind,
            detail=", ".join(found.details),
            record_ids=tuple(sorted(found.record_ids)),
        )
        for (sign_id, entity_id), found in gathered.items()
    ]
    signs.extend(_built_in_signs(entities, rules, group=group))
    signs.sort(key=lambda s: (s.sign, s.entity_label, s.entity_id))
    seen = tuple(ThreatSeen(threat, tuple(sorted(ids))) for threat, ids in sorted(threats.items()))
    return tuple(signs), seen


def _built_in_signs(entities: Sequence[EntitySeen], rules: TacticRules, *, group: bool) -> list[Sign]:
    signs = []
    for entity in entities:
        names = []
        if entity.kind == EntityKind.PERSON.value and entity.child:
            names.append("child")
        if entity.kind == EntityKind.PERSON.value and entity.vulnerable_adult and not entity.child:
            names.append("vulnerable-adult")
        if entity.kind in _KIND_SIGNS:
            names.append(_KIND_SIGNS[entity.kind])
        for name in names:
            label = rules.sign_label(name)
            signs.append(Sign(name, label, entity.entity_id, entity.label, entity.kind, "", ()))
    people = [e for e in entities if e.kind == EntityKind.PERSON.value]
    if len(people) >= GROUP_SIZE or (group and people):
        signs.append(Sign("group", f"{len(people)} people", 0, f"{len(people)} people", "GROUP", "", ()))
    return signs


# --- recommending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonInput:
    """One fact a reason rests on: an entity and its sign, a threat, or a key player."""

    #: ``sign``, ``threat`` or ``key_player``.
    kind: str
    label: str
    detail: str = ""
    entity_id: int | None = None
    record_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a tactic is recommended: the rule, the facts it read and what it adds to the score."""

    #: The rule's id in the rules file, or :data:`THREAT_FIT` or :data:`KEY_PLAYERS`.
    rule: str
    #: "<fact>: <inputs> -> <tactic>", e.g. "licensed premises: Supreme Pizza (PREMISES_LICENCE) -> ...".
    text: str
    #: The rule in words.
    why: str
    weight: float
    inputs: tuple[ReasonInput, ...]


@dataclass(frozen=True)
class Aim:
    """Whom or what the tactic would be used against here, and why them."""

    entity_id: int
    label: str
    kind: str
    why: str


@dataclass(frozen=True)
class Recommendation:
    tactic: Tactic
    score: float
    reasons: tuple[Reason, ...]
    aimed_at: tuple[Aim, ...]


def _named(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NAMED_IN_TEXT])
    more = len(items) - NAMED_IN_TEXT
    return f"{shown} and {more} more" if more > 0 else shown


def _sign_inputs(signs: Sequence[Sign]) -> tuple[ReasonInput, ...]:
    return tuple(
        ReasonInput("sign", s.entity_label, s.detail or s.label, s.entity_id or None, s.record_ids)
        for s in signs
    )


def _threat_inputs(threats: Sequence[ThreatSeen]) -> tuple[ReasonInput, ...]:
    return tuple(ReasonInput("threat", t.threat, _records_count(t), None, t.record_ids) for t in threats)


def _records_count(threat: ThreatSeen) -> str:
    count = len(threat.record_ids)
    return f"{count} record{'s' if count != 1 else ''}"


def _threats_text(threats: Sequence[ThreatSeen]) -> str:
    return _named([f"{t.threat} ({_records_count(t)})" for t in threats])


def _rule_reason(rule: Rule, facts: TargetFacts, rules: TacticRules, tactic: Tactic) -> Reason | None:
    when = rule.when
    threats = {t.threat: t for t in facts.threats}
    if when.with_threats and not any(t.value in threats for t in when.with_threats):
        return None
    matched_threats = [threats[t.value] for t in when.threats if t.value in threats]
    if when.threats and not matched_threats:
        return None
    inputs: tuple[ReasonInput, ...]
    if when.sign:
        signs = [s for s in facts.signs if s.sign == when.sign]
        if not signs:
            return None
        label = rules.sign_label(when.sign)
        named = [f"{s.entity_label} ({s.detail})" if s.detail else s.entity_label for s in signs]
        fact = f"{label}: {_named(named)}" if when.sign != "group" else f"group of {signs[0].label}"
        inputs = _sign_inputs(signs) + _threat_inputs(matched_threats)
    else:
        fact = f"threats seen: {_threats_text(matched_threats)}"
        inputs = _threat_inputs(matched_threats)
    if when.with_threats:
        also = [threats[t.value] for t in when.with_threats if t.value in threats]
        fact += f", with {_threats_text(also)}"
        inputs += tuple(i for i in _threat_inputs(also) if i not in inputs)
    return Reason(rule.id, f"{fact} -> {tactic.name}", rule.why, rule.weight, inputs)


def _threat_fit(tactic: Tactic, facts: TargetFacts, kinds: set[TargetKind]) -> Reason | None:
    fitting = [t for t in facts.threats if tactic.threats and t.threat in {x.value for x in tactic.threats}]
    if not fitting or not kinds & set(tactic.target_kinds):
        return None
    return Reason(
        THREAT_FIT,
        f"threats seen: {_threats_text(fitting)} -> {tactic.name} (the menu lists it for these threats)",
        "the menu of tactics lists this tactic for threats the target's records show",
        float(min(THREAT_FIT_MAX, len(fitting))),
        _threat_inputs(fitting),
    )


def _key_player_reason(tactic: Tactic, facts: TargetFacts, *, cap: float) -> Reason | None:
    if (
        TargetKind.PERSON not in tactic.target_kinds
        or tactic.standard not in _ENFORCING
        or not facts.key_players
    ):
        return None
    named = facts.key_players[:KEY_PLAYERS_NAMED]
    # Never more than the tactic's other reasons: key players weight a tactic, they do not make one.
    weight = round(min(cap, 1 + 2 * named[0].fragmentation), 1)
    return Reason(
        KEY_PLAYERS,
        f"key players: {_named([p.label for p in named])} -> {tactic.name} aimed at them first",
        "tactics against people are aimed at those whose removal fragments the group most; "
        "the first adds 1 plus twice the share of the group's reachability their removal takes away, at most "
        f"as much as the tactic's other reasons ({named[0].why})",
        weight,
        tuple(ReasonInput("key_player", p.label, p.why, p.entity_id) for p in named),
    )


def _aims(tactic: Tactic, reasons: Sequence[Reason], facts: TargetFacts) -> tuple[Aim, ...]:
    kinds = {e.entity_id: e for e in facts.entities}
    aims: dict[int, Aim] = {}
    for reason in reasons:
        for item in reason.inputs:
            if item.entity_id is None or item.entity_id not in kinds or item.entity_id in aims:
                continue
            entity = kinds[item.entity_id]
            fits = set(_TARGET_KINDS.get(entity.kind, ())) & set(tactic.target_kinds)
            if not fits:
                continue
            why = item.detail or reason.why
            aims[item.entity_id] = Aim(entity.entity_id, entity.label, entity.kind, why)
    return tuple(aims.values())


def recommend(
    facts: TargetFacts, *, reference: ReferenceData | None = None, rules: TacticRules | None = None
) -> list[Recommendation]:
    """Tactics for the target, highest score first, each with its reasons; tactics with none are left out.

    Ties are broken by verified entries first, then by name.
    """
    reference = reference or default_reference()
    rules = rules or default_rules()
    kinds = facts.target_kinds()
    reasons: dict[str, list[Reason]] = defaultdict(list)
    tactics = {tactic.id: tactic for tactic in reference.tactics}
    for rule in rules.rules:
        for tactic_id in rule.tactics:
            tactic = tactics.get(tactic_id)
            if tactic is None:
                continue
            reason = _rule_reason(rule, facts, rules, tactic)
            if reason is not None and all(r.rule != rule.id for r in reasons[tactic_id]):
                reasons[tactic_id].append(reason)
    for tactic in reference.tactics:
        fit = _threat_fit(tactic, facts, kinds)
        if fit is not None:
            reasons[tactic.id].append(fit)
    found = []
    for tactic_id, given in reasons.items():
        if not given:
            continue
        tactic = tactics[tactic_id]
        given.sort(key=lambda r: (r.rule == THREAT_FIT, -r.weight))
        weighted = _key_player_reason(tactic, facts, cap=sum(r.weight for r in given))
        every = [*given, *([weighted] if weighted else [])]
        found.append(
            Recommendation(
                tactic=tactic,
                score=round(sum(r.weight for r in every), 1),
                reasons=tuple(every),
                aimed_at=_aims(tactic, every, facts),
            )
        )
    found.sort(key=lambda r: (-r.score, not r.tactic.verified, r.tactic.name))
    return found
