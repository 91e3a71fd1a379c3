"""Demo sign-ins: one user per role, the CHILDREN compartment and realistic sharing agreements.

Only for the synthetic demo borough. The passwords are published (README, ``crimelink demo users``)
so anyone trying the demo can sign in as each role; never load these users into a real store.
Running it again changes nothing, except to restore a demo user that was edited or locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import Classification, DataCategory, Purpose, UserRole
from crimelink.errors import StoreError
from crimelink.services.admin import create_agreement, create_compartment, create_user
from crimelink.services.auth import hash_password, verify_password
from crimelink.services.callers import SystemCaller, record_event
from crimelink.settings import Settings
from crimelink.store.models import Agency, Compartment, SharingAgreement, User

_CALLER = SystemCaller("demo-users")
OS = Classification.OFFICIAL_SENSITIVE
P = Purpose


@dataclass(frozen=True)
class DemoUser:
    role: UserRole
    username: str
    display_name: str
    agency_code: str
    clearance: Classification
    compartments: tuple[str, ...] = ()

    @property
    def password(self) -> str:
        word = self.username.split(".")[0]
        return f"ashvale-demo-{word}-2026"


DEMO_USERS = (
    DemoUser(UserRole.ORGANISED_CRIME_ADVISOR, "advisor.demo", "Sam Okafor (demo advisor)", "POLICE", OS),
    DemoUser(UserRole.ANALYST, "analyst.demo", "Priya Nair (demo analyst)", "POLICE", OS),
    DemoUser(
        UserRole.PARTNER_OFFICER, "partner.demo", "Gareth Lewis (demo housing officer)", "LBA-HOUSING", OS
    ),
    DemoUser(UserRole.COORDINATOR, "coordinator.demo", "Helen Marsh (demo co-ordinator)", "POLICE", OS),
    DemoUser(UserRole.DECONFLICTION_DESK, "deconfliction.demo", "Tom Reid (demo SOC desk)", "POLICE", OS),
    DemoUser(
        UserRole.SAFEGUARDING_LEAD,
        "safeguarding.demo",
        "Aisha Begum (demo safeguarding lead)",
        "LBA-CSC",
        OS,
        ("CHILDREN",),
    ),
    DemoUser(UserRole.AUDITOR, "auditor.demo", "Mark Ellis (demo auditor)", "POLICE", OS),
    DemoUser(
        UserRole.ADMINISTRATOR,
        "admin.demo",
        "Jo Fraser (demo administrator)",
        "POLICE",
        Classification.OFFICIAL,
    ),
)

#: Officers of agencies that register the demo's operations (``crimelink demo operations`` adds them):
#: partners see their side of a conflict, blind, by signing in as them.
DEMO_OPERATION_OFFICERS = (
    DemoUser(
        UserRole.PARTNER_OFFICER,
        "glaa.demo",
        "Kieran Walsh (demo GLAA officer)",
        "GLAA",
        Classification.OFFICIAL,
    ),
    DemoUser(
        UserRole.PARTNER_OFFICER,
        "tradingstandards.demo",
        "Bernadette Lowe (demo trading standards officer)",
        "LBA-TS",
        Classification.OFFICIAL,
    ),
)

#: Officers of agencies whose actions and outcomes fill the demo's co-ordinated plan (``crimelink demo plan``
#: adds them): licensing records its licence reviews, environmental enforcement its seizures and costs.
DEMO_PLAN_OFFICERS = (
    DemoUser(
        UserRole.PARTNER_OFFICER,
        "licensing.demo",
        "Fiona Grant (demo licensing officer)",
        "LBA-LICENSING",
        Classification.OFFICIAL,
    ),
    DemoUser(
        UserRole.PARTNER_OFFICER,
        "environment.demo",
        "Dev Sharma (demo environmental enforcement officer)",
        "LBA-ENV",
        Classification.OFFICIAL,
    ),
)

DEMO_COMPARTMENTS = (
    ("CHILDREN", "Children's safeguarding", "Children known to social care; need-to-know for safeguarding."),
    ("ADULT-SAFEGUARDING", "Adult safeguarding", "Adults at risk known to adult social care."),
)

_ISA = "ASHVALE-SOC-ISA-2025"
_FROM, _UNTIL = date(2025, 4, 1), date(2028, 3, 31)

#: (from, to, category, purposes): what each agency shares with whom under the partnership ISA.
DEMO_AGREEMENTS: tuple[tuple[str, str, DataCategory, tuple[Purpose, ...]], ...] = (
    ("POLICE", "LBA-HOUSING", DataCategory.INTELLIGENCE, (P.CRIME_PREVENTION_DETECTION, P.PUBLIC_PROTECTION)),
    ("POLICE", "LBA-HOUSING", DataCategory.NOMINALS, (P.CRIME_PREVENTION_DETECTION, P.PUBLIC_PROTECTION)),
    ("POLICE", "LBA-CSC", DataCategory.INTELLIGENCE, (P.SAFEGUARDING,)),
    ("POLICE", "LBA-ASC", DataCategory.INTELLIGENCE, (P.SAFEGUARDING,)),
    ("POLICE", "LBA-LICENSING", DataCategory.INTELLIGENCE, (P.REGULATORY_ENFORCEMENT,)),
    ("POLICE", "LBA-TS", DataCategory.INTELLIGENCE, (P.REGULATORY_ENFORCEMENT,)),
    ("LBA-HOUSING", "POLICE", DataCategory.HOUSING, (P.CRIME_PREVENTION_DETECTION, P.SAFEGUARDING)),
    ("LBA-HOUSING", "LBA-CSC", DataCategory.HOUSING, (P.SAFEGUARDING,)),
    ("LBA-CSC", "POLICE", DataCategory.CHILDREN_SOCIAL_CARE, (P.SAFEGUARDING,)),
    ("LBA-ASC", "POLICE", DataCategory.ADULT_SOCIAL_CARE, (P.SAFEGUARDING,)),
    (
        "LBA-LICENSING",
        "POLICE",
        DataCategory.LICENSING,
        (P.CRIME_PREVENTION_DETECTION, P.REGULATORY_ENFORCEMENT),
    ),
    ("LBA-TS", "POLICE", DataCategory.TRADING_STANDARDS, (P.CRIME_PREVENTION_DETECTION,)),
    ("LBA-ENV", "POLICE", DataCategory.ENVIRONMENTAL, (P.CRIME_PREVENTION_DETECTION,)),
    ("GLAA", "POLICE", DataCategory.LABOUR_MARKET, (P.CRIME_PREVENTION_DETECTION, P.SAFEGUARDING)),
    ("BORDER-FORCE", "POLICE", DataCategory.BORDER, (P.CRIME_PREVENTION_DETECTION,)),
    ("HOIE", "POLICE", DataCategory.IMMIGRATION, (P.CRIME_PREVENTION_DETECTION,)),
)


def ensure_demo_users(session: Session, settings: Settings) -> list[tuple[UserRole, str, str, str]]:
    """Create (or restore) the demo users, compartments and agreements; (role, username, password, agency)."""
    codes = set(session.scalars(select(Agency.code)))
    if "POLICE" not in codes:
        raise StoreError("the demo agencies are not registered: run `crimelink demo load --generate` first")
    for code, name, description in DEMO_COMPARTMENTS:
        if session.scalar(select(Compartment.id).where(Compartment.code == code)) is None:
            create_compartment(session, caller=_CALLER, code=code, name=name, description=description)
    _ensure_agreements(session, codes)
    sign_ins = []
    for demo in DEMO_USERS:
        if demo.agency_code in codes:
            _ensure_user(session, demo, settings)
            sign_ins.append((demo.role, demo.username, demo.password, demo.agency_code))
    return sign_ins


def ensure_operation_officers(session: Session, settings: Settings) -> list[tuple[UserRole, str, str, str]]:
    """Create (or restore) the demo's partner officers who register operations; as
    :func:`ensure_demo_users` returns its sign-ins."""
    return _ensure_officers(session, settings, DEMO_OPERATION_OFFICERS)


def ensure_plan_officers(session: Session, settings: Settings) -> list[tuple[UserRole, str, str, str]]:
    """Create (or restore) the demo's partner officers who record the plan's actions and outcomes; as
    :func:`ensure_demo_users` returns its sign-ins."""
    return _ensure_officers(session, settings, DEMO_PLAN_OFFICERS)


def _ensure_officers(
    session: Session, settings: Settings, officers: tuple[DemoUser, ...]
) -> list[tuple[UserRole, str, str, str]]:
    codes = set(session.scalars(select(Agency.code)))
    sign_ins = []
    for demo in officers:
        if demo.agency_code in codes:
            _ensure_user(session, demo, settings)
            sign_ins.append((demo.role, demo.username, demo.password, demo.agency_code))
    return sign_ins


def _ensure_user(session: Session, demo: DemoUser, settings: Settings) -> None:
    user = session.scalar(select(User).where(User.username == demo.username))
    if user is None:
        create_user(
            session,
            caller=_CALLER,
            settings=settings,
            username=demo.username,
            display_name=demo.display_name,
            agency_code=demo.agency_code,
            roles=[demo.role],
            clearance=demo.clearance,
            compartments=demo.compartments,
            password=demo.password,
        )
        return
    if (
        not user.active
        or user.locked_until is not None
        or not verify_password(user.password_hash, demo.password)
    ):
        user.active, user.locked_until, user.failed_sign_ins = True, None, 0
        user.password_hash = hash_password(demo.password)
        session.flush()
        record_event(
            session,
            _CALLER,
            action="update",
            resource_type="user",
            resource_id=user.username,
            details={"restored": "demo user reactivated, unlocked and given its documented password"},
        )


def _ensure_agreements(session: Session, codes: set[str]) -> None:
    agencies = dict(session.execute(select(Agency.code, Agency.id)).all())
    for sharer, recipient, category, purposes in DEMO_AGREEMENTS:
        if sharer not in codes or recipient not in codes:
            continue
        exists = session.scalar(
            select(SharingAgreement.id).where(
                SharingAgreement.from_agency_id == agencies[sharer],
                SharingAgreement.to_agency_id == agencies[recipient],
                SharingAgreement.category == category,
                SharingAgreement.isa_reference == _ISA,
            )
        )
        if exists is None:
            create_agreement(
                session,
                caller=_CALLER,
                from_agency_code=sharer,
                to_agency_code=recipient,
                category=category,
                purposes=purposes,
                isa_reference=_ISA,
                valid_from=_FROM,
                valid_until=_UNTIL,
            )
