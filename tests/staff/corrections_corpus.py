"""A small knowledge base whose lines to take change while a bot is running.

Shared by the corrections tests of the store, Slack and Discord: ``write`` and ``ingest`` it,
then ``supersede`` the hotels line (a new line replaces it) or ``withdraw`` the barge line
(its file is deleted), and ingest again, as a maintainer would.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from tests.conftest import make_settings, write_corpus

HOTELS_QUESTION = "What are our lines on asylum hotels?"
BARGE_QUESTION = "What do we say about the Portland barge?"
OLD_HOTELS = "Lines to take: asylum hotels (2025)"
NEW_HOTELS = "Lines to take: asylum hotels (2026)"
BARGE = "Lines to take: the Portland barge"

FILES = {
    "guidance/accommodation.md": """---
title: Talking about asylum accommodation
kind: guidance
date: 2025-01-10
---
## People, not sites

Describe the people living in any accommodation and what they need, not the building.
""",
    "lines/2025-hotels.md": f"""---
title: "{OLD_HOTELS}"
kind: line
date: 2025-11-03
review_by: 2099-01-01
---
## Our lines

People housed in asylum hotels are our neighbours; they deserve safety while they wait.
Hotels cost so much because the asylum backlog keeps people waiting for years.
""",
    "lines/2025-barge.md": f"""---
title: "{BARGE}"
kind: line
date: 2025-11-03
review_by: 2099-01-01
---
## Our lines

Housing people on a barge in Portland harbour cuts them off from support and community.
""",
}

NEW_HOTELS_FILE = f"""---
title: "{NEW_HOTELS}"
kind: line
date: 2026-11-20
review_by: 2099-01-01
---
## Our lines

Asylum hotels are closing: people moved on at short notice need a safe home, not a street.
Everyone housed while they wait is a neighbour who deserves dignity.
"""


def write(base: Path) -> Settings:
    """The corpus under ``base/knowledge`` and settings confined to ``base``."""
    knowledge = write_corpus(base / "knowledge", FILES)
    return make_settings(base, knowledge)


def ingest(settings: Settings, embeddings) -> None:
    """Ingest the knowledge folder as it is now; fails the test if a file fails."""
    from bot.ingest.pipeline import ingest as run_ingest

    report = run_ingest(settings, embeddings=embeddings)
    assert not report.failed, report.failed


def supersede(settings: Settings) -> None:
    """A new hotels line arrives and the old one is marked superseded by it."""
    knowledge = settings.knowledge_dirs[0]
    (knowledge / "lines/2026-hotels.md").write_text(NEW_HOTELS_FILE, encoding="utf-8")
    old = knowledge / "lines/2025-hotels.md"
    old.write_text(
        old.read_text(encoding="utf-8").replace(
            "review_by: 2099-01-01\n",
            "review_by: 2099-01-01\nstatus: superseded\nsuperseded_by: lines/2026-hotels.md\n",
        ),
        encoding="utf-8",
    )


def withdraw(settings: Settings) -> None:
    """The barge line is deleted from the knowledge folder."""
    (settings.knowledge_dirs[0] / "lines/2025-barge.md").unlink()
