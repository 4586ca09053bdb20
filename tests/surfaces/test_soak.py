"""A soak: a running Slack bot answers 300 questions from three askers while two update ingests
and a ``--rebuild`` run in other processes, and holds no more than it did at the start.

The machinery (and its printed figures) is ``bench/soak.py``; here the bounds are asserted.
"""

from __future__ import annotations

import re

import pytest

from bench.soak import run_soak

pytestmark = pytest.mark.slow


def test_three_askers_and_three_ingests(tmp_path):
    result = run_soak(tmp_path, questions=300)
    report = "\n".join([*result.lines(), *result.problems])
    assert not result.problems, report
    assert result.answered == 300 and result.unanswered == 0, report
    assert result.cited == 300 and result.unavailable == 0, report
    assert result.duplicates == 0, report
    assert result.ingests == 3
    before, after = result.before, result.after
    assert after.fds <= before.fds + 10, report
    assert after.threads <= before.threads + 5, report
    assert after.rss_mb <= before.rss_mb + 80, report
    assert not re.search(r"Traceback|ImportError|KeyError|AttributeError", result.log), result.log[
        -3000:
    ]
