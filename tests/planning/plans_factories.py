"""Plain factories for the disruption-plan tests: the deconfliction tests' partnership, a group, a target.

The partnership is ``tests/deconflict/deconflict_world.py``'s: the police (an Organised Crime Advisor,
``pc.covert``, and the deconfliction desk), the Organised Crime Command (``occ.ds``), GLAA
(``glaa.officer``), trading standards (``ts.officer``, and ``ts.analyst`` who reads plans) and Border
Force. Times are fixed (``NOW``) and passed to every service.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import EntityKind, GroupStatus
from crimelink.services.disruption_plans import PlanInput, open_plan
from crimelink.services.plan_actions import ActionInput
from crimelink.store.models import Agency, DisruptionPlan, Entity, OrganisedCrimeGroup

sys.path.insert(0, str(Path(__file__).parents[1] / "deconflict"))
from deconflict_world import (
    DAY,
    HERE,
    NOW,
    World,
    actor,
    audit_events,
    build_store,
    build_world,
    interest_input,
    location,
    operation_input,
)

TODAY: date = NOW.date()

__all__ = [
    "DAY",
    "HERE",
    "NOW",
    "TODAY",
    "World",
    "action_input",
    "actor",
    "agency_id",
    "audit_events",
    "build_store",
    "build_world",
    "interest_input",
    "location",
    "make_entity",
    "make_group",
    "make_plan",
    "operation_input",
]


def agency_id(session: Session, code: str) -> int:
    return int(session.scalars(select(Agency.id).where(Agency.code == code)).one())


def make_group(session: Session, **overrides: Any) -> OrganisedCrimeGroup:
    """A confirmed, active group (the name is what only readers of groups may see)."""
    values: dict[str, Any] = {
        "name": "Canal Yard car wash network",
        "status": GroupStatus.ACTIVE,
        "criminality": ["LABOUR_EXPLOITATION"],
    }
    values.update(overrides)
    group = OrganisedCrimeGroup(**values)
    session.add(group)
    session.flush()
    return group


def make_entity(session: Session, **overrides: Any) -> Entity:
    values: dict[str, Any] = {"kind": EntityKind.PREMISES, "display_name": "Unit 2, Canal Yard"}
    values.update(overrides)
    entity = Entity(**values)
    session.add(entity)
    session.flush()
    return entity


def make_plan(session: Session, *, by: str = "pc.covert", **overrides: Any) -> DisruptionPlan:
    """An active plan owned by the police against a new group (unless a group or target is given)."""
    values: dict[str, Any] = {
        "title": "Disrupt the car wash network",
        "owner_agency_id": agency_id(session, "POLICE"),
        "owner_officer": "DS Priya Shah",
        "objectives": "Close the car washes; safeguard the workers.",
    }
    values.update(overrides)
    if values.get("group_id") is None and values.get("target_entity_id") is None:
        values["group_id"] = make_group(session).id
    return open_plan(session, actor(session, by), PlanInput(**values), now=NOW)


def action_input(session: Session, agency: str = "GLAA", **overrides: Any) -> ActionInput:
    values: dict[str, Any] = {
        "title": "Inspect the car wash for labour exploitation",
        "agency_id": agency_id(session, agency),
        "due_on": TODAY + timedelta(days=7),
        "assignee": "Officer Kay Lamb",
        "four_p": "PURSUE",
    }
    values.update(overrides)
    return ActionInput(**values)
