"""The socket decoders of ``ptpoll trace`` against strace 6.1.

tests/programs/trace_net.c makes every socket call in a fixed order; both
tracers run it and each decoded line must be the same. What may differ
between the two runs, and is normalised: ports the kernel picked (all at
or above 1024; the fixed ones are below) and socket inode numbers (``-y``).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from ptpoll.tools.trace.decoders import Call, Ctx, entry_text, exit_text, return_text
from tests.trace_compare import build, decoded, needs_strace, run_both

NAMES = {
    "socket", "socketpair", "bind", "connect", "listen", "accept", "accept4",
    "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg",
    "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt",
}  # fmt: skip


def _normalise(line: str) -> str:
    line = re.sub(
        r"htons\((\d+)\)",
        lambda m: "htons(PORT)" if int(m.group(1)) >= 1024 else m.group(0),
        line,
    )
    # -X raw and -X verbose print the port as its two bytes.
    line = re.sub(r'(sin6?_port=)"[^"]*"', r'\1"PORT"', line)
    return re.sub(r"socket:\[\d+\]", "socket:[INODE]", line)


@needs_strace
@pytest.mark.parametrize(
    "options",
    [[], ["-s", "4"], ["-y"], ["-X", "raw"], ["-X", "verbose"]],
    ids=["default", "s4", "y", "raw", "verbose"],
)
def test_socket_calls_print_as_strace_prints_them(
    options: list[str], tmp_path: Path
) -> None:
    runs = run_both([build("trace_net"), str(tmp_path)], ["-f", *options])
    assert runs.strace_status == 0
    assert runs.our_status == 0

    ours, theirs = decoded(runs, NAMES)
    assert len(theirs) > 90  # the workload ran to its end
    assert [_normalise(x) for x in ours] == [_normalise(x) for x in theirs]


# --- without strace: a fake tracee ------------------------------------------


class _Memory:
    """Readable bytes at fixed addresses; everything else faults."""

    tid = pid = 1

    def __init__(self, regions: dict[int, bytes]) -> None:
        self.regions = regions

    def _find(self, addr: int, size: int) -> bytes:
        for start, data in self.regions.items():
            if start <= addr and addr + size <= start + len(data):
                return data[addr - start : addr - start + size]
        raise OSError(14, "Bad address")

    def read_memory(self, addr: int, size: int) -> bytes:
        return self._find(addr, size)

    def read_string(self, addr: int, limit: int = 4096) -> bytes:
        for start, data in self.regions.items():
            if start <= addr < start + len(data):
                rest = data[addr - start :][:limit]
                return rest.split(b"\0", 1)[0]
        raise OSError(14, "Bad address")


def _line(
    name: str,
    args: tuple[int, ...],
    regions: dict[int, bytes],
    rval: int = 0,
    error: int = 0,
    ctx: Ctx | None = None,
) -> str:
    ctx = ctx or Ctx()
    call = Call(_Memory(regions), 0, name, args + (0,) * (6 - len(args)))
    head = entry_text(ctx, call)
    call.rval, call.error = rval, error
    return head + exit_text(ctx, call) + " = " + return_text(ctx, call)


def _sin(port: int, addr: bytes) -> bytes:
    return struct.pack("<H", 2) + struct.pack(">H", port) + addr + bytes(8)


def test_inet_address_prints_port_and_address() -> None:
    line = _line(
        "connect", (3, 0x1000, 16), {0x1000: _sin(8080, bytes([127, 0, 0, 1]))}
    )
    assert line == (
        "connect(3, {sa_family=AF_INET, sin_port=htons(8080), "
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
    )


def test_short_inet_address_prints_sa_data() -> None:
    line = _line("bind", (3, 0x1000, 4), {0x1000: _sin(1, bytes(4))})
    assert line == 'bind(3, {sa_family=AF_INET, sa_data="\\0\\1"}, 4) = 0'


def test_abstract_unix_address_prints_at_sign() -> None:
    sun = struct.pack("<H", 1) + b"\0a\0b"
    line = _line("bind", (3, 0x1000, len(sun)), {0x1000: sun})
    assert line == 'bind(3, {sa_family=AF_UNIX, sun_path=@"a\\0b"}, 6) = 0'


def test_unreadable_memory_prints_addresses() -> None:
    assert _line("bind", (3, 0x10, 16), {}, -1, 14).startswith("bind(3, 0x10, 16) = -1")
    assert _line("sendmsg", (3, 0x10, 0), {}, -1, 14).startswith("sendmsg(3, 0x10, 0)")
    line = _line("getsockname", (3, 0x10, 0x20), {}, -1, 14)
    assert line.startswith("getsockname(3, 0x10, 0x20) = -1 EFAULT")


def test_in_out_length_shows_both_halves() -> None:
    regions = {0x1000: _sin(80, bytes(4)), 0x2000: struct.pack("<i", 128)}
    ctx = Ctx()
    call = Call(_Memory(regions), 0, "accept", (3, 0x1000, 0x2000, 0, 0, 0))
    head = entry_text(ctx, call)
    regions[0x2000] = struct.pack("<i", 16)  # what the kernel wrote back
    call.rval = 4
    assert head + exit_text(ctx, call) == (
        "accept(3, {sa_family=AF_INET, sin_port=htons(80), "
        'sin_addr=inet_addr("0.0.0.0")}, [128 => 16])'
    )


def test_unknown_flags_say_which_set_they_are_from() -> None:
    line = _line("sendto", (-1 & (1 << 64) - 1, 0, 0, 0x300000), {}, -1, 9)
    assert line.startswith('sendto(-1, "", 0, 0x300000 /* MSG_??? */, NULL, 0)')
    line = _line("socket", (2, 0x80801, 6), {}, 3)
    assert (
        line
        == "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 3"
    )


def test_raw_style_prints_numbers() -> None:
    line = _line("socket", (2, 0x80001, 6), {}, 3, ctx=Ctx(xstyle="raw"))
    assert line == "socket(0x2, 0x1|0x80000, 0x6) = 3"
