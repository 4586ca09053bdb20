"""Escalation figures on ``bench/eval/escalation.yaml``: recall, false escalations, confusion.

python -m bench.eval_escalation        # figures
python -m bench.eval_escalation -v     # also every miss and false escalation
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.answer import Question
from bot.embedding import build_embeddings
from bot.escalation.detect import EscalationDetector
from bot.escalation.policy import load_policy
from bot.settings import Settings

EVAL = Path(__file__).parent / "eval" / "escalation.yaml"


def main() -> dict:
    settings = Settings.load()
    policy = load_policy(settings.policy_path)
    detector = EscalationDetector(policy, build_embeddings(settings.embedding_model))
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
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
    false = 0
    for question in data["ordinary"]:
        detection = detector.detect(Question(question))
        if detection is not None:
            false += 1
            if verbose:
                print(f"  FALSE {detection.category:16} {question}  ({detection.reason})")

    n_sensitive, n_ordinary = len(data["sensitive"]), len(data["ordinary"])
    recall = caught / n_sensitive
    false_rate = false / n_ordinary
    print(f"Escalation ({n_sensitive} sensitive, {n_ordinary} ordinary questions)")
    print(f"  recall (escalated at all):   {recall:.0%}  ({caught}/{n_sensitive})")
    print(f"  right category:              {right_category / n_sensitive:.0%}")
    print(f"  false escalations:           {false_rate:.0%}  ({false}/{n_ordinary})")
    names = [c.name for c in policy.categories]
    columns = [*names, "(none)"]
    width = max(len(n) for n in columns) + 1
    print("  confusion (rows: expected, columns: detected)")
    print("  " + " " * width + "".join(f"{n[:9]:>10}" for n in columns))
    for expected in names:
        cells = "".join(f"{confusion[(expected, got)]:>10}" for got in columns)
        print(f"  {expected:<{width}}{cells}")
    return {"recall": recall, "false_escalations": false_rate}


if __name__ == "__main__":
    main()
