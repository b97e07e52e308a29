"""Changing purchases, products and tasks through their services (input -> prepare ->
apply), without the command line, and the one reading of `--unset` (records/edits.py).

prepare runs on a read-only connection here: it validates and computes, it never writes.
A refused input raises the very message the command prints.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crmcli.core import clock
from crmcli.core.dates import Period
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.records import edits, products, purchases, refs, tasks
from crmcli.store import db
from tests.conftest import fails, filled_once, ok

TODAY = date(2026, 11, 22)  # the pinned clock's day (conftest)


# --- --unset ------------------------------------------------------------------------------


CLEARS = {"note": ("note",), "price": ("price_minor", "currency")}


def test_unset_maps_names_to_the_columns_they_clear():
    assert edits.unset_columns([" note ", "cost"], CLEARS, aliases={"cost": "price"}) == {
        "note": None,
        "price_minor": None,
        "currency": None,
    }
    assert edits.unset_columns([], CLEARS) == {}


@pytest.mark.parametrize(
    ("names", "setting", "message"),
    [
        (["amount"], None, "--unset takes one of: note, price (got 'amount')"),
        ([" amount "], None, "--unset takes one of: note, price (got 'amount')"),
        (["price"], {"currency": "USD"}, "price is both set and unset"),
    ],
)
def test_unset_refuses_unknown_names_and_contradictions(names, setting, message):
    with pytest.raises(InvalidInput) as caught:
        edits.unset_columns(names, CLEARS, setting=setting)
    assert caught.value.message == message


def test_unset_hands_other_names_to_the_record_kind():
    seen: list[str] = []
    assert edits.unset_columns(["note", " wechat"], CLEARS, other=seen.append) == {"note": None}
    assert seen == ["wechat"]


# --- purchases ----------------------------------------------------------------------------


@pytest.fixture
def shop(db_path: Path) -> Iterator[Path]:
    filled_once(db_path, _fill_shop)  # made once per worker, copied
    yield db_path


def _fill_shop() -> None:
    ok("add", "Anna")
    ok("add", "Bob")
    ok("product", "add", "Teapot", "--price", "280", "--category", "Ware")
    ok("buy", "Anna", "Cup", "30.50", "--qty", "3", "--note", "n")  # purchase 1


def read_only(path: Path):
    return db.connect(path, write=False)


def prepare_purchase_edit(path: Path, purchase_id: int, **typed):
    conn = read_only(path)
    try:
        resolve = lambda ref: refs.resolve(conn, ref, region=None)  # noqa: E731
        raw = purchases.PurchaseEdit(**typed)
        return purchases.prepare_edit(conn, purchase_id, raw, resolve=resolve, now=clock.now())
    finally:
        conn.close()


def test_purchase_prepare_computes_prices_and_currencies(shop):
    assert prepare_purchase_edit(shop, 1, quantity=4) == {
        "amount_minor": 3050,  # no unit price (30.50 / 3): the total stays
        "currency": "CNY",
        "quantity": 4,
        "unit_price_minor": None,
    }
    assert prepare_purchase_edit(shop, 1, unit_price="20") == {
        "amount_minor": 6000,  # 3 × 20.00
        "currency": "CNY",
        "quantity": 3,
        "unit_price_minor": 2000,
    }
    assert prepare_purchase_edit(shop, 1, currency="USD") == {
        "amount_minor": 3050,  # the same value in another currency
        "currency": "USD",
        "quantity": 3,
        "unit_price_minor": None,
    }
    assert prepare_purchase_edit(shop, 1, refund=True)["amount_minor"] == -3050
    assert prepare_purchase_edit(shop, 1, item="teapot", unset=("order", "note")) == {
        "item": "Teapot",
        "product_id": 1,
        "order_ref": None,
        "note": None,
    }
    assert prepare_purchase_edit(shop, 1, category="WARE", payment="微信", customer="Bob") == {
        "customer_id": 2,
        "category": "Ware",
        "payment": "wechat",
    }


def test_purchase_apply_writes_what_prepare_computed(shop):
    values = prepare_purchase_edit(shop, 1, amount="45", quantity=3)
    conn = db.connect(shop, write=True)
    try:
        with db.transaction(conn):
            assert purchases.update_purchase(conn, 1, values) is True
            assert purchases.update_purchase(conn, 1, values) is False
        line = purchases.get_purchase(conn, 1)
    finally:
        conn.close()
    assert (line["amount_minor"], line["unit_price_minor"], line["quantity"]) == (4500, 1500, 3)


@pytest.mark.parametrize(
    ("typed", "args", "error"),
    [
        ({}, [], InvalidInput),
        ({"amount": "1.001"}, ["--amount", "1.001"], InvalidInput),
        ({"currency": "JPY"}, ["--currency", "JPY"], InvalidInput),
        ({"amount": "3", "unit_price": "2"}, ["--amount", "3", "--unit-price", "2"], InvalidInput),
        ({"at": "2099-01-01"}, ["--at", "2099-01-01"], InvalidInput),
        ({"at": " "}, ["--at", " "], InvalidInput),
        ({"unset": ("amount",)}, ["--unset", "amount"], InvalidInput),
        ({"note": "x", "unset": ("note",)}, ["--note", "x", "--unset", "note"], InvalidInput),
        ({"item": ""}, ["--item", ""], InvalidInput),
        ({"customer": "Nobody"}, ["--customer", "Nobody"], NotFound),
    ],
)
def test_purchase_prepare_refuses_as_the_command_does(shop, typed, args, error):
    with pytest.raises(error) as caught:
        prepare_purchase_edit(shop, 1, **typed)
    stderr = fails(caught.value.exit_code, "purchase", "edit", "1", *args, db=shop)
    assert stderr == f"crm: {caught.value.message}\n"


def test_purchase_prepare_of_a_missing_line(shop):
    with pytest.raises(NotFound, match="no purchase with id 9"):
        prepare_purchase_edit(shop, 9, amount="1")


# --- products -----------------------------------------------------------------------------


def prepare_product(path: Path, ref: str | None, **typed) -> products.ProductValues:
    conn = read_only(path)
    try:
        before = None
        if ref is not None:
            before = products.get_product(conn, products.resolve_product(conn, ref))
        return products.prepare(conn, products.ProductInput(**typed), before=before)
    finally:
        conn.close()


def test_product_prepare_computes_prices(shop):
    assert prepare_product(shop, None, name=" Cup ", category="ware", price="12.5 USD") == {
        "name": "Cup",
        "category": "Ware",
        "price_minor": 1250,
        "currency": "USD",
    }
    assert prepare_product(shop, None, name="Cup", price="12") == {
        "name": "Cup",
        "price_minor": 1200,
        "currency": "CNY",  # the default currency
    }
    assert prepare_product(shop, "Teapot", currency="USD") == {
        "price_minor": 28000,  # the same value in another currency
        "currency": "USD",
    }
    assert prepare_product(shop, "Teapot", unset=("price", "sku")) == {
        "price_minor": None,
        "currency": None,
        "sku": None,
    }


@pytest.mark.parametrize(
    ("ref", "typed", "args"),
    [
        ("Teapot", {}, ["edit", "Teapot"]),
        ("Teapot", {"unset": ("name",)}, ["edit", "Teapot", "--unset", "name"]),
        ("Teapot", {"currency": "JPY", "price": "1.5"}, ["edit", "1", "--price", "1.5",
                                                         "--currency", "JPY"]),
        ("Teapot", {"price": "1", "unset": ("price",)}, ["edit", "1", "--price", "1",
                                                         "--unset", "price"]),
        (None, {"name": "Cup", "currency": "USD"}, ["add", "Cup", "--currency", "USD"]),
        (None, {"name": "Cup", "price": "-1"}, ["add", "Cup", "--price", "-1"]),
        (None, {"name": " "}, ["add", " "]),
    ],
)  # fmt: skip
def test_product_prepare_refuses_as_the_command_does(shop, ref, typed, args):
    with pytest.raises(InvalidInput) as caught:
        prepare_product(shop, ref, **typed)
    assert fails(2, "product", *args, db=shop) == f"crm: {caught.value.message}\n"


def test_product_add_and_edit_apply_prepared_values(shop):
    conn = db.connect(shop, write=True)
    try:
        with db.transaction(conn):
            new = products.prepare(conn, products.ProductInput(name="Cup", sku="C-1"))
            cup = products.add_product(conn, new)
            with pytest.raises(InvalidInput, match="product sku 'C-1' is already used"):
                products.edit_product(conn, 1, {"sku": "C-1"})
            assert products.edit_product(conn, cup, {"sku": "C-1"}) is False
            assert products.edit_product(conn, cup, {"price_minor": 5, "currency": "EUR"})
        record = products.get_product(conn, cup)
    finally:
        conn.close()
    assert (record["name"], record["sku"], record["price_minor"], record["currency"]) == (
        "Cup",
        "C-1",
        5,
        "EUR",
    )


# --- tasks --------------------------------------------------------------------------------


def test_task_prepare_new_and_edit_give_clean_values():
    new = tasks.prepare_new(tasks.TaskInput(text=" Call ", every="2w"), today=TODAY)
    assert new == tasks.NewTask("Call", TODAY, every=Period(2, "w"))
    edit = tasks.prepare_edit(tasks.TaskInput(due="2026-12-01", every="none"), today=TODAY)
    assert edit == tasks.TaskChanges(due_on=date(2026, 12, 1), stop_repeating=True)
    assert tasks.prepare_edit(tasks.TaskInput(customer="Bob"), today=TODAY) == tasks.TaskChanges()


@pytest.mark.parametrize(
    ("typed", "args"),
    [
        ({}, []),
        ({"every": "often"}, ["--every", "often"]),
        ({"every": "1w", "after": "2w"}, ["--every", "1w", "--after", "2w"]),
        ({"due": "someday"}, ["--due", "someday"]),
        ({"text": ""}, ["--text", ""]),
        ({"after": "0d"}, ["--after", "0d"]),
    ],
)
def test_task_prepare_edit_refuses_as_the_command_does(db_path, typed, args):
    ok("add", "Anna")
    ok("task", "add", "Anna", "Call")
    with pytest.raises(InvalidInput) as caught:
        tasks.prepare_edit(tasks.TaskInput(**typed), today=TODAY)
    assert fails(2, "task", "edit", "1", *args, db=db_path) == f"crm: {caught.value.message}\n"


@pytest.mark.parametrize(
    ("typed", "args"),
    [
        ({"text": "x", "every": "1w", "after": "2w"}, ["x", "--every", "1w", "--after", "2w"]),
        ({"text": "x", "every": "none"}, ["x", "--every", "none"]),
        ({"text": " "}, [" "]),
        ({"text": "x", "due": "someday"}, ["x", "--due", "someday"]),
    ],
)
def test_task_prepare_new_refuses_as_the_command_does(db_path, typed, args):
    ok("add", "Anna")
    with pytest.raises(InvalidInput) as caught:
        tasks.prepare_new(tasks.TaskInput(**typed), today=TODAY)
    assert fails(2, "task", "add", "Anna", *args, db=db_path) == f"crm: {caught.value.message}\n"


def test_task_edit_applies_prepared_changes(db_path):
    ok("add", "Anna")
    ok("task", "add", "Anna", "Call", "--every", "1w")
    changes = tasks.prepare_edit(tasks.TaskInput(after="2w"), today=TODAY)
    conn = db.connect(db_path, write=True)
    try:
        with db.transaction(conn):
            assert tasks.edit_task(conn, 1, changes, today=TODAY) is True
            assert tasks.edit_task(conn, 1, changes, today=TODAY) is False
            with pytest.raises(NotFound):
                tasks.edit_task(conn, 9, changes, today=TODAY)
        task = tasks.get_task(conn, 1, today=TODAY)
    finally:
        conn.close()
    assert (task["every"], task["anchor_on"], task["repeat_after"]) == (None, None, "2w")
