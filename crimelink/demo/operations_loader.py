"""Register the demo borough's planned operations and standing interests, as each agency's officer would.

Only for the synthetic demo borough. ``operations.json`` (written by ``crimelink demo generate``) holds
what each agency typed; every entry goes through the deconfliction services as the agency's demo user,
at the time the file says they were registered (the demo's reference date), so the conflicts the desk
and each side see are the ones the ordinary check finds. Run it after ``crimelink entities resolve``
(targets and premises resolve to entities) and ``crimelink demo users`` (the users act). Running it again
registers nothing twice: an operation already held under its agency and name, or an interest under its
agency and label, is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Actor
from crimelink.deconflict.rules import rules_from
from crimelink.demo.loader import read_manifest
from crimelink.demo.operations import OPERATIONS_FILE
from crimelink.domain import Purpose, UserRole
from crimelink.errors import ImportFileError, StoreError
from crimelink.services.auth import actor_for_user
from crimelink.services.deconfliction import (
    InterestInput,
    LocationInput,
    OperationInput,
    TargetInput,
    register_interest,
    register_operation,
)
from crimelink.services.demo_users import ensure_operation_officers
from crimelink.settings import Settings
from crimelink.store.models import Interest, Operation, User

#: The demo user who registers each agency's entries.
OWNERS = {
    "POLICE": "advisor.demo",
    "LBA-HOUSING": "partner.demo",
    "GLAA": "glaa.demo",
    "LBA-TS": "tradingstandards.demo",
}


@dataclass
class DemoOperationsSummary:
    """What one run did: entries registered now, entries already there, and the officers' sign-ins."""

    registered: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    #: The check's message for each operation registered now, by its name.
    messages: dict[str, str] = field(default_factory=dict)
    sign_ins: list[tuple[UserRole, str, str, str]] = field(default_factory=list)


def read_operations(directory: Path) -> dict[str, Any]:
    """The demo's ``operations.json`` (named by the manifest)."""
    manifest = read_manifest(directory)
    path = directory / str(manifest.get("operations") or OPERATIONS_FILE)
    if not path.is_file():
        raise ImportFileError(str(path), "no demo operations here: run `crimelink demo generate` again")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ImportFileError(str(path), f"not JSON ({error})") from None
    if not isinstance(document, dict) or not {"registered_at", "operations", "interests"} <= set(document):
        raise ImportFileError(
            str(path), "not a demo operations file (needs registered_at, operations, interests)"
        )
    return document


def load_demo_operations(session: Session, directory: Path, settings: Settings) -> DemoOperationsSummary:
    """Register the demo's interests, then its operations, each as its agency's demo user. The caller commits."""
    document = read_operations(directory)
    rules = rules_from(settings.deconfliction_rules_file)
    summary = DemoOperationsSummary(sign_ins=ensure_operation_officers(session, settings))
    now = datetime.fromisoformat(document["registered_at"])
    for entry in document["interests"]:
        actor = _owner(session, entry["agency"])
        label = str(entry["label"])
        if _interest_exists(session, actor.agency_id, label):
            summary.already_there.append(label)
            continue
        register_interest(session, actor, _interest_input(entry), rules=rules, now=now)
        summary.registered.append(label)
    for entry in document["operations"]:
        actor = _owner(session, entry["agency"])
        name = str(entry["name"])
        if _operation_exists(session, actor.agency_id, name):
            summary.already_there.append(name)
            continue
        result = register_operation(session, actor, _operation_input(entry), rules=rules, now=now)
        summary.registered.append(name)
        summary.messages[name] = result.message
    return summary


def _owner(session: Session, agency_code: str) -> Actor:
    username = OWNERS.get(agency_code)
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        raise StoreError(
            f"no demo user registers {agency_code}'s operations: run `crimelink demo users` first"
        )
    return actor_for_user(session, user, Purpose.OPERATIONAL_DECONFLICTION)


def _operation_exists(session: Session, agency_id: int, name: str) -> bool:
    found = session.scalar(
        select(Operation.id).where(Operation.agency_id == agency_id, Operation.name == name).limit(1)
    )
    return found is not None


def _interest_exists(session: Session, agency_id: int, label: str) -> bool:
    found = session.scalar(
        select(Interest.id)
        .where(Interest.agency_id == agency_id, Interest.label == label, Interest.withdrawn_at.is_(None))
        .limit(1)
    )
    return found is not None


def _target(entry: dict[str, Any]) -> TargetInput:
    return TargetInput(kind=entry["kind"], value=entry.get("value", ""), dob=entry.get("dob"))


def _operation_input(entry: dict[str, Any]) -> OperationInput:
    return OperationInput(
        name=entry["name"],
        officer=entry["officer"],
        contact_24h=entry["contact_24h"],
        operation_type=entry["operation_type"],
        starts_at=datetime.fromisoformat(entry["starts_at"]),
        ends_at=datetime.fromisoformat(entry["ends_at"]) if entry.get("ends_at") else None,
        standing=bool(entry.get("standing", False)),
        visibility=entry.get("visibility", "OVERT"),
        classification=entry.get("classification", "OFFICIAL"),
        armed=bool(entry.get("armed", False)),
        locations=[LocationInput(**location) for location in entry.get("locations", [])],
        targets=[_target(target) for target in entry.get("targets", [])],
    )


def _interest_input(entry: dict[str, Any]) -> InterestInput:
    return InterestInput(
        contact=entry["contact"],
        subject=_target(entry["subject"]),
        reason=entry.get("reason", ""),
        label=entry.get("label", ""),
        expires_on=date.fromisoformat(entry["expires_on"]) if entry.get("expires_on") else None,
        consult_before_action=bool(entry.get("consult_before_action", False)),
    )
