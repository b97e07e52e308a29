"""crm in Chinese (docs/config.md#language): which language a run speaks, the catalog that
holds every string a person reads, and that machine formats never change with it.

The catalog is crmcli/locale/zh/LC_MESSAGES/crm.po (compiled to crm.mo beside it), made
from crmcli/locale/crm.pot by `python -m tests.catalog`. Every msgid has a Chinese msgstr,
except those in UNTRANSLATED (tests/data/zh_untranslated.json): a new string without one
fails here, and so does a listed one that is translated now, so the list only shrinks.
"""

import io
import json
import os
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests import catalog
from tests.conftest import crm, fails, filled_once, ok
from tests.test_terminal import on_screen

PO = catalog.LOCALE / "zh" / "LC_MESSAGES" / "crm.po"
MO = PO.with_suffix(".mo")
UNTRANSLATED_FILE = Path(__file__).parent / "data" / "zh_untranslated.json"
UNTRANSLATED: set[str] = set(json.loads(UNTRANSLATED_FILE.read_text(encoding="utf-8")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _po(path: Path = PO):
    with open(path, "rb") as file:
        return read_po(file)


def _demo_jsons() -> list[str]:
    return catalog.demo_jsons()


def test_the_catalog_holds_every_string_a_person_reads(db_path):
    """The .pot and the .po hold exactly the msgids of the code, the help and the headers:
    a string added without rerunning `python -m tests.catalog` fails here."""
    wanted = catalog.msgids(filled_once(db_path, _demo_jsons))
    template = {m.id for m in _po(catalog.POT) if m.id}
    translations = {m.id for m in _po() if m.id}
    assert sorted(wanted - template) == [], "run: python -m tests.catalog"
    assert sorted(template - wanted) == [], "run: python -m tests.catalog"
    assert translations == template


def test_every_string_has_a_chinese_translation_or_is_listed_as_untranslated():
    untranslated = {m.id for m in _po() if m.id and not m.string}
    assert sorted(untranslated - UNTRANSLATED) == [], "translate these in crm.po"
    assert sorted(UNTRANSLATED - untranslated) == [], (
        f"translated now: take out of {UNTRANSLATED_FILE.name}"
    )


def test_a_translation_names_the_same_placeholders_as_its_english():
    """`_("... {name}").format(name=...)` must not fail (or lose a value) in Chinese."""
    fields = re.compile(r"\{[^{}]*\}")
    wrong = [
        m.id
        for m in _po()
        if m.id and m.string and sorted(fields.findall(m.id)) != sorted(fields.findall(m.string))
    ]
    assert wrong == []


def test_the_compiled_catalog_is_the_po_compiled():
    compiled = io.BytesIO()
    write_mo(compiled, _po())
    assert MO.read_bytes() == compiled.getvalue(), "run: pybabel compile -D crm -d crmcli/locale"


@pytest.mark.parametrize(
    ("env", "args", "chinese"),
    [
        ({"LANG": "zh_CN.UTF-8"}, (), True),
        ({"LANG": "zh_SG.UTF-8"}, (), True),
        ({"LANG": "en_US.UTF-8"}, (), False),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, (), True),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}, (), False),  # LC_ALL wins
        ({"LANG": "zh_CN.UTF-8"}, ("--lang", "en"), False),
        ({"LANG": "en_US.UTF-8"}, ("--lang", "zh"), True),
        ({"LANG": "C.UTF-8"}, ("--lang=zh",), True),
    ],
)
def test_the_language_comes_from_the_option_else_the_locale(
    monkeypatch, db_path, env, args, chinese
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = ok(*args, "--help")
    assert ("显示一个客户的档案卡片" in out) is chinese, out  # crm show's summary


def test_the_setting_speaks_chinese_and_the_option_still_wins(db_path):
    ok("add", "Anna")
    assert "crm: " in fails(3, "show", "nobody")
    ok("config", "set", "language", "zh")
    assert CHINESE.search(fails(3, "show", "nobody"))
    assert not CHINESE.search(fails(3, "--lang", "en", "show", "nobody"))
    ok("config", "set", "language", "EN_us")
    assert ok("config", "get", "language") == "en\n"


@pytest.mark.parametrize(
    "before",
    [["--color", "never"], ["--money", "wan"], ["--db", "x.db", "--no-color"], ["--lang", "en"]],
)
def test_the_language_option_is_found_after_other_global_options(db_path, before):
    """`--color never --lang zh` spoke the locale's language: `never` was taken for the
    command's name. The last `--lang` wins, as it does for every option."""
    stderr = fails(2, *before, "--lang", "zh", "list", "--limit", "x")
    assert stderr.startswith("crm: “--limit”要填整数"), stderr
    assert fails(2, "--lang", "zh", "--lang", "en", "list", "--limit", "x").startswith(
        "crm: --limit takes a whole number"
    )


def test_the_global_options_that_take_a_value_are_known_before_the_command():
    from typer.main import get_command

    from crmcli.cli import VALUED, app

    root = get_command(app)
    assert set(VALUED) == {name for p in root.params if not p.is_flag for name in p.opts}


def test_an_unknown_language_is_refused(db_path, monkeypatch):
    """The languages there are catalogs for, named in the user's language, on one line."""
    stderr = fails(2, "--lang", "fr", "list")
    said = "unknown language 'fr'; languages are: English (en), Chinese (zh)"
    assert stderr.startswith("crm: ") and said in stderr, stderr
    assert stderr.count("\n") == 1
    stderr = fails(2, "config", "set", "language", "fr", db=db_path)
    assert stderr == f"crm: {said}\n"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert fails(2, "--lang", "fr", "list") == (
        "crm: “--lang”的值无效：未知语言“fr”；可用语言：英语（en）、中文（zh）（见“crm --help”）\n"
    )
    assert fails(2, "config", "set", "language", "法语", db=db_path) == (
        "crm: 未知语言“法语”；可用语言：英语（en）、中文（zh）\n"
    )


@pytest.mark.parametrize("spelled", ["ZH", "zh_CN", "zh-Hans", "--lang=zh_CN.UTF-8"])
def test_the_option_takes_a_language_as_the_setting_spells_it(db_path, spelled):
    args = [spelled] if spelled.startswith("--") else ["--lang", spelled]
    stderr = fails(3, *args, "show", "nobody", db=db_path)
    assert stderr == "crm: 没有匹配“nobody”的客户\n"


def test_an_error_in_chinese_keeps_its_exit_code_and_one_line(demo, monkeypatch):
    english = fails(3, "show", "nobody")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = fails(3, "show", "nobody")
    assert CHINESE.search(chinese) and chinese.count("\n") == english.count("\n") == 1


ALL = ("json", "csv", "tsv")


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        ("today", ALL),
        ("list --limit 5", ALL),
        ("show 1", ("json",)),
        ("remind --within 30d", ("json",)),
        ("dashboard", ("json",)),
        ("report rfm", ALL),
        ("task list --all", ALL),
        ("care --within 12m", ALL),
    ],
)
def test_machine_formats_are_the_same_in_every_language(demo, monkeypatch, command, formats):
    for fmt in formats:
        english = crm(*command.split(), "--format", fmt)
        assert english.exit_code == 0 and english.stdout, (fmt, english.stderr)
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
        chinese = crm(*command.split(), "--format", fmt)
        monkeypatch.setenv("LANG", "C.UTF-8")
        assert (chinese.exit_code, chinese.stdout) == (english.exit_code, english.stdout), fmt


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("today",), "客户"),
        (("list", "--limit", "5"), "姓名"),
        (("show", "1"), "电话"),
        (("--lang", "zh", "remind", "--within", "30d"), "客户"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, tuple) else a,
)
def test_a_terminal_shows_chinese_headers_and_labels(demo, args, expected):
    code, lines = on_screen(*args, columns=120, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0, lines
    assert expected in "\n".join(lines), lines


def test_prose_cells_on_a_terminal_speak_the_run_language_and_keep_their_dates(demo):
    """Reasons and last contacts are prose kept in data: a pipe showed them in Chinese, a
    terminal in English; and `2026-11-17（5 天前）` lost its date at 80 columns."""
    code, lines = on_screen("today", columns=80, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0, lines
    text = "\n".join(lines)
    assert "天未联系" in text or "已逾期" in text, lines
    assert not re.search(r"\boverdue\b|no contact for|\bnever\b", text), lines
    code, lines = on_screen("today", columns=100, env={"LANG": "zh_CN.UTF-8"})
    assert re.search(r"│ \d{4}-\d\d-\d\d(…|（)", "\n".join(lines)), lines


def test_english_never_reads_a_catalog(db_path, monkeypatch):
    """English is the catalog-less default: its runs cost nothing more than before."""
    import gettext

    opened = []
    real = gettext.translation

    def translation(domain, *args, **kwargs):  # click asks for its own domain, `messages`
        if domain == "crm":
            opened.append(domain)
        return real(domain, *args, **kwargs)

    from crmcli.core import i18n, vocabulary

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    ok("add", "甲", "--field", "vip_level=2")
    # a catalog is read once a process, and the headers of every language found once: anew
    for cached in (i18n.catalog, vocabulary._columns_by_name, vocabulary._first_columns):
        cached.cache_clear()
    monkeypatch.setattr(gettext, "translation", translation)
    ok("list")
    ok("--help")
    # a user field's name is checked against the built-in fields' headers in any language
    assert ok("list", "--where", "vip_level = 2", "-q") == "1\n"
    assert opened == []
    ok("--lang", "zh", "list")
    assert opened


def test_no_other_language_writes_a_built_in_fields_header_in_ascii():
    """A name all ASCII is looked up among the English headers alone (vocabulary
    `first_column_named`): as exact as among every language's only while this holds."""
    from crmcli.core import vocabulary
    from crmcli.records.customers import _builtin_columns

    every = vocabulary._first_columns(_builtin_columns(), english=False)
    english = vocabulary._first_columns(_builtin_columns(), english=True)
    assert {typed: c for typed, c in every.items() if typed.isascii()} == english
    assert len(every) > len(english) > 40


def test_calendar_summaries_and_the_dashboard_speak_chinese(demo):
    english = ok("remind", "--format", "ics", "--within", "30d")
    chinese = ok("--lang", "zh", "remind", "--format", "ics", "--within", "30d")
    summaries = [line for line in chinese.splitlines() if line.startswith("SUMMARY:")]
    assert summaries and any(CHINESE.search(line) for line in summaries)
    assert "SUMMARY:联系" in chinese and "SUMMARY:Contact " in english
    assert ok("--lang", "zh", "dashboard").startswith("截至 2026-11-22 的总览")


def test_help_of_a_command_and_its_options_in_chinese(db_path):
    out = ok("--lang", "zh", "add", "--help")
    assert "新增客户，并输出新客户的编号。" in out and "客户姓名。" in out
    assert "示例：crm add" in out
    assert "Add a customer and print the new id." in ok("--lang", "en", "add", "--help")


def test_remind_on_a_terminal_speaks_chinese_in_headers_states_and_cadences(demo):
    """Headers of columns only a table shows (`repeats`, `what`, `stake`), contact states and
    where a cadence comes from were English on a terminal."""
    code, lines = on_screen("remind", "--within", "30d", columns=160, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0, lines
    text = "\n".join(lines)
    assert "重复" in text and "事项" in text and "涉及金额" in text, lines
    assert "已逾期" in text and "（标签 vip）" in text, lines
    assert not re.search(r"Repeats|What|Stake|\boverdue\b|\(tag |default|customer\)", text), lines


ENGLISH_WORDS = re.compile(r"\b(Updated|No changes|Archived|Restored|Snoozed|Merged|Backed up|"
                           r"integrity ok|in the past|born|lunar|Mon|Tue|Wed|Thu|Fri|Sat|Sun|"
                           r"records|differing|kept in notes)\b")  # fmt: skip


def test_confirmations_speak_chinese(demo, tmp_path):
    """What edit, delete, undelete, snooze, merge, backup and date add say they did was
    English in a Chinese run."""
    said = [
        ok("--lang", "zh", "edit", "1", "--birthday", "1990-05-13"),
        ok("--lang", "zh", "edit", "1", "--birthday", "1990-05-13"),
        ok("--lang", "zh", "delete", "3"),
        ok("--lang", "zh", "undelete", "3"),
        ok("--lang", "zh", "task", "snooze", "3", "+3d"),
        ok("--lang", "zh", "merge", "1", "8", "--yes"),
        ok("--lang", "zh", "backup", str(tmp_path / "copy.db")),
        ok("--lang", "zh", "date", "add", "2", "签约", "2020-01-01"),
    ]
    text = "".join(said)
    assert not ENGLISH_WORDS.search(text), text
    for words in ("已更新客户 1，生日 1990-05-13（周日）。", "没有改动", "已归档客户 3：",
                  "已恢复客户 3：", "已把任务 3 推迟到 2026-11-25（周三）。", "（#8）合并到 #1：",
                  "完整性正常", "（已是过去，不会再提醒；如需每年提醒，"):  # fmt: skip
        assert words in text, (words, text)


def test_questions_speak_chinese(db_path, monkeypatch):
    """`... already has ... Add anyway?`, `Restore anyway?` and `Undo it?` were English."""
    from tests.test_customers import _at_a_terminal

    ok("add", "Ann Lee", "--email", "ann@example.com")
    _at_a_terminal(monkeypatch, "stdin", "stderr")
    said = crm("--lang", "zh", "add", "Annie", "--email", "ann@example.com", input="n\n")
    assert said.stderr.startswith("Ann Lee（#1）已有 ann@example.com。仍然新增吗？[y/N]："), said
    ok("delete", "1")
    ok("add", "Annie", "--email", "ann@example.com")
    said = crm("--lang", "zh", "undelete", "1", input="n\n")
    assert "Annie（#2）已有 ann@example.com。仍然恢复吗？[y/N]：" in said.stderr, said
    said = crm("--lang", "zh", "undo", input="n\n")
    assert "撤销吗？[y/N]：" in said.stderr and not re.search("Undo it", said.stderr), said


def test_an_import_summary_speaks_chinese(db_path, tmp_path):
    """`Imported customers: 1 inserted, ...` and `Ignored columns: ...` were English."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("姓名,手机,杂项\n王芳,+8613800138000,x\n", encoding="utf-8")
    said = crm("--lang", "zh", "import", "customers", str(contacts))
    assert said.exit_code == 0, said
    assert "已导入客户：新增 1，更新 0，未变 0，拒绝 0（1 行）。" in said.stderr, said.stderr
    assert "已忽略的列：杂项（可用 --map 列名=字段 映射" in said.stderr, said.stderr
    assert not re.search(r"Imported|Ignored|inserted|rows?\b", said.stderr), said.stderr
    english = crm("import", "customers", str(contacts), "--dry-run", "--key", "phone")
    assert "Dry run, nothing written: customers would be 0 inserted, " in english.stderr, english


def test_a_refused_import_says_why_in_chinese(db_path, tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("姓名,手机\n王芳,13800138000\n", encoding="utf-8")
    stderr = fails(2, "--lang", "zh", "import", "customers", str(contacts))
    assert stderr.startswith("crm: 1 行中有 1 行无效；未导入任何内容"), stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("task", "add", "1", "x", "--due", "bogus"), "crm: 不是日期：“bogus”；日期可写成 "),
        (("task", "add", "1", "x", "--due", "5"), "crm: 不是日期：“5”；5 天前请写 -5d；日期可写成"),
        (("buy", "1", "x", "abc"), "crm: 不是金额：“abc”；请写成 1299、1,299.50"),
        (("add", "Y", "--email", "ab.com"), "crm: 邮箱“ab.com”无效：邮箱地址必须含有 @。\n"),
        (
            ("config", "set", "money", "bogus"),
            "crm: money 必须是普通（plain）或万（wan）；收到的是“bogus”\n",
        ),
        (
            ("care", "festival", "add", "X", "--date", "13-01"),
            "crm: --date “13-01”不是任何一年的月日",
        ),
        (("care", "festival", "add", " ", "--date", "12-01"), "crm: 节日名称不能为空\n"),
        (
            ("list", "--limit", "9" * 25),
            f"crm: “--limit”要填 0 到 9223372036854775807 之间的整数，不能是“{'9' * 25}”\n",
        ),
        (("task", "add", "1", "x", "--due", "1/5"), "crm: 日期“1/5”有歧义：是1月5日还是5月1日？"),
        (
            ("add", "Z", "--birthday", "1/5"),
            "crm: 日期“1/5”有歧义：是1月5日还是5月1日？请写上年份",
        ),
        (
            ("list", "--lifecycle", "bogus"),
            "crm: 未知生命周期阶段“bogus”；请用以下之一：新客户（new）",
        ),
        (("task", "done", "abc"), "crm: 不是任务编号：“abc”\n"),
        (("purchase", "delete", "abc", "--yes"), "crm: 不是购买记录编号：“abc”\n"),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, tuple) else "",
)
def test_errors_speak_chinese_whole(db_path, args, expected):
    """Hints kept in constants, email-validator's reasons and the names of values were
    English inside Chinese errors; a Chinese value sits in its sentence without spaces."""
    ok("add", "Ann")
    stderr = fails(2, "--lang", "zh", *args)
    assert stderr.startswith(expected), stderr
    assert not re.search(
        r"\b(use a day|write it like|must have|must be plain|any year|or|write|task|lifecycle)\b",
        stderr,
    )


def test_references_that_fail_are_counted_in_chinese(db_path):
    ok("add", "Ann")
    stderr = fails(3, "--lang", "zh", "tag", "vip", "nobody", "Ann", "nemo")
    assert stderr.splitlines()[0] == "crm: 3 个引用中有 2 个失败；未做任何修改", stderr
    assert ok("list", "--tag", "vip", "-q") == ""
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"crm:|nobody|nemo", "", stderr))


def test_a_number_too_large_is_refused_in_one_line_without_python_words(db_path):
    for lang in ("en", "zh"):
        stderr = fails(2, "--lang", lang, "list", "--limit", "9" * 25)
        assert stderr.count("\n") == 1 and "Python" not in stderr, stderr


def test_a_chinese_value_sits_in_its_sentence_without_spaces(db_path):
    """A template spaces a value off as English does (`与 {customer}（#{id}）`); beside
    Chinese text a Chinese value goes without them, and a value keeps its own spaces."""
    ok("add", "张伟")
    ok("add", "腾讯科技 南京")
    assert ok("--lang", "zh", "log", "call", "张伟", "x").startswith("已记录与张伟（#1）的电话 1")
    assert ok("--lang", "zh", "log", "call", "2", "x").startswith("已记录与腾讯科技 南京（#2）")
    assert ok("log", "call", "张伟", "x").startswith("Logged call 3 with 张伟 (#1)")


def test_festival_list_on_a_terminal_names_calendars_and_festivals_in_chinese(db_path):
    """Calendars read `gregorian`, `lunar`, `solar term`, and a festival's name was headed
    姓名 (a person's name); JSON keeps solar_term and name."""
    code, lines = on_screen("care", "festival", "list", columns=120, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0, lines
    text = "\n".join(lines)
    assert "节日名称" in text and "姓名" not in text, lines
    assert re.search(r"清明节 .*│ 节气 ", text) and "│ 农历 " in text and "│ 公历 " in text, lines
    assert not re.search(r"gregorian|lunar|solar", text), lines
    data = json.loads(ok("--lang", "zh", "care", "festival", "list", "--format", "json"))
    assert {"solar_term", "lunar", "gregorian"} == {r["calendar"] for r in data}
    assert "name" in data[0] and "festival_name" not in data[0]


def test_report_totals_charts_and_footers_speak_chinese_on_a_terminal(demo):
    """`total`, `(none)`, the `Chart` header and the hidden-columns footer were English."""
    env = {"LANG": "zh_CN.UTF-8"}
    code, lines = on_screen("report", "sales", columns=160, env=env)
    assert code == 0 and any(line.startswith("合计 ") for line in lines), lines
    code, lines = on_screen("report", "sales", "--by", "customer", columns=60, env=env)
    text = "\n".join(lines)
    assert code == 0 and re.search(r"隐藏了 \d+ 列：.*图表.*；\n?请用", text), lines
    code, lines = on_screen("dashboard", columns=120, env=env)
    text = "\n".join(lines)
    assert code == 0 and "┃ 图表" in text and "（无）" in text, lines
    assert not re.search(r"\btotal\b|\(none\)|Chart|hidden|wider terminal", text), lines


def test_config_list_describes_settings_in_chinese_and_json_keeps_english(db_path):
    code, lines = on_screen("config", "list", columns=160, env={"LANG": "zh_CN.UTF-8"})
    text = "\n".join(lines)
    assert code == 0 and "按条件修改的客户数超过此数时先询问" in text and "│ 默认" in text, lines
    assert not re.search(r"ask before|funnel stages|│ default", text), lines
    data = json.loads(ok("--lang", "zh", "config", "list", "--format", "json"))
    confirm = next(r for r in data if r["key"] == "bulk.confirm")
    assert confirm["description"].startswith("ask before") and confirm["source"] == "default"


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("give --year or --within, not both", "--year 和 --within 只能指定其中一个"),
        ("Action", "操作"),
    ],
)
def test_chosen_words(msgid, msgstr):
    assert _po().get(msgid).string == msgstr


def test_tag_and_feedback_confirmations_speak_chinese(db_path):
    ok("add", "张伟")
    ok("tag", "vip", "1")
    ok("feedback", "add", "张伟", "太慢了")
    said = [
        ok("--lang", "zh", "tag", "rename", "vip", "贵宾"),
        ok("--lang", "zh", "tag", "贵宾", "1", "--dry-run"),
        ok("--lang", "zh", "feedback", "resolve", "1"),
        ok("--lang", "zh", "feedback", "resolve", "1"),
        ok("--lang", "zh", "feedback", "reopen", "1"),
    ]
    text = "".join(said)
    assert "已把标签“vip”改名为“贵宾”（1 位客户）。" in text and "已重新打开反馈 1。" in text, text
    assert "将给 0 位客户打上标签“贵宾”。其中 1 位本来就有。" in text, text
    assert not re.search(r"Renamed|Would|already had|Resolved|Reopened|customer", text), text


def test_a_folder_others_can_write_is_refused_in_chinese_whole(tmp_path):
    """The refusal of a database in a folder others can write was half Chinese."""
    open_folder = tmp_path / "shared"
    open_folder.mkdir()
    open_folder.chmod(0o777)
    stderr = fails(2, "--lang", "zh", "--db", str(open_folder / "x.db"), "list")
    assert "可被同组或其他用户写入（权限 0777）" in stderr and "执行 chmod go-w" in stderr, stderr
    assert not re.search(r"writable|could replace|move the database", stderr), stderr


@pytest.mark.parametrize("encoding", ["big5", "latin-1"])
def test_output_is_utf8_whatever_the_locale_encoding(db_path, encoding):
    """A Big5 or Latin-1 locale made Python write in an encoding that cannot hold 张伟 or
    Simplified Chinese: crm list failed with an internal error."""
    import subprocess
    import sys

    ok("add", "张伟")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "CRM_DB": str(db_path)}
    run = [sys.executable, "-m", "crmcli"]
    listed = subprocess.run([*run, "list"], env=env, capture_output=True)
    assert listed.returncode == 0 and "张伟" in listed.stdout.decode("utf-8")
    shown = subprocess.run([*run, "--lang", "zh", "show", "nobody"], env=env, capture_output=True)
    assert (shown.returncode, shown.stderr.decode("utf-8")) == (
        3,
        "crm: 没有匹配“nobody”的客户\n",
    )


# `python -m crmcli` from the package on PYTHONPATH, before an editable install's finder
# (which maps `crmcli` to the checkout whatever the path says).
FROM_COPY = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path if 'Editable' not in getattr(f, '__name__', '')]; "
    "sys.argv[0] = 'crm'; runpy.run_module('crmcli', run_name='__main__')"
)


def test_a_catalog_added_under_locale_is_spoken_without_a_change_to_the_code(tmp_path, db_path):
    """A translator's new language: `crmcli/locale/LL/LC_MESSAGES/crm.mo` and nothing else.
    `--lang LL`, an LL locale and `LANGUAGE` then speak it (a copy of the package, so the
    installed one is left as it is)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    import crmcli

    copy = tmp_path / "pkg"
    shutil.copytree(Path(crmcli.__file__).parent, copy / "crmcli",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    catalog = Catalog(locale="fr")
    catalog.add("no customer matches {ref!r}", "aucun client ne correspond à {ref!r}")
    folder = copy / "crmcli" / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "crm.mo").open("wb") as file:
        write_mo(file, catalog)
    ok("add", "Anna")

    def said(*args: str, **env: str) -> str:
        environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(copy),
                   "CRM_DB": str(db_path), **env}  # fmt: skip
        run = subprocess.run([sys.executable, "-c", FROM_COPY, *args, "show", "nobody"],
                             env=environ, cwd=tmp_path, capture_output=True, text=True,
                             check=False)  # fmt: skip
        assert run.returncode == 3, run
        return run.stderr

    french = "crm: aucun client ne correspond à “nobody”\n"
    assert said("--lang", "fr") == french
    assert said(LANG="fr_FR.UTF-8") == french
    assert said(LANG="de_DE.UTF-8", LANGUAGE="fr:de") == french
    assert said(LANG="de_DE.UTF-8") == "crm: no customer matches 'nobody'\n"  # no catalog: English
    assert said(LANG="zh_CN.UTF-8") == "crm: 没有匹配“nobody”的客户\n"
