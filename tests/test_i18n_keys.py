"""Keys a Chinese terminal used to show where a word belongs: the command of a change, a
payment, a saved filter, a field crm named, the RFM segment `other`, a lunar date, and
the descriptions zsh shows beside completed values. Each is said in Chinese on a Chinese
terminal; JSON, CSV and English keep the keys, and what a terminal shows can be typed back.
"""

import json
import re
import shlex

from tests.conftest import add, fails, ok, rows
from tests.test_completion import shell
from tests.test_i18n_tables import ZH, table
from tests.test_terminal import on_screen


def test_the_history_says_which_command_made_a_change(db_path):
    add("张伟")
    ok("edit", "张伟", "--city", "上海")
    ok("buy", "张伟", "茶叶", "100")
    ok("undo", "--yes")
    code, lines = on_screen("history", columns=120, env=ZH)
    assert code == 0, lines
    heads, rows, _ = table(lines, "时间")
    said = list(dict.fromkeys(row[heads.index("命令")] for row in rows))
    assert said == ["撤销", "记录购买（已撤销）", "修改客户", "新增客户"], rows
    assert "命令" in ok("--lang", "zh", "history").splitlines()[0]
    assert "修改客户" in ok("--lang", "zh", "history")  # a plain table in Chinese too
    kept = list(
        dict.fromkeys(
            r["command"] for r in json.loads(ok("--lang", "zh", "history", "--format", "json"))
        )
    )
    assert kept == ["undo", "buy (undone)", "edit", "add"]
    _code, lines = on_screen("history", columns=120, env={"LANG": "en_US.UTF-8"})
    heads, rows, _ = table(lines, "At")
    assert list(dict.fromkeys(row[heads.index("Command")] for row in rows)) == [
        "undo",
        "buy (undone)",
        "edit",
        "add",
    ]


def test_payments_are_said_in_words_and_read_back_in_them(db_path):
    add("张伟")
    ok("buy", "张伟", "茶叶", "100", "--payment", "alipay")
    ok("buy", "张伟", "茶叶", "100", "--payment", "现金")  # the word a table shows
    ok("buy", "张伟", "茶叶", "100", "--payment", "微信支付")
    ok("buy", "张伟", "茶叶", "100", "--payment", "银行卡")
    ok("buy", "张伟", "茶叶", "100", "--payment", "信用卡")  # another way to say it
    ok("buy", "张伟", "茶叶", "100", "--payment", "月结")  # no word of crm's: as typed
    stored = json.loads(ok("purchases", "--fields", "payment", "--format", "json"))
    assert [r["payment"] for r in stored] == ["alipay", "cash", "wechat", "card", "card", "月结"]
    _code, lines = on_screen("purchases", "--fields", "id,payment", columns=80, env=ZH)
    heads, rows, _ = table(lines, "编号")
    assert heads == ["编号", "支付方式"], heads
    assert [row[1] for row in rows] == ["支付宝", "现金", "微信支付", "银行卡", "银行卡", "月结"]
    csv = ok("--lang", "zh", "purchases", "--fields", "payment", "--format", "csv")
    assert csv.splitlines() == ["payment", "alipay", "cash", "wechat", "card", "card", "月结"]
    english = ok("purchases", "--fields", "payment").split()[2:]
    assert english == ["alipay", "cash", "wechat", "card", "card", "月结"]
    ok("purchase", "edit", "2", "--payment", "支付宝")
    history = ok("--lang", "zh", "history", "--limit", "1", "--format", "table")
    assert "支付方式：现金 → 支付宝" in history, history


def test_saved_filters_are_said_in_words_that_select_the_same_customers(db_path):
    for name, city, stage in (
        ("张伟", "上海", "loyal"),
        ("王芳", "上海", "lead"),
        ("李娜", "北京", "loyal"),
    ):
        add(name, "--city", city)
        ok("stage", name, stage)
    ok("buy", "张伟", "茶叶", "3000", "--at", "2026-10-01")
    ok("segment", "save", "上海老客", "--stage", "loyal", "--where", "revenue_12m >= 1000")
    ok("segment", "save", "上海线索", "--where", "stage = lead", "--city", "上海")
    said = ok("--lang", "zh", "rule", "add", "沉睡", "--lifecycle", "lapsed")
    assert said == "已新增规则 1：符合 --lifecycle '已沉睡' 时打上标签“沉睡”\n", said
    ok("care", "rule", "add", "春节", "拜年电话", "--stage", "loyal")
    _code, lines = on_screen("segment", "list", columns=160, env=ZH)
    heads, rows, _ = table(lines, "分组")
    shown = {row[0]: row[heads.index("筛选条件")] for row in rows}
    assert shown == {
        "上海老客": "--where '12个月收入 >= 1000' --stage '忠实客户'",
        "上海线索": "--where '阶段 = 线索' --city '上海'",
    }, shown
    for name, options in shown.items():  # typed back, they select what the segment does
        assert ok("list", *shlex.split(options), "-q") == ok("list", "--segment", name, "-q")
    assert ok("list", "--segment", "上海老客", "-q").split() == ["1"]
    ok("segment", "save", "loyal", "--city", "北京")  # a name the user gave, not crm's word
    ok("rule", "add", "北京", "--segment", "loyal", "--frequency-tier", "high")
    _code, lines = on_screen("rule", "list", columns=120, env=ZH)
    heads, rows, _ = table(lines, "编号")
    assert [row[heads.index("筛选条件")] for row in rows] == [
        "--lifecycle '已沉睡'",
        "--frequency-tier '高' --segment loyal",
    ], rows
    _code, lines = on_screen("care", "rule", "list", columns=120, env=ZH)
    heads, rows, _ = table(lines, "编号")
    assert [row[heads.index("选择条件")] for row in rows] == ["--stage '忠实客户'"], rows
    saved = json.loads(ok("--lang", "zh", "segment", "list", "--format", "json"))
    assert [s["filter"] for s in saved] == [
        "--city '北京'",
        "--where 'stage = lead' --city '上海'",
        "--where 'revenue_12m >= 1000' --stage loyal",
    ]
    assert "--lifecycle lapsed" in ok("rule", "list")  # English keeps the keys
    said = ok("segment", "save", "lapsed", "--lifecycle", "lapsed")
    assert said == "Added segment lapsed: --lifecycle lapsed\n", said
    change = ok("--lang", "zh", "history", "--limit", "5", "--format", "table")
    assert "选择条件：--stage '忠实客户'" in change, change  # a care rule's
    assert "--frequency-tier '高' --segment loyal" in change, change


def test_a_saved_filter_says_crms_words_under_each_operator_that_compares_them(db_path):
    """`!=` and `==` as `=` say a stage's word; a field with no word of its own in Chinese
    (abc's header is ABC) keeps its key; English says every key as stored (`at_risk`, not
    its English words)."""
    ok("segment", "save", "s1", "--where", "stage != lead", "--where", "abc = A")
    said = ok("segment", "save", "s2", "--where", "stage == customer", "--lifecycle", "at_risk")
    assert said == "Added segment s2: --where 'stage == customer' --lifecycle at_risk\n", said
    plain = ok("--lang", "zh", "segment", "list", "--format", "table").splitlines()
    assert [re.split(" {2,}", line)[:2] for line in plain[2:]] == [
        ["s1", "--where '阶段 != 线索' --where 'abc = A'"],
        ["s2", "--where '阶段 == 成交客户' --lifecycle '流失风险'"],
    ], plain
    english = ok("segment", "list", "--format", "table").splitlines()
    assert [re.split(" {2,}", line)[:2] for line in english[2:]] == [
        ["s1", "--where 'stage != lead' --where 'abc = A'"],
        ["s2", "--where 'stage == customer' --lifecycle at_risk"],
    ], english


def test_a_search_hit_names_a_field_crm_named_by_its_label(db_path):
    add("张伟", "--field", "wechat_nickname=小蓝鲸", "--field", "会员卡=金卡888")
    _code, lines = on_screen("search", "小蓝鲸", columns=120, env=ZH)
    heads, rows, _ = table(lines, "来源")
    assert [row[heads.index("字段")] for row in rows] == ["微信昵称"], rows
    _code, lines = on_screen("search", "金卡888", columns=120, env=ZH)
    heads, rows, _ = table(lines, "来源")
    assert [row[heads.index("字段")] for row in rows] == ["会员卡"], rows  # the user's own name
    (hit,) = json.loads(ok("--lang", "zh", "search", "小蓝鲸", "--format", "json"))
    assert hit["field"] == "wechat_nickname"


def test_the_fields_an_error_lists_are_named_in_chinese_first_on_one_line(db_path):
    add("张伟", "--field", "wechat=zw_88", "--field", "会员卡=金卡")
    said = fails(2, "--lang", "zh", "list", "--where", "籍贯 = 上海", db=db_path)
    assert said.startswith("crm: --where 中的字段“籍贯”未知；已知字段：编号（id）、姓名（name）、")
    assert "、ABC分类（abc）、" in said and "、微信（wechat）、会员卡\n" in said
    assert said.count("\n") == 1
    assert ok("list", "--where", "ABC分类 = C", "-q") == ok("list", "--where", "abc = C", "-q")
    said = fails(2, "list", "--where", "籍贯 = 上海", db=db_path)
    assert ", abc, frequency_tier, " in said and ", wechat, 会员卡\n" in said


def test_the_rfm_segment_other_is_glossed(db_path):
    said = fails(2, "--lang", "zh", "report", "rfm", "--customers", "nobody")
    assert said.rstrip("\n").endswith("、休眠客户（hibernating）、其他（other）"), said
    assert (
        fails(2, "report", "rfm", "--customers", "nobody").rstrip().endswith(", hibernating, other")
    )


def test_a_lunar_date_in_the_date_list_is_said_in_chinese(db_path):
    add("张伟")
    ok("date", "add", "张伟", "生日", "lunar:1990-08-15", "--yearly")
    _code, lines = on_screen("date", "list", columns=120, env=ZH)
    heads, rows, _ = table(lines, "编号")
    assert rows[0][heads.index("日期")] == "1990-10-03（农历 1990-08-15）", rows
    english = ok("date", "list")
    assert "1990-10-03 (lunar 1990-08-15)" in english
    (row,) = json.loads(ok("--lang", "zh", "date", "list", "--format", "json"))
    assert (row["date_on"], row["date_lunar"]) == ("1990-10-03", "1990-08-15")


def test_a_where_without_a_value_is_shown_how_with_the_chinese_header(db_path):
    said = fails(2, "--lang", "zh", "list", "--where", "城市 =")
    assert said.rstrip("\n").endswith('例如 "城市 = 上海"'), said
    ok("list", "--where", "城市 = 上海")  # as the hint says it


def test_zsh_describes_completed_values_in_chinese(db_path, monkeypatch):
    ok("config", "set", "stages", "lead,prospect,洽谈,customer,loyal,lost")
    add("张伟", "--city", "上海")
    add("王芳")
    ok("stage", "张伟", "customer")
    ok("stage", "王芳", "洽谈")  # a stage the user named
    ok("tag", "vip", "张伟")
    ok("segment", "save", "上海客户", "--city", "上海")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    def offered(line: str) -> dict[str, str]:
        return dict(found.split("\t", 1) for found in shell("zsh", line).splitlines())

    assert offered("crm stage 张伟 ") == {"customer": "成交客户", "洽谈": "阶段"}
    assert offered("crm list --tag ") == {"vip": "标签"}
    assert offered("crm list --segment ") == {"上海客户": "分组"}
    assert offered("crm list --where ci") == {"city": "城市"}
    assert offered("crm list --sort -cr") == {"-created_at": "降序"}
    assert offered("crm list --where city=") == {"city=上海": "城市"}
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert offered("crm stage 张伟 ") == {"customer": "stage", "洽谈": "stage"}
    assert offered("crm list --where ci") == {"city": "field"}


def test_chinese_help_shows_inputs_a_chinese_user_types_and_they_work(db_path):
    from babel.messages.pofile import read_po

    from tests.catalog import LOCALE

    with open(LOCALE / "zh" / "LC_MESSAGES" / "crm.po", "rb") as file:
        said = "\n".join(str(m.string) for m in read_po(file) if m.id)
    for english in (
        "'yesterday 3pm'",
        "或 yesterday",
        "tomorrow、+3d",
        "mid-autumn",
        "high、medium",
        "cash、card",
        "-created_at",
        "crm log call",
        "city = ",
        "fri:",
        "call、email",
        "wechat、sms",
        "wechat、phone",
    ):
        assert english not in said, english
    for chinese in (
        "“昨天下午3点”",
        "高、中或低",
        "现金、银行卡",
        "--sort -创建时间",
        '"城市 = 上海"',
    ):
        assert chinese in said, chinese
    add("张伟", "--city", "上海")
    ok("log", "电话", "张伟", "已回电", "--at", "昨天下午3点")
    ok("log", "电话", "张伟", "询价", "--at", "11月5日 14:30", "--follow-up", "周五:发报价")
    ok("buy", "张伟", "茶叶", "10", "--payment", "现金", "--at", "昨天")
    assert ok("list", "--where", "城市 = 上海", "--sort", "-创建时间", "-q").split() == ["1"]
    assert ok("list", "--frequency-tier", "低", "-q").split() == ["1"]
    ok("care", "--holiday", "重阳")
    ok("care", "--holiday", "全部")
    ok("task", "add", "张伟", "回访", "--due", "1月5日")
    ok("task", "snooze", "1", "明天")
    ok("log", "电话", "张伟", "已回电", "--channel", "短信")
    ok("edit", "张伟", "--preferred-channel", "微信")
    assert sorted(ok("interactions", "--kind", "电话", "-q").split()) == ["1", "2", "3"]
    # what was typed in Chinese is stored as the keys a script reads
    assert rows(db_path, "SELECT kind, channel FROM interactions ORDER BY id") == [
        ("call", None),
        ("call", None),
        ("call", "sms"),
    ]
    assert rows(db_path, "SELECT preferred_channel FROM customers") == [("wechat",)]
    assert rows(db_path, "SELECT payment FROM purchases") == [("cash",)]
    assert rows(db_path, "SELECT text, due_on FROM tasks ORDER BY id") == [
        ("发报价", "2026-11-23"),
        ("回访", "2027-01-05"),  # snoozed to 明天
    ]
