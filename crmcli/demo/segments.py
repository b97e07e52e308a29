"""Demo segments and rules for `crm demo`: saved filters over the derived classes, and rules
that tag valuable and dormant customers, applied once so the tags are already there."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from crmcli.core import clock
from crmcli.demo.words import said
from crmcli.records.filters import CustomerFilter

SEGMENTS = {
    "key-accounts": CustomerFilter(abc=["A"], lifecycle=["active", "new", "reactivated"]),
    "slipping": CustomerFilter(abc=["A", "B"], lifecycle=["at_risk"]),
    "shanghai-buyers": CustomerFilter(city="上海", where=["purchase_days >= 1"]),
}
RULES = [
    ("big-spender", CustomerFilter(where=["revenue_12m >= 20000"])),
    ("dormant", CustomerFilter(lifecycle=["lapsed"])),
    ("win-back", CustomerFilter(segment=["slipping"])),
]


def add_demo_segments(conn: sqlite3.Connection) -> dict[str, int]:
    """Tier thresholds that suit a tea shop, three segments, three rules, one classify."""
    from crmcli.records import segments
    from crmcli.records.config import set_setting

    set_setting(conn, "tier.value.high", "20000")
    set_setting(conn, "tier.value.medium", "3000")
    for name, selection in SEGMENTS.items():
        segments.save_segment(conn, said(name), selection, replace=False)
    for tag, selection in RULES:
        if selection.segment:  # a segment above, by its name in this run's demo
            selection = replace(selection, segment=[said(s) for s in selection.segment])
        segments.add_rule(conn, said(tag), selection)
    changes = segments.classify(conn, today=clock.today(), dry_run=False)
    return {"segments": len(SEGMENTS), "rules": len(RULES), "rule_tags": len(changes)}
