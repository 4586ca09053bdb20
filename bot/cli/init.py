"""``lines init [DIR]``: a data folder for the charity to edit, from what ships with Lines.

Writes ``DIR/.env`` (every setting, commented, as in ``.env.example``) and ``DIR/knowledge/``
(the sample knowledge base, with the escalation policy in ``knowledge/policy/``). Run from DIR
afterwards, or pass ``--env-file DIR/.env``: the defaults resolve against the folder of the
``.env`` in use. Nothing that exists is overwritten; ``--no-sample`` copies only the policy.

The sample ships inside the package (``bot/sample/``, copied there from the checkout's
``knowledge/`` and ``.env.example`` when the wheel is built; see setup.py). In a source
checkout, where the package is not built, the checkout's own files are used.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.errors import EXIT_OK, ConfigError, UsageError
from bot.settings import DOTENV_NAME, PROJECT_ROOT, Settings

PACKAGED_SAMPLE = Path(__file__).resolve().parent.parent / "sample"
POLICY = Path("policy") / "escalation.yaml"  # inside knowledge/, as Settings' default expects


@dataclass(frozen=True)
class Sample:
    """Where the shipped sample lives: the knowledge folder and the settings template."""

    knowledge: Path
    env_example: Path


def find_sample() -> Sample:
    """The sample shipped in the package, else the source checkout's; ``ConfigError`` if neither."""
    for sample in (
        Sample(PACKAGED_SAMPLE / "knowledge", PACKAGED_SAMPLE / "env.example"),
        Sample(PROJECT_ROOT / "knowledge", PROJECT_ROOT / ".env.example"),
    ):
        if (sample.knowledge / POLICY).is_file() and sample.env_example.is_file():
            return sample
    raise ConfigError(
        f"the sample knowledge base is not installed (looked in {PACKAGED_SAMPLE}): "
        "reinstall Lines from a complete source tree or wheel"
    )


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``DIR`` and ``--no-sample`` to ``parser``."""
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


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Write ``.env`` and ``knowledge/`` into DIR, keeping whatever is already there."""
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


def _populate(sample: Sample, target: Path, *, with_documents: bool) -> list[str]:
    report: list[str] = []
    target.mkdir(parents=True, exist_ok=True)

    env = target / DOTENV_NAME
    if env.exists():
        report.append(f"{DOTENV_NAME:34} kept as it is")
    else:
        text = sample.env_example.read_text(encoding="utf-8")
        env.write_text(text, encoding="utf-8")
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
        shutil.copytree(sample.knowledge, knowledge)
        files = sum(1 for p in knowledge.rglob("*") if p.is_file()) - 1  # not the policy
        report.append(f"{'knowledge/':34} the sample knowledge base ({files} files)")
        report.append(f"{policy_label} what goes to staff: edit it")
        return report
    policy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample.knowledge / POLICY, policy)
    report.append(f"{policy_label} the default policy: edit it")
    return report
