"""lookup indexes

Two lookups scanned their whole table (seen by explaining every statement the tests ran): a
notice's consent history (consent by notice_id) and the timer's forgetting of idempotency keys
past their lifetime (by created_at, every tick).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_consent_notice_id", "consent", ["notice_id"], unique=False)
    op.create_index(
        "ix_idempotency_key_created_at", "idempotency_key", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_key_created_at", table_name="idempotency_key")
    op.drop_index("ix_consent_notice_id", table_name="consent")
