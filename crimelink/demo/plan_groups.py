"""The demo's analyst confirms the organised crime groups the plan works on (``crimelink demo plan``).

Disruption plans need organised crime group records. The demo's analyst (``analyst.demo``) runs the group
analysis of their own network, as on the groups page, and confirms the candidate that best matches each
group planted in the borough: the one sharing the largest share of people (Jaccard) with the planted
members' resolved entities, at least :data:`MIN_OVERLAP`. The group is confirmed with the planted
group's name, structure and criminality, and the lead agency the plan file names. Reading the ground
truth here stands in for the analyst's own judgement of the intelligence; only the demo loaders and the
tests read it, never the product.

A planted group that yields no candidate (in some seeds, the protection racket) is not confirmed: its
plan targets a single entity instead (the group's business or principal).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.demo.plan_run import ANALYST, PlanRun, PlanSubject
from crimelink.domain import CriminalityType, GroupStructure
from crimelink.errors import ImportFileError
from crimelink.services import groups
from crimelink.store.models import (
    Agency,
    Dataset,
    DisruptionPlan,
    Entity,
    OrganisedCrimeGroup,
    RecordEntityLink,
    SourceRecord,
)

#: Least share of people (Jaccard) a candidate must have in common with a planted group to be confirmed.
MIN_OVERLAP = 0.4
TRUTH_FILE = Path("ground_truth") / "truth.json"
_CHUNK = 1000


def read_truth(directory: Path) -> dict[str, Any]:
    """The demo's ground truth (``ground_truth/truth.json``)."""
    path = directory / TRUTH_FILE
    if not path.is_file():
        raise ImportFileError(str(path), "no demo ground truth here: run `crimelink demo generate` again")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ImportFileError(str(path), f"not JSON ({error})") from None
    if not isinstance(document, dict) or not {"records", "groups"} <= set(document):
        raise ImportFileError(str(path), "not a demo ground truth (needs records and groups)")
    return document


def planted_ids(group: Mapping[str, Any]) -> list[str]:
    """A planted group's people, premises, vehicles and businesses (their ids in the ground truth)."""
    people = [member["person"] for member in group["members"]]
    return people + list(group["premises"]) + list(group["vehicles"]) + list(group["businesses"])


def planted_entities(session: Session, truth: Mapping[str, Any], wanted: set[str]) -> dict[str, int]:
    """Each planted id of ``wanted`` mapped to the live entity most of its records' parties resolved to."""
    parties_of = {
        key: parties
        for key, parties in truth["records"].items()
        if any(true_id in wanted for party, true_id in parties.items() if "." not in party)
    }
    latest: dict[str, tuple[int, int]] = {}
    query = (
        select(Agency.code, Dataset.code, SourceRecord.source_key, SourceRecord.version, SourceRecord.id)
        .join(Dataset, Dataset.id == SourceRecord.dataset_id)
        .join(Agency, Agency.id == Dataset.agency_id)
    )
    for agency_code, dataset_code, source_key, version, record_id in session.execute(query):
        key = f"{agency_code}/{dataset_code}/{source_key}"
        if key in parties_of and (key not in latest or latest[key][0] < version):
            latest[key] = (version, record_id)
    by_record = {record_id: parties_of[key] for key, (_, record_id) in latest.items()}
    votes: dict[str, Counter[int]] = {}
    record_ids = sorted(by_record)
    links = select(RecordEntityLink.record_id, RecordEntityLink.party, RecordEntityLink.entity_id)
    for start in range(0, len(record_ids), _CHUNK):
        chunk = record_ids[start : start + _CHUNK]
        for record_id, party, entity_id in session.execute(
            links.where(RecordEntityLink.record_id.in_(chunk))
        ):
            true_id = by_record[record_id].get(party)
            if true_id in wanted and "." not in party:
                votes.setdefault(true_id, Counter())[entity_id] += 1
    return {true_id: _live(session, counter.most_common(1)[0][0]) for true_id, counter in votes.items()}


def _live(session: Session, entity_id: int) -> int:
    """The entity ``entity_id`` was merged into, if it was (following a chain of merges)."""
    entity = session.get(Entity, entity_id)
    while entity is not None and entity.merged_into_id is not None:
        entity_id = entity.merged_into_id
        entity = session.get(Entity, entity_id)
    return entity_id


class _Analysis:
    """The planted groups' resolved entities and the analyst's picture, worked out once, when first needed
    (a second run, finding every group and plan in place, needs neither)."""

    def __init__(self, run: PlanRun, truth: Mapping[str, Any]) -> None:
        self.run, self.truth = run, truth
        self._entity_of: dict[str, int] | None = None
        self._picture: groups.Picture | None = None

    def entity_of(self) -> dict[str, int]:
        if self._entity_of is None:
            wanted = {t for group in self.truth["groups"] for t in planted_ids(group)}
            self._entity_of = planted_entities(self.run.session, self.truth, wanted)
        return self._entity_of

    def picture(self) -> groups.Picture:
        if self._picture is None:
            analyst = self.run.actor(ANALYST)
            self._picture = groups.analyse(self.run.session, analyst, today=self.run.now.date())
        return self._picture


def confirm_planted_groups(
    run: PlanRun,
    truth: Mapping[str, Any],
    *,
    lead_agency: Mapping[str, str],
    single_target: Mapping[str, str],
    plan_titles: Mapping[str, str],
) -> None:
    """Fill ``run.subjects``: each planted group confirmed from its best candidate, or a single target.

    ``single_target``: for each scenario, ``business`` or ``principal`` (what its plan targets when the
    group is not confirmed); ``plan_titles``: each scenario's plan title. A group already confirmed under
    its name, or whose plan is already open (a second run), is kept as it is.
    """
    analysis = _Analysis(run, truth)
    taken: set[str] = set()
    for group in truth["groups"]:
        scenario = str(group["scenario"])
        subject = PlanSubject(scenario, str(group["name"]), None, None, [])
        run.subjects[scenario] = subject
        existing = run.session.scalar(
            select(OrganisedCrimeGroup.id).where(OrganisedCrimeGroup.name == subject.name).limit(1)
        )
        if existing is not None:
            subject.group_id = existing
            run.summary.already_there["organised crime groups"] += 1
            continue
        title = plan_titles.get(scenario, "").format(name=subject.name)
        plan = run.session.scalar(select(DisruptionPlan).where(DisruptionPlan.title == title).limit(1))
        if plan is not None:
            subject.group_id, subject.target_entity_id = plan.group_id, plan.target_entity_id
            continue
        entity_of = analysis.entity_of()
        subject.entities = list(dict.fromkeys(entity_of[t] for t in planted_ids(group) if t in entity_of))
        _confirm(run, analysis.picture(), group, subject, entity_of, taken, lead_agency, single_target)


def _confirm(
    run: PlanRun,
    picture: groups.Picture,
    group: Mapping[str, Any],
    subject: PlanSubject,
    entity_of: Mapping[str, int],
    taken: set[str],
    lead_agency: Mapping[str, str],
    single_target: Mapping[str, str],
) -> None:
    people = {entity_of[m["person"]] for m in group["members"] if m["person"] in entity_of}
    key = _best_candidate(picture, people, taken)
    if key is None:
        prefer = single_target.get(subject.scenario, "business")
        subject.target_entity_id = _single_target(group, entity_of, prefer)
        return
    taken.add(key)
    if key in picture.confirmed:  # someone confirmed it already, under another name
        subject.group_id = picture.confirmed[key][0]
        run.summary.already_there["organised crime groups"] += 1
        return
    confirmation = _confirmation(group, lead_agency.get(subject.scenario))
    analyst = run.actor(ANALYST)
    # Confirmed in the weeks before the board held a month ago, whose agenda lists it as new.
    confirmed = groups.confirm_candidate(
        run.session, analyst, picture, key=key, confirmation=confirmation, now=run.at(CONFIRMED_DAY, 9)
    )
    subject.group_id = confirmed.id
    run.summary.added["organised crime groups"] += 1
    run.summary.confirmed_groups.append(subject.name)


#: When (days from the run) the demo analyst confirmed the groups: in the weeks before the board held
#: a month ago (its agenda lists them as new); outcomes from before then were linked to them afterwards.
CONFIRMED_DAY = -40


def _best_candidate(picture: groups.Picture, people: set[int], taken: set[str]) -> str | None:
    best, share = None, 0.0
    for candidate in picture.candidates:
        theirs = set(candidate.people)
        if candidate.key in taken or not people or not theirs:
            continue
        overlap = len(people & theirs) / len(people | theirs)
        if overlap > share:
            best, share = candidate.key, overlap
    return best if share >= MIN_OVERLAP else None


def _single_target(group: Mapping[str, Any], entity_of: Mapping[str, int], prefer: str) -> int | None:
    """The group's business or its principal (``prefer``), or failing that the other."""
    businesses = [entity_of[b] for b in group["businesses"] if b in entity_of]
    members = sorted(group["members"], key=lambda member: member["role"] != "PRINCIPAL")
    people = [entity_of[m["person"]] for m in members if m["person"] in entity_of]
    ordered = businesses + people if prefer == "business" else people + businesses
    return ordered[0] if ordered else None


def _confirmation(group: Mapping[str, Any], lead_agency_code: str | None) -> groups.Confirmation:
    structure = str(group.get("structure", "UNKNOWN"))
    return groups.Confirmation(
        name=str(group["name"]),
        structure=GroupStructure(structure)
        if structure in GroupStructure.__members__
        else GroupStructure.UNKNOWN,
        lead_agency_code=lead_agency_code,
        criminality=tuple(str(t) for t in group["threats"] if t in CriminalityType.__members__),
        reason="Confirmed by the demo's analyst from the network picture, so that the partnership's plan has "
        "this group to work on.",
    )
