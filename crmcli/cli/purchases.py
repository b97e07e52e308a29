"""Purchase commands: `crm buy`, `crm purchases`, `crm purchase edit|delete`, and the
purchase sections of `crm show`."""

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.batch import record_ids
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection, resolver
from crmcli.cli.framework import DashArguments
from crmcli.cli.options import (
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    SinceOption,
    UntilOption,
    YesOption,
    chosen_fields,
    confirm,
    period,
)
from crmcli.cli.output import Format
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

if TYPE_CHECKING:
    from crmcli.records.purchases import Purchase

purchase_app = typer.Typer(help="Change or delete recorded purchases.", no_args_is_help=True)
app.add_typer(purchase_app, name="purchase")

MAX_QTY = 1_000_000
QtyOption = Annotated[
    int | None,
    typer.Option(
        "--qty", "-n", min=1, max=MAX_QTY, help="Quantity (default 1).", show_default=False
    ),
]
UnitPriceOption = Annotated[
    str | None,
    typer.Option("--unit-price", help="Price of one unit; the line total is this × --qty."),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", help="When: 2026-11-02, '2026-11-02 15:30', yesterday, -3d (default now)."
    ),
]
CategoryOption = Annotated[str | None, typer.Option("--category", help="Category of the item.")]
CurrencyOption = Annotated[
    str | None,
    typer.Option("--currency", help="ISO 4217 code, e.g. CNY, USD (default: the setting)."),
]
PaymentOption = Annotated[
    str | None,
    typer.Option("--payment", help="How it was paid: cash, card, transfer, wechat, alipay..."),
]
OrderOption = Annotated[
    str | None, typer.Option("--order", help="Order reference; lines sharing it are one order.")
]
NoteOption = Annotated[str | None, typer.Option("--note", help="A free note.")]
RefundOption = Annotated[
    bool, typer.Option("--refund", help="A refund: the amount counts against revenue.")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Leave a customer's refunds larger than what they bought (bought before crm knew).",
    ),
]

# Columns of the table format of `crm purchases` (JSON/CSV carry purchases.COLUMNS).
TABLE_COLUMNS = (
    "id",
    "date",
    "customer_name",
    "item",
    "category",
    "quantity",
    "amount",
    "currency",
)
# What a terminal too narrow for the table leaves out first: the item stays (`crm purchases`).
# Where the table fits, they stay too: a customer's name beside them is cut instead.
TABLE_SPARED = ("category", "quantity")


def _at(line: Any) -> str:
    """`, at Wed 2026-11-26 15:00`: the --at that was understood, so a misreading shows."""
    from crmcli.core import dates

    return _(", at {moment}").format(moment=dates.show_moment(line["purchased_at"]))


def _describe(line: "Purchase", amount: Callable[[int, str], str]) -> str:
    """`2 × Teapot, ¥1,299.50`: `amount` writes the line total (`Output.amounts`)."""
    qty = f"{line['quantity']} × " if line["quantity"] != 1 else ""
    return _("{item}, {amount}").format(
        item=qty + line["item"], amount=amount(line["amount_minor"], line["currency"])
    )


# ignore_unknown_options: a negative AMOUNT (`-280`) is an argument, not an unknown option.
@app.command("buy", cls=DashArguments, context_settings={"ignore_unknown_options": True})
def buy(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    item: Annotated[str, typer.Argument(help="What was bought; a product's name or SKU links it.")],
    amount: Annotated[
        str | None,
        typer.Argument(
            help="Line total: 1299, 1,299.50, ¥1299, '1299.5 USD'; negative for a refund.",
            show_default=False,
        ),
    ] = None,
    written_currency: Annotated[
        str | None,
        typer.Argument(
            metavar="CURRENCY",
            help="The amount's currency written after it: crm buy 张伟 tea 1299.50 USD.",
            show_default=False,
        ),
    ] = None,
    qty: QtyOption = None,
    unit_price: UnitPriceOption = None,
    at: AtOption = None,
    category: CategoryOption = None,
    currency: CurrencyOption = None,
    payment: PaymentOption = None,
    order: OrderOption = None,
    note: NoteOption = None,
    refund: RefundOption = False,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Record one purchase line (or a refund) and print its id.

    AMOUNT is the line total; or give --unit-price (times --qty). When ITEM names a product,
    its category and price are the defaults. A refund is --refund or a negative amount.

    Example: crm buy 张伟 "Longjing tea 250g" 1,299.50 --qty 2 --payment wechat --order SO-88
    """
    from crmcli.core import clock
    from crmcli.records import purchases

    if written_currency is not None:  # `1299.50 USD` typed unquoted: one amount, as quoted
        word = written_currency.strip()
        if not word or word[0] == "-" or any(ch.isdigit() for ch in word):
            # nothing, an option after `--`, a second number: no currency, and not an amount
            said = _("{value!r} after the amount is not a currency (write one like USD or 美元)")
            raise InvalidInput(said.format(value=written_currency))
        amount = f"{amount} {word}"
    raw = purchases.LineInput(
        item=item,
        amount=amount,
        quantity=qty,
        unit_price=unit_price,
        at=at,
        category=category,
        currency=currency,
        payment=payment,
        order=order,
        note=note,
        refund=refund,
    )
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        line = purchases.prepare_purchase(conn, customer_id, raw, now=clock.now())
        purchase_id = purchases.add_purchase(conn, line)
        if not force:
            purchases.check_refunds(conn, [(customer_id, line.amount.currency, line.amount.minor)])
        record = purchases.get_purchase(conn, purchase_id)
    kind = _("refund") if line.amount.minor < 0 else _("purchase")
    out = output(ctx, quiet=quiet)
    out.done(
        _(
            "Recorded {kind} {purchase_id} for #{customer_id} {customer_name}: {value}{value2}"
        ).format(
            kind=kind,
            purchase_id=purchase_id,
            customer_id=customer_id,
            customer_name=record["customer_name"],
            value=_describe(record, out.amounts(exact=True)),  # what it recorded, every digit
            value2=_at(record) if at is not None else "",
        ),
        purchase_id,
    )


def _output_rows(rows: Iterable[dict[str, Any]], fmt: Format) -> Iterator[dict[str, Any]]:
    from crmcli.core import money

    for row in rows:
        out = money.present(row, grouped_digits=fmt is Format.table)
        out["is_refund"] = row["amount_minor"] < 0
        out["date"] = row["purchased_at"][:10]
        yield out


@app.command("purchases")
def purchases_(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(help="Only this customer's purchases.", show_default=False)
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    item: Annotated[str | None, typer.Option(help="Only items containing this text.")] = None,
    currency: Annotated[str | None, typer.Option(help="Only this currency.")] = None,
    refunds: Annotated[bool, typer.Option("--refunds", help="Only refunds.")] = False,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """List purchases, oldest first, optionally of one customer and filtered; --limit N
    keeps the N most recent.

    Example: crm purchases 张伟 --since 2026-01-01 --category tea --format json
    """
    from crmcli.core import money
    from crmcli.records import purchases

    picked = chosen_fields(fields, purchases.COLUMNS)
    first, last = period(since, until)
    code = money.currency_code(currency) if currency is not None else None
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref is not None else None
        rows = purchases.list_purchases(
            conn,
            customer_id=customer_id,
            since=first,
            until=last,
            category=category,
            item=item,
            currency=code,
            refunds=refunds,
            limit=limit,
        )
        columns = TABLE_COLUMNS if fmt is Format.table else purchases.COLUMNS
        # a narrow terminal keeps what was bought, and leaves out its category and count
        output(ctx, fmt, quiet).rows(
            _output_rows(rows, fmt), picked or columns, key="id", first_out=TABLE_SPARED,
            kept=TABLE_SPARED,
        )  # fmt: skip


@purchase_app.command("edit")
def purchase_edit(
    ctx: typer.Context,
    purchase_id: Annotated[int, typer.Argument(metavar="ID", help="The purchase's id.")],
    customer: Annotated[
        str | None, typer.Option("--customer", help="Move it to another customer (a reference).")
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="What was bought.")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="New line total; negative for a refund.")
    ] = None,
    qty: QtyOption = None,
    unit_price: UnitPriceOption = None,
    at: AtOption = None,
    category: CategoryOption = None,
    currency: CurrencyOption = None,
    payment: PaymentOption = None,
    order: OrderOption = None,
    note: NoteOption = None,
    refund: RefundOption = False,
    unset: Annotated[
        list[str] | None,
        typer.Option(
            "--unset", help="Clear category, payment, order, note or unit_price (repeatable)."
        ),
    ] = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Change a recorded purchase; only the options given change.

    --amount replaces the line total (negative, or with --refund, for a refund); otherwise
    the line stays a sale or a refund as it was. --qty alone recomputes the total from a
    known unit price. --currency alone keeps the value and changes the currency.

    Example: crm purchase edit 42 --amount 1,199.00 --payment card --unset note
    """
    from crmcli.core import clock
    from crmcli.records import purchases

    raw = purchases.PurchaseEdit(
        customer=customer,
        item=item,
        amount=amount,
        quantity=qty,
        unit_price=unit_price,
        at=at,
        category=category,
        currency=currency,
        payment=payment,
        order=order,
        note=note,
        refund=refund,
        unset=tuple(unset or ()),
    )
    with writing(ctx) as conn:
        values = purchases.prepare_edit(
            conn, purchase_id, raw, resolve=resolver(conn), now=clock.now()
        )
        before = purchases.get_purchase(conn, purchase_id)
        changed = purchases.update_purchase(conn, purchase_id, values)
        if changed and not force:
            after = purchases.get_purchase(conn, purchase_id)
            purchases.check_refunds(
                conn,
                [
                    (after["customer_id"], after["currency"], after["amount_minor"]),
                    (before["customer_id"], before["currency"], -before["amount_minor"]),
                ],
            )
    when = _at(values) if at is not None and values.get("purchased_at") else ""
    message = _("Updated purchase {purchase_id}{when}.").format(purchase_id=purchase_id, when=when)
    message = message if changed else _("No changes.")
    output(ctx, quiet=quiet).done(message, purchase_id)


@purchase_app.command("delete")
def purchase_delete(
    ctx: typer.Context,
    ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="Purchase ids; - reads them from stdin.")
    ],
    yes: YesOption = False,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete purchase lines by id: all of them, or none when one does not exist.

    Example: crm purchases 张伟 --refunds -q | crm purchase delete - --yes
    """
    from crmcli.records import purchases

    wanted = record_ids(ids, "purchase")
    if not wanted:
        return
    with reading(ctx) as conn:
        found = [purchases.get_purchase(conn, i) for i in dict.fromkeys(wanted)]
    confirm(
        _("Delete purchase {id} of #{customer_id} {customer_name}: {what}?").format(
            id=found[0]["id"],
            customer_id=found[0]["customer_id"],
            customer_name=found[0]["customer_name"],
            what=_describe(found[0], output(ctx).amounts(sys.stderr)),
        )
        if len(found) == 1
        else _("Delete {count} purchase lines ({ids})?").format(
            count=len(found), ids=_(", ").join(str(r["id"]) for r in found)
        ),
        yes,
        command="purchase delete",
    )
    with writing(ctx) as conn:
        gone = purchases.delete_purchases(conn, wanted)
        if not force:  # a sale deleted from under its refunds
            lines = [(r["customer_id"], r["currency"], -r["amount_minor"]) for r in gone]
            purchases.check_refunds(conn, lines)
    out = output(ctx, quiet=quiet)
    amount = out.amounts(exact=True)
    for record in gone:
        out.done(
            _(
                "Deleted purchase {id} of #{customer_id} {customer_name} on {value}: {value2}"
            ).format(
                id=record["id"],
                customer_id=record["customer_id"],
                customer_name=record["customer_name"],
                value=record["purchased_at"][:10],
                value2=_describe(record, amount),
            ),
            record["id"],
        )


# `crm show REF`: lifetime totals per currency and the last purchases.
def _totals_rows(conn: sqlite3.Connection, customer_id: int) -> list[dict[str, Any]]:
    from crmcli.records import purchases

    rows = []
    for total in purchases.customer_totals(conn, customer_id):
        rows.append(
            {
                "currency": total["currency"],
                "revenue_minor": total["revenue_minor"],
                "refunds_minor": total["refunds_minor"],
                "net_minor": total["net_minor"],
                "purchases": total["lines"],
                "orders": total["orders"],
                "average_order_minor": total["average_order_minor"],
                "first_purchase_on": (total["first_purchase_at"] or "")[:10] or None,
                "last_purchase_on": (total["last_purchase_at"] or "")[:10] or None,
            }
        )
    return rows


def _recent_rows(conn: sqlite3.Connection, customer_id: int) -> list[dict[str, Any]]:
    from crmcli.records import purchases

    return [
        (
            {
                "id": r["id"],
                "purchased_at": r["purchased_at"],
                "item": r["item"],
                "category": r["category"],
                "quantity": r["quantity"],
                "amount_minor": r["amount_minor"],
                "currency": r["currency"],
                "order_ref": r["order_ref"],
            }
        )
        for r in purchases.recent_purchases(conn, customer_id, limit=5)
    ]


SHOW_SECTIONS.append(
    ShowSection(
        key="purchase_totals",
        title="Purchases (lifetime, per currency)",
        # The table keeps to what fits a terminal; JSON has every figure.
        columns=(
            "currency",
            "net",
            "orders",
            "average_order",
            "first_purchase_on",
            "last_purchase_on",
        ),
        rows=_totals_rows,
    )
)
SHOW_SECTIONS.append(
    ShowSection(
        key="recent_purchases",
        title="Last purchases",
        columns=("id", "purchased_at", "item", "quantity", "amount", "currency"),
        rows=_recent_rows,
    )
)
