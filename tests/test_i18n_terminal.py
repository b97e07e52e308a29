"""The guard of "speak the user's language": every command of tests/test_json_contract.py,
run in Chinese on a terminal over the demo database, shows no English word that is not data
or something a person types.

What may stay English, and nothing else:
- data: every text the demo database holds (names, emails, products, tags, notes, a
  customer's acquisition source, a care rule's action, settings), except crm's own words
  kept in data as keys (crmcli/core/vocabulary.py: a stage `customer`, a lifecycle
  `at_risk`, an interaction kind `call`), which a terminal says in words; a festival's
  English name (its own column);
- what a person types: `crm` commands, `--options` with their values, paths, the names of
  settings, festivals and hooks, the arguments of the command run; a value the Chinese
  explains beside it (`new（新客户）`, in a description of what a setting takes);
- a record as stored, `field=value, ...` and `field: old → new` (`crm history`, `crm
  undo`), where a column has no words of its own (`name_key：张伟`), and the names of
  SQLite's full-text tables (`search_customers`, which `crm sql` reads);
- the examples of what a date may be (`today`, `next fri`), which are typed too, and a list
  of the keys one may type (`已知字段：id、name、...`);
- ALLOWED: codes and units (currencies, ABC, RFM, NPS, SQLCipher).
A cell cut short (`Call back about the o…`) is data when it begins a data text.
"""

import json
import re
import sqlite3

import pytest
import typer.main

from crmcli.cli import app
from crmcli.core.festivals import FESTIVALS
from crmcli.core.vocabulary import WORDS
from tests.conftest import add, crm, filled_once, ok
from tests.test_json_contract import RUNS, VARIANTS
from tests.test_terminal import on_screen, on_terminal

# Commands that print a machine format on a terminal too (JSON, JSONL, CSV): not for people.
MACHINE = {
    "changes": "JSON lines of the history, for scripts",
    "subject-export": "a JSON document (a subject access request)",
    "export customers": "CSV",
    "export purchases": "CSV",
    "export interactions": "CSV",
    "export tasks": "CSV",
    "export customer": "a JSON document",
}
RUNS_ON_TERMINAL = [(c, a) for c, a in [*RUNS.items(), *VARIANTS] if c not in MACHINE]

# Codes, units and names that are the same in Chinese software.
ALLOWED = {
    "ABC", "RFM", "NPS", "CSAT", "SKU", "ID", "IDs", "BG", "NBD", "SQLite", "SQLCipher",
    "WAL", "wal", "on-add", "on-modify", "on-delete", "en", "zh",
}  # fmt: skip
CURRENCY = re.compile(r"\b(?:[A-Z]{3}|US\$|HK\$)")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'_-]*[A-Za-z]")


def column_names(db_path) -> set[str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    names = {r[1] for t in tables for r in conn.execute(f"PRAGMA table_info('{t}')")}
    conn.close()
    return names


def data_texts(db_path) -> set[str]:
    """Every text of the database a person may be shown as it is, and what is typed."""
    texts: set[str] = set()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        if table.startswith(("search", "history", "sqlite")):
            continue
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{table}')")]
        for column in columns:
            words = WORDS.get(column, {})
            for (value,) in conn.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                if isinstance(value, str) and value not in words:
                    texts.add(value)
    conn.close()
    for row in json.loads(ok("config", "list", "--format", "json")):
        texts.update(str(v) for k, v in row.items() if k in ("key", "value") and v)
    texts.update(f.english for f in FESTIVALS if f.english)
    texts.update(f.key for f in FESTIVALS)  # typed: crm care rule add --festival KEY
    return {t.strip() for t in texts if re.search("[A-Za-z]", t)}


def command_words() -> set[str]:
    found: set[str] = set()

    def walk(command) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.add(name)
            walk(sub)

    walk(typer.main.get_command(app))
    return found


def english_left(
    text: str, data: list[str], commands: set[str], columns: set[str] = frozenset()
) -> list[str]:
    """The English words of `text` that are neither data, typed, nor ALLOWED."""
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d|Z)?", " ", text)  # ISO times
    text = re.sub(r"(?<![\w/~.-])[~.]?(?:/[\w.@+-]+)+/?|\bdocs/[\w./#-]+", " ", text)  # paths
    text = re.sub(r"^crm: ", " ", text, flags=re.M)  # the program's name before an error
    text = re.sub(r"日期可写成[^（\n]*", " ", text)  # the examples of a date, typed
    text = re.sub(r"：(?:[a-z_0-9]+(?:,\s+|、\s*))+[a-z_0-9]+", " ", text)  # keys one may type
    for value in sorted(set(data), key=len, reverse=True):  # `Acme Corp 上海 14` before `Acme`
        if value in text:
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", " ", text)
    # A cell cut short: its visible start begins a data text (after a space, or a field's
    # `：` or `；` in a change said in words: `类型：inter…`).
    for cut in re.findall(r"([^│┃\n]+)…", text):
        words = re.split(r"(?<=[ ：；])", cut.strip())
        for n in range(len(words)):
            start = "".join(words[n:]).strip()
            if len(start) >= 2 and any(value.startswith(start) for value in data):
                text = text.replace(start + "…", " ")
                break
    text = re.sub(r"--[a-z][a-z-]*(?:[ =](?:'[^']*'|[^\s│┃'-][^\s│┃]*))?", " ", text)  # options
    names = "|".join(sorted(map(re.escape, commands), key=len, reverse=True))
    text = re.sub(rf"\bcrm(?:\s+(?:{names})\b)+", " ", text)  # commands, wrapped too
    if columns:  # a record as stored
        names = "|".join(sorted(columns, key=len, reverse=True))
        text = re.sub(rf"\b(?:{names})(?:=[^,│┃\n]*|: [^⏎│┃\n]*|(?=：))|\"(?:{names})\": [^,│┃\n]*"
                      r"|(?:(?<=, )|(?<=⏎ )|(?<=；))\s*\"?[a-z_]+…", " ", text)  # fmt: skip
        # a stored record in JSON (a merge's), wrapped whole in a short table: its keys
        # and the words it keeps, line by line
        text = re.sub(r'"[a-z_][a-z_0-9]*"(?=:|, |[\]}]|$)|(?<=: )null\b', " ", text, flags=re.M)
    text = re.sub(r"\bsearch_[a-z]+\b", " ", text)  # a full-text table
    text = re.sub(r"\b[a-z_][a-z_0-9]*(?=（)", " ", text)  # a typed value, explained
    text = re.sub(r"(?<=（)[a-z_][a-z_0-9]*(?=）)", " ", text)  # a field's key, after its word
    text = CURRENCY.sub(" ", text)
    # A data text wrapped onto the next lines of its cell (and cut there): the words of a
    # data text whose first two words stand together on the screen are data (a setting's
    # value `champions=5/45; loyal=34/45; ...`: its words).
    folded = {
        word
        for value in data
        if len(value.split()) > 2 and " ".join(value.split()[:2]) in text
        for word in (*value.split(), *ENGLISH.findall(value))
    }
    return [w for w in ENGLISH.findall(text) if w not in ALLOWED and w not in folded]


def chinese_screen(*args: str) -> tuple[int, list[str]]:
    """crm on a Chinese terminal 160 columns wide, in this process: the guards below run a
    hundred commands, and a process each would cost seconds."""
    return on_screen(*args, columns=160, env={"LANG": "zh_CN.UTF-8"})


def test_every_command_is_run_or_says_why_not():
    assert set(MACHINE) <= set(RUNS)


def test_a_chinese_terminal_shows_no_english_but_data(demo):
    data, commands, columns = sorted(data_texts(demo)), command_words(), column_names(demo)
    found = {}
    for command, args in RUNS_ON_TERMINAL:
        code, lines = chinese_screen(*command.split(), *args)
        assert code == 0, (command, lines)
        shown_as_typed = [*data, *typed(args, commands)]
        if command == "sql":  # the query's own column names head its table as typed
            shown_as_typed += re.findall(r"[A-Za-z_]\w*", args[0])
        left = english_left("\n".join(lines), shown_as_typed, commands, columns)
        if left:
            found[" ".join((command, *args))] = sorted(set(left))
    assert found == {}, "\n".join(f"{c}: {' '.join(w)}" for c, w in found.items())


# What a person does in a day, in order, on a copy of the demo: (exit code, arguments).
WRITES: list[tuple[int, tuple[str, ...]]] = [
    (0, ("add", "Zoe Park", "--email", "zoe@example.com")),
    (0, ("edit", "Zoe Park", "--city", "Lyon", "--gender", "female")),
    (0, ("log", "call", "Zoe Park", "Asked for prices", "--follow-up", "tue:Send prices")),
    (0, ("buy", "Zoe Park", "Tea set", "120")),
    (0, ("task", "add", "Zoe Park", "Call again")),
    (0, ("task", "done", "1")),
    (0, ("task", "snooze", "2", "+3d")),
    (0, ("task", "edit", "2", "--due", "2026-12-01")),
    (0, ("tag", "vip", "Zoe Park")),
    (0, ("untag", "vip", "Zoe Park")),
    (0, ("stage", "Zoe Park", "customer")),
    (0, ("feedback", "add", "Zoe Park", "Tea arrived damaged", "--kind", "complaint",
         "--severity", "high")),
    (0, ("feedback", "resolve", "11", "--note", "Sent a new one")),
    (0, ("feedback", "reopen", "11")),
    (0, ("survey", "add", "Zoe Park", "--nps", "9")),
    (0, ("date", "add", "Zoe Park", "签约", "2020-01-01")),
    (0, ("product", "add", "Oolong 100g", "--price", "88", "--sku", "OL-100")),
    (0, ("care", "rule", "add", "中秋", "月饼礼盒", "--tag", "vip")),
    (0, ("care", "festival", "add", "圣诞节", "--date", "12-25")),
    (0, ("rule", "add", "vip", "--where", "revenue_12m >= 50000")),
    (0, ("segment", "add", "big", "--abc", "A")),
    (0, ("classify",)),
    (0, ("config", "set", "money", "wan")),
    (0, ("config", "unset", "money")),
    (0, ("delete", "Zoe Park")),
    (0, ("undelete", "Zoe Park")),
    (0, ("merge", "1", "8", "--yes")),
    (0, ("undo", "--yes")),
    (0, ("reindex",)),
    (0, ("interaction", "edit", "1", "--outcome", "order placed")),
    (0, ("purchase", "edit", "1", "--payment", "card")),
    (0, ("stage", "1")),
    (3, ("show", "9999")),
    (2, ("add", "")),
    (2, ("stage", "1", "nosuchstage")),
    (2, ("buy", "1", "Tea", "abc")),
    (2, ("task", "add", "1", "x", "--due", "someday")),
    (2, ("list", "--where", "nosuch > 1")),
]  # fmt: skip


def typed(args: tuple[str, ...], commands: set[str]) -> list[str]:
    """What a command line typed after the command's name, as it may be shown: `tue:Send
    prices` is `Send prices`, and an error quotes a word of it (`“nosuch”`, `'nosuch'`)."""
    while args and args[0] in commands:
        args = args[1:]
    words = {w for a in args for w in a.split()}
    found = {p for a in args for p in (a, a.rpartition(":")[2])} | {
        q for w in words for q in (f"'{w}'", f"“{w}”")
    }
    return [p for p in found if re.search("[A-Za-z]", p)]


def test_what_a_day_of_work_says_on_a_chinese_terminal_is_chinese(demo, tmp_path):
    data, commands, columns = data_texts(demo), command_words(), column_names(demo)
    found = {}
    for code_wanted, args in [*WRITES, (0, ("backup", str(tmp_path / "copy.db")))]:
        code, lines = chinese_screen(*args)
        assert code == code_wanted, (args, lines)
        data.update(typed(args, commands))  # what was typed is data now (`Zoe Park`)
        left = english_left("\n".join(lines), list(data), commands, columns)
        if left:
            found[" ".join(args)] = sorted(set(left))
    assert found == {}, "\n".join(f"{c}: {' '.join(w)}" for c, w in found.items())


def _big_demo() -> None:
    ok("demo", "--db", __import__("os").environ["CRM_DB"], "--customers", "300")


# On a demo big enough for the value models: their reports, backtests and charts.
MODELS = [
    ("report", "value", "--limit", "5"),
    ("report", "value", "--parameters"),
    ("report", "value", "--backtest", "2026-05-01"),
    ("report", "churn", "--backtest", "2026-05-01"),
    ("report", "churn"),
    ("task", "list", "--all"),
    ("remind", "--within", "30d"),
]


def test_the_value_models_speak_chinese_on_a_terminal(db_path):
    filled_once(db_path, _big_demo)
    data, commands, columns = data_texts(db_path), command_words(), column_names(db_path)
    found = {}
    for args in MODELS:
        code, lines = chinese_screen(*args)
        assert code == 0, (args, lines)
        text = "\n".join(lines)
        left = english_left(text, [*data, *typed(args, commands)], commands, columns)
        # the models' names and parameters, as --model takes them and as papers name them
        left = [w for w in left if w not in ("BG/NBD", "Gamma-Gamma", "alpha", "gamma", "Beta",
                                             "alive")]  # fmt: skip
        if left:
            found[" ".join(args)] = sorted(set(left))
    assert found == {}, "\n".join(f"{c}: {' '.join(w)}" for c, w in found.items())


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("阶段 customer", ["customer"]),  # a stage key is not data: it is said in words
        ("客户 James Lefèvre │ Glass teapot 600ml", []),
        ("原因 Call back about the o…", []),  # the start of a task's text
        ("见 crm report churn（--lifecycle at_risk）", []),
        ("Too little data", ["Too", "little", "data"]),
        ("2026-11-22T10:00:00+08:00 ¥12.00 CNY US$3.00", []),
    ],
)
def test_the_guard_tells_english_from_data(demo, text, left):
    """The guard fails on what it should: a word it lets through must be data or typed."""
    assert english_left(text, list(data_texts(demo)), command_words()) == left


def test_machine_formats_keep_the_english_keys(demo, monkeypatch):
    """The words a terminal says in Chinese stay English keys in json, csv and -q."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    shown = json.loads(crm("show", "1", "--format", "json").stdout)
    assert shown["stage"] in WORDS["stage"] and shown["kind"] == "person"
    rows = json.loads(crm("list", "--classes", "--format", "json").stdout)
    assert {r["lifecycle"] for r in rows} <= set(WORDS["lifecycle"])
    csv_text = crm("report", "churn", "--format", "csv").stdout
    assert "at_risk" in csv_text and "流失风险" not in csv_text
    tasks = crm("task", "list", "--format", "tsv").stdout
    assert "\toverdue\t" in tasks and "已逾期" not in tasks


def test_forget_and_restore_ask_and_say_in_chinese(demo, tmp_path, monkeypatch):
    from tests.test_customers import _at_a_terminal

    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    _at_a_terminal(monkeypatch, "stdin", "stderr")
    monkeypatch.setenv("COLUMNS", "300")  # wide enough for the question's long paths
    asked = crm("--lang", "zh", "forget", "1", input="n\n")
    assert asked.exit_code == 1 and "永久删除客户 1（周欣秀）及其全部记录？" in asked.stderr
    asked = crm("--lang", "zh", "restore", str(copy), input="n\n")
    assert asked.exit_code == 1 and f"用 {copy}（40 位客户）替换 " in asked.stderr
    assert "当前数据库会保留一份副本。" in asked.stderr
    done = crm("--lang", "zh", "forget", "2", "--yes")
    assert done.exit_code == 0 and done.stdout.startswith("已永久删除客户 2：")
    assert "文件已压缩。" in done.stdout and "此前做的备份和导出仍含有该客户的数据" in done.stderr
    assert not ENGLISH.search(done.stdout.replace(str(tmp_path), "")), done.stdout
    english = crm("forget", "3", "--yes")
    assert english.stdout.startswith("Erased customer 3: ") and "file vacuumed." in english.stdout


def test_dedupe_reasons_are_chinese_on_a_terminal_and_english_in_json(db_path, tmp_path):
    ok("add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme")
    ok("add", "Ann Lee", "--email", "ann@example.com", "--company", "Acme", "--allow-duplicate")
    code, lines = on_terminal("dedupe", columns=160, env={"LANG": "zh_CN.UTF-8"})
    text = "\n".join(lines)
    assert code == 0 and "同邮箱 ann@example.com、同名、同公司 Acme" in text, lines
    reasons = json.loads(ok("--lang", "zh", "dedupe", "--format", "json"))[0]["reasons"]
    assert reasons == ["same email ann@example.com", "same name", "same company Acme"]


def test_import_row_problems_and_warnings_speak_chinese(db_path, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\n,b@example.com\n", encoding="utf-8")
    refused = crm("--lang", "zh", "import", "customers", str(bad))
    assert refused.exit_code == 2 and "第 2 行：客户需要姓名" in refused.stderr
    assert "row 2" not in refused.stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("id,name,referred_by\n7,Ann,9\n", encoding="utf-8")
    warned = crm("--lang", "zh", "import", "customers", str(odd))
    assert warned.exit_code == 0
    assert "第 2 行：referred_by 9 不是文件中任何一行的编号；已导入该客户" in warned.stderr


def test_the_bulk_question_names_the_change_in_chinese(db_path):
    for name in ("A1", "A2", "A3"):
        ok("add", name)
    ok("config", "set", "bulk.confirm", "2")
    args = (
        "--lang",
        "zh",
        "edit",
        "--where",
        "id > 0",
        "--set",
        "source=fair",
        "--add-tag",
        "east",
    )
    refused = crm(*args)
    assert refused.exit_code == 2
    assert "crm: 修改：设置来源；加标签 east：3 位客户，超过 bulk.confirm（2）" in refused.stderr
    moved = crm("--lang", "zh", "stage", "--where", "id > 0", "customer")
    assert moved.exit_code == 2 and "crm: 移到成交客户阶段：3 位客户" in moved.stderr


def test_reports_with_nothing_to_show_say_so_in_chinese(db_path):
    said = crm("--lang", "zh", "report", "cohort")
    assert said.exit_code == 0 and said.stdout == "最近 12 个月没有首次购买。\n"
    said = crm("--lang", "zh", "report", "value")
    assert "暂时无法建模" in said.stderr and "No purchases" not in said.stderr


def test_a_merge_notes_what_it_kept_in_the_language_of_the_run(demo):
    ok("--lang", "zh", "merge", "1", "8", "--yes")
    notes = json.loads(ok("show", "1", "--format", "json"))["notes"]
    assert "从朱子子（#8）合并：" in notes and "\n  性别：男" in notes and "Merged" not in notes
    ok("merge", "2", "9", "--yes")
    assert "Merged from #9 " in json.loads(ok("show", "2", "--format", "json"))["notes"]


def test_a_merge_in_history_and_undo_says_what_it_moved_in_words(demo):
    ok("--lang", "zh", "merge", "1", "8", "--yes")
    rows = json.loads(ok("history", "--limit", "3", "--format", "json"))
    english = next(r for r in rows if r["table"] == "customer_merges")
    assert "merged_id=8, merged_name=朱子子, record={" in english["changes"], english
    plain = ok("history", "--limit", "3")  # English in words: the profile as its name
    assert "merged profile=朱子子 (#8); records moved=" in plain, plain
    assert "merged id=" not in plain and "merged name=" not in plain, plain
    for args in (("history", "--limit", "3"), ("undo", "--yes")):
        code, lines = on_terminal("--lang", "zh", *args, columns=400)
        merge = next(line for line in lines if "合并记录" in line)
        assert code == 0 and "被合并的档案：朱子子（#8）" in merge, lines
        moved = re.search(r"移动的记录：([^；]*)(；|$)", merge.rstrip(" │"))
        assert moved and re.fullmatch(r"(\d+ \w+)(、\d+ \w+)*", moved[1]), merge
        assert "{" not in merge and "变动人数" not in merge and "customer" not in merge, merge


def test_a_merge_says_the_fields_it_filled_in_words(db_path):
    add("张伟")
    add("张伟", "--city", "上海", "--allow-duplicate")
    said = ok("--lang", "zh", "merge", "1", "2", "--yes")
    assert "补全了城市" in said and "city" not in said, said
    add("王芳")
    add("王芳", "--city", "上海", "--allow-duplicate")
    assert ", filled city" in ok("merge", "3", "4", "--yes")
