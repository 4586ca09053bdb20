"""Each hostile or broken file fails alone: the good files go in, its last good version stays.

Every hostile file is built at test time and is small on disk (the 12 MB text node is a
few kilobytes zipped; the alias bomb is ten lines).
"""

from __future__ import annotations

import pytest

from bot.index.manifest import open_live_collection
from bot.ingest.loaders import LoadError
from bot.ingest.pipeline import ingest
from tests.conftest import make_settings, write_corpus
from tests.ingest.documents import (
    ALIAS_BOMB,
    docx_bytes,
    hostile_docx,
    load,
    pdf_bytes,
    pdf_with_parent_loop,
)

GOOD = "## Tone\n\nBe warm and direct with people.\n"


def hostile(kind: str) -> tuple[str, bytes, bytes, str]:
    """(file name, last good content, hostile content, expected reason)."""
    if kind == "alias-bomb":
        return "bomb.md", b"## Old\n\nThe last good text.\n", ALIAS_BOMB.encode(), "anchors"
    if kind == "pdf-parent-loop":
        return (
            "loop.pdf",
            pdf_bytes(["The last good text."]),
            pdf_with_parent_loop("New text."),
            "cycle in /Parent",
        )
    if kind == "yaml-deep-nesting":
        deep = "---\ntopics: " + "[" * 20000 + "]" * 20000 + "\n---\nBody text.\n"
        return "deep.md", b"## Old\n\nThe last good text.\n", deep.encode(), "nested too deeply"
    if kind == "too-big":
        return "big.txt", b"The last good text.\n", b"x" * (2 * 1024 * 1024 + 1), "over the 1 MB"
    good = docx_bytes([("Old", ["The last good text."])])
    reasons = {
        "docx-xxe": "declares XML entities",
        "docx-malformed": "XMLSyntaxError",
        "docx-huge-node": "XMLSyntaxError",
    }
    return "file.docx", good, hostile_docx(kind.removeprefix("docx-")), reasons[kind]


CASES = [
    "alias-bomb",
    "docx-xxe",
    "docx-malformed",
    "docx-huge-node",
    "pdf-parent-loop",
    "yaml-deep-nesting",
    "too-big",
]


@pytest.mark.parametrize("kind", CASES)
def test_a_hostile_file_fails_alone_and_keeps_its_last_good_version(tmp_path, embeddings, kind):
    name, good, bad, reason = hostile(kind)
    knowledge = write_corpus(tmp_path / "k", {"guidance/tone.md": GOOD, f"training/{name}": good})
    settings = make_settings(tmp_path, knowledge, max_file_mb=1 if kind == "too-big" else 50)
    first = ingest(settings, embeddings=embeddings)
    assert first.failed == [] and f"training/{name}" in first.added

    (knowledge / "training" / name).write_bytes(bad)
    (knowledge / "guidance" / "new.md").write_text("## Reach\n\nSpeak to the persuadable middle.\n")
    report = ingest(settings, embeddings=embeddings)

    assert [f["path"] for f in report.failed] == [f"training/{name}"]
    assert reason in report.failed[0]["error"]
    assert "\n" not in report.failed[0]["error"] and len(report.failed[0]["error"]) < 400
    assert report.added == ["guidance/new.md"]
    texts = " ".join(open_live_collection(settings, embeddings).get()["documents"])
    assert "The last good text." in texts
    assert "persuadable middle" in texts


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "bomb.md"
    path.write_text(ALIAS_BOMB)
    with pytest.raises(LoadError, match=r"anchors \(&a\)"):
        load(path)


def test_an_office_file_that_unzips_far_past_the_limit_is_refused_unparsed(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(hostile_docx("huge-node"))  # 48 KB on disk, 12 MB unzipped
    with pytest.raises(LoadError, match=r"expands to \d+ MB when unzipped \(limit 4 MB\)"):
        load(path, max_file_mb=1)


def test_an_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET VALUE")
    path = tmp_path / "x.docx"
    path.write_bytes(
        hostile_docx("xxe").replace(b"file:///etc/passwd", f"file://{secret}".encode())
    )
    with pytest.raises(LoadError, match="declares XML entities") as caught:
        load(path)
    assert "TOP SECRET" not in str(caught.value)


def test_a_link_leading_outside_the_source_folder_is_not_followed(tmp_path, embeddings):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "salaries.md").write_text("## Pay\n\nConfidential pay data.\n")
    knowledge = write_corpus(tmp_path / "k", {"guidance/tone.md": GOOD})
    (knowledge / "guidance" / "pay.md").symlink_to(outside / "salaries.md")
    (knowledge / "linked").symlink_to(outside, target_is_directory=True)
    (knowledge / "guidance" / "tone-link.md").symlink_to(knowledge / "guidance" / "tone.md")
    report = ingest(make_settings(tmp_path, knowledge), embeddings=embeddings)
    assert report.added == ["guidance/tone.md"]
    assert report.duplicates == [{"path": "guidance/tone-link.md", "same_as": "guidance/tone.md"}]
    outside_warnings = [w for w in report.warnings if "outside the source folder" in w]
    assert [w.split(":")[0] for w in outside_warnings] == ["linked", "guidance/pay.md"]
    texts = " ".join(
        open_live_collection(make_settings(tmp_path, knowledge), embeddings).get()["documents"]
    )
    assert "Confidential" not in texts
