"""Retrieval over the tiny index: relevant, current, live passages only."""

from __future__ import annotations

from bot.answer import Question, Turn
from bot.retrieval import BM25, ChromaRetriever, IndexNotReady
from bot.text import search_text, tokenize
from tests.conftest import make_settings


def test_relevant_passages_come_first(tiny_index, embeddings):
    passages = ChromaRetriever(tiny_index, embeddings).retrieve(
        Question("How do we talk about people crossing the Channel?")
    )
    assert passages
    assert {p.source for p in passages[:2]} <= {
        "guidance/channel-crossings.md",
        "lines/2025-03-crossings.md",
    }
    assert all(p.score >= tiny_index.min_relevance for p in passages)


def test_nothing_relevant_returns_nothing(tiny_index, embeddings):
    retriever = ChromaRetriever(tiny_index, embeddings)
    assert retriever.retrieve(Question("What's the best recipe for banana bread?")) == []


def test_superseded_line_is_never_returned_and_its_replacement_is(tiny_index, embeddings):
    retriever = ChromaRetriever(tiny_index, embeddings)
    passages = retriever.retrieve(Question("What were our lines on Channel crossings in 2023?"))
    assert passages
    assert all(p.status == "current" for p in passages)
    assert "lines/2023-08-crossings.md" not in {p.source for p in passages}
    replacement = [p for p in passages if p.source == "lines/2025-03-crossings.md"]
    assert replacement and "Channel crossings (2023)" in replacement[0].replaces


def test_bm25_finds_exact_acronyms():
    bm25 = BM25(["a", "b"], ["Nobody is illegal.", "NRPF means No Recourse to Public Funds."])
    assert [chunk_id for chunk_id, _ in bm25.top("what is NRPF", 2)] == ["b"]


def test_acronym_question_reaches_its_passage(tiny_index, embeddings):
    passages = ChromaRetriever(tiny_index, embeddings).retrieve(Question("NRPF?"))
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
    retriever = ChromaRetriever(make_settings(tmp_path, tmp_path), embeddings)
    try:
        retriever.retrieve(Question("anything"))
    except IndexNotReady as exc:
        assert "run `lines ingest`" in str(exc)
    else:
        raise AssertionError("expected IndexNotReady")
