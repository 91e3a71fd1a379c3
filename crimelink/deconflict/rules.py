"""The deconfliction settings: buffer, radii, grades, escalation and the desk's words (``DOMAIN.md`` §6).

Every number and grade the detection uses lives in one frozen :class:`DeconflictionRules`; services take
one (``rules=...``) and default to :data:`DEFAULT_RULES`, the defaults ``DOMAIN.md`` proposes ("all
configurable"). A partnership sets its own in a YAML file (``CRIMELINK_DECONFLICTION_RULES_FILE``) naming
only the rules it changes; :func:`load_rules` reads and checks it, and the web application, the API and
the CLI pass the result to every service they call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from crimelink.domain.deconfliction import ConflictGrade
from crimelink.errors import ReferenceDataError

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


#: The rules a file may set, by the name it gives them, and how each is read.
_MINUTES = {"buffer_minutes": "buffer", "escalate_red_after_minutes": "escalate_red_after"}
_GRADES = {f.name for f in fields(DeconflictionRules) if f.name.endswith("_grade")}
_METRES = {f.name for f in fields(DeconflictionRules) if f.name.endswith("_m")}
_WORDS = {"desk_name", "desk_contact", "hold_message"}
RULE_NAMES = (*_MINUTES, *sorted(_METRES), *sorted(_GRADES), "blocking_grades", *sorted(_WORDS))


def rules_from_mapping(values: dict[str, Any], *, source: str = "the rules") -> DeconflictionRules:
    """The default rules with those ``values`` names changed; every problem named, one a line.

    >>> rules_from_mapping({"buffer_minutes": 60, "place_time_grade": "red"}).buffer
    datetime.timedelta(seconds=3600)
    """
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if name not in RULE_NAMES:
            problems.append(f"{source}: {name!r} is not a deconfliction rule; use {', '.join(RULE_NAMES)}")
        elif name in _MINUTES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{source}: {name}: give a number of minutes, not {value!r}")
            else:
                changes[_MINUTES[name]] = timedelta(minutes=value)
        elif name in _METRES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{source}: {name}: give a number of metres, not {value!r}")
            else:
                changes[name] = float(value)
        elif name in _GRADES:
            grade = _grade(value)
            if grade is None:
                problems.append(f"{source}: {name}: {value!r} is not a grade; use red, amber or information")
            else:
                changes[name] = grade
        elif name == "blocking_grades":
            grades = [_grade(item) for item in value] if isinstance(value, list) else [None]
            if None in grades:
                problems.append(
                    f"{source}: blocking_grades: give a list of grades (red, amber, information), not {value!r}"
                )
            else:
                changes[name] = frozenset(g for g in grades if g is not None)
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{source}: {name}: give the words as text")
        else:
            changes[name] = value.strip()
    if problems:
        raise ReferenceDataError("\n".join(problems))
    try:
        return replace(DEFAULT_RULES, **changes)
    except ValueError as exc:  # the rules' own checks (a negative buffer, radii out of order)
        raise ReferenceDataError(f"{source}: {exc}") from exc


def _grade(value: object) -> ConflictGrade | None:
    text = value.strip().upper() if isinstance(value, str) else ""
    return ConflictGrade(text) if text in ConflictGrade.__members__ else None


def load_rules(path: Path) -> DeconflictionRules:
    """The rules a YAML file sets (a mapping of rule names, :data:`RULE_NAMES`; the rest keep their
    defaults). Raises :class:`ReferenceDataError` naming the file and each rule that is wrong."""
    name = Path(path).name
    if not Path(path).is_file():
        raise ReferenceDataError(f"{name}: file not found in {Path(path).parent}")
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(
            f"{name}: not valid YAML ({exc}); fix the indentation or quoting shown"
        ) from exc
    if raw is None:
        return DEFAULT_RULES
    if not isinstance(raw, dict):
        raise ReferenceDataError(
            f"{name}: must be a mapping of rule names to values, e.g. buffer_minutes: 60"
        )
    return rules_from_mapping(raw, source=name)


@cache
def _rules_at(path: Path) -> DeconflictionRules:
    return load_rules(path)


def rules_from(path: Path | None) -> DeconflictionRules:
    """The rules a setting names (read once per path), or the defaults when it names no file."""
    return DEFAULT_RULES if path is None else _rules_at(Path(path))


def rules_as_mapping(rules: DeconflictionRules) -> dict[str, Any]:
    """The rules as a file would set them (every one), for showing what is in effect."""
    shown: dict[str, Any] = {
        alias: getattr(rules, name).total_seconds() / 60 for alias, name in _MINUTES.items()
    }
    shown.update({name: getattr(rules, name) for name in sorted(_METRES)})
    shown.update({name: getattr(rules, name).value.lower() for name in sorted(_GRADES)})
    shown["blocking_grades"] = sorted(g.value.lower() for g in rules.blocking_grades)
    shown.update({name: getattr(rules, name) for name in sorted(_WORDS)})
    return shown
