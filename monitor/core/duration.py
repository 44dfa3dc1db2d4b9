"""Human durations ("90s", "15m", "2h", "1h30m") as operators write them in compose files."""

import re

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_WHOLE = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h|d))+\s*", re.ASCII)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a bare number means seconds. Raises ValueError on anything else."""
    value = text.strip().lower()
    if not value:
        raise ValueError("is empty (use e.g. 90s, 15m, 2h)")
    if _NUMBER.fullmatch(value):
        return float(value)
    if not _WHOLE.fullmatch(value):
        raise ValueError(f"cannot parse {text!r} as a duration (use e.g. 90s, 15m, 2h, 1h30m)")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(value))


def format_duration(seconds: float) -> str:
    """Compact: 3725 -> '1h 2m 5s'; under a minute 3 significant digits: 6.432 -> '6.43s'."""
    if seconds < 59.5:
        return f"{seconds:.3g}s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return " ".join(parts)
