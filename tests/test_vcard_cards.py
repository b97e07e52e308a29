"""A vCard without its END:VCARD is refused alone, by number and line, in the run's
language, never merged with the card after it; an extension after a card's number is split
off and kept in the card, whichever way it is written (`转123` as `ext. 123`), as the import
splits it (docs/transfer.md#vcard-crm-import-customers-contactsvcf)."""

import json

from tests.conftest import crm, fails, ok


def card(name: str, *lines: str, end: bool = True) -> str:
    body = "".join(f"{line}\r\n" for line in lines)
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\n{body}" + ("END:VCARD\r\n" if end else "")


def names() -> list[str]:
    return [c["name"] for c in json.loads(ok("export", "customers", "--format", "json"))]


def test_a_card_without_its_end_is_refused_alone_and_never_merged(db_path):
    text = card("张伟", "EMAIL:zw@example.com", end=False) + card("李娜") + card("王芳")
    err = fails(2, "import", "customers", "-", "--format", "vcard", input=text, db=db_path)
    assert err.splitlines()[1:] == [
        "  card 1 (line 1): it has no END:VCARD before the next card's BEGIN:VCARD at line 5"
    ], err
    err = fails(
        2, "--lang", "zh", "import", "customers", "-", "--format", "vcard", input=text, db=db_path
    )
    assert (
        "第 1 张名片（文件第 1 行）：在下一张名片的 BEGIN:VCARD（第 5 行）之前没有 END:VCARD" in err
    )
    assert "vobject" not in err and "never closed" not in err, err
    result = crm("import", "customers", "-", "--format", "vcard", "--skip-invalid", input=text)
    assert result.exit_code == 0, result.stderr
    assert names() == ["李娜", "王芳"]  # 李娜's card is her own, not inside 张伟's


def test_the_last_card_without_its_end_is_refused_by_number(db_path):
    text = card("李娜") + card("张伟", end=False)
    err = fails(2, "import", "customers", "-", "--format", "vcard", input=text, db=db_path)
    assert "card 2 (line 5): it has no END:VCARD before the end of the file" in err, err
    zh = fails(
        2, "--lang", "zh", "import", "customers", "-", "--format", "vcard", input=text, db=db_path
    )
    assert "第 2 张名片（文件第 5 行）：文件结束前没有 END:VCARD" in zh, zh


EXTENSIONS = ["转123", "转 123", "轉123", "分机123", "分机：123", "分機號 123", "（分机 123）",
              "内线 123", "ext. 123", "ext123", "extension 123", "x123", "X 123", "#123", "~123"]  # fmt: skip


def test_every_way_of_writing_an_extension_is_kept_in_the_card(cn):
    text = "".join(
        card(f"客户{n}", f"TEL;TYPE=WORK:010-6234 5678{gap}{extension}")
        for n, (extension, gap) in enumerate((e, g) for e in EXTENSIONS for g in ("", " "))
    )
    result = crm("import", "customers", "-", "--format", "vcard", "--allow-duplicate", input=text)
    assert result.exit_code == 0, result.stderr
    shown = json.loads(ok("export", "customers", "--format", "json"))
    assert len(shown) == 2 * len(EXTENSIONS)
    assert {p for c in shown for p in c["phones"]} == {"+861062345678"}
    exported = ok("export", "customers", "--format", "vcard")
    assert exported.count("TEL;TYPE=WORK:+861062345678 ext. 123\n") == len(shown), exported
