"""`Tracee` (one traced thread), `Process` and `Registers`."""

from __future__ import annotations

import signal as _signal
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, ClassVar, Literal

from ..linux import memory, ptrace
from ..linux._libc import os_error, tag_pid, tgkill
from ..stops import SigInfo, Stop, SyscallInfo
from ..waiters import Watch
from .errors import TraceeGoneError

if TYPE_CHECKING:
    from .tracer import Tracer

__all__ = ["OnClose", "Process", "Registers", "Tracee"]

OnClose = Literal["kill", "detach"]

_IP, _SP = ("rip", "rsp") if "rip" in ptrace.REGISTER_NAMES else ("pc", "sp")


class Registers:
    """The general registers of a stopped thread, by name.

    ``regs.rip``, ``regs["rax"]`` (aarch64: ``regs.pc``, ``regs.x0``);
    ``names`` lists them. Change them here, then `Tracee.set_regs`.
    """

    __slots__ = ("_values",)
    _values: list[int]
    names = ptrace.REGISTER_NAMES
    _index: ClassVar[dict[str, int]] = {
        name: i for i, name in enumerate(ptrace.REGISTER_NAMES)
    }

    def __init__(self, values: tuple[int, ...] | list[int]) -> None:
        if len(values) != len(self.names):
            raise ValueError(f"expected {len(self.names)} registers, not {len(values)}")
        object.__setattr__(self, "_values", list(values))

    def __getitem__(self, name: str) -> int:
        try:
            return self._values[self._index[name]]
        except KeyError:
            raise KeyError(f"no register named {name!r}") from None

    def __setitem__(self, name: str, value: int) -> None:
        if name not in self._index:
            raise KeyError(f"no register named {name!r}")
        if not isinstance(value, int):
            raise TypeError(f"register {name} takes an int, not {value!r}")
        self._values[self._index[name]] = value & 0xFFFFFFFFFFFFFFFF

    def __getattr__(self, name: str) -> int:
        if name in Registers._index:
            return self[name]
        raise AttributeError(f"no register named {name!r}")

    def __setattr__(self, name: str, value: int) -> None:
        try:
            self[name] = value
        except KeyError:
            raise AttributeError(f"no register named {name!r}") from None

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return zip(self.names, self._values, strict=True)

    def values(self) -> tuple[int, ...]:
        return tuple(self._values)

    @property
    def instruction_pointer(self) -> int:
        """``rip`` on x86-64, ``pc`` on aarch64."""
        return self._values[self._index[_IP]]

    @property
    def stack_pointer(self) -> int:
        """``rsp`` on x86-64, ``sp`` on aarch64."""
        return self._values[self._index[_SP]]

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={v:#x}" for n, v in self)
        return f"Registers({inner})"


class Process:
    """A traced thread group: its pid (tgid), its traced threads, and for a
    spawned program the parent's ends of its ``PIPE`` streams."""

    def __init__(self, pid: int, on_close: OnClose, spawned: bool) -> None:
        self.pid = pid
        self.on_close: OnClose = on_close
        self.spawned = spawned
        self.threads: dict[int, Tracee] = {}
        self.stdin: IO[bytes] | None = None
        self.stdout: IO[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self._mem: memory.ProcMem | None = None

    def mem(self) -> memory.ProcMem:
        if self._mem is None:
            self._mem = memory.ProcMem(self.pid)
        return self._mem

    def forget_memory(self) -> None:
        """Drop the open ``/proc/PID/mem`` (after an exec it is stale)."""
        if self._mem is not None:
            self._mem.close()
            self._mem = None

    def __repr__(self) -> str:
        return f"<ptpoll.Process pid={self.pid} threads={sorted(self.threads)}>"


class Tracee:
    """One traced thread.

    Made by `Tracer.spawn`, `Tracer.seize`, `Tracer.attach`, or
    automatically for the new threads and children that clone, fork and
    vfork events report. ``tid`` is the thread id, ``pid`` its process id,
    ``process`` the `Process`.

    ``fileno()`` is readable exactly while a status is pending for this
    thread; it may be polled from any thread. Every other method runs on
    the tracer's thread only (`WrongThreadError` otherwise). Requests that
    need a ptrace-stop raise ``ProcessLookupError`` (ESRCH) when the thread
    is running, as the kernel does; `TraceeGoneError` (a subclass) once the
    thread has exited, was detached, or vanished.
    """

    def __init__(
        self,
        tracer: Tracer,
        tid: int,
        process: Process,
        watch: Watch,
        *,
        seized: bool,
        options: int,
    ) -> None:
        self.tid = tid
        self.process = process
        self.seized = seized
        self.options = options
        self.last_stop: Stop | None = None
        self._tracer = tracer
        self._owner = tracer._owner
        self._watch: Watch | None = watch
        self._gone: str | None = None
        self._pending_options: int | None = None  # for PTRACE_ATTACH

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        """False once the thread exited, was detached, or vanished."""
        return self._gone is None

    @property
    def stopped(self) -> bool:
        """True while the thread is in a ptrace-stop that was reported and
        not yet resumed."""
        return self._gone is None and self.last_stop is not None

    def __repr__(self) -> str:
        state = self._gone or ("stopped" if self.last_stop is not None else "running")
        return f"<ptpoll.Tracee tid={self.tid} pid={self.pid} {state}>"

    # -- checks ----------------------------------------------------------

    def _check(self, what: str) -> Watch:
        if threading.get_ident() != self._owner:
            raise self._tracer._wrong_thread(what, self.tid)
        if self._gone is not None:
            raise TraceeGoneError(self.tid, f"{self._gone}: cannot {what}")
        assert self._watch is not None
        return self._watch

    def _check_signal(self, sig: int) -> int:
        if not isinstance(sig, int) or isinstance(sig, bool):
            raise TypeError(f"signal must be an int, not {sig!r}")
        if sig < 0 or sig >= _signal.NSIG:
            raise ValueError(
                "signal must be 0 (none) or a signal number below"
                f" {_signal.NSIG}, not {sig!r}"
            )
        return int(sig)

    def _stop_required(self, exc: OSError, what: str) -> OSError:
        """Explain a kernel ESRCH for a request that needs a stop."""
        if exc.errno == 3 and self._gone is None and self.last_stop is None:
            err = ProcessLookupError(
                3,
                f"tracee {self.tid} is running (or its stop was not yet waited"
                f" for): {what} needs it in a ptrace-stop",
            )
            return tag_pid(err, self.tid)
        return exc

    # -- waiting -----------------------------------------------------------

    def fileno(self) -> int:
        """Readable iff ``wait(block=False)`` would return a status."""
        if self._watch is None:
            raise TraceeGoneError(self.tid, f"{self._gone}: it has no descriptor")
        return self._watch.fileno()

    def wait(self, block: bool = True, timeout: float | None = None) -> Stop | None:
        """The next status of this thread, decoded; None if there is none
        (``block=False``, or *timeout* seconds passed).

        Raises `TraceeGoneError` once the thread has terminated and its
        termination was reported, since nothing can come any more.
        """
        watch = self._check("wait")
        return self._tracer._wait_one(self, watch, block, timeout)

    # -- resuming ------------------------------------------------------------

    def _resume(self, request: int, sig: int, what: str) -> None:
        watch = self._check(what)
        if sig.__class__ is not int or sig:  # the common case, 0, is valid
            sig = self._check_signal(sig)
        try:
            ptrace._call(request, self.tid, 0, sig)
        except OSError as exc:
            raise self._stop_required(exc, what) from None
        self.last_stop = None
        watch.resumed()

    def cont(self, signal: int = 0) -> None:
        """Resume (``PTRACE_CONT``), delivering *signal* (0: none)."""
        self._resume(ptrace.CONT, signal, "PTRACE_CONT")

    def syscall(self, signal: int = 0) -> None:
        """Resume until the next syscall entry or exit (``PTRACE_SYSCALL``)."""
        self._resume(ptrace.SYSCALL, signal, "PTRACE_SYSCALL")

    def singlestep(self, signal: int = 0) -> None:
        """Resume for one instruction (``PTRACE_SINGLESTEP``)."""
        self._resume(ptrace.SINGLESTEP, signal, "PTRACE_SINGLESTEP")

    def listen(self) -> None:
        """Leave a group-stop without resuming (``PTRACE_LISTEN``, SEIZE only):
        the thread stays stopped until SIGCONT, and stops are reported."""
        if not self.seized:
            raise ValueError(
                f"tracee {self.tid} was attached, not seized:"
                " PTRACE_LISTEN needs PTRACE_SEIZE"
            )
        self._resume(ptrace.LISTEN, 0, "PTRACE_LISTEN")

    def interrupt(self) -> None:
        """Stop the running thread (``PTRACE_INTERRUPT``, SEIZE only); an
        `InterruptStop` (or an earlier stop) follows."""
        self._check("PTRACE_INTERRUPT")
        if not self.seized:
            raise ValueError(
                f"tracee {self.tid} was attached, not seized:"
                " PTRACE_INTERRUPT needs PTRACE_SEIZE"
            )
        ptrace.interrupt(self.tid)

    def detach(self, signal: int = 0) -> None:
        """Stop tracing this thread; it resumes with *signal* (0: none).

        Precondition: the thread is in a ptrace-stop. Its pending statuses,
        if any, are dropped by the kernel's rules (a stop not yet waited for
        is resumed by the detach).
        """
        self._check("PTRACE_DETACH")
        self._tracer._detach(self, self._check_signal(signal))

    def kill(self) -> None:
        """Send SIGKILL to the thread's process. Its termination is still
        reported by ``wait`` (a `Killed`)."""
        self._check("kill")
        try:
            tgkill(self.pid, self.tid, _signal.SIGKILL)
        except ProcessLookupError:
            pass  # already dead: wait() reports how it ended

    def send_signal(self, sig: int) -> None:
        """Send *sig* to this thread (``tgkill``)."""
        self._check("send_signal")
        tgkill(self.pid, self.tid, self._check_signal(sig))

    # -- requests on a stopped thread ------------------------------------

    def set_options(self, options: int) -> None:
        """Replace the ``PTRACE_O_*`` options (TRACESYSGOOD is always kept)."""
        self._check("PTRACE_SETOPTIONS")
        opts = self._tracer._check_options(options) | ptrace.Options.TRACESYSGOOD
        try:
            ptrace.set_options(self.tid, opts)
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_SETOPTIONS") from None
        old, self.options = self.options, int(opts)
        self._pending_options = None
        self._tracer._options_changed(old, self.options)

    def get_event_message(self) -> int:
        self._check("PTRACE_GETEVENTMSG")
        try:
            return ptrace.get_event_message(self.tid)
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_GETEVENTMSG") from None

    def get_siginfo(self) -> SigInfo:
        self._check("PTRACE_GETSIGINFO")
        try:
            return SigInfo.from_bytes(ptrace.get_siginfo(self.tid))
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_GETSIGINFO") from None

    def set_siginfo(self, info: SigInfo) -> None:
        self._check("PTRACE_SETSIGINFO")
        if not isinstance(info, SigInfo):
            raise TypeError(f"set_siginfo takes a SigInfo, not {info!r}")
        try:
            ptrace.set_siginfo(self.tid, info.raw)
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_SETSIGINFO") from None

    def get_syscall_info(self) -> SyscallInfo:
        self._check("PTRACE_GET_SYSCALL_INFO")
        try:
            return SyscallInfo.fetch(self.tid)
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_GET_SYSCALL_INFO") from None

    def get_regs(self) -> Registers:
        """The general registers (``PTRACE_GETREGSET``, ``NT_PRSTATUS``)."""
        self._check("PTRACE_GETREGSET")
        try:
            return Registers(ptrace.get_regs(self.tid))
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_GETREGSET") from None

    def set_regs(self, regs: Registers) -> None:
        self._check("PTRACE_SETREGSET")
        if not isinstance(regs, Registers):
            raise TypeError(f"set_regs takes Registers, not {regs!r}")
        try:
            ptrace.set_regs(self.tid, regs.values())
        except OSError as exc:
            raise self._stop_required(exc, "PTRACE_SETREGSET") from None

    def read_memory(self, addr: int, size: int) -> bytes:
        """*size* bytes at *addr*. Raises OSError (EFAULT, EIO) if a byte of
        the range cannot be read."""
        self._check("read_memory")
        _check_range(addr, size)
        if size == 0:
            return b""
        # /proc/PID/mem first: one pread on a descriptor kept per process,
        # and it reads what process_vm_readv may not (PROT_NONE pages, as a
        # tracer may). process_vm_readv is the fallback where the file
        # cannot be opened (a /proc mounted without it, say).
        try:
            data = self.process.mem().read(addr, size)
        except OSError:
            data = b""
        if len(data) < size:
            try:
                data += memory.vm_read(self.pid, addr + len(data), size - len(data))
            except OSError:
                pass
            if len(data) < size:
                raise os_error(5, f"read of {size} bytes at {addr:#x}", self.tid)
        return data

    def write_memory(self, addr: int, data: bytes) -> None:
        """Write *data* at *addr*, read-only pages included (as a debugger
        plants breakpoints), through ``/proc/PID/mem``."""
        self._check("write_memory")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {data!r}")
        _check_range(addr, len(data))
        done = 0
        mem = self.process.mem()
        while done < len(data):
            n = mem.write(addr + done, bytes(data[done:]))
            if n <= 0:
                raise os_error(5, f"write at {addr + done:#x}", self.tid)
            done += n

    def read_string(self, addr: int, limit: int = 4096) -> bytes:
        """The NUL-terminated string at *addr*, at most *limit* bytes."""
        self._check("read_string")
        out = bytearray()
        while len(out) < limit:
            # Read up to the next page boundary: a string may end right
            # before an unmapped page.
            chunk = min(limit - len(out), 4096 - ((addr + len(out)) & 4095))
            data = self.read_memory(addr + len(out), chunk)
            end = data.find(b"\0")
            if end >= 0:
                out += data[:end]
                return bytes(out)
            out += data
        return bytes(out)


def _check_range(addr: int, size: int) -> None:
    if not isinstance(addr, int) or isinstance(addr, bool) or addr < 0:
        raise ValueError(f"address must be a non-negative int, not {addr!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"size must be a non-negative int, not {size!r}")
    if addr + size > 1 << 64:
        raise ValueError(
            f"range {addr:#x}+{size} goes past the end of the address space"
        )
