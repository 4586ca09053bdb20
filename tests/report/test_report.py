"""The maintainers' report over a real queue and a real index, as text and as a page that a
real headless Chromium renders (Debian's ``chromium`` package: ``.ci/run`` installs it)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from bot.answer import Citation, Origin, Question
from bot.answering.lifecycle import add_months
from bot.cli import main
from bot.ingest.pipeline import ingest
from bot.report.gather import build_report
from bot.report.render import render_html, render_text
from bot.storage.database import Database
from bot.storage.queue import Queue
from bot.storage.records import Records
from tests.conftest import make_settings, write_corpus

CHROMIUM = Path("/usr/bin/chromium")
TODAY = dt.date.today()
HOSTILE = 'Is <script>alert("x")</script> ok? </table><h1>pwned</h1> & more'

CORPUS = {
    "lines/hotels.md": f"""---
title: "Lines to take: asylum hotels"
kind: line
date: {add_months(TODAY, -8).isoformat()}
---
## Our lines

People housed in hotels are our neighbours and deserve safety while they wait.
""",
    "lines/barge.md": f"""---
title: "Lines to take: the barge"
kind: line
date: {add_months(TODAY, -1).isoformat()}
expires: {(TODAY - dt.timedelta(days=2)).isoformat()}
---
## Our lines

Housing people on a barge cuts them off from support.
""",
    "guidance/words.md": """---
title: Terminology guide
kind: guidance
date: 2025-01-10
---
## Words

Say "people seeking asylum", never "illegals".
""",
    "guidance/unused.md": """---
title: Volunteer handbook
kind: guidance
date: 2025-01-10
---
## Rotas

Volunteers sign up for shifts a week ahead.
""",
}
GAPS = [
    "How do we talk about climate refugees?",
    "What's our line on climate migration?",
    "Any guidance on people displaced by climate change?",
    "How should we write about the World Cup?",
]


def cite(source: str, title: str) -> Citation:
    return Citation(1, source, title, "Our lines", "quote", chunk_id=f"{source}-0")


@pytest.fixture(scope="module")
def world(tmp_path_factory, embeddings):
    """A real index of dated documents and a queue filled as a month of use would fill it."""
    base = tmp_path_factory.mktemp("report")
    settings = make_settings(base, write_corpus(base / "knowledge", CORPUS))
    assert not ingest(settings, embeddings=embeddings).failed
    database = Database.from_settings(settings)
    queue, records = Queue(database), Records(database)
    hotels = cite("lines/hotels.md", "Lines to take: asylum hotels")
    words = cite("guidance/words.md", "Terminology guide")
    thread = Origin(platform="slack", channel="C1", thread="1.1", user="U1")
    for n in range(3):
        records.record_answer(thread, "What are our lines on hotels?", [hotels], f"C1:{n}.0")
    records.record_answer(thread, HOSTILE, [hotels, words], "C1:9.9")
    private = Origin(platform="discord", channel="901", user="700", reply_in="dm", private=True)
    records.record_answer(private, "Which words do we avoid?", [words])
    records.record_feedback(
        platform="slack", user="U1", question=HOSTILE, answer_ref="C1:9.9", helpful=False
    )
    records.record_feedback(
        platform="discord",
        user="700",
        question="Which words do we avoid?",
        answer_ref="901:5",
        helpful=False,
    )
    records.record_feedback(
        platform="slack",
        user="U1",
        question="What are our lines on hotels?",
        answer_ref="C1:0.0",
        helpful=True,
    )
    for question in GAPS:
        queue.open_item(
            question=Question(question, thread),
            kind="no_guidance",
            category=None,
            reason="No passage in the knowledge base was relevant enough to answer.",
            passages=(),
        )
    queue.open_item(
        question=Question("Any lines on hotels?", thread),
        kind="no_guidance",
        category=None,
        reason="The guidance could not be searched (ChromaUnavailable).",
        passages=(),
    )
    answered = queue.open_item(
        question=Question("A volunteer is at risk tonight", thread),
        kind="sensitive",
        category="safeguarding",
        reason="risk",
        passages=(),
    )
    queue.answer(answered, "We're calling you now.", "sam")
    queue.mark_relayed(answered)
    queue.open_item(
        question=Question("A <b>second</b> risk", thread),
        kind="sensitive",
        category="safeguarding",
        reason="risk",
        passages=(),
    )
    queue.open_item(
        question=Question("Can I talk to a person?", thread),
        kind="requested",
        category="human_requested",
        reason="asked",
        passages=(),
    )
    return settings, database


def test_the_report_shows_gaps_feedback_citations_stale_lines_and_escalations(world, embeddings):
    settings, database = world
    report = build_report(settings, 7, database=database, embeddings=embeddings)
    assert report.answered == 5 and report.gap_count == 4 and report.escalation_count == 3
    assert report.questions == 5 + 5 + 3  # answers, and every queue item (outage included)
    assert len(report.per_day) == 7 and report.per_day[-1] == (dt.datetime.now(dt.UTC).date(), 13)
    climate, cup = report.gaps
    assert climate.count == 3 and climate.examples[0] == GAPS[0]
    assert cup.count == 1 and cup.examples == (GAPS[3],)
    assert report.helpful == 1
    by_question = {u.question: u for u in report.unhelpful}
    assert by_question[HOSTILE].documents == ("Lines to take: asylum hotels", "Terminology guide")
    # A private answer has no posted reference: it is found by who asked what.
    assert by_question["Which words do we avoid?"].documents == ("Terminology guide",)
    assert [(d.source, d.count) for d in report.most_cited] == [
        ("lines/hotels.md", 4),
        ("guidance/words.md", 2),
    ]
    assert [d.title for d in report.never_cited] == ["Volunteer handbook"]  # barge expired
    stale = {s.source: s for s in report.stale}
    assert set(stale) == {"lines/hotels.md", "lines/barge.md"}
    assert stale["lines/barge.md"].expired and not stale["lines/hotels.md"].expired
    safeguarding, requested = report.escalations
    assert (safeguarding.category, safeguarding.count, safeguarding.answered) == (
        "safeguarding",
        2,
        1,
    )
    assert safeguarding.waiting == 1 and safeguarding.median_hours is not None
    assert (requested.category, requested.count, requested.waiting) == ("human_requested", 1, 1)

    text = render_text(report)
    assert "Questions with no guidance (4, in 2 groups)" in text
    assert "    3×  How do we talk about climate refugees?" in text
    assert "Answers marked not helpful (2 of 3 feedback clicks)" in text
    assert "review since" in text and "expired " in text


def test_the_command_prints_text_and_refuses_a_bad_period(world, capsys):
    settings, _ = world
    args = ["report", "--db", str(settings.chroma_dir)]
    assert main([*args, "--days", "7"]) == 0
    assert "Lines report: the last 7 days" in capsys.readouterr().out
    assert main([*args, "--days", "0"]) == 2
    assert "--days needs 1 or more days" in capsys.readouterr().err


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.is_file():
        pytest.fail(
            "Chromium is needed to check the HTML report: install it with "
            "`apt-get install -y chromium` (Debian's package; .ci/run does this in CI)."
        )
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_the_html_report_renders_in_headless_chromium(world, embeddings, tmp_path):
    settings, database = world
    page = tmp_path / "report.html"
    html = render_html(build_report(settings, 7, database=database, embeddings=embeddings))
    page.write_text(html, encoding="utf-8")
    # Self-contained: nothing to fetch, nothing to run.
    assert not re.search(r"\s(src|href)=|url\(|@import|<script|<link", html)

    result = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<h1>Lines report</h1>" in dom
    for heading in (
        "Questions per day",
        "Questions with no guidance (4, in 2 groups)",
        "Answers marked not helpful (2 of 3 feedback clicks)",
        "Documents most cited",
        "Documents never cited (1)",
        "Lines due for review or expired (2)",
        "Escalations by category (3)",
    ):
        assert f"<h2>{heading}</h2>" in dom, heading
    per_day = re.search(r'<svg id="questions-per-day".*?</svg>', dom, re.S).group(0)
    assert len(re.findall(r'<rect class="bar"', per_day)) == 7
    by_category = re.search(r'<svg id="escalations-by-category".*?</svg>', dom, re.S).group(0)
    assert len(re.findall(r'<rect class="escalation"', by_category)) == 2
    assert ">safeguarding<" in by_category and ">human_requested<" in by_category
    # Members' text is shown as text: no element came from it.
    assert "<script" not in dom and "<h1>pwned" not in dom and "<b>second" not in dom
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in dom
    assert "&lt;/table&gt;&lt;h1&gt;pwned&lt;/h1&gt; &amp; more" in dom
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console


def test_the_page_is_laid_out_with_its_charts_visible(world, embeddings, tmp_path):
    settings, database = world
    page = tmp_path / "report.html"
    page.write_text(
        render_html(build_report(settings, 7, database=database, embeddings=embeddings)),
        encoding="utf-8",
    )
    shot = tmp_path / "report.png"
    result = chromium(
        f"--screenshot={shot}", "--window-size=1000,900", page.as_uri(), profile=tmp_path / "p"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 900)
    colours = {colour for _, colour in image.getcolors(image.width * image.height)}
    assert (0x2C, 0x6E, 0x9B) in colours  # the question bars were painted
    assert len(colours) > 20  # text and charts, not a blank or error page


def test_the_command_writes_one_page(world, tmp_path, capsys):
    settings, _ = world
    page = tmp_path / "out.html"
    assert main(["report", "--db", str(settings.chroma_dir), "--html", str(page)]) == 0
    assert f"Wrote {page}" in capsys.readouterr().out
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", "--db", str(settings.chroma_dir), "--html", "/nonexistent/x.html"]) == 2
    assert "cannot write /nonexistent/x.html" in capsys.readouterr().err
