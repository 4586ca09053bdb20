"""Rules are read from the live index, in every style a guide writes them, and follow it."""

from __future__ import annotations

import pytest

from bot.check.checker import DraftChecker
from bot.check.rulebook import IndexEmpty, RuleBook, merge_overlap
from bot.check.rules import TermRule
from bot.index.connection import IndexConnection
from bot.ingest.pipeline import ingest
from tests.check.conftest import STYLES, front, ingest_corpus
from tests.conftest import make_settings, write_corpus


def rules_by_term(settings, embeddings) -> dict[str, TermRule]:
    rules = RuleBook(IndexConnection(settings, embeddings)).guidance().rules
    by_term: dict[str, TermRule] = {}
    for rule in rules:
        assert rule.term not in by_term, f"{rule.term!r} extracted twice"
        by_term[rule.term] = rule
    return by_term


@pytest.fixture(scope="module")
def rules(styles_index, embeddings) -> dict[str, TermRule]:
    return rules_by_term(styles_index, embeddings)


def test_labelled_items_keep_suggestion_reason_and_citation(rules):
    rule = rules["illegal immigrant"]
    assert rule.suggestion == '"undocumented people"'
    assert rule.reason == "No person is illegal; a status can be irregular, a human being cannot."
    assert rule.origin.source == "guidance/labelled.md"
    assert rule.origin.title == "Terminology: labelled list"
    assert rule.origin.locator == "People"
    assert rule.quote.startswith('Avoid: "illegal immigrant" or "illegals". Say instead:')
    assert rules["illegals"].suggestion == rule.suggestion
    # The qualifier after the terms says how they are meant.
    assert rules["small boats"].sense == "people_label"
    assert {rules["swarm"].sense, rules["flood"].sense} == {"people_metaphor"}
    # "calling them 'facilities'": the thing meant is named by the rule's other words.
    assert rules["facilities"].sense == "context"
    assert "detention" in rules["facilities"].anchors
    assert rules["holding centres"].suggestion == "“immigration detention”"


def test_tables_with_differently_named_columns(rules):
    bogus = rules["bogus asylum seekers"]
    assert bogus.suggestion == "people seeking asylum"
    assert bogus.reason == "A claim is decided on the evidence."
    assert bogus.origin.locator == "Words for people" and bogus.style == "table"
    assert rules["queue-jumpers"].suggestion == "people using the routes open to them"
    tourists = rules["benefit tourists"]  # | Don't say | Do say | Because |, quoted cells
    assert tourists.suggestion == '"people who have moved here"'
    assert tourists.reason == "Most cannot claim benefits at all."


def test_prose_and_bullets_read_through_their_verbs(rules):
    aliens = rules["aliens"]  # We never describe people as 'X'; 'Y' is accurate.
    assert aliens.suggestion == "“people from other countries”"
    assert aliens.sense == "people_label"
    assert "is accurate" in aliens.reason
    boat = rules["boat people"]  # Say "Y" rather than "X", which ...
    assert boat.suggestion == "“people who came by boat”"
    assert boat.reason == "It turns the boat into an identity."
    crisis = rules["crisis at the border"]  # Don't write "X" — write "Y".
    assert crisis.suggestion == "“a shortage of safe routes”"
    # Words the guide says to use are never rules themselves.
    assert not {"people who came by boat", "a shortage of safe routes", "refugee"} & set(rules)


def test_hard_wrapped_lines_are_joined(rules):
    illegal = rules["illegal"]  # "call anyone an" / "“illegal”" on the next line
    assert illegal.sense == "people_label"
    assert illegal.reason == (
        "No human being is illegal, and the word sticks to a person long after their papers "
        "are sorted."
    )
    assert illegal.suggestion == "“undocumented”"
    # The labelled item wrapped after "Why:" keeps its whole reason.
    assert rules["small boats"].reason == "The boat becomes the story."


def test_items_under_an_avoid_heading(rules):
    locals_ = rules["concerned locals"]
    assert locals_.origin.locator == "Avoid"
    assert locals_.suggestion == "describe what happened"


def test_superseded_documents_give_no_rules(rules):
    assert "migrants" not in rules and "deportation" not in rules
    assert all(r.origin.source != "archive/style-2022.md" for r in rules.values())


def test_no_index_says_to_ingest(tmp_path, embeddings):
    settings = make_settings(tmp_path, tmp_path / "knowledge")
    with pytest.raises(IndexEmpty, match="ingest"):
        RuleBook(IndexConnection(settings, embeddings)).guidance()


def test_rules_follow_the_index_when_it_changes(tmp_path, embeddings):
    files = dict(STYLES)
    settings = ingest_corpus(tmp_path, files, embeddings)
    book = RuleBook(IndexConnection(settings, embeddings))
    checker = DraftChecker(book)
    draft = "The papers call them aliens and boat people, as if refugees were not neighbours."
    before = checker.check_wording(draft)
    assert [f.found for f in before.findings] == ["aliens", "boat people"]

    # prose.md is superseded by a new version without the "aliens" rule; re-ingest.
    files["guidance/prose.md"] = files["guidance/prose.md"].replace(
        "status: current\n", "status: superseded\nsuperseded_by: guidance/prose-2026.md\n"
    )
    files["guidance/prose-2026.md"] = front("How we write (2026)") + (
        "## Words\n\nSay “people who came by boat” rather than “boat people”.\n"
    )
    write_corpus(tmp_path / "knowledge", files)
    assert not ingest(settings, embeddings=embeddings).failed

    after = checker.check_wording(draft)  # the same checker: no restart
    assert [f.found for f in after.findings] == ["boat people"]
    assert [c.source for c in after.findings[0].citations] == ["guidance/prose-2026.md"]

    # Deleting the document removes its rule too.
    (tmp_path / "knowledge" / "guidance" / "prose-2026.md").unlink()
    assert not ingest(settings, embeddings=embeddings).failed
    assert checker.check_wording(draft).findings == ()


def test_a_long_section_split_into_overlapping_chunks_gives_each_rule_once(tmp_path, embeddings):
    items = "\n".join(
        f'- Avoid: "oldterm{n}" in any post. Say instead: "newterm{n}". Why: reason number {n} is\n'
        f"  long enough that this item wraps onto a second line of the guide ({n})."
        for n in range(14)
    )
    text = front("Long list") + f"# Long list\n\n## Terms\n\n{items}\n"
    settings = ingest_corpus(tmp_path, {"guidance/long.md": text}, embeddings)
    from bot.index.manifest import open_manifest_store

    assert len(open_manifest_store(settings).load().live_ids) >= 2  # really split
    rules = rules_by_term(settings, embeddings)
    assert sorted(rules) == sorted(f"oldterm{n}" for n in range(14))
    for n in range(14):
        assert rules[f"oldterm{n}"].suggestion == f'"newterm{n}"'
        assert rules[f"oldterm{n}"].reason.endswith(f"a second line of the guide ({n}).")


def test_merge_overlap_removes_the_shared_seam():
    assert merge_overlap("one two three four five", "three four five six") == (
        "one two three four five six"
    )
    # No shared text: two blocks, kept apart so the second is not read as part of the first.
    assert merge_overlap("first line", "second line") == "first line\n\nsecond line"


def test_a_long_table_split_into_chunks_gives_each_row_once_and_no_header_rule(
    tmp_path, embeddings
):
    rows = "\n".join(
        f"| oldword{n} | newword{n} | reason number {n}, long enough that the table needs "
        "several chunks to hold all of its rows |"
        for n in range(30)
    )
    text = front("Long table") + (
        f"# Long table\n\n## Words\n\n| Instead of | We say | Why |\n| --- | --- | --- |\n{rows}\n"
    )
    settings = ingest_corpus(tmp_path, {"guidance/table.md": text}, embeddings)
    from bot.index.manifest import open_manifest_store

    assert len(open_manifest_store(settings).load().live_ids) >= 3  # really split
    rules = rules_by_term(settings, embeddings)
    # The header each later chunk repeats is a header again, never a rule of its own.
    assert sorted(rules) == sorted(f"oldword{n}" for n in range(30))
    assert rules["oldword29"].suggestion == "newword29"


def test_an_expired_documents_rules_no_longer_apply(tmp_path, embeddings):
    guide = (
        "---\ntitle: Old style sheet\nkind: guidance\ndate: 2024-01-01\nexpires: 2024-06-01\n"
        '---\n# Old style sheet\n\n## Words\n\n- Avoid: "oldterm". Say instead: "newterm".\n'
    )
    settings = ingest_corpus(tmp_path, {"guidance/old.md": guide}, embeddings)
    assert "oldterm" not in rules_by_term(settings, embeddings)


def test_unquoted_labelled_pairs_and_examples_that_are_not_terms(tmp_path, embeddings):
    guide = front("Plain style sheet") + (
        "# Plain style sheet\n\n## Words\n\n"
        "- Avoid: illegal alien. Use instead: undocumented person. Why: no one is illegal.\n"
        "- Avoid: opening with a statistic. Say instead: a value we share.\n\n"
        "## Framing\n\nLead with a person.\n"
        'Say: "Amina trained as a nurse and volunteers at the food bank."\n'
        'Avoid: "Thousands more arrivals this month" or any figure that sounds like a queue.\n'
    )
    settings = ingest_corpus(tmp_path, {"guidance/plain.md": guide}, embeddings)
    guidance = RuleBook(IndexConnection(settings, embeddings)).guidance()
    assert [(r.term, r.suggestion, r.reason) for r in guidance.rules] == [
        ("illegal alien", "undocumented person", "No one is illegal.")
    ]
    # The unquoted instruction is framing advice about numbers, not a term.
    numbers, example = guidance.framing
    assert numbers.origin.locator == "Words" and numbers.warns_against_opening_number
    assert numbers.number_warning.startswith("Avoid: opening with a statistic.")
    # A quoted sentence is an example of what not to write, kept with its advice.
    assert example.origin.locator == "Framing"
    assert example.advice == "Lead with a person."
    assert example.avoid_examples == ("Thousands more arrivals this month",)
    assert not example.warns_against_opening_number
