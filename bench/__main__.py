"""Run every benchmark: ``python -m bench [name …]``."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("fanout", "purge", "regional_preview")


def main(names: list[str]) -> int:
    from bench.common import quiet

    quiet()
    failed = 0
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            continue  # a benchmark of a plugin that is not installed
        try:
            module.main()
        except Exception as error:  # report and go on with the others
            print(f"BENCH {name} failed: {type(error).__name__}: {error}", flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
