"""``lines init [DIR]``: a data folder for the charity to edit, from what ships with Lines.

Writes ``DIR/.env`` (every setting, commented out at its default under its help text, as in
``.env.example``; both are written from the declarations in ``bot/settings.py``) and
``DIR/knowledge/`` (the sample knowledge base, with the escalation policy in
``knowledge/policy/``). Run from DIR afterwards, or pass ``--env-file DIR/.env``: the defaults
resolve against the folder of the ``.env`` in use. Nothing that exists is overwritten;
``--no-sample`` copies only the policy. ``--print-env`` prints the ``.env`` and writes
nothing (``lines init --print-env > .env.example`` regenerates the checkout's template).

The sample ships inside the package (``bot/sample/knowledge``, copied there from the
checkout's ``knowledge/`` when the wheel is built; see setup.py). In a source checkout, where
the package is not built, the checkout's own folder is used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import textwrap
from pathlib import Path

from pydantic.fields import FieldInfo

from bot.errors import EXIT_OK, ConfigError, UsageError
from bot.settings import DOTENV_NAME, PROJECT_ROOT, Settings
from bot.settings_reading import allowed_values

PACKAGED_SAMPLE = Path(__file__).resolve().parent.parent / "sample"
POLICY = Path("policy") / "escalation.yaml"  # inside knowledge/, as Settings' default expects
WIDTH = 95  # of the written .env's lines
ENV_HEADER = """\
# Lines configuration. Copy to .env (`lines init DIR` does it for you) and change what you
# need; the process environment wins over .env. Every setting is optional: with none set,
# Lines runs offline with no API key. `lines doctor` checks the result.
#
# Lines reads ./.env, or the file given with --env-file. Relative paths written here, and the
# defaults below, resolve against the folder holding this file (the "data folder").
# A value a setting does not accept (LOG_LEVEL=LOUD) is refused, and every bad value is
# reported at once. ${NAME} in a value, even in quotes, is replaced by the variable NAME.
#
# Written from the settings' declarations in bot/settings.py (`lines init --print-env`)."""


def find_sample() -> Path:
    """The sample knowledge folder shipped in the package, else the source checkout's.

    ``ConfigError`` if neither holds the escalation policy.
    """
    for knowledge in (PACKAGED_SAMPLE / "knowledge", PROJECT_ROOT / "knowledge"):
        if (knowledge / POLICY).is_file():
            return knowledge
    raise ConfigError(
        f"the sample knowledge base is not installed (looked in {PACKAGED_SAMPLE}): "
        "reinstall Lines from a complete source tree or wheel"
    )


def env_template() -> str:
    """The ``.env`` to edit: every setting, commented out at its default, under its help."""
    lines = [ENV_HEADER]
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra
        section = extra.get("section") if isinstance(extra, dict) else None
        if section:
            lines += ["", f"# --- {section} ".ljust(WIDTH, "-")]
        help_text = " ".join((field.description or "").split())
        if allowed := allowed_values(field):
            help_text += f" Allowed: {allowed}."
        # A `command` is never split across lines: its spaces are held until wrapped.
        held = re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), help_text)
        wrapped = textwrap.wrap(held, WIDTH, initial_indent="# ", subsequent_indent="# ")
        lines += [line.replace("\0", " ") for line in wrapped]
        lines.append(f"# {name.upper()}={_example(field)}")
    return "\n".join(lines) + "\n"


def _example(field: FieldInfo) -> str:
    """The value shown for a setting: its default, else its example, else nothing."""
    if field.default is None:
        return str(field.examples[0]) if field.examples else ""
    return _written(field.default)


def _written(value: object) -> str:
    """``value`` as it is written in ``.env``."""
    if isinstance(value, tuple):
        return os.pathsep.join(_written(v) for v in value)
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``DIR``, ``--no-sample`` and ``--print-env`` to ``parser``."""
    parser.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="folder to set up (created if missing; default: the working directory)",
    )
    parser.add_argument(
        "--no-sample",
        action="store_true",
        help="copy only the escalation policy, not the sample documents",
    )
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print the .env that init writes (every setting, with its help) and write nothing",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Write ``.env`` and ``knowledge/`` into DIR, keeping whatever is already there."""
    if args.print_env:
        print(env_template(), end="")
        return EXIT_OK
    sample = find_sample()
    target = args.directory.expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise UsageError(f"init: {target} exists and is not a folder.")
    try:
        report = _populate(sample, target, with_documents=not args.no_sample)
    except OSError as exc:
        raise UsageError(f"init: cannot write in {target} ({exc.strerror}).") from None
    print(f"Lines data folder: {target}")
    for line in report:
        print(f"  {line}")
    print("\nNext: edit .env (optional: everything works offline as it is) and the policy, put")
    print("your documents in knowledge/ (the README says what metadata each needs), then:")
    if target != Path.cwd().resolve():
        print(f"  cd {target}    (or give every command --env-file {target / DOTENV_NAME})")
    for command in ("ingest", "doctor", 'ask "How do we talk about people crossing the Channel?"'):
        print(f"  lines {command}")
    return EXIT_OK


def _populate(sample: Path, target: Path, *, with_documents: bool) -> list[str]:
    report: list[str] = []
    target.mkdir(parents=True, exist_ok=True)

    env = target / DOTENV_NAME
    if env.exists():
        report.append(f"{DOTENV_NAME:34} kept as it is")
    else:
        env.write_text(env_template(), encoding="utf-8")
        report.append(f"{DOTENV_NAME:34} written: every setting, commented")

    knowledge = target / "knowledge"
    policy = knowledge / POLICY
    policy_label = f"{'knowledge/' + POLICY.as_posix():34}"
    if knowledge.exists():
        report.append(f"{'knowledge/':34} kept as it is")
        if policy.exists():
            report.append(f"{policy_label} kept as it is")
            return report
    elif with_documents:
        shutil.copytree(sample, knowledge)
        files = sum(1 for p in knowledge.rglob("*") if p.is_file()) - 1  # not the policy
        report.append(f"{'knowledge/':34} the sample knowledge base ({files} files)")
        report.append(f"{policy_label} what goes to staff: edit it")
        return report
    policy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample / POLICY, policy)
    report.append(f"{policy_label} the default policy: edit it")
    return report
