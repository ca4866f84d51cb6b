"""``ptpoll COMMAND ...``: the console script and ``python -m ptpoll``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """\
usage: ptpoll trace [options] -- COMMAND [ARGS...]
       ptpoll trace [options] -p PID [-p PID...]

       ptpoll bench [NAME...] [--pin CPU] [--quick] [--json FILE] [--plot DIR]

commands:
  trace   trace system calls and signals, as strace does
          (ptpoll trace --help for the options)
  bench   run the benchmarks side by side with their baselines
          (ptpoll bench --help)
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if args else 1
    command, rest = args[0], args[1:]
    if command == "trace":
        return _trace(rest)
    if command == "bench":
        from .bench.cli import main as bench_main

        return bench_main(rest)
    sys.stderr.write(f"ptpoll: unknown command {command!r} (try: ptpoll --help)\n")
    return 1


def _trace(args: list[str]) -> int:
    from .trace.options import UsageError, parse
    from .trace.session import TraceError, run

    try:
        opts = parse(args)
        return run(opts)
    except UsageError as exc:
        sys.stderr.write(f"ptpoll trace: {exc}\n")
        return 1
    except TraceError as exc:
        sys.stderr.write(f"ptpoll trace: {exc}\n")
        return 1
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
