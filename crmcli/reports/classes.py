"""Derived classes per customer: purchase facts, lifecycle, ABC class, frequency and value tiers.

Nothing here is stored: every class is computed from the purchases table when asked for, so
it is always current. `records` reads every customer's sale days and revenue in ONE grouped
query over the covering index purchases_customer_time (customer, time, amount, currency) and
streams them a customer at a time (`purchase_facts` reads one customer's, for `crm show`);
both turn them into classes with the pure rules of crmcli.reports.models and the thresholds
of the settings (see docs/classification.md):

- purchase days: distinct local dates with a sale line (amount >= 0) up to the as-of date;
  a refund is not a purchase, but it nets against revenue;
- the 12 months: the as-of date and the 364 days before it (dates after as-of minus 12
  calendar months);
- frequency tier: purchase days in the 12 months against tier.frequency.high/medium;
- value tier: net revenue (sales minus refunds) in the 12 months in the default currency,
  against tier.value.high/medium (amounts in that currency);
- ABC: per currency, net revenue over abc.window, ranked among the population (live
  customers, or archived ones for --archived); a customer's class is their best class in
  any currency; no revenue there is C;
- lifecycle: crmcli.reports.models.lifecycle.stage over the purchase days, rules from settings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, NamedTuple, TypedDict, cast

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.reports.models import lifecycle
from crmcli.reports.models import tiers as abc_rules

TIERS = ("high", "medium", "low")
ABC = ("A", "B", "C")
# Derived fields a filter may name: text ones take = != ~, numbers = != < <= > >=.
_UNKNOWN = {  # a value no class has, one msgid per class (Chinese names the class in words)
    "lifecycle": N_("unknown lifecycle {value!r}; use one of: {value2}"),
    "abc": N_("unknown abc {value!r}; use one of: {value2}"),
    "frequency_tier": N_("unknown frequency_tier {value!r}; use one of: {value2}"),
    "value_tier": N_("unknown value_tier {value!r}; use one of: {value2}"),
}
TEXT_FIELDS = {
    "lifecycle": lifecycle.STAGES,
    "abc": ABC,
    "frequency_tier": TIERS,
    "value_tier": TIERS,
}
NUMBER_FIELDS = ("purchase_days", "purchase_days_12m", "days_since_purchase")
MONEY_FIELDS = ("revenue_12m",)
DATE_FIELDS = ("first_purchase_on", "last_purchase_on")
FIELDS = (*TEXT_FIELDS, *NUMBER_FIELDS, *MONEY_FIELDS, *DATE_FIELDS)
# Columns added to `crm list --classes` and carried by `crm show`.
COLUMNS = ("lifecycle", "abc", "frequency_tier", "value_tier")


class Config(NamedTuple):
    """The thresholds of every derived class, from the settings."""

    rules: lifecycle.Rules
    frequency_high: int
    frequency_medium: int
    currency: str
    value_high_minor: int
    value_medium_minor: int
    abc_window: str  # `all` or a period such as 12m
    abc_a: Fraction
    abc_b: Fraction


def config(conn: sqlite3.Connection) -> Config:
    from decimal import Decimal

    from crmcli.core.money import to_minor
    from crmcli.records.config import get_setting

    def get(key: str) -> str:
        value = get_setting(conn, key)
        assert value is not None
        return value

    currency = get("default_currency")
    a, b = int(get("abc.a")), int(get("abc.b"))
    if b < a:
        raise InvalidInput(
            _("setting abc.b ({b}) is below abc.a ({a}); fix it with crm config set").format(
                b=b, a=a
            )
        )
    return Config(
        rules=lifecycle.Rules(
            new_days=int(get("lifecycle.new_days")),
            default_gap=int(get("lifecycle.default_gap")),
            min_gaps=int(get("lifecycle.min_gaps")),
            at_risk_factor=float(get("lifecycle.at_risk_factor")),
            lapsed_factor=float(get("lifecycle.lapsed_factor")),
        ),
        frequency_high=int(get("tier.frequency.high")),
        frequency_medium=int(get("tier.frequency.medium")),
        currency=currency,
        value_high_minor=to_minor(Decimal(get("tier.value.high")), currency),
        value_medium_minor=to_minor(Decimal(get("tier.value.medium")), currency),
        abc_window=get("abc.window"),
        abc_a=Fraction(a, 100),
        abc_b=Fraction(b, 100),
    )


def year_start(as_of: date) -> date:
    """The first day of the 12 months ending on `as_of`."""
    from dateutil.relativedelta import relativedelta

    return as_of - relativedelta(months=12) + timedelta(days=1)


def window_start(window: str, as_of: date) -> date | None:
    """The first day of a window such as `12m` ending on `as_of`; None for `all`."""
    if window == "all":
        return None
    from crmcli.core.dates import add_offset, parse_period

    period = parse_period(window)  # checked when it was set (abc.window) or typed (--window)
    return add_offset(as_of, -1, period.amount, period.unit) + timedelta(days=1)


@dataclass
class Facts:
    """One customer's purchases, summed per currency (minor units)."""

    days: list[date] = field(default_factory=list)  # distinct sale days, sorted
    days_12m: int = 0
    net_12m: dict[str, int] = field(default_factory=dict)
    window_net: dict[str, int] = field(default_factory=dict)  # over the ABC window
    # currencies with a line (sale or refund) in the 12 months: a net of 0 there is a sum
    in_12m: set[str] = field(default_factory=set)


FACTS_SQL = """
SELECT p.currency,
  group_concat(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END),
  sum(CASE WHEN p.purchased_at >= :year THEN p.amount_minor ELSE 0 END),
  sum(CASE WHEN p.purchased_at >= :window THEN p.amount_minor ELSE 0 END),
  max(p.purchased_at >= :year)
FROM purchases p
WHERE p.customer_id = :id AND p.purchased_at < :end
GROUP BY p.currency
"""


def purchase_facts(
    conn: sqlite3.Connection, customer_id: int, as_of: date, window: str
) -> Facts | None:
    """One customer's facts from their purchases up to `as_of`, the ABC one over `window`
    (None if they have none), in one grouped query over purchases_customer_time."""
    start = window_start(window, as_of)
    year = year_start(as_of)
    bound = {
        "id": customer_id,
        "year": year.isoformat(),
        "window": start.isoformat() if start else "",
        "end": (as_of + timedelta(days=1)).isoformat(),
    }
    facts = None
    for currency, days, net_12m, window_net, in_12m in conn.execute(FACTS_SQL, bound):
        facts = facts or Facts()
        if in_12m:
            facts.in_12m.add(currency)
        if days:
            facts.days.extend(date.fromisoformat(d) for d in days.split(","))
        facts.net_12m[currency] = net_12m
        facts.window_net[currency] = window_net
    if facts is not None:
        facts.days = sorted(set(facts.days))
        facts.days_12m = sum(1 for d in facts.days if d >= year)
    return facts


class Derived(TypedDict):
    """What a customer's purchases say of them, but the ABC class (`classes_of`)."""

    lifecycle: str | None  # None where `records` was not asked for it
    frequency_tier: str
    value_tier: str
    purchase_days: int
    purchase_days_12m: int
    revenue_12m_minor: int  # in `currency`, the default one
    currency: str
    first_purchase_on: str | None
    last_purchase_on: str | None
    days_since_purchase: int | None


class Classes(Derived):
    """A customer's derived classes (`crm show`, `crm list --classes`, the filter language)."""

    abc: str  # A, B or C


def classes_of(facts: Facts | None, cfg: Config, as_of: date) -> Derived:
    """Every derived field of one customer except `abc` (which needs everyone)."""
    days = facts.days if facts else []
    revenue = facts.net_12m.get(cfg.currency, 0) if facts else 0
    days_12m = facts.days_12m if facts else 0
    return {
        "lifecycle": lifecycle.stage(days, as_of, cfg.rules),
        "frequency_tier": abc_rules.tier(days_12m, cfg.frequency_high, cfg.frequency_medium),
        "value_tier": abc_rules.tier(revenue, cfg.value_high_minor, cfg.value_medium_minor),
        "purchase_days": len(days),
        "purchase_days_12m": days_12m,
        "revenue_12m_minor": revenue,
        "currency": cfg.currency,
        "first_purchase_on": days[0].isoformat() if days else None,
        "last_purchase_on": days[-1].isoformat() if days else None,
        "days_since_purchase": (as_of - days[-1]).days if days else None,
    }


BEST = {"A": 0, "B": 1, "C": 2}


# Every customer of the population with what their classes need, one row each, streamed in
# id order: the distinct sale days (the text is as long as the customer's purchase days,
# not their lines) and net revenue of the 12 months in the default currency. Customers
# without purchases come too (LEFT JOIN). Grouping by customer alone follows the covering
# index purchases_customer_time, with no sort of the purchase lines.
RECORDS_SQL = """
SELECT c.id,
  group_concat(DISTINCT CASE WHEN p.amount_minor >= 0 THEN substr(p.purchased_at, 1, 10) END),
  sum(CASE WHEN p.currency = :currency AND p.purchased_at >= :year THEN p.amount_minor END)
FROM customers c LEFT JOIN purchases p ON p.customer_id = c.id AND p.purchased_at < :end
WHERE {where}
GROUP BY c.id
"""
# Every field of a derived record (`matching` computes lifecycle and abc only when named).
ALL_FIELDS = frozenset(FIELDS) | {"revenue_12m_minor"}


def abc_labels(
    conn: sqlite3.Connection, as_of: date, cfg: Config, where_sql: str
) -> dict[int, str]:
    """Each customer's best ABC class in any currency, for those better than C (`where_sql`:
    the population, a fixed clause without parameters)."""
    start = window_start(cfg.abc_window, as_of)
    by_currency: dict[str, dict[int, int]] = {}
    bound = {"end": (as_of + timedelta(days=1)).isoformat(),
             "start": start.isoformat() if start else ""}  # fmt: skip
    from crmcli.reports.customer_reports import per_customer_and_currency

    rows = per_customer_and_currency(
        conn, "sum(p.amount_minor)",
        f"{where_sql} AND p.purchased_at < :end AND p.purchased_at >= :start", bound,
    )  # fmt: skip
    for customer_id, currency, net in rows:
        by_currency.setdefault(currency, {})[customer_id] = net
    best: dict[int, str] = {}
    while by_currency:
        _, revenue = by_currency.popitem()
        for customer_id, label in abc_rules.abc(revenue, cfg.abc_a, cfg.abc_b).items():
            if BEST[label] < BEST[best.get(customer_id, "C")]:
                best[customer_id] = label
        del revenue
    return best


def records(
    conn: sqlite3.Connection,
    as_of: date,
    *,
    archived: bool,
    fields: frozenset[str] = ALL_FIELDS,
) -> Iterator[tuple[int, Classes]]:
    """(id, derived record) of every live (or every archived) customer, in id order, one at a
    time: the same record as `classes_of` plus `abc`. Only `fields` are sure to be right
    (`lifecycle` and `abc` cost most and are computed only when named there)."""
    from bisect import bisect_left

    cfg = config(conn)
    where = "c.archived_at IS NOT NULL" if archived else "c.archived_at IS NULL"
    labels = abc_labels(conn, as_of, cfg, where) if "abc" in fields else {}
    want_lifecycle = "lifecycle" in fields
    rules = cfg.rules
    today = as_of.toordinal()
    numbers = lifecycle.DayNumbers()
    stages_on = lifecycle.stages_on
    tier = abc_rules.tier
    year = year_start(as_of).isoformat()
    high, medium = cfg.frequency_high, cfg.frequency_medium
    value_high, value_medium = cfg.value_high_minor, cfg.value_medium_minor
    bound = {"currency": cfg.currency, "year": year, "end": (as_of + timedelta(days=1)).isoformat()}
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: one row per customer
    for customer_id, text, net in cursor.execute(RECORDS_SQL.format(where=where), bound):
        revenue = net or 0
        if text:
            days = sorted(text.split(","))  # ISO days sort as dates
            count = len(days)
            days_12m = count - bisect_left(days, year)
            last = numbers[days[-1]]
            stage = (
                stages_on(list(map(numbers.__getitem__, days)), (today,), rules)[0]
                if want_lifecycle
                else None
            )
            record: dict[str, Any] = {  # a Classes once `abc` is in
                "lifecycle": stage,
                "frequency_tier": tier(days_12m, high, medium),
                "value_tier": tier(revenue, value_high, value_medium),
                "purchase_days": count,
                "purchase_days_12m": days_12m,
                "revenue_12m_minor": revenue,
                "currency": cfg.currency,
                "first_purchase_on": days[0],
                "last_purchase_on": days[-1],
                "days_since_purchase": today - last,
            }
        else:
            record = {
                "lifecycle": "none",
                "frequency_tier": tier(0, high, medium),
                "value_tier": tier(revenue, value_high, value_medium),
                "purchase_days": 0,
                "purchase_days_12m": 0,
                "revenue_12m_minor": revenue,
                "currency": cfg.currency,
                "first_purchase_on": None,
                "last_purchase_on": None,
                "days_since_purchase": None,
            }
        record["abc"] = labels.get(customer_id, "C")
        yield customer_id, cast(Classes, record)


def derive(conn: sqlite3.Connection, as_of: date, *, archived: bool) -> dict[int, Classes]:
    """Derived classes of every live (or every archived) customer, by id (a record per
    customer in memory: to select customers, `matching` streams instead)."""
    return dict(records(conn, as_of, archived=archived))


def matching(
    conn: sqlite3.Connection, as_of: date, tests: list[Any], *, archived: bool
) -> list[int]:
    """Ids, ascending, of the live (or archived) customers whose derived record passes every
    test (from `predicate` or `wants`); records are streamed, never kept."""
    needed: set[str] = set()
    for test in tests:
        needed |= test.fields
    if needed <= {"abc"}:  # the ranks alone: no need to read anyone's purchase days
        where = "c.archived_at IS NOT NULL" if archived else "c.archived_at IS NULL"
        labels = abc_labels(conn, as_of, config(conn), where)
        ids = conn.cursor()
        ids.row_factory = None
        sql = f"SELECT c.id FROM customers c WHERE {where} ORDER BY c.id"  # noqa: S608
        stream: Iterator[tuple[int, Mapping[str, Any]]] = (
            (i, {"abc": labels.get(i, "C")}) for (i,) in ids.execute(sql)
        )
    else:
        stream = records(conn, as_of, archived=archived, fields=frozenset(needed))
    return [customer_id for customer_id, record in stream if all(t(record) for t in tests)]


def wants(name: str, values: set[str]) -> Any:
    """A test that the derived class `name` is one of `values` (`--lifecycle lapsed`)."""

    def check(record: Mapping[str, Any]) -> bool:
        return record[name] in values

    check.fields = frozenset({name})  # type: ignore[attr-defined]
    return check


def customer_classes(conn: sqlite3.Connection, customer_id: int, as_of: date) -> Classes | None:
    """One customer's derived classes (ranked among live customers, or archived if they are).

    Reads only this customer's purchases, plus one sum per currency for the ABC rank: the
    same answer as `derive`, without computing everyone's classes (for `crm show`). None
    for an unknown id.
    """
    row = conn.execute("SELECT archived_at FROM customers WHERE id = ?", (customer_id,)).fetchone()
    if row is None:
        return None
    population = "c.archived_at IS NOT NULL" if row[0] else "c.archived_at IS NULL"
    cfg = config(conn)
    mine = purchase_facts(conn, customer_id, as_of, cfg.abc_window)
    record = classes_of(mine, cfg, as_of)
    best = "C"
    start = window_start(cfg.abc_window, as_of)
    for currency, value in (mine.window_net if mine else {}).items():
        if value <= 0:
            continue
        total, above = conn.execute(  # `population` is one of two fixed clauses
            "SELECT sum(CASE WHEN n > 0 THEN n ELSE 0 END), sum(CASE WHEN n > ? THEN n ELSE 0 END) "  # noqa: S608
            "FROM (SELECT sum(p.amount_minor) AS n FROM customers c CROSS JOIN purchases p "
            f"ON p.customer_id = c.id WHERE {population} AND p.currency = ? "
            "AND p.purchased_at >= ? AND p.purchased_at < ? GROUP BY p.customer_id)",
            (value, currency, start.isoformat() if start else "",
             (as_of + timedelta(days=1)).isoformat()),
        ).fetchone()  # fmt: skip
        # The first of equal revenues has exactly the larger ones above it (analytics.abc).
        a, b = cfg.abc_a, cfg.abc_b
        label = ("A" if above * a.denominator < a.numerator * total
                 else "B" if above * b.denominator < b.numerator * total else "C")  # fmt: skip
        if BEST[label] < BEST[best]:
            best = label
    return {**record, "abc": best}


def predicate(name: str, op: str, value: str, conn: sqlite3.Connection) -> Any:
    """A test over a derived record for `--where "name op value"`; raises InvalidInput. It
    carries `fields`, the field it names, so that `matching` computes the costly ones
    (lifecycle, abc) only when named."""
    test = _predicate(name, op, value, conn)
    test.fields = frozenset({name})
    return test


def _predicate(name: str, op: str, value: str, conn: sqlite3.Connection) -> Any:
    if name in TEXT_FIELDS:
        if op not in ("=", "!=", "~"):
            raise InvalidInput(_("{name} takes = != or ~ only").format(name=name))
        if op == "~":
            needle = folded(value)

            def contains(r: Mapping[str, Any]) -> bool:
                return needle in folded(r[name])

            return contains
        wanted = clean_class(name, value)
        if op == "=":
            return wants(name, {wanted})

        def differs(r: Mapping[str, Any]) -> bool:
            return r[name] != wanted

        return differs
    if op == "~":
        raise InvalidInput(_("{name} compares with = != < <= > >= only").format(name=name))
    if name in NUMBER_FIELDS:
        try:
            key, target = name, int(value)
        except ValueError:
            raise InvalidInput(
                _("{name} is a number; compare it with digits").format(name=name)
            ) from None
    elif name in MONEY_FIELDS:
        from crmcli.core import money

        amount = money.parse(value, config(conn).currency)  # an amount in another is refused
        key, target = "revenue_12m_minor", amount.minor
    else:
        from crmcli.core import clock, dates

        key, target = name, dates.parse_date(value, clock.today(), direction="past").isoformat()
    return _compare(key, op, target)


def _compare(key: str, op: str, target: Any) -> Any:
    import operator

    test = {
        "=": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }[op]

    def check(record: Mapping[str, Any]) -> bool:
        value = record[key]
        if value is None:  # never bought: only != holds
            return op == "!="
        return bool(test(value, target))

    return check


def folded(text: str) -> str:
    """A class value as compared: case, spaces, `-` and `_` ignored (`At Risk` is atrisk)."""
    return "".join(text.split()).replace("-", "").replace("_", "").casefold()


def clean_class(name: str, value: str) -> str:
    """A class value as crm writes it (`a` gives A; `at-risk`, `At Risk` and `AtRisk` give
    at_risk); raises InvalidInput. Saved segments and rules keep what was typed, so an old
    spelling stored in one reads the same as it did."""
    from crmcli.core.vocabulary import glossed, understood

    allowed = TEXT_FIELDS[name]
    typed = folded(value)
    for label in allowed:
        if folded(label) == typed:
            return label
    said = understood(name, value)  # the word a table shows (`流失风险`), in any language
    if said in allowed:
        return said
    raise InvalidInput(_(_UNKNOWN[name]).format(value=value, value2=glossed(name, list(allowed))))
