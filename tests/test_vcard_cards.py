"""A vCard without its END:VCARD is refused alone, by number and line, in the run's
language, never merged with the card after it; an extension after a card's number is split
off and kept in the card, whichever way it is written (`转123` as `ext. 123`), as the import
splits it (docs/transfer.md#vcard-crm-import-customers-contactsvcf)."""

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import crm, examples, fails, ok
from tests.test_i18n_errors import english_left


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


# --- a card vobject cannot read, said in crm's words ----------------------------------------

BAD_CARDS = [
    # (lines of card 2 after its FN, the refusal after `card 2 (line 5): `)
    (["garbage"], "not a readable vCard: line 8 is not a vCard property (NAME:value): 'garbage'"),
    (["NOTE:a", " folded", "TEL;TYPE=\"cell:1"],
     "not a readable vCard: line 10 is not a vCard property (NAME:value): 'TEL;TYPE=\"cell:1'"),
    (["BEGIN:VEVENT", "SUMMARY:x"],
     "not a readable vCard: line 10: END:VCARD comes before the END:VEVENT of the BEGIN:VEVENT "
     "on line 8"),
    (["END:VTODO"], "not a readable vCard: line 8: END:VTODO ends nothing (no BEGIN:VTODO before it)"),
    (["PHOTO;ENCODING=b:abc"],
     "not a readable vCard: line 8: the PHOTO value is not base64, as its ENCODING says"),
    (["NOTE;ENCODING=QUOTED-PRINTABLE:a=", "b=", "c", "oops"],
     "not a readable vCard: line 11 is not a vCard property (NAME:value): 'oops'"),
]  # fmt: skip


def test_a_card_vobject_cannot_read_is_refused_by_its_line_in_crm_words(db_path):
    """vobject's `At line 15: Failed to parse line: garbage` (its line numbers count a card's
    lines twice) and `VEVENT component wasn't closed` were shown as they are, in Chinese too."""
    for lines, said in BAD_CARDS:
        text = card("李娜") + card("张伟", *lines) + card("王芳")
        err = fails(2, "import", "customers", "-", "--format", "vcard", input=text, db=db_path)
        assert err.splitlines()[1:] == [f"  card 2 (line 5): {said}"], err
        zh = fails(
            2, "--lang", "zh", "import", "customers", "-", "--format", "vcard", input=text,
            db=db_path,
        )  # fmt: skip
        reason = zh.splitlines()[1].split("：", 1)[1]
        assert reason.startswith("无法读取的 vCard：第 "), zh
        keys = r"vCard|BEGIN:\w+|END:\w+|ENCODING|BASE64|PHOTO|“[^”]*”"
        assert english_left(re.sub(keys, "", reason)) == [], zh
    ok("import", "customers", "-", "--format", "vcard", "--skip-invalid", input=text)
    assert names() == ["李娜", "王芳"]  # the card refused alone


def test_an_8bit_value_is_read_as_the_text_it_is(db_path):
    """vobject decoded any ENCODING as base64: a NOTE `abcd` of ENCODING=8BIT was stored as
    three bytes, `hello` refused."""
    for version in ("2.1", "3.0"):
        text = (
            f"BEGIN:VCARD\r\nVERSION:{version}\r\nFN:Ann {version}\r\n"
            "NOTE;ENCODING=8BIT:abcd\r\nTITLE;8BIT:hello world\r\nEND:VCARD\r\n"
        )
        ok("import", "customers", "-", "--format", "vcard", input=text)
    shown = json.loads(ok("export", "customers", "--format", "json"))
    assert [(c["notes"], c["title"]) for c in shown] == [("abcd", "hello world")] * 2


@settings(max_examples=examples(60), deadline=None, derandomize=True)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), max_size=4))
def test_no_card_shows_vobject_s_words_whatever_its_lines(lines):
    """Any lines inside a card: imported, or refused in one line of crm's own, naming a line
    of that card."""
    text = card("张伟", *lines)
    result = crm("import", "customers", "-", "--format", "vcard", "--dry-run", input=text)
    assert result.exit_code in (0, 2), result
    assert "Traceback" not in result.stderr
    for english in ("Failed to parse", "component", "At line", "codec", "vobject", "never"):
        assert english not in result.stderr, result.stderr
    for number in re.findall(r": line (\d+)", result.stderr):
        assert 1 <= int(number) <= 4 + sum(1 + x.count("\n") + x.count("\r") for x in lines)
