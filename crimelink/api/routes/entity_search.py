"""/api/entities/search: find people, places, vehicles and phones by name, date of birth, address,
postcode, phone, VRM or email, with fuzzy matching; hit / no-hit for what you may not see. Audited.

Registered before /api/entities/{id}, whose path would otherwise take "search" for an id.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from crimelink.api.deps import CurrentActor, SessionDep
from crimelink.api.schemas.entity_search import EntitySearchPublic
from crimelink.domain import EntityKind
from crimelink.services.entity_search import MAX_TERM, search_entities

router = APIRouter()

Term = Annotated[str | None, Query(max_length=MAX_TERM)]


@router.get("/entities/search", tags=["entities"])
def search(
    db: SessionDep,
    actor: CurrentActor,
    name: Annotated[
        str | None, Query(max_length=MAX_TERM, description="A person's or business's name")
    ] = None,
    dob: Annotated[str | None, Query(max_length=MAX_TERM, description="Date of birth, day first")] = None,
    address: Term = None,
    postcode: Term = None,
    phone: Term = None,
    vrm: Annotated[str | None, Query(max_length=MAX_TERM, description="Vehicle registration mark")] = None,
    email: Term = None,
    kind: Annotated[EntityKind | None, Query(description="Only entities of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> EntitySearchPublic:
    """Entities matching the terms, best first, each with why it matched; notices for hidden matches."""
    result = search_entities(
        db,
        actor,
        name=name,
        dob=dob,
        address=address,
        postcode=postcode,
        phone=phone,
        vrm=vrm,
        email=email,
        kind=kind,
        limit=limit,
    )
    db.commit()  # the search's audit event
    return EntitySearchPublic.model_validate(asdict(result))
