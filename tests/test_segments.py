"""Saved segments: save, list, use in any filter, replace, delete; no segment includes itself."""

import json

from tests.conftest import fails, ids, ok


def test_a_segment_cycle_through_replace_is_refused(db_path):
    ok("add", "Anna", "--city", "X")
    ok("segment", "save", "a1", "--where", "city = X")
    ok("segment", "save", "b1", "--segment", "a1")
    err = fails(2, "segment", "save", "a1", "--segment", "b1", "--replace", db=db_path)
    assert "would include itself" in err
    assert ok("list", "--segment", "a1", "-q") == "1\n"


def test_save_list_use_replace_and_delete_a_segment(shoppers):
    assert ok("segment", "save", "cooling", "--lifecycle", "at-risk", "--lifecycle", "lapsed") == (
        "Saved segment cooling: --lifecycle at-risk --lifecycle lapsed\n"
    )
    assert ids("--segment", "cooling") == [2, 3]
    assert ids("--segment", "COOLING", "--abc", "B") == [2]
    ok("segment", "save", "cooling-b", "--segment", "cooling", "--abc", "B")
    assert ids("--segment", "cooling-b") == [2]
    ok("tag", "x", "--segment", "cooling")
    assert ids("--tag", "x") == [2, 3]
    rows = json.loads(ok("segment", "list", "--format", "json"))
    assert [(r["segment"], r["customers"]) for r in rows] == [("cooling", 2), ("cooling-b", 1)]
    assert "exists" in fails(2, "segment", "save", "cooling", "--tag", "x", db=shoppers)
    assert "give the filter" in fails(2, "segment", "save", "empty", db=shoppers)
    assert "cannot include itself" in fails(
        2, "segment", "save", "loop", "--segment", "loop", db=shoppers
    )
    assert "no segment 'nope'" in fails(3, "list", "--segment", "nope", db=shoppers)
    assert "used by segment cooling-b" in fails(2, "segment", "delete", "cooling", db=shoppers)
    ok("segment", "save", "cooling", "--lifecycle", "lapsed", "--replace")
    assert ids("--segment", "cooling") == [2]
    assert ok("segment", "delete", "cooling-b") == "Deleted segment cooling-b.\n"
    fails(3, "segment", "delete", "cooling-b", db=shoppers)
