"""A vCard property given more than once: every NOTE is kept (joined, in order), every
CATEGORIES gives its tags, and what crm keeps one of (TITLE, ORG, ADR, BDAY, FN...) has its
later values named in the import's summary, as the properties crm keeps only in the stored
card are: nothing a card carries is dropped unsaid (RFC 2426, RFC 6350; cards written by
hand as iPhone, Android, Outlook and Google write them)."""

import json
from pathlib import Path

from tests.conftest import imported, ok, person, rows

# Apple Contacts (3.0): grouped properties with X-ABLabel, a folded NOTE, a home and a work
# address (each with Apple's country code), a URL and a social profile of its own.
APPLE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Wang;Fang;;;\r\nFN:Fang Wang\r\nORG:Acme Tea;Sales\r\nTITLE:Buyer\r\n"
    "item1.EMAIL;type=INTERNET;type=pref:fang@example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+86 138 0013 8000\r\n"
    "item2.ADR;type=HOME;type=pref:;;1 Tea Road;Hangzhou;Zhejiang;310000;China\r\n"
    "item2.X-ABADR:cn\r\n"
    "item3.ADR;type=WORK:;;9 Office St;Shanghai;Shanghai;200000;China\r\nitem3.X-ABADR:cn\r\n"
    "NOTE:Met at the spring fair\\, likes Longjing. Call after 3pm on week\r\n"
    " days.\r\n"
    "item4.URL;type=pref:https://acme.example\r\nitem4.X-ABLabel:_$!<HomePage>!$_\r\n"
    "X-SOCIALPROFILE;type=wechat:fang88\r\nNOTE:Second note: prefers email\r\n"
    "CATEGORIES:vip,tea\r\nCATEGORIES:fair-2026\r\nEND:VCARD\r\n"
)
# Android's "Export to .vcf" (2.1): quoted-printable notes in UTF-8, one over a soft line
# break; two titles; a field of Android's own.
ANDROID = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E;=E5=A8=9C;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E=E5=A8=9C\r\n"
    "TEL;CELL:13900139000\r\nTITLE:经理\r\nTITLE:店长\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=96=9C=E6=AC=A2=E7=BB=BF=E8=8C=B6=\r\n"
    "=EF=BC=8C=E5=91=A8=E4=BA=94=E6=9C=89=E7=A9=BA\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E8=80=81=E5=AE=A2=E6=88=B7\r\n"
    "X-ANDROID-CUSTOM:vnd.android.cursor.item/nickname;娜娜;1;;;;;;;;;;;;;\r\n"
    "END:VCARD\r\n"
)
# RFC 6350 (4.0): the name in two languages (ALTID), the same BDAY twice (one value, said
# by nobody), two notes.
FOUR = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN;ALTID=1;LANGUAGE=en:Wei Zhang\r\n"
    "FN;ALTID=1;LANGUAGE=zh:张伟\r\nBDAY:19900507\r\nBDAY:19900507\r\n"
    "NOTE;PID=1.1:first\r\nNOTE;PID=2.1:second\r\nEND:VCARD\r\n"
)


def _file(tmp_path: Path, *cards: str) -> Path:
    file = tmp_path / "contacts.vcf"
    file.write_text("".join(cards), encoding="utf-8", newline="")
    return file


def test_every_note_and_every_category_of_a_card_is_kept_in_order(cn, tmp_path):
    """A second NOTE was dropped unsaid, and a second CATEGORIES' tags with it."""
    imported(_file(tmp_path, APPLE, ANDROID, FOUR))
    apple, android, four = (person(n) for n in (1, 2, 3))
    assert apple["notes"] == (
        "Met at the spring fair, likes Longjing. Call after 3pm on weekdays.\n"
        "Second note: prefers email"
    )
    assert sorted(apple["tags"]) == ["fair-2026", "tea", "vip"]
    assert android["notes"] == "喜欢绿茶，周五有空\n老客户"
    assert four["notes"] == "first\nsecond"
    # each kept once: an export and its import give the same notes back
    again = tmp_path / "again.vcf"
    again.write_text(ok("export", "customers", "--format", "vcard"), encoding="utf-8")
    ok("--db", str(tmp_path / "other.db"), "import", "customers", str(again))
    notes = rows(tmp_path / "other.db", "SELECT notes FROM customers ORDER BY id")
    assert notes == [(apple["notes"],), (android["notes"],), (four["notes"],)]


def test_what_a_card_gives_that_crm_keeps_one_of_is_said_not_dropped(cn, tmp_path):
    """A work address beside the home one, a second title, the name in a second language:
    crm keeps the first; the import's summary names the rest and the cards, and the
    properties kept only in the stored card (URL, X-SOCIALPROFILE...)."""
    err = imported(_file(tmp_path, APPLE, ANDROID, FOUR))
    lines = err.splitlines()
    assert (
        "crm: warning: not imported: the later values of a property a card gives more than "
        "once, of which crm keeps the first: ADR in card 1; TITLE in card 2; FN in card 3"
    ) in lines, err
    assert (
        "Kept in the stored card only, not shown by crm: URL, X-SOCIALPROFILE, "
        "X-ANDROID-CUSTOM (crm export customers --format vcard writes them again)"
    ) in lines, err
    apple = person(1)
    assert (apple["address"], apple["city"], apple["title"]) == ("1 Tea Road", "Hangzhou", "Buyer")
    assert (person(2)["title"], person(3)["name"], person(3)["birthday"]) == (
        "经理",
        "Wei Zhang",
        "1990-05-07",
    )


def test_a_card_that_repeats_nothing_crm_drops_imports_without_a_word_more(cn, tmp_path):
    """The same BDAY twice, or TEL and EMAIL given twice (each one more phone or email), lose
    nothing: no warning; a second X-CRM-FIELD of one key with another value is said."""
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Li Lei\r\nBDAY:1990-05-07\r\nBDAY:1990-05-07\r\n"
        "TEL:+8613800138000\r\nTEL:+8613900139000\r\nEMAIL:a@example.com\r\n"
        "EMAIL:b@example.com\r\nTITLE:Boss\r\nTITLE:Boss \r\nEND:VCARD\r\n"
    )
    err = imported(_file(tmp_path, card))
    assert err.splitlines() == [
        "Imported customers: 1 inserted, 0 updated, 0 unchanged, 0 rejected (1 card)."
    ], err
    found = person(1)
    assert (found["phones"], found["emails"]) == (
        ["+8613800138000", "+8613900139000"],
        ["a@example.com", "b@example.com"],
    )
    fields = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Han Mei\r\nX-CRM-FIELD;X-KEY=wechat:han1\r\n"
        "X-CRM-FIELD;X-KEY=wechat:han2\r\nEND:VCARD\r\n"
    )
    err = imported(_file(tmp_path, fields))
    assert "keeps the first: X-CRM-FIELD;X-KEY=wechat in card 1" in err, err
    shown = json.loads(ok("show", "Han Mei", "--format", "json"))
    assert shown["fields"] == {"wechat": "han1"}


def test_the_cards_of_a_property_kept_once_are_counted_past_the_first_ten(cn, tmp_path):
    # 300 cards of two addresses each: one warning of 1,200 characters named every card
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P{i}\r\nADR;TYPE=HOME:;;1 St;Town;;;\r\n"
        f"ADR;TYPE=WORK:;;2 St;City;;;\r\nEND:VCARD\r\n"
        for i in range(1, 301)
    )
    file = tmp_path / "many.vcf"
    file.write_text(cards, encoding="utf-8")
    err = imported(file, "-q")
    assert err == (
        "crm: warning: not imported: the later values of a property a card gives more than "
        "once, of which crm keeps the first: ADR in cards 1 2 3 4 5 6 7 8 9 10, and 290 more cards\n"
    )
