"""Batch linkage runs: what to start one with, and a run with its progress and, at the end, its summary."""

from __future__ import annotations

from pydantic import BaseModel, Field

from crimelink.api.schemas.common import UtcDatetime


class LinkageRunCreate(BaseModel):
    """Pairs of people scored at or above ``threshold`` link; from ``review_from`` up to it they go to the
    review queue. ``0 < review_from <= threshold < 1``."""

    threshold: float = Field(default=0.9, gt=0, lt=1, allow_inf_nan=False)
    review_from: float = Field(default=0.5, gt=0, lt=1, allow_inf_nan=False)


class RunStepPublic(BaseModel):
    """One step: when it began (seconds from the run's start) and how long it took (so far)."""

    text: str
    started_after: float
    #: Null for the current step when the server reading the run is not the one running it.
    seconds: float | None


class ResolveSummaryPublic(BaseModel):
    """What a run did. ``entities_by_kind`` counts live (unmerged) entities after it."""

    records: int
    parties: int
    clusters: int
    new: int
    kept: int
    merged: int
    split: int
    links_created: int
    links_changed: int
    entities_by_kind: dict[str, int]
    seconds: float
    #: Pairs of people left for the review queue (scored between review_from and the threshold).
    review_pairs: int
    model_version: str


class LinkageRunPublic(BaseModel):
    """``status``: queued, running, succeeded or failed. ``summary`` once it succeeded, ``error`` if not."""

    id: int
    status: str
    threshold: float
    review_from: float
    started_by: str
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    current_step: str
    steps: list[RunStepPublic]
    summary: ResolveSummaryPublic | None
    error: str | None


class LinkageRunListPublic(BaseModel):
    """Runs, newest first."""

    runs: list[LinkageRunPublic]
    total: int
    limit: int
    offset: int
