"""Time windows of operations: overlap within a buffer, standing operations that run for their span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: The end of time for a standing operation registered without an end.
FOREVER = datetime.max.replace(tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """When an operation runs: ``start`` to ``end``; a standing operation may have no end (``None``).

    >>> from datetime import datetime, timedelta, UTC
    >>> day = datetime(2026, 3, 3, 6, tzinfo=UTC)
    >>> Window(day, day + timedelta(hours=2)).overlaps(Window(day + timedelta(hours=3), None), timedelta(hours=2))
    True
    """

    start: datetime
    end: datetime | None
    standing: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", as_utc(self.end))
            if self.end < self.start:
                raise ValueError("ends_at: the window ends before it starts")
        elif not self.standing:
            raise ValueError("ends_at: a window that is not standing needs an end")

    @property
    def last(self) -> datetime:
        """The end, or the end of time for an open standing window."""
        return self.end if self.end is not None else FOREVER

    def gap(self, other: Window) -> timedelta:
        """Time between the two windows; zero when they overlap."""
        if other.start > self.last:
            return other.start - self.last
        if self.start > other.last:
            return self.start - other.last
        return timedelta(0)

    def overlaps(self, other: Window, buffer: timedelta = timedelta(0)) -> bool:
        """Whether the windows overlap once the gap of ``buffer`` is forgiven."""
        return self.gap(other) <= buffer

    def widened(self, buffer: timedelta) -> tuple[datetime, datetime]:
        """The window stretched by ``buffer`` each side (the end of time stays the end of time)."""
        try:
            start = self.start - buffer
        except OverflowError:
            start = datetime.min.replace(tzinfo=UTC)
        try:
            end = self.last + buffer
        except OverflowError:
            end = FOREVER
        return start, end
