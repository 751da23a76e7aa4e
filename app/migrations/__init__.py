"""Alembic migrations: the schema's history. See docs/migrations.md for the procedure."""
