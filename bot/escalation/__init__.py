"""Escalation: what the bot must not answer, and the staff loop that answers it instead.

``policy`` loads the staff-editable policy file, ``detect`` decides whether a question goes to
staff, ``states`` is the one table of item states and the staff actions each allows, ``store``
keeps the queue (SQLAlchemy, migrated by Alembic), ``fallback`` spools questions while the
queue cannot be written, ``desk`` is the platform-neutral staff loop (post, deliver, retry)
that Slack and Discord plug into, and ``cli`` is the staff's command line.
"""
