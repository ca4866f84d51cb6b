"""``ptpoll bench``: run the benchmarks side by side with their baselines.

    ptpoll bench [NAME...] [--pin CPU] [--quick] [--repeat K]
                 [--json FILE] [--plot DIR]

Prints one table of ratios per benchmark on stdout, with a progress line
on stderr; ``--json`` writes every row, ``--plot`` the figures (needs
matplotlib). Errors are one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

from .common import BenchError, Benchmark, Config, build_program, machine
from .table import Progress

__all__ = ["BENCHMARKS", "execute", "main", "standalone"]

BENCHMARKS = {
    "roundtrip": "round trip of one syscall-stop, per waiter, vs a waitpid loop",
    "latency": "signal latency under load, per tracer design",
    "scale": "cost per stop with 1 to 1000 tracees, per waiter",
    "trace": "ptpoll trace vs strace (and python-ptrace's strace.py)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BenchError(message)


def _parser() -> argparse.ArgumentParser:
    names = "\n".join(f"  {name:10} {what}" for name, what in BENCHMARKS.items())
    parser = _Parser(
        prog="ptpoll bench",
        description="Run ptpoll's benchmarks, each with its baselines in the"
        " same invocation, and print ratios.",
        epilog=f"benchmarks (default: all):\n{names}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run")
    parser.add_argument(
        "--pin",
        metavar="CPU",
        help="the CPU of the pinned runs (default: the first one allowed)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: checks, not measurements"
    )
    parser.add_argument(
        "--repeat",
        metavar="K",
        help="runs of each configuration (default: per benchmark; 2 with --quick)",
    )
    parser.add_argument("--json", metavar="FILE", help="write every row here")
    parser.add_argument("--plot", metavar="DIR", help="write PNG figures here")
    return parser


def _config(args: argparse.Namespace) -> Config:
    allowed = frozenset(os.sched_getaffinity(0))
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        raise BenchError(
            f"unknown benchmark {unknown[0]!r} (choose from: {', '.join(BENCHMARKS)})"
        )
    pin = min(allowed)
    if args.pin is not None:
        try:
            pin = int(args.pin)
        except ValueError:
            raise BenchError(f"--pin takes a CPU number, not {args.pin!r}") from None
        if pin not in allowed:
            raise BenchError(
                f"--pin {pin} is not a CPU this process may use"
                f" (allowed: {', '.join(map(str, sorted(allowed)))})"
            )
    repeat = None
    if args.repeat is not None:
        try:
            repeat = int(args.repeat)
        except ValueError:
            repeat = 0
        if repeat < 1:
            raise BenchError(f"--repeat takes a positive count, not {args.repeat!r}")
    return Config(pin=pin, all_cpus=allowed, quick=args.quick, repeat=repeat)


def _make(name: str, config: Config) -> Benchmark:
    if name == "roundtrip":
        from .roundtrip import RoundTrip

        return RoundTrip(config)
    if name == "latency":
        from .latency import SignalLatency

        return SignalLatency(config)
    if name == "scale":
        from .scale import Scale

        return Scale(config)
    from .trace import TraceBench

    return TraceBench(config)


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    config = _config(args)
    if args.plot is not None:
        from . import plots

        plots.check_available()
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)
    benches = [_make(name, config) for name in names]
    return execute(benches, config, ["ptpoll", "bench", *argv], args.json, args.plot)


def execute(
    benches: list[Benchmark],
    config: Config,
    command: list[str],
    json_path: str | None = None,
    plot_dir: str | None = None,
) -> int:
    """Run *benches* (steps interleaved as each benchmark orders them),
    print their tables, write the JSON file and the figures."""
    config.programs["tracee"] = build_program("tracee.c")
    for bench in benches:
        check = getattr(bench, "check", None)
        if check is not None:
            check()  # missing tools fail before anything is measured
    steps = [step for bench in benches for step in bench.steps()]

    started = time.monotonic()
    progress = Progress(len(steps))
    try:
        for step in steps:
            progress.step(step.label)
            step.run()
    finally:
        progress.close()
    took = time.monotonic() - started

    info = machine()
    print(
        f"{' '.join(command)}: {info['kernel']} {info['arch']}, {info['cpus']} CPUs"
        f" ({info['cpu_model']}), python {info['python']}; load average"
        f" {' '.join(map(str, info['loadavg']))}; {took:.0f} s"
        + (" (--quick: sizes too small for conclusions)" if config.quick else "")
    )
    rows: list[dict[str, Any]] = []
    for bench in benches:
        print()
        print(bench.table())
        rows.extend(bench.rows())

    if json_path is not None:
        doc = {
            "machine": info,
            "command": command,
            "quick": config.quick,
            "pin": config.pin,
            "seconds": took,
            "benchmarks": [bench.name for bench in benches],
            "rows": rows,
        }
        with open(json_path, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    if plot_dir is not None:
        from . import plots

        for path in plots.write(rows, plot_dir):
            sys.stderr.write(f"ptpoll bench: wrote {path}\n")
    return 0


def standalone(
    make: Callable[[Config], Benchmark],
    *,
    pin: int | None = None,
    repeat: int | None = None,
    json_path: str | None = None,
) -> int:
    """Run one benchmark made by ``make(config)``, for the scripts in
    ``benchmarks/``; errors as in `main`."""
    allowed = frozenset(os.sched_getaffinity(0))
    config = Config(
        pin=min(allowed) if pin is None else pin, all_cpus=allowed, repeat=repeat
    )
    return _guarded(lambda: execute([make(config)], config, list(sys.argv), json_path))


def main(argv: list[str]) -> int:
    """The ``ptpoll bench`` command; its exit status."""
    return _guarded(lambda: run(argv))


def _guarded(fn: Callable[[], int]) -> int:
    try:
        return fn()
    except BenchError as exc:
        sys.stderr.write(f"ptpoll bench: {exc}\n")
        return 1
    except OSError as exc:
        if exc.filename is not None:
            sys.stderr.write(f"ptpoll bench: {exc.strerror}: {exc.filename!r}\n")
            return 1
        raise
    except KeyboardInterrupt:
        sys.stderr.write("ptpoll bench: interrupted\n")
        return 130
