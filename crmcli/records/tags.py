"""Tags (free labels, many per customer) and funnel stages (set by the salesperson).

Tags are unique ignoring case: the first spelling typed is kept. Tagging is idempotent.
Stages come from the `stages` setting (crmcli.records.config; default lead, prospect,
customer, loyal, lost); the current stage is on `customers.stage` for fast filtering, and
every change is kept in `stage_changes` with its date, so time-in-stage and conversion can
be reported.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict, cast

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import Said, _
from crmcli.records import config, filters

RESERVED_TAGS = {"rename"}


def clean_tag(name: str) -> str:
    """A tag name: one line, no commas, at most 64 characters."""
    tag = validate.text("tag", name)
    if "," in tag or len(tag) > 64:
        raise InvalidInput(
            _("invalid tag {name!r}: no commas, at most 64 characters").format(name=name)
        )
    if tag.casefold() in RESERVED_TAGS:
        raise InvalidInput(_("{tag!r} cannot be a tag name (it is a command word)").format(tag=tag))
    if tag == "-":
        raise InvalidInput(_("'-' cannot be a tag name (as a REF it reads references from stdin)"))
    return tag


def _tag_id(conn: sqlite3.Connection, tag: str, *, create: bool) -> int | None:
    row = conn.execute("SELECT id FROM tags WHERE name = ? COLLATE NOCASE", (tag,)).fetchone()
    if row:
        return row[0]
    if not create:
        return None
    tag_id = conn.execute(
        "INSERT INTO tags (name, created_at) VALUES (?, ?)", (tag, clock.timestamp())
    ).lastrowid
    # Tag ids can come back after a tag is deleted (forget, undo): anything still naming
    # this id was about another tag. Then filters, rules and a cadence saved under this
    # name before the tag existed name it by id, as they would had it existed then.
    filters.unbind_tag(conn, tag_id, None)
    config.unbind_tag_cadence(conn, tag_id, None)
    filters.bind_tag(conn, tag_id, tag)
    config.bind_tag_cadence(conn, tag_id, tag)
    return tag_id


def is_tag(conn: sqlite3.Connection, name: str) -> bool:
    """Whether a tag of this name (ignoring case) exists."""
    return _tag_id(conn, name.strip(), create=False) is not None


def bind_names(conn: sqlite3.Connection) -> None:
    """Stored filters, rules and cadences that name an existing tag by name (a file restored
    from an older export) name it by id, so a rename is one UPDATE for them too."""
    for tag_id, name in conn.execute("SELECT id, name FROM tags ORDER BY id").fetchall():
        filters.bind_tag(conn, tag_id, name)
        config.bind_tag_cadence(conn, tag_id, name)


def add_tag(
    conn: sqlite3.Connection, tag: str, customer_ids: Iterable[int]
) -> tuple[str, list[int]]:
    """Tag customers; returns the tag as stored and the ids that did not have it before."""
    tag_id = _tag_id(conn, tag, create=True)
    stamp = clock.timestamp()
    added = []
    for customer_id in customer_ids:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO customer_tags (customer_id, tag_id, tagged_at) VALUES (?, ?, ?)",
            (customer_id, tag_id, stamp),
        )
        if cursor.rowcount:
            added.append(customer_id)
    stored = conn.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]
    return stored, added


def remove_tag(conn: sqlite3.Connection, tag: str, customer_ids: Iterable[int]) -> list[int]:
    """Untag customers; returns the ids that had the tag. An unknown tag is NotFound."""
    tag_id = _tag_id(conn, tag, create=False)
    if tag_id is None:
        raise NotFound(_("no tag {tag!r}").format(tag=tag))
    removed = []
    for customer_id in customer_ids:
        cursor = conn.execute(
            "DELETE FROM customer_tags WHERE customer_id = ? AND tag_id = ?", (customer_id, tag_id)
        )
        if cursor.rowcount:
            removed.append(customer_id)
    return removed


def delete_tag(conn: sqlite3.Connection, tag_id: int) -> None:
    """Delete tag `tag_id` (its customers lose it); stored filters, rules and its cadence
    name it by its last name again."""
    row = conn.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()
    if row is None:
        return
    filters.unbind_tag(conn, tag_id, row[0])
    config.unbind_tag_cadence(conn, tag_id, row[0])
    conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))


def _place(owner: str) -> Said:
    """A stored filter's owner as filters.tag_users names it (`segment vips`, `rule 2`,
    `care rule 1`), kept in English and said in the run's language (`分组 vips`)."""
    for prefix, said in (
        ("care rule ", lambda name: Said("care rule {name}", name=name)),
        ("rule ", lambda name: Said("rule {name}", name=name)),
        ("segment ", lambda name: Said("segment {name}", name=name)),
    ):
        if owner.startswith(prefix):
            return said(owner.removeprefix(prefix))
    return Said(owner)


def rename_tag(
    conn: sqlite3.Connection, old: str, new: str
) -> tuple[int, list[Said], str | None] | None:
    """Rename a tag, merging it into `new` when that exists. Saved segments, rules, care rules
    and the `cadence.tag.NAME` setting name tags by id, so a rename is one UPDATE of the tags
    table; a merge points them at `new`. Run it inside the caller's transaction.

    Returns how many live customers are now tagged `new`, the segments and rules that name
    the tag (`["segment vips", "rule 2", "care rule 1"]`: they now show `new`), and what
    happened to the cadence setting, in words (None when OLD had none); None when the tag is
    already called `new` exactly (a rename to itself is harmless, as tagging twice is).
    The tag a rule gave stays rule-given after a merge only where the customer had no
    hand-set copy of either tag: a rule never takes away a tag someone set by hand.
    """
    if not old.strip():
        raise InvalidInput(_("tag cannot be empty"))
    old_id = _tag_id(conn, old, create=False)
    if old_id is None:
        raise NotFound(_("no tag {old!r}").format(old=old))
    old_name = conn.execute("SELECT name FROM tags WHERE id = ?", (old_id,)).fetchone()[0]
    if old_name == new:
        return None
    also = [_place(owner) for owner in filters.tag_users(conn, old_id)]
    new_id = _tag_id(conn, new, create=False)
    if new_id is None or new_id == old_id:
        cadence = config.tag_cadence_renamed(conn, old_id, old_name, new)
        conn.execute("UPDATE tags SET name = ? WHERE id = ?", (new, old_id))
        new_id = old_id
    else:
        new_name = conn.execute("SELECT name FROM tags WHERE id = ?", (new_id,)).fetchone()[0]
        cadence = config.merge_tag_cadence(conn, old_id, old_name, new_id, new_name)
        filters.merge_tag(conn, old_id, new_id)
        # rule-given on the merged tag: given by a rule on every side the customer had
        conn.execute(
            "DELETE FROM rule_tags WHERE tag_id = :new AND customer_id IN ("
            "SELECT customer_id FROM customer_tags WHERE tag_id = :old EXCEPT "
            "SELECT customer_id FROM rule_tags WHERE tag_id = :old)",
            {"old": old_id, "new": new_id},
        )
        conn.execute(
            "INSERT OR IGNORE INTO rule_tags (customer_id, tag_id) "
            "SELECT customer_id, :new FROM rule_tags WHERE tag_id = :old "
            "AND customer_id NOT IN (SELECT customer_id FROM customer_tags WHERE tag_id = :new)",
            {"old": old_id, "new": new_id},
        )
        conn.execute(
            "INSERT OR IGNORE INTO customer_tags (customer_id, tag_id, tagged_at) "
            "SELECT customer_id, ?, tagged_at FROM customer_tags WHERE tag_id = ?",
            (new_id, old_id),
        )
        conn.execute("DELETE FROM tags WHERE id = ?", (old_id,))
    count = conn.execute(  # live customers, as `crm tags` counts them
        "SELECT count(*) FROM customer_tags ct JOIN customers c ON c.id = ct.customer_id "
        "WHERE ct.tag_id = ? AND c.archived_at IS NULL",
        (new_id,),
    ).fetchone()[0]
    return count, also, cadence


class TagCount(TypedDict):
    """A tag and how many live customers carry it, as `crm tags` lists it."""

    tag: str
    customers: int


TAG_COLUMNS = tuple(TagCount.__annotations__)


def list_tags(conn: sqlite3.Connection) -> list[TagCount]:
    """Every tag with how many live customers carry it, most used first."""
    return [
        cast(TagCount, dict(r))
        for r in conn.execute(
            "SELECT t.name AS tag, count(c.id) AS customers FROM tags t "
            "LEFT JOIN customer_tags ct ON ct.tag_id = t.id "
            "LEFT JOIN customers c ON c.id = ct.customer_id AND c.archived_at IS NULL "
            "GROUP BY t.id ORDER BY customers DESC, t.name"
        )
    ]


def customer_tags(conn: sqlite3.Connection, customer_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
            "WHERE ct.customer_id = ? ORDER BY t.name",
            (customer_id,),
        )
    ]


def set_stage(
    conn: sqlite3.Connection,
    customer_id: int,
    stage: str,
    *,
    at: datetime | None = None,
    reason: str | None = None,
    new: bool = False,
) -> bool:
    """Move a customer to `stage` (already validated); returns False when already there.
    `new`: the customer was just added, so has no stage and no stage change yet (an import
    of many: two reads fewer a row)."""
    row = (
        (None,)
        if new
        else conn.execute("SELECT stage FROM customers WHERE id = ?", (customer_id,)).fetchone()
    )
    if row is None:
        raise NotFound(_("no customer with id {customer_id}").format(customer_id=customer_id))
    if row[0] == stage:
        return False
    moment = (at or clock.now()).replace(microsecond=0).isoformat()
    latest = (
        None
        if new
        else conn.execute(
            "SELECT max(changed_at) FROM stage_changes WHERE customer_id = ?", (customer_id,)
        ).fetchone()[0]
    )
    if latest and moment < latest:
        raise InvalidInput(
            _("--at {moment} is before the customer's last stage change ({latest})").format(
                moment=moment, latest=latest
            )
        )
    conn.execute(
        "INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, reason, "
        "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        (customer_id, row[0], stage, moment, reason, clock.timestamp()),
    )
    conn.execute(
        "UPDATE customers SET stage = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        (stage, clock.timestamp(), customer_id),
    )
    return True


class StageChange(TypedDict):
    """One move of a customer between stages, as `crm stage REF` lists it."""

    from_stage: str | None
    to_stage: str
    changed_at: str
    reason: str | None


STAGE_COLUMNS = tuple(StageChange.__annotations__)


def stage_history(conn: sqlite3.Connection, customer_id: int) -> list[StageChange]:
    """The customer's stage changes, oldest first."""
    return [
        cast(StageChange, dict(r))
        for r in conn.execute(
            "SELECT from_stage, to_stage, changed_at, reason FROM stage_changes "
            "WHERE customer_id = ? ORDER BY changed_at, id",
            (customer_id,),
        )
    ]
