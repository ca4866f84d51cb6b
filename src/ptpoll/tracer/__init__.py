"""Layer 4: `Tracer` and `Tracee`, the ptrace API on top of the waiters."""

from .errors import TraceeGoneError, TracerClosedError, WrongThreadError
from .tracee import Process, Registers, Tracee
from .tracer import Tracer

__all__ = [
    "Process",
    "Registers",
    "Tracee",
    "TraceeGoneError",
    "Tracer",
    "TracerClosedError",
    "WrongThreadError",
]
