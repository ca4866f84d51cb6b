"""``-c``: time, calls and errors per system call, as strace's table.

The time is wall-clock time from the entry stop to the exit stop, as
``strace -c -w`` measures it: ptpoll's waiters report statuses without the
``rusage`` of ``wait4``, so the system time that plain ``strace -c`` shows
is not known here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO


@dataclass
class _Row:
    nr: int
    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


class Summary:
    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}

    def add(self, name: str, nr: int, seconds: float, failed: bool) -> None:
        row = self._rows.get(name)
        if row is None:
            row = self._rows[name] = _Row(nr)
        row.calls += 1
        row.seconds += seconds
        if failed:
            row.errors += 1

    def counts(self) -> dict[str, tuple[int, int]]:
        """name -> (calls, errors)."""
        return {name: (r.calls, r.errors) for name, r in self._rows.items()}

    def write(self, stream: TextIO, sort_by: str = "time") -> None:
        rows = list(self._rows.items())
        if sort_by == "time":
            rows.sort(key=lambda item: (-item[1].seconds, item[1].nr))
        elif sort_by == "calls":
            rows.sort(key=lambda item: (-item[1].calls, item[1].nr))
        elif sort_by == "errors":
            rows.sort(key=lambda item: (-item[1].errors, item[1].nr))
        elif sort_by == "name":
            rows.sort(key=lambda item: item[0])
        total = sum(r.seconds for _, r in rows)
        calls = sum(r.calls for _, r in rows)
        errors = sum(r.errors for _, r in rows)
        rule = "------ ----------- ----------- --------- --------- ----------------"
        out = [
            "% time     seconds  usecs/call     calls    errors syscall",
            rule,
        ]
        for name, r in rows:
            share = 100.0 * r.seconds / total if total else 0.0
            out.append(_line(share, r.seconds, r.calls, r.errors, name))
        out.append(rule)
        out.append(_line(100.0, total, calls, errors, "total"))
        stream.write("\n".join(out) + "\n")


def _line(share: float, seconds: float, calls: int, errors: int, name: str) -> str:
    per_call = int(seconds * 1e6 / calls) if calls else 0
    err = f"{errors:9d}" if errors else " " * 9
    return f"{share:6.2f} {seconds:11.6f} {per_call:11d} {calls:9d} {err} {name}"
