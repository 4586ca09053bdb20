"""Ingest figures for real folders and hostile files; printed, never asserted.

    python -m bench.ingest_files

1. The sample knowledge base (knowledge/): a full ingest, then a no-change re-ingest.
2. The same documents with every metadata front matter and sidecar removed (all inferred).
3. How long each hostile file takes to be refused, the process's peak resident memory and
   how much refusing it raised that peak (each case in its own process, libraries imported
   first).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings

HOSTILE = ["alias-bomb", "docx-xxe", "docx-huge-node", "docx-malformed", "pdf-parent-loop"]


def _settings(base: Path, knowledge: Path):
    return Settings(
        knowledge_dirs=(knowledge,),
        chroma_dir=base / "chroma",
        database_url=f"sqlite:///{base / 'lines.db'}",
    )


def sample_ingest(strip_metadata: bool) -> dict:
    from bot.index.embedding import MiniLMEmbeddings
    from bot.ingest.pipeline import ingest

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        knowledge = base / "knowledge"
        shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
        if strip_metadata:
            for sidecar in knowledge.rglob("*.meta.yaml"):
                sidecar.unlink()
            for path in [*knowledge.rglob("*.md"), *knowledge.rglob("*.txt")]:
                raw = path.read_bytes()
                path.write_bytes(re.sub(rb"\A---\r?\n.*?\r?\n---\r?\n", b"", raw, flags=re.S))
        settings = _settings(base, knowledge)
        embeddings = MiniLMEmbeddings()
        started = time.perf_counter()
        first = ingest(settings, embeddings=embeddings)
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest(settings, embeddings=embeddings)
        no_change = time.perf_counter() - started
        return {
            "files": len(first.added),
            "failed": len(first.failed),
            "inferred": len(first.inferred),
            "chunks": first.chunks,
            "full_s": full,
            "no_change_s": no_change,
            "unchanged": len(again.unchanged),
        }


def refuse(path: Path) -> dict:
    """Load one hostile file (built by the parent process, so building it costs nothing here)."""
    import docx  # noqa: F401 - imported first, so their import is not counted as growth
    import pptx  # noqa: F401
    import pypdf  # noqa: F401

    from bot.ingest.loaders import LoadError, load

    before = _peak_kb()
    started = time.perf_counter()
    try:
        load(path, max_file_mb=Settings.default("max_file_mb"))
        reason = "NOT REFUSED"
    except LoadError as exc:
        reason = str(exc)
    elapsed = time.perf_counter() - started
    after = _peak_kb()
    return {
        "ms": elapsed * 1000,
        "peak_mb": after / 1024,
        "grew_mb": (after - before) / 1024,
        "reason": reason[:64],
    }


def _peak_kb() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it starts afresh at exec,
    so a child does not inherit its parent's figure)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(refuse(Path(args.one))))
        return
    for strip, label in ((False, "sample knowledge/"), (True, "sample, no metadata at all")):
        r = sample_ingest(strip)
        print(
            f"{label:28} {r['files']} files, {r['chunks']} chunks, {r['failed']} failed, "
            f"{r['inferred']} with inferred values: full ingest {r['full_s']:.1f} s, "
            f"no-change re-ingest {r['no_change_s']:.2f} s ({r['unchanged']} unchanged)"
        )
    print(
        f"\n{'hostile file':16} {'size':>9} {'refused in':>11} {'peak RSS':>9} {'(+)':>7}  reason"
    )
    from tests.ingest.test_hostile_files import hostile

    tmp = tempfile.TemporaryDirectory()
    for kind in HOSTILE:
        name, _, content, _ = hostile(kind)
        path = Path(tmp.name) / name
        path.write_bytes(content)
        done = subprocess.run(
            [sys.executable, "-m", "bench.ingest_files", "--one", str(path)],
            capture_output=True,
            text=True,
            check=False,
            cwd=PROJECT_ROOT,
        )
        if done.returncode:
            print(f"{kind} failed:\n{done.stderr}", file=sys.stderr)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{kind:16} {len(content):>8,}B {r['ms']:>9.1f}ms {r['peak_mb']:>7.0f}MB "
            f"{r['grew_mb']:>5.1f}MB  {r['reason']}"
        )
    tmp.cleanup()


if __name__ == "__main__":
    main()
