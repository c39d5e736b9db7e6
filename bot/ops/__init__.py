"""Operating the bot unattended: the schedule, the pass lock, graceful SIGTERM, redaction.

Nothing here imports pywikibot or touches the wiki; bot/wiki/ wires these pieces into `run` and
`serve`.
"""
