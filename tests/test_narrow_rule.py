"""One rule for what gives way on a narrow terminal (docs/conventions.md, "On a terminal"): a
column that says nothing (empty on every row, a currency beside amounts with symbols) goes
first; what the table spares and what says less than a name (an email, a company, tags, a
stage, a rank) go before a name is cut, a name claims at most NAME_SHARE of the width, the
point of the table keeps a third (wrapped, up to PROSE_READ cells); a column left out
comes back where it fits. Each test is a fault seen at the width it names. Cells are cut between
grapheme clusters, and Chinese prose is not broken inside the words a salesperson writes."""

import io
import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.cli.cells import clusters
from crmcli.cli.cells import width as cells_width
from crmcli.cli.helpformat import SALES_WORDS
from crmcli.cli.terminal import NAME_SHARE, Screen, cut, draw
from crmcli.core import i18n
from tests.conftest import add, buy_ago, ok
from tests.test_terminal import on_screen, width

EN = {"LANG": "C.UTF-8"}
ZH = {"LANG": "zh_CN.UTF-8"}


def _drawn(rows, keys, columns, lang="en", **options):
    token = i18n.use(lang)
    try:
        out = io.StringIO()
        draw(rows, keys, out, Screen(columns, 40, False), **options)
    finally:
        i18n.reset(token)
    lines = out.getvalue().splitlines()
    assert all(width(line) <= columns for line in lines), lines
    return lines


def _heads(lines):
    return [h.strip() for h in next(line for line in lines if "┃" in line).split("┃")]


def _rule(lines):
    """The widths of the columns, read off the line under the headers (`━╇━` between)."""
    parts = next(line for line in lines if "╇" in line).split("╇")
    return [len(p) - (n > 0) - (n < len(parts) - 1) for n, p in enumerate(parts)]


_CHURN = ("customer", "currency", "stage", "last_purchase_on", "silent_days", "usual_gap_days",
          "p_alive", "at_stake", "reason")  # fmt: skip


def _churn_rows(count=5, name="彭丽"):
    return [
        {"customer": f"{name} (#{n})", "currency": "CNY", "stage": "at_risk",
         "last_purchase_on": "2026-10-26", "silent_days": 42, "usual_gap_days": 14.0,
         "p_alive": None, "at_stake": "CN¥20,864.35",
         "reason": "buys about every 14 days; silent for 42 days"}
        for n in range(280, 280 + count)
    ]  # fmt: skip


@pytest.mark.parametrize("columns", [80, 120])
def test_an_empty_column_goes_before_the_reason_is_wrapped(columns):
    """`crm report churn --rhythm` at 80 and 120 columns showed an empty P alive (and the
    currency each amount says) and wrapped the reason in 18 and 26 cells."""
    from crmcli.cli.value import CHURN_SPARED

    lines = _drawn(_churn_rows(), _CHURN, columns, first_out=CHURN_SPARED)
    heads = _heads(lines)
    assert "P" not in heads and "Currency" not in heads, lines[:3]
    # on two lines at most, as wide as that needs (it had 18 and 26 cells)
    assert heads[-1] == "Reason" and _rule(lines)[-1] >= 25, lines[:4]
    assert not any(line.startswith(" ") and "days" in line and "14" in line for line in lines)
    # and the footer does not name them: they hold nothing the rows do not say
    footer = " ".join(line for line in lines if not line.startswith(("│", " ")))
    assert "P alive" not in footer and "Currency" not in footer, lines


def test_an_empty_column_still_shows_where_everything_fits():
    lines = _drawn(_churn_rows(2), _CHURN, 250)
    assert "P alive" in lines[0], lines[0]


def _customers(long: str) -> None:
    ok("add", "周欣秀", "--city", "北京", "--company", "海尔智家", "--email", "user1@example.org",
       "--phone", "+8613379553028")  # fmt: skip
    ok("add", "James Lefèvre", "--city", "Paris", "--company", "小米科技",
       "--email", "user2@example.com", "--phone", "+33684245911")  # fmt: skip
    ok("add", long, "--city", "London", "--company", "Acme Holdings International",
       "--email", "max@example.com", "--phone", "+442079460958")  # fmt: skip
    for ref, stage in (("1", "customer"), ("2", "prospect"), ("3", "lead")):
        ok("edit", ref, "--stage", stage)
    ok("tag", "big-spender", "1", "2")
    ok("tag", "vip", "1", "2", "3")
    ok("tag", "wholesale-north-china", "1")


@pytest.mark.parametrize(
    ("env", "heads"),
    [(EN, ["ID", "Name", "City", "Phone", "Email", "Stage"]),
     (ZH, ["编号", "姓名", "城市", "电话", "邮箱", "阶段"])],
)  # fmt: skip
def test_a_list_at_120_columns_keeps_the_stage_and_shows_whole_what_gives_way(db_path, env, heads):
    """`crm list` at 120 columns with one long name hid Tags (in Chinese Tags and Stage)
    and kept Email and Company: what a narrow list keeps is name, city, phone and stage
    (docs/conventions.md), and an email and a company go before tags do; but tags that
    would show cut (`big-spender, vip, wholes…`) give their place to an email whole."""
    _customers("Maximilian Alexander Fitzgerald-Montgomery Worthington III")
    code, lines = on_screen("list", columns=120, env=env)
    assert code == 0 and all(width(line) <= 120 for line in lines), lines
    assert _heads(lines) == heads, lines[:2]
    name = _rule(lines)[1]
    assert name >= 120 * NAME_SHARE // 100, lines[:2]  # the name gets its claim at least
    body = [line for line in lines if "│" in line]
    assert "user1@example.org" in body[0] and "…" not in body[0], body


def test_due_for_contact_cuts_names_to_show_the_last_contact():
    """`crm remind`'s customers due for contact (English) hid the last contact, what says
    why a customer is due, where names cut to their least (`David… (#195)`) left it room;
    where even that is not enough (60 columns: 14 cells of name, 16 of phone, 25 of last
    contact), what the table spares shows in the room left rather than nothing (`4 columns
    hidden`, the channel main showed)."""
    rows = [
        {"customer": name, "phone": phone, "last_contact": last, "cadence": "14 days (tag vip)",
         "state": "overdue", "preferred_channel": channel}
        for name, phone, last, channel in (
            ("胡桂娟 (#141)", "197 2800 9063", "2025-12-18 (354 days ago)", "visit"),
            ("David Johnson (#195)", "+81 90-7204-9504", "2026-05-03 (218 days ago)", "phone"),
        )
    ]  # fmt: skip
    keys = ("customer", "phone", "last_contact", "cadence", "state", "preferred_channel")
    spared = ("state", "preferred_channel", "cadence")
    for columns in range(62, 78, 2):
        lines = _drawn(rows, keys, columns, first_out=spared)
        assert _heads(lines)[:3] == ["Customer", "Phone", "Last contact"], (columns, lines[:3])
        assert "2026-05-03 (218 days ago)" in " ".join(lines), (columns, lines)
    lines = _drawn(rows, keys, 62, first_out=spared)
    assert "… (#195)" in " ".join(lines), lines  # cut, to its least at most
    heads = _heads(_drawn(rows, keys, 60, first_out=spared))
    assert heads[:2] == ["Customer", "Phone"] and len(heads) == 3, heads


def test_today_at_80_columns_leaves_out_its_rank_before_a_name_is_cut():
    """`crm today` at 80 columns kept its rank and cut names (`Stark In… (#280)`): the rank
    says what the rows' order says; at 120 columns it hid the rank to give the reason 43
    cells where it read as well in 35. Where the rank shows, the names are whole; a name
    is cut only where whole it would cost the reasons more than NAME_LINES lines for each
    name it shows whole."""
    rows = [
        {"rank": n, "customer": name, "phone": "157 1183 7008",
         "last_contact": "2026-11-17 (5 days ago)",
         "why": "task #35 overdue 5 days: 回访满意度; churn risk: buys about every 24 days"}
        for n, name in enumerate(("Stark Industries 广州 (#280)", "Ben Tanaka (#143)"), 1)
    ]  # fmt: skip
    keys = ("rank", "customer", "phone", "last_contact", "why")
    for columns in (76, 80, 84):  # the rank shows only beside whole names
        lines = _drawn(rows, keys, columns, first_out=("rank",))
        heads = _heads(lines)
        assert "Customer" in heads[:2] and heads[-1] == "Why", lines[:3]
        whole = "Stark Industries 广州 (#280)" in " ".join(lines)
        assert whole or "Rank" not in heads, lines
        # cut, it saves each reason a line (a third, beside a name cut to a quarter)
        assert whole or len([line for line in lines if "│" in line]) == 4, lines
        assert _rule(lines)[heads.index("Customer")] >= columns // 4, lines[:3]
        assert _rule(lines)[-1] >= min(columns // 3, 30), lines[:3]
    # and at 120 columns beside the last contact: the reason reads as well in 30 cells as
    # in 40 (it hid the rank for 8 more)
    lines = _drawn(rows, keys, 120, first_out=("rank",))
    assert _heads(lines) == ["Rank", "Customer", "Phone", "Last contact", "Why"], lines[:3]


def test_a_care_list_at_120_columns_gives_the_care_its_room_beside_a_long_name():
    """`crm care --year 2027` at 120 columns gave a name 67 cells and the care 24."""
    rows = [
        {"falls_on": "2027-09-15", "festival_name": "中秋节", "customer": name, "phone": phone,
         "care": "月饼礼盒 mooncake gift box; 节日问候 festival greeting; 电话回访 call them"}
        for name, phone in (
            ("Bartholomew Maximilian Fitzgerald-Montgomery Worthington-Smythe of "
             "Kensington and Chelsea (#302)", "+44 20 7946 0959"),
            ("刘轩磊 (#21)", "130 7731 3270"),
        )
    ]  # fmt: skip
    keys = ("falls_on", "festival_name", "customer", "phone", "care")
    lines = _drawn(rows * 3, keys, 120, first_out=("phone",))
    widths = dict(zip(_heads(lines), _rule(lines), strict=True))
    assert widths["Customer"] <= 120 * NAME_SHARE // 100, lines[:3]
    assert widths["Care"] >= 32 and not any("…" in line.split("│")[-1] for line in lines)


_PIECES = ["a", "王", "👨", "\u200d", "👩", "👧", "e", "\u0301", "🇨", "🇳", "🏽", " ", "\ufe0f"]


@given(st.lists(st.sampled_from(_PIECES), max_size=20), st.integers(min_value=1, max_value=30))
def test_a_cut_never_parts_a_grapheme_cluster(pieces, room):
    text = "".join(pieces)
    shown = cut(text, room)
    assert cells_width(shown) <= max(room, 1) or shown == "…"
    kept = shown.removesuffix("…")
    if shown != text:
        parts = clusters(text)
        joined = ""
        for part in parts:  # what is kept is whole clusters from the start
            if joined == kept.rstrip() or len(joined) >= len(kept):
                break
            joined += part
        # a joiner left at the end, with nothing after it to join, is dropped (`cut`)
        whole = re.sub(r"[\s\u200d]+$", "", joined)
        assert kept.rstrip() == whole or kept == "", (text, shown)
        assert not kept.endswith("\u200d"), (text, shown)


def test_a_name_is_cut_between_emoji_not_inside_a_family(db_path):
    """A name was cut inside a ZWJ sequence (`👨‍…`, a man left of a family)."""
    ok("add", "👨‍👩‍👧 王家小卖部 Family Store", "--phone", "+8613912345678", "--city", "北京")
    for columns in range(30, 45):
        _code, lines = on_screen("list", columns=columns, env=EN)
        row = next(line for line in lines if "│" in line)
        assert "\u200d…" not in row and not re.search("[👨👩]…", row), (columns, row)
    assert cut("👨‍👩‍👧 王家", 7) == "👨‍👩‍👧 王家"
    assert cut("👨‍👩‍👧 王家", 6) == "👨‍👩‍👧 王…"
    assert cut("👨‍👩‍👧 王家", 4) == "👨‍👩‍👧…"


def test_an_emoji_sequence_takes_the_two_columns_a_terminal_draws():
    """`👨‍👩‍👧` (three emoji joined) and `👍🏽` (a skin tone) are drawn as one emoji in
    two columns: measured as five or four, a row with one was cut early and misaligned."""
    assert cells_width("👨‍👩‍👧") == 2
    assert cells_width("李👍🏽娜🇨🇳王") == 2 * 5
    assert cells_width("a\u200db") == 2  # a joiner between letters joins nothing wide
    assert cells_width("Zoë Café") == 8


_SAID = ("下周再回访一次客户，确认报价", "只买过一次，163 天前（周期按 90 天计）",
         "电话沟通，确认第二季度合同续签事宜", "客户生日前一周跟进订单",
         "跟进报价和样品试用情况", "顺便问下尾款")  # fmt: skip


@pytest.mark.parametrize("text", _SAID)
def test_chinese_prose_is_not_broken_inside_a_sales_word(text):
    """`再回` / `访`, `（周` / `期按 90 天计）`, `确认第二季度合` / `同续签事宜`: the words a
    salesperson writes (`回访`, `周期`, `合同`) stay on one line where a line has room."""
    from crmcli.cli.terminal import _lines

    token = i18n.use("zh")
    try:
        for room in range(8, 30):
            lines = _lines(text, room)
            assert "".join(lines).replace(" ", "") == text.replace(" ", ""), lines
            for before, after in itertools.pairwise(lines):
                pair = before[-1:] + after[:1]
                assert not any(pair in word for word in SALES_WORDS), (room, lines)
    finally:
        i18n.reset(token)


# What a table keeps (`kept`): never left out to show more of a name, which is cut instead.


def test_history_at_80_columns_shows_whom_and_the_change_beside_a_change_read_as_an_email():
    """`crm history` at 80 columns in Chinese, a customer with a long name and a long email
    changed, showed its time column alone: the change (`邮箱：bartholomew…@…`) was kept
    whole as an email, wider than the terminal, and kept all else out."""
    rows = [
        {"at": "2026-11-22 01:00", "customer": f"{name}（#{n}）", "command": "修改客户",
         "record": f"客户（#{n}）", "op": "修改", "changes": change}
        for n, name, change in (
            (301, "Bartholomew Maximilian Fitzgerald-Montgomery Worthington-Smythe",
             "邮箱：bartholomew.fitzgerald-montgomery@acme-holdings.co.uk"),
            (302, "内蒙古伊利实业集团股份有限公司呼和浩特分公司采购部王经理",
             "姓名：黄燕 → 内蒙古伊利实业集团股份有限公司呼和浩特分公司采购部王经理"),
        )
    ]  # fmt: skip
    keys = ("at", "customer", "command", "record", "op", "changes")
    for columns in (60, 80, 120):
        lines = _drawn(rows, keys, columns, "zh", first_out=("op", "record"))
        heads = _heads(lines)
        assert heads[0] == "时间" and heads[-1] == "改动" and "客户" in heads, (columns, lines)
        text = "".join(line.split("│")[-1].strip() for line in lines[2:])
        assert "bartholomew.fitzgerald-montgomery@acme-holdings.co.uk" in text, lines


def _care_rows(name: str) -> list[dict]:
    return [
        {"falls_on": "2027-09-15", "festival_name": "中秋节", "customer": f"{who} (#{n})",
         "phone": phone, "care": "节日问候 festival greeting"}
        for n, who, phone in ((302, name, "+44 20 7946 0959"), (21, "刘轩磊", "130 7731 3270"))
    ]  # fmt: skip


@pytest.mark.parametrize("columns", [80, 120])
def test_a_care_list_keeps_the_phone_and_cuts_a_long_name(columns):
    """`crm care` dropped the phone to show one name of 46 cells whole: the phone of a list
    of whom to greet is what the table keeps; the name past its share is cut."""
    name = "Bartholomew Maximilian Fitzgerald-Montgomery"  # 46 cells with its id
    keys = ("falls_on", "festival_name", "customer", "phone", "care")
    lines = _drawn(_care_rows(name), keys, columns, first_out=("phone",), kept=("phone",))
    heads = _heads(lines)
    assert "Phone" in heads, lines[:3]
    assert "+44 20 7946 0959" in lines[2] and "130 7731 3270" in " ".join(lines[3:]), lines
    name = _rule(lines)[heads.index("Customer")]
    assert name <= columns * NAME_SHARE // 100 or "…" not in lines[2], lines[:3]


def test_a_care_list_too_narrow_for_the_phone_still_leaves_it_out_first():
    keys = ("falls_on", "festival_name", "customer", "phone", "care")
    rows = _care_rows("Bartholomew Maximilian Fitzgerald-Montgomery")
    heads = _heads(_drawn(rows, keys, 50, first_out=("phone",), kept=("phone",)))
    assert "Phone" not in heads and heads[-1] == "Care", heads


def test_overdue_tasks_keep_the_phone_beside_a_long_name():
    """`crm remind`'s tasks dropped the phone for a long name: a name is cut, the phone of
    a task to call about stays."""
    rows = [
        {"due_on": "2026-11-17", "days_overdue": 5, "task_id": n, "customer": f"{who} (#{n})",
         "phone": phone, "text": "回访满意度"}
        for n, who, phone in (
            (36, "François Novák-Fitzgerald Montgomery", "+33 6 70 51 22 61"),
            (20, "胡桂娟", "197 2800 9063"),
        )
    ]  # fmt: skip
    keys = ("due_on", "days_overdue", "task_id", "customer", "phone", "text")
    lines = _drawn(rows, keys, 80, first_out=("due_on", "phone"), kept=("phone",))
    assert "Phone" in _heads(lines), lines[:3]
    assert "+33 6 70 51 22 61" in " ".join(lines), lines
    for columns in range(64, 92, 4):  # the name is cut, the phone stays
        lines = _drawn(rows, keys, columns, first_out=("due_on", "phone"), kept=("phone",))
        assert "Phone" in _heads(lines) and "… (#36)" in " ".join(lines), (columns, lines[:4])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_birthdays_keep_their_day_beside_a_long_name(lang):
    """`crm remind`'s birthdays and dates at 80 columns left out their day to show
    `小米科技 London 分公司 (#9)` whole: the day is what the section keeps where it fits."""
    rows = [
        {"falls_on": day, "customer": f"{who} (#{n})", "phone": phone, "what": what}
        for day, n, who, phone, what in (
            ("2026-11-23", 9, "小米科技 London 分公司采购部 Procurement", "+44 7911 102985",
             "birthday (turns 40)"),
            ("2026-11-25", 21, "刘轩磊", "130 7731 3270", "birthday"),
        )
    ]  # fmt: skip
    keys = ("falls_on", "customer", "phone", "what")
    lines = _drawn(rows, keys, 80, lang, first_out=("falls_on",), kept=("falls_on",))
    heads = _heads(lines)
    assert heads[0] in ("Date", "日期"), lines[:3]
    assert lines[2].startswith("2026-11-23") and "+44 7911 102985" in lines[2], lines
    assert "…" in lines[2].split("│")[1], lines  # the name is cut


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_purchases_keep_category_and_quantity_beside_a_long_name(lang):
    """`crm purchases` at 80 columns left out Quantity and Category to widen names: the
    table keeps them where they fit (a narrower terminal leaves them out first)."""
    rows = [
        {"id": n, "date": "2024-12-15", "customer_name": who, "item": item, "category": "红茶",
         "quantity": 3, "amount": "CN¥768.00"}
        for n, who, item in (
            (1310, "Stark Industries 广州 Procurement", "祁门红茶 200g"),
            (158, "朱燕", "青瓷盖碗 tea set for six"),
        )
    ]  # fmt: skip
    keys = ("id", "date", "customer_name", "item", "category", "quantity", "amount")
    spared = ("category", "quantity")
    heads = _heads(_drawn(rows, keys, 80, lang, first_out=spared, kept=spared))
    assert len(heads) == 7, heads
    heads = _heads(_drawn(rows, keys, 56, lang, first_out=spared, kept=spared))
    assert heads[3:] in (["Item", "Amount"], ["产品", "金额"]), heads


@pytest.mark.parametrize(("env", "heads"), [(EN, ("Company", "Tags")), (ZH, ("公司", "标签"))])
def test_a_list_leaves_out_a_cut_company_before_its_tags(db_path, env, heads):
    """`crm list` at 120 columns cut a long company (`Acme Hold…`) and left out the tags for
    it: a company says less than tags (docs/conventions.md: an email, a company, then
    tags), so it goes first, and comes back only where it fits beside them."""
    ok("add", "周欣秀", "--city", "北京", "--company", "海尔智家", "--phone", "+8613379553028")
    ok("add", "Maximilian Alexander Fitzgerald-Montgomery", "--city", "London",
       "--company", "Acme Holdings International Trading Company Limited",
       "--email", "max@example.com", "--phone", "+442079460958")  # fmt: skip
    ok("add", "James Lefèvre", "--city", "Paris", "--phone", "+33684245911")
    ok("tag", "big-spender", "1", "2")
    ok("tag", "wholesale-north-china", "1", "3")
    for columns in (100, 120):
        code, lines = on_screen("list", columns=columns, env=env)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        shown = _heads(lines)
        assert heads[1] in shown or heads[0] not in shown, (columns, lines[:3])


def test_due_for_contact_at_80_columns_shows_the_channel_that_fits_beside_no_cadence():
    """Among what a table spares, one that fits comes back beside one that does not (`crm
    remind` at 80 columns in Chinese showed the preferred channel where the cadence had no
    room, as main did)."""
    rows = [
        {"customer": name, "phone": phone, "last_contact": last, "cadence": cadence,
         "state": "overdue", "preferred_channel": channel}
        for name, phone, last, cadence, channel in (
            ("陈宇鑫（#205）", "137 6756 8676", "2026-04-03（233 天前）", "90 天（默认）", "微信"),
            ("余然（#82）", "139 1775 2821", "从未", "14 天（标签 wholesale）", "电话"),
        )
    ]  # fmt: skip
    keys = ("customer", "phone", "last_contact", "cadence", "state", "preferred_channel")
    spared = ("state", "preferred_channel", "cadence")
    heads = _heads(_drawn(rows, keys, 80, "zh", first_out=spared))
    assert heads[:3] == ["客户", "电话", "上次联系"], heads
    assert "偏好渠道" in heads and "联系周期" not in heads, heads
    for columns in range(56, 80):  # the last contact shows wherever it fits
        heads = _heads(_drawn(rows, keys, columns, "zh", first_out=spared))
        assert heads[:3] == ["客户", "电话", "上次联系"], (columns, heads)


def _interactions(names):
    return [
        {"id": 730 + n, "occurred_at": "2026-12-07 06:26", "customer_name": name,
         "kind": "call", "direction": "out" if n % 2 else "in",
         "outcome": "interested" if n % 2 else "no answer",
         "summary": f"Long note about {name}: asked for a quote on the blue model"}
        for n, name in enumerate(names)
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_interactions_at_120_columns_keep_direction_and_outcome_beside_a_long_name(lang):
    """`crm interactions` at 120 columns hid the direction and the outcome for 48 cells of
    a name of 57: what the table spares goes for a name only where the name then shows
    whole; one longer than its share is cut beside them."""
    rows = _interactions(("Zhang Wei from Shenzhen Huaqiang North Electronics Market",
                          "Christopher Bartholomew Fitzgerald-Montgomery Jr", "周欣秀"))  # fmt: skip
    keys = ("id", "occurred_at", "customer_name", "kind", "direction", "outcome", "summary")
    spared = ("direction", "outcome")
    lines = _drawn(rows, keys, 120, lang, first_out=spared)
    assert len(_heads(lines)) == 7, lines[:3]
    assert not any("hidden" in line or "隐藏" in line for line in lines), lines


def test_rfm_in_chinese_at_60_columns_keeps_the_frequency_after_the_shares():
    """`--lang zh report rfm` at 60 columns hid 平均频次 to show `有潜力的新客` whole: the
    shares and the chart go, R or F stays (docs/reports.md), the segment is cut."""
    rows = [
        {"segment": segment, "currency": "CNY", "customers": count, "customer_share": 12.5,
         "revenue": revenue, "revenue_share": 30.1, "mean_recency": 41.2,
         "mean_frequency": 9.65, "mean_monetary": average}
        for segment, count, revenue, average in (
            ("核心客户", 23, "¥466,496.95", "¥20,282.48"),
            ("有潜力的新客", 8, "¥15,808.50", "¥1,976.06"),
            ("重要挽留客户", 9, "US$16,231.63", "US$2,318.80"),
        )
    ]  # fmt: skip
    keys = ("segment", "currency", "customers", "customer_share", "revenue", "revenue_share",
            "mean_recency", "mean_frequency", "mean_monetary")  # fmt: skip
    spared = ("\0bars", "customer_share", "revenue_share")
    heads = _heads(_drawn(rows, keys, 60, "zh", first_out=spared))
    assert heads[0] == "细分" and "平均频次" in heads, heads


@pytest.mark.parametrize("env", [EN, ZH])
def test_history_keeps_whom_and_the_change_beside_a_change_that_starts_as_an_email(db_path, env):
    """`crm history` with a customer added with a 90-character email hid Changes at 60 and 80
    columns (the email that starts a change was kept whole, wider than the terminal) and
    the customer at 120: the operation and the record go first, the change and whom it is
    about stay."""
    email = "very.long.email.address.number6@subdomain.example-company-with-long-name.com.cn"
    for n, name in enumerate(("Zhang Wei from Shenzhen Huaqiang North Electronics Market",
                              "Christopher Bartholomew Fitzgerald-Montgomery Jr")):  # fmt: skip
        ok("add", name, "--email", email.replace("6", str(n)), "--phone", f"+861380013801{n}")
        ok("tag", "vip", name)
    change, whom = ("Changes", "Customer") if env is EN else ("改动", "客户")
    for columns in (60, 80, 120):
        code, lines = on_screen("history", "--limit", "30", columns=columns, env=env)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        heads = _heads(lines)
        assert change in heads and whom in heads, (columns, lines[:3])
        assert "very.long" in " ".join(lines), lines


def test_a_task_list_and_interactions_in_chinese_at_60_columns_keep_status_and_kind(db_path):
    """`--lang zh task list` at 60 columns hid 状态 and `--lang zh interactions` 类型 for two
    and four cells of text: the text gives up room for what the table keeps (a task's
    status, an interaction's kind), as it does for a number one types."""
    for n, name in enumerate(("欧阳娜娜", "James Lefèvre", "周欣秀")):
        ok("add", name, "--phone", f"+861380013801{n}")
        ok("task", "add", name, "回访满意度，确认下一季度的订货会时间和报价", "--due", "2026-11-20")
        ok("log", "call", name, "询问蓝色款的报价和交货期，答应下周一之前回复")
    for args, kept in ((("task", "list"), "状态"), (("interactions",), "类型")):
        code, lines = on_screen(*args, columns=60, env=ZH)
        assert code == 0 and all(width(line) <= 60 for line in lines), lines
        heads = _heads(lines)
        assert kept in heads and heads[-1] in ("内容", "摘要"), (args, lines[:3])


@pytest.mark.parametrize("env", [EN, ZH])
def test_a_list_at_120_columns_does_not_cut_a_company_and_the_tags_beside_it(db_path, env):
    """`crm list` at 120 columns beside long names cut the company (`腾讯科技（深…`) and
    the tags for it (`vip, 批发, 订…`): a company comes back only where no text, tags too,
    is cut further for it."""
    for n, name in enumerate(("欧阳娜娜北京国际贸易有限责任公司采购部总经理特别助理王小明同志",
                              "Maximilian Alexander von Habsburg-Lothringen-Württemberg III",
                              "周欣秀")):  # fmt: skip
        ok("add", name, "--phone", f"+861380013801{n}", "--city", "乌鲁木齐",
           "--company", f"腾讯科技（深圳）有限公司南京分公司华东区大客户销售部{n}")  # fmt: skip
        ok("tag", "vip", name)
        ok("tag", "订货会老客户", name)
        ok("tag", f"long-tag-{n}", name)
    company, tags = ("Company", "Tags") if env is EN else ("公司", "标签")
    code, lines = on_screen("list", columns=120, env=env)
    assert code == 0 and all(width(line) <= 120 for line in lines), lines
    heads = _heads(lines)
    assert tags in heads, lines[:3]
    column = heads.index(tags)
    cells = [line.split("│")[column].strip() for line in lines if "│" in line]
    assert company not in heads or not any(c.endswith("…") for c in cells), lines


def test_search_at_60_columns_says_what_matched():
    """`crm search Zhang` at 60 columns hid Field beside a hidden Snippet: nothing said what
    matched (the pinyin of 张洋): the snippet had no room, and the field stayed out for it."""
    from crmcli.cli.search import TABLE_COLUMNS

    rows = [
        {"source": "customer", "id": n, "customer_name": name, "field": "pinyin",
         "snippet": f"{pinyin} zy", "at": "2026-06-26 14:57"}
        for n, name, pinyin in ((214, "张洋", "zhangyang"), (219, "张萍子", "zhangpingzi"))
    ]  # fmt: skip
    lines = _drawn(rows, TABLE_COLUMNS, 60, vocabulary={"source": "hit_source"})
    assert "Field" in _heads(lines), lines[:3]


def test_show_at_60_columns_keeps_how_an_interaction_went():
    """`crm show` at 60 columns left out an interaction's outcome (`interested`) and kept
    its direction (`out`): the section spares the direction first and keeps the outcome,
    the summary wrapping on one more line for it."""
    ok("add", "周欣秀", "--phone", "+8613800138010")
    for kind, text, direction, outcome in (
        ("call", "Checked in after delivery", "out", None),
        ("meeting", "年度回顾会议", "in", "sent quote"),
        ("email", "Sent the catalogue", "out", "interested"),
        ("call", "Discussed the renewal", "out", "no answer"),
    ):
        ok("log", kind, "周欣秀", text, "--direction", direction,
           *(("--outcome", outcome) if outcome else ()))  # fmt: skip
    code, lines = on_screen("show", "1", columns=60, env=EN)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    heads = _heads([line for line in lines if "Occurred" in line])
    assert "Outcome" in heads and heads[-1] == "Summary", lines
    assert "interested" in " ".join(lines), lines


@pytest.mark.parametrize("env", [EN, ZH])
def test_interactions_at_80_columns_keep_how_each_went(db_path, env):
    """`crm interactions` at 80 columns hid the outcome (`sent quote`), which main showed, to
    show `京东商城 New York` whole: the list keeps the kind and how it went, as `crm show`
    does, and spares the direction; the name is cut and the summary wraps for them."""
    for n, (name, text, outcome) in enumerate((
        ("京东商城 New York", "Sent photos of the new model", "sent quote"),
        ("Ursula Dubois", "价格敏感，下次先谈服务", "interested"),
        ("宋刚", "Visited the factory", "order placed"),
    )):  # fmt: skip
        ok("add", name, "--phone", f"+861380013801{n}")
        ok("log", "visit", name, text, "--outcome", outcome)
    kind, outcome = ("Kind", "Outcome") if env is EN else ("类型", "结果")
    code, lines = on_screen("interactions", columns=80, env=env)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads = _heads(lines)
    assert kind in heads and outcome in heads and heads[-1] in ("Summary", "摘要"), lines[:3]
    assert "order placed" in " ".join(lines) or "已下单" in " ".join(lines), lines
    # where even that leaves no room (60 columns), the outcome goes before the kind
    code, lines = on_screen("interactions", columns=60, env=env)
    heads = _heads(lines)
    assert kind in heads and outcome not in heads, lines[:3]


def test_tasks_due_soon_at_80_columns_show_names_whole_and_wrap_the_text():
    """English `crm remind`'s tasks due soon at 80 columns cut five names (`Ursula Mül…
    (#246)`) to keep one task's text on two lines: the names show whole, the text wraps
    onto a third line (it needs less than a third of the width)."""
    from crmcli.cli.reminders import _KEPT, _SPARED

    tasks = (
        ("董怡浩 (#126)", "130 6006 6895", "回访满意度"),
        ("Ursula Müller (#246)", "+44 7911 880576", "Book a demo"),
        ("Xavier Smith (#156)", "+81 90-1418-7062", "发送合同"),
        ("Isabel Novák (#211)", "+49 1513 0232380", "回访满意度"),
        ("Zoë Dubois (#120)", "+1 212-402-4877", "回访 call again after the last call"),
        ("David Johnson (#195)", "+81 90-7204-9504", "Book a demo"),
    )
    rows = [
        {"due_on": "2026-12-09", "task_id": n, "customer": who, "phone": phone, "text": text,
         "repeats": "every 1 month" if n % 2 else None}
        for n, (who, phone, text) in enumerate(tasks, 20)
    ]  # fmt: skip
    keys = ("due_on", "task_id", "customer", "phone", "text", "repeats")
    spared, kept = _SPARED["due_tasks"], _KEPT["due_tasks"]
    lines = _drawn(rows, keys, 80, first_out=spared, kept=kept)
    heads = _heads(lines)
    assert heads[2:5] == ["Customer", "Phone", "Text"], lines[:3]
    shown = " ".join(lines)
    assert all(who in shown for who, _phone, _text in tasks), lines
    start = next(n for n, line in enumerate(lines) if "Zoë Dubois" in line)
    row = [
        lines[start],
        *itertools.takewhile(lambda line: line.startswith(" "), lines[start + 1 :]),
    ]
    assert [line.split("│")[-1].strip() for line in row] == [
        "回访 call again",
        "after the last",
        "call",
    ], lines  # wrapped onto a third line, not cut


def test_today_at_80_columns_is_no_longer_than_with_its_rank():
    """`crm today` at 80 columns grew from 41 lines (main: the rank, names cut to `Ben
    Tana… (#143)`) to 52 (no rank, every name whole, the reasons in 30 cells): the rank
    goes and the name takes its room, a name more whole only for no more than NAME_LINES
    lines more of the reasons. Rows of the demo, which main drew in 30 lines."""
    people = (
        ("Ben Tanaka (#143)", "+1 212-216-2342",
         "feedback #34 open 81 days (complaint, high): Charged twice for one order"),
        ("田鑫 (#300)", "159 2023 3959", "feedback #77 open 67 days (complaint, high): "
         "Charged twice for one order; task #39 overdue 2 days: Call back about the order"),
        ("罗桂芬 (#89)", "159 7821 9683", "task #9 overdue 5 days: 发送合同"),
        ("María O'Brien (#276)", "+81 90-8446-5777", "task #35 overdue 5 days: 回访满意度"),
        ("腾讯科技 上海 (#42)", "133 6228 7942", "task #4 overdue 4 days: Book a demo"),
        ("阿里巴巴 武汉 (#204)", "130 1908 7928",
         "task #25 overdue 3 days: Call back about the order"),
        ("Stark Industries 北京 (#244)", "180 8396 1577", "task #28 overdue 3 days: 回访满意度"),
        ("余丽桂 (#20)", "195 6178 6428", "task #1 overdue 1 day: Send the quote"),
        ("Tom Lefèvre (#148)", "+44 7911 809308", "task #19 overdue 1 day: 回访满意度"),
        ("Ursula Müller (#246)", "+44 7911 880576", "task #29 due today: Book a demo"),
        ("余然 (#82)", "139 1775 2821", "no contact for 170 days (cadence 14 days, tag vip); "
         "churn risk: bought twice, 128 days apart; silent for 213 days (no rhythm yet, 90 "
         "days assumed); bought CN¥4,852.00 net in their last year"),
        ("Acme Corp London (#74)", "+44 7911 297356",
         "no contact for 105 days (cadence 14 days, tag vip)"),
        ("杜彬 (#166)", "155 4127 4456", "no contact for 71 days (cadence 14 days, tag vip)"),
    )  # fmt: skip
    rows = [
        {"rank": n, "customer": who, "phone": phone, "last_contact": "2026-11-17 (5 days ago)",
         "why": why}
        for n, (who, phone, why) in enumerate(people, 1)
    ]  # fmt: skip
    keys = ("rank", "customer", "phone", "last_contact", "why")
    lines = _drawn(rows, keys, 80, first_out=("rank",))
    assert _heads(lines)[:2] == ["Customer", "Phone"], lines[:3]
    assert len(lines) <= 30, lines
    names = [line.split("│")[0].strip() for line in lines if "│" in line and line[0] != " "]
    assert sum("…" in name for name in names) <= 2, names  # main cut eight


_PROSE = st.lists(
    st.sampled_from(["回访", "满意度", "call", "again", "after the", "#39", "14 天", "（投诉，高）",
                     "：", "；", "，", "Charged", "twice", "¥4,852.00", "订单", "crm task done 3",
                     "--where '城市 = 上海'", "call,email,", "x" * 12, " "]),
    min_size=1, max_size=14,
).map("".join)  # fmt: skip


@given(_PROSE, st.integers(4, 40))
def test_prose_lines_are_counted_as_they_are_wrapped(text, room):
    """A table counts its prose's lines at many widths (`_trade`) on pieces parted once:
    the count is the number of lines the prose is drawn on."""
    from crmcli.cli.helpformat import lines, parts, whole, wrap

    counted = lines(parts(whole(text), ",;="), room)
    drawn = wrap(whole(text), room, breaks=",;=", phrases=True).split("\n")
    assert counted is None or counted == len(drawn), (counted, drawn)


def test_churn_by_rhythm_at_120_columns_keeps_silent_days_and_whole_numbers(demo):
    """`crm report churn --rhythm` at 120 columns hid Silent days to keep Usual gap days,
    which the reason says too (the table spares it first), and cut a reason inside a number
    (`silent for 11…` of 112 days): a cut ends before the number. At 200 columns the usual
    gap of a customer whose rhythm is assumed (`90 days assumed`) is empty, not 90.0."""
    import json

    for n, name in enumerate(("Christopher Fitzgerald-Worth", "Maximilian von Habsburg-L")):
        add(name, "--phone", f"+861391234567{n}")
        for days in (142, 127, 112):
            buy_ago(name, "20000", days)
    rows = json.loads(ok("report", "churn", "--rhythm", "--format", "json"))
    said = {r["customer_id"]: r["reason"] for r in rows}
    code, lines = on_screen("report", "churn", "--rhythm", columns=120, env=EN)
    assert code == 0 and all(width(line) <= 120 for line in lines), lines
    head = " ".join(line for line in lines[:4] if "┃" in line)
    assert "Silent" in head and "Lifecycle" in head, lines[:4]
    for line in lines:
        if "│" not in line or "…" not in line.split("│")[-1]:
            continue
        shown = line.split("│")[-1].strip()[:-1]
        reason = said[int(re.search(r"#(\d+)", line).group(1))]
        assert reason.startswith(shown), (shown, reason)
        rest = reason[len(shown) :]
        assert not (shown[-1:].isdigit() and rest[:1].isdigit()), (shown, reason)
    code, lines = on_screen("report", "churn", "--rhythm", columns=200, env=EN)
    assert code == 0 and "Usual" in " ".join(lines[:4]), lines[:4]
    gaps = {r["customer_id"]: r["usual_gap_days"] for r in rows if "assumed" not in r["reason"]}
    body = [line.split("│") for line in lines if "│" in line and "#" in line]
    assert body
    at = next(i for i, h in enumerate(lines[0].split("┃")) if "Usual" in h)
    for cells in body:
        ref = int(re.search(r"#(\d+)", cells[0]).group(1))
        gap = cells[at].strip()
        assert gap == (f"{gaps[ref]:.1f}" if ref in gaps else ""), (cells, said[ref])


@given(st.lists(st.sampled_from(["silent", "for", "112", "1,299.50", "days;", "#12", "¥8"]),
                min_size=1, max_size=8).map(" ".join), st.integers(2, 30))  # fmt: skip
def test_a_cut_never_ends_inside_a_number(text, room):
    """`silent for 11…` read as eleven days of 112: a cut ends before the number."""
    shown = cut(text, room)
    if shown.endswith("…"):
        kept = shown[:-1]
        assert text.startswith(kept), (shown, text)
        rest = text[len(kept) :]
        assert not (kept[-1:].isdigit() and re.match(r"[,.]?\d", rest)), (shown, text)


def test_a_task_list_at_80_columns_keeps_the_repeat_beside_a_long_name(db_path):
    """`crm task list` at 80 columns hid Every, filled on four rows, to show more of a name
    of 62 characters: the list keeps a task's repeat, the text wraps for it."""
    names = ("Maximilian Alexander von Habsburg-Lothringen-Württemberg III", "周欣秀",
             "腾讯科技上海分公司", "James Lefèvre")  # fmt: skip
    for n, name in enumerate(names):
        ok("add", name, "--phone", f"+861380013801{n}")
        ok("task", "add", name, "定期回访，确认下一季度的订货会时间", "--due", "2026-12-21",
           *(("--every", "2w") if n % 2 else ("--after", "1m")))  # fmt: skip
        ok("task", "add", name, f"send the quote to {name}", "--due", "2026-12-02")
    for env, every in ((EN, "Every"), (ZH, "重复")):
        code, lines = on_screen("task", "list", columns=80, env=env)
        assert code == 0 and all(width(line) <= 80 for line in lines), lines
        assert every in _heads(lines), lines[:3]


def test_a_chinese_list_at_80_columns_shows_a_company_whole_rather_than_cut_tags(db_path):
    """`--lang zh list` at 80 columns left out 公司 (`海尔智家`, whole in its room) to show
    tags cut (`待挽回、订阅简报、价…`), where main showed the company and left out the
    tags: cut tags give their place to the company where it shows whole there."""
    people = (
        ("周欣秀", "海尔智家", "北京", "+8613379553028", "loyal", "高消费"),
        ("许家豪", "小米科技", "巴黎", "+33684245911", "prospect", None),
        ("腾讯科技南京分公司", None, "南京", "+8618591378474", "customer", "价格敏感,展会"),
        ("曾艳", "腾讯科技", "广州", "+8615655617804", "customer", "待挽回,订阅简报,价格敏感"),
        ("叶颂恩", "京东商城", "柏林", "+4915187374172", "prospect", "展会,高消费"),
    )  # fmt: skip
    for name, company, city, phone, stage, tags in people:
        ok("add", name, "--city", city, "--phone", phone, "--email", f"{phone[1:]}@example.org",
           *(("--company", company) if company else ()))  # fmt: skip
        ok("edit", name, "--stage", stage)
        for tag in tags.split(",") if tags else ():
            ok("tag", tag, name)
    code, lines = on_screen("list", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads = _heads(lines)
    assert "公司" in heads and "阶段" in heads, lines[:3]
    assert not any("…" in line for line in lines), lines


@pytest.mark.parametrize("env", [EN, ZH])
def test_a_list_at_80_columns_keeps_the_stage_beside_a_name_longer_than_its_share(db_path, env):
    """`--lang zh list` at 80 columns beside names of 60 characters left out 阶段 for one
    cell of name, and gave the name 42 cells, far past its two fifths: what says less goes
    for a name that then shows whole or takes at least half the room it leaves."""
    for n, name in enumerate(("欧阳娜娜北京国际贸易有限责任公司采购部总经理特别助理王小明同志",
                              "Zhang Wei from Shenzhen Huaqiang North Electronics Market",
                              "周欣秀")):  # fmt: skip
        phone = f"+861380013801{n}" if n else "+33684245911"
        ok("add", name, "--phone", phone, "--city", "乌鲁木齐",
           "--company", f"腾讯科技（深圳）有限公司南京分公司{n}")  # fmt: skip
        ok("edit", name, "--stage", "customer")
        ok("tag", "vip", name)
    code, lines = on_screen("list", columns=80, env=env)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads = _heads(lines)
    assert ("Stage" if env is EN else "阶段") in heads, lines[:3]
    # its two fifths, and the few cells no column left out has room in
    assert _rule(lines)[1] < 80 // 2, lines[:3]


@pytest.mark.parametrize("env", [EN, ZH])
def test_a_list_at_100_columns_shows_a_company_whole_rather_than_tags_cut(db_path, env):
    """`crm list` at 100 columns beside long names hid Company on every row so that Tags
    showed cut to nine cells (`价格敏感…`): cut tags give their place to a company that
    shows whole on more rows, as at 80 columns."""
    companies = (
        "海尔智家",
        "小米科技",
        "腾讯科技",
        "比亚迪",
        "Acme Holdings International Group Limited",
    )
    for n, company in enumerate(companies):
        ok("add", f"腾讯科技南京分公司华东大区第{n}事业部客户经理", "--city", "北京",
           "--company", company, "--phone", f"+861337955302{n}")  # fmt: skip
    ok("tag", "price-sensitive", "1", "2", "3")
    ok("tag", "wholesale-north-china", "1", "2", "4")
    ok("tag", "trade-show-2026", "1", "2", "3", "4")
    code, lines = on_screen("list", columns=100, env=env)
    assert code == 0 and all(width(line) <= 100 for line in lines), lines
    assert _heads(lines)[2] in ("Company", "公司"), lines[:2]
    body = [line for line in lines if "│" in line]
    for line, company in zip(body, companies[:4], strict=False):
        assert f"│ {company} " in line, line


def test_due_tasks_in_chinese_at_70_columns_wrap_a_task_text_for_its_repeat():
    """`crm remind` in Chinese at 70 columns left out the due tasks' 重复 (the header
    任务编号 unwrapped in the room it left) where main wrapped one task's text one cell
    sooner for it: wrapped prose gives a cell of its third for a column the table shows,
    at the cost of a line or so, never a name shown whole."""
    import io

    from crmcli.cli.terminal import Screen, draw

    due = [("2026-12-07", 14, "董怡浩（#126）", "回访满意度", None),
           ("2026-12-07", 29, "陈维安（#246）", "约产品演示", None),
           ("2026-12-09", 20, "林乐天（#156）", "发送合同", None),
           ("2026-12-10", 24, "田强（#197）", "发送报价", None),
           ("2026-12-12", 45, "吴景行（#120）", "上次通话两周后再回访", "完成后 2 周"),
           ("2026-12-14", 21, "陈勇霞（#158）", "约产品演示", None)]  # fmt: skip
    rows = [
        {"due_on": d, "task_id": i, "customer": c, "phone": f"+86 139 1234 {i:04d}",
         "text": t, "repeats": r}
        for d, i, c, t, r in due
    ]  # fmt: skip
    heads = {"due_on": "到期日", "task_id": "任务编号", "customer": "客户", "phone": "电话",
             "text": "内容", "repeats": "重复"}  # fmt: skip
    out = io.StringIO()
    keys = list(rows[0])
    draw(rows, keys, out, Screen(70, 40, False), headers=heads, first_out=("repeats", "phone"),
         kept=("phone",))  # fmt: skip
    lines = out.getvalue().splitlines()
    assert all(width(line) <= 70 for line in lines), lines
    assert lines[0].split() == ["到期日", "┃", "任务", "┃", "客户", "┃", "内容", "┃", "重复"], lines
    assert "完成后 2 周" in out.getvalue() and "…" not in out.getvalue(), lines
