"""Saved segments, tagging rules and `crm classify`.

A segment is a named filter: the filter options as typed (crmcli.records.filters.CustomerFilter,
kept as JSON in `segments.filter`), evaluated afresh each time it is used, so it always
selects the customers who match now. A rule is a tag plus a filter of the same language:
`crm classify` gives the tag to every live customer the filter selects and takes it back
from those who no longer match, but only where a rule gave it (`rule_tags` remembers which):
a tag you set by hand is never removed by a rule. Several rules with the same tag add up
(a customer matching any of them has it).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any, TypedDict

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import _
from crmcli.core.where import as_options
from crmcli.records import filters
from crmcli.records.filters import CustomerFilter


def describe(saved: filters.Saved) -> str:
    """A saved filter as the options that make it: `--where 'abc = A' --tag vip`."""
    return as_options(saved)


# The tag a rule gives: by id once the tag exists (a rename changes no rule), else by name.
RULE_TAG = "coalesce((SELECT t.name FROM tags t WHERE t.id = rules.tag_id), rules.tag)"


def _check(conn: sqlite3.Connection, selection: CustomerFilter, today: date) -> str:
    """Validate a filter by building it once; returns what to store (JSON, tags by id)."""
    if selection.archived:
        raise InvalidInput(
            _("--archived cannot be saved: segments and rules select live customers")
        )
    saved = selection.saved()
    if not saved:
        raise InvalidInput(_("give the filter: options such as --where, --tag or --lifecycle"))
    filters.build(conn, selection, today=today)
    return filters.encode(conn, selection)


def clean_name(name: str) -> str:
    text = validate.text("segment name", name)
    if len(text) > validate.MAX_NAME:
        raise InvalidInput(_("a segment name is at most 64 characters"))
    return text


# --- segments -------------------------------------------------------------------------


def save_segment(
    conn: sqlite3.Connection, name: str, selection: CustomerFilter, *, replace: bool
) -> bool:
    """Save (or with `replace`, overwrite) a segment; returns True when it replaced one."""
    name = clean_name(name)
    today = clock.today()
    exists = conn.execute("SELECT id FROM segments WHERE name = ?", (name,)).fetchone()
    if exists and not replace:
        raise InvalidInput(
            _("segment {name!r} exists; add --replace to overwrite it").format(name=name)
        )
    if name.casefold() in {s.strip().casefold() for s in selection.segment or []}:
        raise InvalidInput(_("segment {name!r} cannot include itself").format(name=name))
    text = _check(conn, selection, today)
    if exists:
        conn.execute("UPDATE segments SET filter = ? WHERE id = ?", (text, exists[0]))
    else:
        conn.execute(
            "INSERT INTO segments (name, filter, created_at) VALUES (?, ?, ?)",
            (name, text, clock.timestamp()),
        )
    try:  # a segment that includes itself through others (a1 -> b1 -> a1) is refused
        _check(conn, segment_filter(conn, name), today)
    except InvalidInput as exc:
        if "refers to itself" in exc.message:
            raise InvalidInput(
                _(
                    "segment {name!r} would include itself through other segments; nothing saved"
                ).format(name=name)
            ) from None
        raise
    return bool(exists)


def segment_filter(conn: sqlite3.Connection, name: str) -> CustomerFilter:
    """The filter saved as `name` (any case); NotFound when there is none."""
    return filters.saved_segment(conn, name)


class SegmentRow(TypedDict):
    """A saved segment, as `crm segment list` lists it."""

    segment: str
    filter: str  # the options that make it, as typed
    customers: int  # live customers it selects now
    created_at: str


SEGMENT_COLUMNS = tuple(SegmentRow.__annotations__)


def list_segments(conn: sqlite3.Connection, *, today: date) -> list[SegmentRow]:
    """Every segment with its filter and how many live customers it selects now."""
    cache: dict[Any, Any] = {}
    rows: list[SegmentRow] = []
    for name, text, created_at in conn.execute(
        "SELECT name, filter, created_at FROM segments ORDER BY name COLLATE NOCASE"
    ).fetchall():
        selection = filters.load(conn, text, f"segment {name}")
        rows.append(
            {
                "segment": name,
                "filter": describe(selection.saved()),
                "customers": len(filters.matching_ids(conn, selection, today=today, cache=cache)),
                "created_at": created_at,
            }
        )
    return rows


def _users(conn: sqlite3.Connection, name: str) -> list[str]:
    """Segments and rules whose filter names segment `name`."""
    key = name.casefold()
    found = []
    for label, text in conn.execute(
        "SELECT 'segment ' || name, filter FROM segments "
        "UNION ALL SELECT 'rule ' || id, filter FROM rules"
    ):
        if label.casefold() == f"segment {key}":
            continue  # itself: a broken segment can still be deleted
        try:
            saved = filters.decode(text, label).get("segment") or []
        except InvalidInput:
            continue  # another broken filter selects nothing; it must not block deletes
        if key in {s.strip().casefold() for s in saved}:
            found.append(label)
    return found


def deletable_segment(conn: sqlite3.Connection, name: str) -> tuple[int, str]:
    """The id and stored name of segment `name`, checked before anyone is asked to delete it:
    NotFound when there is none, InvalidInput while a rule or another segment uses it."""
    row = conn.execute("SELECT id, name FROM segments WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise NotFound(_("no segment {value!r}").format(value=name.strip()))
    users = [u for u in _users(conn, row[1]) if u != f"segment {row[1]}"]
    if users:
        raise InvalidInput(
            _("segment {value!r} is used by {value2}; delete those first").format(
                value=row[1], value2=_(", ").join(users)
            )
        )
    return row[0], row[1]


def delete_segment(conn: sqlite3.Connection, name: str) -> str:
    """Delete segment `name` (checked as `deletable_segment`); returns its stored name."""
    segment_id, stored = deletable_segment(conn, name)
    conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,))
    return stored


# --- rules ----------------------------------------------------------------------------


def add_rule(conn: sqlite3.Connection, tag: str, selection: CustomerFilter) -> int:
    """A rule: tag the customers `selection` picks. Returns its id."""
    text = _check(conn, selection, clock.today())
    row = conn.execute("SELECT id FROM tags WHERE name = ? COLLATE NOCASE", (tag,)).fetchone()
    return conn.execute(
        "INSERT INTO rules (tag, tag_id, filter, created_at) VALUES (?, ?, ?, ?)",
        (tag, row[0] if row else None, text, clock.timestamp()),
    ).lastrowid


class RuleRow(TypedDict):
    """A tagging rule, as `crm rule list` lists it."""

    id: int
    tag: str
    filter: str  # the options that make it, as typed
    created_at: str


RULE_COLUMNS = tuple(RuleRow.__annotations__)


class DeletedRule(TypedDict):
    id: int
    tag: str


class TagChange(TypedDict):
    """A tag a customer gained or lost in `crm classify`."""

    customer_id: int
    customer_name: str | None
    tag: str
    change: str  # "gained" or "lost"


CHANGE_COLUMNS = tuple(TagChange.__annotations__)


def list_rules(conn: sqlite3.Connection) -> list[RuleRow]:
    """Every tagging rule, by id."""
    return [
        {
            "id": rule_id,
            "tag": tag,
            "filter": describe(filters.load(conn, text, f"rule {rule_id}").saved()),
            "created_at": at,
        }
        for rule_id, tag, text, at in conn.execute(
            f"SELECT id, {RULE_TAG}, filter, created_at FROM rules ORDER BY id"  # noqa: S608
        ).fetchall()
    ]


def delete_rule(conn: sqlite3.Connection, rule_id: int) -> DeletedRule:
    """Delete a rule; the tags it gave stay (now as if set by hand)."""
    row = conn.execute(
        f"SELECT {RULE_TAG} FROM rules WHERE id = ?",  # noqa: S608 - a constant
        (rule_id,),
    ).fetchone()
    if row is None:
        raise NotFound(_("no rule {rule_id}").format(rule_id=rule_id))
    conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))
    still = conn.execute(
        f"SELECT 1 FROM rules WHERE {RULE_TAG} = ? COLLATE NOCASE",  # noqa: S608 - a constant
        (row[0],),
    ).fetchone()
    if not still:
        conn.execute(
            "DELETE FROM rule_tags WHERE tag_id IN (SELECT id FROM tags WHERE name = ?)", (row[0],)
        )
    return {"id": rule_id, "tag": row[0]}


def classify(conn: sqlite3.Connection, *, today: date, dry_run: bool) -> list[TagChange]:
    """Apply every rule: returns the changes (who gained or lost which tag), by tag then
    customer; writes them unless `dry_run`."""
    from crmcli.records import tags

    cache: dict[Any, Any] = {}
    wanted: dict[str, set[int]] = {}
    spelling: dict[str, str] = {}
    for rule_id, tag, text in conn.execute(
        f"SELECT id, {RULE_TAG}, filter FROM rules ORDER BY id"  # noqa: S608 - a constant
    ).fetchall():
        key = tag.casefold()
        spelling.setdefault(key, tag)
        selection = filters.load(conn, text, f"rule {rule_id}")
        ids = filters.matching_ids(conn, selection, today=today, cache=cache)
        wanted.setdefault(key, set()).update(ids)
    changes: list[TagChange] = []
    for key in sorted(wanted):
        row = conn.execute("SELECT id, name FROM tags WHERE name = ?", (spelling[key],)).fetchone()
        tag_id, name = row if row else (None, spelling[key])
        have: set[int] = set()
        given: set[int] = set()
        if tag_id is not None:
            have = {r[0] for r in conn.execute(
                "SELECT ct.customer_id FROM customer_tags ct JOIN customers c "
                "ON c.id = ct.customer_id WHERE ct.tag_id = ? AND c.archived_at IS NULL",
                (tag_id,))}  # fmt: skip
            given = {r[0] for r in conn.execute(
                "SELECT customer_id FROM rule_tags WHERE tag_id = ?", (tag_id,))}  # fmt: skip
        gained = sorted(wanted[key] - have)
        lost = sorted((have & given) - wanted[key])
        changes += [
            {"customer_id": i, "customer_name": None, "tag": name, "change": "gained"}
            for i in gained
        ]
        changes += [
            {"customer_id": i, "customer_name": None, "tag": name, "change": "lost"} for i in lost
        ]
        if dry_run:
            continue
        if gained:
            name, _ = tags.add_tag(conn, name, gained)
            tag_id = conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()[0]
            conn.executemany(
                "INSERT OR IGNORE INTO rule_tags (customer_id, tag_id) VALUES (?, ?)",
                [(i, tag_id) for i in gained],
            )
        if lost:
            tags.remove_tag(conn, name, lost)
            conn.executemany(
                "DELETE FROM rule_tags WHERE customer_id = ? AND tag_id = ?",
                [(i, tag_id) for i in lost],
            )
    names = dict(
        conn.execute(
            "SELECT id, name FROM customers WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([c["customer_id"] for c in changes]),),
        ).fetchall()
    )
    for change in changes:
        change["customer_name"] = names.get(change["customer_id"])
    return changes
