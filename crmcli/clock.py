"""The one place that reads the time.

`CRM_NOW` (an ISO 8601 date-time, e.g. `2026-11-22T09:00:00+08:00`) pins "now" for
reproducible runs and tests; otherwise the system clock in the local time zone is used.
"""

from __future__ import annotations

import os
from datetime import date, datetime


def now() -> datetime:
    """The current local time, time-zone aware."""
    pinned = os.environ.get("CRM_NOW")
    if pinned:
        from crmcli.errors import InvalidInput

        try:
            value = datetime.fromisoformat(pinned)
        except ValueError:
            raise InvalidInput(f"CRM_NOW is not an ISO date-time: {pinned!r}") from None
        if value.tzinfo is None:
            value = value.astimezone()
        return value
    return datetime.now().astimezone()


def today() -> date:
    """Today's date in the local time zone."""
    return now().date()


def timestamp() -> str:
    """Now as an ISO 8601 string with offset, to the second (for `_at` columns)."""
    return now().replace(microsecond=0).isoformat()
