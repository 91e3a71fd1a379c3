"""The export page: download what you may see for Aleph, i2 Analyst's Notebook, Gephi or a spreadsheet.

JSON twin: /api/exports (the formats) and /api/exports/{format} (the file). The form is sent as
``GET /exports/download?format=&scope=&group=&entities=``, which answers with the file, or with the
form again saying what is wrong. Every export is audited; its content is only what the actor's network
holds (docs/exports.md).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from crimelink.access import Action
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.reports.exports import FORMATS, ExportFormat, ExportScope, run_export
from crimelink.services.callers import authorise
from crimelink.services.exports import exportable_groups
from crimelink.web.deps import Viewer
from crimelink.web.pages.records import without_nul
from crimelink.web.rendering import render

router = APIRouter()

FIELD_LABELS = {
    "format": "Format",
    "scope": "What to export",
    "group": "Group",
    "entities": "Entity numbers",
}
SCOPES = (
    ("network", "Your whole network"),
    ("group", "One confirmed group: its members, the things they share and the links between them"),
    ("entities", "Chosen entities and the links between them"),
)
_NUMBERS = re.compile(r"[\s,;]+")
CHUNK = 1 << 16


def _page(
    request: Request, viewer: Viewer, db: SessionDep, values: dict[str, str], errors: dict[str, str]
) -> Response:
    groups = exportable_groups(db, viewer.actor)
    return render(
        request,
        "exports/export.html",
        viewer=viewer,
        title="Export",
        status_code=400 if errors else 200,
        json_url="/api/exports",
        nav_key="exports",
        formats=[(fmt.value, info) for fmt, info in FORMATS.items()],
        scopes=[s for s in SCOPES if s[0] != "group" or groups],
        groups=[(str(group_id), name) for group_id, name in groups],
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
    )


def _values(request: Request) -> dict[str, str]:
    names = ("format", "scope", "group", "entities")
    values = {name: without_nul(request.query_params.get(name, "")).strip() for name in names}
    if not values["scope"]:
        values["scope"] = "group" if values["group"] else "entities" if values["entities"] else "network"
    values["format"] = values["format"] or ExportFormat.FTM.value
    return values


@router.get("/exports")
def export_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.EXPORT_RUN)
    return _page(request, viewer, db, _values(request), {})


def _scope(values: dict[str, str], errors: dict[str, str]) -> ExportScope | None:
    if values["format"] not in {f.value for f in ExportFormat}:
        errors["format"] = "choose one of the formats listed"
    scope = values["scope"]
    if scope == "group":
        group = values["group"]
        if not group.isdigit() or not 1 <= int(group) <= MAX_ID:
            errors["group"] = "choose the group to export"
        return None if errors else ExportScope(group_id=int(group))
    if scope == "entities":
        parts = [p for p in _NUMBERS.split(values["entities"]) if p]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= MAX_ID for p in parts):
            errors["entities"] = "give entity numbers (digits), separated by commas or spaces, e.g. 12, 40"
        return None if errors else ExportScope(entity_ids=tuple(int(p) for p in parts))
    if scope != "network":
        errors["scope"] = "choose what to export"
    return None if errors else ExportScope()


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


@router.get("/exports/download")
def download(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    authorise(viewer.actor, Action.EXPORT_RUN)
    values = _values(request)
    errors: dict[str, str] = {}
    scope = _scope(values, errors)
    if scope is None:
        return _page(request, viewer, db, values, errors)
    handle = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (closed by _chunks)
    try:
        result = run_export(db, viewer.actor, values["format"], out=handle, scope=scope)
    except (InvalidInputError, NotFoundError) as exc:
        db.rollback()
        handle.close()
        field = "group" if scope.group_id is not None else "entities"
        errors[field] = str(exc) if isinstance(exc, NotFoundError) else "; ".join(exc.problems.values())
        return _page(request, viewer, db, values, errors)
    except BaseException:
        handle.close()
        raise
    db.commit()
    handle.seek(0)
    return StreamingResponse(
        _chunks(handle),
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
