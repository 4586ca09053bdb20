"""Escalation: what the bot must not answer, and the durable queue staff work from.

``policy`` loads the staff-editable policy file, ``detect`` decides whether a question goes to
staff, ``store`` keeps the queue (SQLAlchemy, migrated by Alembic), ``cli`` is the staff's
command line.
"""
