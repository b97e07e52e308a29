"""One thing, one word, on every screen of a Chinese run: a terminal table and the plain
table in a pipe (cron mail) say crm's own words (a tag gained, a survey's metric, the field
a search matched, a history row's columns and values) as the rest of the interface does;
English, JSON and CSV keep the keys, byte for byte."""

import json

from tests.conftest import add, buy_ago, crm, ok
from tests.test_i18n_vocabulary import cells
from tests.test_terminal import on_screen


def _headers(lines: list[str]) -> list[str]:
    """The headers of a drawn table (its first line with `┃`)."""
    line = next(line for line in lines if "┃" in line)
    return [c.strip() for c in line.split("┃")]


def _plain(text: str) -> list[list[str]]:
    """A plain table's header and rows, split on runs of two spaces."""
    import re

    lines = [line for line in text.splitlines() if line and not set(line) <= {"-", " "}]
    return [re.split(r"\s{2,}", line.strip()) for line in lines]


def test_classify_says_a_gained_and_a_lost_tag_in_words(db_path):
    add("张伟", "--city", "上海")
    ok("rule", "add", "本地", "--city", "上海")
    code, lines = on_screen("--lang", "zh", "classify", "--dry-run", columns=80)
    assert code == 0
    assert _headers(lines) == ["变化", "标签", "客户"]
    assert cells(lines) == [["获得", "本地", "张伟（#1）"]]
    (change,) = json.loads(ok("--lang", "zh", "classify", "--dry-run", "--format", "json"))
    assert change["change"] == "gained"
    assert _plain(ok("--lang", "zh", "classify")) == [
        ["变化", "标签", "客户"],
        ["获得", "本地", "张伟（#1）"],
    ]
    ok("edit", "1", "--city", "北京")
    code, lines = on_screen("--lang", "zh", "classify", columns=80)
    assert cells(lines) == [["失去", "本地", "张伟（#1）"]]
    ok("edit", "1", "--city", "上海")
    code, lines = on_screen("--lang", "en", "classify", "--dry-run", columns=80)
    assert _headers(lines) == ["Change", "Tag", "Customer"]
    assert cells(lines) == [["gained", "本地", "张伟 (#1)"]]
    assert ok("--lang", "en", "classify") == (
        "change  tag   customer\n------  ----  ---------\ngained  本地  张伟 (#1)\n"
    )


def test_a_cards_survey_scores_name_their_metric(db_path):
    add("张伟")
    ok("survey", "add", "张伟", "--nps", "9", "--csat", "5", "--at", "2026-11-20 10:00")
    code, lines = on_screen("--lang", "zh", "show", "张伟", columns=80)
    assert code == 0
    start = lines.index("最近调查分数")
    assert _headers(lines[start:]) == ["指标", "分数", "回答时间", "评语"]
    assert [row[0] for row in cells(lines[start:])][:2] == ["NPS", "CSAT"]
    assert not any("Metric" in line or "nps" in line for line in lines)
    code, lines = on_screen("--lang", "en", "show", "张伟", columns=80)
    start = lines.index("Last survey scores")
    assert _headers(lines[start:])[0] == "Metric"
    assert [row[0] for row in cells(lines[start:])][:2] == ["nps", "csat"]


def test_a_search_hit_on_a_names_pinyin_says_so(db_path):
    add("张伟")
    code, lines = on_screen("--lang", "zh", "search", "zhangwei", columns=100)
    assert code == 0
    assert cells(lines)[0][3] == "拼音"
    code, lines = on_screen("--lang", "en", "search", "zhangwei", columns=100)
    assert cells(lines)[0][3] == "pinyin"
    (hit,) = json.loads(ok("--lang", "zh", "search", "zhangwei", "--format", "json"))
    assert hit["field"] == "pinyin"


def test_every_field_a_search_can_show_has_a_word():
    from crmcli.core import i18n
    from crmcli.core.vocabulary import word

    fields = {
        "name", "phone", "email", "company", "title", "city", "region", "country", "address",
        "industry", "source", "notes", "outcome", "resolution", "item", "category", "note",
        "order_ref", "pinyin", "call", "meeting", "visit", "message", "complaint", "suggestion", "praise", "question",
    }  # fmt: skip
    token = i18n.use("zh")
    try:
        unsaid = [f for f in sorted(fields) if word("field", f) == f or word("field", f).isascii()]
    finally:
        i18n.reset(token)
    assert unsaid == []


def test_history_leaves_out_internal_columns_and_says_values(db_path):
    add("张伟", "--phone", "+8613800138000")
    ok("edit", "1", "--name", "李娜娜")
    ok("care", "festival", "add", "公司周年庆", "--lunar", "03-03")
    ok("segment", "add", "上海客户", "--city", "上海")
    code, lines = on_screen("--lang", "zh", "history", columns=200)
    assert code == 0
    changes = [(row[3], row[5]) for row in cells(lines)]
    said = " ".join(change for _, change in changes)
    assert "检索名" not in said and "name_key" not in said
    assert ("客户（#1）", "姓名：张伟 → 李娜娜") in changes
    (festival,) = [change for record, change in changes if record == "自定义节日（#1）"]
    assert "历法：农历；日期：三月初三" in festival, festival
    (segment,) = [change for record, change in changes if record == "分组（#1）"]
    assert "筛选条件：--city '上海'" in segment and "{" not in segment
    (phone,) = [change for record, change in changes if record == "客户电话（#1）"]
    assert "是否首选：是" in phone and "类型：普通号码" in phone
    english = ok("--lang", "en", "history", "--format", "json")
    said = {(r["table"], r["op"]): r["changes"] for r in json.loads(english)}
    assert said["customers", "update"] == "name: 张伟 → 李娜娜; name_key: 张伟 → 李娜娜"
    assert 'filter={"city": "上海"}' in said["segments", "insert"]
    assert "calendar=lunar" in said["custom_festivals", "insert"]
    code, lines = on_screen("--lang", "en", "history", "1", columns=200)
    assert "name: 张伟 → 李娜娜" in "\n".join(lines) and "name_key" not in "\n".join(lines)
    assert json.loads(ok("--lang", "zh", "history", "--format", "json")) == json.loads(english)
    ok("edit", "1", "--name", "王芳")
    shown = crm("--lang", "zh", "undo", input="n\n").stdout  # what it would undo, refused
    assert "姓名：王芳 → 李娜娜" in shown and "检索名" not in shown, shown
    shown = crm("--lang", "en", "undo", input="n\n").stdout
    assert "name: 王芳 → 李娜娜" in shown and "name_key" not in shown, shown


def test_a_lifecycle_reports_two_kinds_of_move_have_two_words(demo):
    code, lines = on_screen("--lang", "zh", "report", "lifecycle", columns=200)
    assert code == 0
    heads = [h for line in lines if "┃" in line for h in (c.strip() for c in line.split("┃"))]
    assert "变动人数" in heads and "推进人数" in heads
    assert "转化人数" not in heads
    code, lines = on_screen("--lang", "en", "report", "lifecycle", columns=200)
    heads = [h for line in lines if "┃" in line for h in (c.strip() for c in line.split("┃"))]
    assert heads.count("Moved") == 2


def test_a_saved_segment_and_an_rfm_segment_are_each_one_word(db_path):
    add("张伟")
    ok("segment", "add", "上海客户", "--city", "上海")
    code, lines = on_screen("--lang", "zh", "history", columns=200)
    assert code == 0
    assert [row[3] for row in cells(lines) if row[2] == "新增分组"] == ["分组（#1）"]
    error = crm("--lang", "zh", "report", "rfm", "--customers", "nosuch").stderr
    assert error.startswith("crm: 未知的 RFM 细分“nosuch”；可用细分：核心客户（champions）"), error
    assert "濒临流失（at risk）" in error and "新晋客户（new customers）" in error, error
    assert "分群" not in error


def test_a_festival_is_listed_by_what_one_types(db_path):
    code, lines = on_screen("--lang", "zh", "care", "festival", "list", columns=100)
    assert code == 0
    assert _headers(lines)[:2] == ["日期", "节日名称"]  # in Chinese its name, not its key
    assert cells(lines)[0][1] == "元旦"
    code, lines = on_screen("--lang", "en", "care", "festival", "list", columns=120)
    assert _headers(lines)[1] == "Festival"
    piped = _plain(ok("--lang", "zh", "care", "festival", "list"))
    assert piped[0][:2] == ["日期", "节日名称"]
    assert ok("--lang", "en", "care", "festival", "list").startswith(
        "falls_on    festival         name    english "
    )


def test_an_empty_rfm_segment_is_said_to_be_empty(db_path):
    add("张伟")
    buy_ago("张伟", "100", 3)
    said = ok("--lang", "zh", "report", "rfm", "--customers", "at risk")
    assert said == "截至 2026-11-22，RFM 细分“濒临流失”中没有客户。\n"
    said = ok("--lang", "en", "report", "rfm", "--customers", "at risk")
    assert said == "No customers in RFM segment at risk up to 2026-11-22.\n"
    assert ok(
        "--lang", "en", "report", "rfm", "--customers", "at risk", "--as-of", "2026-01-01"
    ) == ("No buyers up to 2026-01-01.\n")


def _reminded(db_path) -> None:
    add("张伟", "--phone", "+8613800138000", "--cadence", "3d", "--preferred-channel", "visit")
    ok("log", "visit", "张伟", "看样品", "--at", "2026-11-01 10:00")
    ok("task", "add", "张伟", "回电", "--due", "2026-11-20")
    ok("feedback", "add", "张伟", "茶凉了", "--kind", "complaint", "--severity", "high", "--at",
       "2026-11-18 10:00")  # fmt: skip


def test_a_piped_chinese_reminder_says_the_terminals_words(db_path):
    _reminded(db_path)
    text = ok("--lang", "zh", "remind")
    for english in ("due_on", "task_id", "overdue", "visit", "complaint", "(#1)"):
        assert english not in text, (english, text)
    table = _plain(text)
    assert ["到期日", "逾期天数", "任务编号", "客户", "电话", "内容"] in table, text
    assert ["2026-11-20", "2", "1", "张伟（#1）", "+8613800138000", "回电"] in table, text
    assert any("已逾期" in row and "拜访" in row for row in table), text
    assert "投诉" in text
    for args in (("today", "--format", "csv"), ("list", "--format", "tsv")):
        assert ok("--lang", "zh", *args) == ok("--lang", "en", *args)
    assert ok("--lang", "zh", "remind", "--format", "json") == ok(
        "--lang", "en", "remind", "--format", "json"
    )


def test_a_piped_english_table_keeps_its_keys(db_path):
    _reminded(db_path)
    text = ok("--lang", "en", "remind")
    assert "due_on      days_overdue  task_id  customer   phone           text\n" in text, text
    assert "2026-11-20  2             1        张伟 (#1)  +8613800138000  回电\n" in text, text
    assert "overdue" in text and "visit" in text
    listed = ok("--lang", "en", "list", "--fields", "id,name,stage")
    assert listed.splitlines()[0].split() == ["id", "name", "stage"]
    listed = ok("--lang", "zh", "list", "--fields", "id,name,stage")
    assert listed.splitlines()[0].split() == ["编号", "姓名", "阶段"]


def test_history_says_amounts_in_their_currency_and_leaves_out_what_crm_keeps(db_path):
    ok("add", "解缙")
    ok("buy", "解缙", "退货", "-500", "--at", "2026-11-20 15:00", "--force")
    changes = [row["changes"] for row in json.loads(ok("--lang", "zh", "history", "-f", "json"))]
    english = [row["changes"] for row in json.loads(ok("history", "-f", "json"))]
    assert changes == english  # JSON keeps the keys in data
    plain = ok("--lang", "zh", "history")
    line = next(line for line in plain.splitlines() if "退货" in line)
    assert "金额：-500.00 CNY" in line and "单价：500.00 CNY" in line, line
    assert "购买时间：2026-11-20 15:00" in line, line
    for internal in ("编号：", "客户编号：", "创建时间", "更新时间", "版本", "50000"):
        assert internal not in line, line
    added = next(line for line in ok("--lang", "zh", "history").splitlines() if "新增" in line)
    assert "检索名" not in added and "版本" not in added


def test_a_bulk_insert_in_a_piped_history_is_said_in_the_run_s_language(db_path, tmp_path):
    """The plain table cut each change to 70 characters, which kept only the English text of
    a bulk insert's summary (`2 rows (ids 1-2)` under Chinese)."""
    source = tmp_path / "c.csv"
    source.write_text("name,city\nA,上海\nB,北京\n", encoding="utf-8")
    ok("import", "customers", str(source), "-q")
    assert ok("--lang", "zh", "history").splitlines()[-1].endswith("批量新增  2 行（编号 1-2）")
    assert ok("history").splitlines()[-1].endswith("bulk_insert  2 rows (ids 1-2)")


def test_history_in_chinese_leaves_out_what_no_one_typed(db_path):
    """A change said in words names a tag by its name, and leaves out an email's
    case-folded key and when a tag was put on (the change's time says it), and a
    customer's update of its version alone, which its phones and emails beside it say
    (as an English table does); JSON keeps every row and column."""
    add("张伟", "--phone", "+8613800138000")
    ok("tag", "vip", "张伟")
    ok("edit", "张伟", "--email", "Zhang@Example.com", "--phone", "+8613900139000")
    plain = ok("--lang", "zh", "history")
    rows = [line.split() for line in plain.splitlines()[2:]]
    assert [row[2:4] for row in rows][:3] == [
        ["修改客户", "客户邮箱"],
        ["修改客户", "客户电话"],
        ["打标签", "客户标签"],
    ]  # fmt: skip: the phone kept is not recorded as deleted and added again
    assert "邮箱：Zhang@example.com；是否首选：是" in plain
    assert "客户标签  1         1         张伟  新增  标签：vip\n" in plain  # not its number
    for unsaid in ("版本", "邮箱键", "加标签时间", "version", "email_key", "tagged_at"):
        assert unsaid not in plain, unsaid
    preview = crm("--lang", "zh", "undo", input="n\n").stdout
    assert "版本" not in preview and "邮箱键" not in preview, preview
    (email,) = [line.split() for line in preview.splitlines() if "客户邮箱" in line]
    assert email == ["删除", "客户邮箱", "1", "1", "邮箱：Zhang@example.com；是否首选：是"]
    english = ok("--lang", "en", "history")  # the same rows: changes a person made
    assert "version: 1 → 2" not in english and len(english.splitlines()[2:]) == len(rows)
    kept = json.loads(ok("--lang", "zh", "history", "--format", "json"))
    assert next(r["changes"] for r in kept if r["table"] == "customers") == "version: 1 → 2"
    assert len(kept) == len(rows) + 1
    said = " ".join(r["changes"] for r in kept)
    assert "email_key=zhang@example.com" in said and "tagged_at=2026-11-22T10:00:00+08:00" in said
    assert "tag_id=1" in said


def test_a_changed_amount_is_said_as_money_in_english_too(db_path):
    """English `crm history` showed `amount_minor: 76800 → 9950`, the stored key and minor
    units: a person reads `amount: 768.00 CNY → 99.50 CNY`, in a plain
    table, on a terminal and in the `crm undo` preview; JSON keeps what is stored."""
    add("张伟")
    ok("buy", "张伟", "祁门红茶", "768", "--qty", "3")
    ok("purchase", "edit", "1", "--amount", "99.50")
    plain = ok("history", "--limit", "1")
    assert "unit price: 256.00 CNY → ∅; amount: 768.00 CNY → 99.50 CNY" in plain, plain
    assert "_minor" not in plain
    code, lines = on_screen("--lang", "en", "history", "--limit", "1", columns=200)
    assert code == 0 and "amount: 768.00 CNY → 99.50 CNY" in "\n".join(lines), lines
    preview = crm("undo", input="n\n").stdout
    assert "amount: 99.50 CNY → 768.00 CNY" in preview and "_minor" not in preview, preview
    chinese = ok("--lang", "zh", "history", "--limit", "1")
    assert "金额：768.00 CNY → 99.50 CNY" in chinese, chinese
    (row,) = json.loads(ok("history", "--limit", "1", "--format", "json"))
    assert row["changes"] == "unit_price_minor: 25600 → ∅; amount_minor: 76800 → 9950"
