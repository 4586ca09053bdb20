"""Lines: messaging advice for the migration sector, drawn only from a charity's own documents."""

__version__ = "0.1.0"
