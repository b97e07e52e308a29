"""Resolve a customer reference typed by a user to one customer id.

A reference is tried, in order, as: `#ID` or a number that is an id; an external key;
an exact email; a phone number; a name. Names match ignoring case, accents and width
(`validate.fold`), in four steps, the first that finds anyone deciding: the exact name; the
exact pinyin of a Chinese name or its initials (`zhangwei`, `zhang wei`, `zw` for 张伟, from
the search index, crmcli.search); a substring of the name; a substring of the pinyin. More
than one match raises Ambiguous (exit 2) with the candidates; none raises NotFound (exit 3).
Archived customers are found only when `archived=True`.
"""

from __future__ import annotations

import re
import sqlite3

from crmcli import search, validate
from crmcli.errors import Ambiguous, InvalidInput, NotFound

MAX_CANDIDATES = 10  # the name query fetches one more, to say "or more"


def resolve(
    conn: sqlite3.Connection, ref: str, *, region: str | None = None, archived: bool = False
) -> int:
    """The id of the one customer `ref` names; raises Ambiguous, NotFound or InvalidInput."""
    text = ref.strip()
    if not text:
        raise InvalidInput("empty customer reference")
    live = int(archived)
    if re.fullmatch(r"#?\d{1,18}", text):
        row = conn.execute(
            "SELECT id FROM customers c WHERE id = ? AND (? OR c.archived_at IS NULL)",
            (int(text.lstrip("#")), live),
        ).fetchone()
        if row:
            return row[0]
        if text.startswith("#"):
            raise NotFound(f"no customer with id {text.lstrip('#')}")
    found = _ids(
        conn,
        "SELECT id FROM customers c WHERE external_id = ? AND (? OR c.archived_at IS NULL)",
        text,
        live,
    )
    if found:
        return found[0]
    if "@" in text:
        try:
            key = validate.email(text)[1]
        except InvalidInput:
            key = text.casefold()
        found = _ids(
            conn,
            "SELECT DISTINCT c.id FROM customer_emails e JOIN customers c ON c.id = e.customer_id "
            "WHERE e.email_key = ? AND (? OR c.archived_at IS NULL)",
            key,
            live,
        )
        return _one(conn, ref, found)
    if len(re.sub(r"\D", "", text)) >= 5 and re.fullmatch(r"[\d\s()+\-.]+", text):
        try:
            phone = validate.phone(text, region)
        except InvalidInput:
            phone = None
        if phone:
            found = _ids(
                conn,
                "SELECT DISTINCT c.id FROM customer_phones p JOIN customers c "
                "ON c.id = p.customer_id WHERE p.phone = ? AND (? OR c.archived_at IS NULL)",
                phone,
                live,
            )
            if found:
                return _one(conn, ref, found)
    key = validate.fold(text)
    found = _ids(
        conn,
        "SELECT id FROM customers c WHERE name_key = ? AND (? OR c.archived_at IS NULL)",
        key,
        live,
    )
    if not found:
        found = search.pinyin_matches(conn, key, archived=archived)
    if not found:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = _ids(
            conn,
            "SELECT id FROM customers c WHERE name_key LIKE ? ESCAPE '\\' "
            "AND (? OR c.archived_at IS NULL) ORDER BY id LIMIT 11",
            f"%{escaped}%",
            live,
        )
    if not found:
        found = search.pinyin_matches(conn, key, archived=archived, partial=True)
    return _one(conn, ref, found)


def _ids(conn: sqlite3.Connection, sql: str, param: str, live: int) -> list[int]:
    return [r[0] for r in conn.execute(sql, (param, live))]


def _one(conn: sqlite3.Connection, ref: str, found: list[int]) -> int:
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(f"no customer matches {ref!r}")
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
    more = " or more" if len(found) > MAX_CANDIDATES else ""
    raise Ambiguous(
        f"{ref!r} matches {len(shown)}{more} customers; use an id or a more precise reference",
        [dict(r) for r in rows],
    )


def resolve_many(
    conn: sqlite3.Connection, references: list[str], *, region: str | None = None
) -> list[int]:
    """Resolve a batch of references (e.g. read from stdin), all or nothing.

    Blank lines are skipped and repeated customers kept once. When any reference fails, the
    whole batch is refused with one line per bad reference: NotFound (exit 3) when every
    failure is a missing customer, else InvalidInput (exit 2).
    """
    ids: dict[int, None] = {}
    bad: list[str] = []
    missing_only = True
    for number, ref in enumerate(references, 1):
        if not ref.strip():
            continue
        try:
            ids[resolve(conn, ref, region=region)] = None
        except NotFound as exc:
            bad.append(f"{number}: {exc.message}")
        except InvalidInput as exc:
            missing_only = False
            bad.append(f"{number}: {exc.message}")
    if bad:
        kind = NotFound if missing_only else InvalidInput
        raise kind(f"{len(bad)} of {len(references)} references failed; nothing was changed", bad)
    return list(ids)
