"""Turning one file into a ``LoadedDocument``: its metadata and its text in citable sections.

Supported: Markdown (``.md``, ``.markdown``) and plain text (``.txt``) with YAML front matter,
PDF (one section per page) and Word ``.docx`` (one section per heading) with a sidecar.
Every failure is a ``LoadError`` whose message is fit to show a maintainer: no tracebacks.
"""

from __future__ import annotations

import codecs
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.metadata import (
    DocumentMeta,
    MetadataError,
    parse_meta,
    read_sidecar,
    sidecar_path,
    split_front_matter,
)

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx")


class LoadError(Exception):
    """A file could not be read; the message says why and what to do."""


@dataclass(frozen=True)
class Section:
    """A stretch of a document with its place: a heading, or ``page N``.

    ``markdown`` sections are split further along their own headings by the chunker.
    """

    locator: str
    text: str
    markdown: bool = False


@dataclass(frozen=True)
class LoadedDocument:
    meta: DocumentMeta
    sections: tuple[Section, ...]


def is_document(path: Path) -> bool:
    """True for files ingestion reads (not sidecars, hidden files or other formats)."""
    return (
        path.is_file()
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in path.parts)
    )


def load(path: Path) -> LoadedDocument:
    """Read ``path`` into metadata and sections, or raise ``LoadError``."""
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size == 0:
            raise LoadError("the file is empty")
        if suffix in TEXT_SUFFIXES:
            return _load_text(path)
        if suffix == ".pdf":
            return _load_pdf(path)
        if suffix == ".docx":
            return _load_docx(path)
    except MetadataError as exc:
        raise LoadError(f"bad metadata: {exc}") from None
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from None
    raise LoadError(f"unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}")


def decode_text(raw: bytes) -> str:
    """Decode bytes as UTF-8, else Windows-1252, else the most likely other encoding.

    Windows-1252 comes before guessing because it is by far the commonest legacy encoding
    for UK documents, and on short texts detectors confuse it with its neighbours (they read
    "£" as the Polish "Ł" of Windows-1250). Bytes it cannot decode mean it is not the answer.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return raw.decode("utf-32")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    # Single-byte text never holds NUL bytes: if it does, it is UTF-16/32 without a BOM.
    for encoding in ("utf-8-sig", "cp1252") if b"\x00" not in raw else ():
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise LoadError("the file is not text in any encoding we recognise (is it binary?)")
    log.debug("decoded as %s", best.encoding)
    return str(best)


def _load_text(path: Path) -> LoadedDocument:
    text = decode_text(path.read_bytes())
    front, body = split_front_matter(text)
    if front is None:
        front = read_sidecar(path)
    if front is None:
        raise LoadError(
            "no metadata: start the file with YAML front matter (title, kind, date, status) "
            f"or add {sidecar_path(path).name}"
        )
    if not body.strip():
        raise LoadError("the document has metadata but no text")
    meta = parse_meta(front, fallback_title=path.stem)
    return LoadedDocument(meta, (Section(locator="", text=body, markdown=True),))


def _meta_from_sidecar(path: Path) -> DocumentMeta:
    data = read_sidecar(path)
    if data is None:
        raise LoadError(
            f"no metadata: add {sidecar_path(path).name} beside it "
            "with title, kind, date and status"
        )
    return parse_meta(data, fallback_title=path.stem)


def _load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    meta = _meta_from_sidecar(path)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            # Many "protected" PDFs only restrict editing and open with an empty password.
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, DependencyError) as exc:
                raise LoadError(
                    f"the PDF is encrypted with a method that cannot be opened here ({exc}); "
                    "save an unencrypted copy and re-run"
                ) from None
            if not opened:
                raise LoadError(
                    "the PDF is password-protected; save an unencrypted copy and re-run"
                )
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                sections.append(Section(locator=f"page {number}", text=text))
    except FileNotDecryptedError:
        raise LoadError(
            "the PDF is password-protected; save an unencrypted copy and re-run"
        ) from None
    except DependencyError as exc:
        raise LoadError(f"the PDF needs a library that is not installed: {exc}") from None
    except (PdfReadError, PdfStreamError) as exc:
        raise LoadError(f"the PDF is corrupt or truncated: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pypdf surfaces some malformed structures as plain Python errors.
        raise LoadError(f"the PDF is malformed and cannot be read ({type(exc).__name__})") from None
    if not sections:
        raise LoadError("no text could be extracted (a scanned image? run OCR first)")
    return LoadedDocument(meta, tuple(sections))


def _load_docx(path: Path) -> LoadedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    meta = _meta_from_sidecar(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"the Word file is corrupt or not a .docx ({type(exc).__name__})") from None
    sections: list[Section] = []
    heading, parts = "", []

    def flush() -> None:
        text = "\n\n".join(parts).strip()
        if text:
            sections.append(Section(locator=heading, text=text))

    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        text = paragraph.text.strip()
        if style.startswith("Heading") or style == "Title":
            flush()
            heading, parts = text, []
        elif text:
            bullet = "- " if "List" in style else ""
            parts.append(bullet + text)
    flush()
    if not sections:
        raise LoadError("the Word file has no text")
    return LoadedDocument(meta, tuple(sections))
