"""Products: optional named items with a default category and price (`crm product ...`).

A product is only a convenience for `crm buy`: when the ITEM of a purchase names a product
(by name, ignoring case, accents and width, or by SKU), the purchase is linked to it and its
category and price are the defaults. Purchases keep their own copy of item, category and
amount, so editing or deleting a product never rewrites history; deleting one unlinks its
purchases (product_id becomes NULL).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.money import Money

# Columns of `crm product list` (and its JSON/CSV keys), in order.
COLUMNS = ("id", "name", "category", "sku", "price", "currency", "created_at", "updated_at")
EDITABLE = ("name", "category", "sku", "price")
UNSETTABLE = ("category", "sku", "price")


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    record = dict(row)
    record.pop("name_key", None)
    return record


def get_product(conn: sqlite3.Connection, product_id: int) -> dict[str, Any]:
    """One product as a dict (price as `price_minor` + `currency`); raises NotFound."""
    record = _row(conn.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone())
    if record is None:
        raise NotFound(f"no product with id {product_id}")
    return record


def find_product(conn: sqlite3.Connection, text: str) -> dict[str, Any] | None:
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
        raise InvalidInput("empty product reference")
    if re.fullmatch(r"#?\d{1,18}", text):
        row = conn.execute("SELECT id FROM products WHERE id = ?", (int(text.lstrip("#")),))
        found = row.fetchone()
        if found:
            return int(found[0])
        if text.startswith("#"):
            raise NotFound(f"no product with id {text.lstrip('#')}")
    product = find_product(conn, text)
    if product is None:
        raise NotFound(f"no product matches {ref!r}")
    return int(product["id"])


def add_product(
    conn: sqlite3.Connection,
    name: str,
    *,
    category: str | None = None,
    price: Money | None = None,
    sku: str | None = None,
) -> int:
    """Insert a product; returns its id. Raises InvalidInput for a taken name or SKU."""
    if price is not None and price.minor < 0:
        raise InvalidInput("a product's price cannot be negative")
    stamp = clock.timestamp()
    values = {
        "name": validate.text("name", name),
        "category": None if category is None else validate.text("category", category),
        "price_minor": None if price is None else price.minor,
        "currency": None if price is None else price.currency,
        "sku": None if sku is None else validate.text("sku", sku),
        "created_at": stamp,
        "updated_at": stamp,
    }
    _check_unique(conn, values, None)
    values["name_key"] = validate.fold(values["name"])
    cursor = conn.execute(
        "INSERT INTO products (name, name_key, category, price_minor, currency, sku, "
        "created_at, updated_at) VALUES (:name, :name_key, :category, :price_minor, "
        ":currency, :sku, :created_at, :updated_at)",
        values,
    )
    return int(cursor.lastrowid or 0)


def _check_unique(conn: sqlite3.Connection, values: dict[str, Any], product_id: int | None) -> None:
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
            raise InvalidInput(
                f"product {what} {text!r} is already used by product {row[0]} ({row[1]})"
            )


def edit_product(conn: sqlite3.Connection, product_id: int, values: dict[str, Any]) -> bool:
    """Change a product. `values` maps name/category/sku to text or None (unset) and `price`
    to a Money or None (unset); returns whether anything changed."""
    before = get_product(conn, product_id)
    columns: dict[str, Any] = {}
    for key, value in values.items():
        if key not in EDITABLE:
            raise InvalidInput(f"unknown product field {key!r}")
        if key == "price":
            if value is not None and value.minor < 0:
                raise InvalidInput("a product's price cannot be negative")
            columns["price_minor"] = None if value is None else value.minor
            columns["currency"] = None if value is None else value.currency
        elif value is None:
            if key == "name":
                raise InvalidInput("a product needs a name")
            columns[key] = None
        else:
            columns[key] = validate.text(key, value)
    changed = {k: v for k, v in columns.items() if before[k] != v}
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


def delete_product(conn: sqlite3.Connection, product_id: int) -> tuple[dict[str, Any], int]:
    """Delete a product; returns it and how many purchases were unlinked (they keep their
    item, category and amount)."""
    record = get_product(conn, product_id)
    linked = conn.execute(
        "SELECT count(*) FROM purchases WHERE product_id = ?", (product_id,)
    ).fetchone()[0]
    conn.execute("DELETE FROM products WHERE id = ?", (product_id,))
    return record, int(linked)


def list_products(conn: sqlite3.Connection, *, category: str | None = None) -> list[dict[str, Any]]:
    """Every product (or those of one category, ignoring case), by name."""
    sql = "SELECT * FROM products"
    params: list[Any] = []
    if category is not None:
        sql += " WHERE category = ? COLLATE NOCASE"
        params.append(category.strip())
    sql += " ORDER BY name_key, id"
    return [r for r in map(_row, conn.execute(sql, params)) if r is not None]
