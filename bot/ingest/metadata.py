"""Document metadata: optional, inferred from the file when absent, explicit values always win.

Explicit metadata comes from YAML front matter (Markdown and text) or a sidecar beside the
document named after it with ``.meta.yaml`` added (``handout.pdf`` -> ``handout.pdf.meta.yaml``).
Every key is optional::

    title: Lines to take: Channel crossings     # else document properties, first heading, file name
    kind: line                                   # guidance | line | training; else the folder
    date: 2025-03-10                             # ISO or UK (10/03/2025); else document property,
                                                 # date in the file name, file modification time
    status: current                              # current | superseded (default current)
    superseded_by: lines/2025-03-channel.md      # needed when superseded
    summary: ...
    topics: [channel crossings]
    review_by: 2026-03-01                        # alias valid_until
    expires: 2026-06-01

Keys and the values of ``kind`` and ``status`` are case-insensitive. Unknown keys, unknown
kinds and unreadable dates are warnings (the inferred value is used); only what cannot be
right is refused: a superseded document that names no replacement.

YAML is read without anchors and aliases: an alias "bomb" (a few lines that expand to
gigabytes) is refused before anything is built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

KINDS = ("guidance", "line", "training")
STATUSES = ("current", "superseded")
SIDECAR_SUFFIX = ".meta.yaml"
MAX_METADATA_BYTES = 64 * 1024  # front matter or sidecar; real metadata is a few hundred bytes
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_KNOWN_KEYS = (
    "title",
    "kind",
    "date",
    "status",
    "superseded_by",
    "summary",
    "topics",
    "review_by",
    "expires",
)
_KEY_ALIASES = {"valid_until": "review_by", "tags": "topics"}
_KIND_ALIASES = {"lines": "line", "line to take": "line", "lines to take": "line"}
# Titles that document properties carry by default and that name nothing.
_GENERIC_TITLES = re.compile(
    r"^(untitled|document\d*|presentation\d*|powerpoint presentation|slide \d+|"
    r"microsoft (word|powerpoint) - .*|word document|title|.*\.(docx?|pptx?|pdf|html?|txt))$",
    re.IGNORECASE,
)
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_](\d{2})[-_](\d{2})(?!\d)")
_UK_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y")

# Where a value came from, as the report and ``--dry-run`` name it.
FRONT_MATTER = "front matter"
SIDECAR = "sidecar"
PROPERTIES = "document properties"
HEADING = "first heading"
FOLDER = "folder"
FILE_NAME = "file name"
MTIME = "modification time"
DEFAULT = "default"


class MetadataError(ValueError):
    """A document's metadata cannot be right; the message lists every problem found."""


@dataclass(frozen=True)
class DocumentMeta:
    """A document's metadata as indexed. ``origin`` maps each key to where its value came from."""

    title: str
    kind: str
    date: str
    status: str = "current"
    superseded_by: str | None = None
    summary: str = ""
    topics: tuple[str, ...] = field(default=())
    review_by: str = ""
    expires: str = ""
    origin: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def inferred(self) -> dict[str, str]:
        """Keys whose value was worked out from the file rather than written down: key -> source."""
        return {k: v for k, v in self.origin if v not in (FRONT_MATTER, SIDECAR)}


@dataclass(frozen=True)
class Hints:
    """What a document says about itself, used when its metadata does not say it."""

    title: str = ""  # document properties: Word/PowerPoint core title, PDF /Title, HTML <title>
    date: dt.date | None = None  # document properties: modified, else created
    heading: str = ""  # the first heading of the text


@dataclass(frozen=True)
class Resolved:
    meta: DocumentMeta
    warnings: tuple[str, ...]


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases instead of expanding them."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise MetadataError(
                f"YAML aliases (*{event.anchor}) are not allowed in metadata; write values out"
            )
        event = self.peek_event()
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            raise MetadataError(
                f"YAML anchors (&{event.anchor}) are not allowed in metadata; write values out"
            )
        return super().compose_node(parent, index)


def load_yaml_mapping(text: str, what: str) -> dict:
    """Parse small YAML metadata into a mapping, or raise ``MetadataError`` saying why."""
    if len(text.encode("utf-8", "replace")) > MAX_METADATA_BYTES:
        raise MetadataError(f"{what} is larger than {MAX_METADATA_BYTES // 1024} KB")
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise MetadataError(f"{what} is not valid YAML: {_short(exc)}") from None
    except RecursionError:
        raise MetadataError(f"{what} is nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MetadataError(f"{what} must be a YAML mapping of keys to values")
    return data


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """Return (front matter mapping or None, body). Raises MetadataError on bad YAML."""
    text = text.lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    return load_yaml_mapping(match.group(1), "front matter"), text[match.end() :]


def sidecar_path(document: Path) -> Path:
    """The sidecar that holds ``document``'s metadata (it may not exist)."""
    return document.with_name(document.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    """True for ``*.meta.yaml`` files."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def read_sidecar(document: Path) -> dict | None:
    """The sidecar mapping for ``document``, or None when there is no sidecar."""
    path = sidecar_path(document)
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise MetadataError(f"sidecar {path.name} is larger than {MAX_METADATA_BYTES // 1024} KB")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MetadataError(f"sidecar {path.name} is not UTF-8 text") from None
    return load_yaml_mapping(text, f"sidecar {path.name}")


def resolve_meta(
    path: Path,
    root: Path,
    *,
    front: Mapping | None = None,
    sidecar: Mapping | None = None,
    hints: Hints = Hints(),
) -> Resolved:
    """Every metadata value for ``path``, explicit first, else inferred; with warnings.

    Explicit values: front matter, then the sidecar. Raises ``MetadataError`` listing every
    problem at once, only for what cannot be right (superseded with no replacement).
    """
    warnings: list[str] = []
    values: dict[str, object] = {}
    origin: dict[str, str] = {}
    for source, data in ((SIDECAR, sidecar), (FRONT_MATTER, front)):  # front matter wins
        for raw_key, value in (data or {}).items():
            key = _normal_key(raw_key)
            if key not in _KNOWN_KEYS:
                warnings.append(
                    f"unknown metadata key {raw_key!r} in the {source} ignored "
                    f"(known: {', '.join(_KNOWN_KEYS)})"
                )
                continue
            if value is None or value == "":
                continue
            values[key], origin[key] = value, source
    errors: list[str] = []

    title = _text(values.get("title"))
    if not title:
        title, origin["title"] = _inferred_title(path, hints)

    kind = None
    if "kind" in values:
        kind = _normal_kind(values["kind"])
        if kind is None:
            warnings.append(
                f"'kind' {values['kind']!r} is not one of {', '.join(KINDS)}; "
                "using the inferred kind"
            )
    if kind is None:
        kind, origin["kind"] = _inferred_kind(path, root)

    date = None
    if "date" in values:
        date = _parse_date(values["date"])
        if date is None:
            warnings.append(
                f"'date' {values['date']!r} is not a date such as 2025-03-10 or 10/03/2025; "
                "using the inferred date"
            )
    if date is None:
        date, origin["date"] = _inferred_date(path, hints)

    status = "current"
    if "status" in values:
        status = str(values["status"]).strip().lower()
        if status not in STATUSES:
            warnings.append(
                f"'status' {values['status']!r} is not one of {', '.join(STATUSES)}; "
                "treating the document as current"
            )
            status = "current"
    else:
        origin["status"] = DEFAULT

    superseded_by = _text(values.get("superseded_by")) or None
    if superseded_by:
        superseded_by = superseded_by.replace("\\", "/").removeprefix("./")
    if status == "superseded" and not superseded_by:
        errors.append("it is marked superseded but 'superseded_by' does not name its replacement")
    if superseded_by and status != "superseded":
        warnings.append("'superseded_by' is set but 'status' is not superseded; it is ignored")
        superseded_by = None

    topics = values.get("topics") or ()
    if isinstance(topics, str):
        topics = [t for t in (p.strip() for p in topics.split(",")) if t]
    if not isinstance(topics, list | tuple):
        warnings.append("'topics' should be a list such as [housing, hotels]; ignored")
        topics = ()

    review = {}
    for key in ("review_by", "expires"):
        if key not in values:
            review[key] = ""
            continue
        parsed = _parse_date(values[key])
        if parsed is None:
            errors.append(f"'{key}' {values[key]!r} is not a date such as 2026-03-01 or 01/03/2026")
        review[key] = parsed.isoformat() if parsed else ""

    if errors:
        raise MetadataError("; ".join(errors))
    meta = DocumentMeta(
        title=title,
        kind=kind,
        date=date.isoformat(),
        status=status,
        superseded_by=superseded_by,
        summary=_text(values.get("summary")),
        topics=tuple(str(t).strip() for t in topics if str(t).strip()),
        review_by=review["review_by"],
        expires=review["expires"],
        origin=tuple(
            (k, origin[k])
            for k in _KNOWN_KEYS
            if k in origin and (k in values or k in ("title", "kind", "date", "status"))
        ),
    )
    return Resolved(meta, tuple(warnings))


def readable_name(path: Path) -> str:
    """A title from a file name: ``2025-03-10-channel-crossings.md`` -> ``Channel crossings``."""
    stem = path.name[: -len("".join(path.suffixes[-1:]))] if path.suffix else path.name
    stem = _NAME_DATE.sub(" ", stem)
    stem = re.sub(r"\(\s*copy\s*\d*\s*\)|\bcopy of\b", " ", stem, flags=re.IGNORECASE)
    words = re.sub(r"[-_.\s]+", " ", stem).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


def _inferred_title(path: Path, hints: Hints) -> tuple[str, str]:
    prop = " ".join(hints.title.split())
    if prop and not _GENERIC_TITLES.match(prop):
        return prop, PROPERTIES
    heading = " ".join(hints.heading.split())
    if heading:
        return heading[:200], HEADING
    return readable_name(path), FILE_NAME


def _inferred_kind(path: Path, root: Path) -> tuple[str, str]:
    try:
        folders = path.parent.relative_to(root).parts
    except ValueError:
        folders = ()
    for folder in reversed(folders):  # the nearest folder decides
        words = set(re.split(r"[^a-z]+", folder.lower()))
        if "guidance" in words:
            return "guidance", FOLDER
        if words & {"lines", "line"}:
            return "line", FOLDER
        if "training" in words:
            return "training", FOLDER
    return "guidance", DEFAULT


def _inferred_date(path: Path, hints: Hints) -> tuple[dt.date, str]:
    if hints.date is not None:
        return hints.date, PROPERTIES
    match = _NAME_DATE.search(path.name)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())), FILE_NAME
        except ValueError:
            pass
    mtime = path.stat().st_mtime
    return dt.datetime.fromtimestamp(mtime, tz=dt.UTC).date(), MTIME


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    for fmt in _UK_DATE_FORMATS:  # day first: these are UK documents
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _normal_key(key: object) -> str:
    key = re.sub(r"[\s-]+", "_", str(key).strip().lower())
    return _KEY_ALIASES.get(key, key)


def _normal_kind(value: object) -> str | None:
    kind = " ".join(str(value).split()).lower()
    kind = _KIND_ALIASES.get(kind, kind)
    return kind if kind in KINDS else None


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def content_hash(document: Path) -> str:
    """sha256 of the file's bytes and, when present, its sidecar's (metadata changes count)."""
    return file_digests(document)[1]


def file_digests(document: Path) -> tuple[str, str]:
    """(sha256 of the file's bytes alone, ``content_hash``), reading the file once.

    The first finds exact copies of a document; the second is what the manifest records.
    """
    digest = hashlib.sha256()
    with document.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    of_bytes = digest.hexdigest()
    sidecar = sidecar_path(document)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())
    return of_bytes, digest.hexdigest()
