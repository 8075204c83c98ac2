"""Go `time.Duration` text: parse `1h30m`, `90s`, `500ms`; print like Go (`1h0m0s`).

Tekton's timeouts are `metav1.Duration`, read with Go's `time.ParseDuration` and printed with
`time.Duration.String()`; error texts below follow Go's wording so messages match a cluster.
"""

from __future__ import annotations

import re

_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?")
_UNIT = re.compile(r"[^\d.]*")
# Go stores a Duration in an int64 of nanoseconds; larger values are an overflow error.
_MAX_NS = 2**63 - 1


def _go_quote(text: str) -> str:
    """Go's `time.quote`: double quotes, with `"` and `\\` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_duration_ns(text: str) -> int:
    """Nanoseconds in a Go duration string; ValueError with Go's message when invalid."""
    if not isinstance(text, str):
        raise ValueError(f"time: invalid duration {_go_quote(str(text))}")
    invalid = ValueError(f"time: invalid duration {_go_quote(text)}")
    body, sign = text, 1
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise invalid
    total = 0
    while body:
        number = _NUMBER.match(body)
        assert number is not None  # the pattern matches the empty string
        whole, frac = number.group(1), number.group(2)
        if not whole and not frac:
            raise invalid
        body = body[number.end() :]
        unit_match = _UNIT.match(body)
        unit = unit_match.group(0) if unit_match else ""
        if not unit:
            raise ValueError(f"time: missing unit in duration {_go_quote(text)}")
        if unit not in _UNIT_NS:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {_go_quote(text)}")
        body = body[len(unit) :]
        scale = _UNIT_NS[unit]
        total += int(whole or "0") * scale
        if frac:
            total += int(frac) * scale // 10 ** len(frac)
        if total > _MAX_NS:
            raise invalid
    return sign * total


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string; raises ValueError like Go's time.ParseDuration."""
    return parse_duration_ns(text) / 1e9


def _fmt_frac(value: int, digits: int) -> str:
    """`value` units of 10**-digits, printed without trailing zeros (Go's fmtFrac)."""
    whole, frac = divmod(value, 10**digits)
    frac_text = f"{frac:0{digits}d}".rstrip("0")
    return f"{whole}.{frac_text}" if frac_text else str(whole)


def format_duration_ns(ns: int) -> str:
    """Go's time.Duration.String() for a nanosecond count."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_fmt_frac(ns, 3)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_fmt_frac(ns, 6)}ms"
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    secs = _fmt_frac(rest, 9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}"
    if minutes:
        return f"{sign}{minutes}m{secs}"
    return f"{sign}{secs}"


def format_duration(seconds: float) -> str:
    """Go's time.Duration.String(): `1h0m0s`, `1m30s`, `30s`, `500ms`, `0s`."""
    return format_duration_ns(round(seconds * 1e9))


__all__ = ["format_duration", "format_duration_ns", "parse_duration", "parse_duration_ns"]
