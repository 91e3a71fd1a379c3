"""Alembic environment: migrations run on the engine handed in by crimelink.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from crimelink.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        # Only used by the `alembic` command line during development.
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///var/crimelink.db"
        engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
