"""Demo feedback and survey answers for `crm demo` (referrals come with the customers).

Drawn from its own `random.Random(seed + 9)`, so the customers, purchases and follow-ups
of the demo stay exactly as they were. Written through the same services as
`crm feedback add|resolve` and `crm survey add`.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta

from crmcli.core import clock
from crmcli.demo.words import maybe, said
from crmcli.records import feedback, surveys

TEXTS = {
    "complaint": [
        "茶叶包装破损",
        "Delivery was a week late",
        "收到的口味和描述不一致",
        "Charged twice for one order",
        "客服回复太慢",
    ],
    "suggestion": ["希望有小包装试饮装", "Please offer gift wrapping", "Add an English label"],
    "praise": ["龙井非常新鲜，谢谢！", "Lovely teapot, my wife loves it", "服务很周到"],
    "question": ["普洱可以存放多久？", "Do you ship to Singapore?", "有没有发票？"],
}
NOTES = ["Sent a replacement", "已退款", "Explained the shipping delay", "已补发", None, None]
COMMENTS = [
    "Great tea, fast delivery",
    "物流有点慢",
    "会推荐给朋友",
    "Too expensive for me",
    "包装很好看",
    None,
    None,
    None,
]


def _moment(rng: random.Random, start: datetime, now: datetime) -> datetime:
    span = max(0, int((now - start).total_seconds()))
    return (start + timedelta(seconds=rng.randint(0, span))).replace(microsecond=0)


def add_demo_feedback(conn: sqlite3.Connection, *, seed: int = 7) -> dict[str, int]:
    """Add feedback items and survey answers for the demo's live customers; returns counts."""
    rng = random.Random(seed + 9)
    now = clock.now().replace(microsecond=0)
    live = conn.execute(
        "SELECT id, created_at FROM customers WHERE archived_at IS NULL ORDER BY id"
    ).fetchall()
    counts = {"feedback": 0, "surveys": 0}
    year_ago = now - timedelta(days=365)
    for customer_id, created_at in live:
        start = max(datetime.fromisoformat(created_at), year_ago)
        if rng.random() < 0.22:
            for _ in range(rng.choice((1, 1, 1, 2))):
                kind = rng.choices(list(TEXTS), weights=(45, 20, 20, 15))[0]
                severity = rng.choices(("low", "normal", "high"), weights=(25, 55, 20))[0]
                received = _moment(rng, start, now)
                feedback_id = feedback.add_feedback(
                    conn,
                    customer_id,
                    kind=kind,
                    severity=severity,
                    text=said(rng.choice(TEXTS[kind])),
                    received_at=received.isoformat(),
                )
                counts["feedback"] += 1
                # Most are answered within a day or two; a few take a week or more.
                if rng.random() < 0.85:
                    hours = rng.choice((1, 2, 3, 5, 8, 12, 20, 26, 40, 72, 170))
                    resolved = received + timedelta(hours=hours, minutes=rng.randint(0, 59))
                    if resolved <= now:
                        feedback.resolve_feedback(
                            conn,
                            feedback_id,
                            note=maybe(rng.choice(NOTES)),
                            at=resolved.isoformat(),
                        )
        if rng.random() < 0.35:
            for _ in range(rng.choice((1, 1, 2, 3))):
                answered = _moment(rng, start, now)
                nps = rng.choices(range(11), weights=(1, 1, 1, 2, 2, 4, 5, 9, 12, 14, 12))[0]
                csat = rng.choices(range(1, 6), weights=(1, 2, 4, 9, 8))[0]
                values: surveys.SurveyValues = {
                    "nps": nps if rng.random() < 0.9 else None,
                    "csat": csat if rng.random() < 0.6 else None,
                    "comment": maybe(rng.choice(COMMENTS)),
                    "answered_at": answered.isoformat(),
                }
                if values["nps"] is None and values["csat"] is None:
                    values["csat"] = csat
                surveys.add_survey(conn, customer_id, values)
                counts["surveys"] += 1
    return counts
