"""Benchmarks, run by ``make bench`` (never by ``make test``).

Each prints one line ``BENCH <name> <figure with unit> ratio=<number> baseline=<what>``, the
figure and its baseline measured in the same run on the same machine.
"""
