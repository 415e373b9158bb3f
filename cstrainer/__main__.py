"""``python -m cstrainer`` is the ``cstrainer`` command."""

from __future__ import annotations

import sys

from cstrainer.cli import main

sys.exit(main())
