"""Shapes of /api/reports: which reports a reader may build, and in which formats."""

from __future__ import annotations

from pydantic import BaseModel


class ReportFormatPublic(BaseModel):
    format: str
    media_type: str
    url: str


class ReportKindPublic(BaseModel):
    """A report the reader may build: its copy holds only what they may see."""

    kind: str
    title: str
    description: str
    formats: list[ReportFormatPublic]
    #: Query parameters the report takes (name -> what it means).
    parameters: dict[str, str]


class ReportListPublic(BaseModel):
    reports: list[ReportKindPublic]
