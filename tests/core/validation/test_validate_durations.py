"""Go duration text: parsing and printing exactly like Go's time package."""

from __future__ import annotations

import pytest

from finale.core.tekton.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("1h", 3600.0, id="hours"),
        pytest.param("1h30m", 5400.0, id="hours-minutes"),
        pytest.param("90s", 90.0, id="seconds"),
        pytest.param("1.5h", 5400.0, id="fraction"),
        pytest.param(".5s", 0.5, id="leading-dot"),
        pytest.param("500ms", 0.5, id="millis"),
        pytest.param("0", 0.0, id="bare-zero"),
        pytest.param("-1m", -60.0, id="negative"),
        pytest.param("+2s", 2.0, id="plus-sign"),
        pytest.param("1h0m0s", 3600.0, id="go-printed-form"),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", 'time: invalid duration ""', id="empty"),
        pytest.param("abc", 'time: invalid duration "abc"', id="letters"),
        pytest.param("10", 'time: missing unit in duration "10"', id="no-unit"),
        pytest.param("5d", 'time: unknown unit "d" in duration "5d"', id="days-are-not-go"),
        pytest.param(" 1s", 'time: invalid duration " 1s"', id="no-trimming"),
        pytest.param(".s", 'time: invalid duration ".s"', id="dot-only"),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(3600, "1h0m0s", id="hour"),
        pytest.param(600, "10m0s", id="ten-minutes"),
        pytest.param(90, "1m30s", id="minute-thirty"),
        pytest.param(30, "30s", id="seconds"),
        pytest.param(0.5, "500ms", id="millis"),
        pytest.param(1.5, "1.5s", id="fractional-seconds"),
        pytest.param(0.000002, "2µs", id="micros"),
        pytest.param(-5400, "-1h30m0s", id="negative"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
