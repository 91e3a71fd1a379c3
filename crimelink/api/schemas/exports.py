"""Exports: the formats on offer (the export page's JSON twin)."""

from __future__ import annotations

from pydantic import BaseModel


class ExportFormatPublic(BaseModel):
    """One export format: what it is for and where to download it."""

    #: ``ftm``, ``csv``, ``i2``, ``graphml`` or ``gexf``.
    format: str
    label: str
    #: How the downloaded file's name ends, e.g. ``.ftm.json``.
    extension: str
    media_type: str
    purpose: str
    #: ``GET`` this (add ``group_id=`` or ``entity=`` to narrow it) to download the file.
    url: str


class ExportFormatsPublic(BaseModel):
    formats: list[ExportFormatPublic]
