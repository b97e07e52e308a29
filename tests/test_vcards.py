"""vCards as other address books write them: Android's vCard 2.1 (quoted-printable with
soft line breaks, CHARSET, bare TEL types), cards whose BEGIN/END carry a group. The files
are in tests/data (see its README)."""

from pathlib import Path

from tests.conftest import crm, customers_json, fails, ok

DATA = Path(__file__).parent / "data"


def by_name() -> dict[str, dict]:
    return {c["name"]: c for c in customers_json()}


def imported(path: Path, *args: str) -> str:
    result = crm("import", "customers", str(path), *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def test_android_21_export_with_soft_line_breaks(cn):
    """It failed whole: 'not a readable vCard'; its NOTE's =0D=0A was 'control characters'."""
    assert "2 inserted" in imported(DATA / "android_21.vcf")
    zhang = by_name()["张三"]
    assert zhang["address"] == "中关村大街道10号"  # joined across the soft line break
    assert (zhang["city"], zhang["country"]) == ("北京", "中国")
    assert zhang["fields"] == {"postal_code": "100080"}
    assert zhang["notes"] == "喜欢绿茶\n周五下午有空"
    assert zhang["phones"] == ["+8613800138001", "+861062345678"]
    assert zhang["emails"] == ["zhangsan@example.cn"]
    assert by_name()["Tom Wilson"]["phones"] == ["+12125550147"]


def test_bare_21_types_are_kept_on_export(cn):
    imported(DATA / "android_21.vcf")
    card = ok("export", "customers", "--where", "name = 张三", "-f", "vcard")
    lines = card.splitlines()
    assert "TEL;TYPE=CELL,pref:+8613800138001" in lines
    assert "TEL;TYPE=WORK:+861062345678" in lines
    assert "ADR;TYPE=HOME:;;中关村大街道10号;北京;;100080;中国" in lines
    assert "QUOTED-PRINTABLE" not in card and "CHARSET" not in card


def test_an_old_phone_writing_gb2312_is_read_by_its_charset(cn, tmp_path):
    name = "".join(f"={b:02X}" for b in "李四".encode("gb2312"))
    file = tmp_path / "nokia.vcf"
    file.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        + f"N;CHARSET=GB2312;QUOTED-PRINTABLE:{name};;;;\r\n".encode("ascii")
        + b"TEL;CELL:13900139000\r\nEND:VCARD\r\n"
    )
    imported(file)
    assert by_name()["李四"]["phones"] == ["+8613900139000"]


def test_a_quoted_printable_value_that_is_not_its_charset_rejects_only_its_card(cn, tmp_path):
    file = tmp_path / "bad.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=FF=FE\r\n"
        "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nFN:Good\r\nEND:VCARD\r\n",
        encoding="ascii",
    )
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "1 of 2 rows are invalid" in err
    assert "row 1: not a readable vCard: a quoted-printable FN is not UTF-8" in err
    imported(file, "--skip-invalid")
    assert list(by_name()) == ["Good"]


def test_cards_whose_begin_and_end_carry_a_group(cn):
    """`home.BEGIN:VCARD` was refused as a line outside any card."""
    imported(DATA / "grouped.vcf")
    lena = by_name()["Lena Koch"]
    assert lena["phones"] == ["+4915123456789"] and lena["emails"] == ["lena@example.de"]


def test_a_line_outside_any_card_is_still_refused(cn, tmp_path):
    file = tmp_path / "junk.vcf"
    file.write_text("hello\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n")
    assert "line 1 is outside any BEGIN:VCARD" in fails(2, "import", "customers", str(file), db=cn)
