"""Crimelink's exceptions.

Every error the product raises on purpose derives from :class:`CrimelinkError`, so callers
(the CLI, the API) can catch one type and show its message, which always says what to do next::

    CrimelinkError
    ├── ConfigurationError      settings or environment are wrong
    ├── GradingError            a 3x5x2 / 5x5x5 grade or handling condition is invalid
    ├── ClassificationError     a marking is unknown, or SECRET and above (which we refuse)
    ├── ReferenceDataError      a reference data file (threat areas, tactics, ...) fails validation
    ├── MappingError            a dataset's column mapping is invalid
    ├── NormalisationError      one field value cannot be normalised (carries the field)
    ├── ImportFileError         a partner file cannot be read at all (carries the file)
    ├── StoreError              the database is not usable (not migrated, wrong URL, ...)
    ├── NotFoundError           no such thing (and nothing said about whether it exists elsewhere)
    ├── PermissionDeniedError   the access policy refused the action (carries the reason;
    │                           also named AccessDeniedError)
    └── InvalidInputError       a form or request failed validation (carries field -> problem)
        └── ConflictError       the value would duplicate one that must be unique
"""

from __future__ import annotations


class CrimelinkError(Exception):
    """Base class of every error Crimelink raises on purpose."""


class ConfigurationError(CrimelinkError):
    """Settings or the environment are not usable."""


class GradingError(CrimelinkError, ValueError):
    """An intelligence grade, handling code or handling condition is invalid."""


class ClassificationError(CrimelinkError, ValueError):
    """A security classification is unknown, or above what Crimelink may hold."""


class ReferenceDataError(CrimelinkError):
    """A reference data file failed validation."""


class MappingError(CrimelinkError):
    """A dataset column mapping is invalid."""


class NormalisationError(CrimelinkError, ValueError):
    """A single value could not be normalised.

    ``field`` names the canonical field (``dob``, ``postcode`` ...) being normalised.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ImportFileError(CrimelinkError):
    """A partner file could not be read at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(CrimelinkError):
    """The database cannot be used as asked."""


class NotFoundError(CrimelinkError):
    """The thing asked for does not exist (or is not one the caller may know about)."""


class PermissionDeniedError(CrimelinkError):
    """The access policy refused the action; ``reason`` is the policy's explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not allowed: {reason}")
        self.reason = reason


#: The same error under the name the web layer uses.
AccessDeniedError = PermissionDeniedError


class InvalidInputError(CrimelinkError, ValueError):
    """Input failed validation. ``problems`` maps each field to what is wrong with it.

    Raise it with a mapping, ``InvalidInputError({"dob": "not a date"})``, or for one field,
    ``InvalidInputError("dob", "not a date")``; ``field`` and ``message`` name the first problem.
    """

    def __init__(self, problems: dict[str, str] | str, message: str = "") -> None:
        found = {problems: message} if isinstance(problems, str) else dict(problems)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in found.items()))
        self.problems = found
        self.field, self.message = next(iter(found.items()))


class ConflictError(InvalidInputError):
    """The value of ``field`` would duplicate one that must be unique."""
