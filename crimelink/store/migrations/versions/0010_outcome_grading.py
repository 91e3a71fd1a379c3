"""Outcomes keep how their disruption grade was reached: the configured default, its basis, any override.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "impact_default",
                sa.Enum(
                    "MAJOR",
                    "MODERATE",
                    "MINOR",
                    "NONE",
                    name="impact_default_disruptionimpact",
                    native_enum=False,
                    create_constraint=True,
                    length=10,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("impact_basis", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("impact_override_reason", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_column("impact_override_reason")
        batch_op.drop_column("impact_basis")
        batch_op.drop_constraint(batch_op.f("ck_outcomes_impact_default_disruptionimpact"), type_="check")
        batch_op.drop_column("impact_default")
