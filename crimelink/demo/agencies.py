"""The partnership's agencies. Contact numbers are in Ofcom's drama ranges."""

from __future__ import annotations

from crimelink.demo.spec import Agency
from crimelink.domain.codes import AgencyKind

POLICE = Agency(
    "POLICE",
    "Ashvale BCU Serious and Organised Crime Unit",
    AgencyKind.POLICE_BCU,
    "SOC Desk, 020 7946 0100",
)
TRADING_STANDARDS = Agency(
    "LBA-TS",
    "London Borough of Ashvale Trading Standards",
    AgencyKind.LA_TRADING_STANDARDS,
    "Trading Standards Duty Officer, 020 7946 0211",
)
LICENSING = Agency(
    "LBA-LICENSING",
    "London Borough of Ashvale Licensing Service",
    AgencyKind.LA_LICENSING,
    "Licensing Team, 020 7946 0322",
)
HOUSING = Agency(
    "LBA-HOUSING",
    "London Borough of Ashvale Housing (Private Sector Housing and Tenancy Management)",
    AgencyKind.LA_HOUSING,
    "Private Sector Housing Duty Desk, 020 7946 0433",
)
ENVIRONMENT = Agency(
    "LBA-ENV",
    "London Borough of Ashvale Environmental Enforcement",
    AgencyKind.LA_ENV_ENFORCEMENT,
    "Enviro-Crime Team, 020 7946 0544",
)
CHILDREN = Agency(
    "LBA-CSC",
    "London Borough of Ashvale Children's Social Care",
    AgencyKind.LA_CHILDRENS_SC,
    "Children's MASH, 020 7946 0655",
)
ADULTS = Agency(
    "LBA-ASC",
    "London Borough of Ashvale Adult Social Care",
    AgencyKind.LA_ADULT_SC,
    "Adult Safeguarding Hub, 020 7946 0766",
)
GLAA = Agency(
    "GLAA",
    "Gangmasters and Labour Abuse Authority",
    AgencyKind.GLAA,
    "GLAA Intelligence Desk, 0115 496 0877",
)
BORDER_FORCE = Agency(
    "BORDER-FORCE",
    "Border Force (London and South East)",
    AgencyKind.BORDER_FORCE,
    "Border Force Intelligence Hub, 01632 960988",
)
IMMIGRATION = Agency(
    "HOIE",
    "Home Office Immigration Enforcement",
    AgencyKind.IMMIGRATION_ENFORCEMENT,
    "IE Local Partnership Desk, 0121 496 0199",
)

AGENCIES = (
    POLICE,
    TRADING_STANDARDS,
    LICENSING,
    HOUSING,
    ENVIRONMENT,
    CHILDREN,
    ADULTS,
    GLAA,
    BORDER_FORCE,
    IMMIGRATION,
)
