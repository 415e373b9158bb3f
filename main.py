"""Start the 客服训练营 desktop app: ``python main.py [--db URL] [--debug]``."""

from __future__ import annotations

import sys

from cstrainer.cli import main

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "gui"]))
