"""Who else knows this? The entity page and the cross-agency report.

JSON twins: /api/entities/{id} and /api/reports/cross-agency. An entity is shown as the records the
viewer may see describe it; of the rest, only which agency holds how many and whom to ask, with the
same disclosure-request form as search. A merged entity's address redirects to its survivor.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from crimelink.access.policy import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.domain import Classification, EntityKind
from crimelink.errors import InvalidInputError
from crimelink.services.callers import authorise
from crimelink.services.cross_agency import cross_agency_report
from crimelink.services.entities import LinkExplanation, get_entity, survivor_id
from crimelink.services.review import judgements_for_entity
from crimelink.web.deps import Viewer
from crimelink.web.labels import label
from crimelink.web.pages.records import field_label, field_value, handling_text
from crimelink.web.pages.review import DECISION_LABELS
from crimelink.web.rendering import render

router = APIRouter()

#: Entities per page of the cross-agency report.
PAGE_SIZE = 50
#: The "known to at least" choices offered on the report.
MIN_AGENCY_CHOICES = (2, 3, 4, 5, 6)

CONNECTION_LABELS = {"SAME_RECORD": "on the same record"}


def link_text(link: LinkExplanation) -> str:
    """How a record was linked, in words a reader can weigh.

    >>> link_text(LinkExplanation("subject", "probabilistic", 0.9731, "3f2a"))
    'probabilistic match: 97.3% likely the same'
    """
    if link.method == "deterministic":
        return "same identifier (deterministic)"
    if link.method == "probabilistic" and link.match_probability is not None:
        return f"probabilistic match: {link.match_probability:.1%} likely the same"
    if link.method == "new":
        return "no other record matched it when it was linked"
    if link.method == "judgement":
        return "a person's judgement"
    return f"rule: {label(link.method).lower()}"


def entity_name(kind: str, entity_id: int, display_name: str | None) -> str:
    """The name the viewer's records give an entity, else its kind and number ("Person 42")."""
    return display_name or f"{label(kind)} {entity_id}"


def connection_text(connections: list[str]) -> str:
    return "; ".join(CONNECTION_LABELS.get(c) or label(c).lower() for c in connections)


@router.get("/entities/{entity_id}")
def entity_page(
    request: Request,
    entity_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    viewer: Viewer,
    db: SessionDep,
    merged_from: str = "",
) -> Response:
    actor = viewer.actor
    survivor = survivor_id(db, actor, entity_id)
    if survivor != entity_id:
        return RedirectResponse(f"/entities/{survivor}?{urlencode({'merged_from': entity_id})}", 303)
    view = get_entity(db, actor, entity_id)
    judgements = judgements_for_entity(db, actor, view.id) if view.display_name else []
    db.commit()  # the views' audit events
    notice = ""
    if merged_from.isdigit() and int(merged_from) in view.merged_ids:
        notice = f"Entity {merged_from} was merged into this one when their records were found to match."
    kind = label(view.kind)
    return render(
        request,
        "entities/entity.html",
        viewer=viewer,
        title=entity_name(view.kind, view.id, view.display_name),
        marking=Classification(view.marking),
        json_url=f"/api/entities/{view.id}",
        nav_key="cross_agency",
        notice=notice,
        view=view,
        kind=kind,
        total_records=view.visible_records + view.hidden_records,
        shown_agencies=[a for a in view.agencies if a.records],
        held_elsewhere=view.held_elsewhere,
        record_keys={r.id: r.source_key for a in view.agencies for r in a.records},
        field_label=field_label,
        field_value=field_value,
        handling_text=handling_text,
        link_text=link_text,
        entity_name=entity_name,
        connection_text=connection_text,
        judgements=judgements,
        may_judge=bool(allowed(actor, Action.ENTITY_JUDGE)),
        decision_labels=DECISION_LABELS,
    )


def _kind(value: str) -> EntityKind | None:
    if not value:
        return None
    try:
        return EntityKind(value)
    except ValueError:
        raise InvalidInputError("kind", "choose one of the kinds offered") from None


@router.get("/reports/cross-agency")
def cross_agency_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    kind: str = "",
    min_agencies: Annotated[int, Query(ge=2, le=100)] = 2,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    authorise(viewer.actor, Action.RECORD_SEARCH)  # refused before anything is counted
    chosen = _kind(kind)
    report = cross_agency_report(
        db,
        viewer.actor,
        min_agencies=min_agencies,
        kind=chosen,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    db.commit()  # the report's audit event
    filters = {"min_agencies": min_agencies} | ({"kind": chosen.value} if chosen else {})
    pages = max(1, -(-report.total // PAGE_SIZE))
    return render(
        request,
        "entities/report.html",
        viewer=viewer,
        title="Known to more than one agency",
        marking=Classification(report.marking),
        json_url="/api/reports/cross-agency?"
        + urlencode(filters | {"limit": PAGE_SIZE, "offset": report.offset}),
        nav_key="cross_agency",
        report=report,
        rows=[
            (entity, entity_name(entity.kind, entity.id, entity.display_name)) for entity in report.entities
        ],
        all_kinds=sum(report.kinds.values()),
        kind_choices=[
            (k.value, report.kinds.get(k.value, 0))
            for k in EntityKind
            if k.value in report.kinds or k is chosen
        ],
        min_choices=sorted({*MIN_AGENCY_CHOICES, min_agencies}),
        page=page,
        pages=pages,
        previous_url=_page_url(filters, page - 1) if page > 1 else "",
        next_url=_page_url(filters, page + 1) if page < pages else "",
        first_shown=report.offset + 1,
        last_shown=report.offset + len(report.entities),
    )


def _page_url(filters: dict[str, int | str], page: int) -> str:
    return "/reports/cross-agency?" + urlencode(filters | ({"page": page} if page > 1 else {}))
