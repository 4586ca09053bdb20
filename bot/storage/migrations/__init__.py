"""Alembic migrations of the escalation queue (a package so installs carry them)."""
