"""Turning one file into a ``LoadedDocument``: its metadata and its text in citable sections.

Supported: Markdown (``.md``, ``.markdown``) and plain text (``.txt``), PDF (cited by page),
Word ``.docx`` (by heading), PowerPoint ``.pptx`` (by slide, speaker notes included) and
HTML (``.html``, ``.htm``, by heading). Metadata is optional (see ``bot.ingest.metadata``).

Work per file is bounded: a size limit (``MAX_FILE_MB``), a cap on extracted text, YAML
without aliases, Office XML refused when it declares entities, and any exception while
reading one file becomes that file's ``LoadError`` (a one-line reason, no traceback).
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.metadata import (
    DocumentMeta,
    Hints,
    MetadataError,
    is_sidecar,
    read_sidecar,
    resolve_meta,
    split_front_matter,
)
from bot.ingest.sections import MAX_TEXT_CHARS, Extracted, LoadError, Section

log = logging.getLogger(__name__)

__all__ = ["MAX_TEXT_CHARS", "Extracted", "LoadError", "LoadedDocument", "Section", "load"]

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx", ".pptx", *HTML_SUFFIXES)

# Why a file we do not read is skipped, and what to do about it.
_SKIP_REASONS = {
    ".doc": "old Word format (.doc): open it in Word or LibreOffice and save it as .docx",
    ".rtf": "Rich Text (.rtf): save it as .docx or .txt",
    ".odt": "OpenDocument text (.odt): save it as .docx",
    ".ppt": "old PowerPoint format (.ppt): save it as .pptx",
    ".odp": "OpenDocument slides (.odp): save them as .pptx",
    ".pages": "Apple Pages: export it as .docx or PDF",
    ".key": "Apple Keynote: export it as .pptx or PDF",
    ".xls": "spreadsheets are not read",
    ".xlsx": "spreadsheets are not read",
    ".csv": "spreadsheets are not read",
    ".yaml": "YAML is not a document (metadata goes in a sidecar named <document>.meta.yaml)",
    ".yml": "YAML is not a document (metadata goes in a sidecar named <document>.meta.yaml)",
    ".json": "JSON is not a document",
    ".zip": "archives are not opened: unpack it into the folder",
}
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp", ".heic")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


@dataclass(frozen=True)
class LoadedDocument:
    meta: DocumentMeta
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()


def is_document(path: Path) -> bool:
    """True for files ingestion reads (not sidecars, hidden files or other formats).

    Hidden folders are left out by the folder walk, relative to the source folder: a source
    folder that itself lives under a hidden folder (``~/.local/share/...``) is read.
    """
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in SUPPORTED_SUFFIXES
        and not is_sidecar(path)
    )


def skip_reason(path: Path) -> str:
    """Why ``path`` (not a supported document, not a sidecar) is not read."""
    suffix = path.suffix.lower()
    if path.name.startswith("~$"):
        return "an Office lock file (the document is open somewhere); it is not a document"
    if suffix in _SKIP_REASONS:
        return _SKIP_REASONS[suffix]
    if suffix in _IMAGE_SUFFIXES:
        return "images are not read (no text recognition); add the text as a document"
    shown = suffix or "no extension"
    return f"unsupported file type ({shown}); supported: {', '.join(SUPPORTED_SUFFIXES)}"


def load(path: Path, root: Path | None = None, *, max_file_mb: int) -> LoadedDocument:
    """Read ``path`` into metadata and sections, or raise ``LoadError`` with a one-line reason.

    ``root`` is the source folder (folder names there decide the kind). Whatever goes wrong
    inside a reader, including errors from the libraries, comes out as ``LoadError``.
    """
    root = root if root is not None else path.parent
    try:
        return _load(path, root, max_file_mb)
    except LoadError:
        raise
    except MetadataError as exc:
        raise LoadError(f"bad metadata: {exc}") from None
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from None
    except MemoryError:
        raise LoadError("the file is too large to read into memory") from None
    except RecursionError:
        raise LoadError("the file is nested too deeply to read (malformed or hostile)") from None
    except Exception as exc:
        raise LoadError(f"cannot be read ({type(exc).__name__}: {_short(exc)})") from None


def check_size(path: Path, max_file_mb: int) -> int:
    """The file's size in bytes; ``LoadError`` when it is over ``MAX_FILE_MB`` (read nothing)."""
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise LoadError(
            f"the file is {size / 1024 / 1024:.0f} MB, over the {max_file_mb} MB limit "
            "(MAX_FILE_MB); split it or raise the limit"
        )
    return size


def _load(path: Path, root: Path, max_file_mb: int) -> LoadedDocument:
    suffix = path.suffix.lower()
    if check_size(path, max_file_mb) == 0:
        raise LoadError("the file is empty")
    sidecar = read_sidecar(path)
    if suffix in TEXT_SUFFIXES:
        extracted = _read_text(path)
    elif suffix == ".pdf":
        extracted = _read_pdf(path)
    elif suffix == ".docx":
        from bot.ingest.office import read_docx

        extracted = read_docx(path, max_file_mb)
    elif suffix == ".pptx":
        from bot.ingest.office import read_pptx

        extracted = read_pptx(path, max_file_mb)
    elif suffix in HTML_SUFFIXES:
        from bot.ingest.webpage import read_html

        extracted = read_html(decode_text(path.read_bytes()))
    else:
        raise LoadError(skip_reason(path))
    text_chars = sum(len(s.text) for s in extracted.sections)
    if text_chars > MAX_TEXT_CHARS:
        raise LoadError(
            f"the document holds {text_chars:,} characters of text, over the "
            f"{MAX_TEXT_CHARS:,} limit; split it into smaller documents"
        )
    if not any(s.text.strip() for s in extracted.sections):
        raise LoadError(_no_text_reason(suffix))
    resolved = resolve_meta(
        path, root, front=extracted.front, sidecar=sidecar, hints=extracted.hints
    )
    return LoadedDocument(resolved.meta, extracted.sections, resolved.warnings)


def _no_text_reason(suffix: str) -> str:
    if suffix == ".pdf":
        return "no text could be extracted (a scanned image? run OCR first)"
    if suffix == ".docx":
        return "the Word file has no text"
    if suffix == ".pptx":
        return "the slides have no text"
    return "the document has no text"


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


def _read_text(path: Path) -> Extracted:
    text = decode_text(path.read_bytes())
    if len(text) > MAX_TEXT_CHARS:
        raise LoadError(
            f"the document holds {len(text):,} characters of text, over the "
            f"{MAX_TEXT_CHARS:,} limit; split it into smaller documents"
        )
    front, body = split_front_matter(text)
    heading = _MD_HEADING.search(body)
    hints = Hints(heading=heading.group(1).strip() if heading else "")
    return Extracted((Section(locator="", text=body, markdown=True),), hints, front)


def _read_pdf(path: Path) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

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
        total = 0
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            total += len(text)
            if total > MAX_TEXT_CHARS:
                raise LoadError(
                    f"the PDF holds more than {MAX_TEXT_CHARS:,} characters of text; "
                    "split it into smaller documents"
                )
            if text.strip():
                sections.append(Section(locator=f"page {number}", text=text))
        hints = _pdf_hints(reader)
    except FileNotDecryptedError:
        raise LoadError(
            "the PDF is password-protected; save an unencrypted copy and re-run"
        ) from None
    except DependencyError as exc:
        raise LoadError(f"the PDF needs a library that is not installed: {exc}") from None
    except (PdfReadError, PdfStreamError) as exc:
        raise LoadError(f"the PDF is corrupt or truncated: {_short(exc)}") from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pypdf surfaces some malformed structures as plain Python errors.
        raise LoadError(f"the PDF is malformed and cannot be read ({type(exc).__name__})") from None
    return Extracted(tuple(sections), hints)


def _pdf_hints(reader) -> Hints:
    try:
        info = reader.metadata
    except Exception:
        return Hints()
    if info is None:
        return Hints()
    title = str(info.title or "") if _safe(lambda: info.title) else ""
    date = None
    for getter in (lambda: info.modification_date, lambda: info.creation_date):
        value = _safe(getter)
        if isinstance(value, dt.datetime):
            date = value.date()
            break
    return Hints(title=title, date=date)


def _safe(getter):
    try:
        return getter()
    except Exception:
        return None


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
