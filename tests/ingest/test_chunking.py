"""Chunks keep their section and stay within size."""

from bot.ingest.chunking import CHUNK_SIZE, chunk_sections
from bot.ingest.loaders import Section


def test_markdown_is_split_along_headings_first():
    text = "# Title\n\nLead.\n\n## Words to use\n\nSay this.\n\n### Examples\n\nAn example.\n"
    chunks = chunk_sections([Section("", text, markdown=True)])
    assert [(c.locator, c.text) for c in chunks] == [
        ("Title", "Lead."),
        ("Words to use", "Say this."),
        ("Words to use › Examples", "An example."),
    ]


def test_long_sections_are_split_by_size_and_keep_their_place():
    sentence = "People are more than numbers and deserve to be heard. "
    chunks = chunk_sections([Section("page 3", sentence * 60)])
    assert len(chunks) > 1
    assert all(c.locator == "page 3" for c in chunks)
    assert all(len(c.text) <= CHUNK_SIZE for c in chunks)


def test_empty_sections_make_no_chunks():
    assert chunk_sections([Section("page 1", "   \n  ")]) == []


def test_a_table_split_between_chunks_keeps_its_header_in_each():
    from bot.index.units import units_of

    rows = "\n".join(
        f"| term number {n} used about people | a better phrase number {n} | reason {n} is "
        "that the words shape how readers picture the people we write about |"
        for n in range(12)
    )
    text = f"## At a glance\n\n| Instead of | We say | Why |\n| --- | --- | --- |\n{rows}\n"
    chunks = chunk_sections([Section(locator="", text=text, markdown=True)])
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.startswith("| Instead of | We say | Why |\n| --- | --- | --- |")
        for unit in units_of(chunk.text, chunk.locator):
            assert unit.text.startswith("Instead of: term number"), unit.text
