import pytest

from monitor.core.duration import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("15m", 900.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("1d", 86400.0),
        ("1.5h", 5400.0),
        ("45", 45.0),
        ("0.25", 0.25),
        ("100ms", 0.1),
        ("2m30s", 150.0),
        ("  2m  ", 120.0),
        ("1H", 3600.0),
    ],
)
def test_parse_duration_accepts(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "10x", "-5s", "1h30", "inf", "nan", "-inf", "s", "1 h x", "h1", "5s-"],
)
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_duration_error_names_the_input() -> None:
    with pytest.raises(ValueError, match="10x"):
        parse_duration("10x")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (42, "42s"),
        (60, "1m"),
        (90, "1m 30s"),
        (600, "10m"),
        (3600, "1h"),
        (3725, "1h 2m 5s"),
        (5400, "1h 30m"),
        (7201, "2h 1s"),
        (123.4, "2m 3s"),
        (86400, "24h"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["90s", "15m", "2h", "1h30m", "1h 2m 5s"])
def test_format_then_parse_round_trips(text: str) -> None:
    seconds = parse_duration(text)
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"), [(6.432, "6.43s"), (42.4, "42.4s"), (0.5, "0.5s"), (0.1, "0.1s")]
)
def test_format_duration_under_a_minute_keeps_three_significant_digits(
    seconds: float, text: str
) -> None:
    assert format_duration(seconds) == text
