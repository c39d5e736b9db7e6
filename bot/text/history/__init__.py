"""Who wrote what: line authorship and per-edit verdicts found from the page history."""
