import pytest

from finale.core.tekton.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds", "printed"),
    [
        pytest.param("1h", 3600, "1h0m0s", id="hour"),
        pytest.param("60m", 3600, "1h0m0s", id="minutes-to-hour"),
        pytest.param("90s", 90, "1m30s", id="seconds-to-minutes"),
        pytest.param("1m30s", 90, "1m30s", id="compound"),
        pytest.param("500ms", 0.5, "500ms", id="milliseconds"),
        pytest.param("1.5s", 1.5, "1.5s", id="fraction"),
        pytest.param("0", 0, "0s", id="zero"),
        pytest.param("2h45m", 9900, "2h45m0s", id="hours-minutes"),
    ],
)
def test_round_trip_like_go(text: str, seconds: float, printed: str) -> None:
    assert parse_duration(text) == seconds
    assert format_duration(seconds) == printed


@pytest.mark.parametrize("text", ["", "abc", "10", "5 m", "1x"])
def test_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"^time: "):
        parse_duration(text)
