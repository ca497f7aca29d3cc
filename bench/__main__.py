"""Run every benchmark: ``python -m bench [name …]``.

Each benchmark prints its ``BENCH`` line. One that cannot be imported or that fails prints
``BENCH <name> failed: …`` and the run ends with a non-zero exit status after the others ran;
a benchmark whose services or data are absent says ``BENCH <name> skipped: …`` itself.
"""

from __future__ import annotations

import importlib
import sys
import traceback

BENCHMARKS = ("fanout", "purge", "regional_preview", "surge")


def main(names: list[str]) -> int:
    from bench.common import quiet

    quiet()
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    failed = []
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except Exception as error:  # a broken import is a failed benchmark, never a silent skip
            traceback.print_exc()
            print(
                f"BENCH {name} failed: cannot import: {type(error).__name__}: {error}", flush=True
            )
            failed.append(name)
            continue
        try:
            module.main()
        except Exception as error:  # report and go on with the others
            traceback.print_exc()
            print(f"BENCH {name} failed: {type(error).__name__}: {error}", flush=True)
            failed.append(name)
    if failed:
        print(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
