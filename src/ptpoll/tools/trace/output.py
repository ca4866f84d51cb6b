"""Where trace events go: strace's lines, or one JSON object per event.

The text writer keeps strace's layout: the return value in column 40, a
``[pid N]`` prefix on a terminal once more than one thread is traced (a
bare ``N`` prefix in a file with ``-f``), and a line that another thread
interrupts is ended with ``<unfinished ...>`` and later continued on a
``<... name resumed>`` line.
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

from .options import TraceOptions

COLUMN = 40  # where strace starts `= ret` when the call is shorter


class TextOutput:
    """strace's line format. Runs on the tracing thread only."""

    def __init__(self, stream: TextIO, opts: TraceOptions, *, to_file: bool) -> None:
        self.stream = stream
        self._write = stream.write
        self._bare_pid = to_file and (opts.follow or len(opts.pids) > 1)
        self._timestamps = opts.timestamps
        self._relative = opts.relative
        self._times = opts.syscall_times
        self._stamped = bool(opts.timestamps or opts.relative)
        self._last_time = 0.0
        self.nthreads = 1  # traced threads now, for the [pid N] prefix
        self._open: int | None = None  # the thread whose line is unfinished
        self._col = 0

    def _prefix(self, tid: int, now: float) -> str:
        if self._bare_pid:
            text = f"{tid:<5d} "
        elif self.nthreads > 1:
            text = f"[pid {tid:5d}] "
        else:
            text = ""
        if self._stamped:
            text += self._stamp(now)
        return text

    def _stamp(self, now: float) -> str:
        text = ""
        if self._timestamps:
            if self._timestamps >= 3:
                text = f"{now:.6f} "
            else:
                text = time.strftime("%H:%M:%S", time.localtime(now))
                if self._timestamps == 2:
                    text += f".{int(now * 1e6) % 1000000:06d}"
                text += " "
        if self._relative:
            delta = now - self._last_time if self._last_time else 0.0
            self._last_time = now
            if self._timestamps:
                text += f"(+{delta:13.6f}) "
            else:
                text += f"{delta:13.6f} "
        return text

    def _begin(self, tid: int, now: float) -> None:
        """Start a line for *tid*, cutting another thread's open line."""
        if self._open is not None:
            self._write(" <unfinished ...>\n")
            self._open = None
        prefix = self._prefix(tid, now)
        self._write(prefix)
        self._col = len(prefix)

    def syscall_entry(self, tid: int, text: str, now: float) -> None:
        self._begin(tid, now)
        self._write(text)
        self._col += len(text)
        self._open = tid

    def syscall_exit(
        self,
        tid: int,
        name: str,
        rest: str,
        ret: str,
        duration: float | None,
        now: float,
    ) -> None:
        if self._open == tid:
            text = rest
        else:
            self._begin(tid, now)
            text = f"<... {name} resumed>{rest}"
        col = self._col + len(text)
        pad = " " * (COLUMN - 1 - col) if col < COLUMN - 1 else ""
        if self._times and duration is not None:
            self._write(f"{text}{pad} = {ret} <{duration:.6f}>\n")
        else:
            self._write(f"{text}{pad} = {ret}\n")
        self._open = None

    def line(self, tid: int, text: str, now: float) -> None:
        """A whole line: a signal, an exit, a stop."""
        self._begin(tid, now)
        self._write(text + "\n")
        self._open = None

    def detached(self, tid: int) -> None:
        """End *tid*'s open line when it is let go mid-call."""
        if self._open == tid:
            self._write(" <detached ...>\n")
            self._open = None

    def finish(self) -> None:
        if self._open is not None:
            self._write(" <unfinished ...>\n")
            self._open = None
        self.stream.flush()


class JsonOutput:
    """One JSON object per line (schema in docs/trace-json.md)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._write = stream.write
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def event(self, record: dict[str, Any]) -> None:
        self._write(self._dumps(record) + "\n")

    def finish(self) -> None:
        self.stream.flush()
