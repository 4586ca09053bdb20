"""The escalation policy: categories staff edit in YAML, validated with line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.errors import ConfigError

CATEGORY_KEYS = {
    "description",
    "holding_reply",
    "kind",
    "patterns",
    "examples",
    "needs_situation",
}
KINDS = ("sensitive", "requested")


class PolicyError(ConfigError):
    """The policy file is missing or invalid; the message names the file and the line."""


@dataclass(frozen=True)
class Category:
    """One kind of question staff answer instead of the bot, as the policy file defines it."""

    name: str
    description: str
    holding_reply: str
    kind: str  # "sensitive" | "requested"
    patterns: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    # Escalate by similarity only when the message shows a real person or moment (the
    # policy's ``situations``): a general question about the rules is not one person's case.
    needs_situation: bool = False


@dataclass(frozen=True)
class Policy:
    """The whole policy: its categories in file order, and the ordinary anchor questions."""

    path: Path
    categories: tuple[Category, ...]
    ordinary_examples: tuple[str, ...]
    # A sentence matching ``wording_questions`` asks about words, terms or framing; it is
    # escalated only when it also matches ``situations`` (a real person or a live moment), or
    # is all but identical to a category's example.
    wording_questions: tuple[re.Pattern[str], ...] = ()
    situations: tuple[re.Pattern[str], ...] = ()

    def category(self, name: str) -> Category:
        """The category called ``name``; ``KeyError`` if the policy has none."""
        for category in self.categories:
            if category.name == name:
                return category
        raise KeyError(name)


def load_policy(path: Path) -> Policy:
    """Read and validate the policy at ``path``; raise ``PolicyError`` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found (set POLICY_PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy file: {exc}") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{path}, {where}: not valid YAML ({problem})") from None
    return _Reader(path).policy(root)


class _Reader:
    """Walks the composed YAML nodes so every error can name its line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, message: str) -> PolicyError:
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        return PolicyError(f"{self.path}{line}: {message}")

    def mapping(self, node: yaml.Node | None, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        return {key.value: (key, value) for key, value in node.value}

    def string(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} must be non-empty text")
        return str(node.value).strip()

    def strings(
        self, node: yaml.Node, what: str, allow_empty: bool = False
    ) -> list[tuple[yaml.Node, str]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        if not node.value and not allow_empty:
            raise self.fail(node, f"{what} must not be empty")
        return [(item, self.string(item, f"each of {what}")) for item in node.value]

    def policy(self, root: yaml.Node | None) -> Policy:
        top = self.mapping(root, "the policy file")
        allowed = {"categories", "ordinary_examples", "wording_questions", "situations"}
        unknown = set(top) - allowed
        if unknown:
            key = sorted(unknown)[0]
            raise self.fail(
                top[key][0], f"unknown key {key!r}; expected {', '.join(sorted(allowed))}"
            )
        if "categories" not in top:
            raise self.fail(root, "missing 'categories'")
        categories = [
            self.category(name, key_node, value)
            for name, (key_node, value) in self.mapping(top["categories"][1], "categories").items()
        ]
        if not categories:
            raise self.fail(top["categories"][1], "no categories defined")
        ordinary: list[str] = []
        if "ordinary_examples" in top:
            ordinary = [
                s for _, s in self.strings(top["ordinary_examples"][1], "ordinary_examples")
            ]
        return Policy(
            self.path,
            tuple(categories),
            tuple(ordinary),
            wording_questions=self.patterns(top, "wording_questions"),
            situations=self.patterns(top, "situations"),
        )

    def patterns(
        self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str | None = None
    ) -> tuple[re.Pattern[str], ...]:
        if key not in fields:
            return ()
        compiled = []
        for item, source in self.strings(fields[key][1], what or key, allow_empty=True):
            try:
                compiled.append(re.compile(source, re.IGNORECASE))
            except re.error as exc:
                raise self.fail(item, f"{what or key}: bad regular expression ({exc})") from None
        return tuple(compiled)

    def category(self, name: str, key_node: yaml.Node, node: yaml.Node) -> Category:
        fields = self.mapping(node, f"category {name!r}")
        for key in fields:
            if key not in CATEGORY_KEYS:
                raise self.fail(
                    fields[key][0],
                    f"category {name!r} has unknown key {key!r}; "
                    f"allowed: {', '.join(sorted(CATEGORY_KEYS))}",
                )
        for required in ("description", "holding_reply", "examples"):
            if required not in fields:
                raise self.fail(key_node, f"category {name!r} is missing {required!r}")
        kind = "sensitive"
        if "kind" in fields:
            kind = self.string(fields["kind"][1], f"{name}.kind")
            if kind not in KINDS:
                raise self.fail(fields["kind"][1], f"{name}.kind must be sensitive or requested")
        patterns = self.patterns(fields, "patterns", f"{name}.patterns")
        return Category(
            name=name,
            description=self.string(fields["description"][1], f"{name}.description"),
            holding_reply=self.string(fields["holding_reply"][1], f"{name}.holding_reply"),
            kind=kind,
            patterns=patterns,
            examples=tuple(s for _, s in self.strings(fields["examples"][1], f"{name}.examples")),
            needs_situation=self.flag(fields, "needs_situation", name),
        )

    def flag(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, name: str) -> bool:
        if key not in fields:
            return False
        value = self.string(fields[key][1], f"{name}.{key}").lower()
        if value not in ("true", "false", "yes", "no"):
            raise self.fail(fields[key][1], f"{name}.{key} must be true or false")
        return value in ("true", "yes")
