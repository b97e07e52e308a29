"""Parse the date forms a user types, once, at the edge.

Accepted: ISO dates (`2026-11-22`), `today`/`yesterday`/`tomorrow`, offsets (`+3d`,
`-2w`, `1m`, `1y`; unsigned means ahead), weekday names (`fri` is today or the coming
Friday, `next monday` the first Monday after today, `last fri` the last one before today),
`2026年11月22日`, and anything else python-dateutil reads (`22 Nov 2026`, `2026/11/22`).
ISO input takes a fast path; dateutil is only the fallback. Every date lies in the years
FIRST_YEAR to LAST_YEAR (1000 to 2999): a date outside them (`0001-01-01`, a typo of the
year) is refused, so no later step (local time, anniversaries, offsets) runs off the calendar.

Two kinds of length are parsed here too, and the letter `m` means different things in them:
- a *period* (`parse_period`: `--every 1m`, `--within 7d`, `--due-within 2w`, cadences) counts
  calendar units: d days, w weeks, m months, y years. `1m` is one month.
- a *duration* (`parse_duration`: `--duration 15m`) is elapsed clock time: s seconds,
  m minutes, h hours, d days, combinable (`1h30m`); a bare number is minutes. `15m` is
  fifteen minutes.
Each parser rejects the other's units with a hint, so `--duration 2mo` or `--every 15min`
never silently mean something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crmcli.core.errors import InvalidInput

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


FIRST_YEAR, LAST_YEAR = 1000, 2999


def _in_range(value: date, text: str) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"date {text.strip()!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}"
        )


def parse_date(text: str, today: date) -> date:
    """A calendar date from user text, in the years FIRST_YEAR to LAST_YEAR; raises
    InvalidInput with the accepted forms."""
    value = _parse_date(text, today)
    _in_range(value, text)
    return value


def _parse_date(text: str, today: date) -> date:
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
        try:
            return add_offset(today, sign, int(match.group(2)), match.group(3))
        except (ValueError, OverflowError):  # past year 9999
            raise InvalidInput(
                f"date {text.strip()!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}"
            ) from None
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
    bare = re.fullmatch(r"([+-]?)(\d+)", raw)
    if bare and (bare[1] or len(bare[2]) < 4):  # a year alone (2026) is still a date
        # dateutil would read `5` and `-5` as 5 January: say what was probably meant
        ahead = bare[1] == "+"
        raise InvalidInput(
            f"not a date: {text!r}; for {bare[2]} days {'ahead' if ahead else 'ago'} "
            f"write {'+' if ahead else '-'}{bare[2]}d; {HELP}"
        )
    slash = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", raw)
    if (
        slash
        and int(slash.group(1)) <= 12
        and int(slash.group(2)) <= 12
        and (slash.group(1).lstrip("0") != slash.group(2).lstrip("0"))
    ):
        raise InvalidInput(f"ambiguous date {text!r} (day/month or month/day?); use YYYY-MM-DD")
    from dateutil import parser

    try:
        return parser.parse(raw, default=datetime(today.year, 1, 1), yearfirst=True).date()  # noqa: DTZ001 - a date template, not a clock
    except (ValueError, OverflowError):
        raise InvalidInput(f"not a date: {text!r}; {HELP}") from None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_datetime(text: str, now: datetime) -> datetime:
    """A local, time-zone-aware date-time: ISO, `now`, or a date form with an optional HH:MM.

    A value without an offset is local wall-clock time; its offset comes from the local
    zone's rules on that date (so `2026-03-07 15:00` is -05:00 in New York even when
    `now` is already in daylight-saving time).
    """
    raw = text.strip()
    if not raw:
        raise InvalidInput(f"empty date; {HELP}")
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
    _in_range(value, text)
    if value.tzinfo is None:
        value = value.astimezone()
    return value


UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
_PERIOD = re.compile(
    r"\+?\s*(\d{1,4})\s*(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)", re.IGNORECASE
)
PERIOD_HELP = "use a number and d, w, m or y: 7d, 2w, 1m (one month), 1y"


@dataclass(frozen=True)
class Period:
    """A calendar period: `amount` days, weeks, months or years (`unit` is d, w, m or y)."""

    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, base: date, times: int = 1) -> date:
        """`base` moved forward `times` periods; months and years clamp to the month's end."""
        return add_offset(base, 1, self.amount * times, self.unit)

    def approx_days(self) -> int:
        """The period in days, counting a month as 30 days and a year as 365 (for cadences)."""
        return self.amount * {"d": 1, "w": 7, "m": 30, "y": 365}[self.unit]

    def describe(self) -> str:
        """`2 weeks`, `1 month`."""
        word = UNITS[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


def parse_period(text: str, *, option: str = "period", allow_zero: bool = False) -> Period:
    """A calendar period such as `7d`, `2w`, `1m` (month) or `1y`; raises InvalidInput.

    A bare number is not accepted: `--every 2` could mean anything.
    """
    raw = text.strip()
    match = _PERIOD.fullmatch(raw)
    if not match:
        hint = ""
        if re.fullmatch(r"\+?\d+\s*(min|mins|minutes?|h|hrs?|hours?|s|secs?|seconds?)", raw, re.I):
            hint = " (minutes and hours are not calendar periods; here m means months)"
        raise InvalidInput(f"{option} {text!r} is not a period{hint}; {PERIOD_HELP}")
    amount = int(match.group(1))
    if amount == 0 and not allow_zero:
        raise InvalidInput(f"{option} must be at least 1 (got {text!r})")
    return Period(amount, match.group(2)[0].lower())


_DURATION_PART = re.compile(r"(\d{1,5})(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)")
DURATION_HELP = "use e.g. 15m (minutes), 1h30m, 45 (minutes) or 2h"


def parse_duration(text: str, *, option: str = "duration") -> timedelta:
    """Elapsed time such as `15m` (minutes), `1h30m`, `2h` or a bare `45` (minutes).

    Raises InvalidInput; months and weeks are refused (m means minutes here).
    """
    raw = text.strip().lower()
    if re.fullmatch(r"\d{1,5}", raw):
        return timedelta(minutes=int(raw))
    compact = re.sub(r"\s+", "", raw)
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(a + u for a, u in parts) != compact:
        hint = ""
        if re.fullmatch(r"\d+(mo|mos|months?|w|wks?|weeks?|y|yrs?|years?)", compact):
            hint = " (a duration is clock time; here m means minutes)"
        raise InvalidInput(f"{option} {text!r} is not a duration{hint}; {DURATION_HELP}")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return timedelta(seconds=sum(int(a) * seconds[u[0]] for a, u in parts))


def anniversary(original: date, year: int) -> date:
    """`original`'s month and day in `year`; 29 February falls on 28 February in other years."""
    import calendar  # only here: importing it (and locale) costs ~3 ms a run

    if original.month == 2 and original.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return original.replace(year=year)
