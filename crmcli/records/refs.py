"""Resolve a customer reference typed by a user to one customer id.

A reference is tried, in order, as: `#ID` or a number that is an id; an external key;
an exact email; a phone number; a name. Names match ignoring case, accents and width
(`validate.fold`), in five steps, the first that finds anyone deciding: the exact name; a
name the customer is known by, whole (a 微信 nickname: KNOWN_AS; an exact name is the
stronger match, but where archived customers are no targets a live customer's nickname wins
over an archived customer's exact name); the exact
pinyin of a Chinese name or its initials (`zhangwei`, `zhang wei`, `zw` for 张伟, from the
search index, crmcli.store.search); a substring of the name; a substring of the pinyin.
More than one match raises Ambiguous (exit 2) with the candidates; none raises NotFound
(exit 3).
Archived customers are found only when `archived=True`.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from crmcli.core import validate
from crmcli.core.errors import Ambiguous, InvalidInput, NotFound
from crmcli.core.i18n import _

MAX_CANDIDATES = 10  # the name query fetches one more, to say "or more"


def whose(customer_id: int | None, column: str, *, live: bool) -> tuple[list[str], list[Any]]:
    """The customer part of a record listing, as WHERE clauses and their parameters:
    `customer_id`'s rows (archived or not), else with `live` the rows of live customers
    only, else everyone's. `column` names the rows' customer (`t.customer_id`, from crm's
    code, never a user's). One customer's rows need no filter language
    (crmcli.records.filters, loaded only for the others): `crm show` lists five kinds."""
    if not re.fullmatch(r"[a-z]\.customer_id", column):
        raise ValueError(f"not a customer id column: {column!r}")
    if customer_id is not None:
        return [f"{column} = ?"], [customer_id]
    from crmcli.records import filters

    who = filters.compile_for(filters.for_customer(None, live=live), column)
    return list(who.clauses), list(who.params)


def resolve(
    conn: sqlite3.Connection,
    ref: str,
    *,
    region: str | None = None,
    archived: bool = False,
    only_archived: bool = False,
) -> int:
    """The id of the one customer `ref` names; raises Ambiguous, NotFound or InvalidInput.
    With `only_archived` (`crm undelete`), a name or nickname an archived customer has
    means that customer, whoever live has it too.

    An exact match (id, external id, email, phone, whole name) on an archived customer is
    reported as such (NotFound) rather than passed over for a partial match of someone else.
    """
    text = ref.strip()
    if not text:
        raise InvalidInput(_("empty customer reference"))
    numeric = re.fullmatch(r"#?\d{1,18}", text) is not None
    if numeric:
        found = _ids(
            conn, "SELECT id, archived_at FROM customers WHERE id = ?", int(text.lstrip("#"))
        )
        if found or text.startswith("#"):
            return _exact(conn, ref, found, archived, f"no customer with id {text.lstrip('#')}")
    found = _ids(conn, "SELECT id, archived_at FROM customers WHERE external_id = ?", text)
    if found:
        return _exact(conn, ref, found, archived)
    if "@" in text:
        try:
            key = validate.email(text)[1]
        except InvalidInput:
            key = text.casefold()
        found = _ids(
            conn,
            "SELECT DISTINCT c.id, c.archived_at FROM customer_emails e "
            "JOIN customers c ON c.id = e.customer_id WHERE e.email_key = ?",
            key,
        )
        return _exact(conn, ref, found, archived)
    if len(re.sub(r"\D", "", text)) >= 3 and re.fullmatch(r"[\d\s()+\-.]+", text):
        found = _by_phone(conn, text, region)
        if found:
            return _exact(conn, ref, found, archived)
    key = validate.fold(text)
    named = _ids(conn, "SELECT id, archived_at FROM customers WHERE name_key = ?", key)
    known = _known_as(conn, key)
    if only_archived:  # crm undelete: an archived customer is the one meant, if any is
        named = [m for m in named if m[1] is not None] or named
        known = [m for m in known if m[1] is not None] or known
    # An exact name is a stronger match than a nickname. Where archived customers are
    # targets (`archived`), the exact name decides, archived or not; where only live ones
    # are, a live customer known by the name wins over an archived customer of that name.
    if archived and named:
        return _exact(conn, ref, named, archived)
    if any(gone is None for _, gone in named):
        return _exact(conn, ref, named, archived)
    live = [(i, gone) for i, gone in known if gone is None]
    if live and not archived:
        return _exact(conn, ref, live, archived)
    if named or known:
        return _exact(conn, ref, named or known, archived)
    if numeric:  # a number is a whole name (a customer named "42"), never part of one
        raise NotFound(_("no customer matches {ref!r}").format(ref=ref))
    if len(key) > validate.MAX_TEXT and len(key) > _longest_name(conn):
        # part of no name, and past what SQLite's LIKE takes (50,000 bytes: "pattern too
        # complex", a database error for a reference typed too long)
        return _one(conn, ref, [])
    from crmcli.store import search  # the pinyin index: only for names no exact step matched

    pinyin = search.pinyin_matches(conn, key, archived=archived)
    if pinyin:
        return _one(conn, ref, pinyin)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = _ids(
        conn,
        "SELECT id, archived_at FROM customers WHERE name_key LIKE ? ESCAPE '\\' "
        "AND (? OR archived_at IS NULL) ORDER BY id LIMIT 11",
        f"%{escaped}%",
        int(archived),
    )
    partial = [i for i, _ in found] or search.pinyin_matches(
        conn, key, archived=archived, partial=True
    )
    return _one(conn, ref, partial)


def _longest_name(conn: sqlite3.Connection) -> int:
    """The length of the longest name key stored (0 with no customer)."""
    return int(
        conn.execute("SELECT coalesce(max(length(name_key)), 0) FROM customers").fetchone()[0]
    )


# The user-defined fields that hold a name a customer is known by besides their own: an
# import fills `wechat_nickname` from a 微信/企业微信 export's 昵称 (crmcli/transfer/importers.py).
KNOWN_AS = ("wechat_nickname",)


def _known_as(conn: sqlite3.Connection, key: str) -> list[tuple[int, str | None]]:
    """(id, archived_at) of the customers one of whose KNOWN_AS fields is `text` whole, or
    one of the names it lists (`大海贸易; 仇大海`, `天蓬；元帅` from a GBK export), both sides
    folded as names are (`validate.fold`, `key`: case, accents and width aside), so that a
    stored `Ｔｏｍ` or `Éva` is found by `tom` or `eva` as a name would be."""

    def names_it(value: str | None) -> bool:
        return value is not None and any(
            validate.fold(name) == key for name in _KNOWN_AS_SPLIT.split(value)
        )

    conn.create_function("crm_known_as", 1, names_it, deterministic=True)
    fields = ",".join("?" * len(KNOWN_AS))
    rows = conn.execute(
        "SELECT DISTINCT f.customer_id, c.archived_at FROM customer_fields f "  # noqa: S608
        f"JOIN customers c ON c.id = f.customer_id WHERE f.key IN ({fields}) "
        "AND crm_known_as(f.value) ORDER BY f.customer_id",
        KNOWN_AS,
    )
    return [(customer_id, archived_at) for customer_id, archived_at in rows]


# The separators of the names one KNOWN_AS cell lists: ASCII or full-width semicolons, as an
# export's phones and tags are split (crmcli/transfer/importers.py).
_KNOWN_AS_SPLIT = re.compile(r"[;；]")


def _by_phone(
    conn: sqlite3.Connection, text: str, region: str | None
) -> list[tuple[int, str | None]]:
    """Customers with the phone `text`, read as `crm add` reads it: in default_region
    (`region`); when that finds no one, a number without +country is read in the country
    of each customer who has one (a US customer is found by `(212) 555-0134`)."""
    found = _phone_owners(conn, text, region, None)
    if found or text.startswith(("+", "\uff0b")):
        return found
    countries = conn.execute("SELECT DISTINCT country FROM customers WHERE country IS NOT NULL")
    for home in sorted({r for (c,) in countries if (r := validate.country_region(c))}):
        found += _phone_owners(conn, text, region, home)
    return sorted(set(found))


def _phone_owners(
    conn: sqlite3.Connection, text: str, region: str | None, home: str | None
) -> list[tuple[int, str | None]]:
    """(id, archived_at) of the customers with `text` read in `home` (else `region`); with a
    `home`, only those whose country is in it."""
    try:
        phone = validate.phone(text, region, home=home)
    except InvalidInput:
        return []
    rows = conn.execute(
        "SELECT DISTINCT c.id, c.archived_at, c.country FROM customer_phones p "
        "JOIN customers c ON c.id = p.customer_id WHERE p.phone = ? ORDER BY c.id",
        (phone,),
    )
    return [
        (customer_id, archived_at)
        for customer_id, archived_at, country in rows
        if home is None or validate.country_region(country) == home
    ]


def _exact(
    conn: sqlite3.Connection,
    ref: str,
    found: list[tuple[int, str | None]],
    archived: bool,
    missing: str | None = None,
) -> int:
    """One customer from exact matches; archived ones count only when `archived`."""
    live = [i for i, gone in found if archived or gone is None]
    if not live and found:
        ids = _(", ").join(str(i) for i, _ in found)
        raise NotFound(
            _("{ref!r} is archived customer {ids}; 'crm undelete {value}' restores it").format(
                ref=ref, ids=ids, value=found[0][0]
            )
        )
    if not live and missing:
        raise NotFound(missing)
    return _one(conn, ref, live)


def _ids(conn: sqlite3.Connection, sql: str, *params: object) -> list[tuple[int, str | None]]:
    return [(r[0], r[1]) for r in conn.execute(sql, params)]


def _one(conn: sqlite3.Connection, ref: str, found: list[int]) -> int:
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(_("no customer matches {ref!r}").format(ref=ref))
    shown = found[:MAX_CANDIDATES]
    rows = [
        conn.execute(
            "SELECT c.id, c.name, c.company, c.city, (SELECT phone FROM customer_phones p "
            "WHERE p.customer_id = c.id ORDER BY is_primary DESC LIMIT 1) AS phone "
            "FROM customers c WHERE c.id = ?",
            (customer_id,),
        ).fetchone()
        for customer_id in shown
    ]
    said = (
        _("{ref!r} matches {count} or more customers; use an id or a more precise reference")
        if len(found) > MAX_CANDIDATES
        else _("{ref!r} matches {count} customers; use an id or a more precise reference")
    )
    raise Ambiguous(
        said.format(ref=ref, count=len(shown)),
        [dict(r) for r in rows],
        more=len(found) > MAX_CANDIDATES,
    )


def resolve_cell(conn: sqlite3.Connection, ref: str, *, region: str | None = None) -> int:
    """`resolve` of a customer reference read from a file's cell: as typed, then, when no
    customer answers to it, without the apostrophe a spreadsheet puts before a number to keep
    it text (`'13800138000`, `'00123`). So a key stored with the apostrophe (an external id
    an import kept as typed) is found as typed, and a guarded phone is found as a phone."""
    try:
        return resolve(conn, ref, region=region)
    except (NotFound, InvalidInput) as first:
        text = ref.strip()
        if text[:1] != "'" or not (text[1:2].isdigit() or text[1:2] == "+"):
            raise
        try:
            return resolve(conn, text[1:], region=region)
        except (NotFound, InvalidInput):
            raise first from None


def resolve_many(
    conn: sqlite3.Connection,
    references: list[str],
    *,
    region: str | None = None,
    skip_missing: bool = False,
    archived: bool = False,
    only_archived: bool = False,
) -> tuple[list[int], list[str]]:
    """Resolve a batch of references (e.g. read from stdin), all or nothing.

    Blank lines are skipped and repeated customers kept once. When any reference fails, the
    whole batch is refused with one line per bad reference: NotFound (exit 3) when every
    failure is a missing customer, else InvalidInput (exit 2). With `skip_missing`, missing
    customers are left out instead and returned as lines (ambiguous ones still fail).
    Returns (ids, skipped lines).
    """
    ids: dict[int, None] = {}
    bad: list[str] = []
    skipped: list[str] = []
    missing_only = True
    for number, ref in enumerate(references, 1):
        if not ref.strip():
            continue
        try:
            ids[
                resolve(conn, ref, region=region, archived=archived, only_archived=only_archived)
            ] = None
        except NotFound as exc:
            (skipped if skip_missing else bad).append(f"{number}: {exc.message}")
        except InvalidInput as exc:
            missing_only = False
            bad.append(f"{number}: {exc.message}")
    if bad:
        from crmcli.core.text import first_lines

        kind = NotFound if missing_only else InvalidInput
        raise kind(
            _("{failed} of {given} references failed; nothing was changed").format(
                failed=len(bad), given=len(references)
            ),
            first_lines(bad),
        )
    return list(ids), skipped
