"""crm import of files as other tools write them: the encoding found without --encoding (a
BOM, UTF-8, Chinese GB18030), the delimiter sniffed from the header row, and multi-line
cells written on Windows. The files are in tests/data (see its README)."""

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import by_name, examples, fails, imported, ok

DATA = Path(__file__).parent / "data"


def test_a_gbk_file_from_chinese_excel_needs_no_flag(cn):
    assert "3 inserted" in imported(DATA / "gbk_customers.csv")
    wang = by_name()["王芳"]
    assert wang["address"] == "北京市海淀区中关村大街1号" and wang["company"] == "蓝海贸易"


def test_excel_unicode_text_is_utf16_and_tab_separated(cn):
    assert "2 inserted" in imported(DATA / "excel_unicode.txt")
    people = by_name()
    assert people["王芳"]["company"] == "蓝海贸易"
    assert people["王芳"]["phones"] == ["+8613912345678"]
    assert people["Lee Min"]["emails"] == ["min@example.kr"]


def test_a_semicolon_file_from_excel_is_read_by_its_delimiter(cn):
    assert "2 inserted" in imported(DATA / "excel_semicolon.csv")
    people = by_name()
    assert people["Jürgen Müller"]["company"] == "Müller; Söhne GmbH"
    assert people["Jürgen Müller"]["notes"] == "Rabatt 2,5 %"
    assert people["Élodie Martin"]["notes"] == "Livraison: mardi, jeudi"


@pytest.mark.parametrize("by_sets", [True, False])
def test_an_amount_with_a_thousands_dot_in_a_semicolon_file_is_refused(
    cn, tmp_path, monkeypatch, by_sets
):
    """Excel writes `;` where a comma is the decimal mark and a dot groups thousands:
    `1.000` there is a thousand, which crm stored as 1.00 (extra zeros accepted)."""
    from crmcli.transfer import purchase_sets

    if not by_sets:
        monkeypatch.setattr(purchase_sets, "columns_fit", lambda targets: False)
    ok("add", "Jürgen", "--external-id", "K-1")
    rows = ("K-1;Teeservice;1.000;EUR\r\nK-1;Kanne;-2.500;EUR\r\nK-1;Tasse;€3.500;\r\n"
            "K-1;Tasse;12;EUR\r\nK-1;Tasse;1.5;EUR\r\nK-1;Tasse;1234.500;EUR\r\n"
            "K-1;Tasse;1.250;KWD\r\nK-1;Tasse;0.500;EUR\r\n")  # fmt: skip
    file = tmp_path / "bestellungen.csv"
    file.write_text("Kunde;Artikel;Betrag;Waehrung\r\n" + rows, encoding="utf-8")
    mapped = ("--map", "Kunde=customer", "--map", "Artikel=item", "--map", "Betrag=amount",
              "--map", "Waehrung=currency")  # fmt: skip
    err = fails(2, "import", "purchases", str(file), *mapped, db=cn)
    assert err.splitlines()[1:] == [
        f"  row {row}: amount {text!r} reads two ways in a file separated by ';', where a dot "
        f"groups thousands: write {whole} or {plain}"
        for row, text, whole, plain in [(2, "1.000", "1000", "1"), (3, "-2.500", "-2500", "-2.5"),
                                        (4, "€3.500", "3500", "3.5"), (8, "1.250", "1250",
                                                                         "1.25")]
    ], err  # fmt: skip
    file.write_text("Kunde,Artikel,Betrag,Waehrung\r\n" + rows.replace(";", ","), "utf-8")
    ok("import", "purchases", str(file), *mapped)  # a comma file: a dot is the decimal point
    assert [r["amount"] for r in json.loads(ok("purchases", "-f", "json"))] == [
        "1.00", "-2.50", "3.50", "12.00", "1.50", "1234.50", "1.250", "0.50"
    ]  # fmt: skip


def test_a_multi_line_cell_written_on_windows_keeps_its_lines(cn):
    """Outlook's CRLF inside a quoted Notes cell was refused as control characters."""
    assert "2 inserted" in imported(DATA / "outlook_windows.csv")
    helen = by_name()["Helen Park"]
    assert helen["notes"] == "Met at the fair.\nWants a quote by Friday.\nCall after 3pm."
    assert helen["company"] == "Northwind" and helen["phones"] == ["+14155550182"]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("name,city\nAnn,Paris\n", ","), ("name;city\nAnn;Paris\n", ";"),
     ("name\tcity\nAnn\tParis\n", "\t"), ("name|city\nAnn|Paris\n", "|"),
     ('"name;x",city\nAnn,Paris\n', ",")],
)  # fmt: skip
def test_the_delimiter_is_the_one_the_header_uses_outside_quotes(cn, tmp_path, text, delimiter):
    file = tmp_path / "people.csv"
    file.write_text(text, encoding="utf-8")
    imported(file, "--map", "name;x=name" if text.startswith('"') else "name=name")
    assert by_name()["Ann"]["city"] == "Paris"


def test_a_one_column_file_is_read_whole(cn, tmp_path):
    file = tmp_path / "names.csv"
    file.write_text("name\nAnn Lee\n", encoding="utf-8")
    imported(file)
    assert list(by_name()) == ["Ann Lee"]


def test_a_latin1_file_is_refused_with_a_hint_and_read_with_its_encoding(cn, tmp_path):
    file = tmp_path / "latin1.csv"
    file.write_bytes("name,city\nJosé Müller,Köln\n".encode("latin-1"))
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "is not UTF-8 (byte 0xe9 at offset 13)" in err and "--encoding" in err
    imported(file, "--encoding", "latin-1")
    assert by_name()["José Müller"]["city"] == "Köln"


# Files as Outlook and Excel write them on Western and Japanese Windows (the ANSI code page,
# every Outlook cell quoted, CRLF): each decodes as GB18030 into rare ideographs (M黮ler,
# 嶳揷懢榊) and was imported so, exit 0. Each is refused without --encoding and read with it.
FOREIGN = [
    ("cp1252", '"First Name","Last Name","Company","Notes"\r\n"François","Müller",'
               '"Nuñez Trading","Renée is his assistant"\r\n'),
    ("cp1252", "name,city,notes\r\nJoão Conceição,São Paulo,Gonçalves e Irmãos\r\n"
               "Maria Antônia,Brasília,atenção\r\n"),
    ("cp1252", "name,city\r\nJürgen Müller,Köln\r\nÄnne Schäfer,Düsseldorf\r\n"),
    ("cp1252", "name,city\r\nÅsa Öberg,Göteborg\r\nJosé Muñoz,Córdoba\r\n"),
    ("cp1250", "name,city\r\nŁukasz Wąsik,Łódź\r\nJiří Novák,Plzeň\r\n"),
    ("shift_jis", "name,email,notes\r\n山田太郎,yamada@example.jp,東京の顧客です\r\n"),
    ("cp1252", "name,phone,city\r\nÅsa Åkesson,+46 8 123 456 78,Ängelholm\r\n"),
    ("cp1250", "First Name,Last Name,Notes\r\nAnna,Różańska,różne podróże\r\n"),
    ("cp949", "name,city,notes\r\n김민준,서울,단골 고객입니다 자주 옵니다\r\n"
              "이서연,부산,친구 소개로 왔어요\r\n"),
]  # fmt: skip


@pytest.mark.parametrize(("encoding", "text"), FOREIGN)
def test_a_western_or_japanese_file_is_never_read_as_chinese(cn, tmp_path, encoding, text):
    file = tmp_path / "export.csv"
    file.write_bytes(text.encode(encoding))
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "is not UTF-8" in err and "--encoding" in err, err
    imported(file, "--encoding", encoding)
    first = text.splitlines()[1].replace('"', "").split(",")
    assert any(first[0] in name for name in by_name()), (first, list(by_name()))


@pytest.mark.parametrize(
    ("encoding", "text", "said"),
    [("cp1252", "name,city\r\nÅsa Åkesson,Ängelholm\r\n", "words of a Latin script, not "
      "Chinese; give its encoding: --encoding cp1252 (Western Europe), cp1250 (Central Europe) "
      "or cp1254 (Turkish)"),
     ("cp1254", "Ad Soyad,Şehir,Not\r\nİzmir,Muğla,Cuma öğleden sonra ara\r\n", "words of a "
      "Latin script, not Chinese"),
     ("cp949", "이름,전화,도시,메모\r\n김민준,010,서울,단골 고객입니다\r\n", "Korean text, not "
      "Chinese; give its encoding: --encoding cp949")],
)  # fmt: skip
def test_a_file_of_another_script_is_told_its_encoding(cn, tmp_path, encoding, text, said):
    """A Swedish file was told `--encoding big5 or gb18030`, which imported 彎a 儼esson; a
    Korean one (its hangul has GB2312's bytes) was imported as 辫刮霖 without a word."""
    file = tmp_path / "export.csv"
    file.write_bytes(text.encode(encoding))
    assert said in fails(2, "import", "customers", str(file), db=cn)


@pytest.mark.parametrize(
    "row", ["Wang Wei,13800138000,A类", "Li Qiang,13900139000,男", "Lisa Chen,13800138001,iPhone和iPad",
            "Zhang Min,13800138002,T恤L码"],
)  # fmt: skip
def test_an_english_list_with_a_chinese_word_or_two_in_gbk_is_gb18030(cn, tmp_path, row):
    """A tag of one character (A类, 男) or one between Latin words was read as words of a
    Latin script, and following the hint stored AÀà."""
    file = tmp_path / "list.csv"
    file.write_bytes(f"name,phone,notes\r\n{row}\r\nAnn Lee,,{row.split(',')[2]}\r\n".encode("gbk"))
    imported(file)
    assert {p["notes"] for p in by_name().values()} == {row.split(",")[2]}


def test_traditional_chinese_in_a_gbk_file_is_still_gb18030(cn, tmp_path):
    """A shop system on the mainland writes Hong Kong customers in GBK: 黃麗華 is no
    everyday character of GB2312, but of Big5's first level."""
    file = tmp_path / "hk.csv"
    file.write_bytes("姓名,電話,地址,備註\r\n黃麗華,+852 9123 4567,香港灣仔軒尼詩道,舊客戶\r\n"
                     "陳國榮,+852 9876 5432,九龍尖沙咀彌敦道,\r\n".encode("gbk"))  # fmt: skip
    imported(file)
    assert by_name()["黃麗華"]["notes"] == "舊客戶"


def test_a_gbk_list_of_rare_name_characters_is_still_chinese(cn, tmp_path):
    """Half of the ideographs in GB2312 is enough: names take rare characters (喆, 堃)."""
    file = tmp_path / "names.csv"
    file.write_bytes(
        "姓名,城市\r\n王喆,北京\r\n李堃,上海\r\n赵犇,深圳\r\n肖祎瑄,杭州\r\n".encode("gbk")
    )
    imported(file)
    assert by_name()["李堃"]["city"] == "上海"


# GB2312's first level, the 3,755 commonest characters (rows 0xB0-0xD7), and GBK's others
COMMON = [bytes([r, c]).decode("gbk") for r in range(0xB0, 0xD8) for c in range(0xA1, 0xFF)
          if (r, c) < (0xD7, 0xFA)]  # fmt: skip
RARE = list("喆堃犇珺昇赟玥祎彧翀")


@settings(max_examples=examples(200), deadline=None, derandomize=True)
@given(
    names=st.lists(
        st.tuples(st.text(st.sampled_from(COMMON), min_size=1, max_size=4),
                  st.text(st.sampled_from(RARE), max_size=1)),
        min_size=1, max_size=8,
    )
)  # fmt: skip
def test_any_list_of_chinese_names_in_gbk_is_read_as_gb18030(names):
    """Names of everyday characters, each with at most one rare one, are Chinese; but for
    a list whose characters nearly all have hangul's bytes in EUC-KR (GB2312 rows 0xB0 to
    0xC8), which reads as Korean and is refused asking for its encoding (below)."""
    from crmcli.transfer import sources

    text = "姓名,备注\r\n" + "".join(f"{a}{b},{a}\r\n" for a, b in names)
    wide = [ch for ch in text if ord(ch) > 127]
    hangul_like = sum(0xB0 <= ch.encode("gbk")[0] <= 0xC8 for ch in wide)
    assume(hangul_like < 20 or hangul_like < 0.9 * len(wide))
    assert sources._detect_encoding("f.csv", text.encode("gbk")) == "gb18030"


def test_a_chinese_list_that_reads_as_korean_is_refused_not_guessed(cn, tmp_path):
    """丁 and 李, 刘, 陈 have hangul's bytes: a list of nothing else reads as Korean too."""
    file = tmp_path / "names.csv"
    file.write_bytes(("name,note\r\n" + "李刘陈,丁丁丁丁\r\n" * 3).encode("gbk"))
    assert "Korean text, not Chinese; give its encoding: --encoding cp949" in fails(
        2, "import", "customers", str(file), db=cn
    )
    imported(file, "--encoding", "gb18030")
    assert by_name()["李刘陈"]["notes"] == "丁丁丁丁"


def test_a_utf16_file_with_a_broken_mark_is_refused(cn, tmp_path):
    file = tmp_path / "broken.csv"
    file.write_bytes(b"\xff\xfen\x00a\x00\x00\xdcm\x00e\x00\n\x00")  # a lone low surrogate
    assert "is not UTF-16" in fails(2, "import", "customers", str(file), db=cn)


def test_utf8_still_wins_over_a_gb18030_reading(cn, tmp_path):
    """UTF-8 Chinese also decodes as GB18030 (as nonsense): UTF-8 is tried first."""
    file = tmp_path / "utf8.csv"
    file.write_text("姓名,城市\n王芳,上海\n", encoding="utf-8")
    imported(file)
    assert by_name()["王芳"]["city"] == "上海"


def test_an_empty_utf16_file_is_empty(cn, tmp_path):
    file = tmp_path / "empty.csv"
    file.write_bytes("\n".encode("utf-16"))
    assert "is empty" in fails(2, "import", "customers", str(file), db=cn)


def test_the_table_of_customers_is_unchanged_after_a_refusal(cn, tmp_path):
    ok("add", "Kept")
    file = tmp_path / "latin1.csv"
    file.write_bytes("name\nJosé\n".encode("latin-1"))
    fails(2, "import", "customers", str(file), db=cn)
    assert list(by_name()) == ["Kept"]


@pytest.mark.parametrize("given", ["utf-16", "UTF16", "utf-32"])
def test_utf16_or_32_given_for_a_file_without_a_mark_is_refused(cn, given):
    """Python's decoder raised `UTF-16 stream does not start with BOM`: an internal error."""
    file = DATA / "gbk_customers.csv"
    err = fails(2, "import", "customers", str(file), "--encoding", given, db=cn)
    codec = "utf-32" if "32" in given else "utf-16"
    assert err == (
        f"crm: {file} does not start with the byte-order mark that {given} needs; give "
        f"{codec}-le or {codec}-be, or leave out --encoding\n"
    )


def test_a_utf16_file_without_a_mark_is_read_with_its_byte_order(cn, tmp_path):
    file = tmp_path / "le.csv"
    file.write_bytes("姓名,城市\n王芳,上海\n".encode("utf-16-le"))
    fails(2, "import", "customers", str(file), "--encoding", "utf-16", db=cn)
    imported(file, "--encoding", "utf-16-le")
    assert by_name()["王芳"]["city"] == "上海"


@pytest.mark.parametrize(
    "given", ["rot13", "base64", "hex", "zip", "bz2", "quopri", "uu", "idna", "punycode",
              "undefined"],
)  # fmt: skip
def test_a_codec_that_is_no_text_encoding_is_refused(cn, given):
    err = fails(2, "import", "customers", str(DATA / "gbk_customers.csv"), "--encoding", given,
                db=cn)  # fmt: skip
    assert err == (
        f"crm: {given!r} is not an encoding of text files; give the file's, e.g. utf-8 or gb18030\n"
    )


def test_rejected_rows_of_a_spreadsheet_s_file_go_back_with_a_utf8_mark(cn, tmp_path):
    """Rows refused from a GBK or BOM file (Excel, WPS) are written for the same program to
    open: UTF-8 with its mark; from plain UTF-8, or to stdout, without one."""
    text = "姓名,电话\n张三,abc\n"
    for name, data, marked in (
        ("gbk.csv", text.encode("gbk"), True),
        ("bom.csv", text.encode("utf-8-sig"), True),
        ("plain.csv", text.encode("utf-8"), False),
    ):
        (tmp_path / name).write_bytes(data)
        rejects = tmp_path / f"rejects-{name}"
        imported(tmp_path / name, "--skip-invalid", "--rejects", str(rejects))
        written = rejects.read_bytes()
        assert written.startswith(b"\xef\xbb\xbf") is marked, name
        assert written.decode("utf-8-sig").startswith(
            "姓名,电话,reject_line,reject_reason\n张三,abc,2,"
        )
    out = ok("import", "customers", str(tmp_path / "gbk.csv"), "--skip-invalid", "--rejects", "-")
    assert out.startswith("姓名,电话,reject_line")  # stdout: no mark


def test_a_phone_excel_wrote_in_scientific_notation_says_its_digits_are_lost(cn, tmp_path):
    sheet = tmp_path / "excel.csv"
    sheet.write_text("姓名,手机\n张三,1.39123E+10\n李四,13912345678\n", encoding="gbk")
    said = fails(2, "--lang", "zh", "import", "customers", str(sheet), db=cn)
    assert "第 2 行：电话“1.39123E+10”无效：表格软件把这个号码存成了科学计数法" in said, said
    said = fails(2, "import", "customers", str(sheet), db=cn)
    assert "scientific notation, and its last digits are lost; format the column as text" in said


def test_a_customer_number_excel_wrote_in_scientific_notation_merges_nobody(cn, tmp_path):
    """Excel's `1.23457E+11` stood for two customer numbers: the second row updated the
    first customer (one customer left, both phones); codes in fields were stored so."""
    sheet = tmp_path / "excel.csv"
    sheet.write_text("姓名,客户编号,手机,公司\r\n钱七,1.23457E+11,13300133071,甲公司\r\n"
                     "孙八,1.23457E+11,13300133072,乙公司\r\n", encoding="gbk")  # fmt: skip
    said = fails(2, "import", "customers", str(sheet), db=cn)
    assert said.splitlines()[1] == (
        "  row 2: invalid external_id '1.23457E+11': a spreadsheet wrote the number in "
        "scientific notation, and its last digits are lost; format the column as text, type "
        "the numbers again and save the file once more"
    ), said
    codes = tmp_path / "codes.csv"
    codes.write_text("姓名,客户编号,QQ,邮编\r\n赵六,C-1,1.23457E+09,1.00E+05\r\n", encoding="gbk")
    said = fails(2, "--lang", "zh", "import", "customers", str(codes), db=cn)
    assert "字段 QQ “1.23457E+09”无效：表格软件把这个数存成了科学计数法" in said, said
    assert "“1.00E+05”无效" in said, said
    fails(2, "add", "Q", "--external-id", "1.2E+11", db=cn)
    said = fails(2, "--lang", "zh", "add", "Q", "--national-id", "1.10105E+17", db=cn)
    assert said.startswith("crm: 身份证号 “1.10105E+17”无效：表格软件"), said
    fails(2, "add", "Q", "--external-id", "1,23457E+11", db=cn)  # German Excel's comma
    ok("add", "Q", "--external-id", "1E5", "--field", "code=2e10", "--field", "tiny=5E-10")
    assert by_name()["Q"]["external_id"] == "1E5"


# A customer list as Excel in Taiwan or Hong Kong saves it as "CSV": Big5 (here written with
# Python's big5 codec, the standard's own table).
TRADITIONAL = (
    "姓名,公司,城市,電郵,備註\n陳大文,華興貿易有限公司,台北,tai@example.tw,老客戶，週末聯絡\n"
)


@pytest.mark.parametrize("lang", ["zh_TW.UTF-8", "zh_HK.UTF-8", "zh_MO.UTF-8"])
def test_a_big5_file_is_read_without_a_flag_under_a_traditional_chinese_locale(
    cn, tmp_path, monkeypatch, lang
):
    file = tmp_path / "big5.csv"
    file.write_bytes(TRADITIONAL.encode("big5"))
    monkeypatch.setenv("LANG", lang)
    imported(file)
    chen = by_name()["陳大文"]
    assert (chen["company"], chen["city"], chen["emails"]) == (
        "華興貿易有限公司", "台北", ["tai@example.tw"],
    )  # fmt: skip
    assert chen["notes"] == "老客戶，週末聯絡"


@pytest.mark.parametrize("lang", ["C.UTF-8", "zh_CN.UTF-8", "en_US.UTF-8"])
def test_a_big5_file_elsewhere_is_refused_with_the_flag_that_reads_it(
    cn, tmp_path, monkeypatch, lang
):
    """Outside Hong Kong, Macau and Taiwan a file that reads as Traditional Chinese in Big5
    was read as GB18030 (nonsense, or refused naming GB18030 only): it is refused, naming
    the flag, and read with it."""
    file = tmp_path / "big5.csv"
    file.write_bytes(TRADITIONAL.encode("big5"))
    monkeypatch.setenv("LANG", lang)
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "--encoding big5" in err and str(file) in err
    imported(file, "--encoding", "big5")
    assert by_name()["陳大文"]["city"] == "台北"


def test_gbk_and_utf8_files_keep_their_encoding_under_a_traditional_chinese_locale(
    cn, tmp_path, monkeypatch
):
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    gbk, utf8 = tmp_path / "gbk.csv", tmp_path / "utf8.csv"
    gbk.write_bytes("姓名,公司,城市,备注\n王芳,蓝海贸易,北京,喜欢下午联系\n".encode("gbk"))
    utf8.write_text(TRADITIONAL, encoding="utf-8")
    imported(gbk)
    imported(utf8)
    people = by_name()
    assert (people["王芳"]["company"], people["王芳"]["notes"]) == ("蓝海贸易", "喜欢下午联系")
    assert people["陳大文"]["company"] == "華興貿易有限公司"
    err = fails(2, "import", "customers", str(utf8), "--encoding", "big5", db=cn)
    assert err == f"crm: {utf8} 是 UTF-8 编码，不是 big5；请去掉 --encoding\n"


def test_a_file_that_reads_as_big5_and_as_gbk_alike_is_refused_with_both_flags(
    cn, tmp_path, monkeypatch
):
    """Characters written alike in both scripts (王, 大, 文, 同) give the check nothing to go
    by: under a Traditional locale the file is refused, naming both encodings, not guessed."""
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    file = tmp_path / "names.csv"
    file.write_bytes("姓名,公司\n王大文,大同\n".encode("big5"))
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "--encoding big5" in err and "--encoding gb18030" in err
    imported(file, "--encoding", "big5")
    assert by_name()["王大文"]["company"] == "大同"


def test_the_characters_that_tell_the_scripts_apart_are_each_of_one_script():
    from crmcli.transfer.sources import _SIMPLIFIED, _TRADITIONAL

    assert not _SIMPLIFIED & _TRADITIONAL
    assert all(ch.encode("gb2312") for ch in _SIMPLIFIED)
    assert all(ch.encode("big5") for ch in _TRADITIONAL)
