"""Products: optional named items with a default category and price (`crm product ...`).

A product is only a convenience for `crm buy`: when the ITEM of a purchase names a product
(by name, ignoring case, accents and width, or by SKU), the purchase is linked to it and its
category and price are the defaults. Purchases keep their own copy of item, category and
amount, so editing or deleting a product never rewrites history; deleting one unlinks its
purchases (product_id becomes NULL).

Adding and editing follow crmcli.records.edits: a ProductInput of what the user typed,
`prepare()` to validated ProductValues, `add_product` / `edit_product` to write them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any, NamedTuple, TypedDict, cast

from crmcli.core import clock, money, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import N_, _
from crmcli.core.money import Money
from crmcli.records import edits

# Columns of `crm product list` (and its JSON/CSV keys), in order.
COLUMNS = ("id", "name", "category", "sku", "price", "currency", "created_at", "updated_at")
UNSETTABLE = ("category", "sku", "price")
UNSET_CLEARS = {"category": ("category",), "sku": ("sku",), "price": ("price_minor", "currency")}


class Product(TypedDict):
    """One stored product; its price is `price_minor` of `currency` (both None without one)."""

    id: int
    name: str
    category: str | None
    sku: str | None
    price_minor: int | None
    currency: str | None
    created_at: str
    updated_at: str


class ProductValues(TypedDict, total=False):
    """Validated column values of a product: all of a new one's, or those an edit sets."""

    name: str
    category: str | None
    sku: str | None
    price_minor: int | None
    currency: str | None


class ProductInput(NamedTuple):
    """What a user typed for `crm product add|edit`; strings, None when not given."""

    name: str | None = None
    category: str | None = None
    price: str | None = None
    currency: str | None = None  # of `price`; alone (on an edit) it keeps the value
    sku: str | None = None
    unset: tuple[str, ...] = ()


def default_currency(conn: sqlite3.Connection) -> str:
    """The currency of an amount typed without one: the `default_currency` setting."""
    from crmcli.records.config import get_setting

    return get_setting(conn, "default_currency") or "CNY"


def canonical_category(conn: sqlite3.Connection, text: str) -> str:
    """`text` as a category, spelt as an existing one (of a purchase or a product) when it
    differs only in case."""
    clean = validate.text("category", text)
    row = (
        conn.execute(
            "SELECT category FROM purchases WHERE category = ? COLLATE NOCASE LIMIT 1", (clean,)
        ).fetchone()
        or conn.execute(
            "SELECT category FROM products WHERE category = ? COLLATE NOCASE LIMIT 1", (clean,)
        ).fetchone()
    )
    return row[0] if row else clean


def prepare(
    conn: sqlite3.Connection, raw: ProductInput, *, before: Product | None = None
) -> ProductValues:
    """Validate a new product (`before` None) or an edit of `before` into column values.

    A price without a currency is in the default currency; `--currency` alone on an edit
    keeps the price's value in the new currency. Raises InvalidInput (also when an edit
    changes nothing); nothing is written.
    """
    if before is None and raw.currency is not None and raw.price is None:
        raise InvalidInput(_("--currency is the currency of --price; give --price too"))
    values: ProductValues = {}
    if raw.name is not None:
        values["name"] = validate.text("product name", raw.name)
    if raw.category is not None:
        values["category"] = canonical_category(conn, raw.category)
    if raw.sku is not None:
        values["sku"] = validate.text("sku", raw.sku)
    price = None
    if raw.price is not None:
        price = money.parse(raw.price, raw.currency, default=default_currency(conn))
    elif raw.currency is not None and before is not None:
        if before["price_minor"] is None or before["currency"] is None:
            raise InvalidInput(_("the product has no price; give --price with --currency"))
        code = money.currency_code(raw.currency)
        value = money.to_decimal(before["price_minor"], before["currency"])
        price = Money(money.to_minor(value, code), code)
    if price is not None:
        if price.minor < 0:
            raise InvalidInput(_("a product's price cannot be negative"))
        values["price_minor"], values["currency"] = price.minor, price.currency
    cleared = edits.unset_columns(raw.unset, UNSET_CLEARS, setting=values)
    values.update(cleared)  # type: ignore[typeddict-item]
    if before is not None and not values:
        raise InvalidInput(_("nothing to change; give options such as --price or --category"))
    return values


def _row(row: sqlite3.Row | None) -> Product | None:
    if row is None:
        return None
    record = dict(row)
    record.pop("name_key", None)
    return cast(Product, record)


def get_product(conn: sqlite3.Connection, product_id: int) -> Product:
    """One product as a dict (price as `price_minor` + `currency`); raises NotFound."""
    record = _row(conn.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone())
    if record is None:
        raise NotFound(_("no product with id {product_id}").format(product_id=product_id))
    return record


def find_product(conn: sqlite3.Connection, text: str) -> Product | None:
    """The product an ITEM names: its SKU (ignoring ASCII case) or its name (folded);
    None when none does."""
    clean = text.strip()
    row = conn.execute(
        "SELECT * FROM products WHERE sku = ? OR name_key = ? ORDER BY sku = ? DESC LIMIT 1",
        (clean, validate.fold(clean), clean),
    ).fetchone()
    return _row(row)


def resolve_product(conn: sqlite3.Connection, ref: str) -> int:
    """The id of the product `ref` names: `#ID` or an id, a SKU, or a name; raises NotFound."""
    text = ref.strip()
    if not text:
        raise InvalidInput(_("empty product reference"))
    if re.fullmatch(r"#?\d{1,18}", text):
        row = conn.execute("SELECT id FROM products WHERE id = ?", (int(text.lstrip("#")),))
        found = row.fetchone()
        if found:
            return int(found[0])
        if text.startswith("#"):
            raise NotFound(_("no product with id {value}").format(value=text.lstrip("#")))
    product = find_product(conn, text)
    if product is None:
        raise NotFound(_("no product matches {ref!r}").format(ref=ref))
    return int(product["id"])


def add_product(conn: sqlite3.Connection, values: ProductValues) -> int:
    """Insert a product from prepared values; returns its id. Raises InvalidInput for a
    missing name, or a name or SKU already taken."""
    if not values.get("name"):
        raise InvalidInput(_("a product needs a name"))
    stamp = clock.timestamp()
    row: dict[str, Any] = {  # the INSERT's named parameters
        "category": None, "sku": None, "price_minor": None, "currency": None,
        **values, "created_at": stamp, "updated_at": stamp,
    }  # fmt: skip
    _check_unique(conn, row, None)
    row["name_key"] = validate.fold(row["name"])
    cursor = conn.execute(
        "INSERT INTO products (name, name_key, category, price_minor, currency, sku, "
        "created_at, updated_at) VALUES (:name, :name_key, :category, :price_minor, "
        ":currency, :sku, :created_at, :updated_at)",
        row,
    )
    return int(cursor.lastrowid or 0)


def _check_unique(
    conn: sqlite3.Connection, values: Mapping[str, Any], product_id: int | None
) -> None:
    """Names (folded) and SKUs are unique, and one product's SKU may not be another's name:
    otherwise an ITEM could name two products."""
    checks = []
    if values.get("name") is not None:
        checks.append(("name", values["name"]))
    if values.get("sku") is not None:
        checks.append(("sku", values["sku"]))
    for what, text in checks:
        row = conn.execute(
            "SELECT id, name FROM products WHERE (name_key = ? OR sku = ?) AND id IS NOT ?",
            (validate.fold(text), text, product_id),
        ).fetchone()
        if row:
            raise InvalidInput(_(_TAKEN[what]).format(text=text, value=row[0], value2=row[1]))


# Which of a product's words another product has taken, said whole (`产品名称`, not `产品name`).
_TAKEN = {
    "name": N_("product name {text!r} is already used by product {value} ({value2})"),
    "sku": N_("product sku {text!r} is already used by product {value} ({value2})"),
}


def edit_product(conn: sqlite3.Connection, product_id: int, values: ProductValues) -> bool:
    """Write prepared values to product `product_id`; returns whether anything changed.

    Raises NotFound, or InvalidInput for a name or SKU already taken."""
    stored: dict[str, Any] = dict(get_product(conn, product_id))  # read by column name
    changed: dict[str, Any] = {k: v for k, v in values.items() if stored[k] != v}
    if not changed:
        return False
    _check_unique(conn, changed, product_id)
    if "name" in changed:
        changed["name_key"] = validate.fold(changed["name"])
    changed["updated_at"] = clock.timestamp()
    assignments = ", ".join(f"{c} = ?" for c in changed)
    conn.execute(
        f"UPDATE products SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted columns
        [*changed.values(), product_id],
    )
    return True


def delete_product(conn: sqlite3.Connection, product_id: int) -> tuple[Product, int]:
    """Delete a product; returns it and how many purchases were unlinked (they keep their
    item, category and amount)."""
    record = get_product(conn, product_id)
    linked = conn.execute(
        "SELECT count(*) FROM purchases WHERE product_id = ?", (product_id,)
    ).fetchone()[0]
    conn.execute("DELETE FROM products WHERE id = ?", (product_id,))
    return record, int(linked)


def list_products(conn: sqlite3.Connection, *, category: str | None = None) -> list[Product]:
    """Every product (or those of one category, ignoring case), by name."""
    sql = "SELECT * FROM products"
    params: list[Any] = []
    if category is not None:
        sql += " WHERE category = ? COLLATE NOCASE"
        params.append(category.strip())
    sql += " ORDER BY name_key, id"
    return [r for r in map(_row, conn.execute(sql, params)) if r is not None]
