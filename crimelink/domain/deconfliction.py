"""Codes of operational deconfliction (``DOMAIN.md`` section 6): conflicts, their grades and outcomes.

The store keeps these values; :mod:`crimelink.deconflict` holds the rules that produce them.
"""

from __future__ import annotations

from enum import StrEnum


class ConflictKind(StrEnum):
    """Why two things collide.

    ``PREMISES``: the same UPRN or resolved premises, at overlapping times. ``PLACE_TIME``: within the
    larger of the two radii, at times overlapping within the buffer. ``TARGET``: the same resolved entity
    or normalised identifier. ``GROUP``: an operation on a group, or on a member of a group, that another
    agency has flagged.
    """

    PREMISES = "PREMISES"
    PLACE_TIME = "PLACE_TIME"
    TARGET = "TARGET"
    GROUP = "GROUP"

    @property
    def words(self) -> str:
        return _KIND_WORDS[self]


_KIND_WORDS = {
    ConflictKind.PREMISES: "same premises",
    ConflictKind.PLACE_TIME: "same place and time",
    ConflictKind.TARGET: "same target",
    ConflictKind.GROUP: "same organised crime group",
}


class ConflictGrade(StrEnum):
    """How urgent a conflict is: red stops an operation until the desk resolves it."""

    RED = "RED"
    AMBER = "AMBER"
    INFORMATION = "INFORMATION"

    @property
    def rank(self) -> int:
        """Higher is more serious: red 2, amber 1, information 0."""
        return {ConflictGrade.RED: 2, ConflictGrade.AMBER: 1, ConflictGrade.INFORMATION: 0}[self]


class ConflictStatus(StrEnum):
    """``OPEN`` until resolved; ``LAPSED`` when it no longer holds (an operation moved, ended or left)."""

    OPEN = "OPEN"
    RESOLVED = "RESOLVED"
    LAPSED = "LAPSED"


class ConflictResolution(StrEnum):
    """What the agencies agreed, recorded by the deconfliction desk with a rationale."""

    PROCEED = "PROCEED"
    JOINT = "JOINT"
    DELAY = "DELAY"
    CANCEL = "CANCEL"
    NO_CONFLICT = "NO_CONFLICT"

    @property
    def names_operation(self) -> bool:
        """Delay and cancel say which operation gives way."""
        return self in (ConflictResolution.DELAY, ConflictResolution.CANCEL)


class TargetKind(StrEnum):
    """What identifies a target of an operation, or the subject of an interest."""

    PERSON = "PERSON"  # a name and a date of birth
    PHONE = "PHONE"
    VRM = "VRM"
    VIN = "VIN"
    EMAIL = "EMAIL"
    COMPANY_NUMBER = "COMPANY_NUMBER"
    UPRN = "UPRN"
    IP_ADDRESS = "IP_ADDRESS"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    #: A resolved entity picked by its number (from the entity page).
    ENTITY = "ENTITY"


class InterestSubject(StrEnum):
    """What an agency's standing interest is in."""

    PERSON = "PERSON"
    PREMISES = "PREMISES"
    VEHICLE = "VEHICLE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    BUSINESS = "BUSINESS"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    ONLINE_ACCOUNT = "ONLINE_ACCOUNT"
    GROUP = "GROUP"


class NotificationEvent(StrEnum):
    """What a deconfliction notification tells its recipient."""

    CONFLICT = "CONFLICT"  # a new conflict (or one found again after it had lapsed)
    REGRADED = "REGRADED"  # a conflict still holds, with another grade or kind
    LAPSED = "LAPSED"  # it no longer holds
    RESOLVED = "RESOLVED"  # the desk recorded the outcome
    ESCALATED = "ESCALATED"  # a red conflict was not resolved in time
    OUTCOME = "OUTCOME"  # an operation touching a flagged subject completed: ask about the outcome


class NotificationAudience(StrEnum):
    """An agency (one side, blind) or the deconfliction desk (everything)."""

    AGENCY = "AGENCY"
    DESK = "DESK"
