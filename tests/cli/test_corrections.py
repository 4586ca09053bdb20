"""``lines corrections``: what a running bot would post, listed without posting anything."""

from __future__ import annotations

import json

import pytest

from bot.cli import build_parser
from bot.cli import corrections as corrections_cli
from bot.factory import build_advisor
from bot.storage.records import Records
from tests.staff import corrections_corpus as corpus
from tests.staff.test_corrections import PRIVATE, THREAD, answered


@pytest.fixture
def world(tmp_path, embeddings):
    settings = corpus.write(tmp_path)
    corpus.ingest(settings, embeddings)
    advisor = build_advisor(settings, embeddings=embeddings)
    return settings, Records(advisor.queue.database), advisor


def corrections_command(settings, *args: str) -> int:
    parsed = build_parser("corrections").parse_args(["corrections", *args])
    return corrections_cli.run(parsed, settings)


def test_the_cli_lists_what_the_bot_would_post_and_posts_nothing(world, embeddings, capsys):
    settings, records, advisor = world
    answered(records, advisor, corpus.HOTELS_QUESTION, THREAD)
    answered(records, advisor, corpus.HOTELS_QUESTION, PRIVATE)
    corpus.supersede(settings)
    corpus.ingest(settings, embeddings)
    capsys.readouterr()

    assert corrections_command(settings) == 0
    assert "2 thread(s) have a correction due" in capsys.readouterr().out
    assert corrections_command(settings, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "slack · thread CPUBLIC/1.1" in out
    assert "slack · direct message to the member (answered privately)" in out
    assert out.count(f"has been replaced by “{corpus.NEW_HOTELS}”") == 2
    assert corrections_command(settings, "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["changes"][0]["kind"] for d in data["due"]} == {"superseded"}
    assert records.list_corrections() == []  # listing wrote nothing
    assert not [i for i in advisor.queue.list() if i.kind == "no_guidance"]


def test_corrections_can_be_turned_off(world, capsys):
    settings, _, _ = world
    assert corrections_command(settings.with_overrides(correction_days=0)) == 0
    assert "Corrections are off (CORRECTION_DAYS=0)" in capsys.readouterr().out
