"""User settings kept in the database's `settings` table (`crm config get/set/list`).

Only known keys are accepted; each has a validator, a default and a one-line description.
A setting may also name a family of keys by a pattern (`cadence.tag.NAME` for any tag name):
such a key is accepted when it matches, and listed once it has been set.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from crmcli import validate
from crmcli.errors import InvalidInput


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidInput(f"currency must be an ISO 4217 code such as CNY or USD (got {value!r})")
    from crmcli.money import currency_code  # a known code, with its number of decimals

    return currency_code(code)


def _stages(value: str) -> str:
    names = [s.strip().casefold() for s in value.split(",")]
    if len(names) < 2 or len(set(names)) != len(names):
        raise InvalidInput("stages must be at least two different names, comma-separated")
    for name in names:
        if not re.fullmatch(r"[^\W\d][\w\-]{0,31}", name):
            raise InvalidInput(f"invalid stage name {name!r}: a word of letters, digits, _ or -")
    return ",".join(names)


def _cadence(value: str) -> str:
    """A contact cadence stored as days, e.g. `14d` (`2w` gives 14d, `1m` gives 30d)."""
    from crmcli.dates import parse_period

    return f"{parse_period(value, option='cadence').approx_days()}d"


def _count(value: str) -> str:
    """A whole number from 0 to 100."""
    text = value.strip()
    if not re.fullmatch(r"\d{1,3}", text) or int(text) > 100:
        raise InvalidInput(f"expected a whole number from 0 to 100 (got {value!r})")
    return str(int(text))


@dataclass(frozen=True)
class Setting:
    key: str  # the key, or for a family its shape, e.g. `cadence.tag.NAME`
    validate: Callable[[str], str]
    description: str
    default: Callable[[], str | None] = lambda: None
    pattern: str | None = None  # a family's keys: a regular expression they match in full


def _locale_region() -> str | None:
    """The region of the user's locale (`zh_CN.UTF-8` gives CN), if it names one."""
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(var)
        if value:
            match = re.match(r"[a-z]{2,3}_([A-Z]{2})\b", value)
            return match.group(1) if match else None
    return None


SETTINGS = {
    s.key: s
    for s in (
        Setting(
            "default_region",
            validate.region_code,
            "region for phone numbers typed without +country (default: from the locale)",
            _locale_region,
        ),
        Setting(
            "stages",
            _stages,
            "funnel stages in order, comma-separated",
            lambda: "lead,prospect,customer,loyal,lost",
        ),
        Setting(
            "default_currency",
            _currency,
            "currency for amounts typed without one",
            lambda: "CNY",
        ),
        Setting(
            "churn.remind",
            _count,
            "churn risks `crm remind` shows per currency, most at stake first (0: none)",
            lambda: "5",
        ),
        Setting(
            "cadence.default",
            _cadence,
            "contact every N days when nothing more specific is set, e.g. 30d (default: none)",
        ),
    )
}
FAMILIES = (
    Setting(
        "cadence.tag.NAME",
        _cadence,
        "contact cadence for customers tagged NAME",
        pattern=r"cadence\.tag\.[^\s\x00-\x1f]{1,64}",
    ),
    Setting(
        "cadence.stage.NAME",
        _cadence,
        "contact cadence for customers in funnel stage NAME",
        pattern=r"cadence\.stage\.[\w\-]{1,32}",
    ),
)


def _setting(key: str) -> Setting:
    if key in SETTINGS:
        return SETTINGS[key]
    for family in FAMILIES:
        if family.pattern and re.fullmatch(family.pattern, key):
            return family
    known = ", ".join([*sorted(SETTINGS), *(f.key for f in FAMILIES)])
    raise InvalidInput(f"unknown setting {key!r}; known settings: {known}")


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    """The stored value of `key`, or its default."""
    setting = _setting(key)
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else setting.default()


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> str:
    """Validate and store `value` under `key`; returns the stored form."""
    clean = _setting(key).validate(value)
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, clean),
    )
    return clean


def unset_setting(conn: sqlite3.Connection, key: str) -> None:
    _setting(key)
    conn.execute("DELETE FROM settings WHERE key = ?", (key,))


def settings_under(conn: sqlite3.Connection, prefix: str) -> dict[str, str]:
    """Stored settings whose key starts with `prefix`, keyed by the rest of the key.

    `settings_under(conn, "cadence.tag.")` gives e.g. `{"vip": "14d"}`.
    """
    rows = conn.execute(
        "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ? ORDER BY key",
        (len(prefix), prefix),
    ).fetchall()
    return {key[len(prefix) :]: value for key, value in rows}


def list_settings(conn: sqlite3.Connection) -> list[dict[str, str | None]]:
    """Every known setting, and every set key of a family, with its value and source."""
    stored = dict(conn.execute("SELECT key, value FROM settings").fetchall())
    keys = dict(SETTINGS)
    for key in stored:
        if key not in keys:
            try:
                keys[key] = _setting(key)
            except InvalidInput:
                continue  # a key this version does not know: leave it alone
    return [
        {
            "key": key,
            "value": stored.get(key, setting.default()),
            "source": "set" if key in stored else "default",
            "description": setting.description,
        }
        for key, setting in sorted(keys.items())
    ]
