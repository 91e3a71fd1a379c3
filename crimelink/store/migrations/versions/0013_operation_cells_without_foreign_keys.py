"""The deconfliction index's rows without foreign keys: derived from their operation's locations, written
and deleted only with them, and the keys' checks cost PostgreSQL 0.65 of 1.48 ms at every first check of
an operation at six places (see ``OperationCell``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (
    ("fk_operation_cells_location_id_operation_locations", "operation_locations", "location_id"),
    ("fk_operation_cells_operation_id_operations", "operations", "operation_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("operation_cells", schema=None) as batch_op:
        for name, _table, _column in _KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("operation_cells", schema=None) as batch_op:
        for name, table, column in _KEYS:
            batch_op.create_foreign_key(name, table, [column], ["id"])
