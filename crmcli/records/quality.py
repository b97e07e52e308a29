"""Data quality: contact data that is invalid, not normalised, or leads nowhere.

`problems()` checks every live customer: each stored email and phone is validated again by
the very functions `crm add` uses (validate.email; validate.phone in the customer's
country, else the default region), so data that arrived some other way (an older crm, a
restored file, SQL by hand, a changed default region) shows up; customers with no phone
and no email are unreachable; customers untouched for N years (no edit, interaction or
purchase) are stale. `fix()` rewrites what has one right form: an email or phone that
validates to a different normalised form, and a province stored by its full name (`广东省`,
from an older crm or an import before crm stored regions by their short name) as `crm add`
stores it now (`广东`), so that `--where "省份 = 广东"` and `--by region` count it once, and
likewise a city stored with its 市 (`杭州市`, crmcli.core.vocabulary CITIES) as `杭州`.
Everything else is only reported: deleting is the user's decision (`crm delete`).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import TypedDict

from crmcli.core import validate
from crmcli.core.errors import InvalidInput
from crmcli.core.vocabulary import CITIES, COUNTY_CITIES, PROVINCES, understood


class _Found(TypedDict):
    id: int  # the customer's
    name: str
    problem: str  # one of PROBLEMS
    value: str | None  # the stored email or phone (the last touch for `stale`)
    fix: str | None  # its normal form, when it has one
    reason: str | None


class Problem(_Found, total=False):
    """One problem of one customer's contact data, as `crm clean` lists it; a fixable one
    also says where the row is."""

    table: str  # customer_emails, customer_phones or customers
    row_id: int
    key: str  # an email's normalised key


COLUMNS = ("id", "name", "problem", "value", "fix")
PROBLEMS = ("bad_email", "bad_phone", "unnormalised_email", "unnormalised_phone",
            "unnormalised_region", "unnormalised_city", "no_contact", "stale")  # fmt: skip


def problems(
    conn: sqlite3.Connection, *, region: str | None, today: date, stale_years: int
) -> list[Problem]:
    """Problems of live customers, by customer id."""
    out: list[Problem] = []
    for row_id, customer_id, name, email, key in conn.execute(
        "SELECT e.id, c.id, c.name, e.email, e.email_key FROM customer_emails e "
        "JOIN customers c ON c.id = e.customer_id WHERE c.archived_at IS NULL ORDER BY c.id, e.id"
    ):
        try:
            clean, clean_key = validate.email(email)
        except InvalidInput as exc:
            out.append(_problem(customer_id, name, "bad_email", email, None, exc.message))
            continue
        if clean != email or clean_key != key:
            item = _problem(customer_id, name, "unnormalised_email", email, clean)
            out.append({**item, "table": "customer_emails", "row_id": row_id, "key": clean_key})
    for row_id, customer_id, name, phone, country in conn.execute(
        "SELECT p.id, c.id, c.name, p.phone, c.country FROM customer_phones p "
        "JOIN customers c ON c.id = p.customer_id WHERE c.archived_at IS NULL ORDER BY c.id, p.id"
    ):
        try:
            clean = validate.phone(phone, region, home=validate.country_region(country))
        except InvalidInput as exc:
            out.append(_problem(customer_id, name, "bad_phone", phone, None, exc.message))
            continue
        if clean != phone:
            item = _problem(customer_id, name, "unnormalised_phone", phone, clean)
            out.append({**item, "table": "customer_phones", "row_id": row_id})
    for customer_id, name, region in conn.execute(
        "SELECT id, name, region FROM customers WHERE archived_at IS NULL "
        "AND region IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(list(PROVINCES.values())),),
    ):
        item = _problem(
            customer_id, name, "unnormalised_region", region, understood("region", region)
        )
        out.append({**item, "table": "customers", "row_id": customer_id})
    for customer_id, name, city in conn.execute(
        "SELECT id, name, city FROM customers WHERE archived_at IS NULL "
        "AND city IN (SELECT value FROM json_each(?)) ORDER BY id",
        # 杭州市 stored before crm shortened it; 义乌, a county-level city stored short
        (json.dumps([f"{short}市" for short in CITIES] + list(COUNTY_CITIES)),),
    ):
        item = _problem(customer_id, name, "unnormalised_city", city, understood("city", city))
        out.append({**item, "table": "customers", "row_id": customer_id})
    for customer_id, name in conn.execute(
        "SELECT c.id, c.name FROM customers c WHERE c.archived_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM customer_phones p WHERE p.customer_id = c.id) "
        "AND NOT EXISTS (SELECT 1 FROM customer_emails e WHERE e.customer_id = c.id) "
        "ORDER BY c.id"
    ):
        out.append(_problem(customer_id, name, "no_contact", None, None, "no phone or email"))
    try:
        cutoff = today.replace(year=today.year - stale_years).isoformat()
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - stale_years, day=28).isoformat()
    for customer_id, name, last in conn.execute(
        "SELECT c.id, c.name, max(c.updated_at, "
        " coalesce((SELECT max(occurred_at) FROM interactions i WHERE i.customer_id = c.id), ''),"
        " coalesce((SELECT max(purchased_at) FROM purchases p WHERE p.customer_id = c.id), '')"
        ") AS last FROM customers c WHERE c.archived_at IS NULL AND last < ? ORDER BY c.id",
        (cutoff,),
    ):
        out.append(_problem(customer_id, name, "stale", last[:10], None, "untouched since"))
    out.sort(key=lambda p: (p["id"], PROBLEMS.index(p["problem"])))
    return out


def _problem(
    customer_id: int,
    name: str,
    problem: str,
    value: str | None,
    fixed: str | None,
    why: str | None = None,
) -> Problem:
    return {
        "id": customer_id,
        "name": name,
        "problem": problem,
        "value": value,
        "fix": fixed,
        "reason": why,
    }


def fix(conn: sqlite3.Connection, found: list[Problem]) -> int:
    """Normalise the fixable problems in `found`; returns how many were fixed."""
    fixed = 0
    for item in found:
        if item["problem"] == "unnormalised_email":
            exists = conn.execute(
                "SELECT 1 FROM customer_emails WHERE customer_id = ? AND email_key = ? AND id != ?",
                (item["id"], item["key"], item["row_id"]),
            ).fetchone()
            if exists:  # the normal form is already there: the odd spelling goes
                conn.execute("DELETE FROM customer_emails WHERE id = ?", (item["row_id"],))
            else:
                conn.execute(
                    "UPDATE customer_emails SET email = ?, email_key = ? WHERE id = ?",
                    (item["fix"], item["key"], item["row_id"]),
                )
        elif item["problem"] == "unnormalised_phone":
            exists = conn.execute(
                "SELECT 1 FROM customer_phones WHERE customer_id = ? AND phone = ? AND id != ?",
                (item["id"], item["fix"], item["row_id"]),
            ).fetchone()
            if exists:
                conn.execute("DELETE FROM customer_phones WHERE id = ?", (item["row_id"],))
            else:
                conn.execute(
                    "UPDATE customer_phones SET phone = ?, kind = ? WHERE id = ?",
                    (item["fix"], validate.phone_kind(item["fix"]), item["row_id"]),
                )
        elif item["problem"] == "unnormalised_region":
            conn.execute(
                "UPDATE customers SET region = ? WHERE id = ? AND region = ?",
                (item["fix"], item["row_id"], item["value"]),
            )
        elif item["problem"] == "unnormalised_city":
            conn.execute(
                "UPDATE customers SET city = ? WHERE id = ? AND city = ?",
                (item["fix"], item["row_id"], item["value"]),
            )
        else:
            continue
        fixed += 1
    return fixed
