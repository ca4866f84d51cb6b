"""Decoding of arbitrary wait statuses and siginfo (property-based).

The tid used is this test process's own: it is never our tracee, so the
ptrace requests that decoding makes fail with ESRCH, the path taken when a
tracee is killed between its stop and our look at it.
"""

from __future__ import annotations

import os
import signal
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptpoll
from ptpoll.linux import wait
from ptpoll.stops import decode

ME = os.getpid()
EVENT_CLASSES = {
    1: ptpoll.ForkStop,
    2: ptpoll.VforkStop,
    3: ptpoll.CloneStop,
    4: ptpoll.ExecStop,
    5: ptpoll.VforkDoneStop,
    6: ptpoll.ExitEventStop,
    7: ptpoll.SeccompStop,
}


@given(st.integers(0, 255))
def test_exited(code):
    assert decode(ME, wait.CLD_EXITED, code) == ptpoll.Exited(ME, code)


@given(st.integers(1, 64), st.booleans())
def test_killed_with_and_without_core(sig, core):
    cld = wait.CLD_DUMPED if core else wait.CLD_KILLED
    stop = decode(ME, cld, sig)
    assert stop == ptpoll.Killed(ME, sig, core)
    assert not stop.alive


@given(st.integers(0, 0xFFFF))
def test_every_trapped_status_decodes_to_a_live_stop(status):
    event, sig = status >> 8, status & 0xFF
    if event not in EVENT_CLASSES and event not in (0, 128) and status != 0x85:
        with pytest.raises(ValueError, match=f"unknown ptrace event {event}"):
            decode(ME, wait.CLD_TRAPPED, status, syscall_info=False)
        return
    stop = decode(ME, wait.CLD_TRAPPED, status, syscall_info=False)
    assert stop.alive
    assert stop.tid == ME
    if status == signal.SIGTRAP | 0x80:
        assert stop == ptpoll.SyscallStop(ME, None)
    elif event == 128:
        stopping = sig in (
            signal.SIGSTOP,
            signal.SIGTSTP,
            signal.SIGTTIN,
            signal.SIGTTOU,
        )
        expected = ptpoll.GroupStop(ME, sig) if stopping else ptpoll.InterruptStop(ME)
        assert stop == expected
    elif event in EVENT_CLASSES:
        assert type(stop) is EVENT_CLASSES[event]
    elif event == 0:
        assert stop == ptpoll.SignalStop(ME, sig, None)


@given(st.integers(8, 127))
def test_unknown_events_are_an_error_that_names_them(event):
    with pytest.raises(ValueError, match=f"unknown ptrace event {event}"):
        decode(ME, wait.CLD_TRAPPED, (event << 8) | signal.SIGTRAP)


@given(st.integers().filter(lambda c: c not in range(1, 6)))
def test_unknown_codes_are_an_error(code):
    with pytest.raises(ValueError, match=r"si_code|CLD_CONTINUED"):
        decode(ME, code, 0)


@given(st.binary(min_size=128, max_size=128))
def test_siginfo_round_trips_any_bytes(raw):
    info = ptpoll.SigInfo.from_bytes(raw)
    assert info.raw == raw
    signo, err, code = struct.unpack_from("<iii", raw)
    assert (info.signo, info.errno, info.code) == (signo, err, code)
    assert info.pid == struct.unpack_from("<i", raw, 16)[0]
    assert info.addr == struct.unpack_from("<Q", raw, 16)[0]


@given(st.binary(max_size=300).filter(lambda b: len(b) != 128))
def test_siginfo_of_the_wrong_size_is_refused(raw):
    with pytest.raises(ValueError, match=f"not {len(raw)}"):
        ptpoll.SigInfo.from_bytes(raw)


@given(
    st.integers(1, 64),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(0, 2**31 - 1),
    st.integers(0, 2**32 - 1),
)
def test_built_siginfo_reads_back(signo, code, pid, uid):
    info = ptpoll.SigInfo.build(signo, code, pid=pid, uid=uid)
    assert (info.signo, info.code, info.pid, info.uid) == (signo, code, pid, uid)
    assert ptpoll.SigInfo.from_bytes(info.raw) == info


@given(st.integers(-5, 200))
def test_signal_names(signo):
    name = ptpoll.signal_name(signo)
    assert name
    if 1 <= signo < signal.SIGRTMIN:
        try:
            assert name == signal.Signals(signo).name
        except ValueError:
            assert name == f"signal {signo}"
