"""Candidate groups through the service: what an analyst sees, confirms and dismisses, and re-analysis."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from network_store_world import TODAY, NetworkWorld, actor, build_once
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import GroupStructure, MemberRole
from crimelink.errors import InvalidInputError, PermissionDeniedError
from crimelink.services import groups
from crimelink.store.engine import make_engine
from crimelink.store.models import AuditEvent, GroupCandidateDecision, OrganisedCrimeGroup


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, NetworkWorld]:
    return build_once(tmp_path_factory.mktemp("groups-world"), sqlite_template)


@pytest.fixture
def store(built: tuple[Path, NetworkWorld], tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "crimelink.db"
    shutil.copyfile(built[0], path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def world(built: tuple[Path, NetworkWorld]) -> NetworkWorld:
    return built[1]


def the_county_lines_candidate(picture: groups.Picture, world: NetworkWorld) -> str:
    wanted = {world.entities["harry"], world.entities["kyle"], world.entities["mary"]}
    found = [c for c in picture.candidates if wanted <= set(c.people)]
    assert len(found) == 1, [c.people for c in picture.candidates]
    return found[0].key


def test_the_analyst_sees_the_county_lines_group_with_roles_assessment_and_scores(
    store: Engine, world: NetworkWorld
) -> None:
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        key = the_county_lines_candidate(picture, world)
        profile = groups.candidate_profile(session, analyst, picture, key)
        roles = {m.entity_id: m for m in profile.members}
        kyle = roles[world.entities["kyle"]]
        assert kyle.role == MemberRole.EXPLOITED_PERSON.value
        assert kyle.child, "a child in county-lines intelligence"
        assert kyle.role_reasons, "and why"
        assert profile.key_players[0].node == world.entities["harry"], "Harry holds the group together"
        assert profile.legal.serious_crime.record_ids, "the serious-crime test cites the records"
        assert len(profile.scores) == 2
        assert all(s.inputs for s in profile.scores), "every score shows its inputs"
        ranked = groups.ranked_candidates(session, analyst, picture)
        assert key in [row.key for row in ranked]


def test_a_confirmed_candidate_is_that_group_in_the_next_analysis(store: Engine, world: NetworkWorld) -> None:
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        key = the_county_lines_candidate(picture, world)
        group = groups.confirm_candidate(
            session,
            analyst,
            picture,
            key=key,
            confirmation=groups.Confirmation(
                name="Operation Elm", structure=GroupStructure.STREET_GANG, reason="Two graded reports"
            ),
        )
        session.commit()
        members = {m.entity_id: m.role for m in group.memberships}
        assert members[world.entities["kyle"]] == MemberRole.EXPLOITED_PERSON
        assert world.entities["harry"] in members
        supporting = {m.entity_id: m.supporting_report_ids for m in group.memberships}
        assert supporting[world.entities["kyle"]] == [world.records["IR-5"]], (
            "the report naming him with Harry"
        )
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "group.manage", AuditEvent.resource_id == str(group.id)
            )
        ).one()

    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        again = groups.analyse(session, analyst, today=TODAY)
        assert again.confirmed[key][0] == group.id
        rows = {row.key: row for row in groups.ranked_candidates(session, analyst, again)}
        assert rows[key].group_name == "Operation Elm"
        profile = groups.group_profile(session, analyst, again, group.id)
        assert profile.group is not None
        assert profile.group.name == "Operation Elm"
        assert profile.missing == []
        assert profile.new_people == []
        with pytest.raises(InvalidInputError, match="already group"):
            groups.confirm_candidate(
                session, analyst, again, key=key, confirmation=groups.Confirmation(name="Twice")
            )


def test_a_dismissed_candidate_stays_dismissed(store: Engine, world: NetworkWorld) -> None:
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        key = the_county_lines_candidate(picture, world)
        with pytest.raises(InvalidInputError, match="reason"):
            groups.dismiss_candidate(session, analyst, picture, key=key, reason="  ")
        groups.dismiss_candidate(session, analyst, picture, key=key, reason="A family, known to services")
        session.commit()
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        again = groups.analyse(session, analyst, today=TODAY)
        assert key in again.dismissed
        assert key not in [row.key for row in groups.ranked_candidates(session, analyst, again)]
        assert key in [
            row.key for row in groups.ranked_candidates(session, analyst, again, include_dismissed=True)
        ]
        decision = session.scalars(select(GroupCandidateDecision)).one()
        assert decision.reason == "A family, known to services"
        assert decision.decided_by == "analyst.one"


def test_a_group_needs_a_name(store: Engine, world: NetworkWorld) -> None:
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        key = the_county_lines_candidate(picture, world)
        with pytest.raises(InvalidInputError, match="name"):
            groups.confirm_candidate(
                session, analyst, picture, key=key, confirmation=groups.Confirmation(name=" ")
            )
        assert session.scalars(select(OrganisedCrimeGroup)).first() is None


def test_a_partner_officer_may_not_see_candidate_groups(store: Engine) -> None:
    with Session(store) as session, pytest.raises(PermissionDeniedError):
        groups.analyse(session, actor(session, "partner.one"), today=TODAY)


def test_an_analysts_intent_is_kept_with_the_score_and_ranks_the_group(
    store: Engine, world: NetworkWorld
) -> None:
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        key = the_county_lines_candidate(picture, world)
        group = groups.confirm_candidate(
            session, analyst, picture, key=key, confirmation=groups.Confirmation(name="Operation Elm")
        )
        before = groups.ranked_groups(session, analyst, picture)[0].score.total
        with pytest.raises(InvalidInputError, match="scheme"):
            groups.record_score(session, analyst, picture, group_id=group.id, scheme="ocgm", overrides={})
        recorded = groups.record_score(
            session,
            analyst,
            picture,
            group_id=group.id,
            scheme="local-ocg-priority",
            overrides={"intent": (3, "Threats to expand to a second town")},
        )
        session.commit()
        group_id, total = group.id, recorded.result
        assert total > before
        intent = next(i for i in recorded.inputs if i["name"] == "intent")
        assert intent["source"] == "analyst-supplied"
    with Session(store) as session:
        analyst = actor(session, "analyst.one")
        picture = groups.analyse(session, analyst, today=TODAY)
        ranked = groups.ranked_groups(session, analyst, picture)
        assert [(row.name, row.score.total) for row in ranked] == [("Operation Elm", total)]
        profile = groups.group_profile(session, analyst, picture, group_id)
        local = next(s for s in profile.scores if s.scorer == "local-ocg-priority")
        assert "Threats to expand to a second town" in local.input("intent").basis
