"""The legal definitions of serious and of organised crime, read against one group's records.

Two tests (``DOMAIN.md`` section 4), each made of limbs:

* **Serious crime** (RIPA 2000 s.81(3), wording partly unverified): conduct is serious crime if it is an
  offence for which an adult with no previous convictions could reasonably expect **3 years** or more,
  **or** it involves **violence**, results in **substantial financial gain**, or is conduct by a
  **large number of people in pursuit of a common purpose**. Any one limb is enough.
* **Organised crime** (the HMICFRS definition with the statutory floor of the Serious Crime Act 2015
  s.45): serious crime, **planned and co-ordinated**, by people working together **on a continuing
  basis**, **three or more** of them, whose **criminal activities** include an offence carrying
  **7 years** or more on indictment. Every limb is needed.

Each limb comes back *met*, *not met* or *not enough evidence*, with its reasons in words, the records
that support it and the catalogue offences that carry the penalty. A limb is only *not met* when the
group as mapped shows it (two people cannot be three); missing evidence is never read as absence.

Everything here is **advice for a person to decide**. The limbs are read from what records are tagged
with and from the offence catalogue (mostly unverified [U]); they never establish that any offence was
committed.

>>> from crimelink.domain.reference import default_reference
>>> from crimelink.network.model import GroupFacts
>>> pair = GroupFacts(people=[1, 2], entities=[1, 2], evidence=[])
>>> result = assess_organised_crime(pair, default_reference())
>>> result.status.value, result.limb("three-or-more-people").status.value
('not met', 'not met')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from crimelink.domain.reference import ReferenceData
from crimelink.network._group_evidence import GroupEvidence
from crimelink.network._legal_limbs import (
    CitedOffence,
    LegalThresholds,
    LimbAssessment,
    LimbStatus,
    continuing_limb,
    criminal_activities_limb,
    financial_gain_limb,
    large_number_limb,
    penalty_limb,
    people_limb,
    planned_limb,
    violence_limb,
)
from crimelink.network.model import GroupFacts

__all__ = [
    "ADVICE",
    "CitedOffence",
    "DefinitionAssessment",
    "LegalAssessment",
    "LegalThresholds",
    "LimbAssessment",
    "LimbStatus",
    "assess_legal_definitions",
    "assess_organised_crime",
    "assess_serious_crime",
]

ADVICE = (
    "Advice for a person to decide. Crimelink has read the records you may see against the legal test; "
    "it has not decided that any offence was committed or that this is an organised crime group. "
    "An officer decides, on all the information, and records why."
)


@dataclass(frozen=True)
class DefinitionAssessment:
    """One legal test read against one group: an overall reading, its limbs and its caveats."""

    test: str
    title: str
    law: str
    status: LimbStatus
    summary: str
    limbs: tuple[LimbAssessment, ...]
    caveats: tuple[str, ...]
    advice: str = ADVICE

    def limb(self, limb_id: str) -> LimbAssessment:
        for limb in self.limbs:
            if limb.limb == limb_id:
                return limb
        raise KeyError(f"no limb {limb_id!r} in the {self.title} test; limbs: {[x.limb for x in self.limbs]}")

    @property
    def record_ids(self) -> tuple[int, ...]:
        """Every record any limb relies on."""
        return tuple(sorted({r for limb in self.limbs for r in limb.record_ids}))


@dataclass(frozen=True)
class LegalAssessment:
    """Both tests for one group."""

    serious_crime: DefinitionAssessment
    organised_crime: DefinitionAssessment
    advice: str = ADVICE
    thresholds: LegalThresholds = field(default_factory=LegalThresholds)


DEFAULT_THRESHOLDS = LegalThresholds()


# --- the tests -----------------------------------------------------------------------------------


def assess_serious_crime(
    facts: GroupFacts, reference: ReferenceData, *, thresholds: LegalThresholds = DEFAULT_THRESHOLDS
) -> DefinitionAssessment:
    """Read the serious-crime test (any one of four limbs) against a group's records. Advice only."""
    evidence = GroupEvidence(facts)
    limbs = (
        penalty_limb(evidence, reference, thresholds),
        violence_limb(evidence, reference, thresholds),
        financial_gain_limb(evidence, reference, thresholds),
        large_number_limb(evidence, thresholds),
    )
    met = [limb for limb in limbs if limb.status is LimbStatus.MET]
    if met:
        status = LimbStatus.MET
        summary = (
            f"Serious crime: met on {len(met)} of {len(limbs)} limbs ({'; '.join(x.question for x in met)})."
        )
    elif all(limb.status is LimbStatus.NOT_MET for limb in limbs):
        status, summary = LimbStatus.NOT_MET, "Serious crime: no limb is met."
    else:
        status = LimbStatus.NOT_ENOUGH_EVIDENCE
        summary = "Serious crime: not enough evidence in the records for any limb."
    caveats = [
        "The wording of RIPA 2000 s.81(3) is partly unverified [U]: the age in the first limb (21 in the "
        "original text) may since have been lowered to 18.",
        "The offence catalogue gives maximum sentences; the test asks what an adult with no previous "
        "convictions could reasonably expect, which may be less.",
        f"A large number of people is this partnership's setting ({thresholds.large_number_of_people}); "
        "the Act names no number.",
        *_unverified_caveat(limbs),
    ]
    return DefinitionAssessment(
        test="serious-crime",
        title="Serious crime",
        law="Regulation of Investigatory Powers Act 2000 s.81(3) (wording partly unverified [U])",
        status=status,
        summary=summary,
        limbs=limbs,
        caveats=tuple(caveats),
    )


def assess_organised_crime(
    facts: GroupFacts, reference: ReferenceData, *, thresholds: LegalThresholds = DEFAULT_THRESHOLDS
) -> DefinitionAssessment:
    """Read the organised-crime test (every limb needed) against a group's records. Advice only."""
    return _organised(
        GroupEvidence(facts),
        reference,
        thresholds,
        assess_serious_crime(facts, reference, thresholds=thresholds),
    )


def assess_legal_definitions(
    facts: GroupFacts, reference: ReferenceData, *, thresholds: LegalThresholds = DEFAULT_THRESHOLDS
) -> LegalAssessment:
    """Both tests for one group, the organised-crime test reusing the serious-crime reading. Advice only.

    >>> from crimelink.domain.reference import default_reference
    >>> from crimelink.network.model import GroupFacts
    >>> both = assess_legal_definitions(GroupFacts(people=[], entities=[], evidence=[]), default_reference())
    >>> both.serious_crime.status.value
    'not enough evidence'
    """
    serious = assess_serious_crime(facts, reference, thresholds=thresholds)
    organised = _organised(GroupEvidence(facts), reference, thresholds, serious)
    return LegalAssessment(serious_crime=serious, organised_crime=organised, thresholds=thresholds)


def _organised(
    evidence: GroupEvidence,
    reference: ReferenceData,
    thresholds: LegalThresholds,
    serious: DefinitionAssessment,
) -> DefinitionAssessment:
    limbs = (
        _serious_limb(serious),
        planned_limb(evidence, thresholds),
        continuing_limb(evidence, thresholds),
        people_limb(evidence, thresholds),
        criminal_activities_limb(evidence, reference, thresholds),
    )
    not_met = [limb for limb in limbs if limb.status is LimbStatus.NOT_MET]
    short = [limb for limb in limbs if limb.status is LimbStatus.NOT_ENOUGH_EVIDENCE]
    if not_met:
        status = LimbStatus.NOT_MET
        summary = f"Organised crime: not met. {not_met[0].question}: {not_met[0].reasons[0]}"
    elif short:
        status = LimbStatus.NOT_ENOUGH_EVIDENCE
        summary = (
            "Organised crime: not enough evidence for " + "; ".join(x.question.lower() for x in short) + "."
        )
    else:
        status, summary = LimbStatus.MET, "Organised crime: every limb is met."
    caveats = [
        "A continuing basis needs dated events on at least "
        f"{thresholds.continuing_min_dates} different dates spanning {thresholds.continuing_min_days} days "
        "or more: a local setting, not a legal rule.",
        "Member roles are suggestions from the network analysis until a person confirms them.",
        "Under s.45 the members need not know one another, only one act need happen in England and Wales, "
        "and the benefit need not be financial.",
        *_unverified_caveat(limbs),
    ]
    return DefinitionAssessment(
        test="organised-crime",
        title="Organised crime",
        law="HMICFRS definition of an organised crime group; Serious Crime Act 2015 s.45",
        status=status,
        summary=summary,
        limbs=limbs,
        caveats=tuple(caveats),
    )


# --- composing the tests -------------------------------------------------------------------------


def _serious_limb(serious: DefinitionAssessment) -> LimbAssessment:
    question = "Serious crime"
    met = [limb for limb in serious.limbs if limb.status is LimbStatus.MET]
    if serious.status is LimbStatus.MET:
        reasons = (f"The serious-crime test is met on: {'; '.join(x.question.lower() for x in met)}.",)
    elif serious.status is LimbStatus.NOT_MET:
        reasons = ("The serious-crime test is not met.",)
    else:
        reasons = ("There is not enough evidence for the serious-crime test.",)
    records = tuple(sorted({r for limb in met for r in limb.record_ids}))
    offences = tuple({o.code: o for limb in met for o in limb.offences}.values())
    return LimbAssessment("serious-crime", question, serious.status, reasons, records, offences)


def _unverified_caveat(limbs: Iterable[LimbAssessment]) -> list[str]:
    cited = {o.code: o for limb in limbs if limb.status is LimbStatus.MET for o in limb.offences}
    unverified = [o for o in cited.values() if not o.verified]
    if not unverified:
        return []
    return [
        f"{len(unverified)} of the {len(cited)} offences cited {'is' if len(unverified) == 1 else 'are'} "
        "unverified [U] in the offence catalogue: check the maximum sentence against legislation.gov.uk "
        "before relying on it."
    ]
