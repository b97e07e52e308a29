"""National ID numbers (GB 11643) as the registry issued them and as people type them: a
table of real-shaped numbers, each with the rule it exercises, and the paths that take
them in (`crm add`, `crm import customers`).

The check digits of the table were computed by hand from the standard's weights, not by the
code under test."""

import csv
import re
from datetime import date

import pytest

from crmcli.core import validate
from crmcli.core.errors import InvalidInput
from tests.conftest import crm, customers_json, fails, ok

TODAY = date(2026, 11, 22)

VALID = [
    ("11010519491231002X", "GB 11643 example, check digit X"),
    ("440524188001010014", "GB 11643 second example, born 1880"),
    ("441900199003074519", "东莞 441900: a city without districts"),
    ("44200019851111123X", "中山 442000: a city without districts"),
    ("460001197506100011", "Hainan 460001 (通什), retired 2002"),
    ("460003198001010026", "Hainan 460003 (儋州), retired"),
    ("460028199008170032", "Hainan 460028 (陵水), retired"),
    ("46900619950505004X", "Hainan 469006 (万宁), today's code"),
    ("460106199802020055", "Hainan 460106, a district of 海口"),
    ("429004198808080065", "湖北 4290xx: county-level city under the province"),
    ("419001197001010079", "河南 419001 济源"),
    ("659001199303030087", "新疆 659001 石河子"),
    ("152501196006060094", "内蒙古 1525xx: a league (盟)"),
    ("510202196501010102", "四川 5102xx: 重庆 before 1997, retired"),
    ("50010119990101011X", "重庆 500101 万州"),
    ("540102198002020129", "西藏 拉萨"),
    ("630104197707070134", "青海 西宁"),
    ("640104196606060145", "宁夏 银川"),
    ("230102195505050155", "黑龙江 哈尔滨"),
    ("310115198202020165", "上海 浦东"),
    ("120101197207270173", "天津"),
    ("370202198708080186", "山东 青岛"),
    ("810000198501010029", "Hong Kong residents' permit 810000"),
    ("820000199109090200", "Macao residents' permit 820000"),
    ("830000199404040216", "Taiwan residents' permit 830000"),
    ("110105200002290021", "born on a leap day, 2000-02-29"),
    ("110105190001010028", "born 1900-01-01"),
    ("110105202611210022", "born the day before the test date"),
]

INVALID = [
    ("110105194912310020", "check digit does not match", "wrong check digit"),
    ("110105194912310020", "check digit does not match", "wrong check digit 0"),
    ("44052418800101001X", "check digit does not match", "X where a digit belongs"),
    ("11010519491231002", "must be 18 characters", "17 characters"),
    ("11010519491231002X1", "must be 18 characters", "19 characters"),
    ("1101051949123100X2", "must be 18 characters", "X not last"),
    ("34232719290905333*", "must be 18 characters", "an asterisk typo"),
    ("1101O519491231002X", "must be 18 characters", "letter O for zero"),
    ("990105194912310023", "impossible region code", "no province 99"),
    ("000105194912310024", "impossible region code", "no province 00"),
    ("100105194912310028", "impossible region code", "no province 10"),
    ("200105194912310021", "impossible region code", "no province 20"),
    ("300105194912310025", "impossible region code", "no province 30"),
    ("400105194912310029", "impossible region code", "no province 40"),
    ("600105194912310026", "impossible region code", "no province 60"),
    ("70010519491231002X", "impossible region code", "no province 70"),
    ("110005194912310024", "impossible region code", "prefecture 00 outside Hainan"),
    ("440005194912310020", "impossible region code", "prefecture 00 in 广东"),
    ("460000199001010021", "impossible region code", "460000 is the province itself"),
    ("118005194912310021", "impossible region code", "no prefecture 80"),
    ("117105194912310026", "impossible region code", "no prefecture 71"),
    ("810100198501010024", "impossible region code", "permits are 810000 only"),
    (
        "710100198501010020",
        "impossible region code",
        "Taiwan permits are 830000; 71 is only 710000",
    ),
    ("110105199902290021", "impossible birth date", "1999 has no 29 February"),
    ("110105190002290025", "impossible birth date", "1900 has no 29 February"),
    ("110105194913310021", "impossible birth date", "month 13"),
    ("110105194912320025", "impossible birth date", "day 32"),
    ("11010519490001002X", "impossible birth date", "month 00"),
    ("110105202611230023", "impossible birth date", "born after the test date"),
    ("110105187912310024", "impossible birth date", "born before 1880"),
]


def test_the_table_is_large_enough():
    assert len(VALID) + len(INVALID) >= 50


@pytest.mark.parametrize(("number", "why"), VALID, ids=[why for _, why in VALID])
def test_valid_numbers_are_taken_as_written(number, why):
    assert validate.national_id(number, TODAY) == number


@pytest.mark.parametrize(("number", "message", "why"), INVALID, ids=[why for _, _, why in INVALID])
def test_invalid_numbers_are_refused_saying_which_rule(number, message, why):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        validate.national_id(number, TODAY)


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.mark.parametrize("number", ["11010519491231002X", "460003198001010026"])
def test_full_width_digits_and_x_are_the_same_number(number):
    typed = number.translate(FULL_WIDTH)
    assert typed != number
    assert validate.national_id(typed, TODAY) == number
    assert validate.national_id(f" {number.lower()} ", TODAY) == number


def test_add_takes_a_full_width_number_and_stores_it_plain(db_path):
    ok("add", "王芳", "--national-id", "４６０００３１９８００１０１００２６")
    shown = ok("show", "1", "-f", "json", "--reveal")
    assert '"national_id": "460003198001010026"' in shown


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "national_id"])
        writer.writerows(rows)
    return str(path)


def test_an_id_with_a_typo_rejects_its_row_instead_of_vanishing(db_path, tmp_path):
    """`34232719290905333*` was dropped and the row imported without it."""
    file = _write(tmp_path / "ids.csv", [["甲", "34232719290905333*"], ["乙", ""]])
    err = fails(2, "import", "customers", file, db=db_path)
    assert "row 2" in err and "national ID" in err
    assert ok("list", "-q") == ""  # nothing was imported
    rejects = tmp_path / "rejects.csv"
    result = crm("import", "customers", file, "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in customers_json()] == ["乙"]
    assert "34232719290905333*" in rejects.read_text(encoding="utf-8")


def test_a_masked_number_from_our_own_export_is_still_not_data(db_path, tmp_path):
    file = _write(tmp_path / "export.csv", [["甲", "110105********002X"]])
    result = crm("import", "customers", file)
    assert result.exit_code == 0, result.stderr
    assert customers_json()[0]["national_id"] is None


def test_a_retired_hainan_number_is_taken_on_import(db_path, tmp_path):
    file = _write(tmp_path / "hainan.csv", [["符海", "460003198001010026"]])
    result = crm("import", "customers", file)
    assert result.exit_code == 0, result.stderr
    assert len(customers_json()) == 1
