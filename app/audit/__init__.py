"""The auditor toolkit's I/O parts: the log key, export bundles, reports (issue 5)."""
