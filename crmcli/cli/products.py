"""Product commands: `crm product add|list|edit|delete`."""

from typing import Annotated

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.options import FormatOption, QuietOption, YesOption, confirm
from crmcli.cli.output import Format
from crmcli.core.i18n import N_, _

product_app = typer.Typer(
    help="Products: names with a default category and price for `crm buy`.",
    no_args_is_help=True,
)
app.add_typer(product_app, name="product")

RefArgument = Annotated[str, typer.Argument(metavar="PRODUCT", help="Product id, SKU or name.")]
CategoryOption = Annotated[str | None, typer.Option("--category", help="Category.")]
PriceOption = Annotated[
    str | None, typer.Option("--price", help="Unit price: 1299, ¥1299, '12.50 USD'.")
]
CurrencyOption = Annotated[
    str | None, typer.Option("--currency", help="ISO 4217 code of the price (default: setting).")
]
SkuOption = Annotated[str | None, typer.Option("--sku", help="Your stock-keeping code.")]
TABLE_COLUMNS = ("id", "name", "category", "sku", "price", "currency")


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

    Example: crm product add "Longjing tea 500g" --category tea --price 1299.50 --sku LJ-500
    """
    from crmcli.records import products

    raw = products.ProductInput(
        name=name, category=category, price=price, currency=currency, sku=sku
    )
    with writing(ctx) as conn:
        product_id = products.add_product(conn, products.prepare(conn, raw))
        shown = products.get_product(conn, product_id)["name"]
    output(ctx, quiet=quiet).done(
        _("Added product {product_id}: {shown}").format(product_id=product_id, shown=shown),
        product_id,
    )


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
    # a product's name is not a person's (姓名 in Chinese)
    headers = {"name": N_("Product name")}
    output(ctx, fmt, quiet).rows(shown, columns, key="id", headers=headers)


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
    from crmcli.records import products

    raw = products.ProductInput(
        name=name,
        category=category,
        price=price,
        currency=currency,
        sku=sku,
        unset=tuple(unset or ()),
    )
    with writing(ctx) as conn:
        product_id = products.resolve_product(conn, ref)
        before = products.get_product(conn, product_id)
        values = products.prepare(conn, raw, before=before)
        changed = products.edit_product(conn, product_id, values)
    message = _("Updated product {product_id}.").format(product_id=product_id)
    message = message if changed else _("No changes.")
    output(ctx, quiet=quiet).done(message, product_id)


@product_app.command("delete")
def product_delete(
    ctx: typer.Context, ref: RefArgument, yes: YesOption = False, quiet: QuietOption = False
) -> None:
    """Delete a product. Its purchases stay, with their own item, category and amount.
    Asks on a terminal; needs --yes in a script.

    Example: crm product delete LJ-250 --yes
    """
    from crmcli.records import products

    with reading(ctx) as conn:
        product_id = products.resolve_product(conn, ref)
        found = products.get_product(conn, product_id)
    confirm(
        _("Delete product {product_id}: {name}?").format(product_id=product_id, name=found["name"]),
        yes,
        command="product delete",
    )
    with writing(ctx) as conn:
        record, linked = products.delete_product(conn, product_id)
    kept = (
        ""
        if not linked
        else _("; 1 purchase kept, unlinked")
        if linked == 1
        else _("; {count} purchases kept, unlinked").format(count=linked)
    )
    output(ctx, quiet=quiet).done(
        _("Deleted product {id}: {name}{kept}").format(
            id=record["id"], name=record["name"], kept=kept
        ),
        record["id"],
    )
