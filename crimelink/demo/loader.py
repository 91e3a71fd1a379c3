"""Load a generated demo borough into the store through the ordinary import path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crimelink.domain import AgencyKind
from crimelink.errors import ImportFileError
from crimelink.ingest.importer import ImportSummary, ProgressCallback, import_file
from crimelink.ingest.mapping import load_mapping
from crimelink.ingest.readers import open_partner_file
from crimelink.services.agencies import register_agency
from crimelink.store.engine import session_scope
from crimelink.store.models import Agency, Dataset, ImportRun


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.yaml"
    if not path.is_file():
        raise ImportFileError(str(path), "no demo manifest here: run `crimelink demo generate` first")
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or "agencies" not in manifest or "datasets" not in manifest:
        raise ImportFileError(str(path), "not a demo manifest (needs 'agencies' and 'datasets')")
    return manifest


def load_demo(
    engine: Engine,
    directory: Path,
    *,
    batch_size: int = 2000,
    phone_region: str = "GB",
    on_dataset: Callable[[str], ProgressCallback | None] | None = None,
) -> list[ImportSummary]:
    """Register the demo's agencies and import every dataset in the manifest's order."""
    manifest = read_manifest(directory)
    with session_scope(engine) as session:
        for agency in manifest["agencies"]:
            register_agency(
                session,
                code=agency["code"],
                name=agency["name"],
                kind=AgencyKind(agency["kind"]),
                contact=agency.get("contact", ""),
                actor="system:demo-load",
            )
    summaries = []
    for entry in manifest["datasets"]:
        mapping = load_mapping(directory / entry["mapping"])
        progress = on_dataset(f"{mapping.agency}/{mapping.dataset}") if on_dataset else None
        summaries.append(
            import_file(
                engine,
                directory / entry["file"],
                mapping,
                batch_size=batch_size,
                phone_region=phone_region,
                actor="system:demo-load",
                progress=progress,
            )
        )
    return summaries


def already_loaded(engine: Engine, directory: Path) -> bool:
    """Whether every demo file has been imported to the end, unchanged, with its current mapping.

    Loading again would store nothing new; this answers that in a second instead of re-reading
    every row.
    """
    manifest = read_manifest(directory)
    with Session(engine) as session:
        for entry in manifest["datasets"]:
            mapping = load_mapping(directory / entry["mapping"])
            source = open_partner_file(directory / entry["file"], mapping)
            completed = session.scalar(
                select(ImportRun.id)
                .join(Dataset, Dataset.id == ImportRun.dataset_id)
                .join(Agency, Agency.id == Dataset.agency_id)
                .where(
                    Agency.code == mapping.agency,
                    Dataset.code == mapping.dataset,
                    ImportRun.file_sha256 == source.sha256,
                    ImportRun.mapping_hash == mapping.content_hash,
                    ImportRun.status == "completed",
                )
                .limit(1)
            )
            if completed is None:
                return False
    return True
