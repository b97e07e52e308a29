"""Demo purchases for `crm demo`: a tea shop's products and two years of sales.

Most customers buy: a few times, or regularly; some orders have several lines; about one line
in forty is returned later (a refund line); customers abroad often pay in USD. Everything is
written through the same services as `crm product add` and `crm buy`, and drawn from the
`rng` it is given, so the same seed gives the same data.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta

from crmcli.core import money
from crmcli.core.money import Money
from crmcli.demo.words import said
from crmcli.records import products, purchases

# name, category, price (CNY), SKU
PRODUCTS = [
    ("西湖龙井 250g", "绿茶", "649.75", "LJ-250"),
    ("碧螺春 200g", "绿茶", "388.00", "BLC-200"),
    ("安溪铁观音 500g", "乌龙茶", "298.00", "TGY-500"),
    ("武夷大红袍 250g", "乌龙茶", "1,280.00", "DHP-250"),
    ("云南普洱饼 357g", "黑茶", "468.00", "PE-357"),
    ("祁门红茶 200g", "红茶", "256.00", "QM-200"),
    ("Jasmine Pearls 100g", "花茶", "199.90", "JP-100"),
    ("宜兴紫砂壶", "茶具", "1,680.00", "ZS-01"),
    ("青瓷盖碗", "茶具", "168.00", "GW-02"),
    ("Glass teapot 600ml", "茶具", "129.00", "GT-600"),
    ("旅行茶具套装", "茶具", "359.00", "TS-03"),
    ("Gift box: four seasons", "礼盒", "888.00", "GB-4S"),
    ("中秋礼盒", "礼盒", "1,288.00", "GB-MA"),
    ("Tasting workshop", "服务", "300.00", None),
]
UNLISTED = [
    ("定制刻字 engraving", "服务", (50_00, 300_00)),
    ("快递费 shipping", None, (10_00, 30_00)),
]
RETURN_NOTES = ("破损 damaged in transit", "wrong item", "不喜欢口味")
PAYMENTS_CNY = ["wechat", "wechat", "alipay", "alipay", "card", "cash", "transfer"]
PAYMENTS_USD = ["card", "card", "transfer", "paypal"]


def _when(rng: random.Random, start: datetime, now: datetime) -> datetime:
    span = max(0, int((now - start).total_seconds()))
    moment = start + timedelta(seconds=rng.randint(0, span))
    moment = moment.replace(hour=rng.randint(9, 21), minute=rng.randint(0, 59), second=0)
    return min(max(moment, start), now).replace(microsecond=0)


def add_demo_purchases(
    conn: sqlite3.Connection, *, rng: random.Random, customer_ids: list[int], now: datetime
) -> int:
    """Add the demo products and purchases for `customer_ids`; returns how many lines."""
    catalogue = []
    for english, category, price, sku in PRODUCTS:
        name = said(english)
        cost = money.parse(price, "CNY")
        values = products.ProductValues(
            name=name, category=category, sku=sku, price_minor=cost.minor, currency=cost.currency
        )
        product_id = products.add_product(conn, values)
        catalogue.append((product_id, name, category, cost))
    popular = [3, 3, 2, 2, 2, 3, 2, 1, 2, 1, 1, 1, 1, 1]  # weights, in catalogue order
    lines = 0
    order_number = 1000
    placeholders = ", ".join("?" for _ in customer_ids)
    rows = conn.execute(
        f"SELECT id, country FROM customers WHERE id IN ({placeholders})",  # noqa: S608
        customer_ids,
    ).fetchall()
    for customer_id, country in rows:
        if rng.random() < 0.2:
            continue  # a lead that never bought
        # Customers were often entered after they first bought: the first purchase falls
        # anywhere in the two years, so every month of them has sales.
        start = now - timedelta(days=rng.randint(0, 730))
        usd = country not in (None, "中国") and rng.random() < 0.6
        visits = rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 9, 14))
        for _ in range(visits):
            at = _when(rng, start, now)
            order_number += 1
            order_ref = f"SO-{at.year}-{order_number}" if rng.random() < 0.7 else None
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                qty = rng.choice((1, 1, 1, 1, 2, 2, 3, 6))
                if rng.random() < 0.08:
                    item, category, (low, high) = rng.choice(UNLISTED)
                    item = said(item)
                    product_id = None
                    unit = Money(rng.randint(low, high) // 100 * 100, "CNY")
                else:
                    product_id, item, category, unit = rng.choices(catalogue, weights=popular)[0]
                if usd:
                    # A price list in dollars: about a seventh, ending in .99.
                    unit = Money(max(199, unit.minor // 700 * 100 - 1), "USD")
                total, unit_minor = purchases.line_total(
                    amount=None, unit_price=unit, qty=qty, refund=False
                )
                line = purchases.Line(
                    customer_id=customer_id,
                    item=item,
                    amount=total,
                    quantity=qty,
                    unit_price_minor=unit_minor,
                    purchased_at=at.isoformat(),
                    category=category,
                    payment=rng.choice(PAYMENTS_USD if usd else PAYMENTS_CNY),
                    order_ref=order_ref,
                    product_id=product_id,
                )
                purchases.add_purchase(conn, line)
                lines += 1
                if rng.random() < 0.025:
                    back = min(now.replace(microsecond=0), at + timedelta(days=rng.randint(1, 30)))
                    refund = purchases.Line(
                        customer_id=customer_id,
                        item=item,
                        amount=Money(-total.minor, total.currency),
                        quantity=qty,
                        unit_price_minor=unit_minor,
                        purchased_at=back.isoformat(),
                        category=category,
                        payment=line.payment,
                        order_ref=order_ref,
                        note=said(
                            rng.choice(("破损 damaged in transit", "wrong item", "不喜欢口味"))
                        ),
                        product_id=product_id,
                    )
                    purchases.add_purchase(conn, refund)
                    lines += 1
    return lines
