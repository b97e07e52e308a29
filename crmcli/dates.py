"""Parse the date forms a user types, once, at the edge.

Accepted: ISO dates (`2026-11-22`), `today`/`yesterday`/`tomorrow`, offsets (`+3d`,
`-2w`, `1m`, `1y`; unsigned means ahead), weekday names (`fri` is today or the coming
Friday, `next monday` the first Monday after today, `last fri` the last one before today),
`2026年11月22日`, and anything else python-dateutil reads (`22 Nov 2026`, `2026/11/22`).
ISO input takes a fast path; dateutil is only the fallback.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from crmcli.errors import InvalidInput

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_OFFSET = re.compile(
    r"([+-]?)\s*(\d{1,4})\s*(d|day|days|w|wk|week|weeks|m|mo|month|months|y|yr|year|years)"
)
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_TIME = re.compile(r"(.*?)[ T]?(\d{1,2}:\d{2}(?::\d{2})?)")

HELP = "use YYYY-MM-DD, today, yesterday, tomorrow, +3d, -2w, 1m, or a weekday like fri"


def add_offset(base: date, sign: int, amount: int, unit: str) -> date:
    """`base` moved by `amount` days/weeks/months/years (months clamp to the month's end)."""
    from dateutil.relativedelta import relativedelta

    unit = unit[0]
    if unit == "d":
        return base + timedelta(days=sign * amount)
    if unit == "w":
        return base + timedelta(weeks=sign * amount)
    if unit == "m":
        return base + relativedelta(months=sign * amount)
    return base + relativedelta(years=sign * amount)


def parse_date(text: str, today: date) -> date:
    """A calendar date from user text; raises InvalidInput with the accepted forms."""
    raw = text.strip()
    word = " ".join(raw.lower().split())
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    match = _OFFSET.fullmatch(word)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return add_offset(today, sign, int(match.group(2)), match.group(3))
    parts = word.split(" ")
    if (
        len(parts) <= 2
        and parts[-1] in WEEKDAYS
        and (len(parts) == 1 or parts[0] in ("next", "last", "this"))
    ):
        target = WEEKDAYS[parts[-1]]
        if len(parts) == 2 and parts[0] == "last":
            back = (today.weekday() - target) % 7 or 7
            return today - timedelta(days=back)
        ahead = (target - today.weekday()) % 7
        if len(parts) == 2 and parts[0] == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    match = _CJK_DATE.fullmatch(raw)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            raise InvalidInput(f"not a valid date: {text!r}") from None
    if not re.search(r"\d", raw) and not any(m in word for m in _MONTHS):
        raise InvalidInput(f"not a date: {text!r}; {HELP}")
    from dateutil import parser

    try:
        return parser.parse(raw, default=datetime(today.year, 1, 1), yearfirst=True).date()  # noqa: DTZ001 - a date template, not a clock
    except (ValueError, OverflowError):
        raise InvalidInput(f"not a date: {text!r}; {HELP}") from None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_datetime(text: str, now: datetime) -> datetime:
    """A local, time-zone-aware date-time: ISO, `now`, or a date form with an optional HH:MM."""
    raw = text.strip()
    if raw.lower() == "now":
        return now
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None:
        match = _TIME.fullmatch(raw)
        day_text, clock = (match.group(1), match.group(2)) if match else (raw, None)
        day = parse_date(day_text, now.date()) if day_text.strip() else now.date()
        if clock:
            try:
                moment = time.fromisoformat(clock.zfill(5) if len(clock) == 4 else clock)
            except ValueError:
                raise InvalidInput(f"not a time of day: {clock!r}") from None
        else:
            moment = time(0, 0)
        value = datetime.combine(day, moment)
    if value.tzinfo is None:
        value = value.replace(tzinfo=now.tzinfo) if now.tzinfo else value.astimezone()
    return value
