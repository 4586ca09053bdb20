"""Index the knowledge base: ``python ingest.py`` is ``python -m bot ingest``.

    python ingest.py [--source DIR ...] [--db DIR] [--rebuild] [--dry-run] [--json]

The command itself lives in ``bot/cli/ingest.py``; this file only keeps the old name.
"""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    # -v belongs to the top-level command line; everything else to the ingest command.
    flags = [a for a in sys.argv[1:] if a in ("-v", "--verbose")]
    rest = [a for a in sys.argv[1:] if a not in flags]
    sys.exit(main([*flags, "ingest", *rest]))
