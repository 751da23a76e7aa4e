"""Benchmarks: `make bench` (bench/run.py). Figures and method in docs/performance.md."""
