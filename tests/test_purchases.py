"""Recording, listing, editing and deleting purchases; products; `crm show` totals."""

import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import add, crm, dump, fails, ok, rows


def buy(*args: str) -> int:
    return int(ok("buy", *args, "-q").strip())


def listing(*args: str) -> list[dict]:
    return json.loads(ok("purchases", *args, "--format", "json"))


@pytest.fixture
def anna(db_path) -> int:
    return add("Anna", "--city", "Paris")


@pytest.mark.parametrize(
    ("words", "stored"),
    [(["1299.50", "USD"], (129950, "USD")), (["12", "usd"], (1200, "USD")),
     (["12", "元"], (1200, "CNY")), (["-5", "EUR", "--force"], (-500, "EUR")),
     (["1,299.50", "USD", "--currency", "USD"], (129950, "USD"))],
)  # fmt: skip
def test_buy_reads_a_currency_typed_after_the_amount_unquoted(db_path, anna, words, stored):
    """`crm buy Anna Tea 1299.50 USD` is the amount the refusal of a bad one advises
    (`1299.5 USD`), typed as a person types it: it was refused as an extra argument."""
    ok("buy", "Anna", "Tea", *words)
    assert rows(db_path, "SELECT amount_minor, currency FROM purchases") == [stored]


@pytest.mark.parametrize(
    ("words", "message"),
    [(["12", "USD", "--currency", "EUR"], "the amount '12 USD' is in USD, not EUR"),
     (["12", "dollars"], "not an amount: '12 dollars'"),
     (["12", "USD", "extra"], "unexpected extra argument"),
     (["12", ""], "'' after the amount is not a currency"),
     (["12", "  "], "'  ' after the amount is not a currency"),
     (["12", "2"], "'2' after the amount is not a currency"),
     (["--", "-50", "--force"], "'--force' after the amount is not a currency")],
)  # fmt: skip
def test_buy_refuses_a_currency_after_the_amount_it_cannot_read(db_path, anna, words, message):
    assert message in fails(2, "buy", "Anna", "Tea", *words, db=db_path)


def test_buy_records_a_line_exactly(db_path, anna):
    out = ok("buy", "Anna", "Teapot", "1,299.50", "--payment", "card", "--order", "SO-1")
    assert out == "Recorded purchase 1 for #1 Anna: Teapot, 1,299.50 CNY\n"
    assert rows(
        db_path,
        "SELECT customer_id, item, quantity, unit_price_minor, amount_minor, currency, "
        "purchased_at, payment, order_ref, product_id FROM purchases ORDER BY id",
    ) == [
        (1, "Teapot", 1, 129950, 129950, "CNY", "2026-11-22T10:00:00+08:00", "card", "SO-1", None)
    ]
    assert buy("Anna", "Cup", "12") == 2


def test_amount_forms_and_currencies(db_path, anna):
    buy("1", "a", "¥1299")
    buy("1", "b", "1299.5 USD")
    buy("1", "c", "1299", "--currency", "jpy")
    buy("1", "d", "1.234 KWD")
    buy("1", "e", "$5", "--currency", "HKD")
    ok("config", "set", "default_currency", "eur")
    assert "unknown currency 'XYZ'" in fails(2, "config", "set", "default_currency", "XYZ")
    for typed in ("ｕｓｄ", "美元", " usd "):  # the setting reads a currency as --currency does
        assert ok("config", "set", "default_currency", typed) == "default_currency = USD\n"
    ok("config", "set", "default_currency", "eur")
    buy("1", "f", "9.99")
    assert rows(db_path, "SELECT item, amount_minor, currency FROM purchases ORDER BY id") == [
        ("a", 129900, "CNY"),
        ("b", 129950, "USD"),
        ("c", 1299, "JPY"),
        ("d", 1234, "KWD"),
        ("e", 500, "HKD"),
        ("f", 999, "EUR"),
    ]
    got = {r["item"]: (r["amount"], r["currency"]) for r in listing()}
    assert got["c"] == ("1299", "JPY") and got["d"] == ("1.234", "KWD")
    assert got["b"] == ("1299.50", "USD")


def test_quantity_and_unit_price(db_path, anna):
    buy("1", "Cup", "--unit-price", "12.50", "--qty", "3")
    buy("1", "Bowl", "30", "--qty", "4")  # 7.50 each
    buy("1", "Plate", "10", "--qty", "3")  # not divisible: unit price unknown
    buy("1", "Pot", "90", "--unit-price", "30", "-n", "3")  # both, consistent
    assert rows(
        db_path, "SELECT quantity, unit_price_minor, amount_minor FROM purchases ORDER BY id"
    ) == [
        (3, 1250, 3750),
        (4, 750, 3000),
        (3, None, 1000),
        (3, 3000, 9000),
    ]


def test_refunds_by_flag_or_negative_amount(db_path, anna):
    buy("1", "Teapot", "280")
    assert ok("buy", "1", "Teapot", "280", "--refund") == (
        "Recorded refund 2 for #1 Anna: Teapot, -280.00 CNY\n"
    )
    buy("1", "Teapot", "-50", "--force")  # more than was bought: bought before crm knew
    buy("1", "Teapot", "−20", "--refund", "--force")
    assert [r[0] for r in rows(db_path, "SELECT amount_minor FROM purchases ORDER BY id")] == [
        28000,
        -28000,
        -5000,
        -2000,
    ]
    data = listing("--refunds")
    assert [r["amount"] for r in data] == ["-280.00", "-50.00", "-20.00"]
    assert all(r["is_refund"] for r in data)
    totals = json.loads(ok("show", "Anna", "-f", "json"))["purchase_totals"]
    assert totals == [
        {
            "currency": "CNY",
            "revenue": "280.00",
            "refunds": "350.00",
            "net": "-70.00",
            "purchases": 1,
            "orders": 1,
            "average_order": "-70.00",
            "first_purchase_on": "2026-11-22",
            "last_purchase_on": "2026-11-22",
        }
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["12.345"], "12.345 has 3 decimals but CNY has 2 decimals; amounts are never rounded"),
        (["12.5", "--currency", "JPY"], "JPY has no decimals"),
        (["12,50"], "not an amount: '12,50'"),
        (["lots"], "not an amount"),
        (["1e3"], "not an amount"),
        (["12 USD", "--currency", "CNY"], "is in USD, not CNY"),
        (["12", "--currency", "XYZ"], "unknown currency 'XYZ'"),
        (["12", "--currency", "XAU"], "not a currency with minor units"),
        (["99999999999"], "too large"),
        ([], "'Teapot' is not a product with a price; give the AMOUNT (the line total)"),
        (["10", "--unit-price", "3", "--qty", "3"], "AMOUNT 10.00 is not 3 × 3.00 = 9.00"),
        (["--unit-price", "-3"], "--unit-price cannot be negative"),
        (["2 CNY", "--unit-price", "1 USD"], "AMOUNT is in CNY but --unit-price in USD"),
        (["0", "--refund"], "a refund needs an amount"),
        (["12", "--at", "garbage"], "not a date: 'garbage'"),
        (["12", "--at", "tomorrow"], "the purchase date 2026-11-23 is in the future"),
        (["12", "--at", "2026-02-30"], "not a date"),
        (["12", "--qty", "0"], "--qty"),
        (["12", "--qty", "1.5"], "--qty"),
        (["12", "--order", " "], "order cannot be empty"),
        (["12", "--category", "a\tb"], "control characters"),
        (["12", "--bogus"], "No such option: --bogus"),
        (["12", "--category", ""], "category cannot be empty"),
        (["12", "--currency", ""], "unknown currency ''"),
        (["12", "--at", " "], "--at needs a date"),
        (["12", "--unit-price", ""], "not an amount: ''"),
    ],
)
def test_bad_purchases_exit_2_and_write_nothing(db_path, anna, args, message):
    buy("1", "Existing", "1")
    err = fails(2, "buy", "Anna", "Teapot", *args, db=db_path)
    assert message in err, err
    assert err.count("\n") == 1


def test_unknown_or_archived_customer_is_not_found(db_path, anna):
    fails(3, "buy", "Bob", "Teapot", "12", db=db_path)
    ok("delete", "Anna")
    assert "is archived customer 1" in fails(3, "buy", "Anna", "Teapot", "12", db=db_path)


def test_dates_and_times(db_path, anna):
    buy("1", "a", "1", "--at", "2026-03-01")
    buy("1", "b", "1", "--at", "2026-03-01 15:30")
    buy("1", "c", "1", "--at", "yesterday")
    buy("1", "d", "1", "--at", "-1m")
    buy("1", "e", "1", "--at", "2025-12-31T23:59:59+00:00")
    assert [r[0] for r in rows(db_path, "SELECT purchased_at FROM purchases ORDER BY id")] == [
        "2026-03-01T00:00:00+08:00",
        "2026-03-01T15:30:00+08:00",
        "2026-11-21T00:00:00+08:00",
        "2026-10-22T00:00:00+08:00",
        "2025-12-31T23:59:59+00:00",
    ]


def test_at_is_echoed_with_its_weekday(db_path, anna):
    out = ok("buy", "Anna", "Tea", "10", "--at", "yesterday 3pm")
    assert out == "Recorded purchase 1 for #1 Anna: Tea, 10.00 CNY, at Sat 2026-11-21 15:00\n"
    out = ok("purchase", "edit", "1", "--at", "Nov 2 9:30")
    assert out == "Updated purchase 1, at Mon 2026-11-02 09:30.\n"


def test_payment_and_category_are_normalised(db_path, anna):
    buy("1", "a", "1", "--payment", "微信", "--category", "Tea")
    buy("1", "b", "1", "--payment", "Bank Transfer", "--category", "tea")
    buy("1", "c", "1", "--payment", "barter", "--category", "TEA ")
    assert rows(db_path, "SELECT payment, category FROM purchases ORDER BY id") == [
        ("wechat", "Tea"),
        ("transfer", "Tea"),
        ("barter", "Tea"),
    ]


def test_products_give_defaults_and_links(db_path, anna):
    assert ok("product", "add", "Longjing tea 250g", "--category", "Tea", "--price", "649.75",
              "--sku", "LJ-250") == "Added product 1: Longjing tea 250g\n"  # fmt: skip
    ok("product", "add", "Glass pot", "--price", "20 USD")
    buy("1", "lj-250", "--qty", "2")  # by SKU, in any case: price × qty
    buy("1", "longjing TEA 250G", "600")  # by name: amount given wins
    buy("1", "Longjing tea 250g", "--category", "Gift")  # category given wins
    buy("1", "glass pot")  # price in the product's currency
    buy("1", "Glass pot", "12")  # a bare number is in the product's currency too
    buy("1", "Glass pot", "¥100")
    assert rows(
        db_path,
        "SELECT item, product_id, category, quantity, unit_price_minor, amount_minor, currency "
        "FROM purchases ORDER BY id",
    ) == [
        ("Longjing tea 250g", 1, "Tea", 2, 64975, 129950, "CNY"),
        ("Longjing tea 250g", 1, "Tea", 1, 60000, 60000, "CNY"),
        ("Longjing tea 250g", 1, "Gift", 1, 64975, 64975, "CNY"),
        ("Glass pot", 2, None, 1, 2000, 2000, "USD"),
        ("Glass pot", 2, None, 1, 1200, 1200, "USD"),
        ("Glass pot", 2, None, 1, 10000, 10000, "CNY"),
    ]
    err = fails(2, "buy", "1", "Glass pot", "--currency", "CNY", db=db_path)
    assert "Glass pot is priced in USD; give the AMOUNT in CNY" in err
    ok("product", "add", "Sample")
    assert "'sample' has no price; give the AMOUNT" in fails(2, "buy", "1", "sample", db=db_path)


def test_product_commands(db_path, anna):
    ok("product", "add", "Teapot", "--price", "¥280", "--category", "Ware", "--sku", "TP-1")
    ok("product", "add", "Cup", "--category", "ware")
    assert ok("product", "add", "Sample", "-q") == "3\n"
    data = json.loads(ok("product", "list", "-f", "json"))
    assert [p["name"] for p in data] == ["Cup", "Sample", "Teapot"]
    assert data[2] == {
        "id": 1,
        "name": "Teapot",
        "category": "Ware",
        "sku": "TP-1",
        "price": "280.00",
        "currency": "CNY",
        "created_at": "2026-11-22T10:00:00+08:00",
        "updated_at": "2026-11-22T10:00:00+08:00",
    }
    assert data[0]["category"] == "Ware"  # spelt like the existing category
    assert ok("product", "list", "--category", "WARE", "-q") == "2\n1\n"
    table = ok("product", "list")
    assert "280.00" in table and "CNY" in table
    assert ok("product", "edit", "TP-1", "--price", "300", "--name", "Clay teapot") == (
        "Updated product 1.\n"
    )
    assert ok("product", "edit", "Clay teapot", "--price", "300") == "No changes.\n"
    ok("product", "edit", "1", "--currency", "USD")
    ok("product", "edit", "Cup", "--unset", "category", "--sku", "C-1")
    data = {p["id"]: p for p in json.loads(ok("product", "list", "-f", "json"))}
    assert (data[1]["name"], data[1]["price"], data[1]["currency"]) == (
        "Clay teapot",
        "300.00",
        "USD",
    )
    assert (data[2]["category"], data[2]["sku"]) == (None, "C-1")
    csv_out = ok("product", "list", "-f", "csv").splitlines()
    assert csv_out[0] == "id,name,category,sku,price,currency,created_at,updated_at"
    assert "300.00,USD" in csv_out[1]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "teapot"], 2, "product name 'teapot' is already used by product 1 (Teapot)"),
        (["add", "Other", "--sku", "tp-1"], 2, "product sku 'tp-1' is already used"),
        (["add", "TP-1"], 2, "already used by product 1"),
        (["add", "Other", "--sku", "teapot"], 2, "already used by product 1"),
        (["add", "Other", "--price", "-1"], 2, "price cannot be negative"),
        (["add", "Other", "--price", "1.234"], 2, "never rounded"),
        (["add", "Other", "--currency", "USD"], 2, "give --price too"),
        (["add", " "], 2, "crm: product name cannot be empty\n"),
        (["--lang", "zh", "add", ""], 2, "crm: 产品名称不能为空\n"),  # not 姓名, a person's
        (["edit", "Cup", "--name", ""], 2, "crm: product name cannot be empty\n"),
        (["edit", "Teapot"], 2, "nothing to change"),
        (["edit", "Teapot", "--name", "Cup"], 2, "already used by product 2"),
        (["edit", "Teapot", "--unset", "name"], 2, "--unset takes one of"),
        (["edit", "Cup", "--currency", "USD"], 2, "has no price"),
        (["edit", "Teapot", "--currency", "JPY"], 2, "JPY has no decimals"),
        (["edit", "Nope", "--price", "1"], 3, "no product matches 'Nope'"),
        (["edit", "#9", "--price", "1"], 3, "no product with id 9"),
        (["delete", "Nope"], 3, "no product matches"),
    ],
)
def test_bad_product_commands_change_nothing(db_path, args, code, message):
    ok("product", "add", "Teapot", "--price", "280.50", "--sku", "TP-1")
    ok("product", "add", "Cup")
    args = [*args[:2], "product", *args[2:]] if args[0] == "--lang" else ["product", *args]
    assert message in fails(code, *args, db=db_path)


def test_deleting_a_product_keeps_its_purchases(db_path, anna):
    ok("product", "add", "Teapot", "--price", "280", "--category", "Ware")
    buy("1", "Teapot")
    buy("1", "Teapot")
    assert ok("product", "delete", "--yes", "Teapot") == (
        "Deleted product 1: Teapot; 2 purchases kept, unlinked\n"
    )
    assert (
        rows(db_path, "SELECT item, category, amount_minor, product_id FROM purchases")
        == [("Teapot", "Ware", 28000, None)] * 2
    )
    assert ok("product", "list") == ""


def test_listing_filters_and_formats(db_path, anna):
    add("Bob")
    buy("Anna", "Longjing tea", "100", "--category", "Tea", "--at", "2026-01-05")
    buy("Anna", "Teapot", "280", "--category", "Ware", "--at", "2026-03-01")
    buy("Bob", "Green tea", "12 USD", "--category", "tea", "--at", "2026-06-30 23:00")
    buy("Bob", "Teapot", "-280", "--at", "2026-07-01", "--force")
    ids = lambda *a: [r["id"] for r in listing(*a)]  # noqa: E731
    assert ids() == [1, 2, 3, 4]
    assert ids("Bob") == [3, 4]
    assert ids("--since", "2026-03-01") == [2, 3, 4]
    assert ids("--until", "2026-06-30") == [1, 2, 3]
    assert ids("--since", "2026-03-01", "--until", "2026-03-01") == [2]
    assert ids("--category", "TEA") == [1, 3]
    assert ids("--item", "TEA") == [1, 2, 3, 4]
    assert ids("--item", "green") == [3]
    assert ids("--item", "%") == []
    assert ids("--currency", "usd") == [3]
    assert ids("--refunds") == [4]
    assert ids("--limit", "2") == [3, 4]
    assert ok("purchases", "Anna", "-q") == "1\n2\n"
    first = listing()[0]
    assert list(first) == [
        "id", "purchased_at", "customer_id", "customer_name", "item", "category", "quantity",
        "unit_price", "amount", "currency", "is_refund", "payment", "order_ref", "note",
        "product_id", "created_at", "updated_at",
    ]  # fmt: skip
    assert first["amount"] == "100.00" and first["unit_price"] == "100.00"
    lines = ok("purchases", "-f", "jsonl").splitlines()
    assert json.loads(lines[3])["amount"] == "-280.00"
    csv_out = ok("purchases", "-f", "csv").splitlines()
    assert csv_out[1].startswith(
        "1,2026-01-05T00:00:00+08:00,1,Anna,Longjing tea,Tea,1,100.00,100.00,CNY,false,"
    )
    assert ",-280.00,CNY,true," in csv_out[4]
    assert "\t12.00\t12.00\tUSD\t" in ok("purchases", "-f", "tsv").splitlines()[3]
    table = ok("purchases")
    assert table.splitlines()[0].split() == [
        "id", "date", "customer_name", "item", "category", "quantity", "amount", "currency",
    ]  # fmt: skip
    assert "2026-01-05" in table and "-280.00" in table and "\x1b[" not in table


def test_listing_bad_filters_exit_2(db_path, anna):
    fails(2, "purchases", "--since", "someday")
    assert "is after" in fails(2, "purchases", "--since", "2026-02-01", "--until", "2026-01-01")
    fails(2, "purchases", "--currency", "XYZ")
    fails(3, "purchases", "Nobody")
    assert ok("purchases") == "" and ok("purchases", "-f", "json") == "[]\n"


def test_listing_includes_archived_customers(db_path, anna):
    buy("Anna", "Teapot", "1")
    ok("delete", "Anna")
    assert ok("purchases", "-q") == "1\n"
    assert ok("purchases", "1", "-q") == "1\n"


def test_edit_a_purchase(db_path, anna):
    add("Bob")
    ok("product", "add", "Teapot", "--price", "280")
    buy("Anna", "Cup", "30", "--qty", "3", "--category", "Ware", "--note", "gift")
    assert ok("purchase", "edit", "1", "--amount", "45") == "Updated purchase 1.\n"
    assert rows(db_path, "SELECT quantity, unit_price_minor, amount_minor FROM purchases") == [
        (3, 1500, 4500)
    ]
    ok("purchase", "edit", "1", "--qty", "4")  # a known unit price: the total follows
    assert rows(db_path, "SELECT quantity, amount_minor, updated_at FROM purchases") == [
        (4, 6000, "2026-11-22T10:00:00+08:00")
    ]
    ok("purchase", "edit", "1", "--unit-price", "20")
    assert rows(db_path, "SELECT amount_minor FROM purchases ORDER BY id") == [(8000,)]
    ok("purchase", "edit", "1", "--currency", "USD")  # same value, another currency
    assert rows(db_path, "SELECT amount_minor, currency FROM purchases") == [(8000, "USD")]
    ok("purchase", "edit", "1", "--refund", "--force")
    assert rows(db_path, "SELECT amount_minor FROM purchases ORDER BY id") == [(-8000,)]
    assert ok("purchase", "edit", "1", "--refund") == "No changes.\n"
    ok("purchase", "edit", "1", "--qty", "2")  # stays a refund
    assert rows(db_path, "SELECT amount_minor FROM purchases ORDER BY id") == [(-4000,)]
    ok("purchase", "edit", "1", "--amount", "10 EUR")
    assert rows(db_path, "SELECT amount_minor, currency, unit_price_minor FROM purchases") == [
        (1000, "EUR", 500)
    ]
    ok("purchase", "edit", "1", "--customer", "Bob", "--item", "teapot", "--at", "2026-01-02",
       "--payment", "现金", "--order", "SO-9", "--unset", "note", "--unset", "category")  # fmt: skip
    record = listing()[0]
    assert (record["customer_name"], record["item"], record["product_id"]) == ("Bob", "Teapot", 1)
    assert (record["purchased_at"], record["payment"], record["order_ref"]) == (
        "2026-01-02T00:00:00+08:00",
        "cash",
        "SO-9",
    )
    assert (record["note"], record["category"]) == (None, None)
    ok("purchase", "edit", "1", "--unset", "unit_price", "--unset", "order")
    assert listing()[0]["unit_price"] is None and listing()[0]["order_ref"] is None
    assert ok("purchase", "edit", "1", "--payment", "cash") == "No changes.\n"
    assert ok("purchase", "edit", "1", "--amount", "-10", "--force", "-q") == "1\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1"], 2, "nothing to change"),
        (["9", "--amount", "1"], 3, "no purchase with id 9"),
        (["1", "--amount", "1.001"], 2, "never rounded"),
        (["1", "--currency", "JPY"], 2, "JPY has no decimals"),
        (["1", "--amount", "3", "--unit-price", "2"], 2, "is not 3 × 2.00"),
        (["1", "--customer", "Nobody"], 3, "no customer matches"),
        (["1", "--at", "2099-01-01"], 2, "in the future"),
        (["1", "--unset", "amount"], 2, "--unset takes one of"),
        (["1", "--note", "x", "--unset", "note"], 2, "both set and unset"),
        (["1", "--item", ""], 2, "item cannot be empty"),
        (["x", "--amount", "1"], 2, "ID takes a whole number, not 'x'"),
    ],
)
def test_bad_edits_change_nothing(db_path, anna, args, code, message):
    buy("Anna", "Cup", "30.50", "--qty", "3", "--note", "n")
    assert message in fails(code, "purchase", "edit", *args, db=db_path)


def test_delete_purchases(db_path, anna):
    for amount in ("1", "2", "3", "4"):
        buy("Anna", "Cup", amount)
    before = dump(db_path)
    for args in (["2"], ["-"]):  # a script (or ids piped in) must say --yes
        err = fails(2, "purchase", "delete", *args, input="2\n", db=db_path)
        assert err == (
            "crm: purchase delete asks for confirmation; add --yes to run it from a script\n"
        )
    assert dump(db_path) == before
    assert ok("purchase", "delete", "2", "--yes") == (
        "Deleted purchase 2 of #1 Anna on 2026-11-22: Cup, 2.00 CNY\n"
    )
    assert "no purchase with id 2" in fails(3, "purchase", "delete", "1", "2", db=db_path)
    assert "not a purchase id" in fails(2, "purchase", "delete", "1", "x", db=db_path)
    assert ok("purchase", "delete", "-", input="") == ""  # an empty pipe is a no-op
    assert ok("purchase", "delete", "-", "-q", "-y", input="3\n#4\n") == "3\n4\n"
    assert ok("purchases", "-q") == "1\n"
    assert buy("Anna", "Cup", "5") == 5  # ids are never reused


def test_show_has_totals_per_currency_and_the_last_purchases(db_path, anna):
    buy("Anna", "a", "100", "--at", "2025-01-01", "--order", "O1")
    buy("Anna", "b", "50", "--at", "2025-01-01", "--order", "O1")
    buy("Anna", "c", "30", "--at", "2026-05-01")
    buy("Anna", "c", "-30", "--at", "2026-05-02")
    buy("Anna", "d", "12 USD", "--at", "2026-06-01")
    for n in range(4):
        buy("Anna", f"e{n}", "1 USD", "--at", f"2026-07-0{n + 1}")
    card = json.loads(ok("show", "Anna", "-f", "json"))
    assert card["purchase_totals"] == [
        {
            "currency": "CNY",
            "revenue": "180.00",
            "refunds": "30.00",
            "net": "150.00",
            "purchases": 3,
            "orders": 2,
            "average_order": "75.00",
            "first_purchase_on": "2025-01-01",
            "last_purchase_on": "2026-05-01",
        },
        {
            "currency": "USD",
            "revenue": "16.00",
            "refunds": "0.00",
            "net": "16.00",
            "purchases": 5,
            "orders": 5,
            "average_order": "3.20",
            "first_purchase_on": "2026-06-01",
            "last_purchase_on": "2026-07-04",
        },
    ]
    recent = card["recent_purchases"]
    assert [r["item"] for r in recent] == ["e3", "e2", "e1", "e0", "d"]
    assert recent[0] == {
        "id": 9,
        "purchased_at": "2026-07-04T00:00:00+08:00",
        "item": "e3",
        "category": None,
        "quantity": 1,
        "amount": "1.00",
        "currency": "USD",
        "order_ref": None,
    }
    text = ok("show", "Anna")
    assert "Purchases (lifetime, per currency)" in text and "Last purchases" in text
    assert "150.00" in text and "16.00" in text and "2026-07-04" in text


def test_show_without_purchases_has_no_sections(db_path, anna):
    assert "Purchases" not in ok("show", "Anna")
    card = json.loads(ok("show", "Anna", "-f", "json"))
    assert card["purchase_totals"] == [] and card["recent_purchases"] == []


def test_purchases_go_with_their_customer(db_path, anna):
    """Erasing a customer row (a later `forget`) takes their purchases with it."""
    buy("Anna", "Cup", "1")
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM customers WHERE id = 1")
    conn.commit()
    conn.close()
    assert rows(db_path, "SELECT count(*) FROM purchases") == [(0,)]


def test_database_refuses_bad_rows_even_past_the_cli(db_path, anna):
    buy("Anna", "Cup", "1")
    conn = sqlite3.connect(db_path)
    for sql in (
        "UPDATE purchases SET quantity = 0",
        "UPDATE purchases SET currency = 'EURO'",
        "UPDATE purchases SET item = ' '",
        "INSERT INTO products (name, name_key, price_minor, created_at, updated_at) "
        "VALUES ('x', 'x', 5, '', '')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql)
    conn.close()


def test_indexes_serve_the_queries(db_path, anna):
    buy("Anna", "Cup", "1")
    conn = sqlite3.connect(db_path)
    plans = {
        "customer": "SELECT purchased_at, amount_minor FROM purchases WHERE customer_id = 1",
        "range": "SELECT id FROM purchases WHERE purchased_at >= '2026-01-01'",
        "product": "SELECT id FROM purchases WHERE product_id = 1",
    }
    for name, sql in plans.items():
        plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING" in plan and "INDEX" in plan, (name, plan)
    plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {plans['customer']}"))
    assert "COVERING INDEX purchases_customer_time" in plan
    conn.close()


def test_help_of_every_purchase_command_has_an_example(db_path):
    for args in (
        ["buy"],
        ["purchases"],
        ["purchase", "edit"],
        ["purchase", "delete"],
        ["product", "add"],
        ["product", "list"],
        ["product", "edit"],
        ["product", "delete"],
    ):
        result = crm(*args, "--help")
        assert result.exit_code == 0 and "Example: crm " in result.stdout, args


ARG_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=20)


def test_fuzzed_buy_is_recorded_or_refused_cleanly(db_path):
    """Any text in any option: a line written with an exact amount, or InvalidInput (exit 2)
    and nothing written; never another exception."""
    from crmcli.core import clock
    from crmcli.core.errors import CrmError
    from crmcli.records import purchases, refs
    from crmcli.store.db import connect, transaction
    from crmcli.store.search import sync

    add("Anna")
    before = dump(db_path)
    conn = connect(db_path, write=True)

    class Undo(Exception):
        pass

    seen = set()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(
        amount=st.one_of(
            st.none(), ARG_TEXT, st.sampled_from(["12", "1,299.50", "-5", "¥3", "1 USD", "0"])
        ),
        at=st.one_of(ARG_TEXT, *[st.just(t) for t in ("yesterday", "2026-01-01 10:00", "-3d")]),
        currency=st.one_of(ARG_TEXT, *[st.just(c) for c in ("CNY", "usd", "JPY", "KWD")]),
        qty=st.one_of(st.none(), st.integers(-1, 3), st.integers(10**5, 10**9)),
        unit=st.one_of(st.none(), st.none(), st.sampled_from(["3", "-1"]), ARG_TEXT),
    )
    def recorded_or_refused(amount, at, currency, qty, unit):
        raw = purchases.LineInput(
            item="Teapot", amount=amount, quantity=qty, unit_price=unit, at=at, currency=currency
        )
        try:
            with transaction(conn, command="buy"):
                customer = refs.resolve(conn, "Anna")
                line = purchases.prepare_purchase(conn, customer, raw, now=clock.now())
                record = purchases.get_purchase(conn, purchases.add_purchase(conn, line))
                sync(conn)
                assert isinstance(record["amount_minor"], int) and len(record["currency"]) == 3
                seen.add("recorded")
                raise Undo
        except Undo:
            pass
        except CrmError as exc:
            assert exc.exit_code == 2 and str(exc), exc
            seen.add("refused")

    try:
        recorded_or_refused()
    finally:
        conn.close()
    assert seen == {"recorded", "refused"}
    assert dump(db_path) == before  # every example rolled back: nothing was half-written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--", "12 apples"], "crm: not an amount: '12 apples'"),
        (["12", "--qty=abc"], "crm: "),
        (["12", "--qty=0"], "crm: "),
        (["12", "--currency=XYZ"], "crm: "),
        (["--unit-price=3", "--at=not a date"], "crm: "),
    ],
)
def test_a_bad_buy_exits_2_with_one_line_and_writes_nothing(db_path, anna, args, message):
    err = fails(2, "buy", "Anna", "Teapot", *args, db=db_path)
    assert err.startswith(message) and err.count("\n") == 1, err


def test_a_fuzzed_shape_of_buy_is_recorded(db_path, anna):
    assert buy("Anna", "Teapot", "--currency=usd", "--qty=2", "--at=-3d", "1,299.50") == 1
    [line] = listing()
    assert (line["amount"], line["currency"], line["quantity"]) == ("1299.50", "USD", 2)


def test_read_commands_work_before_the_database_exists(db_path):
    for args in (["purchases"], ["product", "list"], ["report", "sales"]):
        assert ok(*args) == "", args
        assert ok(*args, "--format", "json") == "[]\n", args
    assert not db_path.exists()
    assert ok("product", "add", "Teapot", "--price", "1") == "Added product 1: Teapot\n"
    assert db_path.exists()


def test_a_refund_too_large_in_its_new_currency_is_refused(db_path, anna):
    """999,999,999,999 JPY is within the limit; the same figure in CNY is 100 times over it,
    for a refund as for a sale."""
    ok("buy", "Anna", "Refund", "-999999999999", "--currency", "JPY", "--force")
    message = fails(2, "purchase", "edit", "1", "--currency", "CNY", db=db_path)
    assert message == "crm: amount -999999999999 CNY is too large (at most 9,999,999,999.99)\n"


HOW = "write it like 1299, 1,299.50, ¥1299, 8.8万 or 1299.5 USD"


@pytest.mark.parametrize(
    ("amount", "options", "message"),
    [
        ("lots", [], f"not an amount: 'lots'; {HOW}"),
        ("12XX.XX50", [], f"not an amount: '12XX.XX50'; {HOW}"),
        ("-+5", [], f"not an amount: '-+5'; {HOW}"),  # two signs
        ("-$-5", [], f"not an amount: '-$-5'; {HOW}"),
        ("$5 USD", [], "not an amount: '$5 USD'; name the currency once"),
        ("12 USD", ["--currency", "CNY"], "the amount '12 USD' is in USD, not CNY"),
        ("12.345", [], "12.345 has 3 decimals but CNY has 2 decimals; amounts are never rounded"),
        (
            "12.5", ["--currency", "JPY"],
            "12.5 has 1 decimal but JPY has no decimals; amounts are never rounded",
        ),
        (
            "ZZ$5", [],
            "unknown currency symbol 'ZZ$'; use an ISO 4217 code such as CNY, USD, EUR or JPY",
        ),
    ],
)  # fmt: skip
def test_a_refused_amount_says_the_whole_reason(db_path, anna, amount, options, message):
    assert fails(2, "buy", "Anna", "Teapot", *options, "--", amount, db=db_path) == (
        f"crm: {message}\n"
    )


def test_plain_amounts_of_a_purchase_file_are_read_in_sql_as_crm_buy_reads_them(
    db_path, anna, tmp_path, monkeypatch
):
    """A CSV file's plain amounts (a sign, digits, a dot: what every export writes) are read
    into minor units in SQL (money.plain_minor) with no per-row Python, to the units `crm
    buy` stores; any other amount goes the per-row way and is refused as `crm buy` refuses
    it."""
    from crmcli.records import purchases

    calls = []
    real = purchases.prepare_line
    monkeypatch.setattr(purchases, "prepare_line", lambda *a: calls.append(a) or real(*a))
    good = tmp_path / "good.csv"
    good.write_text(
        "customer,item,amount,currency\n"
        "Anna,a,-80,\nAnna,b,12,\nAnna,c,1299.50,\nAnna,d,0.5,\nAnna,e,007.10,\n"
        "Anna,f,1299,JPY\nAnna,g,-1.234,KWD\nAnna,h,9999999999.99,\nAnna,i,0,\n",
        encoding="utf-8",
    )
    result = crm("import", "purchases", str(good))
    assert result.exit_code == 0 and "9 inserted" in result.stderr, result.stderr
    assert calls == []
    assert rows(db_path, "SELECT item, amount_minor, currency FROM purchases ORDER BY id") == [
        ("a", -8000, "CNY"), ("b", 1200, "CNY"), ("c", 129950, "CNY"), ("d", 50, "CNY"),
        ("e", 710, "CNY"), ("f", 1299, "JPY"), ("g", -1234, "KWD"),
        ("h", 999999999999, "CNY"), ("i", 0, "CNY"),
    ]  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "customer,item,amount,currency\n"
        "Anna,a,12XX.XX50,\nAnna,b,12.345,\nAnna,c,10000000000,\nAnna,d,1.5,JPY\nAnna,e,1.,\n"
        "Anna,f,12,\n",
        encoding="utf-8",
    )
    err = fails(2, "import", "purchases", str(bad), db=db_path)
    assert err.startswith("crm: 4 of 6 rows are invalid; nothing was imported"), err
    for row, reason in [
        (2, f"not an amount: '12XX.XX50'; {HOW}"),
        (3, "12.345 has 3 decimals but CNY has 2 decimals"),
        (4, "amount 10000000000 CNY is too large (at most 9,999,999,999.99)"),
        (5, "1.5 has 1 decimal but JPY has no decimals"),
    ]:
        assert f"row {row}: {reason}" in err, err
    assert len(calls) == 5  # `1.` (read as 1.00 by the full rules) and the four refused


# --- refunds larger than what was bought --------------------------------------------------


def test_a_refund_beyond_what_the_customer_bought_is_refused(db_path, anna):
    """A refund is of something bought: refunds of a customer in a currency may come to what
    they bought in it, not more; other customers' and currencies' sales do not count."""
    other = add("Bo")
    buy(str(other), "Teapot", "5000")
    buy("Anna", "Teapot", "300")
    buy("Anna", "Cup", "20 USD")
    buy("Anna", "Teapot", "-200")
    buy("Anna", "Teapot", "100", "--refund")  # exactly what was bought: accepted
    expected = (
        "crm: #1 Anna's refunds would come to {} CNY, more than the 300.00 CNY they bought; "
        "pass --force if that is right\n"
    )
    assert fails(2, "buy", "Anna", "Teapot", "-0.01", db=db_path) == expected.format("300.01")
    assert fails(2, "buy", "Anna", "Teapot", "1", "--refund", db=db_path) == expected.format(
        "301.00"
    )
    assert fails(2, "buy", "Anna", "Cup", "-20.01 USD", db=db_path) == (
        "crm: #1 Anna's refunds would come to 20.01 USD, more than the 20.00 USD they bought; "
        "pass --force if that is right\n"
    )
    assert fails(2, "buy", "Anna", "Cup", "-1 EUR", db=db_path) == (
        "crm: #1 Anna's refunds would come to 1.00 EUR, more than the 0.00 EUR they bought; "
        "pass --force if that is right\n"
    )
    # --force: a refund of something bought before crm knew of it.
    assert buy("Anna", "Teapot", "-50", "--force") == 6
    assert json.loads(ok("show", "Anna", "-f", "json"))["purchase_totals"][0]["net"] == "-50.00"


def test_an_edit_that_makes_refunds_exceed_purchases_is_refused(db_path, anna):
    bo = add("Bo")
    buy("Anna", "Teapot", "300")  # 1
    buy("Anna", "Teapot", "-100")  # 2
    buy(str(bo), "Cup", "50")  # 3
    over = "crm: #1 Anna's refunds would come to {} CNY, more than the {} CNY they bought; "
    over += "pass --force if that is right\n"
    assert fails(2, "purchase", "edit", "2", "--amount", "-300.01", db=db_path) == over.format(
        "300.01", "300.00"
    )
    assert fails(2, "purchase", "edit", "1", "--amount", "99", db=db_path) == over.format(
        "100.00", "99.00"
    )
    assert fails(2, "purchase", "edit", "1", "--refund", db=db_path) == over.format(
        "400.00", "0.00"
    )
    assert fails(2, "purchase", "edit", "1", "--customer", "Bo", db=db_path) == over.format(
        "100.00", "0.00"
    )
    assert fails(2, "purchase", "edit", "2", "--customer", "Bo", db=db_path) == (
        "crm: #2 Bo's refunds would come to 100.00 CNY, more than the 50.00 CNY they bought; "
        "pass --force if that is right\n"
    )
    assert fails(2, "purchase", "edit", "1", "--currency", "USD", db=db_path) == over.format(
        "100.00", "0.00"
    )
    ok("purchase", "edit", "2", "--amount", "-300")
    ok("purchase", "edit", "2", "--amount", "-400", "--force")
    # Already over: an edit that does not make it worse goes through; a worse one does not.
    ok("purchase", "edit", "2", "--note", "broken lid")
    ok("purchase", "edit", "2", "--amount", "-350")
    assert fails(2, "purchase", "edit", "2", "--amount", "-351", db=db_path) == over.format(
        "351.00", "300.00"
    )
    assert rows(db_path, "SELECT amount_minor, note FROM purchases WHERE id = 2") == [
        (-35000, "broken lid")
    ]


def test_deleting_a_sale_from_under_its_refunds_is_refused(db_path, anna):
    buy("Anna", "Teapot", "300")  # 1
    buy("Anna", "Cup", "50")  # 2
    buy("Anna", "Teapot", "-300")  # 3
    line = (
        "crm: #1 Anna's refunds would come to 300.00 CNY, more than the {} CNY they bought; "
        "pass --force if that is right\n"
    )
    assert fails(2, "purchase", "delete", "1", "--yes", db=db_path) == line.format("50.00")
    assert fails(2, "purchase", "delete", "1", "2", "--yes", db=db_path) == line.format("0.00")
    assert ok("purchase", "delete", "2", "--yes", "-q") == "2\n"  # 300 bought, 300 refunded
    ok("purchase", "delete", "1", "3", "--yes")  # the sale with its refund
    assert rows(db_path, "SELECT id FROM purchases") == []
    buy("Anna", "Teapot", "300")
    buy("Anna", "Teapot", "-100")
    ok("purchase", "delete", "4", "--yes", "--force")
    assert rows(db_path, "SELECT id, amount_minor FROM purchases") == [(5, -10000)]
    ok("purchase", "delete", "5", "--yes")  # a refund deleted: never refused
