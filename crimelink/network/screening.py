"""Threat screening: the indicator catalogue (``DOMAIN.md`` §5) applied to one record's content.

A record is tagged with a threat when

- the holding agency tagged it so itself (``record.threats``: *declared*), or
- the indicators of that threat found in it weigh at least ``min_score`` together (each indicator's
  ``weight`` from the catalogue, counted once however often it is found).

An indicator is found in two ways, and every match says where and how it was found:

- **ticked**: a field of the record carries the indicator's id (``ck-coming-and-going``), as a form's
  ticked box or a partner's coded column would; and
- **text**: one of the indicator's ``patterns`` (regular expressions, edited with the catalogue) matches
  the record's narrative text, or a free-text attribute of one of its parties.

Screening is pure: it knows nothing of users, the store or who may see what. It never reads a field about
who someone is: fields named for nationality, ethnicity, race, religion, national or country of origin,
place of birth or first language are skipped, and the catalogue refuses indicators and patterns that
mention them. A tag is advice for a person to look at the record, never a finding.

>>> screener = Screener(default_reference().indicators)
>>> content = RecordContent(texts={"text": "Young males coming and going at all hours; door frame damaged."})
>>> [(tag.threat, tag.score, tag.indicator_ids) for tag in screener.screen(content)]
[('CUCKOOING', 4, ('ck-coming-and-going', 'ck-door-damaged-entry-buttons'))]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from crimelink.domain.codes import CriminalityType
from crimelink.domain.reference import Indicator, default_reference

__all__ = [
    "DEFAULT_MIN_SCORE",
    "EXPLOITATION_THREATS",
    "ROUTE_LABELS",
    "IndicatorMatch",
    "RecordContent",
    "Route",
    "Screener",
    "SubjectKind",
    "SuggestedRoute",
    "ThreatTag",
    "catalogue_version",
    "default_screener",
    "screen_record",
    "suggest_routes",
]

#: Threats in which people are exploited: a child or an adult at risk in a record tagged with one of
#: these is a safeguarding matter (``DESIGN.md``, job 4).
EXPLOITATION_THREATS: frozenset[str] = frozenset(
    threat.value
    for threat in (
        CriminalityType.COUNTY_LINES,
        CriminalityType.CCE,
        CriminalityType.CUCKOOING,
        CriminalityType.CSE,
        CriminalityType.ONLINE_CSEA_SEXTORTION,
        CriminalityType.MODERN_SLAVERY,
        CriminalityType.HUMAN_TRAFFICKING,
        CriminalityType.LABOUR_EXPLOITATION,
        CriminalityType.EXPLOITATION_OF_BEGGING,
        CriminalityType.ADULT_SEXUAL_EXPLOITATION_PROSTITUTION_CONTROL,
    )
)

#: Indicators of one threat must weigh this much together to tag a record without the holding agency's
#: own tag. One sign on its own (a single missing episode, a knife) does not tag a record: weights run
#: from 1 to 3, so it takes at least two signs.
DEFAULT_MIN_SCORE = 4

#: Where a found phrase is cut, so a match never carries a whole narrative with it.
_MAX_FOUND = 120

#: Fields about who someone is, never read (their values are never matched, ticked or otherwise).
_PROTECTED_FIELD = re.compile(
    r"(nationalit|ethnic|race|racial|religio|faith|belief|caste|country_?of_?(birth|origin)|national_?origin"
    r"|place_?of_?birth|birth_?place|first_?language|mother_?tongue|skin)",
    re.IGNORECASE,
)
#: How several ticked indicator ids are written in one cell.
_SEPARATORS = re.compile(r"[;,|\n]+")


@dataclass(frozen=True)
class IndicatorMatch:
    """One indicator found in a record: where, how, and what was found."""

    indicator_id: str
    #: The indicator's threat (a :class:`CriminalityType` value).
    threat: str
    weight: int
    #: ``text`` (the record's narrative) or ``<party>.<field>`` (a field of one of its parties).
    where: str
    #: ``ticked`` (the field carries the indicator's id) or ``text`` (a text rule matched).
    how: str
    #: The words the text rule matched, or the id as the field gave it.
    found: str
    #: The text rule that matched; empty for a ticked indicator.
    pattern: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "indicator_id": self.indicator_id,
            "threat": self.threat,
            "weight": self.weight,
            "where": self.where,
            "how": self.how,
            "found": self.found,
            "pattern": self.pattern,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndicatorMatch:
        return cls(
            indicator_id=str(data["indicator_id"]),
            threat=str(data["threat"]),
            weight=int(data["weight"]),
            where=str(data["where"]),
            how=str(data["how"]),
            found=str(data.get("found", "")),
            pattern=str(data.get("pattern", "")),
        )


@dataclass(frozen=True)
class ThreatTag:
    """A threat a record is tagged with, and why: the holding agency's own tag and/or the indicators found."""

    threat: str
    #: The holding agency tagged the record with this threat itself.
    declared: bool
    matches: tuple[IndicatorMatch, ...] = ()

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """The distinct indicators found, in the order first found."""
        return tuple(dict.fromkeys(match.indicator_id for match in self.matches))

    @property
    def score(self) -> int:
        """The indicators' weights added up, each indicator counted once."""
        weights = {match.indicator_id: match.weight for match in self.matches}
        return sum(weights.values())

    @property
    def exploitation(self) -> bool:
        return self.threat in EXPLOITATION_THREATS

    def reason(self, min_score: int = DEFAULT_MIN_SCORE) -> str:
        """Why the record carries the tag, in words.

        >>> ThreatTag("CSE", declared=True).reason()
        'tagged CSE by the holding agency'
        """
        parts = []
        if self.declared:
            parts.append(f"tagged {self.threat} by the holding agency")
        if self.matches:
            count = len(self.indicator_ids)
            parts.append(
                f"{count} indicator{'' if count == 1 else 's'} of {self.threat} found, weighing {self.score}"
                + ("" if self.declared else f" (a tag needs {min_score})")
            )
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "threat": self.threat,
            "declared": self.declared,
            "score": self.score,
            "matches": [match.to_json() for match in self.matches],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThreatTag:
        return cls(
            threat=str(data["threat"]),
            declared=bool(data.get("declared", False)),
            matches=tuple(IndicatorMatch.from_json(m) for m in data.get("matches", ())),
        )


@dataclass(frozen=True)
class RecordContent:
    """What screening reads of one record.

    ``texts`` holds its narrative: ``"text"`` for the record's text (for intelligence, the sanitised text:
    raw intelligence never leaves the originator, so nothing derived from it may either), and
    ``"<party>.<field>"`` for a party's free-text attribute (interview notes...). ``fields`` holds every
    party's normalised fields, searched for ticked indicator ids. ``declared_threats`` are the threats the
    holding agency tagged the record with.
    """

    texts: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    declared_threats: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Rule:
    indicator: Indicator
    patterns: tuple[re.Pattern[str], ...]


class Screener:
    """The catalogue's indicators compiled once, applied to any number of records.

    ``min_score`` is how much the indicators of one threat must weigh together to tag a record the
    holding agency did not tag with that threat (default :data:`DEFAULT_MIN_SCORE`).
    """

    def __init__(self, indicators: Iterable[Indicator], *, min_score: int = DEFAULT_MIN_SCORE) -> None:
        if min_score < 1:
            raise ValueError("min_score must be at least 1: a tag needs some indicator weight behind it")
        self.min_score = min_score
        self._rules = [
            _Rule(indicator, tuple(re.compile(p, re.IGNORECASE) for p in indicator.patterns))
            for indicator in indicators
        ]
        self._by_id = {rule.indicator.id: rule.indicator for rule in self._rules}
        #: The version of the catalogue this screener applies (:func:`catalogue_version`).
        self.catalogue = catalogue_version(rule.indicator for rule in self._rules)
        everything = [p.pattern for rule in self._rules for p in rule.patterns]
        # One pass over the text says whether any rule can match at all: most texts match none.
        self._any = (
            re.compile("|".join(f"(?:{p})" for p in everything), re.IGNORECASE) if everything else None
        )

    def screen(self, content: RecordContent) -> list[ThreatTag]:
        """The threats the record is tagged with, by threat code, each with its matched indicators."""
        found: dict[str, list[IndicatorMatch]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for match in [*self._ticked(content.fields), *self._in_texts(content.texts)]:
            if (match.indicator_id, match.where) not in seen:
                seen.add((match.indicator_id, match.where))
                found[match.threat].append(match)
        declared = {str(threat) for threat in content.declared_threats}
        tags = []
        for threat in sorted(declared | set(found)):
            tag = ThreatTag(threat, threat in declared, tuple(found.get(threat, ())))
            if tag.declared or tag.score >= self.min_score:
                tags.append(tag)
        return tags

    def _ticked(self, fields: Mapping[str, Mapping[str, Any]]) -> Iterator[IndicatorMatch]:
        for party, values in fields.items():
            if not isinstance(values, Mapping):
                continue
            for name, value in values.items():
                if _PROTECTED_FIELD.search(str(name)):
                    continue
                for token in _tokens(value):
                    indicator = self._by_id.get(token.strip().lower().replace("_", "-"))
                    if indicator is not None:
                        yield IndicatorMatch(
                            indicator.id,
                            indicator.threat.value,
                            indicator.weight,
                            where=f"{party}.{name}",
                            how="ticked",
                            found=token.strip(),
                        )

    def _in_texts(self, texts: Mapping[str, str]) -> Iterator[IndicatorMatch]:
        for where, raw in texts.items():
            if _PROTECTED_FIELD.search(where) or not isinstance(raw, str):
                continue
            text = " ".join(raw.split())
            if not text or self._any is None or self._any.search(text) is None:
                continue
            for rule in self._rules:
                for pattern in rule.patterns:
                    hit = pattern.search(text)
                    if hit is not None:
                        yield IndicatorMatch(
                            rule.indicator.id,
                            rule.indicator.threat.value,
                            rule.indicator.weight,
                            where=where,
                            how="text",
                            found=hit.group(0)[:_MAX_FOUND],
                            pattern=pattern.pattern,
                        )
                        break


def _tokens(value: Any) -> Iterator[str]:
    """Candidate indicator ids in a field value: a code, a list of codes, or codes joined by ; , or |."""
    if isinstance(value, str):
        if len(value) <= 400:  # an id list, not a narrative
            yield from (part for part in _SEPARATORS.split(value) if part.strip())
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str):
                yield from _tokens(item)


@cache
def default_screener(min_score: int = DEFAULT_MIN_SCORE) -> Screener:
    """A screener over the packaged catalogue, built once per process and ``min_score``."""
    return Screener(default_reference().indicators, min_score=min_score)


def screen_record(content: RecordContent, *, min_score: int = DEFAULT_MIN_SCORE) -> list[ThreatTag]:
    """Screen one record against the packaged catalogue (see :class:`Screener` for another catalogue)."""
    return default_screener(min_score).screen(content)


def catalogue_version(indicators: Iterable[Indicator]) -> str:
    """A short digest of what screening uses of the catalogue (ids, threats, weights, patterns).

    Kept with every alert, so a later reader can tell which catalogue raised it.
    """
    used = [(i.id, i.threat.value, i.weight, list(i.patterns)) for i in indicators]
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:12]


# --- safeguarding routes -------------------------------------------------------------------------


class Route(StrEnum):
    """Where a concern about a person goes (``DOMAIN.md`` §5, ``Route``)."""

    POLICE_999_IMMEDIATE = "POLICE_999_IMMEDIATE"
    POLICE_101_OR_IR = "POLICE_101_OR_IR"
    MASH_CHILDREN_REFERRAL = "MASH_CHILDREN_REFERRAL"
    ADULT_SAFEGUARDING_S42 = "ADULT_SAFEGUARDING_S42"
    NRM_REFERRAL = "NRM_REFERRAL"
    MSA_DUTY_TO_NOTIFY = "MSA_DUTY_TO_NOTIFY"
    FGM_S5B_MANDATORY_NOTIFICATION = "FGM_S5B_MANDATORY_NOTIFICATION"
    GLAA_REPORT = "GLAA_REPORT"
    EA_REPORT = "EA_REPORT"
    CRIMESTOPPERS = "CRIMESTOPPERS"
    HOUSING_ASB_TEAM = "HOUSING_ASB_TEAM"


ROUTE_LABELS: dict[Route, str] = {
    Route.POLICE_999_IMMEDIATE: "Police, 999 (immediate danger)",
    Route.POLICE_101_OR_IR: "Police, 101 or an intelligence report",
    Route.MASH_CHILDREN_REFERRAL: "Children's social care referral (MASH)",
    Route.ADULT_SAFEGUARDING_S42: "Adult safeguarding concern (Care Act 2014 s.42 enquiry)",
    Route.NRM_REFERRAL: "National Referral Mechanism referral",
    Route.MSA_DUTY_TO_NOTIFY: "Duty to notify the Home Office (Modern Slavery Act 2015 s.52)",
    Route.FGM_S5B_MANDATORY_NOTIFICATION: "FGM mandatory report to the police (FGM Act 2003 s.5B)",
    Route.GLAA_REPORT: "Report to the GLAA",
    Route.EA_REPORT: "Report to the Environment Agency",
    Route.CRIMESTOPPERS: "Crimestoppers",
    Route.HOUSING_ASB_TEAM: "Housing anti-social behaviour team",
}


class SubjectKind(StrEnum):
    """Why a person is a safeguarding matter: a child, or an adult known to adult social care as at risk."""

    CHILD = "child"
    ADULT_AT_RISK = "adult_at_risk"


#: Threats that call for a National Referral Mechanism referral (``DOMAIN.md`` §4, §5).
NRM_THREATS = frozenset({"MODERN_SLAVERY", "HUMAN_TRAFFICKING", "LABOUR_EXPLOITATION"})
#: Child exploitation threats for which a children's referral is always suggested (``DOMAIN.md`` §5).
CHILD_EXPLOITATION_THREATS = frozenset({"CSE", "CCE", "COUNTY_LINES", "ONLINE_CSEA_SEXTORTION"})


@dataclass(frozen=True)
class SuggestedRoute:
    """A route the alert suggests, the rule that suggests it, and the threats behind it.

    ``threats`` is empty when the route follows from who the person is (a child, an adult at risk)
    rather than from a threat.
    """

    route: Route
    rule: str
    threats: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self.route]

    def to_json(self) -> dict[str, Any]:
        return {"route": self.route.value, "rule": self.rule, "threats": list(self.threats)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SuggestedRoute:
        return cls(
            Route(str(data["route"])), str(data["rule"]), tuple(str(t) for t in data.get("threats", ()))
        )


def suggest_routes(kind: SubjectKind, threats: Iterable[str]) -> list[SuggestedRoute]:
    """The routes for a child or an adult at risk found in intelligence tagged with ``threats``.

    Advice for the safeguarding lead, who decides: a child always goes to children's social care
    (for CSE or CCE, always: ``DOMAIN.md`` §5); an adult at risk to an adult safeguarding concern; modern
    slavery, trafficking or labour exploitation also to the National Referral Mechanism (for an adult,
    with their consent, or else the duty to notify).

    >>> [r.route.value for r in suggest_routes(SubjectKind.CHILD, ["COUNTY_LINES", "CCE"])]
    ['MASH_CHILDREN_REFERRAL']
    >>> [r.route.value for r in suggest_routes(SubjectKind.ADULT_AT_RISK, ["MODERN_SLAVERY"])]
    ['ADULT_SAFEGUARDING_S42', 'NRM_REFERRAL', 'MSA_DUTY_TO_NOTIFY']
    """
    present = sorted(set(threats))
    routes = []
    if kind is SubjectKind.CHILD:
        child_threats = tuple(t for t in present if t in CHILD_EXPLOITATION_THREATS)
        rule = "A child in exploitation intelligence: refer to children's social care through the MASH" + (
            f"; with {', '.join(child_threats)}, always (DOMAIN.md §5: a child with any CSE or CCE "
            "indicator is always referred)"
            if child_threats
            else ""
        )
        routes.append(SuggestedRoute(Route.MASH_CHILDREN_REFERRAL, rule))
    else:
        routes.append(
            SuggestedRoute(
                Route.ADULT_SAFEGUARDING_S42,
                "An adult known to adult social care as at risk, in exploitation intelligence: raise an adult "
                "safeguarding concern, so the council can decide on an enquiry under the Care Act 2014 s.42",
            )
        )
    slavery = tuple(t for t in present if t in NRM_THREATS)
    if slavery:
        routes.append(
            SuggestedRoute(
                Route.NRM_REFERRAL,
                f"{', '.join(slavery)}: a first responder organisation considers a National Referral "
                "Mechanism referral"
                + (
                    " (a child needs no consent)"
                    if kind is SubjectKind.CHILD
                    else " (an adult must consent to it)"
                ),
                slavery,
            )
        )
        if kind is SubjectKind.ADULT_AT_RISK:
            routes.append(
                SuggestedRoute(
                    Route.MSA_DUTY_TO_NOTIFY,
                    "If the adult does not consent to an NRM referral, a public authority must still notify "
                    "the Home Office (Modern Slavery Act 2015 s.52), without naming them",
                    slavery,
                )
            )
    return routes
