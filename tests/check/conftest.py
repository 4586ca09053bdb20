"""Small guides in different styles, ingested for real into Chroma in tmp folders.

``STYLES`` writes the same kind of advice four ways (labelled list items, tables with two
kinds of header, prose and bullets, hard-wrapped lines, an "Avoid" section) plus a
superseded style sheet whose rules must never be used. ``FRAMING`` holds framing advice with
its own examples, in two charities' wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.check.checker import DraftChecker
from bot.check.rulebook import RuleBook
from bot.index.connection import IndexConnection
from bot.settings import Settings
from tests.conftest import make_settings, write_corpus


def front(title: str, kind: str = "guidance", status: str = "current", extra: str = "") -> str:
    return f'---\ntitle: "{title}"\nkind: {kind}\ndate: 2025-06-01\nstatus: {status}\n{extra}---\n'


STYLES: dict[str, str] = {
    "guidance/labelled.md": front("Terminology: labelled list")
    + """# Terminology

## People

- Avoid: "illegal immigrant" or "illegals". Say instead: "undocumented people". Why: no person is
  illegal; a status can be irregular, a human being cannot.
- Use "refugee" for someone recognised as needing protection. Why: it is the legal term.
- Avoid: "swarm", "flood" and other water or insect metaphors. Why: they dehumanise people.
- Avoid: "small boats" as a label for people. Say instead: "people crossing the Channel". Why:
  the boat becomes the story.
- Say "immigration detention". Avoid calling them "holding centres" or "facilities". Why:
  people are detained without a time limit.
""",
    "guidance/tables.md": front("House style in tables")
    + """# House style

## Words for people

| Instead of | We say | Why |
| --- | --- | --- |
| bogus asylum seekers | people seeking asylum | A claim is decided on the evidence. |
| queue-jumpers | people using the routes open to them | There is no queue to join. |

## Words for the system

| Don't say | Do say | Because |
| --- | --- | --- |
| "benefit tourists" | "people who have moved here" | Most cannot claim benefits at all. |
""",
    "guidance/prose.md": front("How we write: prose")
    + """# How we write

## Words for people

A word for a person should still be true when that person reads it. We never describe people
as ‘aliens’; ‘people from other countries’ is accurate.

Say “people who came by boat” rather than “boat people”, which turns the boat into an identity.

## Bullets

- Don't write “crisis at the border” — write “a shortage of safe routes”.
- Don't write "newcomers" — write "newcomers and neighbours".

## Wrapped

Please don't call anyone an
“illegal”. No human being is illegal, and the word sticks to a
person long after their papers are sorted. Write “undocumented” instead.
""",
    "lines/2025-06-hotels.md": front("Lines to take: hotels", kind="line")
    + """# Lines to take: hotels

## Avoid

- Describing protesters as "concerned locals"; describe what happened.
- Sharing images of residents' faces.
""",
    "archive/style-2022.md": front(
        "Old style sheet", status="superseded", extra="superseded_by: guidance/prose.md\n"
    )
    + """# Old style sheet

## Terms

| Instead of | We say | Why |
| --- | --- | --- |
| migrants | newcomers | We thought it had become a slur. |

- Avoid: "deportation". Say instead: "removal". Why: it is the official term.
""",
}

FRAMING: dict[str, str] = {
    "guidance/messaging.md": front("Messaging guide")
    + """# Messaging guide

## Values first

People decide through what they already care about. Open with a value the listener shares, then
show how the issue connects to it.

Say: "Everyone deserves the chance to be safe."
Avoid: opening with a statistic or a correction; it asks the listener to change their mind first.

## Avoid the deserving migrant frame

It is tempting to praise people for being doctors or model citizens. Talk about rights and shared
humanity, not about who has earned a place.

Say: "People fleeing danger have a right to safety, whatever their job."
Avoid: "These are hard-working, law-abiding migrants who contribute to the economy."

## Don't lead with myth-busting

Repeating a myth in order to deny it strengthens the myth. State the positive truth in your own
words instead.

Avoid: "Myth: migrants are a drain on services. Fact: ..."
""",
}


def ingest_corpus(base: Path, files: dict[str, str], embeddings, **overrides) -> Settings:
    """Write ``files`` under ``base`` and ingest them into a Chroma folder there."""
    from bot.ingest.pipeline import ingest

    knowledge = write_corpus(base / "knowledge", files)
    settings = make_settings(base, knowledge, **overrides)
    report = ingest(settings, embeddings=embeddings)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="package")
def styles_index(tmp_path_factory, embeddings) -> Settings:
    """``STYLES`` ingested once for the package (treat as read-only)."""
    return ingest_corpus(tmp_path_factory.mktemp("styles"), STYLES, embeddings)


@pytest.fixture(scope="package")
def styles_checker(styles_index, embeddings) -> DraftChecker:
    """A wording checker (no escalation) over ``STYLES``."""
    return DraftChecker(RuleBook(IndexConnection(styles_index, embeddings)))


@pytest.fixture(scope="package")
def framing_index(tmp_path_factory, embeddings) -> Settings:
    """``FRAMING`` and ``STYLES`` ingested together once for the package."""
    return ingest_corpus(tmp_path_factory.mktemp("framing"), {**STYLES, **FRAMING}, embeddings)
