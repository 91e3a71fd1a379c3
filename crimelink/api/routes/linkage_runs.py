"""/api/linkage/runs: start batch entity resolution, and follow its progress to its summary.

Needs ``entity.resolve`` (analysts; API tokens with the ``import`` scope). One run at a time: starting
another while one is queued or running answers 409. Starting is audited; resolve audits what it did.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy import Engine

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.common import ErrorPublic, IdPath
from crimelink.api.schemas.linkage_runs import LinkageRunCreate, LinkageRunListPublic, LinkageRunPublic
from crimelink.services import linkage_runs

router = APIRouter(prefix="/linkage/runs", tags=["linkage"])


def store_engine(request: Request) -> Engine:
    """The application's store: a run works in transactions of its own, outside the request's session."""
    engine: Engine = request.app.state.engine
    return engine


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorPublic, "description": "Another run is queued or running"}},
)
def start_run(request: Request, body: LinkageRunCreate, actor: CurrentActor) -> LinkageRunPublic:
    """Start a run in the background (``queued``); poll ``GET /api/linkage/runs/{id}`` for its progress."""
    run = linkage_runs.start_run(
        store_engine(request), actor, threshold=body.threshold, review_from=body.review_from
    )
    return LinkageRunPublic.model_validate(asdict(run))


@router.get("")
def list_runs(
    db: SessionDep,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=linkage_runs.MAX_LIST_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> LinkageRunListPublic:
    """Runs, newest first, each with its steps and, once finished, its summary or error."""
    found = linkage_runs.list_runs(db, actor, limit=limit, offset=offset)
    return LinkageRunListPublic.model_validate(asdict(found))


@router.get("/{run_id}")
def get_run(run_id: IdPath, db: SessionDep, actor: CurrentActor) -> LinkageRunPublic:
    """One run: its status, each step with its seconds, then the summary (or why it failed)."""
    return LinkageRunPublic.model_validate(asdict(linkage_runs.get_run(db, actor, run_id)))
