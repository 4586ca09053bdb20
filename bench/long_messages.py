"""How long Lines takes over messages far longer than a question (issue: one long message
stalled the bot for 12-32 s while the escalation patterns backtracked).

    python -m bench.long_messages

Prints the time of a whole ``advisor.ask`` (escalation check included) for each message,
over the sample knowledge base, with no queue. Figures only; tests assert correctness.
"""

from __future__ import annotations

import logging
import statistics
import time

from bot.answer import Question
from bot.factory import build_advisor
from bot.ingest.pipeline import ingest
from bot.settings import Settings

MESSAGES = {
    "40,000 chars, worst case for `riot .* now` patterns": "riot " * 8000,
    "40,000 chars, a pasted report": (
        "The asylum hotel in our town has been in the news again and volunteers are worried. " * 480
    )[:40000],
    "40,000 chars, ends with a disclosure": ("Background on our project. " * 1478)[:39960]
    + " She wants to die.",
    "1,000,000 chars": "people crossing the Channel " * 35715,
}


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    settings = Settings.load()
    ingest(settings)
    advisor = build_advisor(settings, queue=False)
    advisor.ask(Question("How do we talk about people crossing the Channel?"))  # warm
    print(f"{'message':58}{'chars':>10}{'median ms':>11}{'max ms':>9}  outcome")
    for label, text in MESSAGES.items():
        times, answer = [], None
        for _ in range(5):
            started = time.perf_counter()
            answer = advisor.ask(Question(text))
            times.append((time.perf_counter() - started) * 1000)
        outcome = (
            f"escalated ({answer.escalation.category})"
            if answer.escalated
            else answer.text.split(".")[0][:40]
        )
        print(
            f"{label:58}{len(text):>10,}{statistics.median(times):>11.1f}{max(times):>9.1f}"
            f"  {outcome}"
        )


if __name__ == "__main__":
    main()
