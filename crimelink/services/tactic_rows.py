"""The ``tactics`` table kept in step with the menu of tactics in the editable reference data.

The reference file (``crimelink/domain/data/tactics.yaml``) is where tactics are edited; actions point at
a row of the table by id, so a tactic's row is created (or refreshed) from the file by its slug when it is
first needed, and :func:`sync_tactics` refreshes them all. A tactic removed from the file keeps its row,
so actions that used it still say what they were.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain.reference import ReferenceData, default_reference
from crimelink.domain.reference import Tactic as ReferenceTactic
from crimelink.errors import NotFoundError
from crimelink.store.models import Tactic


def _details(entry: ReferenceTactic) -> dict[str, object]:
    return entry.model_dump(mode="json", exclude={"id", "name", "area", "verified"})


def _refresh(row: Tactic, entry: ReferenceTactic) -> None:
    row.name = entry.name
    row.area = entry.area
    row.details = _details(entry)
    row.verified = entry.verified


def tactic_row(session: Session, slug: str, *, reference: ReferenceData | None = None) -> Tactic:
    """The table row of the tactic ``slug``, made from the reference data if it has none yet."""
    slug = slug.strip()
    row = session.scalars(select(Tactic).where(Tactic.slug == slug)).first()
    reference = reference or default_reference()
    try:
        entry = reference.tactic(slug)
    except KeyError:
        if row is not None:
            return row
        raise NotFoundError(
            f"there is no tactic {slug!r} in the menu: pick one from the tactics page"
        ) from None
    if row is None:
        row = Tactic(slug=entry.id)
        session.add(row)
    _refresh(row, entry)
    session.flush()
    return row


def sync_tactics(session: Session, *, reference: ReferenceData | None = None) -> int:
    """Create or refresh a row for every tactic in the reference data; returns how many there are."""
    reference = reference or default_reference()
    rows = {row.slug: row for row in session.scalars(select(Tactic))}
    for entry in reference.tactics:
        row = rows.get(entry.id)
        if row is None:
            row = Tactic(slug=entry.id)
            session.add(row)
        _refresh(row, entry)
    session.flush()
    return len(reference.tactics)
