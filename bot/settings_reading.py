"""How ``Settings.load`` reads ``.env`` and reports what it cannot use, one line per problem.

pydantic-settings reads the file (through python-dotenv) and pydantic checks the values; this
module turns what they report into lines a charity's administrator can act on: each names the
variable, what is wrong with its value and, where it came from a file, that file. It knows
the settings only through the model class and field declarations it is given.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, get_args

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, DotEnvSettingsSource

# Error types the settings' own validators raise (pydantic_core.PydanticCustomError):
# VALUE_REFUSED's message follows "NAME='value' "; SETTING_NEEDED's is complete.
VALUE_REFUSED = "setting_value"
SETTING_NEEDED = "setting_needed"


def read_dotenv(settings_cls: type[BaseSettings], path: Path) -> tuple[dict[str, Any], list[str]]:
    """The variables ``path`` sets, and one problem per line that is not ``NAME=value``.

    Keys are field names for settings and lower-cased names for other variables (such as
    ``openai_api_key``), as pydantic-settings reads them. ``OSError`` or
    ``UnicodeDecodeError`` when the file cannot be read at all.
    """
    unread = _UnreadLines()
    reader = logging.getLogger("dotenv.main")
    reader.addFilter(unread)
    try:
        values = DotEnvSettingsSource(settings_cls, env_file=path, env_file_encoding="utf-8-sig")()
    finally:
        reader.removeFilter(unread)
    problems = []
    if unread.lines:
        text = path.read_text(encoding="utf-8-sig").splitlines()
        for number in unread.lines:
            line = text[number - 1].strip() if 0 < number <= len(text) else ""
            problems.append(
                f"{path}, line {number}: cannot read {line!r}; "
                "write NAME=value (quote values with spaces)."
            )
    return values, problems


class _UnreadLines(logging.Filter):
    """Takes python-dotenv's warning about a line it cannot parse, to report it as a problem.

    python-dotenv skips such a line and logs its number; a setting silently missing is worse
    than a refusal, so ``load`` refuses the file, naming the line, instead of the warning.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not parse" in str(record.msg) and record.args:
            self.lines.append(int(record.args[0]))  # type: ignore[index, call-overload]
            return False
        return True


def problem_lines(
    model: type[BaseModel], exc: ValidationError, where: Mapping[str, str]
) -> list[str]:
    """One line per error in ``exc``, naming the variable and, from ``where``, its file."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        message = _message(name.upper(), error, model.model_fields.get(name))
        lines.append(f"{message} ({where[name]})" if name in where else message)
    return lines


def _message(variable: str, error: ErrorDetails, field: FieldInfo | None) -> str:
    kind = error["type"]
    shown = f"{variable}={error.get('input')!r}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} is not a whole number."
    if kind in ("float_parsing", "float_type"):
        return f"{shown} is not a number."
    if kind in ("bool_parsing", "bool_type"):
        return f"{shown} is not true or false."
    if kind == SETTING_NEEDED:
        return error["msg"]
    if kind == VALUE_REFUSED:
        return f"{shown} {error['msg']}"
    allowed = allowed_values(field) if field is not None else None
    if allowed and kind == "literal_error":
        return f"{shown} is not {allowed}."
    if allowed and kind.startswith(("greater_than", "less_than")):
        return f"{variable} must be {allowed}."
    return f"{shown}: {error['msg']}."


def allowed_values(field: FieldInfo) -> str | None:
    """What a setting accepts beyond its type ("one of a, b", "at least 1"), or None."""
    choices = [c for c in get_args(field.annotation) if isinstance(c, str)]
    if choices:
        return f"one of {', '.join(choices)}"
    bounds = {
        kind: getattr(rule, kind)
        for rule in field.metadata
        if isinstance(rule, annotated_types.Ge | annotated_types.Gt | annotated_types.Le)
        for kind in ("ge", "gt", "le")
        if hasattr(rule, kind)
    }
    if "ge" in bounds and "le" in bounds:
        return f"between {_number(bounds['ge'])} and {_number(bounds['le'])}"
    if "ge" in bounds:
        return f"at least {_number(bounds['ge'])}"
    if "gt" in bounds:
        return f"above {_number(bounds['gt'])}"
    return None


def misspelt(path: Path, unknown: Iterable[str], names: Iterable[str]) -> list[str]:
    """A notice for each name set in ``path`` that looks like a setting misspelt."""
    settings = [name.upper() for name in names]
    notices = []
    for name in sorted(unknown):
        if guess := difflib.get_close_matches(name.upper(), settings, 1, 0.8):
            notices.append(
                f"{path}: {name.upper()} is not a Lines setting (did you mean {guess[0]}?)"
            )
    return notices


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
