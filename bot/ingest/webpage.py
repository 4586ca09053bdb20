"""HTML pages (saved web pages, exported documents): text in sections by heading.

The standard library's ``html.parser`` is enough: it tolerates broken markup, never fetches
anything, resolves no external entities and imports in ~3 ms (BeautifulSoup would add a
dependency for the same text). Scripts, styles, navigation chrome and forms are dropped; the
``<title>`` and date ``<meta>`` tags are the page's own properties.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from bot.ingest.metadata import Hints
from bot.ingest.sections import MAX_TEXT_CHARS, Extracted, LoadError, Section

_SKIPPED = {"script", "style", "noscript", "template", "svg", "nav", "form", "button", "select"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "br", "tr",
    "table", "ul", "ol", "li", "blockquote", "pre", "dd", "dt", "figcaption", "hr",
}  # fmt: skip
_DATE_META = (
    "dcterms.modified",
    "article:modified_time",
    "dcterms.date",
    "date",
    "dcterms.created",
    "article:published_time",
)


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self.title = ""
        self.first_heading = ""
        self.dates: dict[str, str] = {}
        self._heading = ""
        self._parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False
        self._in_heading: str | None = None
        self._heading_text: list[str] = []
        self._chars = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("name") or values.get("property") or "").lower()
            if name in _DATE_META and values.get("content"):
                self.dates.setdefault(name, values["content"])
        elif tag in _HEADINGS and not self._skip_depth:
            self._in_heading, self._heading_text = tag, []
        elif tag in _BLOCKS:
            self._parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == self._in_heading:
            heading = " ".join("".join(self._heading_text).split())
            self._in_heading = None
            if heading:
                self._flush()
                self._heading = heading
                self.first_heading = self.first_heading or heading
        elif tag in _BLOCKS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif self._skip_depth:
            return
        elif self._in_heading:
            self._heading_text.append(data)
        else:
            self._chars += len(data)
            if self._chars > MAX_TEXT_CHARS:
                raise LoadError(
                    f"the page holds more than {MAX_TEXT_CHARS:,} characters of text; split it"
                )
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        lines = (" ".join(line.split()) for line in "".join(self._parts).splitlines())
        text = "\n".join(line for line in lines if line and line != "-")
        if text:
            self.sections.append(Section(locator=self._heading, text=text))
        self._parts = []


def read_html(markup: str) -> Extracted:
    """The page's readable text in sections, each named by the heading above it."""
    parser = _PageText()
    parser.feed(markup)
    parser.close()
    date = None
    for name in _DATE_META:
        if name in parser.dates:
            try:
                date = dt.date.fromisoformat(parser.dates[name].strip()[:10])
                break
            except ValueError:
                continue
    return Extracted(
        tuple(parser.sections),
        Hints(title=" ".join(parser.title.split()), date=date, heading=parser.first_heading),
    )
