"""Words people use for the codes: roles, purposes and the rest, as pages show them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from crimelink.domain import Classification, Purpose, UserRole

ROLE_LABELS: dict[str, str] = {
    UserRole.ORGANISED_CRIME_ADVISOR: "Organised Crime Advisor",
    UserRole.PARTNER_OFFICER: "Partner officer",
    UserRole.ANALYST: "Analyst",
    UserRole.COORDINATOR: "Partnership co-ordinator",
    UserRole.DECONFLICTION_DESK: "Deconfliction desk",
    UserRole.SAFEGUARDING_LEAD: "Safeguarding lead",
    UserRole.AUDITOR: "Auditor",
    UserRole.ADMINISTRATOR: "Administrator",
}

PURPOSE_LABELS: dict[str, str] = {
    Purpose.CRIME_PREVENTION_DETECTION: "Prevention and detection of crime",
    Purpose.SAFEGUARDING: "Safeguarding",
    Purpose.PUBLIC_PROTECTION: "Public protection",
    Purpose.REGULATORY_ENFORCEMENT: "Regulatory enforcement",
    Purpose.OPERATIONAL_DECONFLICTION: "Operational deconfliction",
}

SCOPE_LABELS: dict[str, str] = {
    "read": (
        "read: view and search records, explore the network and organised crime groups, read the audit trail "
        "and safeguarding alerts"
    ),
    "write": (
        "write: submit intelligence, request and decide disclosures, judge record pairs, act on alerts, "
        "confirm or dismiss candidate groups"
    ),
    "import": "import: import partner registers, run entity resolution and safeguarding scans",
    "admin": "admin: manage agencies, users, compartments and agreements",
}


def choices(values: Iterable[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select or a group of checkboxes."""
    return [(value.value, label(value)) for value in values]


def coded_choices(items: Iterable[Any]) -> list[tuple[str, str]]:
    """(code, "CODE – name") pairs for things with a code and a name (agencies, compartments)."""
    return [(item.code, f"{item.code} – {item.name}") for item in items]


def label(value: object) -> str:
    """A readable label for a code: ``LA_HOUSING`` becomes "La housing" unless a better one is known."""
    if isinstance(value, Classification):
        return value.value  # markings are written exactly as they are
    text = value.value if isinstance(value, StrEnum) else str(value)
    known = ROLE_LABELS.get(text) or PURPOSE_LABELS.get(text)
    if known:
        return known
    return text.replace("_", " ").capitalize()
