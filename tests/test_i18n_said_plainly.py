"""What English and Chinese screens still said oddly (issue #22): two words for what was
bought (产品 and 商品), a problem's key on an English terminal (`no_contact`), a column of
dates headed "Falls", churn reasons wrapped onto many lines, `--to` with nothing after it
taken for a date, and sales by region refused. What a user types back keeps working;
JSON and CSV keep their keys."""

from tests.conftest import dump, fails, ok


def test_an_option_with_nothing_after_it_is_said_to_be_unknown(filled):
    before = dump(filled)
    assert fails(2, "task", "snooze", "1", "--to") == (
        "crm: No such option: --to (see 'crm task snooze --help')\n"
    )
    assert fails(2, "--lang", "zh", "task", "snooze", "1", "--to") == (
        "crm: 没有这个选项：--to（见“crm task snooze --help”）\n"
    )
    assert fails(2, "buy", "1", "Tea", "--unit") == (
        "crm: No such option: --unit (Possible options: --unit-price) (see 'crm buy --help')\n"
    )
    assert "not a date: '-3'" in fails(2, "task", "snooze", "1", "-3")  # a number, not one
    assert dump(filled) == before
    assert ok("task", "snooze", "1", "+3d", "-q") == "1\n"
    assert ok("buy", "1", "Tea", "-5", "--force", "-q").strip().isdigit()  # a refund still
