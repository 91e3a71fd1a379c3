"""/api/exports: download what you may see as FollowTheMoney, CSV, i2 CSV, GraphML or GEXF.

Needs ``export.run`` (advisors, analysts and partner officers; API tokens with the ``read`` scope) and,
for a group, ``group.view``. An export is built only from the current records you may see, exactly as
your network is, and every export is audited with its format, scope and counts (docs/exports.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from crimelink.access import Action
from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.api.schemas.exports import ExportFormatPublic, ExportFormatsPublic
from crimelink.reports.exports import FORMATS, ExportFormat, ExportScope, run_export
from crimelink.services.callers import authorise

router = APIRouter(prefix="/exports", tags=["exports"])

#: Bytes sent per chunk of a streamed export.
CHUNK = 1 << 16


@router.get("")
def list_formats(actor: CurrentActor) -> ExportFormatsPublic:
    """The formats you may export in, each with its download URL."""
    authorise(actor, Action.EXPORT_RUN)
    return ExportFormatsPublic(
        formats=[
            ExportFormatPublic(
                format=fmt.value,
                label=info.label,
                extension=info.extension,
                media_type=info.media_type,
                purpose=info.purpose,
                url=f"/api/exports/{fmt.value}",
            )
            for fmt, info in FORMATS.items()
        ]
    )


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


@router.get(
    "/{export_format}",
    response_class=StreamingResponse,
    responses={200: {"content": {info.media_type: {} for info in FORMATS.values()}}},
)
def download(
    export_format: ExportFormat,
    db: SessionDep,
    actor: CurrentActor,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this confirmed group")] = None,
    entity: Annotated[
        list[int] | None, Query(description="Only these entities and the links between them (repeat)")
    ] = None,
) -> StreamingResponse:
    """Your network (or one group, or some entities) as a file; the export is audited."""
    scope = ExportScope(group_id=group_id, entity_ids=tuple(entity or ()))
    # Written whole first (kept in memory up to 8 MB, then on disk), so an error is an error response
    # rather than half a file, and the audit is committed before the first byte leaves.
    handle = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (closed by _chunks)
    try:
        result = run_export(db, actor, export_format, out=handle, scope=scope)
        db.commit()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return StreamingResponse(
        _chunks(handle),
        media_type=result.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "X-Crimelink-Entities": str(result.entities),
            "X-Crimelink-Links": str(result.links),
            "X-Crimelink-Marking": result.marking,
        },
    )
