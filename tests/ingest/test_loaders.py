"""Each format loads into metadata and citable sections; each bad file is refused clearly."""

from __future__ import annotations

import os

import pytest

from bot.ingest.loaders import LoadError, is_document
from tests.ingest.documents import (
    docx_bytes,
    encrypted_pdf_bytes,
    load,
    pdf_bytes,
    with_sidecar,
)

FRONT = """---
title: "Lines: hotels"
kind: line
date: 2025-06-02
status: current
topics: [housing, hotels]
---
"""


def test_markdown_front_matter_becomes_metadata(tmp_path):
    path = tmp_path / "hotels.md"
    path.write_text(FRONT + "## Our lines\n\nEveryone needs a safe home.\n", encoding="utf-8")
    document = load(path)
    assert document.meta.title == "Lines: hotels"
    assert document.meta.kind == "line"
    assert document.meta.date == "2025-06-02"
    assert document.meta.topics == ("housing", "hotels")
    assert "Everyone needs a safe home." in document.sections[0].text
    assert "title:" not in document.sections[0].text


def test_windows_1252_text_is_read_not_rejected(tmp_path):
    path = tmp_path / "card.txt"
    body = FRONT + "Fees cost £1,048 for each application – a café owner told us.\n"
    path.write_bytes(body.encode("cp1252"))
    document = load(path)
    assert "£1,048" in document.sections[0].text
    assert "café" in document.sections[0].text


def test_pdf_has_one_section_per_page(tmp_path):
    path = with_sidecar(
        tmp_path / "handout.pdf",
        pdf_bytes(["Prepare three key messages.", "Bridge back to your values."]),
        "Media interview handout",
    )
    document = load(path)
    assert document.meta.title == "Media interview handout"
    assert [s.locator for s in document.sections] == ["page 1", "page 2"]
    assert "Bridge back" in document.sections[1].text


def test_docx_sections_follow_headings(tmp_path):
    path = with_sidecar(
        tmp_path / "workshop.docx",
        docx_bytes([("Framing", ["Lead with values."]), ("Practice", ["Rewrite a headline."])]),
        "Framing workshop",
    )
    document = load(path)
    assert [s.locator for s in document.sections] == ["Framing", "Practice"]
    assert document.sections[1].text == "Rewrite a headline."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty"),
        ("garbage.pdf", b"this is not a pdf at all", "corrupt"),
        ("truncated.pdf", pdf_bytes(["Some text here."] * 3)[:700], "corrupt or truncated"),
        ("locked.pdf", encrypted_pdf_bytes(["Secret text."]), "password-protected"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt"),
        ("blank.pdf", pdf_bytes([""]), "no text could be extracted"),
    ],
)
def test_bad_files_raise_a_clear_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    if name.endswith((".pdf", ".docx")):
        with_sidecar(path, content, "Bad file")
    else:
        path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_a_document_without_metadata_gets_every_value_inferred(tmp_path):
    path = tmp_path / "lines to take" / "2025-03-10-hotels-update.md"
    path.parent.mkdir()
    path.write_text("Intro line.\n\n## Our lines\n\nEveryone needs a safe home.\n")
    meta = load(path, tmp_path).meta
    assert (meta.title, meta.kind, meta.date, meta.status) == (
        "Our lines",
        "line",
        "2025-03-10",
        "current",
    )
    assert meta.inferred == {
        "title": "first heading",
        "kind": "folder",
        "date": "file name",
        "status": "default",
    }


def test_title_falls_back_to_a_readable_file_name_and_date_to_the_file_time(tmp_path):
    path = tmp_path / "talking_about-detention (copy).txt"
    path.write_text("Plain text with no heading at all.\n")
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 14 November 2023
    meta = load(path, tmp_path).meta
    assert meta.title == "Talking about detention"
    assert (meta.kind, meta.date) == ("guidance", "2023-11-14")
    assert meta.inferred["date"] == "modification time"


def test_explicit_metadata_wins_and_keys_and_values_ignore_case(tmp_path):
    path = tmp_path / "training" / "2024-01-01-x.md"
    path.parent.mkdir()
    path.write_text(
        "---\nTitle: Given\nKIND: Lines\nDate: 23/11/2025\nStatus: Current\n---\n# Heading\n\nText.\n"
    )
    meta = load(path, tmp_path).meta
    assert (meta.title, meta.kind, meta.date, meta.status) == (
        "Given",
        "line",
        "2025-11-23",
        "current",
    )
    assert meta.inferred == {}


def test_unknown_keys_and_unreadable_values_warn_instead_of_refusing(tmp_path):
    path = tmp_path / "guidance" / "doc.md"
    path.parent.mkdir()
    path.write_text("---\nkind: briefing\ndate: last week\nauthor: Sam\n---\nBody text.\n")
    document = load(path, tmp_path)
    assert (document.meta.kind, document.meta.title) == ("guidance", "Doc")
    warnings = " | ".join(document.warnings)
    assert "'briefing'" in warnings and "'last week'" in warnings and "'author'" in warnings


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("---\nstatus: superseded\nreview_by: someday\n---\nBody text.\n")
    with pytest.raises(LoadError) as caught:
        load(path)
    assert "superseded_by" in str(caught.value) and "'review_by'" in str(caught.value)


def test_review_dates_are_stored_as_iso(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("---\nvalid_until: 01/03/2026\nexpires: 2026-06-01\n---\nBody text.\n")
    meta = load(path).meta
    assert (meta.review_by, meta.expires) == ("2026-03-01", "2026-06-01")
    assert load(path).meta.inferred.keys() == {"title", "kind", "date", "status"}


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("kind: line\nstatus: superseded\ntitle: T", "superseded_by"),
        ("kind: [line\ndate: 2025-01-01", "not valid YAML"),
        ("- just\n- a list", "mapping"),
    ],
)
def test_metadata_that_cannot_be_right_is_refused(tmp_path, front, reason):
    path = tmp_path / "doc.md"
    path.write_text(f"---\n{front}\n---\nBody text.\n")
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_sidecars_and_hidden_files_are_not_documents(tmp_path):
    (tmp_path / "a.pdf.meta.yaml").write_text("title: x")
    (tmp_path / ".draft.md").write_text("x")
    (tmp_path / "a.md").write_text("x")
    assert not is_document(tmp_path / "a.pdf.meta.yaml")
    assert not is_document(tmp_path / ".draft.md")
    assert is_document(tmp_path / "a.md")


def test_short_windows_1252_text_keeps_its_pound_sign(tmp_path):
    # Detectors guess Windows-1250 for this and read "£" as "Ł".
    path = tmp_path / "fees.txt"
    path.write_bytes((FRONT + "Fees can cost more than £2,800 per person.\n").encode("cp1252"))
    assert "£2,800" in load(path).sections[0].text


def test_other_encodings_are_still_detected(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes((FRONT + "Les réfugiés ont droit à la sécurité.\n").encode("utf-16"))
    assert "réfugiés" in load(path).sections[0].text
