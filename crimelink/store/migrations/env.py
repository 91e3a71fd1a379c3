"""Alembic environment: migrations run on the engine handed in by crimelink.store.migrate."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, create_engine

from crimelink.store.models import Base

config = context.config
target_metadata = Base.metadata


def _driver(connection: Connection) -> Any:
    # Pragmas go straight to the driver: through SQLAlchemy they would start a transaction first.
    return connection.connection.driver_connection


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        # Only used by the `alembic` command line during development.
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///var/crimelink.db"
        engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite alters a table by copying it and dropping the original, which foreign keys from
            # other tables would refuse; the pragma only takes effect outside a transaction.
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=sqlite,
                    compare_type=True,
                )
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _driver(connection).execute("PRAGMA foreign_keys=ON")


run_migrations_online()
