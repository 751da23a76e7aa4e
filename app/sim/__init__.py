"""Scenario simulation: synthetic cities, behaviour models, a discrete-event engine that drives
the same workflow services as the REST API, metrics, comparisons, sweeps and reports."""
