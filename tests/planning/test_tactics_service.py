"""The tactics services on the picture world: the menu's filters, and recommendations read only from what
the actor may see (the housing officer never learns of the police-only report or the man only it names)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tactics_factories import (
    HIDDEN,
    PictureWorld,
    Site,
    actor,
    audit_events,
    build_once,
    open_site,
    secret_settings,
)

from crimelink.domain import AgencyKind, CriminalityType, FourP, LifestyleArea
from crimelink.domain.reference import TargetKind, default_reference
from crimelink.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from crimelink.services import tactics
from crimelink.services.groups import analyse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, PictureWorld]:
    directory = tmp_path_factory.mktemp("tactics-service")
    return build_once(directory, sqlite_template, secret_settings(directory))


@pytest.fixture
def site(built: tuple[Path, PictureWorld], tmp_path: Path) -> Iterator[Site]:
    yield from open_site(*built, tmp_path)


def test_the_menu_filters_by_agency_area_4p_threat_target_kind_and_words(site: Site) -> None:
    with Session(site.engine) as session:
        officer = actor(session, "partner.one")
    everything = tactics.tactic_menu(officer)
    assert everything.shown == everything.total == len(default_reference().tactics)
    assert [area for area, _ in everything.areas] == list(LifestyleArea)
    assert everything.unverified_shown == sum(1 for t in default_reference().tactics if not t.verified)

    glaa = tactics.tactic_menu(officer, tactics.MenuFilters(agency=AgencyKind.GLAA))
    listed = [t for _, group in glaa.areas for t in group]
    assert {"gangmaster-licence-action", "labour-market-enforcement-order"} <= {t.id for t in listed}
    assert all(AgencyKind.GLAA in t.owner_agencies for t in listed)

    narrow = tactics.parse_menu_filters(
        area="vehicles", four_p="pursue", threat="waste_crime_fly_tipping", target_kind="vehicle"
    )
    found = [t.id for _, group in tactics.tactic_menu(officer, narrow).areas for t in group]
    assert "fly-tipping-vehicle-seizure" in found
    assert "child-protection-enquiry" not in found
    for tactic_id in found:
        tactic = default_reference().tactic(tactic_id)
        assert tactic.area is LifestyleArea.VEHICLES
        assert FourP.PURSUE in tactic.four_p
        assert TargetKind.VEHICLE in tactic.target_kinds
        assert tactic.applies_to(CriminalityType.WASTE_CRIME_FLY_TIPPING)

    closure = tactics.tactic_menu(officer, tactics.parse_menu_filters(text="closure order"))
    assert "closure-notice-and-order" in {t.id for _, group in closure.areas for t in group}


def test_a_bad_filter_or_an_unknown_tactic_is_refused_naming_what_is_wrong(site: Site) -> None:
    with pytest.raises(InvalidInputError) as error:
        tactics.parse_menu_filters(agency="COUNCIL")
    assert "agency" in error.value.problems
    assert "GLAA" in error.value.problems["agency"]
    with Session(site.engine) as session:
        officer = actor(session, "partner.one")
    with pytest.raises(NotFoundError, match="no tactic 'closure'"):
        tactics.get_tactic(officer, "closure")
    assert tactics.get_tactic(officer, "closure-notice-and-order").needs_court is True


def test_the_analyst_gets_closure_safeguarding_and_key_player_tactics_for_the_vance_line(site: Site) -> None:
    world = site.world.entities
    chosen = [world[name] for name in ("callum", "jordan", "tyler", "denise", "marcus", "ash_court", "line")]
    with Session(site.engine) as session:
        analyst = actor(session, "analyst.one")
        view = tactics.recommend_for_entities(session, analyst, chosen, label="Vance line")
        session.commit()
    found = {item.tactic.id: item for item in view.recommendations}
    assert view.facts.label == "Vance line"
    assert {t.threat for t in view.facts.threats} >= {"COUNTY_LINES", "CUCKOOING", "DRUG_SUPPLY"}
    closure = found["closure-notice-and-order"]
    assert closure.reasons[0].rule == "cuckooed-address"
    assert "7 ASH COURT" in closure.reasons[0].text.upper()
    enquiry = found["child-protection-enquiry"]
    assert [aim.label for aim in enquiry.aimed_at] == ["TYLER ROSS"]
    assert view.facts.key_players[0].label == "CALLUM VANCE"
    order = found["criminal-behaviour-order"]
    assert any(r.rule == "key-players" and "CALLUM VANCE" in r.text for r in order.reasons)
    (event,) = audit_events(site.engine, "tactic.view")
    assert event.resource_type == "entities"
    assert "closure-notice-and-order" in event.details["recommended"]


def test_the_partner_sees_nothing_from_the_police_only_report(site: Site) -> None:
    world, records = site.world.entities, site.world.records
    with Session(site.engine) as session:
        partner, analyst = actor(session, "partner.one"), actor(session, "analyst.one")
        theirs = tactics.recommend_for_entity(session, partner, world["callum"])
        ours = tactics.recommend_for_entity(session, analyst, world["callum"])
        with pytest.raises(NotFoundError, match="not in any record you may see"):
            tactics.recommend_for_entity(session, partner, world["quentin"])
    assert ours.record_count == theirs.record_count + 1  # IR-5
    hidden_record = records["IR-5"]
    for view, hidden in ((theirs, True), (ours, False)):
        text = repr(view)
        record_ids = {
            r
            for item in view.recommendations
            for reason in item.reasons
            for i in reason.inputs
            for r in i.record_ids
        }
        record_ids |= {r for t in view.facts.threats for r in t.record_ids}
        if hidden:
            assert not any(secret in text for secret in HIDDEN)
            assert hidden_record not in record_ids
        else:
            assert hidden_record in record_ids


def test_group_recommendations_need_group_view_and_a_candidate_gets_its_own(site: Site) -> None:
    with Session(site.engine) as session:
        partner, analyst = actor(session, "partner.one"), actor(session, "analyst.one")
        with pytest.raises(PermissionDeniedError):
            tactics.recommend_for_candidate(session, partner, "cg-000000000000")
        (candidate,) = analyse(session, analyst).candidates
        view = tactics.recommend_for_candidate(session, analyst, candidate.key)
        session.commit()
    assert view.target_kind == "candidate"
    assert view.target_id == candidate.key
    ids = [item.tactic.id for item in view.recommendations]
    assert "sca2015-s45-participation-charge" in ids  # a group of three or more in county lines
    events = audit_events(site.engine, "tactic.view")
    assert [(e.resource_type, e.resource_id) for e in events] == [("candidate_group", candidate.key)]


def test_a_hand_picked_set_must_hold_something_the_actor_may_see(site: Site) -> None:
    with Session(site.engine) as session:
        partner = actor(session, "partner.one")
        with pytest.raises(InvalidInputError) as error:
            tactics.recommend_for_entities(session, partner, [site.world.entities["quentin"]])
        assert "entity_ids" in error.value.problems
        with pytest.raises(InvalidInputError):
            tactics.recommend_for_entities(session, partner, [])
        view = tactics.recommend_for_entities(
            session, partner, [site.world.entities["denise"], site.world.entities["quentin"]]
        )
    assert view.not_seen == 1
