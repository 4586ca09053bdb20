"""Builders for real PDF, Word and PowerPoint files (and hostile ones) used by ingestion tests,
and the loader they are read with."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import docx
from fpdf import FPDF
from pypdf import PdfWriter

from bot.ingest import loaders
from bot.settings import Settings

# The loader as ingestion runs it, with the declared MAX_FILE_MB.
load = partial(loaders.load, max_file_mb=Settings.default("max_file_mb"))

SIDECAR = """title: {title}
kind: training
date: 2025-05-01
status: current
"""


def pdf_bytes(pages: list[str]) -> bytes:
    """A real PDF with one page per string (core font, so latin-1 text only)."""
    pdf = FPDF()
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def encrypted_pdf_bytes(pages: list[str], password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(pages)))
    writer.encrypt(user_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(sections: list[tuple[str, list[str]]]) -> bytes:
    """A real .docx: for each (heading, paragraphs) a Heading 2 then normal paragraphs."""
    document = docx.Document()
    document.add_heading("Workshop handout", level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_sidecar(path: Path, content: bytes, title: str) -> Path:
    """Write ``content`` to ``path`` and its ``.meta.yaml`` sidecar beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.with_name(path.name + ".meta.yaml").write_text(SIDECAR.format(title=title))
    return path


def pptx_bytes(slides: list[tuple[str, list[str], str]], title: str = "") -> bytes:
    """A real .pptx: for each (title, bullet lines, speaker notes) one title-and-content slide."""
    import pptx

    presentation = pptx.Presentation()
    presentation.core_properties.title = title
    layout = presentation.slide_layouts[1]  # title and content
    for slide_title, bullets, notes in slides:
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = slide_title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0] if bullets else ""
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def docx_with_properties(sections: list[tuple[str, list[str]]], title: str, year: int) -> bytes:
    """A .docx whose core properties carry a title and a modified date (1 March ``year``)."""
    import datetime as dt

    document = docx.Document(io.BytesIO(docx_bytes(sections)))
    document.core_properties.title = title
    document.core_properties.modified = dt.datetime(year, 3, 1, 12, 0)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def replace_part(package: bytes, part: str, content: bytes) -> bytes:
    """The zip ``package`` with ``part`` replaced by ``content`` (to build hostile Office files)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = content if item.filename == part else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


WORD_BODY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
)


def hostile_docx(kind: str) -> bytes:
    """A .docx built to attack the reader: ``xxe``, ``malformed`` or ``huge-node`` (12 MB)."""
    good = docx_bytes([("Heading", ["Text."])])
    if kind == "xxe":
        doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        body = WORD_BODY.format(doctype=doctype, text="&xxe;")
    elif kind == "malformed":
        body = WORD_BODY.format(doctype="", text="unclosed <w:t>")
    elif kind == "huge-node":
        body = WORD_BODY.format(doctype="", text="a" * (12 * 1024 * 1024))
    else:
        raise ValueError(kind)
    return replace_part(good, "word/document.xml", body.encode())


def pdf_with_parent_loop(text: str) -> bytes:
    """A PDF whose page tree's /Parent chain loops back on itself."""
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes([text])))
    pages = writer._root_object["/Pages"]
    pages[NameObject("/Parent")] = writer._root_object.raw_get("/Pages")
    page = writer.pages[0]
    for key in ("/MediaBox", "/Resources"):
        if key in page:
            del page[NameObject(key)]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ALIAS_BOMB = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "title: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "---\nBody text.\n"
)
