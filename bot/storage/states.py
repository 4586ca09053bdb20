"""An item's life in the queue: its states, and which staff actions each state allows.

This table is the one place the rule lives. The queue's transitions check it inside their
UPDATE, the staff desk refuses what it does not list, and the Slack blocks and Discord views
draw exactly these buttons, so a button is never shown for an action the queue would refuse::

    open -> claimed -> answered -> resolved
    open -> answered                      (answered without claiming)
    open | claimed -> resolved            (closed without an answer)
"""

from __future__ import annotations

from typing import Literal

State = Literal["open", "claimed", "answered", "resolved"]
Action = Literal["claim", "answer", "resolve"]

STATES: tuple[State, ...] = ("open", "claimed", "answered", "resolved")
ACTIONS: tuple[Action, ...] = ("claim", "answer", "resolve")

# state -> the actions staff may take on an item in that state, in button order
ALLOWED: dict[State, tuple[Action, ...]] = {
    "open": ("claim", "answer", "resolve"),
    "claimed": ("answer", "resolve"),
    "answered": ("resolve",),
    "resolved": (),
}

# action -> the state it leads to
RESULT: dict[Action, State] = {"claim": "claimed", "answer": "answered", "resolve": "resolved"}

LABELS: dict[Action, str] = {"claim": "Claim", "answer": "Answer", "resolve": "Resolve"}


def allowed_actions(state: str) -> tuple[Action, ...]:
    """The actions staff may take on an item in ``state`` (none for an unknown state)."""
    return ALLOWED.get(state, ())  # type: ignore[call-overload]


def states_allowing(action: Action) -> tuple[State, ...]:
    """Every state from which ``action`` is allowed: what the queue's UPDATE checks."""
    return tuple(state for state, actions in ALLOWED.items() if action in actions)
