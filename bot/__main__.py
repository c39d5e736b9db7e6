"""Allow `python -m bot` as a synonym of the `consultation-bot` command."""

from __future__ import annotations

import sys

from bot.cli import main

sys.exit(main())
