"""Opening the configured store, refusing one that is not migrated."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from crimelink.errors import StoreError
from crimelink.settings import Settings
from crimelink.store import migrate
from crimelink.store.engine import make_engine


def open_store(settings: Settings, *, require_current: bool = True) -> Engine:
    """The engine for the configured database; with ``require_current``, refuse an unmigrated one."""
    url = settings.resolved_database_url()
    engine = make_engine(url)
    if require_current:
        try:
            current = migrate.current_revision(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from None
        if current != migrate.head_revision():
            raise StoreError(
                f"the database {engine.url!r} is at schema revision {current or 'none'}, not "
                f"{migrate.head_revision()}: run `crimelink db upgrade` first"
            )
    return engine
