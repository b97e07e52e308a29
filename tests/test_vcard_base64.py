"""Base64 in vCards, as phones, Outlook, macOS Contacts and Google write it: RFC 2426's
`ENCODING=b`, vCard 2.1's `ENCODING=BASE64` and bare `BASE64` (with CHARSET, the value over
folded lines up to an empty line), RFC 6350's `data:` URIs. A text property's value is read
as text in its CHARSET, never as a Python bytes repr (`notes b'\\xe5\\xbc\\xa0...'` was
stored); PHOTO, LOGO, SOUND and KEY are skipped and kept in the card. The files are in
tests/data (see its README); docs/transfer.md#vcard-crm-import-customers-contactsvcf."""

import base64
import re
import sqlite3
from pathlib import Path

from tests.conftest import by_name, crm, fails, imported, ok

DATA = Path(__file__).parent / "data"


def b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def reprs(db: Path) -> list[str]:
    """Every text cell of the database that reads as a Python repr of bytes or of a list."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not re.search(r"_(data|idx|content|docsize|config)$", r[0])
        ]
        cells = [
            value
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
            for value in row
            if isinstance(value, str)
        ]
    finally:
        conn.close()
    return [c for c in cells if re.search(r"""(^|[\s"\[,])b['"]|\\x[0-9a-f]{2}|^\[['"]""", c)]


def test_a_base64_note_is_its_text_not_a_bytes_repr(cn, tmp_path):
    """The report: `crm show 1` gave `notes b'\\xe5\\xbc\\xa0\\xe4\\xb8\\x89'` for 张三."""
    file = tmp_path / "a.vcf"
    file.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zhang Wei\r\nN:Zhang;Wei;;;\r\n"
        b"NOTE;ENCODING=b:5byg5LiJ\r\nEND:VCARD\r\n"
    )
    imported(file)
    shown = ok("show", "1")
    assert re.search(r"(?m)^  notes +张三$", shown), shown
    assert "b'" not in shown
    assert reprs(cn) == []


def test_vcard_30_base64_text_properties_as_rfc_2426_and_apple_write_them(cn):
    assert "2 inserted" in imported(DATA / "base64_30.vcf")
    wang = by_name()["王芳"]
    assert (wang["company"], wang["title"]) == ("蓝海贸易", "市场总监")
    assert wang["emails"] == ["wangfang@example.cn", "fang.wang@example.com"]
    assert wang["phones"] == ["+8613912345678", "+861087654321"]  # item1.TEL;ENCODING=b
    assert (wang["address"], wang["city"], wang["region"]) == ("建国路88号", "北京", "北京")
    assert wang["country"] == "CN"  # item2.X-ABADR;ENCODING=b beside the address
    assert wang["fields"] == {"postal_code": "100022"}
    assert wang["tags"] == ["vip", "茶"]
    assert wang["notes"] == "VIP客户, 喜欢龙井; 每月联系\n周一 9:00"
    assert wang["birthday"] == "1988-03-08"
    chen = by_name()["Chen Jing"]  # Apple's bare NOTE;BASE64
    assert chen["notes"] == "Prefers WeChat, evenings"
    assert chen["phones"] == ["+8613700137000"]
    assert chen["kind"] == "person"  # X-ABShowAs;ENCODING=b:PERSON
    assert reprs(cn) == []


def test_vcard_21_base64_in_its_charset_and_a_photo_over_lines_up_to_an_empty_one(cn):
    """The TEL and NOTE after a multi-line PHOTO are read; GB2312 values from an old phone;
    a PHOTO whose lines a phone wrote unindented (the card was refused as not readable)."""
    assert "3 inserted" in imported(DATA / "base64_21.vcf")
    zhang = by_name()["张三"]
    assert zhang["phones"] == ["+8613800138001", "+861062345678"]
    assert zhang["notes"] == "喜欢绿茶，周五下午有空\n会议, 电话"
    li = by_name()["李四"]
    assert (li["company"], li["title"], li["notes"]) == ("蓝海贸易", "销售经理", "老客户")
    assert (li["address"], li["city"], li["country"]) == ("中关村大街1号", "北京", "中国")
    assert li["phones"] == ["+8613900139000"]
    tom = by_name()["Tom Wilson"]  # Outlook: X-MS-CARDPICTURE, LOGO, SOUND, KEY skipped
    assert tom["phones"] == ["+12125550147"] and tom["emails"] == ["tom@contoso.example"]
    assert tom["notes"] == (
        "Met at the Frankfurt fair, 2024; prefers calls after 3 pm.\nWife: Jane"
    )
    assert reprs(cn) == []


def test_the_binary_properties_are_kept_in_the_card_and_exported_whole(cn):
    imported(DATA / "base64_21.vcf")
    card = ok("export", "customers", "--where", "name = 张三", "-f", "vcard")
    unfolded = re.sub(r"\r?\n ", "", card)
    photo = re.search(r"(?m)^PHOTO;[^:]*:(\S+)$", unfolded)
    assert photo is not None, card
    assert base64.b64decode(photo.group(1)).startswith(b"\x89PNG\r\n")
    assert "NOTE:喜欢绿茶，周五下午有空\\n会议\\, 电话" in unfolded
    assert "BASE64:" not in unfolded.replace("ENCODING=BASE64;TYPE=PNG:", "")
    tom = re.sub(r"\r?\n ", "", ok("export", "customers", "--where", "name = Tom Wilson",
                                   "-f", "vcard"))  # fmt: skip
    for name in ("X-MS-CARDPICTURE", "LOGO", "SOUND", "KEY"):
        assert re.search(rf"(?m)^{name};[^:]*:[A-Za-z0-9+/]{{40}}", tom), (name, tom)


def test_vcard_40_data_uris_are_skipped_and_what_follows_is_read(cn):
    imported(DATA / "data_uri_40.vcf")
    maria = by_name()["María García"]
    assert maria["phones"] == ["+34600123456"]
    assert maria["emails"] == ["maria@example.es"]
    assert maria["notes"] == "Prefers email, mornings"
    card = re.sub(r"\r?\n ", "", ok("export", "customers", "-f", "vcard", "--vcard-version", "4.0"))
    assert "PHOTO:data:image/png;base64,iVBORw0KGgo" in card
    assert "KEY:data:application/pgp-keys;base64," in card
    assert reprs(cn) == []


def test_a_property_given_twice_and_grouped_each_base64(cn, tmp_path):
    file = tmp_path / "twice.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"FN;ENCODING=b:{b64('赵六')}\r\n"
        f"item1.EMAIL;type=INTERNET;ENCODING=b:{b64('zl@example.cn')}\r\n"
        f"item2.EMAIL;type=INTERNET;ENCODING=b:{b64('zhao@example.com')}\r\n"
        f"TEL;ENCODING=b:{b64('138 0013 8000')}\r\n"
        f"item3.TEL;type=CELL;BASE64:{b64('139 0013 9000')}\r\n"
        f"ORG;ENCODING=b:{b64('Acme, Inc.;R&D')}\r\n"
        f"X-CRM-SOURCE;ENCODING=b:{b64('展会')}\r\n"
        f"X-CRM-FIELD;X-KEY=wechat;ENCODING=b:{b64('zl_66')}\r\n"
        "END:VCARD\r\n",
        encoding="ascii",
    )
    imported(file)
    zhao = by_name()["赵六"]
    assert zhao["emails"] == ["zl@example.cn", "zhao@example.com"]
    assert zhao["phones"] == ["+8613800138000", "+8613900139000"]
    assert zhao["company"] == "Acme, Inc."
    assert zhao["source"] == "展会"
    assert zhao["fields"] == {"wechat": "zl_66"}
    assert reprs(cn) == []


def test_a_base64_value_not_in_its_charset_rejects_its_card_with_a_reason(cn, tmp_path):
    file = tmp_path / "bad.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad bytes\r\nNOTE;ENCODING=b://4=\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Unknown charset\r\n"
        f"NOTE;CHARSET=X-KLINGON;ENCODING=BASE64:{b64('hello')}\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        f"N;CHARSET=GBK;ENCODING=BASE64:{b64('王;五', 'utf-8')}\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Good\r\nEND:VCARD\r\n",
        encoding="ascii",
    )
    err = fails(2, "import", "customers", str(file), db=cn)
    assert err.splitlines()[1:] == [
        "  card 1 (line 1): not a readable vCard: line 4: the base64 NOTE is not UTF-8 text",
        "  card 2 (line 6): not a readable vCard: line 9: the NOTE value is in "
        "CHARSET=X-KLINGON, a character set crm does not know; save the contacts again as "
        "UTF-8",
        "  card 3 (line 11): not a readable vCard: line 13: the base64 N is not GBK text",
    ], err
    zh = fails(2, "--lang", "zh", "import", "customers", str(file), db=cn)
    assert "第 4 行：BASE64 编码的 NOTE 不是 UTF-8 文本" in zh, zh
    assert "CHARSET=X-KLINGON" in zh and "crm 不认识" in zh, zh
    imported(file, "--skip-invalid")
    assert list(by_name()) == ["Good"]
    assert reprs(cn) == []


def test_a_quoted_printable_value_in_an_unknown_charset_is_said_so(cn, tmp_path):
    file = tmp_path / "qp.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=X-KLINGON;QUOTED-PRINTABLE:=41\r\nEND:VCARD\r\n",
        encoding="ascii",
    )
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "line 3: the FN value is in CHARSET=X-KLINGON, a character set crm does not know" in err


def test_a_binary_property_with_a_base64_value_on_a_text_one_is_not_decoded_as_text(cn):
    """A PHOTO's bytes are never read in a CHARSET: a JPEG is not UTF-8, and its card imports."""
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256))).decode("ascii")
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8:孙;七\r\n"
        f"PHOTO;CHARSET=UTF-8;ENCODING=BASE64;JPEG:{photo}\r\n\r\nTEL;CELL:13600136000\r\n"
        "END:VCARD\r\n"
    )
    result = crm("import", "customers", "-", "--format", "vcard", input=text)
    assert result.exit_code == 0, result.stderr
    assert by_name()["孙七"]["phones"] == ["+8613600136000"]
