"""A realistic consultation corpus whose every signature MediaWiki writes (issue 11).

text.py (words, tokens, signatures) -> ops.py (edits of the page) -> scenario.py (the seeded
generator and its truth per comment) -> driver.py (plays it on a dev wiki) -> truth.py (the
truth as data) -> judge.py (the bot judged on it) and bench.py (the bot run as an operator
runs it); named.py holds the short scenarios recorded by scripts/record_history.py.
"""
