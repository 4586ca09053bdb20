"""``python -m bot``: the same command line as ``lines``."""

import sys

from bot.cli import main

sys.exit(main())
