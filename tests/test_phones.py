"""Phone numbers (crmcli.core.validate.phone and every way in): read in the customer's own
country first, then default_region; refused with a hint rather than stored under the wrong
country; service numbers and short codes kept as phones of kind service; default_region
from the locale saved on the first write, so a cron job reads numbers as the terminal did."""

import json
import random
import re
import unicodedata
from pathlib import Path
from unittest import mock

import phonenumbers
import pytest
from babel import Locale
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crmcli.core import validate
from crmcli.core.errors import InvalidInput
from tests.conftest import add, crm, dump, examples, fails, ok, rows


def phones(path: Path, customer_id: int) -> list[tuple[str, str]]:
    """(phone, kind) of a customer as stored, primary first."""
    return rows(
        path,
        "SELECT phone, kind FROM customer_phones WHERE customer_id = ? "
        "ORDER BY is_primary DESC, id",
        customer_id,
    )


def shown(ref: str) -> dict:
    return json.loads(ok("show", ref, "-f", "json"))


# --- the issue's examples ---------------------------------------------------------------------


def test_a_us_number_of_a_us_customer_is_stored_as_a_us_number(cn):
    john = add("John", "--phone", "(212) 555-0134", "--country", "US")
    assert phones(cn, john) == [("+12125550134", "number")]


def test_a_uk_mobile_of_a_uk_customer_is_stored_as_a_uk_number(cn):
    ahmed = add("Ahmed Khan", "--phone", "07400 123456", "--country", "GB")
    assert phones(cn, ahmed) == [("+447400123456", "number")]


def test_the_issues_uk_number_is_in_the_range_kept_for_drama_and_is_refused(cn):
    """07700 900xxx is the range Ofcom keeps for films and plays: no one has it, so the
    number is refused, not stored as +86 7700 900123 (a number it is also valid as)."""
    err = fails(2, "add", "Ahmed Khan", "--phone", "07700 900123", "--country", "GB", db=cn)
    assert err.startswith("crm: phone '07700 900123' is not a valid GB number;")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("US", "(212) 555-0134", "+12125550134"),
        ("United States", "(212) 555-0134", "+12125550134"),
        ("usa", "212-555-0134", "+12125550134"),
        ("美国", "(212) 555-0134", "+12125550134"),
        ("UK", "07400 123456", "+447400123456"),
        ("United Kingdom", "07400 123456", "+447400123456"),
        ("英國", "07400 123456", "+447400123456"),
        ("Hong Kong", "5123 4567", "+85251234567"),
        ("中国", "138 0013 8000", "+8613800138000"),
        ("China", "010 1234 5678", "+861012345678"),
    ],
)
def test_the_country_may_be_typed_as_people_type_it(cn, country, typed, stored):
    customer = add("X", "--phone", typed, "--country", country)
    assert phones(cn, customer) == [(stored, "number")]


@pytest.mark.parametrize(
    ("country", "number", "stored"),
    [
        ("United States of America", "(415) 555-0100", "+14155550100"),  # Outlook's column
        ("England", "020 7946 0991", "+442079460991"),
        ("Scotland", "0131 496 0000", "+441314960000"),
        ("Deutschland", "030 901820", "+4930901820"),
        ("Turkey", "0212 555 1234", "+902125551234"),
        ("香港", "9123 4567", "+85291234567"),
        ("Korea", "02-312-3456", "+8223123456"),
    ],
)
def test_countries_as_people_and_tools_write_them_are_placed(cn, country, number, stored):
    """These were not placed, and the numbers were read as Chinese ones without a word."""
    customer = add("X", "--phone", number, "--country", country)
    assert phones(cn, customer) == [(stored, "number")]


def test_a_country_crm_cannot_place_keeps_international_and_service_numbers(cn):
    customer = add("X", "--phone", "+44 20 7946 0018", "--phone", "10086", "--country", "Atlantis")
    assert phones(cn, customer) == [("+442079460018", "number"), ("10086", "service")]
    assert shown(str(customer))["country"] == "Atlantis"


def test_without_a_country_default_region_reads_the_number(cn):
    customer = add("X", "--phone", "(212) 555-0134")
    assert phones(cn, customer) == [("+862125550134", "number")]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--phone", "13800138001", "--country", "US"],
            "crm: phone '13800138001' is not a valid US number; it is valid in CN: "
            "type +86 138 0013 8001 or give the customer's country as CN\n",
        ),
        (
            ["--phone", "447400123456"],
            "crm: phone '447400123456' is not a valid CN number; it is valid in GB: "
            "type +44 7400 123456 or give the customer's country as GB\n",
        ),
        (
            ["--phone", "(650) 253-0000"],
            "crm: invalid phone '(650) 253-0000': not a valid CN number; give the customer's "
            "country, or type it with +country code\n",
        ),
        (
            ["--phone", "020 7946 0018", "--country", "Atlantis"],
            "crm: country 'Atlantis' is not one crm can place, so phone '020 7946 0018' cannot "
            "be read as its number: give the country as a code (GB, US...) or the phone with "
            "+country code\n",
        ),
        (
            ["--phone", "212-555-0134 ext. 12", "--country", "US"],
            "crm: phone '212-555-0134 ext. 12' has an extension (12), which crm does not keep: "
            "give the number alone, and the extension in --notes or a --field\n",
        ),
        (
            ["--phone", "010-8888 8888 转123"],  # 转 (and 分机) marks an extension in Chinese
            "crm: phone '010-8888 8888 转123' has an extension (123), which crm does not keep: "
            "give the number alone, and the extension in --notes or a --field\n",
        ),
        (
            ["--phone", "010 8888 8888 分机 8001"],
            "crm: phone '010 8888 8888 分机 8001' has an extension (8001), which crm does not "
            "keep: give the number alone, and the extension in --notes or a --field\n",
        ),
        (
            ["--phone", "010-8888 8888 x123"],
            "crm: phone '010-8888 8888 x123' has an extension (123), which crm does not keep: "
            "give the number alone, and the extension in --notes or a --field\n",
        ),
        (
            ["--phone", "转 110"],  # an extension alone: no number read from its digits
            "crm: phone '转 110' is an extension alone: give the customer's number, and the "
            "extension in --notes or a --field\n",
        ),
        (
            ["--phone", "分机123"],
            "crm: phone '分机123' is an extension alone: give the customer's number, and the "
            "extension in --notes or a --field\n",
        ),
        (
            ["--phone", "Ext. 5"],
            "crm: phone 'Ext. 5' is an extension alone: give the customer's number, and the "
            "extension in --notes or a --field\n",
        ),
        *(
            (
                ["--phone", typed],  # as typed with a colon, a dash, brackets, full-width
                f"crm: phone '{typed}' is an extension alone: give the customer's number, and "
                "the extension in --notes or a --field\n",
            )
            for typed in ("转：110", "分机:8001", "Ext: 123", "x-123", "(转)120", "ｅｘｔ 12")
        ),
        (
            ["--phone", "12345678901"],  # 11 digits from 1: a mobile mistyped, not a US number
            "crm: invalid phone '12345678901': not a valid CN mobile number: none begins with "
            "123; check the digits\n",
        ),
        (
            ["--phone", "14012345678"],  # +1 401 is Rhode Island's: no advice of a country
            "crm: invalid phone '14012345678': not a valid CN mobile number: none begins with "
            "140; check the digits\n",
        ),
        (
            ["--phone", "140 1234 5678", "--country", "中国"],
            "crm: invalid phone '140 1234 5678': not a valid CN mobile number: none begins with "
            "140; check the digits\n",
        ),
        (
            ["--phone", "17406000000"],  # 1740 is mobile only to 17405
            "crm: invalid phone '17406000000': not a valid CN mobile number; check the digits; "
            "give the customer's country, or type it with +country code\n",
        ),
        (
            ["--phone", "13800138000;13900139000"],
            "crm: invalid phone '13800138000;13900139000': one number per phone (give each its "
            "own)\n",
        ),
        (["--phone", "+44 10086"], "crm: invalid phone '+44 10086': not a valid number\n"),
    ],
)
def test_a_number_not_valid_in_the_region_used_is_refused(cn, args, line):
    assert fails(2, "add", "X", *args, db=cn) == line


def test_no_region_at_all_asks_for_a_country_code(db_path):
    add("Someone")  # the file exists, with no default_region (the tests' locale has none)
    err = fails(2, "add", "X", "--phone", "13800138000", db=db_path)
    assert "no default region" in err
    # A service number needs no region: it is kept as typed.
    assert json.loads(ok("show", str(add("Bank", "--phone", "95555")), "-f", "json"))[
        "phone_kinds"
    ] == {"95555": "service"}


def test_edit_reads_a_new_phone_in_the_stored_country(cn):
    john = add("John", "--country", "US")
    ok("edit", str(john), "--phone", "(650) 253-0000")
    assert phones(cn, john) == [("+16502530000", "number")]
    err = fails(2, "edit", str(john), "--phone", "13800138001", db=cn)
    assert "not a valid US number; it is valid in CN" in err


def test_edit_reads_a_new_phone_in_the_new_country(cn):
    ahmed = add("Ahmed", "--country", "US")
    ok("edit", str(ahmed), "--country", "UK", "--phone", "07400 123456")
    assert phones(cn, ahmed) == [("+447400123456", "number")]


def test_a_bulk_edit_reads_each_customers_phone_in_their_own_country(cn):
    china = add("Cn", "--country", "中国")
    uk = add("Gb", "--country", "GB")
    ok("edit", str(china), str(uk), "--phone", "020 7946 0958")  # Guangzhou, and London
    assert phones(cn, china) == [("+862079460958", "number")]
    assert phones(cn, uk) == [("+442079460958", "number")]
    us = add("Us", "--country", "US")
    err = fails(2, "edit", str(china), str(us), "--phone", "020 7946 0958", db=cn)
    assert "not a valid US number; it is valid in CN" in err


def test_a_phone_stored_before_the_country_was_set_can_still_be_removed(cn):
    customer = add("Amy", "--phone", "10086", "--phone", "13800138000")
    ok("edit", str(customer), "--country", "US")
    ok("edit", str(customer), "--primary-phone", "13800138000", "--remove-phone", "10086")
    assert phones(cn, customer) == [("+8613800138000", "number")]
    err = fails(2, "edit", str(customer), "--remove-phone", "(650) 253-0000", db=cn)
    assert err == f"crm: customer {customer} has no phone +16502530000\n"
    err = fails(2, "edit", str(customer), "--remove-phone", "12", db=cn)
    assert err == "crm: invalid phone '12': not a valid US number\n"


# --- service numbers ------------------------------------------------------------------------


def test_service_numbers_are_kept_with_their_kind(cn):
    customer = add("中国移动", "--phone", "10086", "--phone", "95555", "--phone", "110")
    assert phones(cn, customer) == [
        ("10086", "service"),
        ("95555", "service"),
        ("110", "service"),
    ]
    record = shown(str(customer))
    assert record["phones"] == ["10086", "95555", "110"]
    assert record["phone_kinds"] == {"10086": "service", "95555": "service", "110": "service"}
    assert "10086 (service number), 95555 (service number), 110 (service number)" in ok(
        "show", str(customer)
    )
    assert shown("95555")["id"] == customer
    assert [r["id"] for r in json.loads(ok("search", "10086", "-f", "json"))] == [customer]
    assert ok("list", "--where", "phone = 12345", "-q") == ""
    assert ok("list", "--where", "phone = 10086", "-q").split() == [str(customer)]


def test_an_ordinary_400_number_is_a_number(cn):
    customer = add("Hotline", "--phone", "400-820-8820")
    assert phones(cn, customer) == [("+864008208820", "number")]


def test_a_service_number_written_with_its_country_code_is_kept(cn):
    customer = add("X", "--phone", "+86 10086")
    assert phones(cn, customer) == [("10086", "service")]


SHORT_ABROAD = (
    "crm: invalid phone {!r}: a short number, dialled only inside its own country; crm keeps "
    "short numbers of {} only: give the customer's full number, or keep it in --notes\n"
)


@pytest.mark.parametrize(
    ("phone", "country", "line"),
    [
        ("+1 555 123", None, SHORT_ABROAD.format("+1 555 123", "CN")),  # a US short number
        ("+1 911", None, SHORT_ABROAD.format("+1 911", "CN")),
        ("+44 999", "US", SHORT_ABROAD.format("+44 999", "US")),
        ("+86 95555", "US", SHORT_ABROAD.format("+86 95555", "US")),
        ("+86 555123", None, "crm: invalid phone '+86 555123': not a valid number\n"),
        ("+1 100", None, "crm: invalid phone '+1 100': not a valid number\n"),  # no short one
    ],
)
def test_a_short_number_of_another_region_is_refused_not_kept_without_its_country(
    cn, phone, country, line
):
    """`+1 555 123` used to be kept as the service number 555123, +1 dropped: a number of
    China to every reader. A short number is dialled in its own region only."""
    where = ["--country", country] if country else []
    assert fails(2, "add", "X", "--phone", phone, *where, db=cn) == line
    assert fails(2, "--lang", "zh", "add", "X", "--phone", phone, *where, db=cn).startswith(
        f"crm: 电话“{phone}”无效："
    )


def test_a_short_number_with_the_country_code_of_its_region_is_kept(cn):
    assert phones(cn, add("US", "--phone", "+1 911", "--country", "US")) == [("911", "service")]
    assert phones(cn, add("CN", "--phone", "+86 95555")) == [("95555", "service")]
    assert ok("clean", "-f", "json") == "[]\n"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("021 6123 4567", "+862161234567"),  # Shanghai: 8 digits after 021
        ("021 12345", "+862112345"),  # the 12345 hotline with the area code (phonenumbers)
        ("021 95555", "+862195555"),
        # 7 digits: no Shanghai number, a digit short of one, as a mistyped number is said
        ("021 2345 678", "one digit short: after the area code 021 a landline number has 8 "
         "digits, this one 7; check the digits"),
        ("021 6123 45678", "one digit too many: after the area code 021 a landline number has "
         "8 digits, this one 9; check the digits"),
        ("021 6123", "not a landline number in China, which is an area code (010, 021, "
         "0571...) and a local number of 7 or 8 digits; check the area code and the digits"),
    ],
)  # fmt: skip
def test_shanghai_numbers_are_valid_as_phonenumbers_says(cn, typed, stored):
    if not stored.startswith("+"):
        said = fails(2, "add", "X", "--phone", typed, db=cn)
        assert said == f"crm: invalid phone '{typed}': {stored}\n"
    else:
        assert phones(cn, add("X", "--phone", typed)) == [(stored, "number")]


def test_a_customer_is_found_by_a_number_read_in_their_country(cn):
    john = add("John", "--phone", "+1 212 555 0134", "--country", "United States")
    assert shown("(212) 555-0134")["id"] == john
    assert shown("+1 212 555 0134")["id"] == john
    # Read in default_region first, as `crm add` reads it: a Shanghai customer with the
    # same digits is the one meant.
    shanghai = add("Shanghai", "--phone", "(212) 555-0134")
    assert shown("(212) 555-0134")["id"] == shanghai
    assert shown("+1 212 555 0134")["id"] == john


# --- imports --------------------------------------------------------------------------------


def test_a_csv_import_keeps_service_numbers_and_reads_each_rows_country(cn, tmp_path):
    file = tmp_path / "contacts.csv"
    file.write_text(
        "Name,Phone,Country\n"
        "中国移动,10086,\n"
        "招商银行,95555,中国\n"
        "John,(212) 555-0134,United States\n"
        "Ahmed,07400 123456,UK\n"
        "Wang,138 0013 8000,\n",
        encoding="utf-8",
    )
    result = crm("import", "customers", str(file))
    assert result.exit_code == 0, result.stderr
    assert "5 inserted" in result.stderr and "0 rejected" in result.stderr
    assert rows(cn, "SELECT c.name, p.phone, p.kind FROM customer_phones p "
                    "JOIN customers c ON c.id = p.customer_id ORDER BY c.id") == [
        ("中国移动", "10086", "service"),
        ("招商银行", "95555", "service"),
        ("John", "+12125550134", "number"),
        ("Ahmed", "+447400123456", "number"),
        ("Wang", "+8613800138000", "number"),
    ]  # fmt: skip


def test_an_import_row_updating_a_customer_reads_phones_in_their_stored_country(cn, tmp_path):
    john = add("John", "--country", "US", "--external-id", "J1")
    file = tmp_path / "more.csv"
    file.write_text("external_id,name,phone\nJ1,John,(650) 253-0000\n", encoding="utf-8")
    result = crm("import", "customers", str(file))
    assert result.exit_code == 0 and "1 updated" in result.stderr, result.stderr
    assert phones(cn, john) == [("+16502530000", "number")]
    again = tmp_path / "again.csv"
    again.write_text("name,phone,country\nJohn,650-253-0000,US\n", encoding="utf-8")
    result = crm("import", "customers", str(again), "--key", "phone")
    assert result.exit_code == 0 and "1 unchanged" in result.stderr, result.stderr


def test_a_csv_row_with_a_number_of_another_country_is_rejected_with_the_hint(cn, tmp_path):
    file = tmp_path / "contacts.csv"
    file.write_text("Name,Phone,Country\nAmy,13800138001,US\n", encoding="utf-8")
    err = fails(2, "import", "customers", str(file), db=cn)
    assert "not a valid US number; it is valid in CN" in err


# A card as an iPhone writes it: the service numbers of a carrier and a bank, and a US
# contact whose ADR says which country their local number belongs to.
PHONE_CARDS = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.4//EN
N:;中国移动;;;
FN:中国移动
item1.TEL;type=pref:10086
item1.X-ABLabel:客服
TEL;type=WORK;type=VOICE:95555
END:VCARD
BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.4//EN
N:Smith;John;;;
FN:John Smith
TEL;type=CELL;type=VOICE;type=pref:(212) 555-0134
item1.ADR;type=HOME;type=pref:;;1 Main St;New York;NY;10001;United States
item1.X-ABADR:us
END:VCARD
"""


def test_a_vcard_import_keeps_service_numbers_and_reads_the_adr_country(cn, tmp_path):
    file = tmp_path / "contacts.vcf"
    file.write_text(PHONE_CARDS.replace("\n", "\r\n"), encoding="utf-8")
    result = crm("import", "customers", str(file))
    assert result.exit_code == 0, result.stderr
    assert "0 rejected" in result.stderr
    assert phones(cn, 1) == [("10086", "service"), ("95555", "service")]
    assert phones(cn, 2) == [("+12125550134", "number")]
    out = tmp_path / "out.vcf"
    ok("export", "customers", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert "item1.TEL;TYPE=X-SERVICE,pref:10086" in text
    assert "TEL;TYPE=CELL,VOICE,pref:+12125550134" in text
    before = dump(cn)
    again = crm("import", "customers", str(out), "--key", "phone")
    assert "0 inserted" in again.stderr and "0 rejected" in again.stderr
    assert dump(cn).count("customer_phones") == before.count("customer_phones")
    assert phones(cn, 1) == [("10086", "service"), ("95555", "service")]
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert "item1.TEL;PREF=1;TYPE=X-SERVICE:10086" in v4 and "X-SERVICE:95555" in v4
    assert "tel:+12125550134" in v4


def test_a_csv_export_of_service_numbers_imports_back_unchanged(cn, tmp_path):
    add("中国移动", "--phone", "10086", "--phone", "+8613800138000")
    out = tmp_path / "out.csv"
    ok("export", "customers", "-o", str(out))
    assert "10086; +8613800138000" in out.read_text(encoding="utf-8")
    before = dump(cn)
    result = crm("import", "customers", str(out))
    assert result.exit_code == 0 and "0 inserted" in result.stderr, result.stderr
    assert dump(cn).count("customer_phones") == before.count("customer_phones")


# --- the region rule, against phonenumbers' own example numbers ------------------------------

_EXAMPLES = sorted(
    (region, kind)
    for region in phonenumbers.SUPPORTED_REGIONS
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    if phonenumbers.example_number_for_type(region, kind) is not None
)


@settings(max_examples=300, deadline=None)
@given(
    example=st.sampled_from(_EXAMPLES),
    default=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    by_name=st.booleans(),
)
def test_a_national_number_with_its_country_is_its_own_countrys_number(example, default, by_name):
    """Typed the national way with the customer's country given (as a code or by its English
    name), a region's example number is stored as that example's E.164, whatever
    default_region is."""
    region, kind = example
    number = phonenumbers.example_number_for_type(region, kind)
    typed = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    country = Locale("en").territories[region] if by_name else region.lower()
    home = validate.country_region(country)
    assert home == region
    assert validate.phone(typed, default, home=home) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["CN", "US", "GB", None]))
@example("000", None)  # a service number needs no region: kept as typed
@example("*100#", "CN")
def test_any_text_is_a_stored_phone_or_a_one_line_refusal(text, region):
    try:
        stored = validate.phone(text, region, home=validate.country_region(text))
    except InvalidInput as exc:
        assert "\n" not in exc.message
        return
    kind = validate.phone_kind(stored)
    if kind == "number":
        assert phonenumbers.is_valid_number(phonenumbers.parse(stored, None))
    else:  # a service number, short or USSD code, kept as typed (with no region too)
        assert validate.service_code(stored) == stored


# --- default_region saved on the first write --------------------------------------------------

# Said in the locale's language: these tests run with LANG=zh_CN.UTF-8.
SAVED = (
    "crm: 已根据系统区域设置把 default_region 设为 CN（修改：crm config set default_region XX）\n"
)


def settings_rows(path: Path) -> list[tuple]:
    return rows(path, "SELECT key, value FROM settings WHERE key = 'default_region'")


def test_the_first_write_saves_the_locales_region_once_and_cron_reads_the_same(
    db_path, monkeypatch
):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    ok("list")  # a read writes nothing
    assert not db_path.exists() or settings_rows(db_path) == []
    first = crm("add", "A", "--phone", "138 0013 8000")
    assert first.exit_code == 0 and first.stderr == SAVED
    assert settings_rows(db_path) == [("default_region", "CN")]
    again = crm("add", "B")
    assert again.exit_code == 0 and again.stderr == ""
    monkeypatch.delenv("LANG")  # cron: no locale at all
    cron = crm("add", "C", "--phone", "139 0013 9000")
    assert cron.exit_code == 0 and cron.stderr == ""
    assert phones(db_path, 1) == [("+8613800138000", "number")]
    assert phones(db_path, 3) == [("+8613900139000", "number")]


def test_undoing_the_first_write_keeps_the_saved_region(db_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert crm("add", "A").stderr == SAVED
    undone = crm("undo", "--yes")
    assert undone.exit_code == 0 and "settings" not in undone.stdout + undone.stderr
    assert settings_rows(db_path) == [("default_region", "CN")]
    assert crm("add", "B").stderr == ""
    assert "settings" not in ok("history")


def test_a_refused_first_write_saves_nothing(db_path, monkeypatch):
    add("Someone")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    fails(2, "add", "X", "--phone", "not a phone", db=db_path)
    assert settings_rows(db_path) == []


def test_a_default_region_already_set_is_left_alone(cn, monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    result = crm("add", "X", "--phone", "138 0013 8000")
    assert result.exit_code == 0 and result.stderr == ""
    assert settings_rows(cn) == [("default_region", "CN")]


def test_a_locale_without_a_region_saves_nothing(db_path, monkeypatch):
    monkeypatch.setenv("LANG", "C.UTF-8")
    result = crm("add", "X")
    assert result.exit_code == 0 and result.stderr == ""
    assert settings_rows(db_path) == []


def test_config_set_on_a_new_file_is_what_is_kept(db_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = crm("config", "set", "default_region", "US")
    assert result.exit_code == 0 and "from the locale" not in result.stderr
    assert settings_rows(db_path) == [("default_region", "US")]


def test_a_service_number_never_matches_a_customer_by_key(cn, tmp_path):
    """`--key phone` took 10086 for the carrier's own customer and merged 小王 into it."""
    ok("add", "中国移动", "--phone", "10086", "--email", "cm@10086.cn")
    file = tmp_path / "k.csv"
    file.write_text("name,phone,email\n小王,10086;13800138000,xw@example.com\n", encoding="utf-8")
    result = crm("import", "customers", str(file), "--key", "phone")
    assert "1 inserted, 0 updated" in result.stderr, result.stderr
    names = [json.loads(ok("show", str(i), "-f", "json"))["name"] for i in (1, 2)]
    assert names == ["中国移动", "小王"]
    assert "1 unchanged" in crm("import", "customers", str(file), "--key", "phone").stderr


def test_dedupe_pairs_no_one_on_a_service_number(cn):
    ok("add", "CM", "--phone", "10086")
    ok("add", "CM shop", "--phone", "10086", "--phone", "*100#")
    ok("add", "Other", "--phone", "*100#")
    assert json.loads(ok("dedupe", "-f", "json")) == []


@pytest.mark.parametrize(
    ("country", "number", "stored"),
    [("Korea, Republic of", "02-312-3456", "+8223123456"), ("中国/China", "138 0013 8000", "+8613800138000"), ("中國香港", "9123 4567", "+85291234567"),
     ("Bundesrepublik Deutschland", "030 901820", "+4930901820")],
)  # fmt: skip
def test_inverted_and_long_country_names_are_placed(cn, country, number, stored):
    customer = add("X", "--phone", number, "--country", country)
    assert phones(cn, customer) == [(stored, "number")]


def test_lc_all_without_a_region_overrides_lang(tmp_path, monkeypatch):
    """LC_ALL=C.UTF-8 names no region; LANG's zh_CN was used anyway."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    ok("add", "Z", "--phone", "+8613800138000")
    assert crm("config", "get", "default_region").stdout.strip() in ("", "(not set)")


def test_a_country_column_holding_a_placeholder_is_no_country(cn, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text(
        "name,phone,country\nA,13800138000,unknown\nB,13900139000,?\nC,13700137000,未知\n",
        encoding="utf-8",
    )
    result = crm("import", "customers", str(file))
    assert "3 inserted" in result.stderr, result.stderr


# --- the quick reading of mainland mobile numbers and US numbers -------------------------------


def _parsed(raw: str, region: str | None, home: str | None) -> str | InvalidInput:
    """What `validate.phone` says of `raw` without its quick reading of usual numbers."""
    with mock.patch.object(validate, "usual_phone", return_value=None):
        try:
            return validate.phone(raw, region, home=home)
        except InvalidInput as exc:
            return exc


def _mobile(stored: object) -> bool:
    """Whether phonenumbers calls a stored phone a mainland mobile number."""
    if not isinstance(stored, str) or not stored.startswith("+86"):
        return False
    kind = phonenumbers.number_type(phonenumbers.parse(stored, None))
    return kind in (MOBILE, MOBILE_OR_FIXED)


MOBILE = phonenumbers.PhoneNumberType.MOBILE
MOBILE_OR_FIXED = phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
PhoneNumberFormat = phonenumbers.PhoneNumberFormat


def test_every_prefix_of_a_mobile_number_is_read_as_phonenumbers_reads_it():
    """Each of the 10,000 five-digit beginnings 10000-19999 of an 11-digit number (the rest
    random) in CN (with +86 too for every tenth): the quick reading gives phonenumbers'
    E.164 exactly where phonenumbers calls the number a valid mobile one, and nothing (the
    number parsed) elsewhere."""
    rng = random.Random(23)
    for start in range(10_000, 20_000):
        digits = f"{start}{rng.randrange(10**6):06d}"
        forms = [(digits, "CN"), (f"+86{digits}", None)]
        for typed, region in forms[: 1 + (start % 10 == 0)]:  # +86 on every tenth
            try:  # 12345 and 179xx begin a carrier code: what is left may be too short
                number = phonenumbers.parse(typed, region)
            except phonenumbers.NumberParseException:
                number = None
            stored = number and phonenumbers.format_number(number, PhoneNumberFormat.E164)
            mobile = number is not None and phonenumbers.is_valid_number(number)
            mobile = mobile and phonenumbers.number_type(number) in (MOBILE, MOBILE_OR_FIXED)
            assert validate.usual_phone(typed, region) == (stored if mobile else None), typed
            assert not mobile or stored == f"+86{digits}"


def test_every_area_code_of_a_us_number_is_read_as_phonenumbers_reads_it():
    """Each area code 100-999 (the rest random): the quick reading gives phonenumbers'
    E.164 exactly where phonenumbers calls the number a valid fixed-line or mobile number
    of the US (not of Canada or another region of +1, not toll-free), and nothing
    elsewhere."""
    rng = random.Random(23)
    us = (phonenumbers.PhoneNumberType.FIXED_LINE, MOBILE, MOBILE_OR_FIXED)
    for area in range(100, 1000):
        digits = f"{area}{rng.randrange(10**7):07d}"
        for typed, region in ((digits, "US"), (f"+1 {digits}", None)):
            number = phonenumbers.parse(typed, region)
            valid = phonenumbers.is_valid_number(number)
            ours = valid and phonenumbers.region_code_for_number(number) == "US"
            ours = ours and phonenumbers.number_type(number) in us
            stored = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            assert validate.usual_phone(typed, region) == (stored if ours else None), typed


@settings(max_examples=examples(100), deadline=None)
@given(
    prefix=st.sampled_from(["", "", "", "+1", "+1 ", "+1-", "+1.", "1", "+12", "001"]),
    area=st.text("0123456789", min_size=3, max_size=3),
    rest=st.one_of(st.text("0123456789", min_size=7, max_size=7), st.text("0129", max_size=9)),
    shape=st.sampled_from(["({}) {}-{}", "{}-{}-{}", "{}.{}.{}", "{} {} {}", "{}{}{}", "({}){}{}"]),
    flaw=st.one_of(st.none(), st.tuples(st.integers(0, 14), st.sampled_from("２ａxX#*.()/+ -"))),
    region=st.sampled_from(["US", "US", "CA", "CN", None]),
    home=st.sampled_from([None, None, "US", "CA", "GB"]),
)
@example("", "212", "5550134", "({}) {}-{}", None, "CA", None)
@example("1", "212", "5550134", "({}) {}-{}", None, "CN", None)
def test_the_quick_reading_of_a_us_number_is_the_parsed_one(
    prefix, area, rest, shape, flaw, region, home
):
    """US-shaped text and its near misses (area codes from 0 or 1, toll-free and Canadian
    numbers, 6 to 9 digits after the area code, a trunk 1, +1 written otherwise, a letter,
    a full-width digit or a mark in it, other regions): where the quick reading gives a
    number, `phone` parsing it gives the same."""
    typed = prefix + shape.format(area, rest[:3], rest[3:])
    if flaw is not None:
        at, char = flaw
        typed = typed[:at] + char + typed[at + (at % 2) :]
    quick = validate.usual_phone(typed.strip(), home or region)
    parsed = _parsed(typed, region, home)
    if quick is not None:
        assert quick == parsed
    elif flaw is None and len(rest) == 7 and prefix in ("+1", "+1 ", "+1-", "+1."):
        number = phonenumbers.parse(typed, None)
        us = phonenumbers.region_code_for_number(number) == "US"
        assert not (us and phonenumbers.number_type(number) == MOBILE_OR_FIXED)


@settings(max_examples=examples(150), deadline=None)
@given(
    prefix=st.sampled_from(["", "", "", "+86", "+86", "+86 ", "+86-", "＋86", "86", "0086", "+1"]),
    second=st.sampled_from("0123456789"),
    rest=st.one_of(st.text("0123456789", min_size=9, max_size=9), st.text("0123", max_size=11)),
    gaps=st.lists(st.sampled_from(["", "", "", " ", "-"]), min_size=11, max_size=11),
    flaw=st.one_of(
        st.none(), st.tuples(st.integers(0, 16), st.sampled_from("１８ａxX#*.()/+ \t-"))
    ),
    pad=st.sampled_from(["", " ", "\n"]),
    region=st.sampled_from(["CN", "CN", "US", "HK", None]),
    home=st.sampled_from([None, None, "CN", "US", "TW"]),
)
@example("", "3", "800138000", [""] * 11, None, "", "US", None)
@example("", "3", "800138000", [""] * 11, None, "", "CN", "HK")
@example("", "3", "800138000", [""] * 11, None, "", None, None)
@example("86", "3", "800138000", [""] * 11, None, "", "US", None)
def test_the_quick_reading_of_a_mobile_number_is_the_parsed_one(
    prefix, second, rest, gaps, flaw, pad, region, home
):
    """Mobile-shaped text and its near misses (lengths 10 to 13, prefixes 10-12 and 140-144,
    a letter, a full-width digit, a mark or a doubled separator in it, +86 written
    otherwise, other regions): where the quick reading gives a number, `phone` parsing it
    gives the same; and every number of the shape that phonenumbers calls a valid mobile
    one is read quickly."""
    body = "1" + second + "".join(c + g for c, g in zip(rest, gaps, strict=False))
    if flaw is not None:
        at, char = flaw
        body = body[:at] + char + body[at + (at % 2) :]  # put in, or in place of one
    raw = pad + prefix + body + pad
    quick = validate.usual_phone(raw.strip(), home or region)
    parsed = _parsed(raw, region, home)
    if quick is not None:
        assert quick == parsed
    shaped = re.fullmatch(r"(\+86[ \-]?)?1([ \-]?[0-9]){10}", raw.strip())
    if shaped and (shaped[1] or (home or region) == "CN") and _mobile(parsed):
        assert quick == parsed


MISTYPED_IN_CHINA = [
    ("1380000000", "one digit short: a mobile number in China has 11 digits, this one 10",
     "少了一位数字：中国的手机号是 11 位，这个只有 10 位"),
    ("138 0000 00001", "one digit too many: a mobile number in China has 11 digits, this one 12",
     "多了一位数字：中国的手机号是 11 位，这个有 12 位"),
    ("13800138", "a mobile number in China has 11 digits, this one 8",
     "中国的手机号是 11 位，这个是 8 位"),
    ("0571-8888888", "one digit short: after the area code 0571 a landline number has 8 "
     "digits, this one 7", "少了一位数字：区号 0571 后面的座机号是 8 位，这个只有 7 位"),
    ("(0991)88888888", "one digit too many: after the area code 0991 a landline number has 7 "
     "digits, this one 8", "多了一位数字：区号 0991 后面的座机号是 7 位，这个有 8 位"),
    ("0571-888", "not a landline number in China, which is an area code (010, 021, 0571...) "
     "and a local number of 7 or 8 digits", "不是有效的中国座机号：座机号是区号（010、021、0571"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "english", "chinese"), MISTYPED_IN_CHINA)
def test_a_mistyped_chinese_number_says_what_is_wrong_not_to_add_a_country_code(
    cn, tmp_path, typed, english, chinese
):
    """Under region CN a number shaped as China's own (from 1, or an area code from 0) that
    is invalid is a typo: the refusal says which (a digit short or over, an area code and
    7 or 8 digits), not "type it with +country code"; an import row says the same."""
    said = fails(2, "add", "X", "--phone", typed, db=cn)
    assert said.startswith(f"crm: invalid phone '{typed}': {english}"), said
    assert said.endswith("check the digits\n") or said.endswith("and the digits\n"), said
    assert "country" not in said
    zh = fails(2, "--lang", "zh", "add", "X", "--phone", typed, db=cn)
    assert zh.startswith(f"crm: 电话“{typed}”无效：{chinese}"), zh
    sheet = tmp_path / "p.csv"
    sheet.write_text(f"姓名,电话\n甲,{typed}\n", encoding="utf-8")
    result = crm("import", "customers", str(sheet))
    assert result.exit_code == 2 and english in result.stderr, result.stderr


@given(st.from_regex(r"1[3-9]\d{8}|1[3-9]\d{10}", fullmatch=True))
@settings(max_examples=examples(40), deadline=None)
def test_a_mobile_number_a_digit_short_or_over_is_said_so(typed):
    """Every number from 1 of 10 or 12 digits read in China is a mobile number a digit short
    or over, never "add a country code"."""
    with pytest.raises(InvalidInput) as refused:
        validate.phone(typed, "CN")
    word = "short" if len(typed) == 10 else "too many"
    assert refused.value.message.startswith(f"invalid phone '{typed}': one digit {word}: ")
    assert "country" not in refused.value.message


@given(st.from_regex(r"0(?:10|2\d|[3-9]\d{2})\d{5,9}", fullmatch=True))
@settings(max_examples=examples(60), deadline=None)
def test_an_invalid_number_with_an_area_code_says_what_a_landline_number_is(typed):
    """A number from a real area code of China's (phonenumbers' metadata has landline
    numbers after it) is valid, or refused saying what is wrong with it as a Chinese
    landline number, never "add a country code"; from any other 0 it is never said to be
    a landline number with that code."""
    import phonenumbers

    digits = phonenumbers.normalize_digits_only(typed)  # ٠ as 0, as crm reads it
    area = digits[:3] if digits[1] in "12" else digits[:4]
    try:
        validate.phone(typed, "CN")
    except InvalidInput as exc:
        if not validate._real_area(area):
            assert "area code" not in exc.message, exc.message
            return
        assert "country" not in exc.message, exc.message
        assert exc.message.endswith("check the digits") or exc.message.endswith(
            "check the area code and the digits"
        ), exc.message


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("01380013800", "a mobile number in China is 11 digits from 1, with no 0 before them; "
         "this one has 10 after its 0; check the digits"),
        ("0138001380000", "a mobile number in China is 11 digits from 1, with no 0 before "
         "them; this one has 12 after its 0; check the digits"),
        ("0852-1234567", "not a valid CN number; give the customer's country, or type it with "
         "+country code"),
        ("0123-4567890", "not a valid CN number; give the customer's country, or type it with "
         "+country code"),
    ],
)  # fmt: skip
def test_no_area_code_is_invented_from_a_number_typed_with_a_0(cn, typed, said):
    """A mobile number typed with a 0 before it is said to be one; Hong Kong's 852 typed
    with a 0, or any 0 before no area code of China's, gets the country advice."""
    assert (
        fails(2, "add", "X", "--phone", typed, db=cn) == f"crm: invalid phone '{typed}': {said}\n"
    )


def test_the_area_codes_read_from_phonenumbers_are_china_s():
    """Beijing, Shanghai, Hangzhou, Yili are area codes; 013, 0852 (Hong Kong's country
    code), 0123 are not; every area code is 010, 02X or four digits from 03 to 09."""
    assert all(map(validate._real_area, ("010", "020", "021", "029", "0571", "0999", "0898")))
    assert not any(map(validate._real_area, ("013", "019", "0852", "0853", "0123", "0100")))


# --- letters typed among the digits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "english", "chinese"),
    [
        ("138OO138OOO", "'O' is not a digit; did you mean 0?", "“O”不是数字，是不是想输入 0？"),
        ("1380013800O", "'O' is not a digit; did you mean 0?", "“O”不是数字，是不是想输入 0？"),
        ("１３８ＯＯ１３８０００", "'O' is not a digit; did you mean 0?",
         "“O”不是数字，是不是想输入 0？"),
        ("138oo138000", "'o' is not a digit; did you mean 0?", "“o”不是数字，是不是想输入 0？"),
        ("O10-8888 8888", "'O' is not a digit; did you mean 0?", "“O”不是数字，是不是想输入 0？"),
        ("138〇〇138000", "'〇' is not a digit; did you mean 0?", "“〇”不是数字，是不是想输入 0？"),
        ("I38 0013 8000", "'I' is not a digit; did you mean 1?", "“I”不是数字，是不是想输入 1？"),
        ("138O0l38000", "the letters O, l are not digits; did you mean 0, 1?",
         "字母 O、l 不是数字，是不是想输入 0、1？"),
        ("+1 800 FLOWERS", "it has letters among its digits (FLOWERS); type the number in digits",
         "号码中夹有文字（FLOWERS）；请只用数字输入号码"),
        ("13800138000（手机）", "words after the number (手机); give the number alone",
         "号码后面有文字（手机）"),
        ("138 0013 8000 mobile", "words after the number (mobile)", "号码后面有文字（mobile）"),
        ("13800138000 微信同号", "words after the number (微信同号); give the number alone, and "
         "the words in --notes", "号码后面有文字（微信同号）；请只填号码，文字写进 --notes"),
        ("13800138000 王总", "words after the number (王总)", "号码后面有文字（王总）"),
        ("13800138000(手机)", "words after the number (手机)", "号码后面有文字（手机）"),
        ("O", "'O' is not a digit; did you mean 0?", "“O”不是数字，是不是想输入 0？"),
        ("OOOOOOOOOOO", "'O' is not a digit; did you mean 0?", "“O”不是数字，是不是想输入 0？"),
        ("〇", "'〇' is not a digit; did you mean 0?", "“〇”不是数字，是不是想输入 0？"),
        ("l", "'l' is not a digit; did you mean 1?", "“l”不是数字，是不是想输入 1？"),
    ],
)  # fmt: skip
def test_a_phone_with_letters_among_its_digits_is_refused_saying_which(
    cn, tmp_path, typed, english, chinese
):
    """phonenumbers reads three letters or more as a keypad's digits (`138OO138OOO` was
    stored as +86 138 6613 8666) and drops fewer: a salesperson never means a vanity number,
    so a letter after the first digit is refused, naming the digit it looks like. By add,
    edit, --set and import alike, in English and Chinese, nothing written."""
    said = fails(2, "add", "X", "--phone", typed, db=cn)
    assert said.startswith(f"crm: invalid phone '{typed}': {english}"), said
    zh = fails(2, "--lang", "zh", "add", "X", "--phone", typed, db=cn)
    assert zh.startswith(f"crm: 电话“{typed}”无效：{chinese}"), zh
    who = str(add("甲"))
    assert english in fails(2, "edit", who, "--phone", typed, db=cn)
    assert english in fails(2, "edit", who, "--set", f"phone={typed}", db=cn)
    sheet = tmp_path / "p.csv"
    sheet.write_text(f"姓名,手机\n乙,{typed}\n", encoding="utf-8")
    # an import advises the file's columns, not --notes (test_an_import_advises_...)
    assert english.partition("; give")[0] in fails(2, "import", "customers", str(sheet), db=cn)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits, as an input method types
        ("Tel: 13800138000", "+8613800138000"),  # a word before the number is no digit
        ("手机：138 0013 8000", "+8613800138000"),
        ("Tel13800138000", "+8613800138000"),  # the l of Tel is its word's, not a 1
        ("+86 10 8888 8888", "+861088888888"),
    ],
)
def test_digits_as_people_write_them_are_still_read(cn, typed, stored):
    assert phones(cn, add("X", "--phone", typed)) == [(stored, "number")]


@pytest.mark.parametrize(
    "typed",
    ["13800138000 ext. 5", "13800138000 x5", "13800138000#5", "010-8888 8888 转123",
     "010 8888 8888 分机号 8001", "010-8888 8888 EXT 12", "010-8888 8888 ｅｘｔ 12",
     "010-88888888 内线12", "010-8888 8888 内线 8001"],
)  # fmt: skip
def test_an_extension_keeps_its_own_advice(cn, typed):
    said = fails(2, "add", "X", "--phone", typed, db=cn)
    assert "has an extension" in said and "letters" not in said, said


@pytest.mark.parametrize(
    "typed",
    ["010-88888888 (分机 123)", "010-88888888（分机123）", "010-88888888 (ext. 123)",
     "010-88888888（转123）", "010-88888888【分机：123】", "010-88888888 分机(123)",
     "010-88888888 (分机号: 123)", "010-88888888 〔内线 123〕", "13800138000 (x123)"],
)  # fmt: skip
def test_an_extension_in_brackets_is_read_as_an_extension(cn, typed):
    """An extension written in brackets beside the number, half- or full-width, was "not a
    valid CN number": it gets the advice an extension gets, naming it."""
    assert fails(2, "add", "X", "--phone", typed, db=cn) == (
        f"crm: phone '{typed}' has an extension (123), which crm does not keep: give the "
        "number alone, and the extension in --notes or a --field\n"
    )


@settings(max_examples=examples(200), deadline=None)
@given(
    st.sampled_from(["010-8888 8888", "0571 8888 8888", "13800138000", "+86 10 8888 8888"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["()", "（）", "[]", "【】", "〔〕"]),
    st.sampled_from(["分机", "分机号", "分機", "转", "轉", "内线", "ext.", "ext", "x", "Ext"]),
    st.sampled_from(["", " ", ":", "：", ": "]),
    st.integers(1, 99999999),
)
def test_any_bracketed_extension_names_its_digits(number, space, brackets, word, sep, ext):
    typed = f"{number}{space}{brackets[0]}{word}{sep}{ext}{brackets[1]}"
    with pytest.raises(InvalidInput) as refused:
        validate.phone(typed, "CN")
    assert f"has an extension ({ext})" in refused.value.message, (typed, refused.value.message)


# Numbers as files and people hold them, and what may be typed into them: look-alike
# letters, other letters and words, separators, full-width digits, an extension.
_NUMBERS = ("13800138000", "+86 138 0013 8000", "010-8888 8888", "(212) 555-0134",
            "+1 212 555 0134", "10086", "0571 8888 8888", "+44 7400 123456", "95555")  # fmt: skip
_TYPED_IN = ("O", "o", "I", "l", "Ｏ", "〇", "A", "x", "FLOWERS", "手机", " ", "-", ".", "1",
             "0", "ext 12", "Tel: ", "转8")  # fmt: skip


@settings(max_examples=examples(300), deadline=None)
@given(
    st.sampled_from(_NUMBERS),
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from(_TYPED_IN)), max_size=3),
    st.booleans(),
    st.sampled_from(["CN", "US", None]),
)
def test_a_stored_phone_holds_the_digits_typed_never_a_keypads(number, typed_in, wide, region):
    """Whatever is typed into a number, a phone crm accepts holds the digits the user typed
    (after its country code or national prefix), in their order, and no other: no letter is
    read as the digit of its key; anything else is refused in one line."""
    text = number
    for at, piece in typed_in:
        at = min(at, len(text))
        text = text[:at] + piece + text[at:]
    if wide:  # as a Chinese input method types digits
        text = text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    try:
        stored = validate.phone(text, region)
    except InvalidInput as exc:
        assert "\n" not in exc.message
        return
    typed = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdecimal())
    if validate.phone_kind(stored) == "service":
        assert re.sub(r"\D", "", stored) == typed
        return
    number_read = phonenumbers.parse(stored, None)
    national = phonenumbers.national_significant_number(number_read)
    assert typed.endswith(national), (text, stored)
    before = typed[: len(typed) - len(national)]  # a country code or prefix, no more
    code = str(number_read.country_code)
    assert before in ("", "0", "1", code, f"{code}0", f"00{code}", f"011{code}"), (text, stored)


@pytest.mark.parametrize("typed", ["+11 212 555 0134", "+1 1 212 555 0134", "+8600571 8888 8888"])
def test_an_international_number_whose_typed_digits_are_not_all_kept_is_refused(typed):
    """phonenumbers reads `+11 212 555 0134` as +1 212 555 0134, dropping a digit the user
    typed: refused rather than stored as a number nobody typed. A written trunk 0 after the
    country code (`+44 (0)20`, `+86 0571`) is kept out as people mean it."""
    with pytest.raises(InvalidInput, match="not a valid number"):
        validate.phone(typed, "CN")
    assert validate.phone("+44 (0)20 7946 0958", "CN") == "+442079460958"
    assert validate.phone("+86 0571 8888 8888", "CN") == "+8657188888888"


@pytest.mark.parametrize("typed", ["+86 140 1234 5678", "+8614012345678", "14012345678"])
def test_a_mobile_prefix_china_has_not_is_said_with_or_without_86(cn, typed):
    """`+86 140 1234 5678` was 'not a valid number' where `14012345678` was told no mobile
    number of China begins with 140: the same advice either way, nothing added."""
    assert fails(2, "add", "X", "--phone", typed, db=cn) == (
        f"crm: invalid phone '{typed}': not a valid CN mobile number: none begins with 140; "
        "check the digits\n"
    )


def test_an_import_advises_the_file_s_columns_for_an_extension_and_following_it_imports(
    cn, tmp_path
):
    """Inside an import `--notes` and `--field` mean nothing: a phone cell with an extension
    is advised in terms of the file (its notes column, else a new one; a column headed
    `field:NAME`, which every import reads as a user-defined field), in English and
    Chinese, and the file written as advised imports the number, the note and the field."""
    sheet = tmp_path / "ext.csv"
    sheet.write_text("姓名,电话,备注\n张三,010-12345678 转123,老客户\n", encoding="utf-8")
    said = fails(2, "import", "customers", str(sheet), db=cn)
    assert said.endswith(
        "  row 2: phone '010-12345678 转123' has an extension (123), which crm does not keep "
        "in a phone: write the number alone, and the extension in its column 备注 or in a "
        "column headed field:extension\n"
    ), said
    zh = fails(2, "--lang", "zh", "import", "customers", str(sheet), db=cn)
    assert zh.endswith(
        "  第 2 行：电话“010-12345678 转123”带有分机号（123），crm 的电话里不保存分机号：请只填"
        "号码，分机号写在文件的“备注”列或名为“field:分机”的列中\n"
    ), zh
    assert "--notes" not in said + zh and "--field" not in said + zh
    sheet.write_text(
        "姓名,电话,备注,field:分机\n张三,010-12345678,老客户 分机123,123\n", encoding="utf-8"
    )
    ok("import", "customers", str(sheet))
    [who] = json.loads(ok("list", "--format", "json"))
    shown = json.loads(ok("show", str(who["id"]), "--format", "json"))
    assert (shown["phones"], shown["notes"], shown["fields"]) == (
        ["+861012345678"],
        "老客户 分机123",
        {"分机": "123"},
    )


def test_an_import_without_a_notes_column_advises_a_new_one(cn, tmp_path):
    """Words after a number, an extension alone, another country's short number: each
    names a notes column to add where the file has none (a vCard: its NOTE), and such a
    file imports."""
    text = "name,phone\nA,分机 123\nB,13800138000 微信同号\nC,+1 911\n"
    said = fails(2, "import", "customers", "-", "--format", "csv", input=text, db=cn)
    assert (
        "row 2: phone '分机 123' is an extension alone: write the customer's number there, and "
        "the extension in a new column headed notes or in a column headed field:extension"
    ) in said
    assert (
        "row 3: invalid phone '13800138000 微信同号': words after the number (微信同号); write "
        "the number alone, and the words in a new column headed notes"
    ) in said
    assert (
        "row 4: invalid phone '+1 911'" in said and "keep it in a new column headed notes" in said
    )
    zh = fails(2, "--lang", "zh", "import", "customers", "-", "--format", "csv", input=text, db=cn)
    assert "文字写进新加的“备注”列" in zh and "记在新加的“备注”列里" in zh, zh
    ok("import", "customers", "-", "--format", "csv",
       input="name,phone,notes,field:extension\nB,13800138000,微信同号,\nA,010-12345678,,123\n")  # fmt: skip
    assert [c["notes"] for c in json.loads(ok("export", "customers", "--format", "json"))] == [
        "微信同号",
        None,
    ]
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nTEL:分机123\r\nEND:VCARD\r\n"
    said = fails(2, "import", "customers", "-", "--format", "vcard", input=card, db=cn)
    assert said.endswith(
        "write the customer's number there, and the extension in the card's NOTE or in an "
        "X-CRM-FIELD;X-KEY=extension property\n"
    ), said
    card = card.replace("分机123", "010-12345679").replace(
        "END:", "X-CRM-FIELD;X-KEY=extension:123\r\nEND:"
    )
    ok("import", "customers", "-", "--format", "vcard", input=card)
    assert json.loads(ok("show", "X", "--format", "json"))["fields"] == {"extension": "123"}


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [("1 (212) 555-0134", "US", "+12125550134"), ("11(212) 555-0134", "US", None),
     ("111 212 555 0134", "US", None), ("0571 8888 8888", "CN", "+8657188888888"),
     ("0086 138 0013 8000", "CN", "+8613800138000"), ("8 912 345 67 89", "RU", "+79123456789")],
)  # fmt: skip
def test_a_national_number_keeps_every_digit_typed_before_it_but_a_prefix(typed, region, stored):
    """A digit typed before a national number is its trunk prefix (1 in the US, 0 in China,
    8 in Russia) or its country code, or the number is refused: `11(212) 555-0134` was stored
    as +1 212 555 0134, a typed 1 dropped without a word."""
    if stored is None:
        with pytest.raises(InvalidInput, match="not a valid number"):
            validate.phone(typed, region)
    else:
        assert validate.phone(typed, region) == stored
