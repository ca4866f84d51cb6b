"""``ptpoll trace`` against strace: ``ptpoll bench trace`` with sizes.

The benchmark lives in ``ptpoll.tools.bench.trace`` (its workload in
``ptpoll/tools/bench/programs/trace_workload.c``); this script keeps its
former command line.

    python benchmarks/bench_trace.py [--iterations N | --quick]
                                     [--repeat K] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys

from ptpoll.tools.bench.cli import standalone
from ptpoll.tools.bench.trace import CALLS_PER_ITERATION, TraceBench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--iterations",
        type=int,
        default=35_000,
        help=f"workload loop count, {CALLS_PER_ITERATION} system calls each",
    )
    parser.add_argument("--quick", action="store_true", help="500 iterations")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each configuration"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows here")
    args = parser.parse_args(argv)
    iterations = 500 if args.quick else args.iterations
    return standalone(
        lambda config: TraceBench(config, iterations=iterations),
        repeat=args.repeat,
        json_path=args.json,
    )


if __name__ == "__main__":
    sys.exit(main())
