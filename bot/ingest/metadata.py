"""Document metadata: YAML front matter for Markdown and text, a sidecar file for PDF and Word.

A sidecar sits beside the document and is named after it with ``.meta.yaml`` added:
``handout.pdf`` -> ``handout.pdf.meta.yaml``. Both carry the same keys::

    title: Lines to take: Channel crossings     # required
    kind: line                                   # guidance | line | training (required)
    date: 2025-03-10                             # ISO date (required)
    status: current                              # current | superseded (default current)
    superseded_by: lines/2025-03-channel.md      # required when superseded
    summary: ...                                 # optional
    topics: [channel crossings]                  # optional
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("guidance", "line", "training")
STATUSES = ("current", "superseded")
SIDECAR_SUFFIX = ".meta.yaml"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_KNOWN_KEYS = {"title", "kind", "date", "status", "superseded_by", "summary", "topics"}


class MetadataError(ValueError):
    """A document's metadata is missing or invalid; the message says which key and why."""


@dataclass(frozen=True)
class DocumentMeta:
    title: str
    kind: str
    date: str
    status: str = "current"
    superseded_by: str | None = None
    summary: str = ""
    topics: tuple[str, ...] = field(default=())


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """Return (front matter mapping or None, body). Raises MetadataError on bad YAML."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return None, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise MetadataError(f"front matter is not valid YAML: {_short(exc)}") from None
    if not isinstance(data, dict):
        raise MetadataError("front matter must be a YAML mapping of keys to values")
    return data, text.lstrip("\ufeff")[match.end() :]


def sidecar_path(document: Path) -> Path:
    return document.with_name(document.name + SIDECAR_SUFFIX)


def read_sidecar(document: Path) -> dict | None:
    """The sidecar mapping for ``document``, or None when there is no sidecar."""
    path = sidecar_path(document)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MetadataError(f"sidecar {path.name} is not valid YAML: {_short(exc)}") from None
    if not isinstance(data, dict):
        raise MetadataError(f"sidecar {path.name} must be a YAML mapping of keys to values")
    return data


def parse_meta(data: dict, fallback_title: str) -> DocumentMeta:
    """Validate a metadata mapping. ``fallback_title`` is used only when ``title`` is absent."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise MetadataError(
            f"unknown metadata key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    kind = str(data.get("kind", "")).strip()
    if kind not in KINDS:
        raise MetadataError(f"'kind' must be one of {', '.join(KINDS)} (got {kind or 'nothing'!r})")
    status = str(data.get("status", "current")).strip()
    if status not in STATUSES:
        raise MetadataError(f"'status' must be one of {', '.join(STATUSES)} (got {status!r})")
    raw_date = data.get("date")
    if isinstance(raw_date, dt.date):
        date = raw_date.isoformat()
    else:
        try:
            date = dt.date.fromisoformat(str(raw_date).strip()).isoformat()
        except ValueError:
            raise MetadataError(
                f"'date' must be an ISO date like 2025-03-10 (got {raw_date!r})"
            ) from None
    superseded_by = data.get("superseded_by")
    superseded_by = str(superseded_by).strip() if superseded_by else None
    if status == "superseded" and not superseded_by:
        raise MetadataError("a superseded document needs 'superseded_by' naming its replacement")
    topics = data.get("topics") or ()
    if isinstance(topics, str):
        topics = (topics,)
    return DocumentMeta(
        title=str(data.get("title") or fallback_title).strip(),
        kind=kind,
        date=date,
        status=status,
        superseded_by=superseded_by,
        summary=str(data.get("summary") or "").strip(),
        topics=tuple(str(t) for t in topics),
    )


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
