"""Signal latency under load: ``ptpoll bench latency`` with sizes.

The benchmark lives in ``ptpoll.tools.bench.latency``; this script keeps
the commands of docs/benchmarks.md working and adds --signals.

    python benchmarks/bench_signal_latency.py [--signals N] [--repeat R]
                                              [--pin CPU]
"""

from __future__ import annotations

import argparse
import sys

from ptpoll.tools.bench.cli import standalone
from ptpoll.tools.bench.latency import SignalLatency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=2000, help="signals per run")
    parser.add_argument("--pin", type=int, help="the CPU of the pinned runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per design, pooled")
    args = parser.parse_args(argv)
    return standalone(
        lambda config: SignalLatency(config, signals=args.signals),
        pin=args.pin,
        repeat=args.repeat,
    )


if __name__ == "__main__":
    sys.exit(main())
