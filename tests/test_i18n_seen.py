"""What two Chinese testers still saw cut, counted wrong or in English (issue #22): a
narrow terminal's footer broken inside a word, `crm undo` counting a row it did not show,
"nothing" said twice, an option read as an argument, a name cut beside whole tags, and the
value report's model parameters on a salesperson's table. English, JSON and CSV keep what
they had."""

import json
import re

from crmcli.cli.terminal import phrased
from tests.conftest import add, crm, dump, fails, filled_once, ok
from tests.test_i18n_tables import ZH
from tests.test_i18n_terminal import _big_demo
from tests.test_terminal import on_screen, width


def test_a_footer_breaks_after_its_punctuation_not_inside_a_word():
    note = "隐藏了 3 列：状态、偏好渠道、联系周期；请用 --format csv 或更宽的终端查看"
    assert phrased(note, 60) == [
        "隐藏了 3 列：状态、偏好渠道、联系周期；",
        "请用 --format csv 或更宽的终端查看",
    ]
    assert phrased(note, 80) == [note]
    assert phrased(note, 24) == [  # a phrase wider than the line breaks as before
        "隐藏了 3 列：状态、",
        "偏好渠道、联系周期；",
        "请用 --format csv 或更宽",
        "的终端查看",
    ]
    english = (
        "3 columns hidden: State, Preferred channel, Cadence; use --format csv or a wider terminal"
    )
    assert phrased(english, 60) == [
        "3 columns hidden: State, Preferred channel, Cadence;",
        "use --format csv or a wider terminal",
    ]
    assert all(width(line) <= 24 for line in phrased(note, 24))


def test_remind_at_60_columns_in_english_keeps_the_last_contact_whole(demo):
    code, lines = on_screen("remind", columns=60, env={"LANG": "en_US.UTF-8"})
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    start = lines.index(next(line for line in lines if line.startswith("Due for contact")))
    assert lines[start + 1].split() == ["Customer", "┃", "Phone", "┃", "Last", "contact"]
    rows = [line.split("│") for line in lines[start + 3 : start + 7]]
    assert all(re.fullmatch(r" \d{4}-\d\d-\d\d \(\d+ days ago\)", r[2]) for r in rows), rows
    assert lines[start + 7 : start + 9] == [
        "3 columns hidden: State, Preferred channel, Cadence;",
        "use --format csv or a wider terminal",
    ]


def test_undo_counts_the_changes_its_preview_shows(db_path):
    add("张伟", "--city", "上海")
    for lang, said in (("zh", "已撤销：还原了 1 处改动。"), ("en", "Undone: 1 change reverted.")):
        ok("edit", "张伟", "--city", "杭州")
        lines = ok("--lang", lang, "undo", "--yes").splitlines()
        # a title, the headers and their rule, the rows, the sentence; the customer's
        # version goes with the change in every language, as `crm history` shows it
        assert len(lines) - 4 == int(re.search(r"\d+", said).group()), lines
        assert lines[-1] == said, lines
    assert json.loads(ok("show", "1", "-f", "json"))["city"] == "上海"


def test_nothing_found_is_said_once_on_a_terminal(db_path):
    add("Ann Lee", "--email", "ann@example.com", "--phone", "+8613800138000")
    for env, dedupe, clean, value in (
        (ZH, "没有得分 40 及以上的疑似重复客户。", "没有发现联系方式问题。",
         "截至 2026-11-22 没有 CNY 购买记录：暂时无法建模。"),
        ({"LANG": "en_US.UTF-8"}, "No likely duplicates scoring 40 or more.",
         "No contact data problems found.",
         "No purchases in CNY up to 2026-11-22: nothing to model yet."),
    ):  # fmt: skip
        assert on_screen("dedupe", columns=80, env=env) == (0, [dedupe])
        assert on_screen("clean", columns=80, env=env) == (0, [clean])
        assert on_screen("report", "value", "--currency", "CNY", columns=80, env=env) == (
            0,
            [value],
        )
    said = crm("report", "value", "--format", "json")  # a script still gets its empty list
    assert (said.exit_code, said.stdout) == (0, "[]\n")


def test_an_unknown_option_where_an_argument_may_start_with_a_dash_is_refused_as_such(filled):
    """`crm task snooze` and `crm buy` take arguments starting with `-` (`-3d`, `-280`): an
    option they do not have, in any place or form, is refused as an unknown option, never
    read as the id or the date."""
    before = dump(filled)
    zh = "crm: 没有这个选项：--to（见“crm task snooze --help”）\n"
    for args in (["1", "--to", "下周一"], ["1", "--to=下周一"], ["--to", "下周一", "1"],
                 ["1", "下周一", "--to", "下周二"], ["1", "-t", "下周一"]):  # fmt: skip
        said = fails(2, "--lang", "zh", "task", "snooze", *args)
        assert said == zh.replace("--to", args[args.index("-t")] if "-t" in args else "--to")
    assert fails(2, "task", "snooze", "1", "--until", "next monday") == (
        "crm: No such option: --until (see 'crm task snooze --help')\n"
    )
    assert fails(2, "buy", "1", "Tea", "5", "--colour", "red") == (
        "crm: No such option: --colour (see 'crm buy --help')\n"
    )
    assert "Got unexpected extra argument" in fails(2, "task", "snooze", "1", "-3d", "x")
    assert dump(filled) == before
    assert ok("task", "snooze", "1", "-q", "--", "+3d") == "1\n"  # a date after `--` still
    # the command's own short options, grouped or with their value attached, still count
    for args in (["1", "Tea", "88", "-qn2"], ["-n2", "1", "Tea", "88", "-q"]):
        number = int(ok("buy", *args))
        line = [p for p in json.loads(ok("purchases", "-f", "json")) if p["id"] == number]
        assert [(p["item"], p["quantity"]) for p in line] == [("Tea", 2)], args


def test_a_name_stays_whole_while_tags_give_way(demo):
    names = {str(c["id"]): c["name"] for c in json.loads(ok("list", "--format", "json"))}
    for env in (ZH, {"LANG": "en_US.UTF-8"}):
        code, lines = on_screen("list", "--classes", columns=120, env=env)
        assert code == 0 and all(width(line) <= 120 for line in lines), lines
        rows = [[c.strip() for c in line.split("│")] for line in lines if "│" in line]
        assert len(rows) > 20 and all(r[1] == names[r[0]] for r in rows), rows


def test_the_value_table_says_what_a_salesperson_reads_not_the_parameters(db_path):
    filled_once(db_path, _big_demo)
    code, lines = on_screen("report", "value", "--limit", "3", columns=100, env=ZH)
    assert code == 0, lines
    assert re.fullmatch(r"CNY，截至 2026-11-22，未来 12 个月（365 天）：\d+ 位客户，\d+ 位有复购。",
                        lines[0]), lines  # fmt: skip
    assert re.fullmatch(r"按预期价值从高到低排列；每个购买日平均消费 ¥[\d,]+\.\d\d。", lines[1])
    assert not re.search(r"alpha|gamma|BG/NBD|r \d", "\n".join(lines)), lines
    fitted = json.loads(ok("report", "value", "--parameters", "--format", "json"))
    assert {r["parameter"] for r in fitted if r["model"] == "bgnbd"} >= {"r", "alpha", "a", "b"}


def test_the_parameters_table_names_its_rows_in_words_and_counts_whole(db_path):
    """`crm report value --parameters` on a terminal: in Chinese the models and the figures
    that are words (`数据`, `客户数`, `对数似然`) in Chinese, the papers' symbols (r, alpha)
    as they are; counts whole (`178`, not `178.0000`) beside the fit's four decimals, in
    every language; JSON, CSV and a plain table keep the keys and the values."""
    filled_once(db_path, _big_demo)
    data = json.loads(ok("report", "value", "--parameters", "--format", "json"))
    counts = {r["parameter"]: r["value"] for r in data if r["model"] == "data"}
    assert set(counts) == {"customers", "repeat_buyers", "fitted_on"}
    assert all(type(v) is int for v in counts.values())
    for env, names in ((ZH, ("BG/NBD", "数据", "客户数", "复购客户数", "拟合客户数", "对数似然")),
                       ({"LANG": "C.UTF-8"}, ("bgnbd", "data", "customers", "repeat_buyers"))):  # fmt: skip
        code, lines = on_screen("report", "value", "--parameters", columns=120, env=env)
        assert code == 0, lines
        rows = [[c.strip() for c in line.split("│")] for line in lines if "│" in line]
        assert len(rows) == len(data), rows
        shown = {cell for row in rows for cell in row[:2]}
        assert set(names) <= shown, shown
        for row, record in zip(rows, data, strict=True):
            value = record["value"]
            assert row[2] == (str(value) if type(value) is int else f"{value:.4f}"), row
        if env is ZH:
            assert not {"data", "customers", "fitted_on", "log_likelihood", "gamma_gamma"} & shown
            assert {"r", "alpha", "a", "b", "p", "q", "gamma"} <= shown
    assert json.loads(ok("--lang", "zh", "report", "value", "--parameters", "-f", "json")) == data
    csv = ok("--lang", "zh", "report", "value", "--parameters", "-f", "csv")
    assert csv == ok("report", "value", "--parameters", "-f", "csv")
    assert f"data,customers,{counts['customers']}," in csv
    plain = ok("--lang", "zh", "report", "value", "--parameters")
    assert re.search(rf"^数据 +客户数 +{counts['customers']} ", plain, re.M), plain
