"""Sentences for people (messages, errors, questions) read as the rest of crm does: a
moment in local time to the minute, typed names in Chinese quotes, regions by name, full-
width marks, and on a terminal lines wrapped whole; English says what it said, and a pipe
gets one line a message."""

import json
import re
import sys

from tests.conftest import crm, fails, ok
from tests.test_terminal import on_screen, width

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _at_a_terminal(monkeypatch, *streams: str) -> None:
    from crmcli.cli import output

    def terminal(stream) -> bool:
        return any(stream is getattr(sys, name) for name in streams)

    monkeypatch.setattr(output, "is_terminal", terminal)


def test_a_moment_in_a_sentence_reads_in_local_time_to_the_minute(db_path):
    ok("add", "张伟")
    ok("feedback", "add", "张伟", "太慢了")
    ok("feedback", "resolve", "1")
    again = ok("--lang", "zh", "feedback", "resolve", "1")
    assert again == "反馈 1 已在 2026-11-22 10:00 处理过；没有改动（要再次处理，请先重新打开）。\n"
    assert ok("feedback", "resolve", "1") == (
        "Feedback 1 was already resolved on 2026-11-22 10:00; nothing changed "
        "(reopen it first to resolve it again).\n"
    )
    undo = ok("--lang", "zh", "undo", "--yes")
    assert undo.startswith("撤销 2026-11-22 10:00 的“处理完反馈”（改动集 3）：\n"), undo
    ok("add", "李娜")
    assert re.match(r"Undo crm add of 2026-11-22 10:00 \(changeset \d+\):\n", ok("undo", "--yes"))
    err = fails(2, "--lang", "zh", "log", "call", "张伟", "x", "--at", "下周三")
    assert err == "crm: --at 2026-11-25 00:00 是将来的时间；请用“crm task add”安排\n"
    assert not STAMP.search(fails(2, "log", "call", "张伟", "x", "--at", "next wed"))


def _two_zhang_wei() -> None:
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--company", "华为", "--city", "上海", "--phone", "13800138000")
    ok("add", "张伟", "--phone", "13900139000")


def test_a_moment_the_user_typed_is_said_back_as_typed(db_path):
    """Only what crm stored is said in local time: a typed value in the shape of a moment,
    a day that does not exist included, is quoted back exactly, in either language."""
    ok("add", "张伟")
    before = ok("list", "-f", "json")
    for typed in ("2026-13-01T10:00+08:00", "2026-02-30T10:00:00+08:00", "2026-11-20T09:30Z"):
        for lang, quoted in (("en", f"'{typed}'"), ("zh", f"“{typed}”")):
            err = fails(2, "--lang", lang, "list", "--where", f"created_at == {typed}")
            assert quoted in err, err
    for typed in ("2026-13-01T10:00+08:00", "2026-02-30T10:00:00+08:00"):
        err = fails(2, "log", "call", "张伟", "x", "--at", typed)
        assert err.startswith(f"crm: not a date: '{typed}'; "), err
        err = fails(2, "--lang", "zh", "log", "call", "张伟", "x", "--at", typed)
        assert err.startswith(f"crm: 不是日期：“{typed}”；"), err
    assert ok("list", "-f", "json") == before


def test_the_candidates_of_a_name_are_listed_in_the_run_language(db_path):
    _two_zhang_wei()
    zh = crm("--lang", "zh", "show", "张伟")
    assert zh.exit_code == 2
    assert zh.stderr == (
        "crm: “张伟”匹配到 2 位客户；请用编号或更精确的引用\n"
        "  1\t张伟\t华为、上海、+8613800138000\n"
        "  2\t张伟\t+8613900139000\n"
    )
    en = crm("show", "张伟")
    assert en.stderr == (
        "crm: '张伟' matches 2 customers; use an id or a more precise reference\n"
        "  1\t张伟\t华为, 上海, +8613800138000\n"
        "  2\t张伟\t+8613900139000\n"
    )


def test_the_candidates_on_a_terminal_show_phones_as_tables_do(db_path):
    _two_zhang_wei()
    code, lines = on_screen("--lang", "zh", "show", "张伟", columns=80)
    assert code == 2
    assert lines[1:] == ["  1\t张伟\t华为、上海、138 0013 8000", "  2\t张伟\t139 0013 9000"]


def test_a_phone_error_names_regions_in_the_run_language_and_keeps_the_code_to_type(db_path):
    ok("config", "set", "default_region", "CN")
    err = fails(2, "--lang", "zh", "add", "X", "--phone", "447400123456", db=db_path)
    assert err == (
        "crm: 电话“447400123456”不是有效的中国号码；它是英国的号码：请输入 +44 7400 123456，"
        "或把客户的国家/地区设为 GB\n"
    )
    assert fails(2, "add", "X", "--phone", "447400123456") == (
        "crm: phone '447400123456' is not a valid CN number; it is valid in GB: type "
        "+44 7400 123456 or give the customer's country as GB\n"
    )
    # 11 digits from 1 read in China: a mobile number mistyped, not a number of the US
    err = fails(2, "--lang", "zh", "add", "李四", "--phone", "17406000000", db=db_path)
    assert err == (
        "crm: 电话“17406000000”无效：不是有效的中国手机号码，请核对号码；请填写客户的国家/地区，"
        "或在号码前加上 + 和国家代码\n"
    )
    err = fails(2, "--lang", "zh", "add", "李四", "--phone", "14012345678", db=db_path)
    assert err == (
        "crm: 电话“14012345678”无效：不是有效的中国手机号码，没有以 140 开头的手机号，请核对号码\n"
    )
    err = fails(2, "--lang", "zh", "add", "X", "--country", "FR", "--phone", "99", db=db_path)
    assert "不是有效的法国号码" in err and " FR " not in err, err


def test_typed_names_sit_in_chinese_quotes(db_path):
    said = ok("--lang", "zh", "care", "festival", "add", "圣诞节", "--date", "12-25")
    assert said.startswith("已新增节日“圣诞节”：每年公历12月25日"), said
    said = ok("--lang", "zh", "segment", "add", "上海客户", "--city", "上海")
    assert said == "已新增分组“上海客户”：--city '上海'\n"
    ok("add", "A")
    ok("add", "B")
    said = ok("--lang", "zh", "tag", "测试", "1", "2", "--dry-run")
    assert said == "将给 2 位客户打上标签“测试”：1、2。\n"
    assert ok("segment", "add", "sh", "--city", "上海") == "Added segment sh: --city '上海'\n"


def test_deleting_a_segment_that_is_not_there_asks_nothing(db_path, monkeypatch):
    _at_a_terminal(monkeypatch, "stdin", "stderr")
    result = crm("--lang", "zh", "segment", "delete", "不存在", input="y\n")
    assert (result.exit_code, result.stderr) == (3, "crm: 没有分组“不存在”\n")
    result = crm("segment", "delete", "nope", input="y\n")
    assert (result.exit_code, result.stderr) == (3, "crm: no segment 'nope'\n")
    ok("segment", "add", "上海客户", "--city", "上海")
    result = crm("--lang", "zh", "segment", "delete", "上海客户", input="n\n")
    assert result.stderr == "删除分组“上海客户”？[y/N]：crm: 未确认；未做任何改动\n"
    assert crm("segment", "delete", "上海客户", input="n\n").stderr.startswith(
        "Delete segment 上海客户? [y/N]: "
    )


def test_an_import_refusal_names_the_customer_with_a_full_width_id(db_path, tmp_path):
    ok("config", "set", "default_region", "CN")
    ok("add", "陈晓", "--phone", "13800138000")
    file = tmp_path / "c.csv"
    file.write_text("name,phone\n王某,13900139000\n陈晓二,13800138000\n", encoding="utf-8")
    result = crm("--lang", "zh", "import", "customers", str(file))
    assert result.exit_code == 2
    assert "  第 3 行：陈晓（#1）已有 +8613800138000；" in result.stderr, result.stderr
    result = crm("import", "customers", str(file))
    assert "  row 3: 陈晓 (#1) already has +8613800138000;" in result.stderr, result.stderr


def test_chinese_help_prose_names_what_its_usage_line_names(db_path):
    merge = ok("--lang", "zh", "merge", "--help")
    assert "用法：crm merge [选项] 客户 客户" in merge
    assert "把第二个客户合并到第一个客户" in merge and not re.search("OTHER|KEEP", merge)
    tag = ok("--lang", "zh", "tag", "--help")
    assert "crm tag rename 旧标签 新标签" in tag and not re.search(r"\b(OLD|NEW)\b", tag)
    rows = json.loads(ok("--lang", "zh", "config", "list", "--format", "json"))
    assert not any("NAME" in str(r) for r in rows if "cadence" in r.get("key", ""))
    ok("config", "set", "cadence.tag.vip", "14d")
    listed = ok("--lang", "zh", "config", "list")
    assert "带该标签（键名最后一段）的客户的联系周期" in listed
    err = fails(2, "--lang", "zh", "add", "X", "--birthday", "lunar:1990")
    assert "农历年-月-日" in err and "YYYY" not in err and "lunar" not in err, err


def test_a_long_message_on_a_terminal_wraps_whole_and_a_pipe_gets_one_line(db_path, monkeypatch):
    env = {"LANG": "zh_CN.UTF-8"}
    code, lines = on_screen("add", "张三", columns=80, env=env)
    assert code == 0
    notice = [line for line in lines if "default_region" in line or line.startswith("crm config")]
    assert len(notice) == 2 and all(width(line) <= 80 for line in notice), lines
    assert "crm config set default_region XX）" in "\n".join(notice), lines
    assert not [line for line in lines if line[:1] in "）。，；：、"], lines
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = crm("--db", str(db_path.parent / "second.db"), "add", "李四")
    assert result.stderr == (  # a pipe: the notice is one line, as scripts read it
        "crm: 已根据系统区域设置把 default_region 设为 CN（修改：crm config set default_region XX）\n"
    )


def test_wrapping_keeps_commands_and_options_whole():
    from crmcli.cli.helpformat import whole, wrap

    text = "演示数据库已经准备好了，请试试看这个命令：crm list --where 'city = 上海' --sort name"
    lines = wrap(whole(text), 50).split("\n")
    assert lines[-1].endswith("crm list --where 'city = 上海' --sort name"), lines
    assert "--sort name" in wrap(whole("x " * 17 + "--sort name"), 40).split("\n")[-1]


def test_more_candidates_than_listed_are_said_in_the_run_language(db_path):
    for n in range(12):
        ok("add", f"张{n}")
    said = fails(2, "--lang", "zh", "show", "张", db=db_path).splitlines()
    assert said[0] == "crm: “张”匹配到至少 10 位客户；请用编号或更精确的引用"
    assert len(said) == 11
    assert fails(2, "show", "张").splitlines()[0] == (
        "crm: '张' matches 10 or more customers; use an id or a more precise reference"
    )


def test_a_festival_in_remind_is_said_without_english_in_chinese(db_path, monkeypatch):
    ok("add", "王芳")
    ok("add", "李雷")
    ok("tag", "vip", "王芳", "李雷")
    ok("care", "rule", "add", "中秋", "月饼礼盒", "--tag", "vip")
    ok("care", "rule", "add", "all", "greeting card", "--tag", "vip")
    monkeypatch.setenv("CRM_NOW", "2026-09-20T09:00:00+08:00")
    table = ok("--lang", "zh", "remind")
    assert re.search(r"\n2026-09-25 +中秋节 +5 +2 +月饼礼盒（2）；greeting card（2）\n", table), (
        table
    )
    ics = ok("--lang", "zh", "remind", "--format", "ics")
    assert "SUMMARY:中秋节：要问候 2 位客户" in ics.splitlines(), ics
    assert "Mid-Autumn" not in table + ics
    english = ok("remind")
    assert re.search(r"\n2026-09-25 +中秋节 +5 +2 +月饼礼盒 \(2\); greeting card \(2\)\n", english)
    ics = ok("remind", "--format", "ics")
    assert "SUMMARY:中秋节 Mid-Autumn Festival: 2 customers to greet" in ics.splitlines()


def test_a_built_in_festival_refused_for_deletion_is_said_without_english(db_path):
    err = fails(2, "--lang", "zh", "care", "festival", "delete", "中秋节")
    assert err == "crm: 中秋节是内置节日；只能删除自定义节日\n", err
    err = fails(2, "care", "festival", "delete", "中秋节")
    assert err.startswith("crm: 中秋节 Mid-Autumn Festival is built in;"), err


def test_chinese_help_sets_crm_words_in_prose_in_chinese_quotes(db_path):
    said = ok("--lang", "zh", "help", "--help")
    assert "每个命令自己的帮助见“crm 命令 --help”。" in said.replace("\n  ", ""), said
    assert "`" not in said
    assert "每个错误都是 stderr 上以“crm: ”开头的一行" in ok("--lang", "zh", "help", "exit-codes")
    assert 'starting with "crm: "' in ok("help", "exit-codes").replace("\n", " ")
