"""Intelligence grading: 3x5x2 (current) and 5x5x5 (legacy, kept as given, never converted).

>>> Grading.parse("1B P").display
'1B P'
>>> Grading.parse("2C C", conditions=[HandlingCondition(HandlingConditionCode.POLICE_ONLY)]).display
'2C C'
>>> LegacyGrading.parse("B35").display
'B35 (5x5x5)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from crimelink.errors import GradingError


class SourceEvaluation(StrEnum):
    """3x5x2 source evaluation."""

    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"

    @property
    def label(self) -> str:
        return {"1": "Reliable", "2": "Untested", "3": "Not reliable"}[self.value]


class IntelligenceAssessment(StrEnum):
    """3x5x2 intelligence assessment."""

    KNOWN_DIRECTLY = "A"
    INDIRECT_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"

    @property
    def label(self) -> str:
        return {
            "A": "Known directly to the source",
            "B": "Known indirectly to the source but corroborated",
            "C": "Known indirectly to the source",
            "D": "Not known",
            "E": "Suspected to be false",
        }[self.value]


class HandlingCode(StrEnum):
    """3x5x2 handling code."""

    PERMITTED = "P"
    CONDITIONS = "C"

    @property
    def label(self) -> str:
        return {"P": "Lawful sharing permitted", "C": "Lawful sharing permitted with conditions"}[self.value]


class HandlingConditionCode(StrEnum):
    """Vocabulary of handling conditions (proposed, [U]: no APP list was found)."""

    NO_FURTHER_DISSEMINATION = "NO_FURTHER_DISSEMINATION"
    NOT_FOR_EVIDENTIAL_USE = "NOT_FOR_EVIDENTIAL_USE"
    POLICE_ONLY = "POLICE_ONLY"
    NAMED_RECIPIENTS = "NAMED_RECIPIENTS"
    REFER_TO_ORIGINATOR_BEFORE_ACTION = "REFER_TO_ORIGINATOR_BEFORE_ACTION"
    TIME_LIMITED = "TIME_LIMITED"
    FREE_TEXT = "FREE_TEXT"


@dataclass(frozen=True)
class HandlingCondition:
    """One condition attached to a C-coded item.

    ``recipients`` lists agency codes for NAMED_RECIPIENTS; ``until`` is required for TIME_LIMITED;
    ``text`` is required for FREE_TEXT.
    """

    code: HandlingConditionCode
    text: str = ""
    recipients: tuple[str, ...] = ()
    until: date | None = None

    def __post_init__(self) -> None:
        if self.code is HandlingConditionCode.NAMED_RECIPIENTS and not self.recipients:
            raise GradingError("a NAMED_RECIPIENTS condition must name at least one recipient agency")
        if self.code is HandlingConditionCode.TIME_LIMITED and self.until is None:
            raise GradingError("a TIME_LIMITED condition needs an 'until' date")
        if self.code is HandlingConditionCode.FREE_TEXT and not self.text.strip():
            raise GradingError("a FREE_TEXT condition needs its text")

    @classmethod
    def parse(cls, value: str) -> HandlingCondition:
        """Parse the compact written form used in partner files.

        ``POLICE_ONLY``, ``NAMED_RECIPIENTS:GLAA+LBX-HOUSING``, ``TIME_LIMITED:2027-01-31``,
        ``FREE_TEXT:do not approach the address``.
        """
        head, _, rest = value.strip().partition(":")
        try:
            code = HandlingConditionCode(head.strip().upper().replace(" ", "_").replace("-", "_"))
        except ValueError:
            known = ", ".join(c.value for c in HandlingConditionCode)
            raise GradingError(f"unknown handling condition {head!r}; use one of {known}") from None
        rest = rest.strip()
        if code is HandlingConditionCode.NAMED_RECIPIENTS:
            return cls(code, recipients=tuple(r.strip() for r in re.split(r"[+;,]", rest) if r.strip()))
        if code is HandlingConditionCode.TIME_LIMITED:
            try:
                until = date.fromisoformat(rest) if rest else None
            except ValueError:
                raise GradingError(f"TIME_LIMITED needs an ISO date (YYYY-MM-DD), got {rest!r}") from None
            return cls(code, until=until)
        return cls(code, text=rest)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code.value,
            "text": self.text,
            "recipients": list(self.recipients),
            "until": self.until.isoformat() if self.until else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> HandlingCondition:
        until = data.get("until")
        recipients = data.get("recipients") or []
        return cls(
            HandlingConditionCode(str(data["code"])),
            text=str(data.get("text") or ""),
            recipients=tuple(str(r) for r in recipients) if isinstance(recipients, list) else (),
            until=date.fromisoformat(str(until)) if until else None,
        )


@dataclass(frozen=True)
class Grading:
    """A 3x5x2 grade. A ``C`` handling code requires at least one condition."""

    source: SourceEvaluation
    assessment: IntelligenceAssessment
    handling: HandlingCode
    conditions: tuple[HandlingCondition, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.handling is HandlingCode.CONDITIONS and not self.conditions:
            raise GradingError("handling code C needs at least one handling condition")
        if self.handling is HandlingCode.PERMITTED and self.conditions:
            raise GradingError("handling code P carries no conditions; use C to attach conditions")

    @property
    def display(self) -> str:
        return f"{self.source.value}{self.assessment.value} {self.handling.value}"

    def __str__(self) -> str:
        return self.display

    @classmethod
    def of(
        cls,
        source: str,
        assessment: str,
        handling: str,
        conditions: tuple[HandlingCondition, ...] | list[HandlingCondition] = (),
    ) -> Grading:
        """Build from the three codes, with clear errors for values outside 3x5x2."""
        try:
            s = SourceEvaluation(str(source).strip())
        except ValueError:
            raise GradingError(f"source evaluation must be 1, 2 or 3, got {source!r}") from None
        try:
            a = IntelligenceAssessment(str(assessment).strip().upper())
        except ValueError:
            raise GradingError(f"intelligence assessment must be A to E, got {assessment!r}") from None
        try:
            h = HandlingCode(str(handling).strip().upper())
        except ValueError:
            raise GradingError(f"handling code must be P or C, got {handling!r}") from None
        return cls(s, a, h, tuple(conditions))

    @classmethod
    def parse(
        cls, text: str, conditions: tuple[HandlingCondition, ...] | list[HandlingCondition] = ()
    ) -> Grading:
        """Parse the display form, e.g. ``1B P`` or ``2C C``."""
        compact = "".join(str(text).split())
        if len(compact) != 3:
            raise GradingError(f"not a 3x5x2 grade: {text!r} (expected e.g. '1B P')")
        # Build from the three codes so the error names the part that is wrong.
        return cls.of(compact[0], compact[1], compact[2], conditions)


class LegacySource(StrEnum):
    """5x5x5 source evaluation (legacy)."""

    ALWAYS_RELIABLE = "A"
    MOSTLY_RELIABLE = "B"
    SOMETIMES_RELIABLE = "C"
    UNRELIABLE = "D"
    UNTESTED = "E"


class LegacyIntelligence(StrEnum):
    """5x5x5 intelligence evaluation (legacy)."""

    KNOWN_TRUE = "1"
    KNOWN_TO_SOURCE = "2"
    CORROBORATED = "3"
    CANNOT_BE_JUDGED = "4"
    SUSPECTED_FALSE = "5"


class LegacyHandling(StrEnum):
    """5x5x5 handling code (legacy)."""

    H1 = "1"
    H2 = "2"
    H3 = "3"
    H4 = "4"
    H5 = "5"


_LEGACY = re.compile(r"^\s*([A-Ea-e])\s*([1-5])\s*([1-5])\s*$")


@dataclass(frozen=True)
class LegacyGrading:
    """A 5x5x5 grade kept exactly as given. There is no official conversion to 3x5x2; none is offered."""

    source: LegacySource
    intelligence: LegacyIntelligence
    handling: LegacyHandling

    @property
    def code(self) -> str:
        return f"{self.source.value}{self.intelligence.value}{self.handling.value}"

    @property
    def display(self) -> str:
        return f"{self.code} (5x5x5)"

    def __str__(self) -> str:
        return self.display

    @classmethod
    def parse(cls, text: str) -> LegacyGrading:
        m = _LEGACY.match(text)
        if not m:
            raise GradingError(f"not a 5x5x5 grade: {text!r} (expected e.g. 'B35')")
        return cls(
            LegacySource(m.group(1).upper()), LegacyIntelligence(m.group(2)), LegacyHandling(m.group(3))
        )


def grade_label(
    source: SourceEvaluation | None,
    assessment: IntelligenceAssessment | None,
    handling: HandlingCode,
    legacy_code: str | None,
) -> str:
    """How a stored evaluation is shown: the 3x5x2 form when present, else the legacy 5x5x5 code.

    >>> grade_label(SourceEvaluation.RELIABLE, IntelligenceAssessment.KNOWN_DIRECTLY, HandlingCode.PERMITTED, None)
    '1A P'
    >>> grade_label(None, None, HandlingCode.CONDITIONS, "B35")
    'B35 (5x5x5)'
    """
    if source is not None and assessment is not None:
        return f"{source.value}{assessment.value} {handling.value}"
    return f"{legacy_code} (5x5x5)"
