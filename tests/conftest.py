"""Fixtures: the waiters to run the contract over, a compiled test tracee,
and a check that every test leaves no descriptor and no child behind."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ptpoll
from ptpoll import waiters

PROGRAMS = Path(__file__).parent / "programs"

# CI sets this so that a waiter that should work here but does not is a
# failure, not a skip.
REQUIRED = [w for w in os.environ.get("PTPOLL_REQUIRE_WAITERS", "").split(",") if w]


def _waiter_params() -> list[Any]:
    params: list[Any] = []
    for name in waiters.WAITERS:
        why = waiters._probe(name)
        marks = []
        if why is not None and name not in REQUIRED:
            marks.append(pytest.mark.skip(reason=why))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.fixture(params=_waiter_params())
def waiter(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def tracer(waiter: str) -> Iterator[ptpoll.Tracer]:
    with ptpoll.Tracer(waiter=waiter) as t:
        yield t


@pytest.fixture(scope="session")
def tracee_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The compiled tests/programs/tracee.c."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("a C compiler (cc or gcc) is needed to build the test tracee")
    out = tmp_path_factory.mktemp("bin") / "tracee"
    subprocess.run(
        [cc, "-O1", "-Wall", "-pthread", "-o", str(out), str(PROGRAMS / "tracee.c")],
        check=True,
    )
    return str(out)


def _warm_up_uvloop() -> None:
    """libuv makes a process-wide pipe with its first loop, once and for
    good: make it now, so that the fd-leak check does not count it."""
    try:
        import uvloop
    except ImportError:
        return
    uvloop.new_event_loop().close()


_warm_up_uvloop()


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _children() -> set[int]:
    me = os.getpid()
    found: set[int] = set()
    for tid in os.listdir(f"/proc/{me}/task"):
        try:
            with open(f"/proc/{me}/task/{tid}/children") as f:
                found.update(int(p) for p in f.read().split())
        except FileNotFoundError:
            continue
    return found


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Fail a test that leaves a descriptor open or a child behind."""
    fds = _open_fds()
    children = _children()
    yield
    leaked_fds = _open_fds() - fds
    # listdir's own descriptor may show up in one listing and not the other.
    leaked_fds = {fd for fd in leaked_fds if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not leaked_fds, f"descriptors left open: {sorted(leaked_fds)}"
    left = _children() - children
    assert not left, f"children left behind: {sorted(left)}"
