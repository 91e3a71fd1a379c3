"""What one side of a conflict learns about the other: the blind notification rule.

Each side learns *that* it is in conflict, with which agency, whom to call, and the kind and grade of the
conflict, never the other side's name, officer, places, times or targets. When the other side is a
covert operation of another agency:

- a **partner** (an agency that is not police) learns only the hold message, "Hold: contact the police
  SOC desk", and the desk's contact: not the agency, the kind, nor the grade;
- a **police** agency learns the agency, kind and grade, and is told to call the desk (a covert team's own
  number is not given out).

The deconfliction desk sees everything, through its own views, never through this one.

>>> from crimelink.deconflict.rules import DEFAULT_RULES
>>> covert = Side("operation", agency_id=1, agency_code="POL", agency_name="Police", agency_is_police=True,
...               covert=True, contact="07700 900001")
>>> told = counterpart_for(viewer_agency_id=2, viewer_is_police=False, viewer_side="operation",
...                        other=covert, kinds=(), grade=None, rules=DEFAULT_RULES)
>>> told.hold, told.agency_code, told.message
(True, None, 'Hold: contact the police SOC desk.')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from crimelink.deconflict.rules import DeconflictionRules
from crimelink.domain.deconfliction import ConflictGrade, ConflictKind

SideKind = Literal["operation", "interest"]


@dataclass(frozen=True)
class Side:
    """What the rule needs to know about the other side (nothing of it is shown but what it decides)."""

    kind: SideKind
    agency_id: int
    agency_code: str
    agency_name: str
    agency_is_police: bool
    covert: bool
    #: The other side's 24-hour contact (an operation) or contact (an interest).
    contact: str


@dataclass(frozen=True)
class Counterpart:
    """The other side as one side may see it."""

    #: Only "hold and call the desk" may be said.
    hold: bool
    #: ``None`` when held.
    agency_code: str | None
    agency_name: str | None
    #: Whom to call: the other side's contact, or the desk's.
    contact: str
    #: ``operation`` or ``interest``; ``None`` when held.
    about: SideKind | None
    #: ConflictKind values; empty when held.
    kinds: tuple[str, ...]
    #: ``None`` when held.
    grade: str | None
    message: str


def hides_everything(*, viewer_agency_id: int, viewer_is_police: bool, other: Side) -> bool:
    """Whether the viewer may learn only the hold message about ``other``."""
    return other.covert and other.agency_id != viewer_agency_id and not viewer_is_police


def counterpart_for(
    *,
    viewer_agency_id: int,
    viewer_is_police: bool,
    viewer_side: SideKind,
    other: Side,
    kinds: Sequence[ConflictKind | str],
    grade: ConflictGrade | str | None,
    rules: DeconflictionRules,
) -> Counterpart:
    """What a viewer of ``viewer_agency_id`` may learn about ``other`` (see the module's rule)."""
    if hides_everything(viewer_agency_id=viewer_agency_id, viewer_is_police=viewer_is_police, other=other):
        return Counterpart(
            hold=True,
            agency_code=None,
            agency_name=None,
            contact=rules.desk_contact,
            about=None,
            kinds=(),
            grade=None,
            message=f"{rules.hold_message}.",
        )
    contact = rules.desk_contact if other.covert and other.agency_id != viewer_agency_id else other.contact
    kind_values = tuple(ConflictKind(k).value for k in kinds)
    grade_value = ConflictGrade(grade).value if grade is not None else None
    return Counterpart(
        hold=False,
        agency_code=other.agency_code,
        agency_name=other.agency_name,
        contact=contact,
        about=other.kind,
        kinds=kind_values,
        grade=grade_value,
        message=_message(viewer_side, other, kind_values, grade_value, contact),
    )


def _message(
    viewer_side: SideKind, other: Side, kinds: tuple[str, ...], grade: str | None, contact: str
) -> str:
    what = ", ".join(ConflictKind(k).words for k in kinds) or "conflict"
    level = f"{grade.capitalize()}: " if grade else ""
    if other.kind == "interest":
        return f"{level}{other.agency_name} has a standing interest ({what}). Contact {contact}."
    if viewer_side == "interest":
        return f"{level}{other.agency_name} has an operation touching a subject you flagged ({what}). Contact {contact}."
    return f"{level}conflict with an operation of {other.agency_name} ({what}). Contact {contact}."


def outcome_message(counterpart: Counterpart, rules: DeconflictionRules) -> str:
    """What an interest holder is told when an operation touching their subject completes."""
    if counterpart.hold:
        return f"There may be an outcome concerning a subject you flagged: contact {rules.desk_name} ({rules.desk_contact})."
    return (
        f"{counterpart.agency_name} has completed an operation touching a subject you flagged: there is an "
        f"outcome to ask about. Contact {counterpart.contact}."
    )
