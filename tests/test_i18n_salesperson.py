"""What a Chinese salesperson still met (issue #22): period labels cut in sales tables,
English words on a Chinese screen, wording that said less than it meant, and narrow
terminals that parted a word from its number. JSON and CSV keep their keys and values."""

import json
import re

from crmcli.cli.helpformat import wrap
from tests.conftest import add, fails, ok, rows
from tests.test_i18n_tables import ZH, table
from tests.test_terminal import on_screen, width


def test_a_week_label_is_never_cut_other_columns_give_way(demo):
    args = ("report", "sales", "--by", "周", "--since", "2026年第45周", "--currency", "CNY")
    weeks = ["2026年第45周", "2026年第46周", "2026年第47周", "合计"]
    for columns in (80, 60, 40):
        code, lines = on_screen(*args, columns=columns, env=ZH)
        assert code == 0, lines
        heads, rows, rest = table(lines, "周")
        assert [r[0] for r in rows] == weeks, (columns, lines)
        assert all(width(line) <= columns for line in lines), lines
        # the currency each amount shows (`¥…`) goes unnamed: it says nothing more
        assert rest[0].startswith("隐藏了 ") and "币种" not in "".join(rest), rest
        assert not [line for line in rest if line[-1].isdigit() or line[0] == "列"], rest
        assert heads[1] == "收入", heads  # the main figure stays beside it
    (first, *_) = json.loads(ok("--lang", "zh", *args, "--format", "json"))
    assert first["week"] == "2026-W45", first


def test_today_keeps_a_record_number_with_its_word_on_a_narrow_terminal(demo):
    for columns in (60, 80):
        code, lines = on_screen("today", columns=columns, env=ZH)
        assert code == 0, lines
        cells = [line.rsplit("│", 1)[-1].strip() for line in lines if "│" in line]
        assert any(c.startswith("任务 #") for c in cells), lines
        assert not [c for c in cells if c.startswith("#") or c.endswith(("任务", "反馈"))], lines
        assert not [c for c in cells if c.endswith("已沉")], lines
    assert wrap("反馈 #449 已 357 天未处理（投诉，高）", 16).split("\n") == [
        "反馈 #449",
        "已 357 天未处理",
        "（投诉，高）",
    ]


def test_a_taken_product_name_or_sku_is_said_in_words(db_path):
    ok("product", "add", "铁观音", "--sku", "TGY1")
    said = fails(2, "--lang", "zh", "product", "add", "铁观音", db=db_path)
    assert said == "crm: 产品名称“铁观音”已被产品 1（铁观音）使用\n", said
    said = fails(2, "--lang", "zh", "product", "add", "普洱", "--sku", "TGY1", db=db_path)
    assert said == "crm: 产品 SKU “TGY1”已被产品 1（铁观音）使用\n", said
    said = fails(2, "product", "add", "普洱", "--sku", "TGY1", db=db_path)
    assert said == "crm: product sku 'TGY1' is already used by product 1 (铁观音)\n", said


def test_a_restore_into_a_database_with_data_names_its_tables_in_words(db_path, tmp_path):
    add("张伟")
    ok("care", "festival", "add", "店庆", "--date", "05-20")
    backup = tmp_path / "all.json"
    ok("export", "all", "--format", "json", "-o", str(backup))
    said = fails(2, "--lang", "zh", "import", "all", str(backup), db=db_path)
    assert "已有数据（自定义节日、客户）" in said and "--db 新文件路径" in said, said
    assert not re.search(r"[a-z]_[a-z]|, |NEW", said), said
    assert "(custom_festivals, customers" in fails(2, "import", "all", str(backup))


def test_json_and_csv_reasons_are_said_in_chinese(db_path, tmp_path):
    bad = tmp_path / "rej.csv"
    bad.write_text("name,city\n", encoding="utf-8")
    said = fails(2, "--lang", "zh", "import", "all", str(bad), db=db_path)
    assert said == f"crm: {bad} 第 1 行第 1 列不是 JSON：此处缺少值\n", said
    assert "is not JSON: Expecting value at line 1, column 1" in fails(2, "import", "all", str(bad))
    lines = tmp_path / "r.jsonl"
    lines.write_text('{"name": "甲"}\n{"name": "乙",}\n', encoding="utf-8")
    said = fails(2, "--lang", "zh", "import", "customers", str(lines), db=db_path)
    assert "第 2 行：第 14 列不是 JSON：键名须用双引号括起" in said, said
    many = tmp_path / "m.csv"
    many.write_text("name,city\n甲,北京\n乙,上海,x,y\n", encoding="utf-8")
    said = fails(2, "--lang", "zh", "import", "customers", str(many), db=db_path)
    assert "第 3 行：有 4 个单元格，但只有 2 列" in said and "cells" not in said, said
    assert "row 3: 4 cells but 2 columns" in fails(2, "import", "customers", str(many))


def test_words_check_and_completion_say_in_chinese(db_path):
    add("张伟")
    checked = ok("--lang", "zh", "check")
    assert re.search(r"^日志模式\s+正常\s+WAL（预写日志）$", checked, re.M), checked
    (mode,) = [r for r in json.loads(ok("check", "-f", "json")) if r["check"] == "journal mode"]
    assert mode["detail"] == "wal", mode
    said = fails(2, "--lang", "zh", "completion")
    assert "缺少参数“命令行类型”" in said and "shell" not in said, said
    assert "--since 上次最后的编号" in ok("--lang", "zh", "changes", "--help")


def test_the_festival_list_in_chinese_shows_the_name_one_types(db_path):
    listed = ok("--lang", "zh", "care", "festival", "list", "--year", "2027")
    assert listed.split()[:5] == ["日期", "节日名称", "历法", "剩余天数", "自定义"], listed
    assert "laba" not in listed and "腊八节" in listed
    ok("--lang", "zh", "care", "--holiday", "腊八节", "--year", "2027")  # what it types
    assert "laba" in ok("care", "festival", "list", "--year", "2027")
    (first, *_) = json.loads(ok("--lang", "zh", "care", "festival", "list", "-f", "json"))
    assert first["festival"] == "new-year", first


def test_sqlite_s_common_complaints_are_said_in_chinese(db_path):
    add("张伟")
    for query, said in (
        ("select nme from customers", "没有名为 nme 的列"),
        ("select * from nope", "没有名为 nope 的表"),
        ("selec 1", "“selec”附近有语法错误"),
    ):
        assert fails(2, "--lang", "zh", "sql", query) == f"crm: SQL 错误：{said}\n"
    assert fails(2, "sql", "selec 1") == 'crm: SQL error: near "selec": syntax error\n'
    assert fails(2, "sql", "select nme") == "crm: SQL error: no such column: nme\n"


def test_remind_says_up_to_and_the_chinese_periods_it_takes(demo):
    said = ok("--lang", "zh", "remind", "--within", "3w")
    assert "截至 2026-12-13 到期的任务" in said and "前到期" not in said, said
    refused = fails(2, "--lang", "zh", "remind", "--within", "下周")
    assert "请写 7天、两周、1个月、1年，或数字加 d、w、m、y：7d、2w、1m（一个月）、1y" in refused, (
        refused
    )
    for typed in ("7天", "两周", "1个月", "1年"):  # what it suggests, it takes
        ok("--lang", "zh", "remind", "--within", typed)


def test_a_kind_typed_as_an_argument_is_hinted_as_the_option(db_path):
    add("张伟")
    said = fails(2, "--lang", "zh", "feedback", "add", "张伟", "投诉", "送货太慢", db=db_path)
    assert said == (
        "crm: 多出了参数（送货太慢）；是否想写 --kind 投诉？（见“crm feedback add --help”）\n"
    ), said
    said = fails(2, "feedback", "add", "张伟", "complaint", "送货太慢")
    assert "; did you mean --kind complaint? (see" in said, said
    said = fails(2, "--lang", "zh", "feedback", "add", "张伟", "很好", "送货太慢")
    assert "是否" not in said, said  # no option takes 很好


def test_config_list_describes_settings_in_the_words_one_types(db_path):
    listed = ok("--lang", "zh", "config", "list")
    assert "普通（¥123,456.00）或万（" in listed, listed
    assert not re.search(r"plain|\bwan\b|at_risk（|lapsed（", listed), listed
    assert ok("--lang", "zh", "config", "set", "money", "万") == "money = 万\n"


def test_the_merge_preview_keeps_phones_whole_and_says_what_it_fills_and_notes(cn):
    ok("add", "张伟", "--phone", "13700000004", "--phone", "13700000005", "--email",
       "zhangwei.sales@example.com", "--company", "腾讯", "--city", "北京")  # fmt: skip
    ok("add", "张伟", "--phone", "13900139000", "--phone", "13900139001", "--birthday",
       "1990-05-01", "--company", "阿里", "--email", "zw.second.address@example.com",
       "--allow-duplicate")  # fmt: skip
    phones = ("137 0000 0004", "137 0000 0005", "139 0013 9000", "139 0013 9001")
    for columns in (60, 80):
        code, lines = on_screen("merge", "1", "2", columns=columns, env=ZH)
        assert code == 1 and all(width(line) <= columns for line in lines[:-1]), lines
        assert all(any(p in line for line in lines) for p in phones), lines
        assert "将补全空缺的生日" in lines, lines
        assert "记入备注（1 个不同的值）：公司：阿里" in lines, lines
    code, lines = on_screen("merge", "1", "2", columns=80, env={"LANG": "en_US.UTF-8"})
    assert "Fills the empty birthday" in lines, lines
    assert "Kept in notes (1 differing value): company: 阿里" in lines, lines
    said = ok("--lang", "zh", "merge", "1", "2", "--yes")
    assert "补全了生日，1 个不同的值记入备注" in said, said


def test_interactions_at_60_columns_give_up_the_direction_before_the_kind(demo):
    code, lines = on_screen("interactions", "--limit", "5", columns=60, env=ZH)
    heads, _rows, rest = table(lines, "编号")
    assert code == 0 and "类型" in heads and "方向" not in heads, lines
    assert "方向" in "".join(rest), rest  # the footer names it
    code, lines = on_screen("interactions", "--limit", "5", columns=160, env=ZH)
    assert {"类型", "方向"} <= set(table(lines, "编号")[0]), lines


def test_a_column_asked_for_by_fields_that_does_not_fit_is_said_so(db_path):
    add("张伟", "--phone", "+8613700000004", "--email", "zhangwei.long.address@example.com",
        "--company", "腾讯科技有限公司", "--city", "北京")  # fmt: skip
    asked = ("list", "--fields", "编号,姓名,公司,城市,电话,邮箱,标签")
    code, lines = on_screen(*asked, columns=60, env=ZH)
    footer = "".join(lines[lines.index(next(x for x in lines if x.startswith("终端太窄"))) :])
    assert code == 0 and footer.startswith("终端太窄，放不下 --fields 要求的"), lines
    assert "邮箱" in footer and "隐藏了" not in footer, lines
    code, lines = on_screen("list", columns=60, env=ZH)  # not asked for: hidden, as before
    assert any(line.startswith("隐藏了") for line in lines), lines
    code, lines = on_screen(*asked, columns=60, env={"LANG": "en_US.UTF-8"})
    assert "which --fields asked for; use" in " ".join(lines), lines


def test_import_key_s_default_is_said_and_typed_in_chinese(db_path, tmp_path):
    helped = ok("--lang", "zh", "import", "customers", "--help")
    assert "[默认：自动]" in helped and "auto" not in helped, helped
    assert "[default: auto]" in ok("--lang", "en", "import", "customers", "--help")
    sheet = tmp_path / "c.csv"
    sheet.write_text("name,email\n张伟,zw@example.com\n", encoding="utf-8")
    ok("--lang", "zh", "import", "customers", str(sheet), "--key", "自动")
    again = ("--lang", "zh", "import", "customers", str(sheet))
    assert fails(2, *again, "--key", "自动", db=db_path) == fails(2, *again)  # as auto
    ok("import", "customers", str(sheet), "--key", "邮箱")
    assert rows(db_path, "SELECT count(*) FROM customers") == [(1,)]


def test_the_edit_form_says_words_as_the_card_does_and_reads_them_back(
    db_path, tmp_path, monkeypatch
):
    from tests.test_i18n_words import _editor

    add("吴敏", "--gender", "female", "--preferred-channel", "email", "--city", "北京")
    seen = tmp_path / "seen.txt"
    _editor(tmp_path, monkeypatch, f"open({str(seen)!r}, 'w', encoding='utf-8').write(t)")
    assert ok("--lang", "zh", "edit", "吴敏", "--editor") == "没有改动。\n"  # saved unchanged
    form = seen.read_text(encoding="utf-8")
    assert "\n性别：女\n" in form and "\n偏好渠道：邮件\n" in form and "\n城市：北京\n" in form
    assert not re.search(r"female|email\n|: ", form), form
    _editor(tmp_path, monkeypatch, "t = t.replace('性别：女', '性别：男')")
    assert ok("--lang", "zh", "edit", "吴敏", "--editor") == "已更新客户 1。\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["gender"], card["preferred_channel"]) == ("male", "email"), card
    _editor(tmp_path, monkeypatch, f"open({str(seen)!r}, 'w', encoding='utf-8').write(t)")
    assert ok("edit", "1", "--editor") == "No changes.\n"
    assert "\ngender: male\n" in seen.read_text(encoding="utf-8")
