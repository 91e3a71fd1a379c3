"""The limbs of the legal tests, each read from one group's records (see :mod:`crimelink.network.legal`).

Each reader returns a :class:`LimbAssessment`: met, not met or not enough evidence, with its reasons in
words, its records and the catalogue offences it relies on. Advice only; people decide.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from crimelink.domain.codes import CriminalityType, EntityKind, MemberRole
from crimelink.domain.reference import Offence, ReferenceData
from crimelink.network._group_evidence import REPORTING_PARTIES, GroupEvidence, are, ids_text

_S45_OFFENCE = "sca2015-s45-participating-in-ocg"

#: Whether a catalogue offence qualifies for a limb (e.g. carries 3 years or more).
_OffenceTest = Callable[[Offence], bool]


class LimbStatus(StrEnum):
    """How one limb of a test reads against the group's records."""

    MET = "met"
    NOT_MET = "not met"
    NOT_ENOUGH_EVIDENCE = "not enough evidence"


@dataclass(frozen=True)
class LegalThresholds:
    """The settings the tests use. Defaults are this project's proposal; a partnership may change them.

    * ``serious_crime_years`` (3): the penalty limb of serious crime (RIPA 2000 s.81(3)).
    * ``criminal_activities_years`` (7): "criminal activities" of an OCG (SCA 2015 s.45).
    * ``large_number_of_people`` (10): a *local* setting; the Act names no number.
    * ``minimum_people`` (3): an OCG has three or more people (SCA 2015 s.45).
    * ``continuing_min_days`` (90) and ``continuing_min_dates`` (3): a continuing basis needs dated
      events on at least this many different dates, spanning at least this many days (local settings).
    * ``shared_by_members`` (2) and ``shared_min_records`` (2): an item (phone, vehicle, premises,
      business, ...) counts as shared infrastructure when it appears with at least this many members
      across at least this many of the group's records (two people seen once in one van is not yet
      shared infrastructure).
    * ``infrastructure_kinds``: the entity kinds that count as infrastructure.
    * ``coordination_roles``: member roles that show planning and co-ordination (a principal, a
      co-ordinator, a line holder, a recruiter, a professional enabler, a property facilitator).
    * ``violence_threats``: criminality types that by themselves show violence (besides the catalogue
      offences marked ``violence: true``).
    * ``financial_gain_threats``: criminality types carried on for financial gain (supply, acquisitive
      crime, exploitation for profit, laundering, fraud).
    * ``excluded_offences``: catalogue offences never cited as the underlying criminality; the s.45
      participation offence is the charge for taking part, not the group's crime.
    * ``reporting_parties``: record parties that report rather than take part (the member of the public
      who reported a fly-tip); a person who appears only as one is not counted among the members.
    """

    serious_crime_years: float = 3
    criminal_activities_years: float = 7
    large_number_of_people: int = 10
    minimum_people: int = 3
    continuing_min_days: int = 90
    continuing_min_dates: int = 3
    shared_by_members: int = 2
    infrastructure_kinds: frozenset[str] = frozenset(
        {
            EntityKind.PHONE,
            EntityKind.VEHICLE,
            EntityKind.PREMISES,
            EntityKind.BUSINESS,
            EntityKind.BANK_ACCOUNT,
            EntityKind.ONLINE_ACCOUNT,
            EntityKind.EMAIL,
        }
    )
    coordination_roles: frozenset[str] = frozenset(
        {
            MemberRole.PRINCIPAL,
            MemberRole.LIEUTENANT_COORDINATOR,
            MemberRole.LINE_HOLDER,
            MemberRole.RECRUITER_GROOMER,
            MemberRole.PROFESSIONAL_ENABLER_LEGAL,
            MemberRole.PROFESSIONAL_ENABLER_FINANCE,
            MemberRole.PROPERTY_FACILITATOR,
        }
    )
    violence_threats: frozenset[str] = frozenset({CriminalityType.SERIOUS_VIOLENCE_WEAPONS})
    financial_gain_threats: frozenset[str] = frozenset(
        {
            CriminalityType.DRUG_SUPPLY,
            CriminalityType.DRUG_IMPORTATION,
            CriminalityType.COUNTY_LINES,
            CriminalityType.FIREARMS_SUPPLY_IMPORT,
            CriminalityType.MODERN_SLAVERY,
            CriminalityType.HUMAN_TRAFFICKING,
            CriminalityType.LABOUR_EXPLOITATION,
            CriminalityType.ADULT_SEXUAL_EXPLOITATION_PROSTITUTION_CONTROL,
            CriminalityType.ORGANISED_IMMIGRATION_CRIME,
            CriminalityType.MONEY_LAUNDERING,
            CriminalityType.FRAUD,
            CriminalityType.EXTORTION_RACKETEERING,
            CriminalityType.ORGANISED_ACQUISITIVE,
            CriminalityType.WASTE_CRIME_FLY_TIPPING,
            CriminalityType.ILLICIT_TOBACCO_ALCOHOL,
            CriminalityType.COUNTERFEIT_GOODS,
            CriminalityType.EXPLOITATION_OF_BEGGING,
        }
    )
    excluded_offences: frozenset[str] = frozenset({_S45_OFFENCE})
    shared_min_records: int = 2
    reporting_parties: frozenset[str] = REPORTING_PARTIES

    def __post_init__(self) -> None:
        problems = []
        if self.serious_crime_years <= 0 or self.criminal_activities_years <= 0:
            problems.append("penalty thresholds must be more than 0 years")
        for name in (
            "large_number_of_people",
            "minimum_people",
            "continuing_min_dates",
            "shared_by_members",
            "shared_min_records",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be 1 or more")
        if self.continuing_min_days < 0:
            problems.append("continuing_min_days must be 0 or more")
        for name, codes, enum in (
            ("violence_threats", self.violence_threats, CriminalityType),
            ("financial_gain_threats", self.financial_gain_threats, CriminalityType),
            ("coordination_roles", self.coordination_roles, MemberRole),
            ("infrastructure_kinds", self.infrastructure_kinds, EntityKind),
        ):
            unknown = sorted(str(c) for c in codes if c not in set(enum))
            if unknown:
                problems.append(f"{name}: {', '.join(unknown)} not known; use values of {enum.__name__}")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class CitedOffence:
    """A catalogue offence a limb relies on, with the group's criminality types it relates to."""

    code: str
    title: str
    statute: str
    section: str
    max_penalty: str
    violence: bool
    verified: bool
    threats: tuple[str, ...]

    @property
    def display_name(self) -> str:
        """``Title (Statute section, max penalty)``, with ``[U]`` when the catalogue entry is unverified."""
        text = f"{self.title} ({self.statute} {self.section}, maximum {self.max_penalty})"
        return text if self.verified else f"{text} [U]"


@dataclass(frozen=True)
class LimbAssessment:
    """One limb of a test: the question, how it reads, why, and on which records."""

    limb: str
    question: str
    status: LimbStatus
    reasons: tuple[str, ...]
    record_ids: tuple[int, ...] = ()
    offences: tuple[CitedOffence, ...] = ()

    @property
    def unverified_offences(self) -> tuple[CitedOffence, ...]:
        return tuple(o for o in self.offences if not o.verified)


# --- serious-crime limbs -------------------------------------------------------------------------


def penalty_limb(
    evidence: GroupEvidence, reference: ReferenceData, thresholds: LegalThresholds
) -> LimbAssessment:
    years = thresholds.serious_crime_years
    question = f"An offence carrying {years:g} years or more"
    return _offence_limb(
        "penalty",
        question,
        evidence,
        reference,
        thresholds,
        lambda offence: offence.carries_at_least(years),
        f"offences carrying {years:g} years or more for an adult with no previous convictions",
        f"Confirm that the conduct in the records amounts to one of these offences and that an adult with "
        f"no previous convictions could reasonably expect {years:g} years or more for it.",
    )


def criminal_activities_limb(
    evidence: GroupEvidence, reference: ReferenceData, thresholds: LegalThresholds
) -> LimbAssessment:
    years = thresholds.criminal_activities_years
    gain = evidence.records_tagged(thresholds.financial_gain_threats)
    gain_note = (
        f"{ids_text(gain).capitalize()} {'points' if len(gain) == 1 else 'point'} to criminality carried on "
        "for gain."
        if gain
        else "No record points to gain; s.45 also counts an indirect gain or a benefit that is not financial."
    )
    return _offence_limb(
        "criminal-activities",
        f"Criminal activities carrying {years:g} years or more (s.45)",
        evidence,
        reference,
        thresholds,
        lambda offence: offence.carries_at_least(years),
        f"offences carrying {years:g} years or more on indictment",
        f"Under s.45 the activities must be carried on for a direct or indirect gain or benefit. {gain_note}",
    )


def _offence_limb(
    limb_id: str,
    question: str,
    evidence: GroupEvidence,
    reference: ReferenceData,
    thresholds: LegalThresholds,
    qualifies: _OffenceTest,
    what: str,
    check: str,
) -> LimbAssessment:
    threats = evidence.threats()
    if not threats:
        return LimbAssessment(
            limb_id,
            question,
            LimbStatus.NOT_ENOUGH_EVIDENCE,
            (
                "No record in the group is tagged with a criminality type, so no offence can be read from "
                "the catalogue.",
            ),
        )
    related = _related_offences(reference, threats, thresholds)
    cited = [o for o in related if qualifies(o)]
    if not cited:
        lower = [o for o in related if not qualifies(o)]
        found = (
            f"the catalogue relates it only to {_titles(lower)}"
            if lower
            else "the offence catalogue has no offence for it"
        )
        return LimbAssessment(
            limb_id,
            question,
            LimbStatus.NOT_ENOUGH_EVIDENCE,
            (
                f"The group's records are tagged {_threat_words(reference, threats)}; {found}, none of them "
                f"{what}.",
            ),
            offences=tuple(_cite(o, threats) for o in lower),
        )
    used = sorted({t for o in cited for t in o.threats if t in threats})
    records = evidence.records_tagged(used)
    reasons = [
        f"{_tagged(reference, records, used)}. The offence catalogue "
        f"relates that to {what}: {_titles(cited)}.",
        check,
    ]
    return LimbAssessment(
        limb_id, question, LimbStatus.MET, tuple(reasons), records, tuple(_cite(o, threats) for o in cited)
    )


def violence_limb(
    evidence: GroupEvidence, reference: ReferenceData, thresholds: LegalThresholds
) -> LimbAssessment:
    question = "Conduct involving violence"
    threats = evidence.threats()
    direct = sorted(threats & thresholds.violence_threats)
    violent = [o for o in _related_offences(reference, threats, thresholds) if o.violence]
    if not direct and not violent:
        return LimbAssessment(
            "violence",
            question,
            LimbStatus.NOT_ENOUGH_EVIDENCE,
            (
                "No record is tagged with violence, and the catalogue relates none of the group's "
                "criminality to an offence involving violence. Absence from the records does not show that "
                "there was none.",
            ),
        )
    reasons = []
    records: set[int] = set()
    if direct:
        tagged = evidence.records_tagged(direct)
        records.update(tagged)
        reasons.append(f"{_tagged(reference, tagged, direct)}.")
    if violent:
        via = sorted({t for o in violent for t in o.threats if t in threats} - set(direct))
        if via:
            tagged = evidence.records_tagged(via)
            records.update(tagged)
            reasons.append(
                f"{_tagged(reference, tagged, via)}, which the offence "
                f"catalogue relates to offences involving violence: {_titles(violent)}."
            )
    reasons.append("Check in the records that violence was used or threatened in this group's conduct.")
    return LimbAssessment(
        "violence",
        question,
        LimbStatus.MET,
        tuple(reasons),
        tuple(sorted(records)),
        tuple(_cite(o, threats) for o in violent),
    )


def financial_gain_limb(
    evidence: GroupEvidence, reference: ReferenceData, thresholds: LegalThresholds
) -> LimbAssessment:
    question = "Substantial financial gain"
    gain = sorted(evidence.threats() & thresholds.financial_gain_threats)
    if not gain:
        return LimbAssessment(
            "financial-gain",
            question,
            LimbStatus.NOT_ENOUGH_EVIDENCE,
            (
                "No record is tagged with criminality usually carried on for financial gain (supply, "
                "acquisitive crime, exploitation for profit, fraud or laundering).",
            ),
        )
    records = evidence.records_tagged(gain)
    return LimbAssessment(
        "financial-gain",
        question,
        LimbStatus.MET,
        (
            f"{_tagged(reference, records, gain)}: criminality usually carried on for financial gain.",
            "Whether the gain is substantial is for you to judge from the records (cash, assets, turnover).",
        ),
        records,
    )


def large_number_limb(evidence: GroupEvidence, thresholds: LegalThresholds) -> LimbAssessment:
    question = "A large number of people with a common purpose"
    members = evidence.members(thresholds.reporting_parties)
    count, large = len(members), thresholds.large_number_of_people
    if not evidence.people:
        reason = "No person has been identified in the group."
        return LimbAssessment("large-number", question, LimbStatus.NOT_ENOUGH_EVIDENCE, (reason,))
    records = tuple(sorted(set().union(set(), *(evidence.member_records(p) for p in members))))
    counted = f"{count} {_people(count)}"
    if len(members) < len(evidence.people):
        counted += " (not counting people who only reported something)"
    if count >= large:
        reasons = (
            f"The group has {counted}, at or above this partnership's setting of {large} for a large number.",
            "Check in the records that they pursue a common purpose.",
        )
        return LimbAssessment("large-number", question, LimbStatus.MET, reasons, records)
    reason = f"The group has {counted}; this partnership counts {large} or more as a large number."
    return LimbAssessment("large-number", question, LimbStatus.NOT_MET, (reason,), records)


# --- organised-crime limbs -----------------------------------------------------------------------


def planned_limb(evidence: GroupEvidence, thresholds: LegalThresholds) -> LimbAssessment:
    question = "Planned and co-ordinated"
    shared = evidence.shared_items(
        thresholds.infrastructure_kinds,
        min_members=thresholds.shared_by_members,
        min_records=thresholds.shared_min_records,
        reporting_parties=thresholds.reporting_parties,
    )
    coordinators = evidence.people_with_roles(thresholds.coordination_roles)
    if not shared and not coordinators:
        if not evidence.nodes_known():
            reason = (
                "The group's entities are not all known here, so shared phones, vehicles or premises cannot "
                "be read, and no member has a co-ordinating role."
            )
        else:
            reason = (
                "No phone, vehicle, premises, business or account appears with "
                f"{thresholds.shared_by_members} or more members in {thresholds.shared_min_records} or more "
                "records, and no member has a co-ordinating role (principal, co-ordinator, line holder, "
                "recruiter, enabler, property facilitator)."
            )
        return LimbAssessment("planned-coordinated", question, LimbStatus.NOT_ENOUGH_EVIDENCE, (reason,))
    reasons = []
    records: set[int] = set()
    for item in shared:
        reasons.append(
            f"{_kind_word(item.kind).capitalize()} {item.label} appears with {len(item.members)} members "
            f"({evidence.labels(item.members)}) in {ids_text(item.record_ids)}."
        )
        records.update(item.record_ids)
    for person in coordinators:
        role = evidence.role(person) or ""
        reasons.append(f"{evidence.label(person)} has the role {_role_word(role)}.")
        records.update(evidence.member_records(person))
    reasons.append("Check in the records that the members planned and co-ordinated their activity.")
    return LimbAssessment(
        "planned-coordinated", question, LimbStatus.MET, tuple(reasons), tuple(sorted(records))
    )


def continuing_limb(evidence: GroupEvidence, thresholds: LegalThresholds) -> LimbAssessment:
    question = "Working together on a continuing basis"
    dated = evidence.dated()
    undated = len(evidence.records) - len(dated)
    undated_note = (
        [f"{undated} of the group's records {'has' if undated == 1 else 'have'} no date."] if undated else []
    )
    if not dated:
        return LimbAssessment(
            "continuing-basis",
            question,
            LimbStatus.NOT_ENOUGH_EVIDENCE,
            ("None of the group's records has an event date.",),
        )
    dates = sorted({r.event_date for r in dated if r.event_date is not None})
    span = (dates[-1] - dates[0]).days
    records = tuple(sorted(r.record_id for r in dated))
    needed = (
        f"a continuing basis needs events on at least {thresholds.continuing_min_dates} different dates "
        f"spanning {thresholds.continuing_min_days} days or more (this partnership's setting)"
    )
    if len(dates) == 1:
        seen = f"Only one dated event ({_day(dates[0])}, {ids_text(records)})"
    else:
        seen = (
            f"{ids_text(records).capitalize()} run from {_day(dates[0])} to {_day(dates[-1])} ({span} days), "
            f"on {len(dates)} different dates"
        )
    if span >= thresholds.continuing_min_days and len(dates) >= thresholds.continuing_min_dates:
        return LimbAssessment(
            "continuing-basis", question, LimbStatus.MET, (f"{seen}.", *undated_note), records
        )
    return LimbAssessment(
        "continuing-basis",
        question,
        LimbStatus.NOT_ENOUGH_EVIDENCE,
        (f"{seen}; {needed}.", *undated_note),
        records,
    )


def people_limb(evidence: GroupEvidence, thresholds: LegalThresholds) -> LimbAssessment:
    question = f"{_number_word(thresholds.minimum_people).capitalize()} or more people (s.45)"
    people, needed = evidence.people, thresholds.minimum_people
    exploited = set(evidence.exploited())
    reporting = set(evidence.reporting_only(thresholds.reporting_parties)) - exploited
    acting = [p for p in people if p not in exploited | reporting]
    at_risk = sorted((set(evidence.children()) | set(evidence.vulnerable_adults())) - exploited - reporting)
    records = tuple(sorted(set().union(*(evidence.member_records(p) for p in people)))) if people else ()
    named = f" ({evidence.labels(people)})" if people else ""
    if len(people) < needed:
        reason = (
            f"The group has {len(people)} {_people(len(people))}{named}; SCA 2015 s.45 needs "
            f"{_number_word(needed)} or more people acting, or agreeing to act, together."
        )
        return LimbAssessment("three-or-more-people", question, LimbStatus.NOT_MET, (reason,), records)
    set_aside = []
    if exploited:
        set_aside.append(
            f"{evidence.labels(sorted(exploited))} {_has(exploited)} the role exploited person and may be "
            "victims rather than members"
        )
    if reporting:
        set_aside.append(
            f"{evidence.labels(sorted(reporting))} {_appears(reporting)} only as the person reporting or "
            "complaining"
        )
    if len(acting) < needed:
        reason = (
            f"The group has {len(people)} people{named}, but {'; and '.join(set_aside)}. Without them it has "
            f"{len(acting)}, fewer than {_number_word(needed)}."
        )
        return LimbAssessment(
            "three-or-more-people", question, LimbStatus.NOT_ENOUGH_EVIDENCE, (reason,), records
        )
    reasons = [f"The group has {len(people)} people{named}."]
    if set_aside:
        reasons.append(f"{'; and '.join(set_aside)}: without them it still has {len(acting)}.")
    if at_risk:
        who = "is a child or an adult at risk" if len(at_risk) == 1 else "are children or adults at risk"
        reasons.append(
            f"{evidence.labels(at_risk)} {who} in the records: consider whether they are exploited rather "
            "than taking part."
        )
    return LimbAssessment("three-or-more-people", question, LimbStatus.MET, tuple(reasons), records)


def _has(people: Collection[int]) -> str:
    return "has" if len(people) == 1 else "have"


def _appears(people: Collection[int]) -> str:
    return "appears" if len(people) == 1 else "appear"


# --- helpers -------------------------------------------------------------------------------------


def _related_offences(
    reference: ReferenceData, threats: set[str], thresholds: LegalThresholds
) -> list[Offence]:
    """Catalogue offences that relate to any of ``threats``, heaviest first."""
    related = [
        offence
        for offence in reference.offences
        if offence.code not in thresholds.excluded_offences and set(offence.threats) & threats
    ]
    return sorted(related, key=lambda o: (-(Offence.LIFE_YEARS if o.life else o.max_penalty_years), o.code))


def _cite(offence: Offence, threats: set[str]) -> CitedOffence:
    return CitedOffence(
        code=offence.code,
        title=offence.title,
        statute=offence.statute,
        section=offence.section,
        max_penalty=offence.max_penalty,
        violence=offence.violence,
        verified=offence.verified,
        threats=tuple(sorted(str(t) for t in offence.threats if t in threats)),
    )


def _titles(offences: Iterable[Offence]) -> str:
    return "; ".join(
        f"{o.title} ({o.statute} {o.section}, maximum {o.max_penalty}){'' if o.verified else ' [U]'}"
        for o in offences
    )


def _tagged(reference: ReferenceData, records: Collection[int], threats: Iterable[str]) -> str:
    """``Records 3 and 7 are tagged Drug supply``."""
    return f"{ids_text(records).capitalize()} {are(records)} tagged {_threat_words(reference, threats)}"


def _threat_words(reference: ReferenceData, threats: Iterable[str]) -> str:
    words = []
    for threat in sorted(set(threats)):
        try:
            words.append(reference.threat_area(threat).label)
        except KeyError:
            words.append(threat)
    return _and(words)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _role_word(role: str) -> str:
    return role.replace("_", " ").lower()


def _kind_word(kind: str) -> str:
    return {"BANK_ACCOUNT": "bank account", "ONLINE_ACCOUNT": "online account"}.get(kind, kind.lower())


def _people(count: int) -> str:
    return "person" if count == 1 else "people"


def _number_word(number: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[number] if 0 <= number < len(words) else str(number)


def _day(day: date) -> str:
    return day.isoformat()
