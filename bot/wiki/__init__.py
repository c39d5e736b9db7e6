"""The wiki layer: the only code that imports pywikibot."""
