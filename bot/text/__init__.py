"""The pure text layer: wikitext in, findings or new wikitext out.

Nothing here imports pywikibot, touches the network or reads the clock.
"""
