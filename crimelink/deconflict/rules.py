"""The deconfliction settings: buffer, radii, grades, escalation and the desk's words (``DOMAIN.md`` §6).

Every number and grade the detection uses lives in one frozen :class:`DeconflictionRules`; services take
one (``rules=...``) and default to :data:`DEFAULT_RULES`, the defaults ``DOMAIN.md`` proposes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from crimelink.domain.deconfliction import ConflictGrade

#: The largest radius the spatial index serves well (a check looks up every grid cell the circle covers).
LARGEST_RADIUS_M = 5000.0


@dataclass(frozen=True)
class DeconflictionRules:
    """How conflicts are found, graded, escalated and worded.

    >>> DeconflictionRules(buffer=timedelta(hours=1)).buffer
    datetime.timedelta(seconds=3600)
    """

    #: Two windows conflict when the gap between them is at most this (``DOMAIN.md``: ±2 hours).
    buffer: timedelta = timedelta(hours=2)
    #: The radius given to a location registered without one (urban default).
    default_radius_m: float = 300.0
    #: The radius forms offer for a rural location.
    rural_radius_m: float = 1000.0
    min_radius_m: float = 10.0
    max_radius_m: float = 2000.0
    #: Same UPRN or resolved premises at overlapping times.
    premises_grade: ConflictGrade = ConflictGrade.RED
    #: Within the larger radius at overlapping times...
    place_time_grade: ConflictGrade = ConflictGrade.AMBER
    #: ... when either operation is covert or armed.
    place_time_covert_or_armed_grade: ConflictGrade = ConflictGrade.RED
    #: The same target, at overlapping times / at other times.
    target_overlapping_grade: ConflictGrade = ConflictGrade.RED
    target_apart_grade: ConflictGrade = ConflictGrade.AMBER
    #: An operation touching another agency's flagged subject: call first / for information.
    interest_consult_grade: ConflictGrade = ConflictGrade.AMBER
    interest_inform_grade: ConflictGrade = ConflictGrade.INFORMATION
    #: An operation targeting a member of a flagged organised crime group.
    group_member_grade: ConflictGrade = ConflictGrade.INFORMATION
    #: Open conflicts of these grades hold an operation at "conflict pending".
    blocking_grades: frozenset[ConflictGrade] = field(
        default=frozenset({ConflictGrade.RED, ConflictGrade.AMBER})
    )
    #: An unresolved red conflict older than this is escalated to the duty inspector.
    escalate_red_after: timedelta = timedelta(hours=1)
    #: Whom a partner is told to call about a covert operation, and how.
    desk_name: str = "the police SOC desk"
    desk_contact: str = "Police SOC deconfliction desk (24 hours)"
    hold_message: str = "Hold: contact the police SOC desk"

    def __post_init__(self) -> None:
        if self.buffer < timedelta(0):
            raise ValueError("buffer: must not be negative")
        if not 0 < self.min_radius_m <= self.default_radius_m <= self.max_radius_m <= LARGEST_RADIUS_M:
            raise ValueError(
                "radii: need 0 < min_radius_m <= default_radius_m <= max_radius_m <= "
                f"{LARGEST_RADIUS_M:g} metres"
            )
        if not self.min_radius_m <= self.rural_radius_m <= self.max_radius_m:
            raise ValueError("rural_radius_m: must lie between min_radius_m and max_radius_m")
        if self.escalate_red_after <= timedelta(0):
            raise ValueError("escalate_red_after: must be positive")

    def blocks(self, grade: ConflictGrade) -> bool:
        """Whether an open conflict of ``grade`` holds an operation until it is resolved."""
        return grade in self.blocking_grades


DEFAULT_RULES = DeconflictionRules()
