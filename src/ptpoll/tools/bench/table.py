"""Text output: the result tables (stdout) and the progress line (stderr)."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO

__all__ = ["Progress", "format_table", "fmt"]


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell; ``-`` for a missing one."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def format_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
) -> str:
    """A plain table: the first *left* columns left-aligned, the others
    right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            f"{c:<{w}}" if i < left else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [title, line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


class Progress:
    """Where a long run is: a bar redrawn in place when *stream* is a
    terminal, else one line per step (logs of CI runs stay readable)."""

    WIDTH = 24

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(1, total)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()

    def step(self, label: str) -> None:
        """Announce the step that is about to run."""
        self.done += 1
        elapsed = time.monotonic() - self.started
        if not self.tty:
            self.stream.write(f"[{self.done}/{self.total}] {label}\n")
            self.stream.flush()
            return
        filled = self.WIDTH * (self.done - 1) // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        text = f"[{bar}] {self.done}/{self.total} {elapsed:4.0f}s {label}"
        self.stream.write("\r\x1b[K" + text[:119])
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
