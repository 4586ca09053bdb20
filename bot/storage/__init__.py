"""Storage: the one database shared by the bot processes and staff.

The queue of escalated questions, the answers given (for corrections and the report),
feedback, corrections and handled events, in SQLite by default or any SQLAlchemy URL,
migrated by Alembic; ``fallback`` spools questions while the database cannot be written, and
``states`` is the one table of item states and the staff actions each allows.
"""
