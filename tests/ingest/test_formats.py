"""PowerPoint and HTML load into citable sections; document properties feed the metadata."""

from __future__ import annotations

from tests.ingest.documents import docx_with_properties, load, pdf_bytes, pptx_bytes

PAGE = """<!DOCTYPE html>
<html><head><title>Talking about asylum hotels | Example Charity</title>
<meta name="dcterms.modified" content="2025-06-02">
<style>body { color: red }</style><script>var tracking = "do not index";</script></head>
<body><nav><a href="/">Home</a> Menu text</nav>
<h1>Talking about asylum hotels</h1>
<p>Lead with the people living there, not the building.</p>
<h2>Words to use</h2>
<ul><li>people seeking safety</li><li>our neighbours</li></ul>
<h2>Words to avoid</h2>
<p>Avoid &ldquo;swamped&rdquo; and water metaphors.<br>They dehumanise people.</p>
</body></html>
"""


def test_slides_are_cited_by_number_with_speaker_notes(tmp_path):
    path = tmp_path / "training" / "framing.pptx"
    path.parent.mkdir()
    path.write_bytes(
        pptx_bytes(
            [
                ("Framing basics", ["Lead with values", "Then the facts"], "Ask the room first."),
                ("Practice", ["Rewrite a headline"], ""),
            ]
        )
    )
    document = load(path, tmp_path)
    assert [s.locator for s in document.sections] == ["slide 1", "slide 2"]
    assert "Lead with values" in document.sections[0].text
    assert "Speaker notes: Ask the room first." in document.sections[0].text
    assert (document.meta.title, document.meta.kind) == ("Framing basics", "training")
    assert document.meta.inferred["title"] == "first heading"


def test_a_presentation_title_property_wins_over_the_first_slide(tmp_path):
    path = tmp_path / "deck.pptx"
    path.write_bytes(pptx_bytes([("Slide one", ["Text"], "")], title="Volunteer induction"))
    meta = load(path).meta
    assert (meta.title, meta.inferred["title"]) == ("Volunteer induction", "document properties")


def test_html_is_cited_by_heading_without_scripts_or_navigation(tmp_path):
    path = tmp_path / "hotels.html"
    path.write_text(PAGE, encoding="utf-8")
    document = load(path)
    by_heading = {s.locator: s.text for s in document.sections}
    assert set(by_heading) == {"Talking about asylum hotels", "Words to use", "Words to avoid"}
    assert by_heading["Words to use"] == "- people seeking safety\n- our neighbours"
    assert "“swamped”" in by_heading["Words to avoid"]
    text = " ".join(by_heading.values())
    assert "tracking" not in text and "Menu text" not in text and "color" not in text
    assert document.meta.title == "Talking about asylum hotels | Example Charity"
    assert (document.meta.date, document.meta.inferred["date"]) == (
        "2025-06-02",
        "document properties",
    )


def test_word_properties_give_title_and_date(tmp_path):
    path = tmp_path / "handout.docx"
    path.write_bytes(docx_with_properties([("Framing", ["Lead with values."])], "Handout", 2024))
    meta = load(path).meta
    assert (meta.title, meta.date) == ("Handout", "2024-03-01")
    assert meta.inferred["title"] == meta.inferred["date"] == "document properties"


def test_a_pdf_without_a_title_property_is_named_after_its_file(tmp_path):
    path = tmp_path / "2024-02-05-media_handout.pdf"
    path.write_bytes(pdf_bytes(["Prepare three key messages."]))
    meta = load(path).meta
    assert meta.title == "Media handout"
    assert meta.inferred["title"] == "file name"
