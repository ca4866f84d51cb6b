"""Small helpers shared by the tests."""

from __future__ import annotations


def proc_state(pid: int) -> tuple[str, int]:
    """``(State letter, TracerPid)`` from /proc/PID/status."""
    state, tracer = "?", -1
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("State:"):
                state = line.split()[1]
            elif line.startswith("TracerPid:"):
                tracer = int(line.split()[1])
    return state, tracer
