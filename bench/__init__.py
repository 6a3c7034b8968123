"""Benchmarks: each module has a `main()` that prints its figures (never pass/fail on time)."""
