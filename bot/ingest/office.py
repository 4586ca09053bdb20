"""Word ``.docx`` (sections by heading) and PowerPoint ``.pptx`` (sections by slide).

Both are zip packages of XML. Before a library parses one, the package is checked: it must
not expand to far more than the size limit, and no XML part may declare a DOCTYPE or
entities (Office never writes them; they are how external-entity and entity-expansion
attacks are carried). python-docx and python-pptx parse with entity resolution off and lxml's
default limits, so a huge text node is refused by lxml and reported for that file alone.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from contextlib import contextmanager
from pathlib import Path

from bot.ingest.metadata import Hints
from bot.ingest.sections import Extracted, LoadError, Section

# A package may expand to this many times the file size limit (Office XML compresses ~10x,
# images not at all); beyond it is a zip bomb, not a document.
EXPANSION_FACTOR = 4
_SCAN_CHUNK = 1 << 16
# The dates python-docx's and python-pptx's blank templates carry: a document written by
# those libraries without setting its own dates says nothing true about itself.
_TEMPLATE_DATES = {dt.date(2013, 12, 23), dt.date(2013, 1, 27)}


def check_package(path: Path, max_file_mb: int, what: str) -> None:
    """Refuse a package that expands too far or declares XML entities; ``LoadError`` says which."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LoadError(f"the {what} file is corrupt or not a real {what} file") from None
    with archive:
        infos = archive.infolist()
        limit = max_file_mb * EXPANSION_FACTOR * 1024 * 1024
        expanded = sum(info.file_size for info in infos)
        if expanded > limit:
            raise LoadError(
                f"the {what} file expands to {expanded / 1024 / 1024:.0f} MB when unzipped "
                f"(limit {limit // 1024 // 1024} MB); it is not an ordinary document"
            )
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")) and _declares_entities(
                archive, info
            ):
                raise LoadError(
                    f"the {what} file declares XML entities in {info.filename} (a DOCTYPE), "
                    "which Office never writes; refused as unsafe. Re-save it from Office"
                )


def _declares_entities(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with archive.open(info) as fh:
        head = fh.read(4)
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and head[1] == 0)
        tail = b""
        data = head
        while True:
            window = tail + data
            text = window.decode("utf-16", "ignore").encode() if utf16 else window
            if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
                return True
            tail = window[-32:]
            data = fh.read(_SCAN_CHUNK)
            if not data:
                return False


def read_docx(path: Path, max_file_mb: int) -> Extracted:
    """A Word document's text in sections by heading (tables included, row by row)."""
    import docx
    from docx.table import Table

    check_package(path, max_file_mb, "Word")
    with _xml_errors("Word"):
        document = docx.Document(str(path))
    sections: list[Section] = []
    heading, parts, first_heading = "", [], ""

    def flush() -> None:
        text = "\n\n".join(parts).strip()
        if text:
            sections.append(Section(locator=heading, text=text))

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                if any(cells):
                    parts.append(" | ".join(cells))
            continue
        style = (block.style.name if block.style is not None else "") or ""
        text = block.text.strip()
        if (style.startswith("Heading") or style == "Title") and text:
            flush()
            heading, parts = text, []
            first_heading = first_heading or text
        elif text:
            bullet = "- " if "List" in style else ""
            parts.append(bullet + text)
    flush()
    props = document.core_properties
    return Extracted(
        tuple(sections),
        Hints(
            title=props.title or "",
            date=_property_date(props.modified, props.created),
            heading=first_heading,
        ),
    )


def read_pptx(path: Path, max_file_mb: int) -> Extracted:
    """A presentation's text, one section per slide (``slide N``), speaker notes included."""
    import pptx

    check_package(path, max_file_mb, "PowerPoint")
    with _xml_errors("PowerPoint"):
        presentation = pptx.Presentation(str(path))
    sections: list[Section] = []
    first_title = ""
    for number, slide in enumerate(presentation.slides, start=1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None else ""
        first_title = first_title or title
        lines = [title] if title else []
        for shape in _shapes(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            lines.extend(_shape_text(shape))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                lines.append("Speaker notes: " + " ".join(notes.text.split()))
        text = "\n".join(line for line in lines if line.strip())
        if text.strip():
            sections.append(Section(locator=f"slide {number}", text=text))
    props = presentation.core_properties
    return Extracted(
        tuple(sections),
        Hints(
            title=props.title or "",
            date=_property_date(props.modified, props.created),
            heading=first_title,
        ),
    )


@contextmanager
def _xml_errors(what: str):
    """lxml's refusals (malformed XML, a text node past its 10 MB limit) as a one-line reason."""
    from lxml.etree import XMLSyntaxError

    try:
        yield
    except XMLSyntaxError as exc:
        message = " ".join(str(exc).split())[:160]
        raise LoadError(
            f"the {what} file's XML is malformed or too large to read safely "
            f"(XMLSyntaxError: {message}); re-save it from Office"
        ) from None


def _shapes(shapes):
    for shape in shapes:
        if hasattr(shape, "shapes"):  # a group: its members carry the text
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _shape_text(shape) -> list[str]:
    if getattr(shape, "has_table", False) and shape.has_table:
        return [" | ".join(" ".join(c.text.split()) for c in row.cells) for row in shape.table.rows]
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [
            ("- " if p.level else "") + " ".join("".join(r.text for r in p.runs).split())
            for p in shape.text_frame.paragraphs
            if "".join(r.text for r in p.runs).strip()
        ]
    return []


def _property_date(*values: dt.datetime | None) -> dt.date | None:
    for value in values:
        if isinstance(value, dt.datetime) and value.date() not in _TEMPLATE_DATES:
            return value.date()
    return None
