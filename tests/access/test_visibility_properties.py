"""Property tests: nobody receives what docs/access.md forbids, and everyone receives what it allows.

Random agencies, users, agreements, handling codes, conditions, classifications and records are
generated; an independent transcription of the written rule (``rule_allows`` below, written from the
document, not from the implementation) is the oracle for the policy and for the services.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from access_world import build, rule_allows, world_strategy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from crimelink.access import Action, Actor, allowed, load_access_context
from crimelink.domain import Classification, Purpose, UserRole
from crimelink.services.records import HoldingNotice, get_record, search_records
from crimelink.store.engine import make_engine
from crimelink.store.models import SourceRecord

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(world=world_strategy)
def test_services_return_exactly_what_the_rule_allows(
    world: dict[str, Any], sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "world.db"
    path.unlink(missing_ok=True)
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            actor, ids, specs = build(session, world)
            expected = {rid for rid in ids if rule_allows(world, specs[rid])}
            event(
                f"other agencies' records shown: {bool(expected - {r for r in ids if specs[r]['agency'] == world['actor']['agency']})}"
            )
            event(f"records withheld: {len(ids) > len(expected)}")
            context = load_access_context(session)

            # The policy itself.
            for rid in ids:
                resource = context.resource(session.get(SourceRecord, rid))  # type: ignore[arg-type]
                assert bool(allowed(actor, Action.RECORD_VIEW, resource)) == (rid in expected), (
                    rid,
                    specs[rid],
                )

            # Search: every allowed record, nothing else; the rest only as per-agency counts.
            result = search_records(session, actor, query="ZEBEDEE", limit=100)
            assert {view.id for view in result.records} == expected
            hidden = Counter(f"A{specs[rid]['agency']}" for rid in ids if rid not in expected)
            assert {n.agency_code: n.count for n in result.held_elsewhere} == dict(hidden)
            shown = json.dumps([asdict(v) for v in result.records], default=str)
            for rid in ids:
                marker = f"MARKER{ids.index(rid)}X"
                assert (marker in shown) == (rid in expected)
            notices = json.dumps([asdict(n) for n in result.held_elsewhere], default=str)
            assert "MARKER" not in notices

            # The record page: content when allowed, a holding notice otherwise.
            for rid in ids:
                outcome = get_record(session, actor, rid)
                assert isinstance(outcome, HoldingNotice) == (rid not in expected)
                if isinstance(outcome, HoldingNotice):
                    assert "MARKER" not in json.dumps(asdict(outcome), default=str)
    finally:
        engine.dispose()


@SETTINGS
@given(world=world_strategy, role=st.sampled_from([UserRole.ADMINISTRATOR, UserRole.AUDITOR]))
def test_roles_without_record_access_see_nothing_of_other_agencies(
    world: dict[str, Any], role: UserRole
) -> None:
    """Pure policy: administrators and auditors are refused record actions whatever the sharing."""
    actor = Actor(
        user_id=1,
        username="x",
        agency_id=1,
        agency_code="A0",
        agency_is_police=True,
        roles=frozenset({role}),
        clearance=Classification.OFFICIAL_SENSITIVE,
        compartments=frozenset({"CHILDREN", "OPS"}),
        purpose=Purpose.CRIME_PREVENTION_DETECTION,
    )
    assert not allowed(actor, Action.RECORD_VIEW)
    assert not allowed(actor, Action.RECORD_SEARCH)
