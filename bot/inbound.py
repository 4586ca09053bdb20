"""Text as it arrives from people, made safe once, at the door.

Members paste from Word, PDFs, phones and terminals. Before a message is stored, matched or
shown anywhere, ``clean_text`` makes it ordinary text:

- lone surrogates (what a terminal's undecodable bytes become) are replaced with U+FFFD, so
  no encoder, database or JSON writer downstream can fail on them;
- control characters other than tab and line breaks (terminal escape codes, NUL, form feeds)
  become spaces, so they can neither recolour a terminal nor end a string early;
- invisible characters that split a word without showing (zero-width space, word joiner,
  byte-order mark, soft hyphen) are removed, so "ille\u00adgal" is read, matched and
  shown as "illegal". Zero-width joiners are kept: emoji sequences and Persian and Arabic
  script need them;
- the text is put in Unicode's composed form (NFC), so "é" typed two ways is one word.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad\u180e"))
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` made safe to store, match and show (see the module docstring); never raises."""
    if text.isascii() and text.isprintable():
        return text  # the common case, unchanged and cheap
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text).translate(_INVISIBLE)
    return unicodedata.normalize("NFC", text)
