"""Retrieval over the tiny index: relevant, current, live passages only."""

from __future__ import annotations

import pytest

from bot.answer import Question, Turn
from bot.answering.retrieval import BM25, ChromaRetriever, IndexNotReady
from bot.index.connection import IndexConnection
from bot.text import search_text, tokenize
from tests.conftest import make_settings, write_corpus


def test_relevant_passages_come_first(tiny_index, embeddings):
    passages = ChromaRetriever(IndexConnection(tiny_index, embeddings)).retrieve(
        Question("How do we talk about people crossing the Channel?")
    )
    assert passages
    assert {p.source for p in passages[:2]} <= {
        "guidance/channel-crossings.md",
        "lines/2025-03-crossings.md",
    }
    assert all(p.score >= tiny_index.min_relevance for p in passages)


def test_nothing_relevant_returns_nothing(tiny_index, embeddings):
    retriever = ChromaRetriever(IndexConnection(tiny_index, embeddings))
    assert retriever.retrieve(Question("What's the best recipe for banana bread?")) == []


def test_superseded_line_is_never_returned_and_its_replacement_is(tiny_index, embeddings):
    retriever = ChromaRetriever(IndexConnection(tiny_index, embeddings))
    passages = retriever.retrieve(Question("What were our lines on Channel crossings in 2023?"))
    assert passages
    assert all(p.status == "current" for p in passages)
    assert "lines/2023-08-crossings.md" not in {p.source for p in passages}
    replacement = [p for p in passages if p.source == "lines/2025-03-crossings.md"]
    assert replacement and "Channel crossings (2023)" in replacement[0].replaces


def line(title: str, date: str, body: str, replaced_by: str | None = None) -> str:
    status = f"status: superseded\nsuperseded_by: {replaced_by}\n" if replaced_by else ""
    return f'---\ntitle: "{title}"\nkind: line\ndate: {date}\n{status}---\n## Our lines\n\n{body}\n'


def test_a_chain_of_replacements_is_followed_to_its_current_end(tmp_path, embeddings):
    """D is replaced by E and E by F: a question that matches D's words is answered from F."""
    from bot.ingest.pipeline import ingest

    knowledge = write_corpus(
        tmp_path / "knowledge",
        {
            "lines/d.md": line(
                "Barge lines (D)",
                "2023-07-01",
                "The Bibby Stockholm barge is no place to house people fleeing war.",
                replaced_by="lines/e.md",
            ),
            "lines/e.md": line(
                "Accommodation lines (E)",
                "2024-02-01",
                "Large sites isolate people from support and community.",
                replaced_by="lines/f.md",
            ),
            "lines/f.md": line(
                "Accommodation lines (F)",
                "2025-05-01",
                "Everyone deserves a safe home in the community while they wait for a decision.",
            ),
        },
    )
    settings = make_settings(tmp_path, knowledge)
    report = ingest(settings, embeddings=embeddings)
    assert not report.failed and not report.warnings, (report.failed, report.warnings)
    passages = ChromaRetriever(IndexConnection(settings, embeddings)).retrieve(
        Question("What do we say about the Bibby Stockholm barge?")
    )
    assert passages, "a three-version chain answered nothing"
    assert {p.source for p in passages} == {"lines/f.md"}
    assert passages[0].replaces.startswith("Barge lines (D)")


def test_bm25_finds_exact_acronyms():
    bm25 = BM25(["a", "b"], ["Nobody is illegal.", "NRPF means No Recourse to Public Funds."])
    assert [chunk_id for chunk_id, _ in bm25.top("what is NRPF", 2)] == ["b"]


def test_acronym_question_reaches_its_passage(tiny_index, embeddings):
    passages = ChromaRetriever(IndexConnection(tiny_index, embeddings)).retrieve(Question("NRPF?"))
    assert passages and passages[0].locator == "Acronyms"


def test_follow_up_searches_with_the_earlier_question():
    question = Question(
        "and on social media?",
        history=(Turn("member", "How do we talk about small boats?"), Turn("bot", "Say ...")),
    )
    assert search_text(question) == "How do we talk about small boats?\nand on social media?"


def test_tokenize_drops_stopwords_and_keeps_acronyms():
    assert tokenize("How do we describe the NRPF rule?") == ["describe", "nrpf", "rule"]


def test_missing_index_says_to_run_ingest(tmp_path, embeddings):
    retriever = ChromaRetriever(IndexConnection(make_settings(tmp_path, tmp_path), embeddings))
    try:
        retriever.retrieve(Question("anything"))
    except IndexNotReady as exc:
        assert "run `lines ingest`" in str(exc)
    else:
        raise AssertionError("expected IndexNotReady")


ACRONYM_CORPUS = {
    "guidance/acronyms.md": """---
title: Acronyms
kind: guidance
date: 2025-01-10
---
# Acronyms

## Spell them out

- UASC: unaccompanied asylum-seeking children, children who arrive without a parent or carer.
- IRC: immigration removal centre.
""",
    "guidance/children.md": """---
title: Talking about children
kind: guidance
date: 2025-01-10
---
# Talking about children

## Children who arrive alone

Unaccompanied asylum-seeking children need a guardian from the day they arrive, and councils
must look after them like any other child in care.
""",
    "lines/2025-04-rwanda.md": """---
title: "Lines to take: removals to Rwanda"
kind: line
date: 2025-04-25
---
## What happened

A law passed to send people seeking asylum to Rwanda.

## Our lines

- The UK should take responsibility for people who ask it for protection.
- Sending people thousands of miles away does not make them safer.
""",
}


@pytest.fixture(scope="module")
def acronym_index(tmp_path_factory, embeddings):
    from bot.ingest.pipeline import ingest

    base = tmp_path_factory.mktemp("acronyms")
    settings = make_settings(base, write_corpus(base / "knowledge", ACRONYM_CORPUS))
    assert not ingest(settings, embeddings=embeddings).failed
    return settings


def test_acronyms_defined_in_a_document_expand_the_search(acronym_index, embeddings):
    retriever = ChromaRetriever(IndexConnection(acronym_index, embeddings))
    assert retriever.vocabulary().acronyms["UASC"] == "unaccompanied asylum-seeking children"
    # The guidance on children never writes "UASC"; the question only does.
    sources = [p.source for p in retriever.retrieve(Question("how do we talk about UASC?"))]
    assert "guidance/children.md" in sources


def test_the_gate_lets_in_what_covers_the_question_even_with_a_modest_cosine(
    acronym_index, embeddings
):
    strict = ChromaRetriever(IndexConnection(acronym_index, embeddings), min_relevance=0.99)
    passages = strict.retrieve(Question("What does IRC stand for?"))
    assert passages and passages[0].source == "guidance/acronyms.md"
    assert passages[0].score < 0.99  # in by its words, not its meaning
    assert strict.retrieve(Question("What's the best recipe for banana bread?")) == []


def test_the_gate_lets_in_what_is_close_in_meaning_without_shared_words(acronym_index, embeddings):
    dense_only = ChromaRetriever(IndexConnection(acronym_index, embeddings), use_bm25=False)
    passages = dense_only.retrieve(Question("How should we describe kids who come here alone?"))
    assert passages and passages[0].source == "guidance/children.md"
    assert passages[0].score >= acronym_index.min_relevance


def test_a_short_documents_other_sections_are_offered_too(acronym_index, embeddings):
    passages = ChromaRetriever(IndexConnection(acronym_index, embeddings)).retrieve(
        Question("How do we talk about the Rwanda plan?")
    )
    rwanda = [p.locator for p in passages if p.source == "lines/2025-04-rwanda.md"]
    # "Our lines" never says "Rwanda", yet the composer gets it.
    assert set(rwanda) == {"What happened", "Our lines"}


def test_unit_vectors_are_stored_with_each_chunk(acronym_index, embeddings):
    from bot.index.units import stored_unit_vectors, units_of

    passages = ChromaRetriever(IndexConnection(acronym_index, embeddings)).retrieve(
        Question("IRC?")
    )
    for p in passages:
        units = units_of(p.text, p.locator)
        vectors = stored_unit_vectors(p.unit_vectors, p.units_version, units, 384)
        assert vectors is not None and len(vectors) == len(units)
        direct = embeddings.embed_documents([units[0].text])[0]
        assert float(vectors[0] @ direct) > 0.99
