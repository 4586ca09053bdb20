"""Incremental ingestion against a real on-disk Chroma: what changes, what stays, what is lost."""

from __future__ import annotations

import json

import pytest

from bot.answer import Question
from bot.answering.retrieval import ChromaRetriever
from bot.index.connection import IndexConnection
from bot.index.embedding import MiniLMEmbeddings
from bot.index.manifest import manifest_path, open_live_collection
from bot.ingest.pipeline import IngestError, ingest
from tests.conftest import TINY_CORPUS, make_settings, write_corpus
from tests.ingest.documents import pdf_bytes, with_sidecar


@pytest.fixture
def corpus(tmp_path):
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    return knowledge, make_settings(tmp_path, knowledge)


def sources_in_index(settings, embeddings) -> set[str]:
    got = open_live_collection(settings, embeddings).get(include=["metadatas"])
    return {m["source"] for m in got["metadatas"]}


def test_first_run_indexes_everything_with_metadata(corpus, embeddings):
    _, settings = corpus
    report = ingest(settings, embeddings=embeddings)
    assert sorted(report.added) == sorted(TINY_CORPUS)
    assert report.failed == [] and report.chunks > 0
    got = open_live_collection(settings, embeddings).get(
        where={"source": "guidance/terminology.md"}, include=["metadatas"]
    )
    meta = {m["locator"]: m for m in got["metadatas"]}
    assert set(meta) == {"Terms to avoid", "Acronyms"}
    assert meta["Acronyms"]["title"] == "Terminology guide"
    assert meta["Acronyms"]["kind"] == "guidance"
    assert meta["Acronyms"]["date"] == "2025-01-10"
    assert meta["Acronyms"]["status"] == "current"


def test_no_change_rerun_skips_without_loading_the_model(corpus, embeddings):
    _, settings = corpus
    ingest(settings, embeddings=embeddings)
    fresh = MiniLMEmbeddings()
    report = ingest(settings, embeddings=fresh)
    assert sorted(report.unchanged) == sorted(TINY_CORPUS)
    assert report.added == report.updated == report.removed == []
    assert fresh._session is None, "a no-change run must not load the embedding model"


def test_changed_and_deleted_files_leave_nothing_stale(corpus, embeddings):
    knowledge, settings = corpus
    ingest(settings, embeddings=embeddings)
    retriever = ChromaRetriever(
        IndexConnection(settings, embeddings)
    )  # long-lived, like a running bot
    assert retriever.retrieve(Question("What does NRPF stand for?"))

    terminology = knowledge / "guidance/terminology.md"
    old = terminology.read_text()
    terminology.write_text(old.replace("No Recourse to Public Funds", "no recourse (NRPF)"))
    (knowledge / "guidance/channel-crossings.md").unlink()
    report = ingest(settings, embeddings=embeddings)

    assert report.updated == ["guidance/terminology.md"]
    assert report.removed == ["guidance/channel-crossings.md"]
    assert "guidance/channel-crossings.md" not in sources_in_index(settings, embeddings)
    texts = " ".join(open_live_collection(settings, embeddings).get()["documents"])
    assert "No Recourse to Public Funds" not in texts
    for question in ("How do we talk about people crossing the Channel?", "small boats words"):
        cited = {p.source for p in retriever.retrieve(Question(question))}
        assert "guidance/channel-crossings.md" not in cited


def test_broken_file_is_reported_and_its_previous_version_stays(corpus, embeddings):
    knowledge, settings = corpus
    handout = with_sidecar(
        knowledge / "training/handout.pdf", pdf_bytes(["Bridge back to your values."]), "Handout"
    )
    ingest(settings, embeddings=embeddings)
    handout.write_bytes(pdf_bytes(["New text"])[:400])  # truncated on a bad copy
    (knowledge / "guidance/new.md").write_text(
        "---\ntitle: New\nkind: guidance\ndate: 2025-07-01\n---\n## Tone\n\nBe warm and direct.\n"
    )
    report = ingest(settings, embeddings=embeddings)
    assert report.failed == [{"path": "training/handout.pdf", "error": report.failed[0]["error"]}]
    assert "corrupt or truncated" in report.failed[0]["error"]
    assert report.added == ["guidance/new.md"]
    texts = " ".join(open_live_collection(settings, embeddings).get()["documents"])
    assert "Bridge back to your values." in texts

    report = ingest(settings, embeddings=embeddings)  # still broken: still reported, still kept
    assert [f["path"] for f in report.failed] == ["training/handout.pdf"]
    assert "training/handout.pdf" in sources_in_index(settings, embeddings)


def test_metadata_change_in_a_sidecar_counts_as_a_change(corpus, embeddings):
    knowledge, settings = corpus
    handout = with_sidecar(knowledge / "t/h.pdf", pdf_bytes(["Text one."]), "Old title")
    ingest(settings, embeddings=embeddings)
    sidecar = handout.with_name("h.pdf.meta.yaml")
    sidecar.write_text(sidecar.read_text().replace("Old title", "New title"))
    report = ingest(settings, embeddings=embeddings)
    assert report.updated == ["t/h.pdf"]


def test_several_sources_report_paths_relative_to_their_own_folder(tmp_path, embeddings):
    first = write_corpus(tmp_path / "a", {"x/one.md": TINY_CORPUS["guidance/terminology.md"]})
    second = write_corpus(tmp_path / "b", {"one.md": TINY_CORPUS["guidance/channel-crossings.md"]})
    settings = make_settings(tmp_path, first)
    report = ingest(settings, [first, second], embeddings=embeddings)
    assert sorted(report.added) == ["one.md", "x/one.md"]
    # The index mirrors the folders given: dropping one removes its documents.
    report = ingest(settings, [first], embeddings=embeddings)
    assert report.removed == ["one.md"]
    assert sources_in_index(settings, embeddings) == {"x/one.md"}


def test_dry_run_writes_nothing(corpus, embeddings):
    _, settings = corpus
    report = ingest(settings, dry_run=True, embeddings=embeddings)
    assert sorted(report.added) == sorted(TINY_CORPUS)
    assert not manifest_path(settings).exists()


def test_rebuild_reembeds_everything(corpus, embeddings):
    _, settings = corpus
    first = ingest(settings, embeddings=embeddings)
    report = ingest(settings, rebuild=True, embeddings=embeddings)
    assert sorted(report.added) == sorted(TINY_CORPUS)
    assert report.chunks == first.chunks


def test_a_wiped_index_is_rebuilt_not_trusted(corpus, embeddings):
    _, settings = corpus
    first = ingest(settings, embeddings=embeddings)
    from bot.index.vectorstore import open_client

    open_client(settings).delete_collection(settings.collection)
    report = ingest(settings, embeddings=embeddings)
    assert sorted(report.added) == sorted(TINY_CORPUS)
    assert report.chunks == first.chunks


def test_missing_source_folder_is_a_usage_error(tmp_path, embeddings):
    settings = make_settings(tmp_path, tmp_path / "nope")
    with pytest.raises(IngestError, match="does not exist"):
        ingest(settings, embeddings=embeddings)


def test_superseded_without_its_replacement_is_warned(tmp_path, embeddings):
    corpus = {"lines/2023-08-crossings.md": TINY_CORPUS["lines/2023-08-crossings.md"]}
    knowledge = write_corpus(tmp_path / "k", corpus)
    report = ingest(make_settings(tmp_path, knowledge), embeddings=embeddings)
    assert any("lines/2025-03-crossings.md" in w for w in report.warnings)


def test_an_index_from_before_version_2_is_taken_over_without_re_embedding(corpus, embeddings):
    knowledge, settings = corpus
    ingest(settings, embeddings=embeddings)
    path = manifest_path(settings)
    data = json.loads(path.read_text())
    # Version 1 named source folders by absolute path and had no collection name.
    old = {"version": 1, "embedding_model": data["embedding_model"]}
    old["sources"] = {str(knowledge.resolve()): data["sources"]["knowledge"]}
    path.write_text(json.dumps(old))
    report = ingest(settings, embeddings=embeddings)
    assert sorted(report.unchanged) == sorted(TINY_CORPUS)
    assert report.added == report.removed == []
