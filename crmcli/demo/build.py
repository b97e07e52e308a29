"""A realistic, seeded demo dataset, written through the same services as real commands.

Several hundred customers with Chinese and Latin names, companies, cities, phones, emails,
referrals, related people and user-defined fields, created over the last two years.
The same seed always gives the same data. `build` writes inside the caller's unit of work
(crmcli.store.db.write), which records it, indexes it for search and runs any hooks.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from crmcli.core import clock
from crmcli.core.i18n import current
from crmcli.demo.words import latin_name, maybe, said
from crmcli.records import customers
from crmcli.records.customers import CustomerInput

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鑫宇浩然梓涵子轩欣怡"
LATIN_FIRST = [
    "Anna", "Ben", "Chloé", "David", "Elena", "François", "Grace", "Hiroshi", "Isabel", "James",
    "Katarzyna", "Liam", "María", "Noah", "Olivia", "Pierre", "Quentin", "Rosa", "Søren", "Tom",
    "Ursula", "Victor", "Wei", "Xavier", "Yuki", "Zoë",
]  # fmt: skip
LATIN_LAST = [
    "Müller", "Smith", "García", "Johnson", "Rossi", "Dubois", "Nowak", "Tanaka", "Brown",
    "Silva", "Jensen", "O'Brien", "Kowalski", "Lefèvre", "Andersson", "Novák", "Wilson",
]  # fmt: skip
COMPANIES = [
    "华为技术", "阿里巴巴", "腾讯科技", "小米科技", "比亚迪", "美的集团", "海尔智家", "京东商城",
    "Acme Corp", "Globex", "Initech", "Umbrella Trading", "Stark Industries", "Wayne Foods",
    "蓝海贸易", "星辰文化", "东方物流", "绿源农业", "金桥咨询", "云帆软件",
]  # fmt: skip
INDUSTRIES = ["technology", "retail", "manufacturing", "logistics", "consulting", "food",
              "education", "finance", "healthcare"]  # fmt: skip
TITLES = [
    "经理",
    "总监",
    "采购",
    "CEO",
    "CTO",
    "Buyer",
    "Sales Manager",
    "Founder",
    "工程师",
    "店长",
]
CN_CITIES = [
    ("上海", "上海"), ("北京", "北京"), ("杭州", "浙江"), ("深圳", "广东"), ("广州", "广东"),
    ("成都", "四川"), ("南京", "江苏"), ("苏州", "江苏"), ("武汉", "湖北"),
]  # fmt: skip
WORLD_CITIES = [
    ("London", "England", "GB"), ("Paris", "Île-de-France", "FR"), ("Berlin", "Berlin", "DE"),
    ("New York", "NY", "US"), ("Tokyo", "Tokyo", "JP"),
]  # fmt: skip
SOURCES = ["referral", "trade show", "website", "wechat", "cold call", "linkedin", "广告"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
CHANNELS = ["wechat", "phone", "email", "visit"]


PHONE_PATTERNS = {
    "CN": "+86 1{a}{b} {c4} {d4}",
    "GB": "+44 7911 {c6}",
    "US": "+1 212 {c3} {d4}",
    "FR": "+33 6 {c4} {d4}",
    "DE": "+49 151 {c4} {d4}",
    "JP": "+81 90 {c4} {d4}",
}


def _phone(rng: random.Random, country: str, used: set[str]) -> str:
    """A random number that phonenumbers accepts as valid for `country`, and that is not
    in `used` (two demo customers never share a phone: `crm add` would ask about it);
    it is added there."""
    from crmcli.core import validate
    from crmcli.core.errors import InvalidInput

    while True:
        number = PHONE_PATTERNS[country].format(
            a=rng.choice("3589"),
            b=rng.randint(0, 9),
            c3=rng.randint(200, 999),
            c4=rng.randint(1000, 9999),
            c6=rng.randint(100000, 999999),
            d4=rng.randint(1000, 9999),
        )
        try:
            number = validate.phone(number, None)
        except InvalidInput:
            continue
        if number not in used:
            used.add(number)
            return number


DEMO_TAGS = ["vip", "wholesale", "newsletter", "展会", "key-account", "price-sensitive"]
FUNNEL = ["lead", "prospect", "customer", "loyal"]


def classify(conn: sqlite3.Connection, rng: random.Random, ids: list[int], now: datetime) -> None:
    """Tags on about half the customers, and a funnel history for most of them."""
    from crmcli.records import tags

    for tag in DEMO_TAGS:
        chosen = [i for i in ids if rng.random() < 0.12]
        tags.add_tag(conn, said(tag), chosen)
    for customer_id in ids:
        if rng.random() < 0.1:
            continue
        depth = rng.choices(range(1, 5), weights=(3, 3, 5, 2))[0]
        path = FUNNEL[:depth] + (["lost"] if rng.random() < 0.1 else [])
        moment = now - timedelta(days=rng.randint(60, 700))
        for stage in path:
            tags.set_stage(conn, customer_id, stage, at=moment, reason=None)
            moment = min(now, moment + timedelta(days=rng.randint(3, 90)))


# A name drawn twice is not written with a number (`许家豪 270`): the next name the lists
# give is taken, in an order fixed by the one drawn (no random draw is added, so the rest
# of the data is the same), and a number only once every name they give is taken.
def _free(names: Iterator[str], used: set[str]) -> str | None:
    """The first of `names` not in `used`, or None."""
    return next((name for name in names if name not in used), None)


def _chinese_names(name: str, extra: str) -> Iterator[str]:
    """Names for a Chinese `name` drawn twice: its surname and first given character with
    `extra` (a double given name: 王伟 -> 王伟芳, 王伟明 -> 王伟芳), then with each given
    character after it, then any two."""
    surname, first = name[0], name[1]
    start = GIVEN.index(extra)
    turn = GIVEN[start:] + GIVEN[:start]
    yield from (surname + first + c for c in turn)
    yield from (surname + a + b for a in turn if a != first for b in turn)


def _latin_pairs(first: int, last: int) -> Iterator[tuple[int, int]]:
    """(first name, last name) places for the pair drawn taken: the same first name with
    each last name after it, then every other pair. A Latin name and its overseas Chinese
    one (crmcli.demo.words.latin_name) are free together."""
    lasts = range(len(LATIN_LAST))
    yield from ((first, (last + step) % len(lasts)) for step in range(1, len(lasts)))
    others = range(first + 1, first + len(LATIN_FIRST))
    yield from ((f % len(LATIN_FIRST), n) for f in others for n in lasts)


def _branches(company: str, city: str) -> Iterator[str]:
    """An organisation's names: the company's branch in its city (`小米科技上海分公司`,
    `Acme Corp London`), then another company's there."""
    start = COMPANIES.index(company)
    for name in COMPANIES[start:] + COMPANIES[:start]:
        yield f"{said(name)}{city}分公司" if current() == "zh" else f"{said(name)} {city}"


def build(conn: sqlite3.Connection, *, count: int = 300, seed: int = 7) -> dict[str, int]:
    """Fill an empty database with `count` customers; returns counts of what was made."""
    from crmcli.records.config import set_setting

    rng = random.Random(seed)
    now = clock.now()
    set_setting(conn, "default_region", "CN")
    set_setting(conn, "default_currency", "CNY")
    if current() == "zh":  # its data is Chinese: so are its help and tables, run as it may be
        set_setting(conn, "language", "zh")
    ids: list[int] = []
    used_names: set[str] = set()
    used_phones: set[str] = set()
    for index in range(count):
        raw = CustomerInput()
        chinese = rng.random() < 0.65
        if chinese:
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            city, region = rng.choice(CN_CITIES)
            country = "CN"
            raw.values.update(city=city, region=region, country="中国")
        else:
            first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
            name = latin_name(LATIN_FIRST.index(first), LATIN_LAST.index(last), f"{first} {last}")
            city, region, country = rng.choice(WORLD_CITIES)
            city = said(city)
            raw.values.update(city=city, region=said(region), country=said(country))
        if name in used_names and chinese:
            extra = rng.choice(GIVEN)  # drawn as it always was: the data after it stays
            name = _free(_chinese_names(name, extra), used_names) or f"{name} {index + 1}"
        elif name in used_names:
            pairs = _latin_pairs(LATIN_FIRST.index(first), LATIN_LAST.index(last))
            names = (latin_name(f, n, f"{LATIN_FIRST[f]} {LATIN_LAST[n]}") for f, n in pairs)
            name = _free(names, used_names) or f"{name} {index + 1}"
        used_names.add(name)
        raw.values["name"] = name
        organisation = rng.random() < 0.08
        if organisation:
            raw.values["kind"] = "organisation"
            company = rng.choice(COMPANIES)
            name = _free(_branches(company, city), used_names) or f"{said(company)} {city} {index}"
            raw.values["name"] = name
            used_names.add(name)
        else:
            raw.values["gender"] = rng.choice(("female", "male"))
            if rng.random() < 0.6:
                born = now.date() - timedelta(days=rng.randint(22 * 365, 65 * 365))
                raw.values["birthday"] = born.isoformat()
            raw.values["title"] = said(rng.choice(TITLES))
            raw.values["company"] = said(rng.choice(COMPANIES))
        raw.values["industry"] = said(rng.choice(INDUSTRIES))
        raw.values["company_size"] = rng.choice(SIZES)
        raw.values["source"] = said(rng.choice(SOURCES))
        raw.values["external_id"] = f"DEMO-{index + 1:04d}"
        raw.values["preferred_channel"] = rng.choice(CHANNELS)
        raw.phones = [_phone(rng, country, used_phones)]
        if rng.random() < 0.15:
            raw.phones.append(_phone(rng, country, used_phones))
        if rng.random() < 0.8:
            handle = f"user{index + 1}"
            raw.emails = [f"{handle}@{rng.choice(('example.com', 'example.cn', 'example.org'))}"]
        if rng.random() < 0.3:
            raw.fields.append(f"wechat=wx_{rng.randint(10000, 99999)}")
        if rng.random() < 0.1:
            raw.fields.append(f"{said('vip_since')}={now.year - rng.randint(0, 5)}")
        if ids and rng.random() < 0.15:
            raw.values["referred_by"] = str(rng.choice(ids))
        if ids and rng.random() < 0.05:
            raw.related.append(f"colleague=#{rng.choice(ids)}")
        if not organisation and rng.random() < 0.05:
            raw.related.append(f"spouse={rng.choice(SURNAMES)}{rng.choice(GIVEN)}")
        if rng.random() < 0.1:
            raw.values["notes"] = said(
                rng.choice(
                    (
                        "想要蓝色款",
                        "Met at the Hangzhou trade show",
                        "价格敏感",
                        "Prefers calls after 6pm",
                    )
                )
            )
        changes = customers.prepare(
            conn,
            raw,
            region=country,
            today=now.date(),
            resolve=lambda ref: int(ref.lstrip("#")),
        )
        customer_id = customers.add_customer(conn, changes)
        created = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
        stamp = created.replace(microsecond=0).isoformat()
        conn.execute(
            "UPDATE customers SET created_at = ?, updated_at = ? WHERE id = ?",
            (stamp, stamp, customer_id),
        )
        ids.append(customer_id)
    classify(conn, rng, ids, now)
    from crmcli.demo.purchases import add_demo_purchases

    add_demo_purchases(conn, rng=rng, customer_ids=ids, now=now)
    archived = rng.sample(ids, max(1, count // 50))
    for customer_id in archived:
        customers.set_archived(conn, customer_id, True)
    made = {"customers": len(ids), "archived": len(archived)}
    made.update(add_follow_ups(conn, seed=seed))
    from crmcli.demo.feedback import add_demo_feedback

    made.update(add_demo_feedback(conn, seed=seed))

    from crmcli.demo.care import add_demo_care

    made.update(add_demo_care(conn, seed=seed))

    from crmcli.demo.segments import add_demo_segments

    made.update(add_demo_segments(conn))
    return made


INTERACTIONS = {
    "call": ["询问报价", "Discussed the renewal", "跟进发货进度", "Checked in after delivery"],
    "email": ["Sent the catalogue", "发送了合同草稿", "Answered a question about pricing"],
    "meeting": ["Product demo", "年度回顾会议", "Lunch with the buyer"],
    "visit": ["到店拜访", "Visited the factory", "Showroom visit"],
    "message": ["微信确认了订单", "Sent photos of the new model", "节日问候"],
    "note": ["价格敏感，下次先谈服务", "Decision maker is the CFO"],
}
OUTCOMES = ["interested", "sent quote", "order placed", "no answer", "需要再联系", None, None]
TASKS = ["Send the quote", "发送合同", "Call back about the order", "回访满意度", "Book a demo"]


def add_follow_ups(conn: sqlite3.Connection, *, seed: int = 7) -> dict[str, int]:
    """Interactions, tasks, cadences, birthdays and dates for the demo's live customers,
    placed around now so that `crm remind` and `crm today` have something to say.
    """
    from crmcli.core.dates import Period, anniversary
    from crmcli.records import important_dates, interactions, tasks
    from crmcli.records.config import set_setting

    rng = random.Random(seed + 1)  # its own stream: the customers stay as they were
    now = clock.now()
    today = now.date()
    set_setting(conn, "cadence.default", "90d")
    set_setting(conn, "cadence.tag.vip", "14d")
    live = conn.execute(
        "SELECT id, created_at FROM customers WHERE archived_at IS NULL ORDER BY id"
    ).fetchall()
    counts = {"interactions": 0, "tasks": 0, "dates": 0}
    for customer_id, created_at in live:
        age = max((today - clock.local_date(created_at)).days, 0)
        # Most customers were contacted lately, within their cadence; a few have gone quiet.
        span = 80 if rng.random() < 0.95 else 400
        if rng.random() < 0.1:
            cadence = rng.choice((14, 30))
            customers.edit_customer(conn, customer_id, customers.Changes({"cadence_days": cadence}))
            span = min(span, cadence + 4)
        logged = 0 if rng.random() < 0.02 else rng.choice((1, 1, 2, 2, 3, 4, 6))
        for _ in range(logged):
            days_ago = rng.randint(0, min(age, span))
            kind = rng.choices(list(INTERACTIONS), weights=(30, 15, 10, 10, 30, 5))[0]
            moment = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
            values: interactions.InteractionValues = {
                "kind": kind,
                "text": said(rng.choice(INTERACTIONS[kind])),
                "occurred_at": min(moment, now).replace(microsecond=0).isoformat(),
                "direction": rng.choice(("in", "out", "out")) if kind != "note" else None,
                "duration_minutes": rng.choice((5, 15, 30, 60))
                if kind in ("call", "meeting")
                else None,
                "channel": rng.choice(("wechat", "sms", "whatsapp")) if kind == "message" else None,
                "outcome": maybe(rng.choice(OUTCOMES)) if kind != "note" else None,
            }
            interaction_id = interactions.log_interaction(conn, customer_id, values)
            counts["interactions"] += 1
            if rng.random() < 0.04:
                due = today + timedelta(days=rng.randint(-5, 14))
                tasks.add_task(
                    conn, customer_id, said(rng.choice(TASKS)), due, interaction_id=interaction_id
                )
                counts["tasks"] += 1
    sample = rng.sample([row[0] for row in live], min(len(live), 14))
    for number, customer_id in enumerate(sample):
        if number < 3:  # recurring check-ins
            every = Period(rng.choice((2, 4)), "w") if number < 2 else Period(1, "m")
            due = today + timedelta(days=rng.randint(-2, 10))
            tasks.add_task(conn, customer_id, said("定期回访 / regular check-in"), due, every=every)
            counts["tasks"] += 1
        elif number < 5:  # tasks already done
            due = today - timedelta(days=rng.randint(1, 20))
            task_id = tasks.add_task(conn, customer_id, said(rng.choice(TASKS)), due)
            tasks.complete_task(conn, task_id, today=today)
            counts["tasks"] += 1
        elif number < 8:  # birthdays today and this week, and one on 29 February
            born = {
                5: anniversary(today, today.year - 40),
                6: anniversary(today + timedelta(days=3), today.year - 33),
                7: date(1992, 2, 29),
            }[number]
            changes = customers.Changes({"birthday": born.isoformat()})
            customers.edit_customer(conn, customer_id, changes)
        else:  # contract anniversaries and a renewal deadline
            first = today + timedelta(days=rng.randint(0, 20))
            if number == 13:
                label, yearly = "续约截止 renewal deadline", False
            else:
                label, yearly = "contract anniversary", True
                first = anniversary(first, today.year - rng.randint(1, 5))
            important_dates.add_date(conn, customer_id, said(label), first, yearly=yearly)
            counts["dates"] += 1
    return counts
