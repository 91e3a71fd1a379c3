"""The index finds every conflict a scan of every pair would, whatever the mix of places and windows."""

from __future__ import annotations

import random
from datetime import timedelta

from deconflict_world import DAY, HERE, NOW, actor, build_store, location, operation_input
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.deconflict.assess import assess_operations
from crimelink.services import deconfliction as dc
from crimelink.services.deconfliction import DEFAULT_RULES, TargetInput
from crimelink.services.deconfliction_check import find_conflicts, operations_key
from crimelink.services.deconfliction_index import load_operation_facts
from crimelink.store.models import Operation

_OFFICERS = ("pc.covert", "glaa.officer", "ts.officer", "bf.officer", "occ.ds")
_UPRNS = ("100023336956", "100023336957", "100023336958")
_VRMS = ("AB12CDE", "XY65ZZT", "LM70PQR")


def _random_operation(rng: random.Random, n: int) -> dict[str, object]:
    """Up to three places within about 1.5 km of HERE, some on shared UPRNs, and a window that is a few
    hours, days, months (looked up by ranges of slots), or standing with no end."""
    places = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        point = (HERE[0] + rng.uniform(-0.012, 0.012), HERE[1] + rng.uniform(-0.02, 0.02))
        uprn = rng.choice(_UPRNS) if rng.random() < 0.15 else None
        places.append(location(point, radius_m=rng.choice((100.0, 300.0, 600.0)), uprn=uprn))
    start = DAY + timedelta(hours=rng.uniform(0, 24 * 20))
    roll = rng.random()
    window: dict[str, object]
    if roll < 0.55:
        window = {"starts_at": start, "ends_at": start + timedelta(hours=rng.uniform(1, 8))}
    elif roll < 0.8:
        window = {"starts_at": start, "ends_at": start + timedelta(days=rng.uniform(1, 10))}
    elif roll < 0.9:
        window = {
            "starts_at": start,
            "ends_at": start + timedelta(days=rng.uniform(40, 200)),
            "standing": True,
        }
    else:
        window = {"starts_at": start, "ends_at": None, "standing": True}
    targets = [TargetInput("VRM", rng.choice(_VRMS))] if rng.random() < 0.2 else []
    return {"name": f"Operation {n}", "locations": places, "targets": targets, **window}


def test_the_index_finds_exactly_the_conflicts_a_scan_of_every_pair_finds(engine: Engine) -> None:
    build_store(engine)
    rng = random.Random(20261129)
    with Session(engine) as session:
        for n in range(60):
            officer = actor(session, rng.choice(_OFFICERS))
            dc.register_operation(session, officer, operation_input(**_random_operation(rng, n)), now=NOW)
        session.commit()
        ids = list(session.scalars(select(Operation.id).order_by(Operation.id)))
        facts = load_operation_facts(session, ids)
        scanned = {
            operations_key(first, second)
            for first in facts
            for second in facts
            if first < second and assess_operations(facts[first], facts[second], DEFAULT_RULES) is not None
        }
        indexed: set[str] = set()
        for operation in session.scalars(select(Operation).order_by(Operation.id)):
            found = find_conflicts(session, operation, rules=DEFAULT_RULES, today=NOW.date())
            indexed.update(key for key, item in found.items() if item.other_operation_id is not None)
    assert len(facts) == 60, "every operation is live"
    assert len(scanned) > 100, "the random operations meet often enough to mean something"
    assert indexed == scanned
