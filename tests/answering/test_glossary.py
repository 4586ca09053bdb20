"""Acronyms found in the documents themselves, used either way round."""

from __future__ import annotations

from bot.answering.glossary import Vocabulary, find_acronyms
from bot.text import stem


def test_acronyms_are_read_from_every_way_guidance_defines_them():
    texts = [
        "- UASC: unaccompanied asylum-seeking children, who arrive without a parent.",
        "Say immigration removal centres (IRC), not holding centres.",
        "NRPF (No Recourse to Public Funds) stops people claiming benefits.",
        "Apply through the Long Form (LF) within a month.",
        "EUSS = the EU Settlement Scheme.",
    ]
    assert find_acronyms(texts) == {
        "UASC": "unaccompanied asylum-seeking children",
        "IRC": "immigration removal centres",
        "NRPF": "No Recourse to Public Funds",
        "LF": "Long Form",
        "EUSS": "EU Settlement Scheme",
    }


def test_capitals_that_spell_nothing_are_not_acronyms():
    assert find_acronyms(["We met the MP (Labour) today.", "NOTE: bring ID."]) == {}


def test_the_vocabulary_expands_both_ways():
    vocabulary = Vocabulary(acronyms={"UASC": "unaccompanied asylum-seeking children"})
    assert vocabulary.expansions("what does UASC stand for") == [
        "unaccompanied asylum-seeking children"
    ]
    assert vocabulary.expansions("how do we talk about unaccompanied asylum-seeking children") == [
        "UASC"
    ]
    assert vocabulary.alternatives("UASC?") == {
        "uasc": frozenset({stem("unaccompanied"), "asylum", stem("seeking"), "children"})
    }
