"""An error of a Chinese run is a whole Chinese line: only what the user typed, crm's keys
one may type, paths and environment variables stay as they are; the exit code is the
English run's."""

import re

import pytest

from tests.conftest import add, crm, fails, ok

# What a line may keep in Latin letters: the typed value, keys to type, codes.
KEYS = re.compile(
    r"'[^']*'|--?[a-z][\w-]*|\bcrm\b|/\S+|CRM_\w+|SQLite|FILE|"
    r"customers|purchases|interactions|tasks|all|id|name|kind|company|title|city|region|"
    r"country|phone|email|source|stage|tags|external_id|created_at|updated_at"
)


def english_left(line: str) -> list[str]:
    """The English words of `line` but the keys one may type and what was typed (“…”)."""
    return re.findall(r"[A-Za-z]{2,}", KEYS.sub("", re.sub(r"“[^”]*”", "", line)))


@pytest.mark.parametrize(
    ("code", "args", "said"),
    [
        (
            2,
            ("list", "--where", "{"),
            "crm: 无法读取 --where “{”；请写成 字段 运算符 值，运算符为 ",
        ),
        (2, ("list", "--where", "name ==x"), None),
        (2, ("list", "--where", "name =>x"), "crm: 无法读取 --where “name =>x”：值以“>”开头"),
        (
            2,
            ("list", "--fields", "name,nope"),
            "crm: --fields：未知字段“nope”；可用字段：编号（id）、",
        ),
        (2, ("list", "--fields", ","), "crm: --fields：没有字段；可用字段："),
        (3, ("export", "custmers"), "（要导出某类数据，请用以下之一：customers、purchases、"),
    ],
)
def test_an_error_of_a_chinese_run_is_chinese(db_path, code, args, said):
    add("Anna")
    result = crm("--lang", "zh", *args)
    if said is None:  # a value that reads: no error at all
        assert result.exit_code == 0, result.stderr
        return
    err = fails(code, "--lang", "zh", *args)
    assert said in err, err
    assert english_left(err) == [], err
    english = fails(code, *args)
    assert re.search(r"unknown field|no field|cannot read|to export a kind", english), english


def test_a_file_that_is_not_a_database_is_said_in_chinese(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("a shopping list, not a database\n" * 40, encoding="utf-8")
    err = fails(1, "--lang", "zh", "--db", str(notes), "list")
    assert err.startswith(f"crm: 该文件不是可读取的 crm 数据库（{notes}）：它不是 SQLite 文件"), err
    assert english_left(err) == [], err
    assert "not a readable crm database" in fails(1, "--db", str(notes), "list")


def test_an_import_file_problem_is_said_in_chinese(db_path, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    err = fails(2, "--lang", "zh", "import", "customers", str(empty))
    assert err == f"crm: {empty} 是空的：没有表头行\n", err
    sheet = tmp_path / "book.csv"
    sheet.write_bytes(b"PK\x03\x04" + b"\0" * 60)
    err = fails(2, "--lang", "zh", "import", "customers", str(sheet))
    assert err.startswith(f"crm: {sheet} 是电子表格工作簿，不是文本"), err


@pytest.mark.parametrize("typed", ["x is not one of y.", "a   b", "Value error, 3", "p: q."])
def test_a_usage_error_keeps_the_typed_value_verbatim(db_path, typed):
    choices = "'table', 'json', 'jsonl', 'csv', 'tsv'"
    err = fails(2, "--lang", "zh", "list", "--format", typed)
    assert err == (
        f"crm: “--format”/“-f”的值无效：“{typed}”不在可选值“表格”（table）、“json”、“jsonl”、“csv”、“tsv”之中"
        "（见“crm list --help”）\n"
    )
    err = fails(2, "--lang", "en", "list", "--format", typed)
    assert err == (
        f"crm: Invalid value for '--format' / '-f': '{typed}' is not one of {choices}. "
        "(see 'crm list --help')\n"
    )


# --- messages a first run in Chinese met in English or with half-width punctuation ------


def test_an_item_bought_without_an_amount_or_a_price_is_said_in_chinese(db_path):
    add("欧阳芳")
    err = fails(2, "--lang", "zh", "buy", "欧阳芳", "西湖龙井", db=db_path)
    assert err == "crm: “西湖龙井”不是有价格的产品；请给出金额（该行总额）或 --unit-price\n"
    assert english_left(err) == [], err
    err = fails(2, "buy", "欧阳芳", "西湖龙井", db=db_path)
    assert err == (
        "crm: '西湖龙井' is not a product with a price; give the AMOUNT (the line total) or "
        "--unit-price\n"
    )


def test_a_duration_in_chinese_is_read_and_a_bad_one_refused_in_chinese(db_path):
    from tests.conftest import rows

    add("张伟")
    for typed in ("半小时", "1个半小时", "2 小时", "1小时30分", "30分钟"):
        ok("--lang", "zh", "log", "call", "张伟", "x", "--duration", typed)
    assert rows(db_path, "SELECT duration_minutes FROM interactions ORDER BY id") == [
        (30,), (90,), (120,), (90,), (30,),
    ]  # fmt: skip
    err = fails(2, "--lang", "zh", "log", "call", "张伟", "x", "--duration", "半天", db=db_path)
    assert err == (
        "crm: --duration “半天”不是时长；可写成 30分钟、1小时、1小时30分、半小时、1个半小时，"
        "或 15m（分钟）、1h30m、45（分钟）、2h\n"
    )
    err = fails(2, "--lang", "zh", "log", "call", "张伟", "x", "--duration", "3个月")
    assert "不是时长（时长是钟点时间，不按周、月、年计；这里的 m 表示分钟）；" in err, err
    assert english_left(err) == [], err
    err = fails(2, "log", "call", "张伟", "x", "--duration", "半天")
    assert err.endswith("is not a duration; use e.g. 15m (minutes), 1h30m, 45 (minutes) or 2h\n")


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("a@b@c.com", "@ 后面的部分有无效字符：“@”。"),
        ("a@@b", "@ 后面的部分有无效字符：“@”。"),
        ("a,b;c@d.com", "邮箱地址的 @ 前面有无效字符：“,”、“;”。"),
        ("a@b'c.com", "@ 后面的部分有无效字符：“'”。"),
        ("a\\b@c.com", "邮箱地址的 @ 前面有无效字符：“\\”。"),
        (".a@b.com", "邮箱地址不能以句点开头。"),
        ("a.@b.com", "邮箱地址的 @ 前面不能紧挨句点。"),
        ("a b@c.com", "邮箱地址的 @ 前面有无效字符：U+0020。"),
        ("a@b_c.com", "@ 后面的部分有无效字符：“_”。"),
        ("a\u200b@b.com", None),  # refused earlier, as an invisible character
        ('"a"x@b.com', "右引号后面还有字符：“x”。"),
        ("a@[1.2.3]", "@ 后面方括号里的地址无效。"),
        ("a@b.invalid", "@ 后面是保留的域名，不能用于邮箱。"),
        ("Ann <a@b.com>", "邮箱地址不能带显示名称和尖括号。"),
        ("a@b-.com", "邮箱地址里句点和连字符不能相连。"),
    ],
)
def test_every_email_refusal_is_said_in_chinese(db_path, address, said):
    err = fails(2, "--lang", "zh", "add", "X", "--email", address, db=db_path)
    if said is not None:
        assert err == f"crm: 邮箱“{address}”无效：{said}\n", err
    assert english_left(err) == [], err
    assert "invalid email" in fails(2, "add", "X", "--email", address) or said is None


def test_an_email_message_crm_does_not_know_is_still_chinese():
    from crmcli.core import email_reasons, i18n

    token = i18n.use("zh")
    try:
        assert email_reasons.said("A brand new complaint.") == "邮箱地址格式不对。"
    finally:
        i18n.reset(token)
    assert email_reasons.said("A brand new complaint.") == "A brand new complaint."


def test_a_file_that_is_not_the_encoding_given_is_said_in_chinese(db_path, tmp_path):
    wps = tmp_path / "wps_gbk.csv"
    wps.write_bytes("姓名,电话\n张伟,13800138000\n".encode("gbk"))
    err = fails(2, "--lang", "zh", "import", "customers", str(wps), "--encoding", "utf-8")
    assert err == "crm: 输入不是有效的 UTF-8 文本（第 1 字节：无效的后续字节）\n", err
    err = fails(2, "import", "customers", str(wps), "--encoding", "utf-8")
    assert err == "crm: the input is not valid UTF-8 text (invalid continuation byte at byte 1)\n"


def test_every_reason_a_decoder_gives_has_chinese_words():
    from crmcli.cli.app import codec_reason
    from crmcli.core import i18n

    samples = [(b"\x81", "gbk"), (b"\x81\x20", "gbk"), (b"\x81", "cp1252"), (b"\xff", "ascii"),
               (b"\x00", "utf-16-le"), (b"\x00\xdc", "utf-16-le"), (b"\xe4\xb8", "utf-8"),
               (b"\xff", "utf-8"), (b"\xe4\x41", "utf-8"), (b"\x00\x00\x11\x00", "utf-32-le"),
               (b"\x00\xd8\x00\x00", "utf-32-le")]  # fmt: skip
    token = i18n.use("zh")
    try:
        for data, codec in samples:
            try:
                data.decode(codec)
            except UnicodeDecodeError as exc:
                assert english_left(codec_reason(exc.reason)) == [], (codec, exc.reason)
            else:
                raise AssertionError(codec)
        assert codec_reason("a reason of a codec to come") == "无法识别的字节"
    finally:
        i18n.reset(token)
    assert codec_reason("a reason of a codec to come") == "a reason of a codec to come"


def test_stages_a_saved_segment_uses_are_named_in_chinese(db_path):
    ok("segment", "add", "大客户", "--stage", "customer")
    err = fails(2, "--lang", "zh", "config", "set", "stages", "线索,意向,成交", db=db_path)
    assert err == (
        "crm: 已保存的筛选条件和设置用到了新列表删掉的阶段：分组大客户（成交客户）；"
        "请先修改或删除它们\n"
    )
    err = fails(2, "config", "set", "stages", "线索,意向,成交", db=db_path)
    assert "drops: segment 大客户 (customer); change" in err, err


def test_stages_customers_are_in_are_named_in_chinese_as_typed_back(db_path):
    add("张伟")
    ok("stage", "张伟", "customer")
    err = fails(2, "--lang", "zh", "config", "set", "stages", "线索,意向,成交", db=db_path)
    assert "新列表删掉的阶段：成交客户（1）；" in err and "--stage 成交客户 --all" in err, err
    assert "customer" not in err, err
    err = fails(2, "config", "set", "stages", "线索,意向,成交", db=db_path)
    assert "drops: customer (1); keep" in err and "--stage customer --all" in err, err


def test_a_festival_named_as_a_built_in_one_is_said_without_english(db_path):
    err = fails(2, "--lang", "zh", "care", "festival", "add", "中秋节", "--lunar", "08-15")
    assert err == (
        "crm: “中秋节”是内置节日中秋节，关怀规则里写“中秋节”就是指它；请给你的节日另起一个名称\n"
    ), err
    err = fails(2, "--lang", "zh", "care", "festival", "add", " 元宵 ", "--lunar", "01-15")
    assert err.startswith("crm: “元宵”是内置节日元宵节，关怀规则里写“元宵”就是指它；"), err
    assert "lantern" not in err
    err = fails(2, "care", "festival", "add", "元宵", "--lunar", "08-15")
    assert err == (
        "crm: '元宵' is the built-in festival 元宵节 Lantern Festival, which a care rule takes "
        "as '元宵'; give your own festival another name\n"
    ), err


def test_a_date_refused_in_chinese_shows_chinese_forms_first(db_path):
    add("张伟")
    err = fails(2, "--lang", "zh", "task", "add", "张伟", "x", "--due", "下下周", db=db_path)
    assert err.startswith(
        "crm: 不是日期：“下下周”；日期可写成 明天、后天、周五、下周五、3天后、"
    ), err
    assert "下午3点" in err and "tomorrow" in err
    assert err.index("明天") < err.index("tomorrow")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("list", "--fromat", "x"), "crm: 没有这个选项：--fromat；是不是想用 --format？"),
        (("list", "--sor", "x"), "；是不是想用 --sort？"),
        (("list", "--tage", "x"), "；是不是想用 --stage、--tag？"),
        (("remind", "--ics"), "；是不是想用 --format ics、-f ics？"),
        (("stats",), "是不是想用“task”、“tags”、“stage”？"),
        (
            ("care", "--holiday", "不存在节"),
            "已知节日：元旦、春节、元宵节、",
        ),
        (("log", "telegram", "1", "x"), "类型必须是以下之一：电话（call）、邮件（email）、"),
        (
            ("add", "X", "--kind", "robot"),
            "类型必须是以下之一：机构（organisation）、个人（person）",
        ),
    ],
)
def test_lists_in_chinese_errors_are_joined_with_the_chinese_comma(db_path, args, said):
    add("张伟")
    err = crm("--lang", "zh", *args).stderr
    assert said in err, err
    assert ", " not in err, err


def test_the_english_lists_keep_their_commas(db_path):
    add("张伟")
    assert "(got 'telegram')" in fails(2, "log", "telegram", "1", "x")
    assert "kind must be one of: call, email, meeting, message, note, visit" in fails(
        2, "log", "telegram", "1", "x"
    )
    assert "Did you mean 'task', 'tags', 'stage'?" in crm("stats").stderr
    known = "known: 元旦 New Year's Day, 春节 Spring Festival, "  # by name: no key
    assert known in fails(2, "care", "--holiday", "x")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("log", "call", "张伟", "x", "--direction", "打出"),
            "crm: 方向必须是以下之一：客户发起（in）、我方发起（out）；收到的是“打出”\n",
        ),
        (
            ("feedback", "add", "张伟", "x", "--severity", "紧急"),
            "crm: 严重程度必须是以下之一：高（high）、低（low）、一般（normal）；收到的是“紧急”\n",
        ),
        (
            ("survey", "add", "张伟", "--nps", "11"),
            "crm: NPS 分必须是 0 到 10 的整数（收到“11”）\n",
        ),
        (("survey", "add", "张伟", "--csat", "6"), "crm: CSAT 分必须是 1 到 5 的整数（收到“6”）\n"),
    ],
)
def test_a_refused_choice_or_score_names_its_field_in_chinese(db_path, args, said):
    add("张伟")
    assert fails(2, "--lang", "zh", *args, db=db_path) == said


def test_a_refused_choice_or_score_keeps_its_key_in_english(db_path):
    add("张伟")
    assert fails(2, "log", "call", "张伟", "x", "--direction", "up").startswith(
        "crm: direction must be one of: in, out (got 'up')"
    )
    assert "crm: severity must be one of:" in fails(
        2, "feedback", "add", "张伟", "x", "--severity", "urgent"
    )
    assert fails(2, "survey", "add", "张伟", "--csat", "6") == (
        "crm: csat must be a whole number from 1 to 5 (got '6')\n"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("0.0000001万",),
            "crm: 0.001 有 3 位小数，但 CNY 只有 2 位小数；金额从不四舍五入\n",
        ),
        (
            ("1.0005", "--currency", "KWD"),
            "crm: 1.0005 有 4 位小数，但 KWD 只有 3 位小数；金额从不四舍五入\n",
        ),
        (("0.5", "--currency", "JPY"), "crm: 0.5 有 1 位小数，但 JPY 不带小数；金额从不四舍五入\n"),
    ],
)
def test_an_amount_with_too_many_decimals_is_said_in_chinese(db_path, args, said):
    add("张伟")
    assert fails(2, "--lang", "zh", "buy", "张伟", "茶", *args, db=db_path) == said


def test_an_amount_with_too_many_decimals_in_english(db_path):
    add("张伟")
    assert fails(2, "buy", "张伟", "tea", "0.5", "--currency", "JPY", db=db_path) == (
        "crm: 0.5 has 1 decimal but JPY has no decimals; amounts are never rounded\n"
    )
    assert fails(2, "buy", "张伟", "tea", "1.005", db=db_path) == (
        "crm: 1.005 has 3 decimals but CNY has 2 decimals; amounts are never rounded\n"
    )


def test_the_kinds_to_export_are_joined_as_each_language_joins_a_list(db_path):
    zh = fails(3, "--lang", "zh", "export", "没有人")
    assert zh.endswith(
        "（要导出某类数据，请用以下之一：customers、purchases、interactions、tasks、all）\n"
    )
    en = fails(3, "export", "nobody")
    assert en.endswith(
        "(to export a kind, use one of: customers, purchases, interactions, tasks, all)\n"
    )


def test_a_suggestion_is_worded_alike_for_an_option_and_a_command(db_path):
    option = fails(2, "--lang", "zh", "list", "--limt", "3")
    command = fails(2, "--lang", "zh", "lst")
    assert "；是不是想用 --limit？（见“crm list --help”）" in option, option
    assert "；是不是想用“list”？" in command, command
    assert "是否" not in option + command
    assert "(Possible options: --limit)" in fails(2, "list", "--limt", "3")


@pytest.mark.parametrize(
    ("args", "en", "zh"),
    [
        # a value of an option typed as an option: that option with the value
        (("remind", "--ics"), "(Possible options: --format ics, -f ics)",
         "；是不是想用 --format ics、-f ics？"),
        (("list", "--jsn"), "(Possible options: --format json, -f json)",
         "；是不是想用 --format json、-f json？"),
        # a typo: the nearest options, a letter or two off, or cut short
        (("list", "--fromat", "json"), "(Possible options: --format)", "；是不是想用 --format？"),
        (("list", "--tags", "vip"), "(Possible options: --tag)", "；是不是想用 --tag？"),
        (("add", "甲", "--cty", "杭州"), "(Possible options: --city)", "；是不是想用 --city？"),
        # nothing near: no guess (difflib offered --city for --limit)
        (("report", "summary", "--limit", "5"), None, None),
        (("list", "--zzz"), None, None),
    ],
)  # fmt: skip
def test_an_unknown_option_is_pointed_only_at_options_it_may_mean(db_path, args, en, zh):
    said = fails(2, *args)
    ours = fails(2, "--lang", "zh", *args)
    command = " ".join(args[:2]) if args[0] == "report" else args[0]
    typed = next(a for a in args if a.startswith("--"))
    if en is None:
        assert said == f"crm: No such option: {typed} (see 'crm {command} --help')\n"
        assert ours == f"crm: 没有这个选项：{typed}（见“crm {command} --help”）\n"
    else:
        assert said == f"crm: No such option: {typed} {en} (see 'crm {command} --help')\n"
        assert ours == f"crm: 没有这个选项：{typed}{zh}（见“crm {command} --help”）\n"
