"""Measuring and trimming text as the platforms count it."""

from __future__ import annotations

import pytest

from bot.formatting import cut, fit_marked, measure, split_to_fit, trim

EMOJI = "🙏🏽"  # two code points, four UTF-16 units


def test_length_is_counted_in_utf16_units_as_the_platforms_count():
    assert measure("abc") == 3
    assert measure("كيف") == 3 and measure("Як") == 2
    assert measure(EMOJI) == 4 and measure("🇬🇧") == 4


def test_cutting_never_splits_a_character():
    head, tail = cut("a" + "😀" * 3, 4)
    assert head == "a😀" and tail == "😀😀" and measure(head) <= 4


@pytest.mark.parametrize("text", ["x" * 5000, "كيف نتحدث " * 500, EMOJI * 2000])
@pytest.mark.parametrize("limit", [10, 1024, 4096])
def test_trimmed_text_always_fits_and_says_where_the_rest_is(text, limit):
    note = " (full text: `lines escalations show 7`)"
    trimmed = trim(text, limit, note)
    assert measure(trimmed) <= limit
    if limit > 100:
        assert trimmed.endswith("…" + note)


def test_short_text_is_left_alone():
    assert trim("Say people, not numbers.", 100, " (more)") == "Say people, not numbers."


def test_split_pieces_fit_and_keep_every_word():
    text = "\n".join([EMOJI * 30, "short line", "x" * 250])
    pieces = split_to_fit(text, 100)
    assert all(measure(p) <= 100 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def _markup(text: str, marked: bool) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f"*{escaped}*" if marked else escaped


def test_marked_text_is_split_between_words_never_inside_markup_or_an_escape():
    parts = [("a & b " * 40, False), ("flagged words", True), (" <c> " * 40, False)]
    pieces = fit_marked(parts, 50, _markup)
    assert all(measure(p) <= 50 for p in pieces)
    joined = " ".join(pieces)
    assert "*flagged words*" in joined
    assert all(p.count("&") == p.count("&amp;") + p.count("&lt;") for p in pieces)
    assert not any(p != p.strip() for p in pieces)  # whitespace at a break is dropped
    assert joined.split() == "".join(_markup(t, m) for t, m in parts).split()


def test_a_word_longer_than_the_limit_is_split_before_it_is_escaped():
    pieces = fit_marked([("<" * 100 + EMOJI * 30, False)], 40, _markup)
    assert all(measure(p) <= 40 for p in pieces)
    assert "".join(pieces) == "&lt;" * 100 + EMOJI * 30
