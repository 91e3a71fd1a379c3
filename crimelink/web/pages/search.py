"""Searching records: what the viewer may see, and for the rest only who holds how many.

The JSON twin is /api/records/search. Records the policy hides are never listed, counted in the
results or described; each holding agency appears once, with a form to ask it for disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from crimelink.access.policy import Action
from crimelink.api.deps import SessionDep
from crimelink.services.callers import authorise
from crimelink.services.records import RecordView, SearchResult, search_records
from crimelink.web.deps import Viewer
from crimelink.web.pages.records import handling_text, main_party, marking_of, without_nul
from crimelink.web.rendering import render

router = APIRouter()

#: The API's limit on a query; a longer one is cut, not refused, so a pasted paragraph still searches.
MAX_QUERY = 200


@dataclass(frozen=True)
class Result:
    """One row of the results table."""

    record: RecordView
    party: str
    handling: str


@router.get("/search")
def search_page(request: Request, viewer: Viewer, db: SessionDep, q: str = "") -> Response:
    authorise(viewer.actor, Action.RECORD_SEARCH)  # refused before anything is searched, or shown
    query = without_nul(q).strip()[:MAX_QUERY]
    found: SearchResult | None = None
    if query:
        found = search_records(db, viewer.actor, query=query)
        db.commit()  # the search's audit event
    results = [
        Result(view, main_party(view.parties), handling_text(view.handling_code, view.handling_conditions))
        for view in (found.records if found else [])
    ]
    return render(
        request,
        "search.html",
        viewer=viewer,
        title="Search records",
        marking=marking_of([r.record for r in results]),
        json_url="/api/records/search" + (f"?{urlencode({'q': query})}" if query else ""),
        nav_key="search",
        query=query,
        found=found,
        results=results,
    )
