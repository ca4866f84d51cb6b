"""``ptpoll trace`` against the installed strace, on real programs.

What must match exactly, per process: the sequence of system call names
and return values. What is allowed to differ, and why (each is a property
of the run, not of the tracer):

- addresses (ASLR) and pids, which are normalised or mapped, and the
  return of ``getppid`` (in the first process: the pid of the tracer);
- calls whose outcome depends on timing between processes: ``wait4``,
  ``futex`` and ``clock_nanosleep`` keep their names but not their return
  values, and ``rt_sigreturn``, ``restart_syscall`` and calls cut short by
  a signal (``ERESTART*``/``EINTR``) are left out, since whether a SIGCHLD
  lands inside a call or between two calls is up to the scheduler.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .trace_compare import (
    PROGRAMS,
    Line,
    Runs,
    build,
    needs_strace,
    normalize,
    run_both,
)

pytestmark = needs_strace

TIMING_RETURNS = {"wait4", "futex", "clock_nanosleep", "nanosleep", "waitid", "getppid"}
TIMING_CALLS = {"rt_sigreturn", "restart_syscall"}
ROOT = Path(__file__).parent.parent


def _sequence(lines: list[Line], pids: dict[int, int] | None) -> list[str]:
    out = []
    for line in lines:
        name = line.syscall
        if name is None or name in TIMING_CALLS:
            continue
        ret = line.ret or ""
        if re.search(r"ERESTART|EINTR", ret):
            continue
        if name in TIMING_RETURNS:
            ret = "*"
        out.append(f"{name} = {normalize(ret, pids)}")
    return out


def assert_same_syscalls(runs: Runs) -> None:
    ours = runs.by_pid("ours")
    theirs = runs.by_pid("strace")
    assert set(ours) == set(theirs), "the two runs have different processes"
    for pid in theirs:
        mine = _sequence(ours[pid], runs.pids)
        ref = _sequence(theirs[pid], None)
        assert mine == ref, f"process {pid} (strace numbering) differs"


def _python_forker() -> list[str]:
    return [sys.executable, "-S", "-E", str(PROGRAMS / "forker.py")]


PROGRAMS_TO_COMPARE = {
    "true": lambda: ["/bin/true"],
    "ls": lambda: ["ls", "-l", "/", "/nonexistent"],
    "sh-pipeline": lambda: ["sh", "-c", "echo hello | tr a-z A-Z | cat >/dev/null"],
    "threads": lambda: [build("trace_threads"), "4"],
    "python-fork": _python_forker,
}


@pytest.mark.parametrize("program", sorted(PROGRAMS_TO_COMPARE))
def test_same_syscalls_and_returns_as_strace(program):
    runs = run_both(PROGRAMS_TO_COMPARE[program](), ["-f"])
    assert runs.ours, "ptpoll trace printed nothing"
    assert runs.our_status == runs.strace_status
    assert_same_syscalls(runs)


def test_exit_status_is_the_commands():
    runs = run_both([build("trace_threads"), "2"], ["-f"])
    assert runs.our_status == runs.strace_status == 7


def test_killed_command_gives_128_plus_signal():
    runs = run_both(["sh", "-c", "kill -SEGV $$"], ["-f"])
    assert runs.our_status == 128 + signal.SIGSEGV
    last = [line.text for line in runs.ours][-2:]
    assert last[0].startswith("--- SIGSEGV {si_signo=SIGSEGV, si_code=SI_USER")
    assert last[1] == "+++ killed by SIGSEGV +++"


def _table(text: str) -> dict[str, tuple[int, int]]:
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+)?\s*(\S+)$", line)
        if m and m.group(3) != "total":
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2) or 0))
    return rows


def _summary(cmd: list[str], argv: list[str]) -> dict[str, tuple[int, int]]:
    done = subprocess.run(
        [*cmd, "-f", "-c", "--", *argv],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    return _table(done.stderr)


@pytest.mark.parametrize("program", ["true", "threads"])
def test_summary_counts_match_strace(program):
    argv = PROGRAMS_TO_COMPARE[program]()
    ours = _summary([sys.executable, "-m", "ptpoll", "trace"], argv)
    theirs = _summary(["strace"], argv)
    # futex counts depend on whether a join had to wait.
    ours.pop("futex", None)
    theirs.pop("futex", None)
    assert ours and ours == theirs


@pytest.mark.parametrize(
    "expr",
    ["trace=%file", "trace=%process", "trace=%memory", "trace=%desc",
     "trace=%signal", "trace=!%memory,%desc", "trace=openat,close", "trace=/^get"],
)  # fmt: skip
def test_trace_sets_select_the_same_calls_as_strace(expr):
    runs = run_both(["sh", "-c", "ls / >/dev/null; kill -0 $$"], ["-f", "-e", expr])
    assert runs.ours
    assert_same_syscalls(runs)


def test_seccomp_bpf_shows_only_the_chosen_calls_like_strace():
    options = ["-f", "--seccomp-bpf", "-e", "trace=openat,close,exit_group"]
    runs = run_both(["sh", "-c", "cat /etc/hostname; ls /nonexistent"], options)
    names = {line.syscall for line in runs.ours if line.syscall}
    assert names == {"openat", "close", "exit_group"}
    assert_same_syscalls(runs)


def test_signal_filter_and_quiet_levels(tmp_path):
    out = tmp_path / "out"
    argv = ["sh", "-c", "kill -USR1 $$ 2>/dev/null; true"]
    base = [sys.executable, "-m", "ptpoll", "trace", "-o", str(out)]
    subprocess.run([*base, "-e", "trace=none", "--", *argv], check=False, timeout=30)
    assert re.search(
        r"--- SIGUSR1 \{si_signo=SIGUSR1, si_code=SI_USER", out.read_text()
    )
    assert "+++ killed by SIGUSR1 +++" in out.read_text()
    subprocess.run(
        [*base, "-e", "trace=none", "-e", "signal=!SIGUSR1", "-qq", "--", *argv],
        check=False, timeout=30,
    )  # fmt: skip
    assert out.read_text() == ""


def test_timestamps_and_durations_have_strace_shapes(tmp_path):
    out = tmp_path / "out"
    for flags, shape in (
        (["-t"], r"^\d\d:\d\d:\d\d getpid\(\)"),
        (["-tt"], r"^\d\d:\d\d:\d\d\.\d{6} getpid\(\)"),
        (["-ttt"], r"^\d{10}\.\d{6} getpid\(\)"),
        (["-r"], r"^ {5}\d\.\d{6} getpid\(\)"),
        (["-T"], r"^getpid\(\) += \d+ <\d+\.\d{6}>$"),
    ):
        subprocess.run(
            [sys.executable, "-m", "ptpoll", "trace", "-o", str(out), *flags,
             "-e", "trace=getpid", "--", "sh", "-c", "echo $$ >/dev/null"],
            check=True, timeout=30,
        )  # fmt: skip
        lines = [ln for ln in out.read_text().splitlines() if "getpid" in ln]
        assert lines and all(re.match(shape, ln) for ln in lines), (flags, lines)


def _ptpoll(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ptpoll", "trace", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--", "/nonexistent/program"], "cannot run '/nonexistent/program'"),
        (["--", "no-such-program-anywhere"], "cannot run 'no-such-program-anywhere'"),
        (["-e", "trace=nosuchcall", "--", "true"], "invalid system call 'nosuchcall'"),
        (["-e", "trace=%nosuchclass", "--", "true"], "invalid system call class"),
        (["-e", "signal=SIGNOPE", "--", "true"], "invalid signal 'SIGNOPE'"),
        (["-e", "bogus=1", "--", "true"], "invalid -e qualifier 'bogus'"),
        (["-s", "-3", "--", "true"], "invalid -s argument"),
        (["-s", "many", "--", "true"], "invalid -s argument"),
        (["-p", "0"], "invalid process id: '0'"),
        (["-p", "abc"], "invalid process id: 'abc'"),
        (["-p", "4194303"], "process 4194303 does not exist"),
        ([], "must have a command to run or -p PID"),
        (["-p", "1", "--", "true"], "not both"),
        (["--seccomp-bpf", "-p", "1"], "--seccomp-bpf works only"),
        (["--json", "-c", "--", "true"], "do not go together"),
        (["-X", "weird", "--", "true"], "invalid choice: 'weird'"),
        (["-o", "/nonexistent/dir/file", "--", "true"], "cannot write"),
    ],
)
def test_bad_input_gives_one_clear_line(args, message):
    done = _ptpoll(*args)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ptpoll trace: "), done.stderr
    assert message in lines[0]


def test_attach_to_a_traced_process_is_refused_clearly(tracee_bin):
    # Already traced by a first ptpoll trace: PTRACE_SEIZE fails with EPERM.
    victim = subprocess.Popen([tracee_bin, "sleep"], stdout=subprocess.DEVNULL)
    first = subprocess.Popen(
        [sys.executable, "-m", "ptpoll", "trace", "-o", os.devnull, "-p",
         str(victim.pid)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while _status_field(victim.pid, "TracerPid") != str(first.pid):
            assert time.monotonic() < deadline, "the first tracer never attached"
            time.sleep(0.02)
        done = _ptpoll("-p", str(victim.pid))
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert done.stderr == (
            f"ptpoll trace: attach: pid {victim.pid} is already traced by pid"
            f" {first.pid}\n"
        )
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=20)
        victim.kill()
        victim.wait()


def _status_field(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {field} for {pid}")


def test_attach_then_interrupt_leaves_the_process_running_untraced(
    tmp_path, tracee_bin
):
    victim = subprocess.Popen([tracee_bin, "tick", "100000"], stdout=subprocess.DEVNULL)
    out = tmp_path / "out"
    try:
        tracer = subprocess.Popen(
            [sys.executable, "-m", "ptpoll", "trace", "-f", "-o", str(out),
             "-p", str(victim.pid)],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if out.exists() and out.read_text().count("\n") >= 5:
                break
            time.sleep(0.05)
        assert _status_field(victim.pid, "TracerPid") == str(tracer.pid)
        tracer.send_signal(signal.SIGINT)
        _, err = tracer.communicate(timeout=20)
        assert tracer.returncode == 0, err
        assert f"Process {victim.pid} attached" in err
        assert f"Process {victim.pid} detached" in err
        assert _status_field(victim.pid, "TracerPid") == "0"
        # Still running: its state is not a stop, and it still makes calls.
        # Still running: alive, and never in a stop (state t or T).
        for _ in range(20):
            assert _status_field(victim.pid, "State")[0] in "RS"
            time.sleep(0.01)
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


def test_json_output_follows_its_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "trace-json.schema.json").read_text())
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "ptpoll", "trace", "-f", "--json", "-o", str(out),
         "--", "sh", "-c", "ls /nonexistent; kill -USR1 $$"],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 128 + signal.SIGUSR1
    events = [json.loads(line) for line in out.read_text().splitlines()]
    for event in events:
        jsonschema.validate(event, schema)
    kinds = {e["event"] for e in events}
    assert {"syscall", "signal", "exit", "killed"} <= kinds
    failed = [e for e in events if e["event"] == "syscall" and e["errno"] == "ENOENT"]
    assert failed and all(e["return"] == -2 and e["error"] for e in failed)
    execve = next(e for e in events if e["event"] == "syscall")
    assert execve["name"] == "execve" and execve["return"] == 0


def test_python_m_and_console_script_are_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "ptpoll", "--help"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "ptpoll trace" in done.stdout
    script = Path(sys.executable).parent / "ptpoll"
    if script.exists():
        done2 = subprocess.run([str(script), "--help"], capture_output=True, text=True)
        assert done2.stdout == done.stdout


def test_portable_waiter_traces_the_same(monkeypatch):
    env = dict(os.environ, PTPOLL_WAITER="portable")
    runs = run_both(["sh", "-c", "echo hello | cat >/dev/null"], ["-f"], env=env)
    assert runs.our_status == runs.strace_status == 0
    assert_same_syscalls(runs)


def test_interleaved_threads_get_unfinished_and_resumed_halves(tmp_path):
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "ptpoll", "trace", "-f", "-o", str(out), "--",
         build("trace_threads"), "8"],
        check=False, timeout=60,
    )  # fmt: skip
    open_calls: dict[str, str] = {}
    pairs = 0
    for raw in out.read_text().splitlines():
        pid, _, body = raw.partition(" ")
        body = body.lstrip()
        if body.endswith(" <unfinished ...>"):
            name = re.match(r"[a-z0-9_]+", body)
            assert name, raw
            assert pid not in open_calls, f"two open calls in {pid}: {raw}"
            open_calls[pid] = name.group(0)
        elif body.startswith("<... "):
            m = re.match(r"<\.\.\. ([a-z0-9_]+) resumed>", body)
            assert m and open_calls.pop(pid) == m.group(1), raw
            pairs += 1
    assert pairs > 0, "no call of one thread was cut by another's line"


def test_summary_with_trace_and_quiet_messages(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "ptpoll", "trace", "-C", "-f", "-q", "-o", str(out),
         "--", "sh", "-c", "true | cat"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0
    assert "attached" not in done.stderr  # -q
    text = out.read_text()
    assert "execve(" in text and "+++ exited with 0 +++" in text
    table = text[text.index("% time") :]
    assert re.search(r"^100\.00 +\d+\.\d{6} +\d+ +\d+ +\d* *total$", table, re.M)
    done = subprocess.run(
        [sys.executable, "-m", "ptpoll", "trace", "-f", "-o", str(out), "--",
         "sh", "-c", "true | cat"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert re.search(r"^ptpoll trace: Process \d+ attached$", done.stderr, re.M)
