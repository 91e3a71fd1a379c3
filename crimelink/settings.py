"""The one settings object. Nothing else in Crimelink reads ``os.environ``.

Every setting can be given as an environment variable with the ``CRIMELINK_`` prefix
(``CRIMELINK_DATABASE_URL``) or in a ``.env`` file in the working directory.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crimelink.errors import ConfigurationError


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
    worker_threads: int = Field(
        default=2,
        ge=1,
        le=200,
        description="Requests a server process works on at once (its thread pool); more only add contention.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Server processes `crimelink serve` starts (one interpreter each uses at most one core): "
            "the machine's cores for the most requests a second."
        ),
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

    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses to start without a real secret key and serves secure cookies only.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Signs session and CSRF tokens. Required in production; in development a random key is "
            "created once in DATA_DIR/secret_key."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the web application listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web application listens on.")
    session_hours: float = Field(default=8.0, gt=0, description="A sign-in lasts this long.")
    lockout_attempts: int = Field(
        default=5, ge=1, description="Failed sign-ins in a row that lock an account."
    )
    lockout_minutes: int = Field(default=15, ge=1, description="How long a locked account stays locked.")
    password_min_length: int = Field(
        default=12, ge=8, description="Shortest password accepted (NCSC guidance)."
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL; set it (with client id and secret) to enable SSO.",
    )
    oidc_client_id: str | None = Field(default=None, description="OpenID Connect client id.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="OpenID Connect client secret.")
    oidc_label: str = Field(default="Sign in with your organisation", description="Text of the SSO button.")
    map_outline_file: Path | None = Field(
        default=None,
        description=(
            "GeoJSON of the area's boundary and wards, drawn under the operations maps. Unset means "
            "DATA_DIR/demo/geography.geojson (the demo borough's, written by `crimelink demo generate`)."
        ),
    )
    map_tile_url: str | None = Field(
        default=None,
        description=(
            "A map tile server as an https URL template with {z}, {x} and {y}, e.g. a force's own; unset "
            "means the maps draw outlines and operations only and need no network."
        ),
    )
    map_tile_attribution: str = Field(
        default="", max_length=300, description="Credit the tile server asks for, shown under the map."
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that reminder e-mails go through; unset means no e-mail is sent.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_sender: str = Field(
        default="crimelink@localhost",
        min_length=3,
        max_length=320,
        description="The From address of reminder e-mails.",
    )
    smtp_username: str | None = Field(
        default=None, description="User name to log in to the SMTP server with, if it asks for one."
    )
    smtp_password: SecretStr | None = Field(default=None, description="Password for the SMTP user name.")
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before logging in and sending."
    )
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Give up on an SMTP server that does not answer in this time."
    )
    public_base_url: str | None = Field(
        default=None,
        description=(
            "The address people reach Crimelink at (https://crimelink.example.org), for links in e-mails; "
            "unset means the e-mails give paths such as /actions/12."
        ),
    )
    reminder_interval_hours: int = Field(
        default=24,
        ge=1,
        description="A reminder about the same overdue action or pending request is sent at most this often.",
    )
    request_pending_days: int = Field(
        default=14,
        ge=1,
        description="A request for assistance still open after this many days is reminded about.",
    )
    deconfliction_rules_file: Path | None = Field(
        default=None,
        description=(
            "A YAML file of the deconfliction rules the partnership sets (buffer_minutes, radii, grades, "
            "blocking_grades, escalate_red_after_minutes, the desk's words); unset means the defaults of "
            "DOMAIN.md section 6 (docs/deconfliction.md lists every rule)."
        ),
    )
    disruption_grading_file: Path | None = Field(
        default=None,
        description=(
            "An edited copy of disruption_grading.yaml (each outcome kind's default grade); unset means "
            "the packaged file."
        ),
    )

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("give the address as an http(s) URL, e.g. https://crimelink.example.org")
        return value.rstrip("/")

    @field_validator("map_tile_url")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")) or not all(
            p in value for p in ("{z}", "{x}", "{y}")
        ):
            raise ValueError("give an http(s) URL template with {z}, {x} and {y}, or leave it unset")
        return value

    @property
    def cookie_secure(self) -> bool:
        return self.environment == "production"

    def signing_key(self) -> str:
        """The secret key; in development one is created once and kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.environment == "production":
            raise ConfigurationError(
                "CRIMELINK_SECRET_KEY must be set in production (a long random string, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def map_outline_path(self) -> Path:
        """Where the operations maps read their outline from."""
        return self.map_outline_file or self.data_dir / "demo" / "geography.geojson"

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'crimelink.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
