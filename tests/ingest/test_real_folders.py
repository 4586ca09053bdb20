"""A folder of ordinary documents goes in as it is, and every file in it is accounted for."""

from __future__ import annotations

import json

from bot.answer import Question
from bot.answering.retrieval import ChromaRetriever
from bot.cli import main
from bot.index.connection import IndexConnection
from bot.ingest.pipeline import ingest
from tests.conftest import make_settings, write_corpus
from tests.ingest.documents import docx_bytes, pdf_bytes, pptx_bytes

NOTE = "# Talking about detention\n\nSay people are held in detention, not housed.\n"
CARD = "Volunteer card\n\nNRPF means No Recourse to Public Funds.\n"
PAGE = (
    "<html><head><title>Hotels</title></head><body><h2>Words to avoid</h2>"
    "<p>Never call hotels luxury; people there share one room.</p></body></html>"
)


def plain_folder(root):
    return write_corpus(
        root,
        {
            "Guidance/detention-note.md": NOTE,
            "Guidance/volunteer card.txt": CARD,
            "Guidance/volunteer card (copy).txt": CARD,
            "Lines to take/2025-03-10-hotels.html": PAGE,
            "Training/handout.pdf": pdf_bytes(["Bridge back to your values in interviews."]),
            "Training/workshop.docx": docx_bytes([("Framing", ["Lead with shared values."])]),
            "Training/induction.pptx": pptx_bytes(
                [("Welcome", ["Who we are"], ""), ("Consent", ["Ask every time"], "Never rush.")]
            ),
            "Training/old-notes.doc": b"\xd0\xcf\x11\xe0 old word",
            "Training/letter.rtf": b"{\\rtf1 hello}",
            "Training/photo.png": b"\x89PNG\r\n",
            "Training/deleted.pdf.meta.yaml": "title: Gone\n",
        },
    )


def test_a_plain_folder_ingests_in_one_run_with_everything_accounted_for(tmp_path, embeddings):
    knowledge = plain_folder(tmp_path / "docs")
    settings = make_settings(tmp_path, knowledge)
    report = ingest(settings, embeddings=embeddings)

    assert report.failed == []
    assert sorted(report.added) == [
        "Guidance/detention-note.md",
        "Guidance/volunteer card.txt",
        "Lines to take/2025-03-10-hotels.html",
        "Training/handout.pdf",
        "Training/induction.pptx",
        "Training/workshop.docx",
    ]
    skipped = {s["path"]: s["reason"] for s in report.skipped}
    assert set(skipped) == {"Training/old-notes.doc", "Training/letter.rtf", "Training/photo.png"}
    assert "save it as .docx" in skipped["Training/old-notes.doc"]
    assert "images are not read" in skipped["Training/photo.png"]
    assert report.duplicates == [
        {"path": "Guidance/volunteer card (copy).txt", "same_as": "Guidance/volunteer card.txt"}
    ]
    assert report.orphan_sidecars == ["Training/deleted.pdf.meta.yaml"]

    inferred = {i["path"]: i["fields"] for i in report.inferred}
    assert set(inferred) == set(report.added)
    hotels = inferred["Lines to take/2025-03-10-hotels.html"]
    assert hotels["kind"] == {"value": "line", "from": "folder"}
    assert hotels["date"] == {"value": "2025-03-10", "from": "file name"}
    assert hotels["title"] == {"value": "Hotels", "from": "document properties"}
    assert inferred["Guidance/detention-note.md"]["title"]["from"] == "first heading"

    retriever = ChromaRetriever(IndexConnection(settings, embeddings))
    consent = retriever.retrieve(Question("How should we ask for consent in training?"))
    assert ("Training/induction.pptx", "slide 2") in {(p.source, p.locator) for p in consent}
    luxury = retriever.retrieve(Question("Can we describe asylum hotels as luxury?"))
    assert luxury[0].source == "Lines to take/2025-03-10-hotels.html"
    assert luxury[0].locator == "Words to avoid"
    cited = {p.source for p in retriever.retrieve(Question("What does NRPF mean?"))}
    assert "Guidance/volunteer card (copy).txt" not in cited


def test_dry_run_shows_each_value_and_where_it_came_from(tmp_path, monkeypatch, capsys):
    knowledge = plain_folder(tmp_path / "docs")
    monkeypatch.setenv("KNOWLEDGE_DIRS", str(knowledge))
    monkeypatch.setenv("CHROMA_DIR", str(tmp_path / "chroma"))
    monkeypatch.chdir(tmp_path)

    assert main(["ingest", "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("added", "updated", "removed", "unchanged", "failed", "chunks", "warnings"):
        assert key in data
    values = {m["path"]: m["fields"] for m in data["metadata"]}
    assert values["Training/workshop.docx"]["title"] == {
        "value": "Workshop handout",
        "from": "first heading",
    }
    assert values["Training/workshop.docx"]["kind"] == {"value": "training", "from": "folder"}
    assert values["Guidance/volunteer card.txt"]["title"]["from"] == "file name"
    assert not (tmp_path / "chroma" / "manifest-lines.json").exists()

    assert main(["ingest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Training/induction.pptx (added)" in out
    assert "<- modification time" in out and "<- folder" in out


def test_a_supersession_loop_is_refused_and_named(tmp_path, embeddings):
    knowledge = write_corpus(
        tmp_path / "k",
        {
            "a.md": "---\nstatus: superseded\nsuperseded_by: b.md\n---\nText a.\n",
            "b.md": "---\nstatus: Superseded\nsuperseded_by: a.md\n---\nText b.\n",
            "c.md": "---\nstatus: superseded\nsuperseded_by: ../elsewhere/d.md\n---\nText c.\n",
            "e.md": "---\nstatus: superseded\nsuperseded_by: missing.md\n---\nText e.\n",
        },
    )
    report = ingest(make_settings(tmp_path, knowledge), embeddings=embeddings)
    failed = {f["path"]: f["error"] for f in report.failed}
    assert set(failed) == {"a.md", "b.md"}
    assert "supersession loop: a.md -> b.md -> a.md" in failed["a.md"]
    assert sorted(report.added) == ["c.md", "e.md"]
    assert any("c.md" in w and "outside the source folder" in w for w in report.warnings)
    assert any("e.md" in w and "not indexed" in w for w in report.warnings)


def test_a_deleted_copy_of_an_indexed_file_is_not_a_new_source(tmp_path, embeddings):
    knowledge = write_corpus(tmp_path / "k", {"card.txt": CARD})
    settings = make_settings(tmp_path, knowledge)
    ingest(settings, embeddings=embeddings)
    (knowledge / "a copy.txt").write_text(CARD)  # sorts first, but card.txt is indexed
    report = ingest(settings, embeddings=embeddings)
    assert report.unchanged == ["card.txt"] and report.added == []
    assert report.duplicates == [{"path": "a copy.txt", "same_as": "card.txt"}]


def test_a_source_folder_under_a_hidden_folder_is_read_but_hidden_files_in_it_are_not(
    tmp_path, embeddings
):
    from bot.ingest.pipeline import ingest
    from tests.conftest import make_settings

    knowledge = tmp_path / ".local" / "share" / "lines" / "knowledge"
    (knowledge / ".drafts").mkdir(parents=True)
    (knowledge / "guide.md").write_text("# Guide\n\nSay people, not numbers.\n", encoding="utf-8")
    (knowledge / ".notes.md").write_text("# Private\n\nNot for the index.\n", encoding="utf-8")
    (knowledge / ".drafts" / "draft.md").write_text("# Draft\n\nNot yet.\n", encoding="utf-8")
    report = ingest(make_settings(tmp_path, knowledge), embeddings=embeddings)
    assert report.added == ["guide.md"] and not report.failed


def test_the_staff_policy_kept_beside_the_documents_is_not_reported_as_skipped(
    tmp_path, embeddings
):
    from bot.ingest.pipeline import ingest
    from tests.conftest import make_settings

    knowledge = tmp_path / "knowledge"
    (knowledge / "policy").mkdir(parents=True)
    (knowledge / "guide.md").write_text("# Guide\n\nSay people, not numbers.\n", encoding="utf-8")
    (knowledge / "policy" / "escalation.yaml").write_text("categories: {}\n", encoding="utf-8")
    (knowledge / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    settings = make_settings(
        tmp_path, knowledge, policy_path=knowledge / "policy" / "escalation.yaml"
    )
    report = ingest(settings, embeddings=embeddings)
    assert [s["path"] for s in report.skipped] == ["notes.yaml"]
