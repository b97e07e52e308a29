"""Interactions: each logged contact with a customer (call, email, meeting, visit, message)
and internal notes about them.

An interaction happened at a moment (`occurred_at`, ISO 8601 with the local offset of that
moment) and has a kind, an optional direction, duration in minutes, channel and outcome,
and a text. `prepare()` turns what a user typed into clean column values once; the other
functions take those values and run inside the caller's transaction.

What counts as contact, and a customer's last contact, is crmcli.records.contact: every
kind but a note, as the `contact.counts` setting says.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypedDict, cast

from crmcli.core import clock, dates, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import N_, _
from crmcli.core.vocabulary import understood, word
from crmcli.records import edits, refs
from crmcli.records.contact import CONTACT_KINDS

KINDS = (*CONTACT_KINDS, "note")
DIRECTIONS = {
    "in": "in",
    "inbound": "in",
    "incoming": "in",
    "out": "out",
    "outbound": "out",
    "outgoing": "out",
}
MAX_DURATION_MINUTES = 7 * 24 * 60
# Fields `interaction edit --unset` may clear (kind, time and text are required).
UNSETTABLE = ("direction", "duration", "channel", "outcome")
UNSET_CLEARS = {name: ("duration_minutes" if name == "duration" else name,) for name in UNSETTABLE}


class Interaction(TypedDict):
    """One logged contact as services hand it to the command line (COLUMNS keys)."""

    id: int
    occurred_at: str  # ISO 8601 with the local offset of that moment
    customer_id: int
    customer_name: str
    kind: str
    direction: str | None
    duration_minutes: int | None
    channel: str | None
    outcome: str | None
    text: str
    created_at: str
    updated_at: str


# Columns of `crm interactions` (and its JSON/CSV keys), in order.
COLUMNS = tuple(Interaction.__annotations__)


@dataclass
class InteractionInput:
    """What a user typed for `crm log` / `crm interaction edit`; strings, None when not given."""

    kind: str | None = None
    text: str | None = None
    at: str | None = None
    direction: str | None = None
    duration: str | None = None
    channel: str | None = None
    outcome: str | None = None
    unset: list[str] = field(default_factory=list)


class InteractionValues(TypedDict, total=False):
    """Validated column values to write: only those given (None clears a field)."""

    kind: str
    text: str
    occurred_at: str
    direction: str | None
    duration_minutes: int | None
    channel: str | None
    outcome: str | None


# Channels a message goes by (crmcli.core.vocabulary's channels): typed as a kind (`crm log
# 微信 张伟 ...`), they are refused with the way to write them, as a kind is not guessed.
_MESSAGE_CHANNELS = ("wechat", "sms")


def kind(value: str) -> str:
    """The interaction kind `value` names (a key, or the word a table shows for it: `电话`
    is `call`); InvalidInput listing the kinds, or for a channel a message goes by (`微信`,
    `短信`) saying to write the kind message with that channel."""
    if understood("kind", value) not in KINDS and understood("channel", value) in _MESSAGE_CHANNELS:
        raise InvalidInput(
            _(
                "{value!r} is a channel, not a kind of interaction; write {kind} --channel {value}"
            ).format(value=value.strip(), kind=word("kind", "message"))
        )
    return validate.choice("kind", value, {k: k for k in KINDS})


# How a refusal names the fields a person types a time or a length into: crm log's options;
# an import names its file's columns instead.
OPTIONS = {"at": "--at", "duration": "--duration"}


def prepare(
    raw: InteractionInput, *, now: datetime, named: Mapping[str, str] = OPTIONS
) -> InteractionValues:
    """Validate `raw` into column values (only the fields given; None for unset ones).

    Raises InvalidInput naming the first bad value, the time and length as `named` says.
    """
    out: InteractionValues = {}
    if raw.kind is not None:
        out["kind"] = kind(raw.kind)
    if raw.text is not None:
        out["text"] = validate.text("text", raw.text, multiline=True)
    if raw.at is not None:
        moment = dates.parse_datetime(raw.at, now, direction="past").replace(microsecond=0)
        if moment.astimezone().date() > now.date():
            future = (
                _("--at {value} is in the future; plan it with 'crm task add'")
                if named["at"] == OPTIONS["at"]
                else _("{field} {value} is in the future: an interaction is one that happened")
            )
            raise InvalidInput(future.format(field=named["at"], value=moment.isoformat()))
        out["occurred_at"] = moment.isoformat()
    if raw.direction is not None:
        out["direction"] = validate.choice(N_("direction"), raw.direction, DIRECTIONS)
    if raw.duration is not None:
        length = dates.parse_duration(raw.duration, option=named["duration"])
        minutes = round(length.total_seconds() / 60)
        if minutes > MAX_DURATION_MINUTES:
            raise InvalidInput(
                _("{option} {duration!r} is longer than a week").format(
                    option=named["duration"], duration=raw.duration
                )
            )
        out["duration_minutes"] = minutes
    if raw.channel is not None:
        channel = validate.text("channel", raw.channel).casefold()
        out["channel"] = understood("channel", channel) or channel  # `微信` is `wechat`
    if raw.outcome is not None:
        out["outcome"] = validate.text("outcome", raw.outcome)
    out.update(edits.unset_columns(raw.unset, UNSET_CLEARS))  # type: ignore[typeddict-item]
    return out


def log_interaction(conn: sqlite3.Connection, customer_id: int, values: InteractionValues) -> int:
    """Insert an interaction from prepared values (kind and text required); returns its id.

    `occurred_at` defaults to now.
    """
    row = {k: v for k, v in values.items() if v is not None}
    for required in ("kind", "text"):
        if required not in row:
            raise InvalidInput(_("an interaction needs a {required}").format(required=required))
    row.setdefault("occurred_at", clock.timestamp())
    row["customer_id"] = customer_id
    row["created_at"] = row["updated_at"] = clock.timestamp()
    columns = list(row)
    cursor = conn.execute(
        f"INSERT INTO interactions ({', '.join(columns)}) "  # noqa: S608 - whitelisted columns
        f"VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )
    return int(cursor.lastrowid or 0)


_SELECT = (
    "SELECT i.id, i.occurred_at, i.customer_id, c.name AS customer_name, i.kind, i.direction, "
    "i.duration_minutes, i.channel, i.outcome, i.text, i.created_at, i.updated_at "
    "FROM interactions i JOIN customers c ON c.id = i.customer_id"
)


def get_interaction(conn: sqlite3.Connection, interaction_id: int) -> Interaction:
    """One interaction with its customer's name; raises NotFound."""
    row = conn.execute(f"{_SELECT} WHERE i.id = ?", (interaction_id,)).fetchone()
    if row is None:
        raise NotFound(
            _("no interaction with id {interaction_id}").format(interaction_id=interaction_id)
        )
    return cast(Interaction, dict(row))


def edit_interaction(
    conn: sqlite3.Connection,
    interaction_id: int,
    values: InteractionValues,
    *,
    customer_id: int | None = None,
) -> bool:
    """Apply prepared values (and a move to `customer_id`); returns whether anything changed.

    Raises NotFound for an unknown id.
    """
    before: dict[str, Any] = dict(get_interaction(conn, interaction_id))  # by column name
    changes = dict(values)
    if customer_id is not None:
        changes["customer_id"] = customer_id
    changes = {k: v for k, v in changes.items() if before[k] != v}
    if not changes:
        return False
    changes["updated_at"] = clock.timestamp()
    assignments = ", ".join(f"{c} = ?" for c in changes)
    conn.execute(
        f"UPDATE interactions SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted
        [*changes.values(), interaction_id],
    )
    return True


def delete_interaction(conn: sqlite3.Connection, interaction_id: int) -> Interaction:
    """Delete an interaction for good; returns the deleted record. Raises NotFound.

    A follow-up task it created stays (it no longer points to the interaction).
    """
    record = get_interaction(conn, interaction_id)
    conn.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
    return record


def local_midnight(day: date) -> str:
    """The instant local midnight starts `day`, as ISO 8601 with that moment's offset."""
    return datetime.combine(day, time(0, 0)).astimezone().isoformat()


def list_interactions(
    conn: sqlite3.Connection,
    *,
    customer_id: int | None = None,
    kinds: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> Iterator[Interaction]:
    """Stream interactions, newest first, COLUMNS keys each.

    `since`/`until` are local calendar dates, both inclusive. Interactions of archived
    customers are included only when `customer_id` names one.
    """
    clauses, params = refs.whose(customer_id, "i.customer_id", live=True)
    if kinds:
        clean = [kind(k) for k in kinds]
        clauses.append(f"i.kind IN ({', '.join('?' for _ in clean)})")
        params += clean
    # Stored offsets differ (daylight saving, travel): compare instants, via datetime().
    if since is not None:
        clauses.append("datetime(i.occurred_at) >= datetime(?)")
        params.append(local_midnight(since))
    if until is not None:
        clauses.append("datetime(i.occurred_at) < datetime(?)")
        params.append(local_midnight(until + timedelta(days=1)))
    sql = (
        f"{_SELECT} WHERE {' AND '.join(clauses) or '1'} "
        "ORDER BY datetime(i.occurred_at) DESC, i.id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    # The query runs now, so bad input fails before any output; rows stream from the cursor.
    return (cast(Interaction, dict(row)) for row in conn.execute(sql, params))
