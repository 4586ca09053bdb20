"""The maintainers' report as terminal text, or as one self-contained HTML page.

The page needs nothing but itself: inline CSS, inline SVG charts (questions per day,
escalations by category), no script, no external URL, so it can be mailed or archived and
opens the same anywhere. Every text that came from members or documents (questions, titles,
categories) is HTML-escaped; in the terminal text, control characters are shown escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from bot.formatting import printable
from bot.report.gather import Report

CHART_WIDTH = 720
CHART_HEIGHT = 180
BAR_ROW = 26


def _terminal(text: str) -> str:
    return printable(text, one_line=True)


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def _summary(report: Report) -> str:
    return (
        f"{report.questions} questions: {report.answered} answered with citations, "
        f"{report.gap_count} with no guidance, {report.escalation_count} handed to staff."
    )


def _groups(report: Report) -> str:
    n = len(report.gaps)
    return f"{report.gap_count}, in {n} group{'s' if n != 1 else ''}"


def _clicks(report: Report) -> str:
    total = report.helpful + len(report.unhelpful)
    return f"{len(report.unhelpful)} of {total} feedback clicks"


def render_text(report: Report) -> str:
    """The report for a terminal: one section per question the maintainers ask."""
    out = [
        f"Lines report: the last {report.days} days (to {report.generated:%Y-%m-%d %H:%M} UTC)",
        _summary(report),
        "",
        f"Questions with no guidance ({_groups(report)})",
    ]
    for group in report.gaps:
        first, *rest = group.examples
        out.append(f"  {group.count:>3}×  {_terminal(first)}")
        out.extend(f"        {_terminal(q)}" for q in rest)
    if not report.gaps:
        out.append("  none")
    out += ["", f"Answers marked not helpful ({_clicks(report)})"]
    for u in report.unhelpful:
        out.append(f"  {u.when:%Y-%m-%d} {u.platform:8} {_terminal(u.question)}")
        cited = ", ".join(_terminal(t) for t in u.documents) or "(answer not recorded)"
        out.append(f"      cited: {cited}")
    if not report.unhelpful:
        out.append("  none")
    if report.index_problem:
        out += ["", f"Documents: {report.index_problem}."]
    out += ["", "Documents most cited"]
    out.extend(
        f"  {d.count:>4}  {_terminal(d.title)} ({_terminal(d.source)})" for d in report.most_cited
    )
    if not report.most_cited:
        out.append("  no answer with citations in this period")
    out += ["", f"Documents never cited ({len(report.never_cited)}, current and not expired)"]
    out.extend(f"  {_terminal(d.title)} ({_terminal(d.source)})" for d in report.never_cited)
    out += ["", f"Lines due for review or expired ({len(report.stale)})"]
    for s in report.stale:
        status = f"expired {s.expires}" if s.expired else f"review since {s.review_by}"
        out.append(f"  {status:24} {_terminal(s.title)} ({s.kind}, {s.date}; {s.source})")
    if not report.stale:
        out.append("  none")
    out += ["", f"Escalations by category ({report.escalation_count})"]
    if report.escalations:
        out.append(
            f"  {'category':20} {'count':>5} {'answered':>8} {'waiting':>7} "
            f"{'median':>8} {'slowest':>8}"
        )
        for e in report.escalations:
            out.append(
                f"  {_terminal(e.category):20} {e.count:>5} {e.answered:>8} {e.waiting:>7} "
                f"{_hours(e.median_hours):>8} {_hours(e.slowest_hours):>8}"
            )
        out.append("  (time from the question to the staff answer reaching the member)")
    else:
        out.append("  none")
    return "\n".join(out) + "\n"


# -- HTML ---------------------------------------------------------------------------------------
STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733;
       max-width: 960px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d5dbe1;
     padding-bottom: .2rem; }
.muted { color: #5b6775; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eef1f4;
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.d { white-space: nowrap; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .85em; }
.expired { background: #fbe3e1; color: #8e2a20; }
.due { background: #fdf1d6; color: #7a5300; }
ul.examples { margin: .2rem 0 0; padding-left: 1.1rem; }
svg { display: block; max-width: 100%; height: auto; }
svg .bar { fill: #2c6e9b; }
svg .escalation { fill: #b5473b; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2733; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def per_day_chart(per_day: Sequence[tuple[dt.date, int]]) -> str:
    """Questions per day as an SVG bar chart, one bar (with a tooltip) per day."""
    top = max((n for _, n in per_day), default=0) or 1
    left, bottom, room = 36, 22, CHART_HEIGHT - 30
    width = (CHART_WIDTH - left) / max(len(per_day), 1)
    parts = [
        f'<svg id="questions-per-day" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="Questions per day">',
        f'<line class="axis" x1="{left}" y1="{CHART_HEIGHT - bottom}" x2="{CHART_WIDTH}" '
        f'y2="{CHART_HEIGHT - bottom}"/>',
        f'<text x="{left - 6}" y="14" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{CHART_HEIGHT - bottom}" text-anchor="end">0</text>',
    ]
    for n, (day, count) in enumerate(per_day):
        height = room * count / top
        x = left + n * width
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{CHART_HEIGHT - bottom - height:.1f}" '
            f'width="{max(width - 2, 1):.1f}" height="{height:.1f}">'
            f"<title>{day:%a %d %b}: {count} question{'s' if count != 1 else ''}</title></rect>"
        )
    if per_day:
        y = CHART_HEIGHT - 6
        parts.append(f'<text x="{left}" y="{y}">{per_day[0][0]:%d %b}</text>')
        parts.append(
            f'<text x="{CHART_WIDTH}" y="{y}" text-anchor="end">{per_day[-1][0]:%d %b}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def escalation_chart(report: Report) -> str:
    """Escalations by category as an SVG bar chart, one labelled row per category."""
    rows = report.escalations
    top = max((e.count for e in rows), default=0) or 1
    label, height = 170, max(len(rows), 1) * BAR_ROW + 6
    room = CHART_WIDTH - label - 40
    parts = [
        f'<svg id="escalations-by-category" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        f'aria-label="Escalations by category">'
    ]
    for n, e in enumerate(rows):
        y = n * BAR_ROW + 4
        width = room * e.count / top
        parts.append(
            f'<text x="{label - 8}" y="{y + 15}" text-anchor="end">{_e(e.category)}</text>'
            f'<rect class="escalation" x="{label}" y="{y}" width="{width:.1f}" height="'
            f'{BAR_ROW - 8}"><title>{_e(e.category)}: {e.count}</title></rect>'
            f'<text x="{label + width + 6:.1f}" y="{y + 15}">{e.count}</text>'
        )
    if not rows:
        parts.append('<text x="0" y="18">No escalations in this period.</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script)."""
    body: list[str] = [
        "<h1>Lines report</h1>",
        f'<p class="muted">The last {report.days} days, to '
        f"{report.generated:%Y-%m-%d %H:%M} UTC. {_e(_summary(report))}</p>",
        "<h2>Questions per day</h2>",
        per_day_chart(report.per_day),
        f"<h2>Questions with no guidance ({_groups(report)})</h2>",
    ]
    if report.gaps:
        rows = "".join(
            f'<tr><td class="n">{g.count}</td><td>{_e(g.examples[0])}'
            + (
                '<ul class="examples">'
                + "".join(f"<li>{_e(q)}</li>" for q in g.examples[1:])
                + "</ul>"
                if len(g.examples) > 1
                else ""
            )
            + f'</td><td class="d">{g.last_asked:%Y-%m-%d}</td></tr>'
            for g in report.gaps
        )
        body.append(
            '<table id="gaps"><tr><th class="n">Asked</th><th>Questions</th><th>Last asked</th>'
            f"</tr>{rows}</table>"
        )
    else:
        body.append("<p>None: every question found guidance.</p>")
    body.append(f"<h2>Answers marked not helpful ({_e(_clicks(report))})</h2>")
    if report.unhelpful:
        rows = "".join(
            f'<tr><td class="d">{u.when:%Y-%m-%d}</td><td>{_e(u.platform)}</td>'
            f"<td>{_e(u.question)}</td>"
            f"<td>{_e(', '.join(u.documents) or '(answer not recorded)')}</td></tr>"
            for u in report.unhelpful
        )
        body.append(
            '<table id="unhelpful"><tr><th>Date</th><th>Where</th><th>Question</th>'
            f"<th>Cited</th></tr>{rows}</table>"
        )
    else:
        body.append("<p>None.</p>")
    if report.index_problem:
        body.append(f'<p class="muted">Documents: {_e(report.index_problem)}.</p>')
    body.append("<h2>Documents most cited</h2>")
    if report.most_cited:
        rows = "".join(
            f'<tr><td class="n">{d.count}</td><td>{_e(d.title)}</td>'
            f'<td class="muted">{_e(d.source)}</td></tr>'
            for d in report.most_cited
        )
        body.append(
            '<table id="most-cited"><tr><th class="n">Answers</th><th>Document</th>'
            f"<th>File</th></tr>{rows}</table>"
        )
    else:
        body.append("<p>No answer with citations in this period.</p>")
    body.append(f"<h2>Documents never cited ({len(report.never_cited)})</h2>")
    if report.never_cited:
        items = "".join(
            f'<li>{_e(d.title)} <span class="muted">{_e(d.source)}</span></li>'
            for d in report.never_cited
        )
        body.append(f'<ul id="never-cited">{items}</ul>')
    else:
        body.append("<p>Every current document was cited at least once.</p>")
    body.append(f"<h2>Lines due for review or expired ({len(report.stale)})</h2>")
    if report.stale:
        rows = "".join(
            "<tr><td>"
            + (
                f'<span class="tag expired">expired {_e(s.expires)}</span>'
                if s.expired
                else f'<span class="tag due">review since {_e(s.review_by)}</span>'
            )
            + f"</td><td>{_e(s.title)}</td><td>{_e(s.kind)}</td><td>{_e(s.date)}</td>"
            f'<td class="muted">{_e(s.source)}</td></tr>'
            for s in report.stale
        )
        body.append(
            '<table id="stale"><tr><th>Status</th><th>Document</th><th>Kind</th><th>Date</th>'
            f"<th>File</th></tr>{rows}</table>"
        )
    else:
        body.append("<p>None.</p>")
    body.append(f"<h2>Escalations by category ({report.escalation_count})</h2>")
    body.append(escalation_chart(report))
    if report.escalations:
        rows = "".join(
            f'<tr><td>{_e(e.category)}</td><td class="n">{e.count}</td>'
            f'<td class="n">{e.answered}</td><td class="n">{e.waiting}</td>'
            f'<td class="n">{_hours(e.median_hours)}</td>'
            f'<td class="n">{_hours(e.slowest_hours)}</td></tr>'
            for e in report.escalations
        )
        body.append(
            '<table id="escalations"><tr><th>Category</th><th class="n">Count</th>'
            '<th class="n">Answered</th><th class="n">Waiting</th>'
            '<th class="n">Median time to answer</th><th class="n">Slowest</th>'
            f"</tr>{rows}</table>"
            '<p class="muted">Time to answer: from the question to the staff answer reaching '
            "the member.</p>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Lines report: the last {report.days} days</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )
