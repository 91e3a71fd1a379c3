"""What one row of each partner dataset says, in true values, before an agency writes it down.

Scenarios and background generators both produce these facts; each dataset's renderer then writes a
fact in its agency's style and noise and records the ground truth of every party in the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from crimelink.demo.identifiers import Phone
from crimelink.demo.world import Business, Person, Premises, Vehicle
from crimelink.domain.codes import CriminalityType


@dataclass(eq=False)
class NominalFact:
    person: Person
    updated: date
    markers: tuple[str, ...] = ()
    alias: str = ""
    vehicle: Vehicle | None = None
    extra_phone: Phone | None = None


@dataclass(eq=False)
class IntelFact:
    reported: date
    text: str
    raw: str
    threats: tuple[CriminalityType, ...]
    subject: Person | None = None
    associate: Person | None = None
    location: Premises | None = None
    line: Phone | None = None  # a phone not tied to a named person, e.g. a deal line
    vehicle: Vehicle | None = None
    business: Business | None = None
    sensitive: bool = False
    caveats: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()  # non-empty forces handling code C
    strong: bool = False  # reliable source, corroborated


@dataclass(eq=False)
class ComplaintFact:
    received: date
    complainant: Person
    category: str
    summary: str
    business: Business | None = None
    trader: Person | None = None
    trader_phone: Phone | None = None
    account: str = ""
    handle: str = ""


@dataclass(eq=False)
class LicenceFact:
    business: Business
    holder: Person
    licence_type: str
    granted: date
    expires: date | None = None
    dps: Person | None = None
    activities: str = ""


@dataclass(eq=False)
class HmoFact:
    premises: Premises
    landlord: Person
    granted: date
    permitted: int
    reported: int
    storeys: int = 3
    notes: str = ""


@dataclass(eq=False)
class TenancyCase:
    opened: date
    premises: Premises
    case_type: str
    notes: str
    number: int = 0  # given when its first row is written
    lines: int = 0


@dataclass(eq=False)
class TenancyFact:
    case: TenancyCase
    occupant: Person
    relationship: str  # TENANT | HOUSEHOLD_MEMBER | LODGER | VISITOR


@dataclass(eq=False)
class FlytipFact:
    reported: datetime
    lon: float
    lat: float
    location: str
    ward: str
    waste_type: str
    size_code: str
    reporter: Person | None = None
    vehicle: Vehicle | None = None
    suspect: Person | None = None
    carrier: Business | None = None
    site: Premises | None = None
    postcode: str = ""  # of the nearest address
    notes: str = ""


@dataclass(eq=False)
class ChildFact:
    child: Person
    contacted: date
    category: str
    concerns: str
    missing_episodes: int = 0
    carer: Person | None = None


@dataclass(eq=False)
class AdultFact:
    adult: Person
    contacted: date
    need: str
    concern: str
    cuckooing_risk: bool = False


@dataclass(eq=False)
class Inspection:
    visited: date
    business: Business
    outcome: str
    findings: str
    number: int = 0
    lines: int = 0


@dataclass(eq=False)
class InspectionFact:
    inspection: Inspection
    worker: Person
    accommodation: Premises | None = None
    worker_notes: str = ""


@dataclass(eq=False)
class SeizureFact:
    seized: date
    port: str
    commodity: str
    quantity: float
    unit: str
    notes: str
    consignee: Person | None = None
    consignee_business: Business | None = None
    delivery: Premises | None = None
    contact_phone: Phone | None = None
    driver: Person | None = None
    vehicle: Vehicle | None = None


@dataclass(eq=False)
class ReferralFact:
    referred: date
    subject: Person
    reason: str
    notes: str
    employer: Business | None = None
