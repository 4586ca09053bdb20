"""Storage: the one database shared by the bot processes and staff.

In SQLite by default or any SQLAlchemy URL, migrated by Alembic. ``database`` opens it (one
``Database`` per process, shared) and is the boundary its errors cross; ``schema`` holds the
tables and the rows read from them; ``queue`` the escalated questions and their way back to
the member; ``records`` the answers given, feedback, corrections, handled events, heartbeats
and retention; ``fallback`` spools questions while the database cannot be written; and
``states`` is the one table of item states and the staff actions each allows.
"""
