"""Build hook: ship the sample knowledge base inside the package.

Everything else about the build is in pyproject.toml. The checkout keeps the sample where
people look for it (``knowledge/``; ``make demo`` indexes it there); a built wheel gets a copy
as ``bot/sample/knowledge`` for ``lines init`` to hand out, so the two cannot drift. The
``.env`` that ``lines init`` writes comes from the settings' declarations, not from a file.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithSample(build_py):
    """``build_py`` that also copies ``knowledge/`` to ``bot/sample/``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own files
            return
        sample = Path(self.build_lib) / "bot" / "sample"
        shutil.copytree(ROOT / "knowledge", sample / "knowledge", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithSample})
