"""covering cell index for fan-out

The single-column index on camera.cell becomes an index on the cell followed by every column
fan-out reads, so the cameras of a request's cells come from index pages alone (an index-only
scan on both SQLite and PostgreSQL) rather than one table page per camera.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:25:06.750882
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported from app.store.tables: a migration must keep meaning what it
# meant when it was written, whatever the models say later.
COLUMNS = ["cell", "lat", "lng", "id", "resident_id", "label", "end_to_end_encrypted", "created_at"]


def upgrade() -> None:
    op.create_index("ix_camera_cell_covering", "camera", COLUMNS, unique=False)
    op.drop_index("ix_camera_cell", table_name="camera")


def downgrade() -> None:
    op.create_index("ix_camera_cell", "camera", ["cell"], unique=False)
    op.drop_index("ix_camera_cell_covering", table_name="camera")
