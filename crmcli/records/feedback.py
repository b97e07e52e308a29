"""Feedback from customers: complaints, suggestions, praise and questions, open or resolved.

An item was received at a moment (`received_at`, ISO 8601 with the local offset of that
moment), has a kind, a severity (low, normal, high) and a text. It is open until resolved
(`resolved_at`, with an optional note, `resolution`); reopening clears both, and resolving
again later measures the time to resolve from the original `received_at`.

The response target (setting `feedback.response_target`, default 24h) is how soon an item
should be answered: an open item is *past the target* when its age (now - received_at)
exceeds it; a resolved one was *late* when its time to resolve did.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, TypedDict, cast

from crmcli.core import clock, dates, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import N_, _
from crmcli.records import refs

KINDS = ("complaint", "suggestion", "praise", "question")
SEVERITIES = ("low", "normal", "high")
# The words a Chinese table shows (投诉, 表扬...) are read back by validate.choice.
_KIND_WORDS = {k: k for k in KINDS}
_SEVERITY_WORDS = {s: s for s in SEVERITIES}


class Feedback(TypedDict):
    """One feedback item as services hand it to the command line."""

    id: int
    received_at: str  # ISO 8601 with the local offset of that moment
    customer_id: int
    customer_name: str
    kind: str  # one of KINDS
    severity: str  # one of SEVERITIES
    status: str  # open or resolved
    text: str
    resolved_at: str | None
    resolution: str | None
    hours_to_resolve: float | None
    created_at: str
    updated_at: str


# Columns of `crm feedback list` (and its JSON/CSV keys), in order.
COLUMNS = tuple(Feedback.__annotations__)


def clean_kind(value: str) -> str:
    return validate.choice("kind", value, _KIND_WORDS)


def clean_severity(value: str) -> str:
    return validate.choice(N_("severity"), value, _SEVERITY_WORDS)


def moment(text: str, now: datetime, option: str = "--at") -> str:
    """A past (or present) local date-time from user text, ISO 8601 to the second."""
    value = dates.parse_datetime(text, now, direction="past").replace(microsecond=0)
    if value > now:
        raise InvalidInput(
            _("{option} {value} is in the future").format(option=option, value=value.isoformat())
        )
    return value.isoformat()


def seconds_between(start: str, end: str) -> int:
    """Whole seconds from one stored timestamp to another (instants, offsets applied)."""
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def target_seconds(conn: sqlite3.Connection) -> int:
    """The response target (setting `feedback.response_target`) in seconds."""
    from crmcli.records.config import get_setting

    stored = get_setting(conn, "feedback.response_target") or "24h"
    return int(dates.parse_duration(stored).total_seconds())


def add_feedback(
    conn: sqlite3.Connection,
    customer_id: int,
    *,
    kind: str,
    severity: str,
    text: str,
    received_at: str | None = None,
) -> int:
    """Insert a feedback item from clean values; returns its id."""
    stamp = clock.timestamp()
    cursor = conn.execute(
        "INSERT INTO feedback (customer_id, kind, severity, text, received_at, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (customer_id, kind, severity, text, received_at or stamp, stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


_SELECT = (
    "SELECT f.id, f.received_at, f.customer_id, c.name AS customer_name, f.kind, f.severity, "
    "f.text, f.resolved_at, f.resolution, f.created_at, f.updated_at "
    "FROM feedback f JOIN customers c ON c.id = f.customer_id"
)


def _shape(row: sqlite3.Row) -> Feedback:
    from crmcli.reports.models.nps import hours

    record = dict(row)
    resolved = record["resolved_at"]
    record["status"] = "resolved" if resolved else "open"
    taken = seconds_between(record["received_at"], resolved) if resolved else None
    record["hours_to_resolve"] = number(hours(taken))
    return cast(Feedback, record)


def number(value: Any) -> float | None:
    """A rounded Decimal as a JSON number (one decimal place, so the float is exact enough)."""
    return None if value is None else float(value)


def get_feedback(conn: sqlite3.Connection, feedback_id: int) -> Feedback:
    """One feedback item with its customer's name, status and hours to resolve."""
    row = conn.execute(f"{_SELECT} WHERE f.id = ?", (feedback_id,)).fetchone()
    if row is None:
        raise NotFound(_("no feedback with id {feedback_id}").format(feedback_id=feedback_id))
    return _shape(row)


def list_feedback(
    conn: sqlite3.Connection,
    *,
    customer_id: int | None = None,
    open_only: bool = False,
    kinds: list[str] | None = None,
    severities: list[str] | None = None,
    limit: int | None = None,
) -> list[Feedback]:
    """Feedback items, newest first (COLUMNS keys). Archived customers' items only when
    `customer_id` names one."""
    clauses, params = refs.whose(customer_id, "f.customer_id", live=True)
    if open_only:
        clauses.append("f.resolved_at IS NULL")
    for column, values, clean in (("kind", kinds, clean_kind), ("severity", severities,
                                                                clean_severity)):  # fmt: skip
        if values:
            chosen = sorted({clean(v) for v in values})
            clauses.append(f"f.{column} IN ({', '.join('?' for _ in chosen)})")
            params += chosen
    sql = (
        f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY datetime(f.received_at) DESC, f.id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_shape(row) for row in conn.execute(sql, params)]


def resolve_feedback(
    conn: sqlite3.Connection, feedback_id: int, *, note: str | None, at: str | None
) -> bool:
    """Resolve an open item (now, or at `at`); returns False when it was already resolved.

    Raises NotFound for an unknown id, InvalidInput when `at` is before it was received.
    """
    record = get_feedback(conn, feedback_id)
    if record["resolved_at"] is not None:
        return False
    when = at or clock.timestamp()
    if seconds_between(record["received_at"], when) < 0:
        raise InvalidInput(
            _("--at {when} is before feedback {feedback_id} was received ({received_at})").format(
                when=when, feedback_id=feedback_id, received_at=record["received_at"]
            )
        )
    conn.execute(
        "UPDATE feedback SET resolved_at = ?, resolution = ?, updated_at = ? WHERE id = ?",
        (when, note, clock.timestamp(), feedback_id),
    )
    return True


def reopen_feedback(conn: sqlite3.Connection, feedback_id: int) -> bool:
    """Reopen a resolved item (its note is cleared); returns False when it was open."""
    record = get_feedback(conn, feedback_id)
    if record["resolved_at"] is None:
        return False
    conn.execute(
        "UPDATE feedback SET resolved_at = NULL, resolution = NULL, updated_at = ? WHERE id = ?",
        (clock.timestamp(), feedback_id),
    )
    return True


def delete_feedback(conn: sqlite3.Connection, feedback_id: int) -> Feedback:
    """Delete an item for good; returns what was deleted. Raises NotFound."""
    record = get_feedback(conn, feedback_id)
    conn.execute("DELETE FROM feedback WHERE id = ?", (feedback_id,))
    return record


class LateFeedback(TypedDict):
    """An open high-severity item older than the response target (for `crm remind`)."""

    feedback_id: int
    received_at: str
    customer_id: int
    kind: str
    severity: str
    text: str
    hours_open: int  # whole hours, rounded down
    hours_past_target: int


def past_target(conn: sqlite3.Connection, now: datetime) -> list[LateFeedback]:
    """Open high-severity items of live customers older than the response target, oldest
    first; each with `hours_open` and `hours_past_target` (whole hours, rounded down)."""
    target = target_seconds(conn)
    rows = conn.execute(
        "SELECT f.id AS feedback_id, f.received_at, f.customer_id, f.kind, f.severity, f.text "
        "FROM feedback f JOIN customers c ON c.id = f.customer_id "
        "WHERE f.resolved_at IS NULL AND f.severity = 'high' AND c.archived_at IS NULL "
        "ORDER BY datetime(f.received_at), f.id"
    )
    found: list[LateFeedback] = []
    for row in rows:
        age = int((now - datetime.fromisoformat(row["received_at"])).total_seconds())
        if age > target:
            record = dict(row)
            record["hours_open"] = age // 3600
            record["hours_past_target"] = (age - target) // 3600
            found.append(cast(LateFeedback, record))
    return found


def open_for_customer(conn: sqlite3.Connection, customer_id: int) -> list[Feedback]:
    """A customer's open items, newest first (for `crm show`)."""
    return list_feedback(conn, customer_id=customer_id, open_only=True)
