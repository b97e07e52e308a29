"""Product commands: `crm product add|list|edit|delete`."""

import sqlite3
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.options import FormatOption, QuietOption
from crmcli.cli.output import Format
from crmcli.core.errors import InvalidInput

if TYPE_CHECKING:
    from crmcli.core.money import Money

product_app = typer.Typer(
    help="Products: names with a default category and price for `crm buy`.",
    no_args_is_help=True,
)
app.add_typer(product_app, name="product")

RefArgument = Annotated[str, typer.Argument(help="Product id, SKU or name.")]
CategoryOption = Annotated[str | None, typer.Option("--category", help="Category.")]
PriceOption = Annotated[
    str | None, typer.Option("--price", help="Unit price: 1299, ¥1299, '12.50 USD'.")
]
CurrencyOption = Annotated[
    str | None, typer.Option("--currency", help="ISO 4217 code of the price (default: setting).")
]
SkuOption = Annotated[str | None, typer.Option("--sku", help="Your stock-keeping code.")]
TABLE_COLUMNS = ("id", "name", "category", "sku", "price", "currency")


def _price(conn: sqlite3.Connection, price: str, currency: str | None) -> "Money":
    from crmcli.cli.purchases import default_currency
    from crmcli.core import money

    return money.parse(price, currency, default=default_currency(conn))


@product_app.command("add")
def product_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The product's name (unique).")],
    category: CategoryOption = None,
    price: PriceOption = None,
    currency: CurrencyOption = None,
    sku: SkuOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a product and print its id.

    Example: crm product add "Longjing tea 250g" --category tea --price 649.75 --sku LJ-250
    """
    from crmcli.records import products

    if currency is not None and price is None:
        raise InvalidInput("--currency is the currency of --price; give --price too")
    with writing(ctx) as conn:
        cost = _price(conn, price, currency) if price is not None else None
        from crmcli.records.purchases import canonical_category

        product_id = products.add_product(
            conn,
            name,
            category=canonical_category(conn, category) if category is not None else None,
            price=cost,
            sku=sku,
        )
        shown = products.get_product(conn, product_id)["name"]
    typer.echo(str(product_id) if quiet else f"Added product {product_id}: {shown}")


@product_app.command("list")
def product_list(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """List products by name.

    Example: crm product list --category tea --format csv
    """
    from crmcli.core import money
    from crmcli.records import products

    with reading(ctx) as conn:
        rows = products.list_products(conn, category=category)
    shown = [money.present(r, grouped_digits=fmt is Format.table) for r in rows]
    columns = TABLE_COLUMNS if fmt is Format.table else products.COLUMNS
    output(ctx, fmt, quiet).rows(shown, columns, key="id")


@product_app.command("edit")
def product_edit(
    ctx: typer.Context,
    ref: RefArgument,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    category: CategoryOption = None,
    price: PriceOption = None,
    currency: CurrencyOption = None,
    sku: SkuOption = None,
    unset: Annotated[
        list[str] | None,
        typer.Option("--unset", help="Clear category, sku or price (repeatable)."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Change a product. Purchases already recorded keep their own item, category and amount.

    Example: crm product edit LJ-250 --price 699.00 --category 茶叶
    """
    from crmcli.core import money
    from crmcli.records import products
    from crmcli.records.purchases import canonical_category

    with writing(ctx) as conn:
        product_id = products.resolve_product(conn, ref)
        before = products.get_product(conn, product_id)
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if category is not None:
            values["category"] = canonical_category(conn, category)
        if sku is not None:
            values["sku"] = sku
        if price is not None:
            values["price"] = _price(conn, price, currency)
        elif currency is not None:
            if before["price_minor"] is None:
                raise InvalidInput("the product has no price; give --price with --currency")
            value = money.to_decimal(before["price_minor"], before["currency"])
            code = money.currency_code(currency)
            values["price"] = money.Money(money.to_minor(value, code), code)
        for field in unset or []:
            if field not in products.UNSETTABLE:
                allowed = ", ".join(products.UNSETTABLE)
                raise InvalidInput(f"--unset takes one of: {allowed} (got {field!r})")
            if field in values:
                raise InvalidInput(f"{field} is both set and unset")
            values[field] = None
        if not values:
            raise InvalidInput("nothing to change; give options such as --price or --category")
        changed = products.edit_product(conn, product_id, values)
    if quiet:
        typer.echo(str(product_id))
    else:
        typer.echo(f"Updated product {product_id}." if changed else "No changes.")


@product_app.command("delete")
def product_delete(ctx: typer.Context, ref: RefArgument, quiet: QuietOption = False) -> None:
    """Delete a product. Its purchases stay, with their own item, category and amount.

    Example: crm product delete LJ-250
    """
    from crmcli.records import products

    with writing(ctx) as conn:
        record, linked = products.delete_product(conn, products.resolve_product(conn, ref))
    if quiet:
        typer.echo(str(record["id"]))
        return
    kept = f"; {linked} purchase{'s' if linked != 1 else ''} kept, unlinked" if linked else ""
    typer.echo(f"Deleted product {record['id']}: {record['name']}{kept}")
