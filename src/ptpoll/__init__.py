"""ptpoll: pollable ptrace tracees.

Every tracee, and every tracer, has a file descriptor that is readable
exactly when a wait status is pending, so one ``poll``/``epoll``/
``selectors``/asyncio/trio loop serves tracees and everything else::

    with ptpoll.Tracer() as tracer:
        tracee = tracer.spawn(["ls"])        # stopped at its exec
        tracee.syscall()
        while tracee.alive:
            stop = tracee.wait()
            print(stop)
            if stop.alive:
                tracee.syscall()

Layers (see DESIGN.md): ``ptpoll.linux`` (system calls), ``ptpoll.stops``
(decoded statuses), ``ptpoll.waiters`` (how statuses become pollable),
``ptpoll.tracer`` (Tracer and Tracee).
"""

from .linux.ptrace import Event, Options
from .stops import (
    CloneStop,
    ExecStop,
    Exited,
    ExitEventStop,
    ForkStop,
    GroupStop,
    InterruptStop,
    Killed,
    SeccompStop,
    SigInfo,
    SignalStop,
    Stop,
    SyscallInfo,
    SyscallOp,
    SyscallStop,
    VforkDoneStop,
    VforkStop,
    signal_name,
)
from .tracer import (
    Process,
    Registers,
    Tracee,
    TraceeGoneError,
    Tracer,
    TracerClosedError,
    WrongThreadError,
)
from .waiters import WaiterUnavailable
from .waiters import available as available_waiters

__version__ = "0.1.0"

__all__ = [
    "CloneStop",
    "Event",
    "ExecStop",
    "ExitEventStop",
    "Exited",
    "ForkStop",
    "GroupStop",
    "InterruptStop",
    "Killed",
    "Options",
    "Process",
    "Registers",
    "SeccompStop",
    "SigInfo",
    "SignalStop",
    "Stop",
    "SyscallInfo",
    "SyscallOp",
    "SyscallStop",
    "Tracee",
    "TraceeGoneError",
    "Tracer",
    "TracerClosedError",
    "VforkDoneStop",
    "VforkStop",
    "WaiterUnavailable",
    "WrongThreadError",
    "available_waiters",
    "signal_name",
]
