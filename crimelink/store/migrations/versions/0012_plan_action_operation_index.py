"""Plan actions indexed by the operation they are: a deconfliction check looks up the actions following
the operations whose status it changed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_plan_actions_operation_id"), "plan_actions", ["operation_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_actions_operation_id"), table_name="plan_actions")
