"""Rebuilding what a reader sees from hard-wrapped text: blocks and whole sentences."""

from __future__ import annotations

from pathlib import Path

from bot.index.units import units_of
from bot.ingest.chunking import chunk_sections
from bot.text import blocks, is_whole_sentence, join_wrapped, sentences
from tests.ingest.documents import docx_bytes, load, pdf_bytes, with_sidecar

WRAPPED_MARKDOWN = """# Guide

## Words to use

- Avoid: "illegal immigrant". Say instead: "people without the right papers" or
  "undocumented people". Why: no person is illegal; a status can be irregular,
  a human being cannot.
- Turn off or moderate comments where
  you can, and agree a plan in advance.

People decide what they think through what they already care about. Open with a
value the listener shares, then show how the issue connects to it.
Say: "Everyone deserves the chance to be safe."
Avoid: opening with a statistic; it asks the listener to change their mind.

| Instead of | We say | Why |
| --- | --- | --- |
| swarm | people arriving | it dehumanises |
"""


def test_wrapped_markdown_list_items_and_paragraphs_come_back_whole():
    found = blocks(WRAPPED_MARKDOWN)
    items = [b.text for b in found if b.kind == "item"]
    assert items == [
        'Avoid: "illegal immigrant". Say instead: "people without the right papers" or '
        '"undocumented people". Why: no person is illegal; a status can be irregular, '
        "a human being cannot.",
        "Turn off or moderate comments where you can, and agree a plan in advance.",
    ]
    paragraphs = [b.text for b in found if b.kind == "paragraph"]
    assert paragraphs[0].startswith("People decide") and paragraphs[0].endswith("connects to it.")
    # A "Label:" line after a finished sentence starts its own block.
    assert paragraphs[1:] == [
        'Say: "Everyone deserves the chance to be safe."',
        "Avoid: opening with a statistic; it asks the listener to change their mind.",
    ]
    assert all(b.section == "Words to use" for b in found if b.kind != "heading")


def test_table_rows_carry_their_column_names():
    rows = [b.text for b in blocks(WRAPPED_MARKDOWN) if b.kind == "row"]
    assert rows == ["Instead of: swarm — We say: people arriving — Why: it dehumanises"]


def test_join_wrapped_keeps_markdown_structure_and_is_stable():
    joined = join_wrapped(WRAPPED_MARKDOWN)
    assert "## Words to use" in joined
    assert "- Turn off or moderate comments where you can, and agree a plan in advance." in joined
    assert "| swarm | people arriving | it dehumanises |" in joined
    assert join_wrapped(joined) == joined
    assert blocks(joined) == blocks(WRAPPED_MARKDOWN)


def test_sentences_split_at_ends_but_not_inside_quotes_or_after_abbreviations():
    text = (
        'Avoid: "Myth: migrants are a drain. Fact: they are not." Say what is true, e.g. '
        "Rwanda. Q: Why not a legal route? A: There is none."
    )
    assert sentences(text) == [
        'Avoid: "Myth: migrants are a drain. Fact: they are not."',
        "Say what is true, e.g. Rwanda.",
        "Q: Why not a legal route?",
        "A: There is none.",
    ]
    assert is_whole_sentence("Say what is true.")
    assert not is_whole_sentence("and agree a plan in")


def test_a_question_and_its_answer_are_one_unit():
    units = units_of(
        "Q: Aren't hotels costly? A: Yes, because decisions are slow. Let people work."
    )
    assert [u.text for u in units] == [
        "Q: Aren't hotels costly? A: Yes, because decisions are slow. Let people work."
    ]


def test_a_wrapped_pdf_is_chunked_and_split_into_whole_sentences(tmp_path: Path):
    page = (
        "Bridging phrases\n"
        + "Use a bridging phrase to move from a difficult question back to your message, "
        "and then give your key message in plain words that a listener will remember. "
        "Slow down and pause before you answer the question you were asked."
    )
    path = with_sidecar(tmp_path / "handout.pdf", pdf_bytes([page]), "Handout")
    chunks = chunk_sections(load(path).sections)
    units = [u for c in chunks for u in units_of(c.text, c.locator)]
    assert [u.text for u in units] == [
        "Use a bridging phrase to move from a difficult question back to your message, and "
        "then give your key message in plain words that a listener will remember.",
        "Slow down and pause before you answer the question you were asked.",
    ]
    assert {u.section for u in units} == {"Bridging phrases"}


def test_word_paragraphs_and_list_items_become_whole_units(tmp_path: Path):
    content = docx_bytes(
        [("Exercise 1", ["Take a headline that leads with a number.", "Rewrite it. Then read it."])]
    )
    path = with_sidecar(tmp_path / "workshop.docx", content, "Workshop")
    chunks = chunk_sections(load(path).sections)
    texts = [u.text for c in chunks for u in units_of(c.text, c.locator)]
    assert texts == ["Take a headline that leads with a number.", "Rewrite it.", "Then read it."]
