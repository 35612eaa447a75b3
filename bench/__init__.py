"""Benchmarks: python bench/<name>.py; each has a smoke test in tests/ so it keeps running."""
