"""Find a person, place, vehicle or phone: fuzzy search over resolved entities.

The JSON twin is /api/entities/search. Results are named only from the matching records the viewer may
see and link to the entity page; matches in records they may not see appear only as "agency X holds N
records that may match", with the same disclosure-request form as record search.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from crimelink.access.policy import Action, Actor
from crimelink.api.deps import SessionDep
from crimelink.domain import Classification, EntityKind
from crimelink.errors import InvalidInputError
from crimelink.services.callers import authorise
from crimelink.services.entity_search import EntityMatch, EntitySearchResult, search_entities
from crimelink.web.deps import Viewer
from crimelink.web.labels import label
from crimelink.web.pages.entities import entity_name
from crimelink.web.pages.records import field_label, without_nul
from crimelink.web.rendering import render

router = APIRouter()

#: The form's fields: (name, label, hint).
FIELDS = (
    (
        "name",
        "Name",
        "A person's name, either way round, or a business name. Nicknames and misspellings are matched.",
    ),
    (
        "dob",
        "Date of birth",
        "Day first, for example 04/03/1990. A day and month written the other way round still match.",
    ),
    ("address", "Address", "House number and street are enough, for example 12 Linden Road."),
    ("postcode", "Postcode", ""),
    ("phone", "Phone number", "Any usual form: 07700 900123 or +44 7700 900123."),
    ("vrm", "Vehicle registration (VRM)", "With or without spaces."),
    ("email", "Email address", ""),
)
LABELS = {name: text for name, text, _ in FIELDS} | {"kind": "Looking for"}


@dataclass(frozen=True)
class Row:
    """One result: the entity, the name the viewer's records give it, its score and other attributes."""

    match: EntityMatch
    name: str
    score: str
    details: str


def score_text(match: EntityMatch) -> str:
    """A person's score (the weight of evidence, one decimal place), or "exact" for an identifier typed.

    >>> score_text(EntityMatch(1, "VEHICLE", "KX19ZZT", {}, "vrm: exact", [], None, None, None, [7]))
    'exact'
    """
    if match.score is None or any(reason.weight is None for reason in match.reasons):
        return "exact"
    return f"{match.score:+.1f}"


@router.get("/find")
def entity_search_page(
    request: Request,
    viewer: Viewer,
    db: SessionDep,
    name: str = "",
    dob: str = "",
    address: str = "",
    postcode: str = "",
    phone: str = "",
    vrm: str = "",
    email: str = "",
    kind: str = "",
) -> Response:
    authorise(viewer.actor, Action.RECORD_SEARCH)  # refused before anything is searched, or shown
    typed = {"name": name, "dob": dob, "address": address, "postcode": postcode}
    typed |= {"phone": phone, "vrm": vrm, "email": email}
    values = {term: without_nul(value).strip() for term, value in typed.items()}
    found, chosen, errors = _find(db, viewer.actor, values, kind)
    asked = {term: value for term, value in values.items() if value} | (
        {"kind": chosen.value} if chosen else {}
    )
    return render(
        request,
        "entity_search.html",
        viewer=viewer,
        title="Find a person, place, vehicle or phone",
        marking=Classification(found.marking) if found else Classification.OFFICIAL,
        status_code=422 if errors else 200,
        json_url="/api/entities/search" + (f"?{urlencode(asked)}" if asked else ""),
        nav_key="find",
        fields=FIELDS,
        labels=LABELS,
        values=values | {"kind": chosen.value if chosen else ""},
        errors=errors,
        kind_choices=[(k.value, label(k.value)) for k in EntityKind],
        found=found,
        rows=[
            Row(
                match,
                entity_name(match.kind, match.id, match.display_name),
                score_text(match),
                "; ".join(f"{field_label(k)} {v}" for k, v in match.attributes.items() if k != "full_name"),
            )
            for match in (found.entities if found else [])
        ],
    )


def _find(
    db: Session, actor: Actor, values: dict[str, str], kind: str
) -> tuple[EntitySearchResult | None, EntityKind | None, dict[str, str]]:
    """The search's result (``None`` when nothing was asked or a term is wrong), the kind, the problems."""
    chosen = None
    if kind:
        try:
            chosen = EntityKind(kind)
        except ValueError:
            return None, None, {"kind": "choose one of the kinds offered"}
    if not any(values.values()):
        return None, chosen, {}
    try:
        found = search_entities(
            db,
            actor,
            name=values["name"],
            dob=values["dob"],
            address=values["address"],
            postcode=values["postcode"],
            phone=values["phone"],
            vrm=values["vrm"],
            email=values["email"],
            kind=chosen,
        )
    except InvalidInputError as error:
        return None, chosen, dict(error.problems)
    db.commit()  # the search's audit event
    return found, chosen, {}
