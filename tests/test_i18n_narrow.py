"""What a Chinese tester met on a terminal: the churn backtest's shares said as percentages
(its table and chart as its summary), and the columns a narrow terminal keeps (`crm remind`
at 60 columns keeps the phone and what a date is, `crm dedupe` the id `crm merge` takes,
`crm report rfm` at 80 its R and F); English, JSON and CSV keep what they had."""

import json
import re
from datetime import date
from gettext import GNUTranslations
from itertools import pairwise

from crmcli.cli.helpformat import wrap
from crmcli.core import i18n
from crmcli.reports.backtest import _why
from tests.conftest import crm, fails, ok
from tests.test_backtest import CHURN_LINES, insert
from tests.test_i18n import MO
from tests.test_i18n_tables import ZH, table
from tests.test_terminal import on_screen, width

CHURN = ("report", "churn", "--backtest", "2026-09-30")


def test_the_churn_backtest_says_its_shares_as_percentages_in_chinese(db_path):
    insert(db_path, CHURN_LINES, currency="CNY")
    code, lines = on_screen(*CHURN, columns=100, env=ZH)
    assert code == 0, lines
    said = "\n".join(lines)
    assert "精确率 66.7%（" in said and "召回率 66.7%（" in said, said  # no space before %
    heads, rows, rest = table(lines, "重复")
    assert heads[-2:] == ["精确率%", "召回率%"], heads
    assert [(r[0], r[-2], r[-1]) for r in rows] == [("0", "50.0", "50.0"), ("2", "100.0", "100.0")]
    heads, _, _ = table(rest, "重复购买")
    assert heads[2] == "占比%", heads
    # group 0: 2 of 3 bought nothing, 2 of 3 flagged; group 2: 1 of 2 each
    shares = [
        line.split("│")[2].strip() for line in rest if "│ 未再购买" in line or "│ 被标记" in line
    ]
    assert shares == ["66.7", "66.7", "50.0", "50.0"], rest
    # lifecycle's "Share" is a percentage too, under the same header
    code, lines = on_screen("report", "lifecycle", columns=100, env=ZH)
    heads, rows, _ = table(lines, "生命周期 ")
    assert heads[2] == "占比%" and sum(float(r[2]) for r in rows) > 99, lines
    code, lines = on_screen(*CHURN, columns=100, env={"LANG": "en_US.UTF-8"})
    said = "\n".join(lines)
    assert "Precision 66.7 % (" in said, said
    heads, rows, _ = table(lines, "Repeats")
    assert heads[-2:] == ["Precision", "Recall"] and rows[0][-2:] == ["0.5", "0.5"], lines
    found = json.loads(ok("--lang", "zh", *CHURN, "--format", "json"))
    assert found["precision"] == 0.667 and found["groups"][0]["precision"] == 0.5
    csv = ok("--lang", "zh", *CHURN, "--format", "csv").splitlines()
    assert csv[0].endswith("precision,recall") and csv[1].endswith(",0.5,0.5"), csv


def test_model_auto_says_its_misses_as_percentages_without_a_space_in_chinese():
    """`23.2%` and `MBG/NBD：23.2%` in Chinese; English (and JSON, in any language) keeps
    `23.2 %` and `MBG/NBD: 23.2 %`, as its pages write them (the whole command, which
    fits both models twice, in tests/test_backtest.py)."""
    tried = [{"model": "bgnbd", "group_error": 0.232}, {"model": "mbgnbd", "group_error": 0.2}]
    why = _why(tried, tried[1], date(2026, 6, 30))  # type: ignore[arg-type]
    english = "missed 20.0 % of the actual purchases in a backtest from 2026-06-30 (BG/NBD: 23.2 %)"
    token = i18n.use("zh")
    try:
        said = why.said()  # type: ignore[attr-defined]
        assert str(why).endswith(english), why  # what JSON carries
    finally:
        i18n.reset(token)
    assert said.startswith("自动选择模型：MBG/NBD，") and "相差 20.0%（BG/NBD：23.2%）" in said, (
        said
    )
    assert why.said() == str(why)  # type: ignore[attr-defined]


def test_remind_at_60_columns_keeps_the_phone_and_what_the_date_is(demo):
    """At 60 columns a birthday read `生日` / `（满 40 岁）` on two lines and a last contact
    `2026-09-21（…`: the day of a date (the title says by when) and a contact's state,
    channel and cadence give way, and what stays is whole, on one line."""
    code, lines = on_screen("remind", columns=60, env=ZH)
    assert code == 0, lines
    heads = _headers(lines)[0]
    assert heads == ["逾期 天数", "任务 编号", "客户", "电话", "内容"], heads
    _, rows, _ = table(lines, "逾期")
    assert all(r[3][:3].isdigit() or r[3].startswith("+") for r in rows), rows
    start = next(n for n, line in enumerate(lines) if line.startswith("截至 2026-11-29 的生日"))
    heads, rows, after = table(lines[start + 1 :], "客户")
    assert heads == ["客户", "电话", "事项"], heads
    body = [line.split("│") for line in lines[start + 3 : lines.index(after[0], start)]]
    whats = [cells[2].strip() for cells in body if cells[0].strip()]  # on the row's own line
    assert "续约截止 renewal deadline" in whats and "生日（满 40 岁）" in whats, whats
    assert "农历生日（满 46 岁）" in whats, whats
    assert after[0] == "隐藏了 1 列：日期；请用 --format csv 或更宽的终端查看", after
    start = next(n for n, line in enumerate(lines) if line.startswith("该联系的客户"))
    heads, rows, after = table(lines[start + 1 :], "客户")
    assert heads == ["客户", "电话", "上次联系"], heads
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d（\d+ 天前）", r[2]) for r in rows), rows
    assert after[:2] == ["隐藏了 3 列：状态、偏好渠道、联系周期；",
                         "请用 --format csv 或更宽的终端查看"], after  # fmt: skip
    wide = json.loads(ok("remind", "--format", "json"))
    assert {"due_on", "task_id"} <= set(wide["overdue_tasks"][0])  # JSON keeps them


def test_every_remind_table_at_60_columns_keeps_the_phone_and_what_is_due(demo):
    """Tasks due soon give up their repeat and then the phone, never their number (`crm
    task done N` takes it: without it a salesperson typed the customer's) nor their due
    date (English read no date at all); overdue tasks give up their due date and then the
    phone, never how late; late feedback when it came and how long it waited: in both
    languages. Every other table keeps the phone."""
    ok("feedback", "add", "2", "收到的茶叶包装破损，要求换货", "--severity", "high", "--at", "-9d")
    for env, phone, task, points in ((ZH, "电话", "任务 编号", {"内容", "事项", "原因", "摘要"}),
                                     ({"LANG": "en_US.UTF-8"}, "Phone", "Task ID",
                                      {"Text", "What", "Reason", "Summary"})):  # fmt: skip
        code, lines = on_screen("remind", columns=60, env=env)
        assert code == 0 and all(width(line) <= 60 for line in lines), lines
        heads = _headers(lines)
        assert len(heads) == 6 and all(phone in h for h in heads[2:]), heads
        assert all(points & set(h) for h in heads if h[0] not in ("客户", "Customer")), heads
        assert task in heads[0] and heads[1][1] == task, heads  # overdue and due soon
        assert heads[1][0] in ("到期日", "Due") and heads[0][0] in ("逾期 天数", "Days overdue")
    code, lines = on_screen("remind", columns=60, env=ZH)
    start = next(n for n, line in enumerate(lines) if line.startswith("截至"))
    footer = next(line for line in lines[start:] if line.startswith("隐藏了"))
    assert footer.startswith("隐藏了 2 列：重复、电话；"), footer
    heads = _headers(lines)[-1]
    start = next(n for n, line in enumerate(lines) if line.startswith("反馈 ┃"))
    _, rows, _ = table(lines[start + 1 :], "编号")  # below the header's second line
    assert heads == ["反馈 编号", "客户", "电话", "摘要"] and rows[0][0].isdigit(), heads
    late = json.loads(ok("remind", "--format", "json"))
    assert {"received_at", "hours_open", "kind"} <= set(late["late_feedback"][0])


def _headers(lines: list[str]) -> list[list[str]]:
    """Each table's headers, a header wrapped onto two lines read as one."""
    found = []
    for end in [n for n, line in enumerate(lines) if "╇" in line]:
        start = end
        while "┃" in lines[start - 1]:
            start -= 1
        parts = [[c.strip() for c in line.split("┃")] for line in lines[start:end]]
        found.append([" ".join(filter(None, words)) for words in zip(*parts, strict=True)])
    return found


def test_dedupe_at_60_columns_keeps_the_other_id_merge_takes(db_path):
    ok("add", "张伟", "--phone", "+8613851742606")
    ok("add", "张伟", "--phone", "+8613851742606", "--allow-duplicate")
    code, lines = on_screen("dedupe", columns=60, env=ZH)
    heads, rows, _ = table(lines, "编号")
    assert code == 0 and "另一位编号" in heads, lines
    assert rows[0][heads.index("另一位编号")] == "2", rows


def test_rfm_at_80_columns_keeps_mean_recency_and_frequency(demo):
    code, lines = on_screen("report", "rfm", columns=80, env=ZH)
    heads, rows, _ = table(lines, "细分")
    assert code == 0 and {"平均最近购买", "平均频次", "平均金额"} <= set(heads), lines
    assert "客户占比%" not in heads, heads  # the count beside it says it
    assert float(rows[0][heads.index("平均最近购买")]) > 0, rows  # 核心客户: bought lately


def test_chinese_choice_lists_put_the_word_first_and_by_says_the_helps_words(db_path):
    said = fails(2, "--lang", "zh", "report", "sales", "--by", "小时")
    assert (
        "可选值“天”（day）、“周”（week）、“月”（month）、“季度”（quarter）、“年”（year）、“品类”（category）"
        in said
    )
    helped = ok("--lang", "zh", "report", "sales", "--help")
    assert "天|周|月|季度|年|品类" in helped.replace(" ", ""), helped
    assert ok("--lang", "zh", "report", "sales", "--by", "天", "-f", "csv").startswith("day,")
    assert fails(2, "--lang", "zh", "search", "--in", "任务", "x") == (
        "crm: --in 必须是以下之一：客户（customers）、互动（interactions）、购买（purchases）、"
        "反馈（feedback）、all；收到的是“任务”\n"
    )
    helped = ok("--lang", "zh", "log", "--help").replace("\n", "").replace(" ", "")
    assert "电话（call）、邮件（email）、会面（meeting）" in helped, helped
    ok("add", "钱七")
    said = fails(2, "--lang", "zh", "stage", "钱七", "成")
    assert "线索（lead）、潜在客户（prospect）、成交客户（customer）" in said, said
    assert fails(2, "--lang", "en", "search", "--in", "tasks", "x").startswith(
        "crm: --in must be one of: customers, interactions, purchases, feedback, all (got 'tasks')"
    )


def test_a_phone_hit_reads_in_national_form_with_the_same_digits_marked(db_path):
    from crmcli.cli.cells import Marked
    from crmcli.cli.display import shown

    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13851742606")
    code, lines = on_screen("search", "138", columns=100, env=ZH)
    heads, rows, _ = table(lines, "来源")
    assert code == 0 and rows[0][heads.index("片段")] == "138 5174 2606", lines
    hit = json.loads(ok("search", "138", "-f", "json"))[0]
    assert (hit["snippet"], hit["highlights"]) == ("+8613851742606", [[3, 6]])  # E.164
    assert "+86[138]51742606" in ok("search", "138")  # a pipe keeps what it had
    said = shown(Marked("+8613851742606", ((6, 10),)), False, "CN")  # `5174`
    assert (said.text, said.spans) == ("138 5174 2606", ((4, 8),))
    said = shown(Marked("+8613851742606", ((1, 3), (3, 4))), False, "CN")  # 86 is not shown
    assert (said.text, said.spans) == ("138 5174 2606", ((0, 1),))
    said = shown(Marked("+33684245911", ((3, 5),)), False, "CN")  # another region's phone
    assert (said.text, said.spans) == ("+33 6 84 24 59 11", ((4, 7),))  # `6 8`
    assert shown(Marked("call +8613851742606", ((5, 8),)), False, "CN").text.startswith("call +86")


def test_history_at_80_columns_keeps_whom_an_entry_is_about_after_a_merge(db_path):
    """A merged-away customer reads `#2`, a whole id, which let the record (`customers
    (#1)`) stand for what an entry is about and the customer go first: the record and the
    operation go before it now, in both languages."""
    ok("add", "Anna Smith", "--notes", "Prefers morning calls about the new catalogue")
    ok("add", "Bo Li")
    ok("merge", "1", "2", "--yes")
    ok("care", "festival", "add", "Company anniversary", "--date", "06-01")
    for env, customer, record in (({"LANG": "en_US.UTF-8"}, "Customer", "Record"),
                                  (ZH, "客户", "记录")):  # fmt: skip
        code, lines = on_screen("history", columns=80, env=env)
        assert code == 0 and all(width(line) <= 80 for line in lines), lines
        heads = _headers(lines)[0]
        assert heads[:2] == [heads[0], customer] and record not in heads, heads
        assert any("Anna S" in line for line in lines), lines
    piped = ok("--lang", "en", "history", "--limit", "1").split()
    assert piped[:3] == ["changeset_id", "at", "command"], piped  # a pipe keeps every column


def test_no_chinese_line_parts_a_number_from_the_word_beside_it():
    """Every Chinese message with a number beside a character (`已沉默 {days} 天`, `农历
    {day}`, `{n}位`), its values numbers, wrapped so that a line would end just before the
    number or its unit: the line ends earlier, so `42` and `天` stay together (a break
    wider than a narrow cell, 20 columns, is left to the wrapper's last resort)."""
    with open(MO, "rb") as file:
        said = GNUTranslations(file)._catalog.values()  # type: ignore[attr-defined]
    joint = re.compile(r"[\u3400-\u9fff](?= ?\d)|[\d%](?= ?[\u3400-\u9fff])")
    parted, tried = [], 0
    for message in (s for s in said if isinstance(s, str)):
        for text in re.sub(r"\{[^{}]*\}", "42", message).split("\n"):
            for found in joint.finditer(text):
                room = width(text[: found.end()])  # a line that ends at the joint
                if room < 20:
                    continue
                tried += 1
                lines = wrap(text, room).split("\n")
                parted += [(text, lines) for a, b in pairwise(lines)
                           if re.fullmatch(r"[\u3400-\u9fff] ?\d|[\d%] ?[\u3400-\u9fff]",
                                           a[-1:] + b[:1])]  # fmt: skip
    assert tried > 400 and not parted, parted[:5]


def test_help_keeps_a_crontab_line_whole():
    for env in (ZH, {"LANG": "en_US.UTF-8"}):
        for columns in (40, 60):
            code, lines = on_screen("remind", "--help", columns=columns, env=env)
            assert code == 0 and any(
                line.strip().endswith("0 8 * * 1-5 crm remind") for line in lines
            ), lines


def test_a_repeated_header_is_said_as_chinese_counts_it_and_mapped_so(cn, tmp_path):
    """A sheet with two 电话 columns: the second reads `电话（第2个）` in Chinese (English
    keeps `电话 (2)`), and --map takes either."""
    sheet = tmp_path / "dup.csv"
    sheet.write_text("姓名,电话,电话,备注,备注\n王芳,13911115555,13911116666,老客户,二\n", "utf-8")
    said = crm("--lang", "zh", "import", "customers", str(sheet), "--dry-run").stderr
    assert said.startswith("已忽略的列：电话（第2个）、备注（第2个）（可用 --map"), said
    said = crm("--lang", "en", "import", "customers", str(sheet), "--dry-run").stderr
    assert said.startswith("Ignored columns: 电话 (2), 备注 (2) (map them"), said
    said = crm("--lang", "zh", "import", "customers", str(sheet),
               "--map", "电话（第2个）=field:备用电话", "--map", "备注 (2)=-").stderr  # fmt: skip
    assert "已忽略" not in said, said
    shown = json.loads(ok("show", "王芳", "--format", "json"))
    assert shown["fields"] == {"备用电话": "13911116666"}, shown


def test_merge_shows_both_customers_and_what_the_kept_one_gains_before_asking(cn):
    ok("add", "张伟", "--phone", "13800138000", "--email", "zw@example.com")
    ok("add", "张伟", "--phone", "13900139000", "--email", "zhang@example.com",
       "--allow-duplicate")  # fmt: skip
    ok("tag", "vip", "2")
    ok("buy", "2", "龙井茶", "1299.50")
    ok("task", "add", "2", "回访", "--due", "2026-11-25")
    code, lines = on_screen("merge", "1", "2", columns=120, env=ZH)  # answered: no
    assert code == 1 and lines[-4:] == [
        "保留张伟（#1）：138 0013 8000、zw@example.com",
        "并入后删除张伟（#2）：139 0013 9000、zhang@example.com",
        "张伟（#1）将得到：电话：139 0013 9000；邮箱：zhang@example.com；标签：vip；1 条购买记录；1 个任务",
        "把张伟（#2）合并到张伟（#1）并删除 #2？[y/N]：crm: 未确认；未做任何改动",
    ], lines
    code, lines = on_screen("merge", "2", "1", columns=120, env={"LANG": "en_US.UTF-8"})
    assert lines[-2] == "张伟 (#2) gains phones 138 0013 8000; emails zw@example.com", lines
    done = crm("merge", "1", "2", "--yes")  # a script is asked nothing, and shown nothing
    assert done.exit_code == 0 and "gains" not in done.stdout + done.stderr, done
    assert ok("list", "--tag", "vip", "-q").split() == ["1"]
