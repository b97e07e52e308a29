"""The demo's customer care: lunar birthdays, holiday care rules, rhythms, one ID.

Its own random stream (seed + 13), so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

from crmcli.core import clock, lunar
from crmcli.demo.words import said
from crmcli.records import customers

CARE_RULES = (
    ("mid-autumn", "月饼礼盒 mooncake gift box", {"tag": ["vip"]}),
    ("spring-festival", "拜年电话 New Year call", {"stage": ["loyal"]}),
    ("all", "节日问候 festival greeting", {"tag": ["key-account"]}),
)


def add_demo_care(conn: sqlite3.Connection, *, seed: int = 7) -> dict[str, int]:
    """Lunar birthdays for some people without a birthday (one this week), care rules, a
    cadence range and a task repeated after completion."""
    from crmcli.core.dates import Period
    from crmcli.records import care, tasks
    from crmcli.records.filters import CustomerFilter

    rng = random.Random(seed + 13)
    now = clock.now()
    today = now.date()
    people = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM customers WHERE kind = 'person' AND birthday IS NULL "
            "AND archived_at IS NULL AND id > 10 ORDER BY id"
        )
    ]
    chosen = rng.sample(people, min(len(people), 12))
    for number, customer_id in enumerate(chosen):
        if number == 0:  # one whose lunar birthday comes in five days
            soon = lunar.from_gregorian(today + timedelta(days=5))
            year = soon.year - rng.randint(25, 50)
            day = min(soon.day, lunar.month_length(year, soon.month))
            born = lunar.LunarDate(year, soon.month, day)
        else:
            year = today.year - rng.randint(23, 60)
            month = rng.randint(1, 12)
            born = lunar.LunarDate(year, month, rng.randint(1, lunar.month_length(year, month)))
        changes = customers.Changes(
            {"birthday": lunar.to_gregorian(born).isoformat(), "birthday_lunar": str(born)}
        )
        customers.edit_customer(conn, customer_id, changes)
    for festival, action, selection in CARE_RULES:
        chosen_by = {k: [said(v) for v in values] for k, values in selection.items()}
        care.add_rule(conn, festival, said(action), CustomerFilter(**chosen_by), today=today)
    rest = [i for i in people if i not in chosen]
    ranged = rng.sample(rest, min(len(rest), 2))  # a small demo may have nobody left
    for customer_id in ranged:
        changes = customers.Changes({"cadence_days": 14, "cadence_max_days": 30})
        customers.edit_customer(conn, customer_id, changes)
    if ranged:
        tasks.add_task(
            conn,
            ranged[0],
            said("回访 call again after the last call"),
            today + timedelta(days=rng.randint(1, 6)),
            after=Period(2, "w"),
        )
    return {"lunar_birthdays": len(chosen), "care_rules": len(CARE_RULES)}
