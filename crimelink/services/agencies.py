"""Registering partner agencies."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.store.audit import append_event
from crimelink.store.models import Agency


def register_agency(
    session: Session, *, code: str, name: str, kind: AgencyKind, contact: str, actor: str = "system:cli"
) -> Agency:
    """Create the agency, or update its name, kind and contact if the code is already registered."""
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, name=name, kind=kind, contact=contact)
        session.add(agency)
        session.flush()
        append_event(session, actor=actor, action="create", resource_type="agency", resource_id=code)
    elif (agency.name, agency.kind, agency.contact) != (name, kind, contact):
        agency.name, agency.kind, agency.contact = name, kind, contact
        session.flush()
        append_event(session, actor=actor, action="update", resource_type="agency", resource_id=code)
    return agency
