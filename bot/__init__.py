"""consultation-bot: a Pywikibot bot that keeps MediaWiki consultation pages tidy."""

from __future__ import annotations

__version__ = "0.1.0"
