"""The filter language for selecting customers, implemented once for every command.

`CustomerFilter` holds what the user typed (`--where "field op value"`, `--tag`,
`--stage`, shortcuts such as `--city`, creation dates); `build()` turns it into a Query.

Field names map through a whitelist (FIELDS) to SQL expressions; user-defined fields are
accepted by name when some customer has them. Values are always bound parameters. An
unknown field or operator is a usage error (InvalidInput), never a silent constant.
Operators: = != < <= > >= and ~ (contains). Text compares ignore ASCII case.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from crmcli.core.errors import InvalidInput

# user word -> SQL expression over `customers c`
FIELDS: dict[str, str] = {
    name: f"c.{name}"
    for name in (
        "id",
        "name",
        "kind",
        "company",
        "title",
        "gender",
        "birthday",
        "address",
        "city",
        "region",
        "country",
        "industry",
        "company_size",
        "source",
        "notes",
        "external_id",
        "referred_by",
        "preferred_channel",
        "preferred_time",
        "cadence_days",
        "created_at",
        "updated_at",
        "archived_at",
        "stage",
        "birthday_lunar",
        "cadence_max_days",
    )
}
NUMERIC = {"id", "referred_by", "cadence_days", "cadence_max_days"}
CHILD_FIELDS = {
    "phone": ("customer_phones", "phone"),
    "email": ("customer_emails", "email_key"),
}
TAG_MATCH = (
    "EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
    "WHERE ct.customer_id = c.id AND t.name {test})"
)
SORTABLE = {**FIELDS, "name": "c.name_key"}
# Derived classes and purchase facts (reports.classes): computed only when a filter names one.
DERIVED = (
    "lifecycle",
    "abc",
    "frequency_tier",
    "value_tier",
    "purchase_days",
    "purchase_days_12m",
    "days_since_purchase",
    "revenue_12m",
    "first_purchase_on",
    "last_purchase_on",
)
# The options that select on a derived class.
DERIVED_OPTIONS = ("lifecycle", "abc", "frequency_tier", "value_tier")
OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "~")
_WHERE = re.compile(r"\s*([^\W\d][\w.\-]*)\s*(!=|<=|>=|==|=|<|>|~)\s*(.*?)\s*", re.DOTALL)
DATE_FIELDS = {"birthday", "created_at", "updated_at", "archived_at"}


@dataclass
class Query:
    """WHERE clauses (joined by AND) with their parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    conn: sqlite3.Connection | None = None  # to check values such as stage names
    # Tests on derived classes (crmcli.reports.classes), resolved to ids at the end of build().
    derived: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def add_where(
    query: Query,
    expression: str,
    custom_keys: set[str],
    *,
    region: str | None,
    conn: sqlite3.Connection | None = None,
) -> None:
    """Parse one `field op value` expression into `query`; raises InvalidInput."""
    match = _WHERE.fullmatch(expression)
    if not match:
        raise InvalidInput(
            f"cannot read --where {expression!r}; write FIELD OP VALUE with OP one of "
            + " ".join(OPERATORS)
        )
    name, op, value = match.group(1), match.group(2), _unquote(match.group(3))
    conn = conn if conn is not None else query.conn
    if op == "==":
        op = "="
    if value[:1] in ("=", "~", "<", ">", "!"):
        raise InvalidInput(
            f"cannot read --where {expression!r}: the value starts with {value[0]!r}; "
            "operators are " + " ".join(OPERATORS)
        )
    if name in DERIVED:
        from crmcli.reports.classes import predicate

        query.derived.append(predicate(name, op, value, conn))
        return
    if name in FIELDS:
        column = FIELDS[name]
        if name in DATE_FIELDS and op != "~":
            from crmcli.core import clock, dates

            day = dates.parse_date(value, clock.today()).isoformat()
            query.add(f"substr({column}, 1, 10) {op} ?", day)
            return
        if name == "stage" and op in ("=", "!="):
            from crmcli.records.tags import clean_stage

            value = clean_stage(query.conn, value) if query.conn is not None else value
        if name in NUMERIC:
            if op == "~" or not re.fullmatch(r"-?\d+", value):
                raise InvalidInput(f"{name} is a number; compare it with = != < <= > >= and digits")
            query.add(f"{column} {op} ?", int(value))
        elif op == "~":
            query.add(f"{column} LIKE ? ESCAPE '\\'", _like(value))
        elif op == "!=":
            query.add(f"({column} IS NULL OR {column} != ? COLLATE NOCASE)", value)
        else:
            query.add(f"{column} {op} ? COLLATE NOCASE", value)
        return
    if name == "tag":
        if op not in ("=", "!=", "~"):
            raise InvalidInput("tag takes = != or ~ only")
        if op == "~":
            query.add(TAG_MATCH.format(test="LIKE ? ESCAPE '\\'"), _like(value))
        else:
            negate = "NOT " if op == "!=" else ""
            query.add(negate + TAG_MATCH.format(test="= ? COLLATE NOCASE"), value)
        return
    if name in CHILD_FIELDS:
        table, column = CHILD_FIELDS[name]
        if op not in ("=", "!=", "~"):
            raise InvalidInput(f"{name} takes = != or ~ only")
        value = _normalise_child(name, value, op, region)
        test = f"x.{column} LIKE ? ESCAPE '\\'" if op == "~" else f"x.{column} = ?"
        param = _like(value) if op == "~" else value
        negate = "NOT " if op == "!=" else ""
        query.add(
            f"{negate}EXISTS (SELECT 1 FROM {table} x WHERE x.customer_id = c.id AND {test})", param
        )
        return
    if name in custom_keys:
        if op == "~":
            test, param = "f.value LIKE ? ESCAPE '\\'", _like(value)
        else:
            test, param = f"f.value {'=' if op == '!=' else op} ? COLLATE NOCASE", value
        negate = "NOT " if op == "!=" else ""
        query.add(
            f"{negate}EXISTS (SELECT 1 FROM customer_fields f "
            f"WHERE f.customer_id = c.id AND f.key = ? AND {test})",
            name,
            param,
        )
        return
    raise InvalidInput(
        f"unknown field {name!r} in --where; known fields: {known_fields(custom_keys)}"
    )


def _normalise_child(name: str, value: str, op: str, region: str | None) -> str:
    from crmcli.core import validate

    if name == "email":
        return value.casefold() if op == "~" else validate.email(value)[1]
    if op == "~":
        return re.sub(r"[^\d+]", "", value)
    return validate.phone(value, region)


def known_fields(custom_keys: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    return ", ".join([*FIELDS, *CHILD_FIELDS, "tag", *DERIVED, *sorted(custom_keys)])


def order_by(sort: str | None) -> str:
    """`name` or `-name` (descending) from the whitelist, as an ORDER BY clause."""
    if not sort:
        return "c.id"
    descending = sort.startswith("-")
    name = sort.lstrip("-+").strip()
    if name not in SORTABLE:
        raise InvalidInput(f"cannot sort by {name!r}; sortable fields: {', '.join(SORTABLE)}")
    direction = " DESC" if descending else ""
    # NULLs last either way, then id for a stable order.
    return f"{SORTABLE[name]} IS NULL, {SORTABLE[name]}{direction}, c.id"


@dataclass
class CustomerFilter:
    """What a user typed to select customers; every value still a string."""

    where: list[str] | None = None
    tag: list[str] | None = None
    without_tag: list[str] | None = None
    stage: list[str] | None = None
    city: str | None = None
    company: str | None = None
    source: str | None = None
    kind: str | None = None
    created_since: str | None = None
    created_until: str | None = None
    lifecycle: list[str] | None = None
    abc: list[str] | None = None
    frequency_tier: list[str] | None = None
    value_tier: list[str] | None = None
    segment: list[str] | None = None
    archived: bool = False

    def saved(self) -> dict[str, Any]:
        """The options that were given, as a saved segment or rule keeps them (JSON)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "archived" and getattr(self, f.name)
        }

    def is_empty(self) -> bool:
        """True when nothing narrows the selection (archived alone does not)."""
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "archived")


def build(
    conn: sqlite3.Connection,
    selection: CustomerFilter,
    *,
    today: date,
    cache: dict[Any, Any] | None = None,
    _seen: tuple[str, ...] = (),
) -> Query:
    """The Query for `selection`; raises InvalidInput for an unknown field or bad value.

    Derived classes (`--lifecycle`, `--where "abc = A"`...) are computed for the live (or,
    with --archived, the archived) customers as of `today` only when one is asked for, and
    become an id list (`cache`, a dict, keeps them for several builds in one command). A
    saved segment (`--segment`) adds its own filter.
    """
    from crmcli.core import dates, validate
    from crmcli.records.config import get_setting
    from crmcli.records.customers import custom_field_keys

    region = get_setting(conn, "default_region")
    custom = custom_field_keys(conn)
    query = Query(conn=conn)
    query.add("c.archived_at IS NOT NULL" if selection.archived else "c.archived_at IS NULL")
    for expression in selection.where or []:
        add_where(query, expression, custom, region=region, conn=conn)
    for name in ("city", "company", "source"):
        value = getattr(selection, name)
        if value is not None:
            add_where(query, f"{name} = {value}", custom, region=region)
    for name in DERIVED_OPTIONS:
        wanted = getattr(selection, name)
        if wanted:
            from crmcli.reports.classes import clean_class, wants

            query.derived.append(wants(name, {clean_class(name, v) for v in wanted}))
    for segment in selection.segment or []:
        from crmcli.records.segments import segment_filter

        key = segment.strip().casefold()
        if key in _seen:
            raise InvalidInput(f"segment {segment!r} refers to itself")
        inner = segment_filter(conn, segment)
        inner.archived = selection.archived
        sub = build(conn, inner, today=today, cache=cache, _seen=(*_seen, key))
        query.add(f"({sub.sql()})", *sub.params)
    if selection.kind is not None:
        query.add("c.kind = ?", validate.choice("kind", selection.kind, validate.KINDS))
    for tag in selection.tag or []:
        query.add(TAG_MATCH.format(test="= ? COLLATE NOCASE"), tag.strip())
    for tag in selection.without_tag or []:
        query.add("NOT " + TAG_MATCH.format(test="= ? COLLATE NOCASE"), tag.strip())
    if selection.stage:
        from crmcli.records.tags import clean_stage

        wanted = [clean_stage(conn, s) for s in selection.stage]
        query.add(f"c.stage IN ({', '.join('?' * len(wanted))})", *wanted)
    if selection.created_since:
        day = dates.parse_date(selection.created_since, today).isoformat()
        query.add("substr(c.created_at, 1, 10) >= ?", day)
    if selection.created_until:
        day = dates.parse_date(selection.created_until, today).isoformat()
        query.add("substr(c.created_at, 1, 10) <= ?", day)
    if query.derived:
        import json

        from crmcli.reports.classes import matching

        # Records are streamed and only the matching ids kept; `cache` keeps those per
        # set of tests, for several builds of the same filter in one command.
        key = (today, selection.archived, tuple(selection.where or ()),
               *(tuple(getattr(selection, n) or ()) for n in DERIVED_OPTIONS))  # fmt: skip
        cache = {} if cache is None else cache
        if key not in cache:
            cache[key] = matching(conn, today, query.derived, archived=selection.archived)
        ids = cache[key]
        query.add("c.id IN (SELECT value FROM json_each(?))", json.dumps(sorted(ids)))
        query.derived = []
    return query


def matching_ids(
    conn: sqlite3.Connection,
    selection: CustomerFilter,
    *,
    today: date,
    cache: dict[Any, Any] | None = None,
) -> list[int]:
    """Ids of the customers `selection` picks, in id order."""
    query = build(conn, selection, today=today, cache=cache)
    return [
        r[0]
        for r in conn.execute(
            f"SELECT c.id FROM customers c WHERE {query.sql()} ORDER BY c.id", query.params
        )
    ]


def names_among(conn: sqlite3.Connection, query: Query, ids: list[int]) -> dict[int, str]:
    """{id: name} of those of `ids` (at most 500) that `query` selects."""
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT c.id, c.name FROM customers c WHERE c.id IN ({marks}) AND {query.sql()}",
        [*ids, *query.params],
    )
    return dict(rows.fetchall())


def same_tag(a: str, b: str) -> bool:
    """True when two tag names are one tag: equal ignoring ASCII case, as the tags table
    and the `--tag` filter compare them (SQLite's NOCASE)."""
    return a.strip().encode().lower() == b.strip().encode().lower()


def rename_tag(saved: dict[str, Any], old: str, new: str) -> dict[str, Any] | None:
    """A saved filter (CustomerFilter.saved() as JSON: a segment, a rule, a care rule) with
    tag `old` renamed to `new` in `--tag`, `--without-tag` and `--where "tag = OLD"` (or
    `!=`); None when it does not name `old`. `--where "tag ~ TEXT"` searches text and is
    left as written."""
    out = dict(saved)
    changed = False
    for key in ("tag", "without_tag"):
        names = out.get(key)
        if names and any(same_tag(n, old) for n in names):
            renamed = [new if same_tag(n, old) else n for n in names]
            out[key] = list(dict.fromkeys(renamed))  # a merge may make two the same
            changed = True
    expressions = []
    for expression in out.get("where") or []:
        match = _WHERE.fullmatch(expression)
        if (
            match
            and match.group(1) == "tag"
            and match.group(2) in ("=", "==", "!=")
            and same_tag(_unquote(match.group(3)), old)
        ):
            # a name that looks quoted itself goes inside the other quotes (see _unquote)
            quote = "'" if new[:1] == new[-1:] == '"' else '"'
            value = f"{quote}{new}{quote}" if new[:1] == new[-1:] in ("'", '"') else new
            expression = f"tag {match.group(2)} {value}"
            changed = True
        expressions.append(expression)
    if expressions:
        out["where"] = expressions
    return out if changed else None
