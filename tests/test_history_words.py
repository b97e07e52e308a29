"""What `crm history` and `crm undo`'s preview say of a change, for a person: a tag by the
name it had then, even once it is deleted (never `tag id=9`); what a merge moved, counted
(`3 interactions, 2 purchases, 1 tag`); and no change that reads the same before and after
(a saved filter's tag bound to its id: `--tag '展会' → --tag '展会'`). JSON keeps the
stored keys and values, in every language."""

import json
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import i18n
from crmcli.store.history import Changes
from tests.conftest import add, crm, examples, ok


def history(*args: str) -> str:
    return ok(*args, "history", "--limit", "0")


def preview(*args: str) -> str:
    """What `crm undo` shows before it asks (refused off a terminal without --yes)."""
    result = crm(*args, "undo")
    assert result.exit_code == 2, result
    return result.stdout


def test_a_tag_deleted_by_a_rename_is_named_as_it_was_called(db_path):
    add("张伟")
    add("李娜")
    ok("tag", "展会", "1", "2")
    ok("tag", "vip", "1")
    ok("tag", "rename", "展会", "vip")  # merged into vip: 展会 is deleted, its rows with it
    for args, said in (((), "tag=展会"), (("--lang", "zh"), "标签：展会")):
        shown = history(*args) + preview(*args)
        assert said in shown and "id=" not in shown and "编号：" not in shown, shown
    assert "tag id" not in history() + preview()
    # as the tag was first given, too (the change that tagged them named it so)
    first = [line for line in history().splitlines() if " tag " in line and "insert" in line]
    assert any("tag=展会" in line for line in first), first
    # scripts keep the stored keys and values
    rows = json.loads(ok("history", "-f", "json", "--limit", "0"))
    tagged = [r for r in rows if r["table"] == "customer_tags"]
    assert tagged and all("tag_id=" in r["changes"] for r in tagged)
    assert json.loads(ok("--lang", "zh", "history", "-f", "json")) == json.loads(
        ok("history", "-f", "json")
    )


def test_a_tag_id_given_again_does_not_rename_the_old_change(db_path, monkeypatch):
    add("张伟")
    ok("tag", "vip", "1")
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:01:00+08:00")
    ok("tag", "展会", "1")  # id 2
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:02:00+08:00")
    ok("tag", "rename", "展会", "vip")  # id 2 is free again
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:03:00+08:00")
    ok("tag", "新品", "1")  # SQLite gives it id 2
    assert sqlite3.connect(db_path).execute(
        "SELECT id FROM tags WHERE name = '新品'"
    ).fetchone() == (2,)
    lines = history().splitlines()
    at = {line.split()[1][:16]: line for line in lines if "customer_tags" in line}
    assert "tag=展会" in at["2026-11-22T10:01"] and "新品" not in at["2026-11-22T10:01"], lines
    assert "tag=新品" in at["2026-11-22T10:03"], lines


def test_a_deleted_tag_whose_name_was_never_recorded_is_said_so(db_path):
    add("张伟")
    ok("tag", "展会", "1")
    ok("tag", "vip", "1")
    ok("tag", "rename", "展会", "vip")
    with sqlite3.connect(db_path) as conn:  # as a file whose tag history was lost
        conn.execute("DELETE FROM history WHERE table_name = 'tags'")
    assert "tag=a deleted tag" in history() and "tag id" not in history()
    assert "标签：已删除的标签" in history("--lang", "zh")
    assert "tag=a deleted tag" in preview()


def test_a_merge_says_what_it_moved_counted(db_path):
    add("张伟")
    add("张伟伟", "--email", "zw@example.com")
    for n in range(3):
        ok("log", "note", "2", f"说明 {n}")
    ok("buy", "2", "绿茶", "100")
    ok("buy", "2", "红茶", "50")
    ok("tag", "展会", "2")
    ok("merge", "1", "2", "--yes")
    english = history() + preview()
    assert "records moved=3 interactions, 2 purchases, 1 tag, 1 email" in english, english
    assert "customer_emails 1" not in english and "interactions 3" not in english, english
    chinese = history("--lang", "zh") + preview("--lang", "zh")
    assert "移动的记录：3 条互动、2 条购买记录、1 个标签、1 个邮箱" in chinese, chinese
    # the stored counts stay as they were for scripts
    rows = json.loads(ok("history", "-f", "json", "--limit", "0"))
    merge = next(r for r in rows if r["table"] == "customer_merges")
    moved = json.loads(merge["new"]["moved"])
    assert moved["interactions"] == 3 and moved["purchases"] == 2 and moved["customer_tags"] == 1


def test_a_segment_whose_tag_got_an_id_is_no_change_for_a_person(db_path):
    add("张伟")
    ok("segment", "add", "fair", "--tag", "展会")  # no such tag yet: kept by its name
    ok("tag", "展会", "1")  # now there is: the segment names it by its id
    for args in ((), ("--lang", "zh")):
        shown = history(*args) + preview(*args)
        assert "→ --tag '展会'" not in shown and "→ --tag" not in shown, shown
    assert "segments" not in preview() and "分组" not in preview("--lang", "zh")
    # still in the history scripts read, and undone with the rest
    rows = json.loads(ok("history", "-f", "json"))
    assert any(r["table"] == "segments" and r["op"] == "update" for r in rows)
    undone = ok("undo", "--yes")
    assert "Undone: 2 changes reverted." in undone, undone
    stored = sqlite3.connect(db_path).execute("SELECT filter FROM segments").fetchone()[0]
    assert json.loads(stored) == {"tag": ["展会"]}
    assert "--tag '展会'" in ok("segment", "list")


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(
        st.tuples(st.sampled_from(["city", "notes", "stage", "filter"]), st.booleans()),
        min_size=1,
        max_size=4,
        unique_by=lambda w: w[0],
    ),
    language=st.sampled_from(["en", "zh"]),
)
def test_an_update_says_only_the_fields_that_read_differently(words, language):
    """Any update: the fields whose old and new read alike are left out of its words,
    unless every field does, when the change reads as none (and history leaves it out)."""
    values = {
        "city": ("上海", "北京"),
        "notes": ("先前的备注", "后来的备注"),
        "stage": ("lead", "loyal"),
    }
    fields = []
    for key, same in words:
        if key == "filter":  # alike in words: a tag by its name, then by its id
            old, new = '{"tag": ["展会"]}', '{"tag": [{"id": 3, "saved": "展会", "typed": "展会"}]}'
            fields.append((key, old, old if same else new))
        else:
            old, new = values[key]
            fields.append((key, old, old if same else new))
    token = i18n.use(language)
    try:
        change = Changes(fields, table="customers", updated=True)
        said = change.worded()
        differing = [k for k, a, b in fields if a != b and k != "filter"]
        assert change.unchanged_in_words() == (not differing)
        assert said.count("→") == (len(differing) or len(fields)), said
        for key, _same in words:
            if key in differing and key != "stage":  # a stage is said in the run's words
                assert values[key][1] in said, said
            elif key not in differing and differing:  # alike: neither its name nor value
                alike = "展会" if key == "filter" else values[key][0]
                assert key not in said and alike not in said, said
        assert "--tag '展会' → --tag '展会'" not in said or not differing
    finally:
        i18n.reset(token)
