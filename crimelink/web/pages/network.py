"""The network explorer: people, places and things linked by the records the viewer may see.

JSON twins: /api/network (the view, as Cytoscape.js elements) and /api/network/path. The page draws the
view with Cytoscape.js (``static/network.js``, which reads its URLs from ``data-`` attributes: the
Content-Security-Policy allows no inline script) and lists the strongest links of the view in a table,
so it is usable without JavaScript; the path form, sent as ``GET /network?from=&to=``, is answered on
the page itself, and ``network.js`` answers it in place from the API when it can.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import Action, allowed
from crimelink.api.deps import SessionDep
from crimelink.api.schemas.common import MAX_ID
from crimelink.domain import Classification, CriminalityType
from crimelink.errors import InvalidInputError, NotFoundError
from crimelink.services import explorer
from crimelink.services.entities import highest_marking
from crimelink.store.models import OrganisedCrimeGroup
from crimelink.web.deps import Viewer
from crimelink.web.pages.records import without_nul
from crimelink.web.pages.safeguarding import threat_label
from crimelink.web.rendering import render, today

router = APIRouter()

#: Links listed in the table under the diagram.
LINKS_LISTED = 25
#: Records named per link in that table.
RECORDS_PER_LINK = 5
_CANDIDATE_KEY = re.compile(r"^cg-[0-9a-f]{12}$")
FIELD_LABELS = {
    "threat": "Threat area",
    "since": "From",
    "until": "To",
    "group": "Group",
    "candidate": "Candidate group",
    "entity": "Entity number",
    "radius": "Links out from it",
    "max_nodes": "Most entities to draw",
    "from": "From entity",
    "to": "To entity",
    "path-from": "From entity",
    "path-to": "To entity",
}


def _id(value: str, name: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= MAX_ID:
        return int(value)
    errors[name] = "give an entity or group number (digits only)"
    return None


def _date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "give a date as year-month-day, e.g. 2025-06-01"
        return None


def _filters(values: dict[str, str], errors: dict[str, str]) -> explorer.ExplorerFilters | None:
    """The view's filters from the query, or ``None`` with ``errors`` saying what is wrong."""
    threat = values["threat"]
    if threat and threat not in CriminalityType.__members__:
        errors["threat"] = "choose a threat area from the list"
    since, until = _date(values["since"], "since", errors), _date(values["until"], "until", errors)
    group = _id(values["group"], "group", errors)
    candidate = values["candidate"] or None
    if candidate and not _CANDIDATE_KEY.match(candidate):
        errors["candidate"] = (
            "a candidate group's key is cg- and 12 letters and digits, as the groups page shows it"
        )
    entity = _id(values["entity"], "entity", errors)
    radius = values["radius"] or "1"
    if radius not in ("1", "2"):
        errors["radius"] = "choose 1 or 2 links"
    max_nodes = values["max_nodes"] or str(explorer.DEFAULT_MAX_NODES)
    if not max_nodes.isdigit() or not 1 <= int(max_nodes) <= explorer.MAX_NODES_LIMIT:
        errors["max_nodes"] = f"give a number from 1 to {explorer.MAX_NODES_LIMIT}"
    if errors:
        return None
    try:
        return explorer.ExplorerFilters(
            threats=(threat,) if threat else (),
            since=since,
            until=until,
            group_id=group,
            candidate=candidate,
            entity_id=entity,
            radius=int(radius),
            max_nodes=int(max_nodes),
        )
    except InvalidInputError as exc:
        errors.update(exc.problems)
        return None


def strongest_links(view: explorer.NetworkView, limit: int = LINKS_LISTED) -> list[dict[str, Any]]:
    """The heaviest links of a view, with both ends named, for the table under the diagram."""
    labels = {n["data"]["id"]: n["data"] for n in view.payload["elements"]["nodes"]}
    edges = sorted(view.payload["elements"]["edges"], key=lambda e: (-e["data"]["weight"], e["data"]["id"]))
    return [
        {
            **edge["data"],
            "source": labels[edge["data"]["source"]],
            "target": labels[edge["data"]["target"]],
        }
        for edge in edges[:limit]
    ]


@router.get("/network")
def network_page(request: Request, viewer: Viewer, db: SessionDep) -> Response:
    names = ("threat", "since", "until", "group", "candidate", "entity", "radius", "max_nodes", "from", "to")
    values = {name: without_nul(request.query_params.get(name, "")).strip() for name in names}
    errors: dict[str, str] = {}
    filters = _filters(values, errors)
    source, target = _id(values["from"], "path-from", errors), _id(values["to"], "path-to", errors)
    if bool(values["from"]) != bool(values["to"]):
        errors["path-from" if not values["from"] else "path-to"] = "give both ends of the path"
    view: explorer.NetworkView | None = None
    path: explorer.PathView | None = None
    status_code = 400 if errors else 200
    if filters is not None:
        try:
            view = explorer.explore(db, viewer.actor, filters, today=today())
            if source is not None and target is not None and not errors:
                path = explorer.find_path(
                    db, viewer.actor, source=source, target=target, filters=filters, today=today()
                )
        except (InvalidInputError, NotFoundError) as exc:
            db.rollback()
            view, path = None, None
            if isinstance(exc, InvalidInputError):
                errors.update({k if k in FIELD_LABELS else "threat": v for k, v in exc.problems.items()})
            else:
                errors[_not_found_field(filters)] = str(exc)
            status_code = 404 if isinstance(exc, NotFoundError) else 400
        else:
            db.commit()  # the views' audit events
    query = _query(filters)
    evidence_query = urlencode(filters.evidence_query() if filters else [])
    markings = [view.marking] if view else []
    if path:
        markings.append(path.marking)
    return render(
        request,
        "network/explorer.html",
        viewer=viewer,
        title="Network",
        status_code=status_code,
        marking=Classification(highest_marking(Classification(m) for m in markings)),
        json_url="/api/network" + (f"?{query}" if query else ""),
        nav_key="network",
        values=values,
        errors=errors,
        field_labels=FIELD_LABELS,
        view=view,
        path=path,
        links=strongest_links(view) if view else [],
        records_per_link=RECORDS_PER_LINK,
        data_url="/api/network" + (f"?{query}" if query else ""),
        path_url="/api/network/path" + (f"?{evidence_query}" if evidence_query else ""),
        expand_url="/api/network" + (f"?{evidence_query}" if evidence_query else ""),
        evidence_fields=filters.evidence_query() if filters else [],
        threats=[(t.value, threat_label(t.value)) for t in CriminalityType],
        threat_label=threat_label,
        confirmed_groups=_confirmed_groups(db) if allowed(viewer.actor, Action.GROUP_VIEW) else [],
    )


def _not_found_field(filters: explorer.ExplorerFilters) -> str:
    if filters.entity_id is not None:
        return "entity"
    return "candidate" if filters.candidate is not None else "group"


def _query(filters: explorer.ExplorerFilters | None) -> str:
    """The view's filters as the API's query string."""
    if filters is None:
        return ""
    query = filters.evidence_query()
    for name, value in (
        ("group", filters.group_id),
        ("candidate", filters.candidate),
        ("entity", filters.entity_id),
    ):
        if value is not None:
            query.append((name, str(value)))
    if filters.entity_id is not None and filters.radius != 1:
        query.append(("radius", str(filters.radius)))
    if filters.max_nodes != explorer.DEFAULT_MAX_NODES:
        query.append(("max_nodes", str(filters.max_nodes)))
    return urlencode(query)


def _confirmed_groups(db: Session) -> list[tuple[int, str]]:
    """Confirmed groups to focus on, by name (only for those who may read groups)."""
    query = select(OrganisedCrimeGroup.id, OrganisedCrimeGroup.name).order_by(OrganisedCrimeGroup.name)
    return [(group_id, name) for group_id, name in db.execute(query)]
