"""The examples run as written."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import proc_state

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TIMEOUT = 60


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip


def test_trace_stops_prints_stops_and_exits_with_the_programs_status(tracee_bin):
    out = run_example("trace_stops.py", "--", tracee_bin, "exit", "3")
    assert out.returncode == 3, out.stderr
    assert "ExecStop" in out.stderr
    assert re.search(r"syscall 231 entry", out.stderr)  # exit_group
    assert "Exited(tid=" in out.stderr


def test_trace_stops_reports_a_missing_program():
    out = run_example("trace_stops.py", "--", "ptpoll-no-such-program")
    assert out.returncode == 127
    assert "No such file or directory" in out.stderr


def test_signal_relay_relays_signals_while_reading_memory():
    out = run_example("signal_relay.py", "--seconds", "0.5", "--rate", "200")
    assert out.returncode == 0, out.stderr
    relayed = re.search(r"'SIGUSR1': (\d+)", out.stdout)
    assert relayed and int(relayed.group(1)) > 50, out.stdout
    assert re.search(r"program says: received [1-9]", out.stdout), out.stdout
    reads = re.search(r"memory reads: (\d+)", out.stdout)
    assert reads and int(reads.group(1)) >= 50, out.stdout


def _stop_control(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


def _start_control(
    tmp_path: Path, tracee_bin: str
) -> tuple[subprocess.Popen[str], Path, int]:
    path = tmp_path / "control.sock"
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "async_control.py"), str(path), "--",
         tracee_bin, "tick"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.match(r"tracing (\d+); control socket", line)
    assert match, (line, proc.stderr.read() if proc.stderr else "")
    return proc, path, int(match.group(1))


def _ask(sock: socket.socket, command: str) -> str:
    sock.sendall(command.encode() + b"\n")
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        assert chunk, "control socket closed"
        data += chunk
    return data.decode().strip()


def test_async_control_lists_counts_and_detaches(tmp_path, tracee_bin):
    proc, path, pid = _start_control(tmp_path, tracee_bin)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect(str(path))
            assert _ask(sock, "list") == f"tracees {pid}"
            # Stops come in: the tick program makes a syscall every ms, and
            # every stop (here only its exec-time ones, then none: it is
            # resumed with PTRACE_CONT) is counted.
            assert _ask(sock, "stops").startswith("stops")
            assert _ask(sock, "bogus").startswith("error: unknown command")
            assert _ask(sock, "kill 999999").startswith("error:")
            assert _ask(sock, f"detach {pid}") == "ok"
        assert proc.wait(TIMEOUT) == 0
        # Detached, not killed: still running, untraced.
        assert proc_state(pid)[1] == 0
    finally:
        _stop_control(proc)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_async_control_kill(tmp_path, tracee_bin):
    proc, path, pid = _start_control(tmp_path, tracee_bin)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect(str(path))
            assert _ask(sock, f"kill {pid}") == "ok"
        assert proc.wait(TIMEOUT) == 128 + signal.SIGKILL
        deadline = time.monotonic() + TIMEOUT
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.01)  # reaped by the example before it exits
        assert not os.path.exists(f"/proc/{pid}")
    finally:
        _stop_control(proc)
