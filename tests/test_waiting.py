"""``eventually``: the one way tests wait for state nothing can signal."""

from __future__ import annotations

import threading

import pytest

from tests.waiting import eventually


def test_it_returns_what_the_condition_returned_once_true():
    calls = []

    def third_time() -> list[int] | None:
        calls.append(1)
        return [len(calls)] if len(calls) == 3 else None

    assert eventually(third_time, interval=0) == [3]
    assert len(calls) == 3  # and stops asking once it holds


def test_it_sees_a_change_made_by_another_thread():
    ready = threading.Event()
    threading.Timer(0.05, ready.set).start()
    assert eventually(ready.is_set, timeout=5) is True


def test_it_fails_naming_what_never_happened_after_one_last_try():
    calls = []

    def never() -> bool:
        calls.append(1)
        return False

    with pytest.raises(AssertionError, match=r"the staff post not met within 0\.05s"):
        eventually(never, timeout=0.05, what="the staff post", interval=0.01)
    assert len(calls) >= 2  # tried at the start and again at the deadline
