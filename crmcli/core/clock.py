"""The one place that reads the time, and the one that knows the local time zone.

`CRM_NOW` (an ISO 8601 date-time, e.g. `2026-11-22T09:00:00+08:00`) pins the instant "now"
for reproducible runs and tests; otherwise the system clock is used. Either way the result
is in the user's local time zone (`TZ`, else the system's), because that zone decides what
"today" is: calendar dates (due dates, birthdays, "last contact 7 days ago") are always
local dates, and a stored timestamp is turned into one with `local_date()`, which applies
the zone's daylight-saving rules for that instant rather than today's offset.
"""

from __future__ import annotations

import os
from datetime import date, datetime


def now() -> datetime:
    """The current local time, time-zone aware."""
    pinned = os.environ.get("CRM_NOW")
    if pinned:
        from crmcli.core.errors import InvalidInput
        from crmcli.core.i18n import _

        try:
            value = datetime.fromisoformat(pinned)
        except ValueError:
            raise InvalidInput(
                _("CRM_NOW is not an ISO date-time: {value!r}").format(value=pinned)
            ) from None
        # A naive value is local wall-clock time; an aware one is an instant, shown locally.
        return value.astimezone()
    return datetime.now().astimezone()


def today() -> date:
    """Today's date in the local time zone."""
    return now().date()


def timestamp() -> str:
    """Now as an ISO 8601 string with offset, to the second (for `_at` columns)."""
    return now().replace(microsecond=0).isoformat()


def local_date(stamp: str) -> date:
    """The local calendar date of a stored ISO 8601 timestamp (with its offset)."""
    return datetime.fromisoformat(stamp).astimezone().date()
