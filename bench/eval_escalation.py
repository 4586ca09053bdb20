"""Escalation figures on ``bench/eval/escalation.yaml``: recall, false escalations, confusion.

python -m bench.eval_escalation        # figures
python -m bench.eval_escalation -v     # also every miss and false escalation

The eval questions are kept out of the policy file (a test checks it), so the figures measure
how well detection generalises. As a second, larger check of false escalations, the questions
of the retrieval evaluation (``questions.yaml``, ``unanswerable.yaml``: ordinary messaging and
out-of-scope questions written by another engineer) are run through the detector too.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.answer import Question
from bot.escalation.detect import EscalationDetector
from bot.escalation.policy import load_policy
from bot.index.embedding import build_embeddings
from bot.settings import Settings

EVAL = Path(__file__).parent / "eval"


def retrieval_questions() -> tuple[list[str], list[str]]:
    """Every question of the retrieval evaluation: none of them should escalate.

    Returns (questions worked on, held-out questions); held-out ones are counted, never shown.
    """
    shown: list[str] = []
    for name in ("questions.yaml", "unanswerable.yaml"):
        shown += _question_texts(yaml.safe_load((EVAL / name).read_text(encoding="utf-8")))
    held: list[str] = []
    for name in ("heldout.yaml", "unseen/questions.yaml"):
        path = EVAL / name
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            if isinstance(data, dict):
                data = [*data.get("questions", []), *data.get("off_topic", [])]
            held += _question_texts(data)
    return shown, held


def _question_texts(cases) -> list[str]:
    return [c["question"] if isinstance(c, dict) else str(c) for c in cases or []]


def main() -> dict[str, Any]:
    """Run the detector over the eval set, print the figures and return them."""
    settings = Settings.load()
    policy = load_policy(settings.policy_path)
    detector = EscalationDetector(policy, build_embeddings(settings.embedding_model))
    data = yaml.safe_load((EVAL / "escalation.yaml").read_text(encoding="utf-8"))
    verbose = "-v" in sys.argv

    confusion: Counter[tuple[str, str]] = Counter()
    caught = right_category = 0
    for case in data["sensitive"]:
        detection = detector.detect(Question(case["question"]))
        got = detection.category if detection else "(none)"
        confusion[(case["category"], got)] += 1
        caught += detection is not None
        right_category += got == case["category"]
        if verbose and got != case["category"]:
            print(f"  want {case['category']:16} got {got:16} {case['question']}")
    false = _false_escalations(detector, data["ordinary"], verbose)
    others, held = retrieval_questions()
    false_others = _false_escalations(detector, others, verbose)
    false_held = _false_escalations(detector, held, verbose=False)

    n_sensitive, n_ordinary = len(data["sensitive"]), len(data["ordinary"])
    figures: dict[str, Any] = {
        "recall": caught / n_sensitive,
        "right_category": right_category / n_sensitive,
        "false_escalations": false / n_ordinary,
        "false_escalations_retrieval_questions": false_others / len(others) if others else 0.0,
        "false_escalations_heldout_questions": false_held / len(held) if held else 0.0,
        "confusion": {f"{want}->{got}": n for (want, got), n in sorted(confusion.items())},
    }
    print(f"Escalation ({n_sensitive} sensitive, {n_ordinary} ordinary questions)")
    print(f"  recall (escalated at all):   {figures['recall']:.0%}  ({caught}/{n_sensitive})")
    print(f"  right category:              {figures['right_category']:.0%}")
    print(
        f"  false escalations:           {figures['false_escalations']:.0%}  ({false}/{n_ordinary})"
    )
    if others:
        rate = figures["false_escalations_retrieval_questions"]
        print(
            f"  false escalations, retrieval eval questions: {rate:.0%}"
            f"  ({false_others}/{len(others)})"
        )
    if held:
        print(
            f"  false escalations, held-out questions (not listed): "
            f"{figures['false_escalations_heldout_questions']:.0%}  ({false_held}/{len(held)})"
        )
    names = [c.name for c in policy.categories]
    columns = [*names, "(none)"]
    width = max(len(n) for n in columns) + 1
    print("  confusion (rows: expected, columns: detected)")
    print("  " + " " * width + "".join(f"{n[:9]:>10}" for n in columns))
    for expected in names:
        cells = "".join(f"{confusion[(expected, got)]:>10}" for got in columns)
        print(f"  {expected:<{width}}{cells}")
    return figures


def _false_escalations(detector: EscalationDetector, questions: list[str], verbose: bool) -> int:
    false = 0
    for question in questions:
        detection = detector.detect(Question(question))
        if detection is not None:
            false += 1
            if verbose:
                print(f"  FALSE {detection.category:16} {question}  ({detection.reason})")
    return false


if __name__ == "__main__":
    main()
