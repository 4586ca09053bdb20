"""Builders for real PDF and Word files used by ingestion tests."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from fpdf import FPDF
from pypdf import PdfWriter

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
