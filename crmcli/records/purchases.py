"""Purchases: one row per line a customer bought (or returned), with exact money.

A line has an item (its own text, linked to a product when the item names one), a positive
quantity, an amount (the line total, integer minor units of an ISO 4217 currency, see
crmcli.core.money) and a date-time with offset. A refund is a line with a negative amount: it
nets against revenue in every total. Amounts of different currencies are never added:
every total here is per currency.

The summary figures (revenue, refunds, net, orders, customers, average order) are defined
once, in AGGREGATES, for the customer totals of `crm show` and the sales report alike. An
order is the lines of one customer that share an order reference; a line without one is an
order on its own; refund lines are not orders.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

from crmcli.core import clock, dates, money, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import Said, _
from crmcli.core.money import Money
from crmcli.core.vocabulary import understood
from crmcli.records import edits, refs

if TYPE_CHECKING:  # products load where a line is prepared, not for a listing
    from crmcli.records.products import Product

MAX_QUANTITY = 1_000_000
# Text fields of a line, and what `crm purchase edit --unset` may clear.
TEXT_FIELDS = ("category", "payment", "order_ref", "note")
UNSETTABLE = (*TEXT_FIELDS, "unit_price")
UNSET_CLEARS = {
    name: ("unit_price_minor" if name == "unit_price" else name,) for name in UNSETTABLE
}
UNSET_ALIASES = {"order": "order_ref", "unit-price": "unit_price"}

# Other spellings of the common payment methods, normalised so reports group them; the
# words crm shows for them (`支付宝`, crmcli.core.vocabulary) are read too, and any other text
# is kept as typed.
PAYMENTS = {
    "credit card": "card",
    "debit card": "card",
    "刷卡": "card",
    "信用卡": "card",
    "bank transfer": "transfer",
    "wire": "transfer",
    "银行转账": "transfer",
    "wechat pay": "wechat",
    "微信": "wechat",
    "check": "cheque",
}

# Columns of `crm purchases` (and its JSON/CSV keys), in order.
COLUMNS = (
    "id",
    "purchased_at",
    "customer_id",
    "customer_name",
    "item",
    "category",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "is_refund",
    "payment",
    "order_ref",
    "note",
    "product_id",
    "created_at",
    "updated_at",
)

# Lines of one customer sharing an order reference are one order; a line without one is
# an order of its own (counted without building a key: this runs over a million lines).
ORDERS = (
    "sum(p.amount_minor >= 0 AND p.order_ref IS NULL) + count(DISTINCT CASE "
    "WHEN p.amount_minor >= 0 AND p.order_ref IS NOT NULL "
    "THEN p.customer_id || ':' || p.order_ref END)"
)
# The summary figures over a set of purchase rows `p` (grouped by the caller, and always by
# currency). Amounts are minor units; see the module docstring for what counts as an order.
AGGREGATES = (
    "p.currency AS currency, "
    "sum(max(p.amount_minor, 0)) AS revenue_minor, "
    "-sum(min(p.amount_minor, 0)) AS refunds_minor, "
    "sum(p.amount_minor) AS net_minor, "
    f"{ORDERS} AS orders, "
    "count(DISTINCT CASE WHEN p.amount_minor >= 0 THEN p.customer_id END) AS customers, "
    "sum(p.amount_minor >= 0) AS lines, "
    "sum(p.amount_minor < 0) AS refund_lines"
)
# First and last sale, for one customer's totals.
SALE_DATES = (
    "min(CASE WHEN p.amount_minor >= 0 THEN p.purchased_at END) AS first_purchase_at, "
    "max(CASE WHEN p.amount_minor >= 0 THEN p.purchased_at END) AS last_purchase_at"
)


class Purchase(TypedDict):
    """One stored line with its customer's name (the COLUMNS of a listing but `amount`,
    `unit_price` and `is_refund`, which output derives)."""

    id: int
    purchased_at: str
    customer_id: int
    customer: str
    item: str
    category: str | None
    quantity: int
    unit_price_minor: int | None
    amount_minor: int
    currency: str
    payment: str | None
    order_ref: str | None
    note: str | None
    product_id: int | None
    created_at: str
    updated_at: str


class PurchaseValues(TypedDict, total=False):
    """Validated column values to write to a stored line: only those that change."""

    customer_id: int
    product_id: int | None
    item: str
    category: str | None
    quantity: int
    unit_price_minor: int | None
    amount_minor: int
    currency: str
    purchased_at: str
    payment: str | None
    order_ref: str | None
    note: str | None


class Totals(TypedDict):
    """AGGREGATES of one currency, with the average order (see summary)."""

    currency: str
    revenue_minor: int
    refunds_minor: int
    net_minor: int
    orders: int
    customers: int
    lines: int
    refund_lines: int
    average_order_minor: int | None


class GroupTotals(Totals):
    """Totals of one group (`grp`: a period, a field's value, a customer id) and currency."""

    grp: Any  # str, int or None: whatever the grouping expression gives


class CustomerTotals(Totals):
    """One customer's totals in one currency, with the first and last sale."""

    first_purchase_at: str | None
    last_purchase_at: str | None


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build, a million a file
class Line:
    """A validated purchase line, ready to store."""

    customer_id: int
    item: str
    amount: Money  # the line total; negative for a refund
    quantity: int = 1
    unit_price_minor: int | None = None
    purchased_at: str = ""
    category: str | None = None
    payment: str | None = None
    order_ref: str | None = None
    note: str | None = None
    product_id: int | None = None


def quantity(value: int) -> int:
    if not 1 <= value <= MAX_QUANTITY:
        raise InvalidInput(
            _("quantity must be a whole number from 1 to {MAX_QUANTITY:,}").format(
                MAX_QUANTITY=MAX_QUANTITY
            )
        )
    return value


def payment(text: str) -> str:
    """A payment method: the common ones normalised (`微信` -> wechat), others as typed."""
    clean = validate.text("payment", text)
    said = " ".join(clean.casefold().split())
    return PAYMENTS.get(said) or understood("payment", said) or clean


def purchase_time(moment: datetime, now: datetime) -> str:
    """A purchase date-time as stored (ISO 8601 with offset, to the second); a date after
    today is refused."""
    if moment.date() > now.date():
        raise InvalidInput(
            _("the purchase date {value} is in the future").format(value=moment.date().isoformat())
        )
    return moment.replace(microsecond=0).isoformat()


def parse_time(text: str, now: datetime) -> str:
    """The stored purchase time of `--at TEXT`; raises InvalidInput."""
    if not text.strip():
        raise InvalidInput(_("--at needs a date, e.g. 2026-11-02 or yesterday"))
    return purchase_time(dates.parse_datetime(text, now, direction="past"), now)


def line_total(
    *,
    amount: Money | None,
    unit_price: Money | None,
    qty: int,
    refund: bool,
    default_price: Money | None = None,
) -> tuple[Money, int | None]:
    """The line total and unit price (minor units, or None) from what the user gave.

    AMOUNT is the line total; `--unit-price` times the quantity is one too, and when both are
    given they must agree. With neither, `default_price` (a product's) is the unit price.
    A negative AMOUNT or `refund` makes the line a refund (a negative total).
    """
    negative = refund or (amount is not None and amount.minor < 0)
    if amount is None and unit_price is None:
        if default_price is None:
            raise InvalidInput(_("give the AMOUNT (the line total) or --unit-price"))
        unit_price = default_price
    if unit_price is not None:
        if unit_price.minor < 0:
            raise InvalidInput(_("--unit-price cannot be negative; use --refund for a refund"))
        total = unit_price.minor * qty
        if amount is not None:
            if amount.currency != unit_price.currency:
                raise InvalidInput(
                    _("AMOUNT is in {currency} but --unit-price in {currency2}").format(
                        currency=amount.currency, currency2=unit_price.currency
                    )
                )
            if abs(amount.minor) != total:
                raise InvalidInput(
                    _("AMOUNT {value} is not {qty} × {value2} = {value3}; give one of them").format(
                        value=money.plain(abs(amount.minor), amount.currency),
                        qty=qty,
                        value2=money.plain(unit_price.minor, unit_price.currency),
                        value3=money.plain(total, unit_price.currency),
                    )
                )
        if total > money.MAX_MINOR:
            raise InvalidInput(
                _("the line total {value} {currency} is too large").format(
                    value=money.plain(total, unit_price.currency), currency=unit_price.currency
                )
            )
        currency, unit = unit_price.currency, unit_price.minor
    else:
        assert amount is not None
        total, currency = abs(amount.minor), amount.currency
        unit = total // qty if total % qty == 0 else None
    if negative and total == 0:
        raise InvalidInput(_("a refund needs an amount"))
    return Money(-total if negative else total, currency), unit


@dataclass(slots=True)  # one per imported row: slots make it quicker to build
class LineInput:
    """What a user typed for one line (`crm buy`, or one row of `crm import purchases`)."""

    item: str
    amount: str | None = None
    quantity: int | None = None
    unit_price: str | None = None
    at: str | None = None
    category: str | None = None
    currency: str | None = None
    payment: str | None = None
    order: str | None = None
    note: str | None = None
    refund: bool = False


class LineContext:
    """What validating lines needs from the database, looked up once and remembered.

    `crm buy` makes one per line; an import keeps one for all its rows, so each product,
    category spelling and payment word is looked up once, not once a row. The answers are
    those the same sequence of `crm buy` commands would get.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        now: datetime,
        default_currency: str,
        dated: bool = False,
    ) -> None:
        self.conn = conn
        self.dated = dated  # an import: a time of day alone is no moment (dates.with_day)
        self.now = now
        self.default_currency = default_currency
        self._products: dict[str, Product | None] = {}
        self._categories: dict[str, str] = {}
        self._payments: dict[str, str] = {}
        self._times: dict[str, str] = {}
        self._items: dict[str, str] = {}

    def product(self, item: str) -> Product | None:
        if item not in self._products:
            from crmcli.records.products import find_product

            self._products[item] = find_product(self.conn, item)
        return self._products[item]

    def category(self, text: str) -> str:
        key = text.strip().casefold()
        if key not in self._categories:
            from crmcli.records.products import canonical_category

            self._categories[key] = canonical_category(self.conn, text)
        return self._categories[key]

    def item(self, text: str) -> str:
        """`text` checked as an item (validate.text), remembered: items repeat."""
        found = self._items.get(text)
        if found is None:
            found = validate.text("item", text)
            if len(self._items) > 100_000:
                self._items.clear()
            self._items[text] = found
        return found

    def time(self, text: str | None) -> str:
        """The stored purchase time of `--at TEXT` (now when None), as `crm buy` makes it."""
        if text is None:
            return purchase_time(self.now, self.now)
        found = self._times.get(text)
        if found is None:
            found = parse_time(text, self.now)
            if self.dated and found[:10] == self.now.astimezone().date().isoformat():
                dates.with_day(text)  # today's: a time of day alone? (read again only then)
            if len(self._times) > 100_000:  # a file of distinct times: keep memory flat
                self._times.clear()
            self._times[text] = found
        return found

    def payment(self, text: str) -> str:
        if text not in self._payments:
            self._payments[text] = payment(text)
        return self._payments[text]


def parse_quantity(text: str) -> int:
    """A quantity typed as text (an import cell): a whole number from 1 to MAX_QUANTITY."""
    clean = text.strip()
    if not clean.isdigit() or len(clean) > 7:
        raise InvalidInput(
            _("quantity must be a whole number from 1 to {MAX_QUANTITY:,}").format(
                MAX_QUANTITY=MAX_QUANTITY
            )
        )
    return quantity(int(clean))


def prepare_line(context: LineContext, customer_id: int, raw: LineInput) -> Line:
    """Validate one line exactly as `crm buy` does; raises InvalidInput naming the problem.

    When ITEM names a product, its name, category and price are the defaults; the currency
    is `raw.currency`, else the product's, else the default one.
    """
    product = context.product(raw.item)
    explicit = money.currency_code(raw.currency) if raw.currency is not None else None
    product_price = None
    if product is not None and product["price_minor"] is not None:
        product_price = Money(product["price_minor"], product["currency"])
    code = explicit or (product_price.currency if product_price else None)
    code = code or context.default_currency
    given = money.parse(raw.amount, explicit, default=code) if raw.amount is not None else None
    unit = (
        money.parse(raw.unit_price, explicit, default=code) if raw.unit_price is not None else None
    )
    if (
        given is None
        and unit is None
        and product_price is not None
        and explicit not in (None, product_price.currency)
    ):
        raise InvalidInput(
            _("{name} is priced in {currency}; give the AMOUNT in {explicit}").format(
                name=product["name"], currency=product_price.currency, explicit=explicit
            )
        )
    if given is None and unit is None and product_price is None:
        said = (
            _("{item!r} has no price; give the AMOUNT (the line total) or --unit-price")
            if product
            else _(
                "{item!r} is not a product with a price; give the AMOUNT (the line total) or "
                "--unit-price"
            )
        )
        raise InvalidInput(said.format(item=raw.item))
    count = quantity(raw.quantity or 1)
    total, unit_minor = line_total(
        amount=given, unit_price=unit, qty=count, refund=raw.refund, default_price=product_price
    )
    category_text = raw.category if raw.category is not None else (product or {}).get("category")
    return Line(
        customer_id=customer_id,
        item=product["name"] if product else context.item(raw.item),
        amount=total,
        quantity=count,
        unit_price_minor=unit_minor,
        purchased_at=context.time(raw.at),
        category=context.category(category_text) if category_text is not None else None,
        payment=context.payment(raw.payment) if raw.payment is not None else None,
        order_ref=validate.text("order", raw.order) if raw.order is not None else None,
        note=validate.text("note", raw.note, multiline=True) if raw.note is not None else None,
        product_id=product["id"] if product else None,
    )


def prepare_purchase(
    conn: sqlite3.Connection, customer_id: int, raw: LineInput, *, now: datetime
) -> Line:
    """Validate the line of `crm buy` (prepare_line with a context of its own)."""
    from crmcli.records.products import default_currency

    context = LineContext(conn, now=now, default_currency=default_currency(conn))
    return prepare_line(context, customer_id, raw)


class PurchaseEdit(NamedTuple):
    """What a user typed for `crm purchase edit`; strings, None when not given."""

    customer: str | None = None  # a customer reference
    item: str | None = None
    amount: str | None = None
    quantity: int | None = None
    unit_price: str | None = None
    at: str | None = None
    category: str | None = None
    currency: str | None = None
    payment: str | None = None
    order: str | None = None
    note: str | None = None
    refund: bool = False
    unset: tuple[str, ...] = ()


def prepare_edit(
    conn: sqlite3.Connection,
    purchase_id: int,
    raw: PurchaseEdit,
    *,
    resolve: Callable[[str], int],
    now: datetime,
) -> PurchaseValues:
    """Validate an edit of line `purchase_id` into the column values to write.

    An amount, unit price, quantity, currency or refund reprices the line: the total and
    unit price are computed again from what was given and what the line holds (a new
    currency alone keeps the value). `resolve(ref) -> id` resolves a customer reference.
    Raises NotFound for an unknown line or customer, InvalidInput for bad input (also when
    there is nothing to change); nothing is written.
    """
    from crmcli.records.products import canonical_category, find_product

    before = get_purchase(conn, purchase_id)
    values: PurchaseValues = {}
    if raw.customer is not None:
        values["customer_id"] = resolve(raw.customer)
    if raw.item is not None:
        product = find_product(conn, raw.item)
        values["item"] = product["name"] if product else validate.text("item", raw.item)
        values["product_id"] = product["id"] if product else None
    values.update(_reprice(before, raw))
    if raw.at is not None:
        values["purchased_at"] = parse_time(raw.at, now)
    if raw.category is not None:
        values["category"] = canonical_category(conn, raw.category)
    if raw.payment is not None:
        values["payment"] = payment(raw.payment)
    if raw.order is not None:
        values["order_ref"] = validate.text("order", raw.order)
    if raw.note is not None:
        values["note"] = validate.text("note", raw.note, multiline=True)
    cleared = edits.unset_columns(raw.unset, UNSET_CLEARS, aliases=UNSET_ALIASES, setting=values)
    values.update(cleared)  # type: ignore[typeddict-item]
    if not values and not raw.refund:  # --refund on a refund asks for nothing new
        raise InvalidInput(_("nothing to change; give options such as --amount or --category"))
    return values


def _reprice(before: Purchase, raw: PurchaseEdit) -> PurchaseValues:
    """The amount, currency, quantity and unit price after an edit, or {} when the edit
    leaves them alone. A line stays a sale or a refund unless the new amount says."""
    old_code = before["currency"]
    code = money.currency_code(raw.currency) if raw.currency is not None else old_code
    count = quantity(raw.quantity) if raw.quantity is not None else before["quantity"]
    given = money.parse(raw.amount, raw.currency, default=code) if raw.amount is not None else None
    unit = (
        money.parse(raw.unit_price, raw.currency, default=code)
        if raw.unit_price is not None
        else None
    )
    if given is not None and raw.currency is None:
        code = given.currency
    elif unit is not None and raw.currency is None:
        code = unit.currency
    repriced = (
        given is not None
        or unit is not None
        or raw.quantity is not None
        or code != old_code
        or (raw.refund and before["amount_minor"] >= 0)
    )
    if not repriced:
        return {}
    old_unit = before["unit_price_minor"]
    if given is None and unit is None:
        if raw.quantity is not None and old_unit is not None:
            unit = _recurrency(old_unit, old_code, code)
        else:
            given = _recurrency(before["amount_minor"], old_code, code)
    keep_refund = given is None and before["amount_minor"] < 0
    total, unit_minor = line_total(
        amount=given, unit_price=unit, qty=count, refund=raw.refund or keep_refund
    )
    return {
        "amount_minor": total.minor,
        "currency": total.currency,
        "quantity": count,
        "unit_price_minor": unit_minor,
    }


def _recurrency(minor: int, old: str, new: str) -> Money:
    """`minor` units of `old` as the same value in `new` (refused if it has too many decimals)."""
    return Money(money.to_minor(money.to_decimal(minor, old), new), new)


INSERT_SQL = (
    "INSERT INTO purchases (customer_id, product_id, item, category, quantity, "
    "unit_price_minor, amount_minor, currency, purchased_at, payment, order_ref, note, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def line_row(line: Line, stamp: str, *, checked: bool = False) -> tuple[Any, ...]:
    """The INSERT_SQL parameters of a line, created and updated at `stamp`; item and quantity
    are checked again unless the line came from prepare_line (`checked`)."""
    return (
        line.customer_id,
        line.product_id,
        line.item if checked else validate.text("item", line.item),
        line.category,
        line.quantity if checked else quantity(line.quantity),
        line.unit_price_minor,
        line.amount.minor,
        line.amount.currency,
        line.purchased_at or stamp,
        line.payment,
        line.order_ref,
        line.note,
        stamp,
        stamp,
    )


def add_purchase(conn: sqlite3.Connection, line: Line) -> int:
    """Store one validated line; returns its id."""
    cursor = conn.execute(INSERT_SQL, line_row(line, clock.timestamp()))
    return int(cursor.lastrowid or 0)


def add_purchases(conn: sqlite3.Connection, lines: list[Line]) -> None:
    """Store many lines made by prepare_line in one executemany (an import's batch)."""
    stamp = clock.timestamp()
    conn.executemany(INSERT_SQL, [line_row(line, stamp, checked=True) for line in lines])


def check_refunds(conn: sqlite3.Connection, changes: Iterable[tuple[int, str, int]]) -> None:
    """Refuse a write made in this transaction (InvalidInput) when it leaves a customer with
    more refunded than bought in a currency, and less net than before: a refund is of
    something bought. `changes` are (customer_id, currency, minor units) by which the write
    changed the customer's net in that currency: a new line's amount, a deleted line's
    amount negated, both for an edit. A write that lowers no one's net (the note of a line
    refunded too much already) is let through."""
    totals: dict[tuple[int, str], int] = {}
    for customer_id, currency, change in changes:
        totals[(customer_id, currency)] = totals.get((customer_id, currency), 0) + change
    for (customer_id, currency), change in totals.items():
        if change >= 0:
            continue
        bought, refunded = conn.execute(
            "SELECT coalesce(sum(max(amount_minor, 0)), 0), "
            "coalesce(-sum(min(amount_minor, 0)), 0) "
            "FROM purchases WHERE customer_id = ? AND currency = ?",
            (customer_id, currency),
        ).fetchone()
        if refunded <= bought:
            continue
        (name,) = conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()
        # A Said with its amounts: the error line shows them as a table would (`¥50.00` on
        # a terminal), in the run's language (crmcli/cli/app.py `_exit_code`).
        raise InvalidInput(
            Said(
                "#{customer_id} {name}'s refunds would come to {refunded}, more than the "
                "{bought} they bought; pass --force if that is right",
                customer_id=customer_id,
                name=name,
                refunded=money.shown(refunded, currency, code=True),
                bought=money.shown(bought, currency, code=True),
            )
        )


_SELECT = (
    "SELECT p.id, p.purchased_at, p.customer_id, c.name AS customer_name, p.item, p.category, "
    "p.quantity, p.unit_price_minor, p.amount_minor, p.currency, p.payment, p.order_ref, "
    "p.note, p.product_id, p.created_at, p.updated_at "
    "FROM purchases p JOIN customers c ON c.id = p.customer_id"
)


def get_purchase(conn: sqlite3.Connection, purchase_id: int) -> Purchase:
    """One line with its customer's name; raises NotFound."""
    row = conn.execute(f"{_SELECT} WHERE p.id = ?", (purchase_id,)).fetchone()
    if row is None:
        raise NotFound(_("no purchase with id {purchase_id}").format(purchase_id=purchase_id))
    return cast(Purchase, dict(row))


def update_purchase(conn: sqlite3.Connection, purchase_id: int, values: PurchaseValues) -> bool:
    """Write validated column values to line `purchase_id` (from prepare_edit, or an import's
    row); returns whether anything changed. Raises NotFound, InvalidInput."""
    unknown = set(values) - PurchaseValues.__optional_keys__
    if unknown:
        raise InvalidInput(_("unknown purchase field {value!r}").format(value=sorted(unknown)[0]))
    before = get_purchase(conn, purchase_id)
    stored: dict[str, Any] = dict(before)  # read by column name
    changed: dict[str, Any] = {k: v for k, v in values.items() if stored[k] != v}
    if not changed:
        return False
    if "amount_minor" in changed and abs(changed["amount_minor"]) > money.MAX_MINOR:
        raise InvalidInput(_("the amount is too large"))
    changed["updated_at"] = clock.timestamp()
    assignments = ", ".join(f"{c} = ?" for c in changed)
    conn.execute(
        f"UPDATE purchases SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted columns
        [*changed.values(), purchase_id],
    )
    return True


def delete_purchases(conn: sqlite3.Connection, ids: list[int]) -> list[Purchase]:
    """Delete lines by id, all or none (NotFound names the first missing id); returns them."""
    records = [get_purchase(conn, purchase_id) for purchase_id in dict.fromkeys(ids)]
    conn.executemany("DELETE FROM purchases WHERE id = ?", [(r["id"],) for r in records])
    return records


def day_after(day: date) -> str:
    return (day + timedelta(days=1)).isoformat()


def list_purchases(
    conn: sqlite3.Connection,
    *,
    customer_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    category: str | None = None,
    item: str | None = None,
    currency: str | None = None,
    refunds: bool = False,
    limit: int | None = None,
) -> Iterator[Purchase]:
    """Lines matching every filter given, oldest first (the `limit` most recent, if given).

    `since`/`until` are inclusive local dates; `category` matches ignoring case; `item` is a
    case-insensitive substring.
    """
    clauses, params = refs.whose(customer_id, "p.customer_id", live=False)
    where: list[str] = ["1", *clauses]
    if since is not None:
        where.append("p.purchased_at >= ?")
        params.append(since.isoformat())
    if until is not None:
        where.append("p.purchased_at < ?")
        params.append(day_after(until))
    if category is not None:
        where.append("p.category = ? COLLATE NOCASE")
        params.append(category.strip())
    if item is not None:
        escaped = item.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("p.item LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    if currency is not None:
        where.append("p.currency = ?")
        params.append(currency)
    if refunds:
        where.append("p.amount_minor < 0")
    # The most recent `limit` lines are found newest first, then shown oldest first.
    direction = "ASC" if limit is None else "DESC"
    sql = (
        f"{_SELECT} WHERE {' AND '.join(where)} "
        f"ORDER BY p.purchased_at {direction}, p.id {direction}"
    )
    if limit is None:
        for row in conn.execute(sql, params):
            yield cast(Purchase, dict(row))
        return
    rows = [cast(Purchase, dict(r)) for r in conn.execute(f"{sql} LIMIT ?", [*params, limit])]
    yield from reversed(rows)


def summary(row: Mapping[str, Any]) -> dict[str, Any]:  # open: the row's own keys, plus one
    """A copy of a row of AGGREGATES (and whatever else its query selected) with the
    average order (net / orders, rounded half to even to the currency's decimals; None
    without orders) added as `average_order_minor`. Callers cast it to the TypedDict of
    their query: Totals, GroupTotals or CustomerTotals."""
    out = dict(row)
    orders = out["orders"] or 0
    out["average_order_minor"] = money.average(out["net_minor"], orders) if orders else None
    return out


def customer_totals(conn: sqlite3.Connection, customer_id: int) -> list[CustomerTotals]:
    """Lifetime figures of one customer, one per currency."""
    rows = conn.execute(
        f"SELECT {AGGREGATES}, {SALE_DATES} FROM purchases p WHERE p.customer_id = ? "  # noqa: S608
        "GROUP BY p.currency ORDER BY p.currency",
        (customer_id,),
    )
    return [cast(CustomerTotals, summary(dict(r))) for r in rows]


def recent_purchases(conn: sqlite3.Connection, customer_id: int, limit: int = 5) -> list[Purchase]:
    """The `limit` most recent lines of one customer, newest first."""
    rows = conn.execute(
        f"{_SELECT} WHERE p.customer_id = ? ORDER BY p.purchased_at DESC, p.id DESC LIMIT ?",
        (customer_id, limit),
    )
    return [cast(Purchase, dict(r)) for r in rows]
