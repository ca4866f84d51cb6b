"""Round trip of one syscall-stop: ``ptpoll bench roundtrip`` with sizes.

The benchmark lives in ``ptpoll.tools.bench.roundtrip``; this script keeps
the commands of docs/benchmarks.md working and adds --calls and --waiter.

    python benchmarks/bench_roundtrip.py [--calls N] [--repeat R]
                                         [--waiter W] [--pin CPU]
"""

from __future__ import annotations

import argparse
import sys

from ptpoll.tools.bench.cli import standalone
from ptpoll.tools.bench.roundtrip import RoundTrip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000, help="getppid calls")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each design")
    parser.add_argument("--waiter", action="append", help="only these waiters")
    parser.add_argument("--pin", type=int, help="the CPU of the pinned runs")
    args = parser.parse_args(argv)
    return standalone(
        lambda config: RoundTrip(config, calls=args.calls, waiters=args.waiter),
        pin=args.pin,
        repeat=args.repeat,
    )


if __name__ == "__main__":
    sys.exit(main())
