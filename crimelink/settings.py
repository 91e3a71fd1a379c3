"""The one settings object. Nothing else in Crimelink reads ``os.environ``.

Every setting can be given as an environment variable with the ``CRIMELINK_`` prefix
(``CRIMELINK_DATABASE_URL``) or in a ``.env`` file in the working directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Crimelink's configuration. See the README's *Configuration* section."""

    model_config = SettingsConfigDict(env_prefix="CRIMELINK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Where the embedded SQLite database, demo files and exports live.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store. Unset means the embedded SQLite file "
            "DATA_DIR/crimelink.db; use postgresql+psycopg://user:pass@host/db for PostgreSQL."
        ),
    )
    import_batch_size: int = Field(
        default=2000, ge=1, le=100_000, description="Rows committed per transaction during an import."
    )
    default_phone_region: str = Field(
        default="GB", description="Region assumed for phone numbers written without a country code."
    )
    review_period_days: int = Field(
        default=365,
        ge=1,
        description="Days from receipt to a record's first review, when the dataset sets none.",
    )
    demo_seed: int = Field(default=20261128, description="Seed of the synthetic demo borough.")
    demo_size: int = Field(
        default=20_000, ge=500, description="Approximate record count of the demo borough."
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'crimelink.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
