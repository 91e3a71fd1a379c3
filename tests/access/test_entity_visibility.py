"""Property tests: an entity shows exactly what docs/access.md lets the actor see of its records.

The random partnership of access_world.py, with every record linked to one person entity and some
records evidencing a relationship to a second. The links are written directly rather than found by
the linkage: what is under test is the filtering, whatever linked the records. The entity's stored
name and attributes carry every record's marker, so anything taken from them instead of from the
visible records shows up.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from access_world import build, rule_allows, world_strategy
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind, RelationshipType
from crimelink.services.cross_agency import cross_agency_report
from crimelink.services.entities import agencies_knowing, get_entity
from crimelink.store.engine import make_engine
from crimelink.store.models import (
    Agency,
    Entity,
    EntityRelationship,
    RecordEntityLink,
    RelationshipEvidence,
    SourceRecord,
)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _link_everything(session: Session, ids: list[int]) -> tuple[int, int]:
    """One person entity for every record's subject; an associate evidenced by the even records."""
    markers = [f"MARKER{n}X" for n in range(len(ids))]
    person = Entity(
        kind=EntityKind.PERSON,
        display_name="ZEBEDEE " + " ".join(markers),
        attributes={"full_name": "ZEBEDEE " + markers[0], "aliases": markers},
    )
    associate = Entity(kind=EntityKind.PERSON, display_name="ASSOCIATE " + markers[0], attributes={})
    session.add_all([person, associate])
    session.flush()
    for record_id in ids:
        session.add(
            RecordEntityLink(
                record_id=record_id,
                party="subject",
                entity_id=person.id,
                method="probabilistic",
                match_probability=0.97,
                model_version="test",
            )
        )
    relationship = EntityRelationship(
        kind=RelationshipType.ASSOCIATE_OF, from_entity_id=person.id, to_entity_id=associate.id
    )
    session.add(relationship)
    session.flush()
    for record_id in ids[::2]:
        session.add(RelationshipEvidence(relationship_id=relationship.id, record_id=record_id))
    session.flush()
    return person.id, associate.id


@SETTINGS
@given(world=world_strategy)
def test_an_entity_shows_exactly_what_the_rule_allows_of_its_records(
    world: dict[str, Any], sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "world.db"
    path.unlink(missing_ok=True)
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            actor, ids, specs = build(session, world)
            person, associate = _link_everything(session, ids)
            expected = {rid for rid in ids if rule_allows(world, specs[rid])}
            codes = dict(session.execute(select(Agency.id, Agency.code)).all())
            holder = {r.id: codes[r.agency_id] for r in session.scalars(select(SourceRecord))}
            hidden = Counter(holder[rid] for rid in ids if rid not in expected)
            held = Counter(holder[rid] for rid in ids)

            view = get_entity(session, actor, person)
            shown = {r.id for agency in view.agencies for r in agency.records}
            assert shown == expected
            assert {n.agency_code: n.count for n in view.held_elsewhere} == dict(hidden)
            assert (view.visible_records, view.hidden_records) == (len(expected), len(ids) - len(expected))
            text = json.dumps(asdict(view), default=str)
            for n, rid in enumerate(ids):
                assert (f"MARKER{n}X" in text) == (rid in expected), (n, rid in expected)
            assert (view.display_name is None) == (not expected)
            evidence_seen = expected & set(ids[::2])
            assert [e.id for e in view.linked] == ([associate] if evidence_seen else [])
            if evidence_seen:
                assert view.linked[0].record_ids == sorted(evidence_seen)
                assert view.linked[0].display_name is None  # no visible record names it

            holdings = agencies_knowing(session, actor, person)
            assert {h.agency_code: h.records for h in holdings.agencies} == dict(held)
            assert {
                h.agency_code: h.records - h.visible for h in holdings.agencies if h.visible < h.records
            } == (dict(hidden))
            requestable = {i for h in holdings.agencies for i in h.record_ids_to_request}
            assert requestable == set(ids) - expected

            report = cross_agency_report(session, actor, min_agencies=1)
            row = next(e for e in report.entities if e.id == person)
            assert (row.agencies, row.records, row.visible_records) == (len(held), len(ids), len(expected))
            assert {h.agency_code: (h.records, h.visible) for h in row.holdings} == {
                code: (count, count - hidden.get(code, 0)) for code, count in held.items()
            }
            assert "MARKER" not in json.dumps(asdict(report)) or expected
            for n, rid in enumerate(ids):
                assert (f"MARKER{n}X" in (row.display_name or "")) <= (rid in expected)
    finally:
        engine.dispose()
