"""Platform-neutral text shaping shared by the Slack and Discord surfaces."""

from __future__ import annotations


def split_to_fit(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, split on line ends where possible.

    A single line longer than ``limit`` is cut hard. Empty pieces are dropped and each piece
    is stripped of surrounding whitespace, so every piece can be posted as it is.
    """
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]
