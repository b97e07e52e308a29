"""Holiday care (节日关怀): the user's own festivals, and rules saying whom to greet, and how,
for each festival.

The festivals are the built-in ones (crmcli.core.festivals) and the user's own yearly ones
(`crm care festival add`, table `custom_festivals`): a name and a Gregorian or lunar month
and day. Wherever festivals are listed or looked up (care lists, rules, `crm remind`) both
count: `all_festivals`. A festival of one's own is found by its name (with or without 节,
ignoring case and width), which no other festival may share.

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
from crmcli.core.i18n import Said, _
from crmcli.records import filters, segments
from crmcli.records.filters import CustomerFilter

ALL = "all"  # a rule for every festival


class FestivalDay(TypedDict):
    """One festival on one day, as `crm care festival list` lists it."""

    falls_on: str  # ISO date
    festival: str  # its key (a user's own festival: its name)
    name: str
    english: str | None  # None for a user's own festival
    calendar: str  # gregorian, lunar or solar_term (清明)
    days_until: int
    is_custom: bool


FESTIVAL_COLUMNS = tuple(FestivalDay.__annotations__)
# Names of every festival in a care rule: what Chinese shows (全部节日) is typed back.
RESERVED = {ALL, "*", "全部", "全部节日", "所有节日"}


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


def all_festivals(conn: sqlite3.Connection) -> tuple[Festival, ...]:
    """The built-in festivals, then the user's own, in the order they were added."""
    rows = conn.execute("SELECT name, calendar, month, day FROM custom_festivals ORDER BY id")
    return festivals.FESTIVALS + tuple(festivals.custom(*row) for row in rows)


def find_festival(conn: sqlite3.Connection, text: str) -> Festival:
    """A built-in festival or one of the user's own by any of its names; InvalidInput."""
    try:
        return festivals.find(text, all_festivals(conn))
    except InvalidInput as exc:
        raise InvalidInput(
            _("{message}; add one of your own with crm care festival add NAME --date MM-DD").format(
                message=exc.message
            )
        ) from None


def festival_key(conn: sqlite3.Connection, text: str) -> str:
    """A festival's key from what a user typed, or `all`. InvalidInput for a word of RESERVED
    that a festival of the user's own also answers to (one added before the word was
    reserved): a rule cannot tell which is meant."""
    folded = validate.fold(text)
    if folded not in RESERVED:
        return find_festival(conn, text).key
    for festival in all_festivals(conn):
        if festival.is_custom and folded in festivals.names(festival):
            raise InvalidInput(
                _(
                    "{text!r} names every festival in a care rule, and your own festival "
                    "{name} too; delete yours (crm care festival delete {name}) and add it "
                    "again under another name"
                ).format(text=text.strip(), name=festival.name)
            )
    return ALL


def add_festival(
    conn: sqlite3.Connection, name: str, *, on: str | None, lunar: str | None
) -> Festival:
    """Store a festival of the user's own, every year on `on` (Gregorian `MM-DD`, `12月25日`;
    a lunar day written as one, `腊月初八`, `农历08-15`, is lunar) or `lunar` (lunar `MM-DD`,
    `八月十五`); returns it. Raises InvalidInput for a bad or missing day, an empty
    name, a name another festival (built-in or own) answers to, or one in brackets after a
    name (`元宵节（lantern）`) that is another festival's name, as crm's lists write them
    (`find` reads such a name as that festival). Other brackets are part of the name
    (`周年庆（公司）`)."""
    if (on is None) == (lunar is None):
        raise InvalidInput(_("give the festival's day with --date MM-DD or --lunar MM-DD (one)"))
    calendar = festivals.GREGORIAN if lunar is None else festivals.LUNAR
    option = "--date" if lunar is None else "--lunar"
    calendar, month, day = festivals.festival_day(on or lunar or "", calendar, option)
    if len(name.strip()) > validate.MAX_NAME:  # as a tag's or a segment's: a name typed back
        raise InvalidInput(
            _("{field} is longer than {limit} characters").format(
                field=_("festival name"), limit=validate.MAX_NAME
            )
        )
    clean = validate.text("festival name", name)
    festival = festivals.custom(clean, calendar, month, day)
    if festivals.names(festival) & RESERVED:  # 全部节 answers to 全部 too
        raise InvalidInput(
            _("{name!r} names every festival in a care rule; choose another name").format(
                name=clean
            )
        )
    every = all_festivals(conn)
    parts = festivals.bracketed(clean)
    for other in every if parts else ():
        if parts[1] in festivals.names(other):  # type: ignore[index]
            # `元宵节（lantern）` copies a list's `NAME（KEY）`: a care rule would read it as
            # the festival its brackets name, so a festival so named could not be told apart
            raise InvalidInput(
                _(
                    "{name!r} is written as crm lists a festival, and its brackets name "
                    "{label}; give your own festival a name without them"
                ).format(name=clean, label=festivals.label(other))
            )
    for other in every:
        if festivals.names(festival) & festivals.names(other):
            if other.is_custom:
                raise InvalidInput(
                    _("festival {name} already exists ({when})").format(
                        name=other.name, when=festivals.describe(other)
                    )
                )
            raise InvalidInput(  # named as typed, by which a care rule finds the built-in
                _(
                    "{name!r} is the built-in festival {label}, which a care rule takes as "
                    "{name!r}; give your own festival another name"
                ).format(name=name.strip(), label=festivals.label(other))
            )
    conn.execute(
        "INSERT INTO custom_festivals (name, name_key, calendar, month, day, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (clean, validate.fold(clean), calendar, month, day, clock.timestamp()),
    )
    return festival


def deletable_festival(conn: sqlite3.Connection, text: str) -> Festival:
    """One of the user's own festivals, by any of its names, that may be deleted. Raises
    NotFound when there is none, InvalidInput for a built-in one or one a care rule is for
    (deleting it would leave the rule for a festival that no longer comes)."""
    every = all_festivals(conn)
    try:
        festival = festivals.find(text, every)
    except InvalidInput:
        own = [f.name for f in every if f.is_custom]
        raise NotFound(
            _("no festival of your own named {name!r}; yours: {yours}").format(
                name=text.strip(), yours=_(", ").join(own)
            )
            if own
            else _("no festival of your own named {name!r}; you have none").format(
                name=text.strip()
            )
        ) from None
    if not festival.is_custom:
        raise InvalidInput(
            _("{label} is built in; only your own festivals can be deleted").format(
                label=festivals.label(festival)
            )
        )
    rules = [r[0] for r in conn.execute(
        "SELECT id FROM care_rules WHERE festival = ? ORDER BY id", (festival.key,)
    )]  # fmt: skip
    if len(rules) == 1:
        raise InvalidInput(
            _(
                "care rule {rule_id} is for {name}: delete it first "
                "(crm care rule delete {rule_id})"
            ).format(rule_id=rules[0], name=festival.name)
        )
    if rules:
        raise InvalidInput(
            _(
                "care rules {ids} are for {name}: delete them first (crm care rule delete ID)"
            ).format(ids=_(", ").join(map(str, rules)), name=festival.name)
        )
    return festival


def delete_festival(conn: sqlite3.Connection, text: str) -> Festival:
    """Delete one of the user's own festivals (`deletable_festival` says which); returns it."""
    festival = deletable_festival(conn, text)
    conn.execute("DELETE FROM custom_festivals WHERE name = ?", (festival.key,))
    return festival


def festival_days(
    conn: sqlite3.Connection, start: date, end: date, *, today: date
) -> list[FestivalDay]:
    """Every festival, built-in and the user's own, on each day it falls in [start, end]."""
    return [
        {
            "falls_on": day.isoformat(),
            "festival": f.key,
            "name": f.name,
            "english": f.english,
            "calendar": f.calendar,
            "days_until": (day - today).days,
            "is_custom": f.is_custom,
        }
        for f, day in festivals.in_window(start, end, all_festivals(conn))
    ]


def describe(selection: CustomerFilter) -> str:
    """The selection as the options that make it, e.g. `--tag vip --where 'tier = A'`."""
    return segments.describe(vars(selection)) or Said("everyone")


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
    named = {f.key: f.name for f in all_festivals(conn)}
    record["festival_name"] = Said("every festival") if key == ALL else named.get(key, key)
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
