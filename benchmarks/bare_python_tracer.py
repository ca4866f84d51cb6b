"""The least a Python tracer can do per stop: a baseline for ``ptpoll trace``.

A blocking ``waitpid`` loop over ``PTRACE_GET_SYSCALL_INFO`` and
``PTRACE_SYSCALL``, following no children and printing nothing, through
ptpoll's thin system-call wrappers (layer ``ptpoll.linux``):

    /usr/bin/time -f '%U' python benchmarks/bare_python_tracer.py PROG [ARGS...]

docs/benchmarks.md compares its user CPU with strace's and ``ptpoll trace``'s
on the same workload.
"""

from __future__ import annotations

import os
import signal
import sys

from ptpoll.linux import ptrace

WALL = 0x40000000


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: bare_python_tracer.py PROGRAM [ARGS...]\n")
        return 2
    pid = os.fork()
    if pid == 0:
        ptrace.traceme()
        os.kill(os.getpid(), signal.SIGSTOP)
        os.execvp(argv[0], argv)
    os.waitpid(pid, 0)
    ptrace.set_options(pid, ptrace.Options.TRACESYSGOOD | ptrace.Options.EXITKILL)
    ptrace.syscall_(pid, 0)
    stops = 0
    while True:
        _, status = os.waitpid(pid, WALL)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        stops += 1
        ptrace.get_syscall_info(pid)
        ptrace.syscall_(pid, 0)
    sys.stderr.write(f"{stops} stops\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
