"""The policy file staff edit: the real one loads, broken ones name the line."""

from __future__ import annotations

import pytest

from bot.escalation.policy import PolicyError, load_policy
from bot.settings import PROJECT_ROOT

REAL = PROJECT_ROOT / "knowledge" / "policy" / "escalation.yaml"
GOOD = """categories:
  safeguarding:
    description: Risk to life.
    holding_reply: A person will reply.
    patterns: ['\\bsuicid']
    examples:
      - "someone wants to end their life"
"""


def test_the_shipped_policy_has_every_required_category():
    policy = load_policy(REAL)
    names = {c.name for c in policy.categories}
    assert names >= {
        "safeguarding",
        "individual_case",
        "live_crisis",
        "personal_data",
        "threats",
        "human_requested",
    }
    assert policy.category("human_requested").kind == "requested"
    assert all(len(c.examples) >= 8 and c.holding_reply for c in policy.categories)
    assert "999" in policy.category("safeguarding").holding_reply


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("    examples:\n", "    examples: [\n"), "line 7: not valid YAML"),
        (
            GOOD.replace("    description: Risk to life.\n", ""),
            "line 2: category 'safeguarding' is missing 'description'",
        ),
        (
            GOOD.replace("    patterns: ['\\bsuicid']", "    patterns: ['(unclosed']"),
            "line 5: safeguarding.patterns: bad regular expression",
        ),
        (
            GOOD.replace("    patterns:", "    colour: red\n    patterns:"),
            "line 5: category 'safeguarding' has unknown key 'colour'",
        ),
        (
            GOOD.replace('      - "someone wants to end their life"\n', "      []\n").replace(
                "examples:\n      []", "examples: []"
            ),
            "line 6: safeguarding.examples must not be empty",
        ),
        ("categories: {}\n", "no categories defined"),
        (GOOD + "extra: 1\n", "line 8: unknown key 'extra'"),
    ],
)
def test_a_broken_policy_names_the_line(tmp_path, text, message):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as excinfo:
        load_policy(path)
    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)


def test_a_missing_policy_says_which_setting(tmp_path):
    with pytest.raises(PolicyError, match="POLICY_PATH"):
        load_policy(tmp_path / "absent.yaml")


def test_the_eval_set_is_kept_out_of_the_policy():
    """The eval measures generalisation only if none of its questions is a policy example."""
    import re

    import yaml

    def normal(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()

    policy = load_policy(REAL)
    taught = {normal(e) for c in policy.categories for e in c.examples}
    taught |= {normal(e) for e in policy.ordinary_examples}
    data = yaml.safe_load((PROJECT_ROOT / "bench" / "eval" / "escalation.yaml").read_text())
    questions = [c["question"] for c in data["sensitive"]] + data["ordinary"]
    assert len(data["sensitive"]) >= 35 and len(data["ordinary"]) >= 35
    assert {c["category"] for c in data["sensitive"]} == {c.name for c in policy.categories}
    assert [q for q in questions if normal(q) in taught] == []
