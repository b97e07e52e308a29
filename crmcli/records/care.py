"""Holiday care (节日关怀): rules saying whom to greet, and how, for each festival.

A care rule is a festival (or `all` of them), an action (`月饼礼盒 mooncake gift box`, `拜年
call`) and a customer selection in the shared filter language (crmcli.records.filters: tags,
stages, `--where FIELD OP VALUE`, ...). The selection is stored as the options a user typed
and built into a query each time the care list is made, so it always reads today's tags and
stages — and derived classes (tiers, ABC) work in care rules as soon as the filter language
knows them, with nothing to change here. Archived customers are never greeted.

`care_list` gives, for each festival day in a window, each customer some rule picks, with
every action that applies to them.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import TypedDict, cast

from crmcli.core import clock, festivals, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.festivals import Festival
from crmcli.core.i18n import _
from crmcli.records import filters, segments
from crmcli.records.filters import CustomerFilter

ALL = "all"  # a rule for every festival


class CareRule(TypedDict):
    """One stored care rule, as `crm care rules` lists it."""

    id: int
    festival: str  # a festival key or "all"
    festival_name: str
    action: str
    selection: str  # the stored filter, described in words
    created_at: str


RULE_COLUMNS = tuple(CareRule.__annotations__)


class CareDue(TypedDict):
    """One customer to greet for one festival day, as `crm care list` lists it."""

    falls_on: str  # ISO date
    festival: str
    festival_name: str
    days_until: int
    customer_id: int
    customer_name: str
    phone: str | None
    actions: list[str]
    rule_ids: list[int]


CARE_COLUMNS = tuple(CareDue.__annotations__)


def festival_key(text: str) -> str:
    """A festival's key from what a user typed, or `all`."""
    if validate.fold(text) in (ALL, "*", "全部"):
        return ALL
    return festivals.find(text).key


def describe(selection: CustomerFilter) -> str:
    """The selection as the options that make it, e.g. `--tag vip --where 'tier = A'`."""
    return segments.describe(vars(selection)) or "everyone"


def add_rule(
    conn: sqlite3.Connection,
    festival: str,
    action: str,
    selection: CustomerFilter,
    *,
    today: date,
) -> int:
    """Store a care rule; returns its id. `festival` is a key or `all`. The selection is
    built once now so that a bad field or stage is refused (InvalidInput) at once."""
    if selection.archived:
        raise InvalidInput(_("care rules greet active customers; --archived is not allowed"))
    filters.build(conn, selection, today=today)
    cursor = conn.execute(
        "INSERT INTO care_rules (festival, action, selection, created_at) VALUES (?, ?, ?, ?)",
        (
            festival,
            validate.text("action", action),
            filters.encode(conn, selection),
            clock.timestamp(),
        ),
    )
    return int(cursor.lastrowid or 0)


def _rule_record(conn: sqlite3.Connection, row: sqlite3.Row, broken_ok: bool = False) -> CareRule:
    """A care rule for output; InvalidInput when its filter is broken (edited by hand),
    unless `broken_ok`, which shows it as such."""
    record = dict(row)
    try:
        record["selection"] = describe(
            filters.load(conn, record["selection"], f"care rule {record['id']}")
        )
    except InvalidInput:
        if not broken_ok:
            raise
        record["selection"] = "(a broken filter)"
    key = record["festival"]
    record["festival_name"] = "every festival" if key == ALL else festivals.BY_KEY[key].name
    return cast(CareRule, record)


def list_rules(conn: sqlite3.Connection) -> list[CareRule]:
    """Every care rule, by id."""
    rows = conn.execute(
        "SELECT id, festival, action, selection, created_at FROM care_rules ORDER BY id"
    )
    return [_rule_record(conn, row) for row in rows.fetchall()]


def delete_rule(conn: sqlite3.Connection, rule_id: int) -> CareRule:
    """Delete a care rule; returns it. Raises NotFound."""
    row = conn.execute(
        "SELECT id, festival, action, selection, created_at FROM care_rules WHERE id = ?",
        (rule_id,),
    ).fetchone()
    if row is None:
        raise NotFound(_("no care rule with id {rule_id}").format(rule_id=rule_id))
    record = _rule_record(conn, row, broken_ok=True)  # a broken rule can still be deleted
    conn.execute("DELETE FROM care_rules WHERE id = ?", (rule_id,))
    return record


def has_rules(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM care_rules LIMIT 1").fetchone() is not None


def _rules_for(conn: sqlite3.Connection, festival: Festival) -> list[tuple[int, str, str]]:
    return conn.execute(
        "SELECT id, action, selection FROM care_rules WHERE festival IN (?, ?) ORDER BY id",
        (festival.key, ALL),
    ).fetchall()


def covered(conn: sqlite3.Connection, festival: Festival) -> bool:
    """Whether some care rule applies to `festival`."""
    return bool(_rules_for(conn, festival))


def greet(
    conn: sqlite3.Connection, festival: Festival, *, today: date
) -> dict[int, list[tuple[int, str]]]:
    """customer id -> [(rule id, action), ...] of the rules for `festival` that pick them."""
    chosen: dict[int, list[tuple[int, str]]] = {}
    for rule_id, action, selection in _rules_for(conn, festival):
        chosen_by = filters.load(conn, selection, f"care rule {rule_id}")
        try:
            ids = filters.matching_ids(conn, chosen_by, today=today)
        except InvalidInput as exc:
            raise InvalidInput(
                _("care rule {rule_id}: {message}").format(rule_id=rule_id, message=exc.message)
            ) from None
        for customer_id in ids:
            chosen.setdefault(customer_id, []).append((rule_id, action))
    return chosen


def care_list(
    conn: sqlite3.Connection, days: list[tuple[Festival, date]], *, today: date
) -> list[CareDue]:
    """For each (festival, day), each customer to greet, by day then id."""
    found: list[CareDue] = []
    for festival, day in days:
        chosen = greet(conn, festival, today=today)
        if not chosen:
            continue
        people = _people(conn, list(chosen))
        for customer_id in sorted(chosen):
            name, phone = people[customer_id]
            found.append(
                {
                    "falls_on": day.isoformat(),
                    "festival": festival.key,
                    "festival_name": festival.name,
                    "days_until": (day - today).days,
                    "customer_id": customer_id,
                    "customer_name": name,
                    "phone": phone,
                    "actions": [action for _, action in chosen[customer_id]],
                    "rule_ids": [rule_id for rule_id, _ in chosen[customer_id]],
                }
            )
    return found


def _people(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT c.id, c.name, (SELECT phone FROM customer_phones p WHERE p.customer_id = c.id "  # noqa: S608 - placeholders only
            f" ORDER BY p.is_primary DESC, p.id LIMIT 1) FROM customers c WHERE c.id IN "
            f"({', '.join('?' * len(chunk))})",
            chunk,
        )
        found.update({row[0]: (row[1], row[2]) for row in rows})
    return found
