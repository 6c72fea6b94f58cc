"""Reading the start of a reporting period as people write it: "7d", "12h", "2w", or a date."""

import re
from datetime import UTC, date, datetime, timedelta

_RELATIVE = re.compile(r"^(\d{1,4})([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_since(text: str, *, now: datetime) -> datetime:
    """`now` minus a duration ("7d", "12h", "2w"), or an ISO date or date-time (UTC when it
    names no zone). Raises `ValueError` saying what is accepted."""
    value = text.strip().lower()
    if match := _RELATIVE.match(value):
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        parsed = (
            datetime.combine(date.fromisoformat(value), datetime.min.time())
            if len(value) == 10
            else datetime.fromisoformat(text.strip())
        )
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (7d, 12h, 2w) nor an ISO date (2026-11-01)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
