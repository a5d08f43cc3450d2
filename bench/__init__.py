"""Punchcard's benchmark: `make bench` (see README, "Benchmark")."""
