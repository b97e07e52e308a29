"""User settings kept in the database's `settings` table (`crm config get/set/list`).

Only known keys are accepted; each has a validator, a default and a one-line description.
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


@dataclass(frozen=True)
class Setting:
    key: str
    validate: Callable[[str], str]
    description: str
    default: Callable[[], str | None] = lambda: None


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
            "default_currency",
            _currency,
            "currency for amounts typed without one",
            lambda: "CNY",
        ),
    )
}


def _setting(key: str) -> Setting:
    if key not in SETTINGS:
        known = ", ".join(sorted(SETTINGS))
        raise InvalidInput(f"unknown setting {key!r}; known settings: {known}")
    return SETTINGS[key]


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


def list_settings(conn: sqlite3.Connection) -> list[dict[str, str | None]]:
    """Every known setting with its value and whether it is set or a default."""
    stored = dict(conn.execute("SELECT key, value FROM settings").fetchall())
    return [
        {
            "key": key,
            "value": stored.get(key, setting.default()),
            "source": "set" if key in stored else "default",
            "description": setting.description,
        }
        for key, setting in sorted(SETTINGS.items())
    ]
