"""strace's way of printing values: strings, flag sets, constants, pointers.

Only text is made here; reading the tracee's memory is the caller's job
(`decoders.base.Ctx`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_ESCAPES = {
    0x09: "\\t",
    0x0A: "\\n",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def _build_table() -> list[str]:
    table = []
    for byte in range(256):
        if byte in _ESCAPES:
            table.append(_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            table.append(chr(byte))
        else:
            table.append("")  # octal: its width depends on the next byte
    return table


_TABLE = _build_table()


def quote(data: bytes, *, ellipsis: bool = False, hex_all: bool = False) -> str:
    """*data* as strace prints a string: C escapes, octal for the other
    bytes (three digits only when an octal digit follows), and ``...``
    after the closing quote when *ellipsis* (the string went on)."""
    if hex_all:
        body = "".join(f"\\x{b:02x}" for b in data)
    else:
        parts = []
        table = _TABLE
        n = len(data)
        for i, byte in enumerate(data):
            text = table[byte]
            if text:
                parts.append(text)
            elif i + 1 < n and 0x30 <= data[i + 1] <= 0x37:
                parts.append(f"\\{byte:03o}")
            else:
                parts.append(f"\\{byte:o}")
        body = "".join(parts)
    return f'"{body}"...' if ellipsis else f'"{body}"'


def pointer(addr: int) -> str:
    """An address: ``NULL`` or hex."""
    return "NULL" if addr == 0 else f"{addr:#x}"


def hexnum(value: int) -> str:
    """A raw argument as strace prints it: ``0`` or hex."""
    return "0" if value == 0 else f"{value:#x}"


def signed(value: int, bits: int = 64) -> int:
    """*value* (an unsigned register) as a signed integer of *bits*."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def int_arg(value: int) -> str:
    """A C ``int`` argument, in decimal."""
    return str(signed(value, 32))


def flags(
    value: int,
    names: Sequence[tuple[int, str]],
    *,
    zero: str = "0",
    style: str = "abbrev",
    unknown: str | None = None,
) -> str:
    """*value* as ``A|B|0x40``: each (bit mask, name) that is wholly set,
    in table order, then the leftover bits in hex. *zero* is printed for
    0. *style* is ``-X``: ``raw`` prints hex only, ``verbose`` hex and
    the names in a comment. When no bit has a name and *unknown* is given
    (``"MSG_???"``), strace's ``0x300000 /* MSG_??? */`` is printed."""
    if style == "raw":
        return hexnum(value)
    if (
        unknown is not None
        and value
        and not any(mask and value & mask == mask for mask, _ in names)
    ):
        return f"{value:#x} /* {unknown} */"
    if style != "abbrev":
        text = flags(value, names, zero=zero)
        return _styled(value, text, style)
    if value == 0:
        return zero
    out = []
    rest = value
    for mask, flag in names:
        if mask and rest & mask == mask:
            out.append(flag)
            rest &= ~mask
    if rest:
        out.append(f"{rest:#x}")
    return "|".join(out)


def xlat(
    value: int,
    names: Mapping[int, str],
    *,
    default: str | None = None,
    style: str = "abbrev",
) -> str:
    """One constant by name; unknown values as *default* (a format with
    ``{}``, say ``"{:#x} /* SO_??? */"``) or decimal. *style* as for
    `flags`."""
    if style == "raw":
        return hexnum(value)
    if value in names:
        return (
            names[value] if style == "abbrev" else _styled(value, names[value], style)
        )
    if default is None:
        return str(value)
    return default.format(value)


def _styled(value: int, text: str, style: str) -> str:
    if style == "raw":
        return hexnum(value)
    if text == hexnum(value) or text == str(value):
        return text
    return f"{hexnum(value)} /* {text} */"


def array(items: Sequence[str], *, more: bool = False) -> str:
    """``[a, b]``; ``[a, b, ...]`` when *more* were left out."""
    body = ", ".join(items)
    if more:
        body = f"{body}, ..." if items else "..."
    return f"[{body}]"


def struct(fields: Sequence[tuple[str, str]]) -> str:
    """``{name=value, ...}``."""
    return "{" + ", ".join(f"{k}={v}" for k, v in fields) + "}"
