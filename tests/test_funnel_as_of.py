"""Funnel counts in the lifecycle report follow --as-of."""

import json

from tests.conftest import ok


def test_funnel_counts_follow_as_of(db_path):
    ok("add", "Anna")
    ok("stage", "Anna", "lead", "--at", "2026-01-10")
    ok("stage", "Anna", "customer", "--at", "2026-06-10")

    def funnel(day):
        report = json.loads(ok("report", "lifecycle", "--as-of", day, "-f", "json"))
        return {r["stage"]: r["customers"] for r in report["funnel"] if r["customers"]}

    assert funnel("2026-03-01") == {"lead": 1}
    assert funnel("2026-11-22") == {"customer": 1}
    assert funnel("2025-12-01") == {None: 1}
