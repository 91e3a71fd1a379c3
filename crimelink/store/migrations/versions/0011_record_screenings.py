"""Record screenings: the threats the indicator catalogue tags each record with, kept beside the record.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "record_screenings",
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("catalogue", sa.String(length=64), nullable=False),
        sa.Column("min_score", sa.Integer(), nullable=False),
        sa.Column("threats", _JSON, nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_records.id"], name=op.f("fk_record_screenings_record_id_source_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_screenings")),
    )


def downgrade() -> None:
    op.drop_table("record_screenings")
