"""Who is calling a service, the policy check every call makes, and the audit event it writes.

A caller is either a signed-in :class:`~crimelink.access.policy.Actor` (pages, the JSON API), whose
every action passes :func:`~crimelink.access.policy.allowed`, or a :class:`SystemCaller`: a command run
on the server itself (``crimelink user add``, ``crimelink demo users``) by someone who already controls
the database, recorded in the audit as ``system:<command>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from crimelink.access.policy import Action, Actor, Resource, allowed
from crimelink.errors import PermissionDeniedError
from crimelink.store.audit import append_event
from crimelink.store.pipeline import Write


@dataclass(frozen=True)
class SystemCaller:
    """A trusted command run on the server; ``command`` names it in the audit trail."""

    command: str


Caller = Actor | SystemCaller


def authorise(caller: Caller, action: Action, resource: Resource = None) -> None:
    """Raise :class:`PermissionDeniedError` (with the policy's reason) unless ``caller`` may take ``action``."""
    if isinstance(caller, Actor):
        decision = allowed(caller, action, resource)
        if not decision:
            raise PermissionDeniedError(decision.reason)


def record_event(
    session: Session,
    caller: Caller,
    *,
    action: str,
    resource_type: str,
    resource_id: str = "",
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    writes: Sequence[Write] = (),
) -> None:
    """Append one audit event for ``caller`` in the session's current transaction, after ``writes``
    (see :func:`crimelink.store.audit.append_event`)."""
    if isinstance(caller, Actor):
        append_event(
            session,
            actor=caller.username,
            actor_user_id=caller.user_id,
            actor_agency_id=caller.agency_id,
            purpose=caller.purpose.value,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
            details=details,
            writes=writes,
        )
    else:
        append_event(
            session,
            actor=f"system:{caller.command}",
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome=outcome,
            details=details,
            writes=writes,
        )
