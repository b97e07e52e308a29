"""vCards as other address books write them: Android's vCard 2.1 (quoted-printable with
soft line breaks, CHARSET, bare TEL types), cards whose BEGIN/END carry a group. The files
are in tests/data (see its README)."""

import json
from pathlib import Path

from tests.conftest import by_name, crm, customers_json, fails, imported, ok

DATA = Path(__file__).parent / "data"


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
    assert "1 of 2 cards are invalid" in err
    assert (
        "card 1 (line 1): not a readable vCard: line 3: the quoted-printable FN is not UTF-8 text"
        in err
    )
    imported(file, "--skip-invalid")
    assert list(by_name()) == ["Good"]


def test_a_21_charset_is_not_written_into_a_30_export(cn, tmp_path):
    """`N;CHARSET=UTF-8:...` of a 2.1 card was exported as is; CHARSET is no 3.0 parameter."""
    file = tmp_path / "charset.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8:王;五;;;\r\nFN;CHARSET=UTF-8:王五\r\n"
        "X-NICK;CHARSET=UTF-8:小王\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    imported(file)
    card = ok("export", "customers", "-f", "vcard")
    assert "CHARSET" not in card and "N:王;五;;;" in card and "X-NICK:小王" in card


def test_cards_whose_begin_and_end_carry_a_group(cn):
    """`home.BEGIN:VCARD` was refused as a line outside any card."""
    imported(DATA / "grouped.vcf")
    lena = by_name()["Lena Koch"]
    assert lena["phones"] == ["+4915123456789"] and lena["emails"] == ["lena@example.de"]


def test_a_line_outside_any_card_is_still_refused(cn, tmp_path):
    file = tmp_path / "junk.vcf"
    file.write_text("hello\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n")
    assert "line 1 is outside any BEGIN:VCARD" in fails(2, "import", "customers", str(file), db=cn)


def _cards(text: str) -> list[list[str]]:
    """Cards as unfolded content lines, checked the way RFC 6350 3.2 writes them (CRLF,
    lines of at most 75 octets, continuation lines starting with a space): an independent
    reading, not vobject's."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical), [
        line for line in physical if len(line.encode("utf-8")) > 75
    ]
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    cards, card = [], []
    for line in logical:
        card.append(line)
        if line == "END:VCARD":
            cards.append(card)
            card = []
    assert not card and all(c[0] == "BEGIN:VCARD" for c in cards)
    return cards


def _uid(card: list[str]) -> str:
    return next(line.split(":", 1)[1] for line in card if line.startswith("UID:"))


def test_every_exported_card_has_a_stable_uid_of_its_own(cn, tmp_path):
    """Cards without UID: another address book skipped 8 of 23."""
    for name in ("Ann", "Bob", "Cid"):
        ok("add", name)
    imported(DATA / "phone.vcf")
    first = ok("export", "customers", "-f", "vcard")
    cards = _cards(_crlf(first))
    uids = [_uid(c) for c in cards]
    assert len(uids) == 5 and len(set(uids)) == 5
    assert "7A1D3C52-9B1E-4C8B-9E0B-2F3C4D5E6F70" in uids  # the phone's own UID kept
    assert all(u.startswith("urn:uuid:") for u in uids if u[0] != "7")
    again = ok("export", "customers", "-f", "vcard", "--vcard-version", "4.0")
    assert [_uid(c) for c in _cards(_crlf(again))] == uids
    # Into a new database and out again: the same UIDs.
    vcf = tmp_path / "out.vcf"
    vcf.write_bytes(_crlf(first).encode("utf-8"))
    fresh = tmp_path / "fresh.db"
    ok("--db", str(fresh), "config", "set", "default_region", "CN")
    ok("--db", str(fresh), "import", "customers", str(vcf))
    back = ok("--db", str(fresh), "export", "customers", "-f", "vcard")
    assert sorted(_uid(c) for c in _cards(_crlf(back))) == sorted(uids)


def _crlf(text: str) -> str:
    return text if "\r\n" in text else text.replace("\n", "\r\n")


def test_a_long_photo_is_folded_and_comes_back_whole(cn, tmp_path):
    import base64

    import vobject

    data = bytes(range(256)) * 4
    photo = base64.b64encode(data).decode("ascii")
    file = tmp_path / "photo.vcf"
    file.write_text(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Pic\r\nPHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\n"
        "END:VCARD\r\n",
        encoding="utf-8",
    )
    imported(file)
    for version in ("3.0", "4.0"):
        text = _crlf(ok("export", "customers", "-f", "vcard", "--vcard-version", version))
        line = next(x for x in _cards(text)[0] if x.startswith("PHOTO"))  # folded, unfolded
        if version == "3.0":
            assert line.startswith("PHOTO;ENCODING=b;TYPE=JPEG:")
            assert vobject.readOne(text).contents["photo"][0].value == data
        else:  # vobject reads a data: URI only up to its comma
            assert line.startswith("PHOTO:data:image/jpeg;base64,")
        assert base64.b64decode(line.rsplit(",", 1)[-1].rsplit(":", 1)[-1]) == data


def test_an_organisation_comes_back_as_an_organisation(cn, tmp_path):
    """A 3.0 export of an organisation (X-ABShowAs:COMPANY) was read back as a person."""
    ok("add", "Acme Ltd", "--kind", "organisation")
    for version in ("3.0", "4.0"):
        file = tmp_path / f"org{version}.vcf"
        file.write_bytes(
            _crlf(ok("export", "customers", "-f", "vcard", "--vcard-version", version)).encode()
        )
        fresh = tmp_path / f"fresh{version}.db"
        ok("--db", str(fresh), "import", "customers", str(file))
        listed = ok("--db", str(fresh), "list", "-f", "csv")
        assert "Acme Ltd,organisation" in listed.replace('"', "")


def test_the_postal_code_goes_out_in_the_address_and_comes_back(cn, tmp_path):
    """A postal code stored as the field postal_code was lost on export."""
    ok("add", "Dora", "--address", "1 Main St", "--city", "Springfield", "--country", "US",
       "--field", "postal_code=62701")  # fmt: skip
    text = _crlf(ok("export", "customers", "-f", "vcard"))
    assert "ADR:;;1 Main St;Springfield;;62701;US" in _cards(text)[0]
    file = tmp_path / "dora.vcf"
    file.write_bytes(text.encode("utf-8"))
    fresh = tmp_path / "fresh.db"
    ok("--db", str(fresh), "import", "customers", str(file))
    dora = ok("--db", str(fresh), "show", "Dora", "-f", "json")
    assert '"postal_code": "62701"' in dora and '"city": "Springfield"' in dora


def test_birthdays_in_each_version_s_own_form_and_a_lunar_rule_that_survives(cn, tmp_path):
    """4.0 wrote `1988-02-29` (RFC 6350 wants `19880229`); a lunar birthday went out as its
    Gregorian day only and came back as a plain date."""
    ok("add", "A", "--birthday", "1988-02-29")
    ok("add", "B", "--birthday", "lunar:1990-闰05-15")
    ok("add", "C", "--birthday", "--07-15")
    four = _cards(_crlf(ok("export", "customers", "-f", "vcard", "--vcard-version", "4.0")))
    three = _cards(_crlf(ok("export", "customers", "-f", "vcard")))
    assert [[x for x in c if x.startswith(("BDAY", "X-LUNAR"))] for c in four] == [
        ["BDAY:19880229"],
        ["BDAY:19900707", "X-LUNAR-BIRTHDAY:1990-闰05-15"],
        ["BDAY:--0715"],
    ]
    assert [[x for x in c if x.startswith(("BDAY", "X-LUNAR"))] for c in three] == [
        ["BDAY:1988-02-29"],
        ["BDAY:1990-07-07", "X-LUNAR-BIRTHDAY:1990-闰05-15"],
        ["BDAY:--07-15"],
    ]
    for version, cards in (("4.0", four), ("3.0", three)):
        file = tmp_path / f"b{version}.vcf"
        file.write_text("\r\n".join(line for c in cards for line in c) + "\r\n", encoding="utf-8")
        fresh = tmp_path / f"fresh{version}.db"
        ok("--db", str(fresh), "import", "customers", str(file))
        back = ok("--db", str(fresh), "export", "customers", "-f", "csv").splitlines()
        assert [line.split(",")[6:8] for line in back] == [
            ["birthday", "birthday_lunar"], ["1988-02-29", ""], ["1990-07-07", "1990-闰05-15"],
            ["--07-15", ""],
        ]  # fmt: skip


KEPT = (
    "name", "kind", "company", "title", "gender", "birthday", "birthday_lunar", "address",
    "city", "region", "country", "industry", "company_size", "source", "notes",
    "preferred_channel", "preferred_time", "external_id", "cadence_days", "cadence_max_days",
    "stage", "tags", "phones", "emails", "fields",
)  # fmt: skip


def test_every_field_survives_a_vcard_into_a_new_database(cn, tmp_path):
    """Industry, source, stage, cadence, user-defined fields, referrers and related people
    were lost on the way."""
    ok("add", "Li Lei", "--kind", "person", "--company", "Acme", "--title", "Buyer",
       "--gender", "m", "--birthday", "lunar:1990-08-15", "--address", "1 Main St",
       "--city", "Springfield", "--region", "IL", "--country", "US", "--industry", "tea",
       "--company-size", "51-200", "--source", "fair", "--notes", "line one\nline two, too",
       "--preferred-channel", "wechat", "--preferred-time", "mornings",
       "--external-id", "K-1", "--cadence", "14d..30d", "--phone", "+1 217 555 0100",
       "--email", "li@example.com", "--field", "wechat=li_88",
       "--field", "postal_code=62701", "--field", "vip.level=3")  # fmt: skip
    ok("tag", "vip", "Li Lei")
    ok("stage", "Li Lei", "customer")
    ok("add", "Acme Org", "--kind", "organisation", "--birthday", "--07-15", "--phone", "10086")
    ok("add", "Han Mei", "--referred-by", "Li Lei", "--related", "spouse=#1",
       "--related", "child=小明")  # fmt: skip
    ok("edit", "Li Lei", "--referred-by", "Han Mei")  # a referrer later in the file
    before = json.loads(ok("list", "-f", "json"))
    shown = [json.loads(ok("show", str(c["id"]), "-f", "json")) for c in before]
    for version in ("3.0", "4.0"):
        text = _crlf(ok("export", "customers", "-f", "vcard", "--vcard-version", version))
        _cards(text)  # folded and framed as RFC 6350 asks
        file = tmp_path / f"all{version}.vcf"
        file.write_bytes(text.encode("utf-8"))
        fresh = tmp_path / f"fresh{version}.db"
        ok("--db", str(fresh), "config", "set", "default_region", "CN")
        ok("--db", str(fresh), "import", "customers", str(file))
        after = [
            json.loads(ok("--db", str(fresh), "show", str(c["id"]), "-f", "json"))
            for c in json.loads(ok("--db", str(fresh), "list", "-f", "json"))
        ]
        for old, new in zip(shown, after, strict=True):
            assert {k: new[k] for k in KEPT} == {k: old[k] for k in KEPT}, version
            assert new["referred_by_name"] == old["referred_by_name"], version
            assert [
                (r["relation"], r["name"], r["customer_id"] is None) for r in new["related"]
            ] == [(r["relation"], r["name"], r["customer_id"] is None) for r in old["related"]], (
                version
            )


def test_an_iphone_card_places_its_phones_by_the_country_code_beside_the_address(cn, tmp_path):
    """Apple writes the country as `item1.X-ABADR:us` when ADR's country is empty: the US
    numbers were read as Chinese ones."""
    file = tmp_path / "iphone.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
        "TEL;type=CELL;type=VOICE;type=pref:(415) 555-0199\r\n"
        "item1.ADR;type=WORK;type=pref:;;1 Market St;San Francisco;CA;94105;\r\n"
        "item1.X-ABADR:us\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    imported(file)
    jane = by_name()["Jane Doe"]
    assert jane["phones"] == ["+14155550199"] and jane["country"] == "US"


def test_a_phone_book_s_service_numbers_never_fail_an_import(cn, tmp_path):
    """10086 with a US address, 12345, a USSD code: rows were rejected, the file refused."""
    file = tmp_path / "book.csv"
    file.write_text(
        "name,phone,country\nE,10086,US\nG,12345,United States\nF,*100#,\nBank,95555,\n"
        "Bank 2,95555,\n",
        encoding="utf-8",
    )
    assert "5 inserted" in imported(file)
    shown = [json.loads(ok("show", str(c["id"]), "-f", "json")) for c in customers_json()]
    assert [(c["name"], c["phone_kinds"]) for c in shown] == [
        ("E", {"10086": "service"}), ("G", {"12345": "service"}), ("F", {"*100#": "service"}),
        ("Bank", {"95555": "service"}), ("Bank 2", {"95555": "service"}),
    ]  # fmt: skip


def test_an_edited_address_leaves_no_orphan_label_of_its_old_group(cn):
    """`item2.X-ABADR:cn` stayed behind, its `item2.ADR` written anew without the group."""
    imported(DATA / "phone.vcf")
    before = ok("export", "customers", "-f", "vcard", "--where", "name = 张伟")
    assert "item2.ADR;TYPE=WORK,pref:" in before and "item2.X-ABADR:cn" in before
    ok("edit", "张伟", "--city", "杭州")
    after = ok("export", "customers", "-f", "vcard", "--where", "name = 张伟")
    assert "ADR:;;坂田华为基地;杭州;广东;518129;中国" in after
    assert "item2." not in after
    assert "item1.TEL:+8613900139000" in after and "item1.X-ABLABEL:微信" in after  # kept


def test_a_referrer_card_is_never_looked_up_as_a_name(cn, tmp_path):
    """A card without a UID of its own, naming a referrer's card from another database, was
    linked to whoever a name search found (or refused as matching several)."""
    ok("add", "Total Stranger")
    file = tmp_path / "n.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Newbie\r\n"
        "X-CRM-REFERRED-BY:urn:uuid:0000-from-other-db\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    err = imported(file)
    assert "referred_by the card urn:uuid:0000-from-other-db is in neither the file" in err
    assert json.loads(ok("show", "Newbie", "-f", "json"))["referred_by"] is None


def test_a_partial_export_back_home_links_to_the_cards_here(cn, tmp_path):
    """Dan's spouse (not in the file) came back as a second, name-only relation."""
    ok("add", "Carol", "--email", "carol@example.com")
    ok("add", "Dan", "--email", "dan@example.com", "--related", "spouse=#1",
       "--referred-by", "Carol")  # fmt: skip
    file = tmp_path / "dan.vcf"
    ok("export", "customers", "--where", "name = Dan", "-o", str(file))
    result = crm("import", "customers", str(file), "--key", "email")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    dan = json.loads(ok("show", "Dan", "-f", "json"))
    assert dan["related"] == [{"relation": "spouse", "name": "Carol", "customer_id": 1}]
    assert dan["referred_by"] == 1


def test_a_related_entry_that_cannot_be_set_never_fails_the_import(cn, tmp_path):
    """A card related to itself failed the whole file with a line naming no row."""
    file = tmp_path / "me.vcf"
    file.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Me\r\nUID:me-1\r\n"
        "X-CRM-RELATED;X-RELATION=me;X-UID=me-1:Me\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Other\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    assert "2 inserted" in imported(file)
    assert json.loads(ok("show", "Me", "-f", "json"))["related"] == []


def test_every_field_a_card_gives_is_named_by_its_vcard_property():
    """A refusal names what the file says: each field `card_record` reads is said by the
    property it came from (BDAY, TEL, EMAIL...), never by crm's own field name."""
    from crmcli.transfer import vcards

    card = vobject_card(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张三\r\nTEL:13800138000\r\nEMAIL:a@b.cn\r\n"
        "ORG:公司\r\nTITLE:经理\r\nADR:;;路 1 号;上海;上海;200000;中国\r\nBDAY:1990-05-07\r\n"
        "X-LUNAR-BIRTHDAY:lunar:1990-04-13\r\nNOTE:n\r\nCATEGORIES:vip\r\nGENDER:F\r\n"
        "KIND:individual\r\nUID:u1\r\nX-CRM-REFERRED-BY:u2\r\nX-CRM-RELATED;X-RELATION=配偶:李四\r\n"
        "X-CRM-FIELD;X-KEY=微信:zs\r\n"
        + "".join(f"{p.upper()}:x\r\n" for p in vcards.CRM_PROPERTIES.values())
        + "END:VCARD\r\n"
    )
    record = vcards.card_record(card)
    said = {field: vcards.property_of(field) for field in record}
    assert said["birthday"] == "BDAY" and said["phone"] == "TEL" and said["email"] == "EMAIL"
    assert said["field:微信"] == "X-CRM-FIELD;X-KEY=微信"
    for field, name in said.items():  # each a property of the card itself
        assert name.split(";")[0].lower() in vcards.MODELLED | {"uid"}, (field, name)


def vobject_card(text: str):
    import vobject

    return vobject.readOne(text, validate=False)


def test_a_card_holding_a_national_id_in_a_field_names_its_property(cn):
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王五\r\nX-CRM-FIELD;X-KEY=memo:11010519491231002X\r\n"
        "END:VCARD\r\n"
    )
    said = fails(2, "import", "customers", "-", "--format", "vcard", input=card, db=cn)
    assert (
        "card 1 (line 1): vCard property X-CRM-FIELD;X-KEY=memo holds a national ID number" in said
    )


TWO_CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张三\r\nTEL:13800138000\r\nEND:VCARD\r\n\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:李四\r\nEMAIL:bad@\r\nEND:VCARD\r\n"
)


def test_a_refused_card_is_named_by_its_number_and_the_line_it_begins_on(cn, tmp_path):
    """A vCard file has cards, not rows: `row 7` named the line a card began on as if it
    were a spreadsheet's row; now `card 2 (line 7)`, in the headline's count too, in English
    and Chinese. The rejects file keeps its columns: reject_line is that line."""
    said = fails(2, "import", "customers", "-", "--format", "vcard", input=TWO_CARDS, db=cn)
    assert said == (
        "crm: 1 of 2 cards are invalid; nothing was imported (fix them, or add --skip-invalid "
        "to import the rest)\n  card 2 (line 7): invalid email 'bad@': There must be "
        "something after the @-sign.\n"
    )
    zh = fails(2, "--lang", "zh", "import", "customers", "-", "--format", "vcard",
               input=TWO_CARDS, db=cn)  # fmt: skip
    assert zh.startswith("crm: 2 张名片中有 1 张无效；未导入任何内容"), zh
    assert "\n  第 2 张名片（文件第 7 行）：邮箱“bad@”无效" in zh, zh
    dry = crm("import", "customers", "-", "--format", "vcard", "--skip-invalid", "--dry-run",
              input=TWO_CARDS)  # fmt: skip
    assert "1 rejected (2 cards)." in dry.stderr and "\nCards to skip:\n  card 2 (line 7):" in (
        dry.stderr
    )
    rejects = tmp_path / "rejects.jsonl"
    result = crm("--lang", "zh", "import", "customers", "-", "--format", "vcard",
                 "--skip-invalid", "--rejects", str(rejects), input=TWO_CARDS)  # fmt: skip
    assert result.exit_code == 0 and "拒绝 1（2 张名片）" in result.stderr, result.stderr
    [line] = [json.loads(text) for text in rejects.read_text(encoding="utf-8").splitlines()]
    assert list(line) == ["reject_line", "reject_reason", "record"]
    assert line["reject_line"] == 7 and line["record"]["name"] == "李四"
    assert list(by_name()) == ["张三"]


def test_a_card_repeating_an_earlier_card_s_phone_names_that_card(cn):
    text = TWO_CARDS.replace("EMAIL:bad@", "TEL:138 0013 8000")
    said = fails(2, "import", "customers", "-", "--format", "vcard", input=text, db=cn)
    assert "\n  card 2 (line 7): 张三 of card 1 (line 1) already has +8613800138000;" in said


def test_a_quoted_printable_value_whose_soft_line_break_runs_into_the_end_is_said(cn, tmp_path):
    """`...=E4=B8=89=` then END:VCARD: the soft line break read END:VCARD into the value, and
    the card was refused as 'not a readable vCard', no reason, at the BEGIN's line."""
    file = tmp_path / "dangling.vcf"
    for value, line in (("=E5=BC=A0=E4=B8=89=", 3), ("=E5=BC=A0=\r\n=E4=B8=89=", 4)):
        file.write_text(
            "BEGIN:VCARD\r\nVERSION:2.1\r\n"
            f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{value}\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Good\r\nEND:VCARD\r\n",
            encoding="ascii",
        )
        err = fails(2, "import", "customers", str(file), db=cn)
        assert (
            f"card 1 (line 1): not a readable vCard: line {line}: the quoted-printable FN ends "
            "in a soft line break (=) with nothing after it, so the card never ends (its "
            "END:VCARD is read as part of the value)\n"
        ) in err, err
        zh = fails(2, "--lang", "zh", "import", "customers", str(file), db=cn)
        assert (
            f"第 1 张名片（文件第 1 行）：无法读取的 vCard：第 {line} 行：QUOTED-PRINTABLE 编码的 "
            "FN 以软换行（=）结尾，后面却没有内容，这张名片因此没有结束（它的 END:VCARD "
            "被当成了值的一部分）\n"
        ) in zh, zh
    assert customers_json() == []
    imported(file, "--skip-invalid")
    assert list(by_name()) == ["Good"]


def test_a_comma_in_a_text_value_is_part_of_it_not_its_end(cn, tmp_path):
    """vobject reads an unescaped comma as the end of a one-text value: `TITLE:Head of Sales,
    APAC` was the title `Head of Sales`, `FN:Tom, Jr.` the name `Tom`, and a 2.1 card (which
    escapes no comma) lost the rest of every note after its first comma; `ORG:Acme, Inc.`
    was `Acme,  Inc.`."""
    file = tmp_path / "commas.vcf"
    file.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Li;Lei\r\nFN:Li Lei\r\nORG:Acme, Inc.;Sales, APAC\r\n"
        b"TITLE:Head of Sales, APAC\r\nADR;WORK:;;Room 5, Building 2;Beijing;;;China\r\n"
        b"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=96=9C=E6=AC=A2=E9=BE=99=E4=BA=95, "
        b"=E7=BB=BF=E8=8C=B6\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tom, Jr.\r\nN:Wilson;Tom;;;Jr.\r\n"
        b"NOTE:Met at the Canton Fair in Guangzhou in 2024 and again in Paris\r\n , France\r\n"
        b"X-CRM-SOURCE:trade fair, Paris\r\nCATEGORIES:vip,tea\r\nEND:VCARD\r\n"
    )
    imported(file)
    li = by_name()["Li Lei"]
    assert (li["company"], li["title"]) == ("Acme, Inc.", "Head of Sales, APAC")
    assert (li["address"], li["city"], li["country"]) == ("Room 5, Building 2", "Beijing", "China")
    assert li["notes"] == "喜欢龙井, 绿茶"
    tom = by_name()["Tom, Jr."]
    assert tom["notes"] == "Met at the Canton Fair in Guangzhou in 2024 and again in Paris, France"
    assert tom["source"] == "trade fair, Paris"
    assert sorted(tom["tags"]) == ["tea", "vip"]  # CATEGORIES: the comma is its separator
