"""A non-editable ``pip install`` into a fresh venv works from any folder.

The package is built from a copy of the source tree and installed (not editable) into a new
venv in a temporary folder. To keep this quick, the new venv borrows the already installed
dependencies from the project's .venv (a folder of links, without Lines itself); everything
Lines needs of its own — code, the policy, the sample knowledge base, the console script —
must come from the wheel. Then, from unrelated folders: ``lines init``, ``lines ingest``,
``lines doctor``, a question answered with a citation and a sensitive one escalated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot import __version__
from bot.settings import PROJECT_ROOT, Settings

SKIP = {".venv", ".git", ".chroma", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}


def copy_source(target: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in SKIP or n.endswith((".egg-info", ".db"))}
        if Path(folder) == PROJECT_ROOT / "bench":
            skipped.add("data")
        return skipped

    shutil.copytree(PROJECT_ROOT, target, ignore=ignore)


def borrowed_dependencies(target: Path) -> Path:
    """Links to every installed distribution in this venv except Lines itself."""
    target.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name
        # Lines' own editable install (its metadata and import hook) stays behind.
        if name.startswith(("lines-", "__editable__")) or name.endswith(".pth"):
            continue
        (target / name).symlink_to(entry)
    return target


@pytest.mark.slow
def test_a_non_editable_install_answers_and_escalates_from_any_folder(tmp_path):
    source = tmp_path / "source"
    copy_source(source)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "borrowed-dependencies.pth").write_text(
        f"{borrowed_dependencies(tmp_path / 'deps')}\n"
    )

    clean = {name.upper() for name in Settings.model_fields} | {"PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in clean}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"

    def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        if check:
            assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done

    run(
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(source),
        cwd=tmp_path,
    )
    shutil.rmtree(source)  # nothing may still point into the source tree

    lines = str(venv / "bin" / "lines")
    assert run(lines, "--version", cwd=tmp_path).stdout.strip() == f"lines {__version__}"
    where = run(str(python), "-c", "import bot; print(bot.__file__)", cwd=tmp_path).stdout
    assert where.startswith(site), "installed into the venv, not linked to a checkout"
    generic = run(str(python), "-c", "import ingest", cwd=tmp_path, check=False)
    assert generic.returncode != 0, "no generic top-level modules are installed"

    home = tmp_path / "charity"
    home.mkdir()
    run(lines, "init", "lines-data", cwd=home)
    data = home / "lines-data"
    assert (data / "knowledge" / "policy" / "escalation.yaml").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env_file = str(data / ".env")
    run(lines, "--env-file", env_file, "ingest", cwd=elsewhere)
    doctor = run(lines, "--env-file", env_file, "doctor", cwd=elsewhere)
    assert "All " in doctor.stdout and "checks passed" in doctor.stdout

    answered = run(
        lines,
        "--env-file",
        env_file,
        "ask",
        "How do we talk about people crossing the Channel?",
        cwd=elsewhere,
    )
    assert "Sources:" in answered.stdout
    assert "lines/2025-03-10-channel-crossings.md" in answered.stdout

    escalated = run(
        lines,
        "--env-file",
        env_file,
        "ask",
        "A journalist is outside our office now and we need a statement in an hour",
        cwd=elsewhere,
    )
    assert "[handed to staff (live_crisis), item #1:" in escalated.stdout
    listed = run(lines, "escalations", "list", cwd=data)  # ./.env found in the working folder
    assert "live_crisis" in listed.stdout and "open" in listed.stdout
    assert not any(elsewhere.iterdir()), "nothing was written where the commands ran"
