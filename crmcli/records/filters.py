"""The filter language for selecting customers, implemented once for every command.

`CustomerFilter` holds what the user typed (`--where "field op value"`, `--tag`,
`--stage`, shortcuts such as `--city`, creation dates); `build()` turns it into a Query.

Field names map through a whitelist (FIELDS) to SQL expressions; user-defined fields are
accepted by name when some customer has them. Values are always bound parameters. An
unknown field or operator is a usage error (InvalidInput), never a silent constant.
Operators: = != < <= > >= and ~ (contains). Text compares ignore ASCII case.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from crmcli.core.errors import InvalidInput, NotFound

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
            from crmcli.records.config import clean_stage

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
        key = segment.strip().casefold()
        if key in _seen:
            raise InvalidInput(f"segment {segment!r} refers to itself")
        inner = saved_segment(conn, segment)
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
        from crmcli.records.config import clean_stage

        wanted = [clean_stage(conn, s) for s in selection.stage]
        query.add(f"c.stage IN ({', '.join('?' * len(wanted))})", *wanted)
    if selection.created_since:
        day = dates.parse_date(selection.created_since, today).isoformat()
        query.add("substr(c.created_at, 1, 10) >= ?", day)
    if selection.created_until:
        day = dates.parse_date(selection.created_until, today).isoformat()
        query.add("substr(c.created_at, 1, 10) <= ?", day)
    if query.derived:
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


# --- stored filters -------------------------------------------------------------------
# Saved segments (`segments.filter`), rules (`rules.filter`) and care rules
# (`care_rules.selection`) keep a filter as JSON: CustomerFilter.saved(), except that a tag
# that exists is kept by id, so that renaming it is one UPDATE of the tags table:
#   "tag", "without_tag": [{"id": 7, "typed": "VIP", "saved": "vip"}, "no-such-tag", ...]
#   "where": ["abc = A", {"id": 7, "text": "tag != VIP", "saved": "vip"}, ...]
# `typed` and `text` are what the user wrote, shown as long as the tag keeps the name it had
# (`saved`); after a rename the tag's name now is shown. A name that is no tag (yet) stays a
# string and selects by name, as it always did; when a tag of that name is made, bind_tag
# turns it into an id. `--where "tag ~ TEXT"` searches text and stays text.
STORED = (("segments", "filter"), ("rules", "filter"), ("care_rules", "selection"))
TAG_LISTS = ("tag", "without_tag")


def _tag_names(conn: sqlite3.Connection) -> dict[int, str]:
    return dict(conn.execute("SELECT id, name FROM tags").fetchall())


def _tag_equals(expression: str) -> tuple[str, str] | None:
    """(operator as typed, tag name) of `tag = NAME` / `==` / `!=`, else None."""
    match = _WHERE.fullmatch(expression)
    if match and match.group(1) == "tag" and match.group(2) in ("=", "==", "!="):
        return match.group(2), _unquote(match.group(3))
    return None


def _bind(item: Any, ids: dict[str, tuple[int, str]], where: bool) -> Any:
    """`item` of a stored filter with a tag name found in `ids` (NOCASE key) made an id."""
    if not isinstance(item, str):
        return item
    if where:
        parts = _tag_equals(item)
        found = ids.get(_nocase(parts[1])) if parts else None
        return {"id": found[0], "text": item, "saved": found[1]} if found else item
    found = ids.get(_nocase(item))
    return {"id": found[0], "typed": item, "saved": found[1]} if found else item


def _nocase(name: str) -> bytes:
    return name.strip().encode().lower()


def encode(conn: sqlite3.Connection, selection: CustomerFilter) -> str:
    """The stored form (JSON) of `selection`, tags that exist kept by id."""
    ids = {_nocase(name): (tag_id, name) for tag_id, name in _tag_names(conn).items()}
    saved = selection.saved()
    for key in TAG_LISTS:
        if key in saved:
            saved[key] = [_bind(item, ids, False) for item in saved[key]]
    if "where" in saved:
        saved["where"] = [_bind(item, ids, True) for item in saved["where"]]
    return json.dumps(saved, ensure_ascii=False, sort_keys=True)


def _shown(item: Any, names: dict[int, str]) -> str:
    """A stored tag name or `--where` expression as it reads today."""
    if isinstance(item, str):
        return item
    now = names.get(item["id"])
    if "text" in item:
        if now is None or now == item["saved"]:
            return item["text"]
        op = _tag_equals(item["text"])[0]  # type: ignore[index]
        # a name that looks quoted itself goes inside the other quotes (see _unquote)
        quote = "'" if now[:1] == now[-1:] == '"' else '"'
        return (
            f"tag {op} {quote}{now}{quote}"
            if now[:1] == now[-1:] in ("'", '"')
            else (f"tag {op} {now}")
        )
    return item["typed"] if now is None or now == item["saved"] else now


def load(conn: sqlite3.Connection, text: str) -> CustomerFilter:
    """A stored filter (JSON) as the options that make it today, tags by their names now."""
    data = json.loads(text)
    names = _tag_names(conn)
    known = {f.name for f in fields(CustomerFilter)} - {"archived"}
    selection = CustomerFilter(**{k: v for k, v in data.items() if k in known})
    for key in (*TAG_LISTS, "where"):
        items = getattr(selection, key)
        if items:
            setattr(selection, key, [_shown(item, names) for item in items])
    return selection


def _refers(data: dict[str, Any], tag_id: int) -> bool:
    items = [item for key in (*TAG_LISTS, "where") for item in data.get(key) or []]
    return any(isinstance(item, dict) and item["id"] == tag_id for item in items)


def tag_users(conn: sqlite3.Connection, tag_id: int) -> list[str]:
    """The saved segments, rules and care rules that name tag `tag_id` (or, for a rule, give
    it): `["segment vips", "rule 2", "care rule 1"]`."""
    found = [
        f"segment {name}"
        for name, text in conn.execute(
            "SELECT name, filter FROM segments ORDER BY name COLLATE NOCASE"
        )
        if _refers(json.loads(text), tag_id)
    ]
    found += [
        f"rule {rule_id}"
        for rule_id, gives, text in conn.execute("SELECT id, tag_id, filter FROM rules ORDER BY id")
        if gives == tag_id or _refers(json.loads(text), tag_id)
    ]
    found += [
        f"care rule {rule_id}"
        for rule_id, text in conn.execute("SELECT id, selection FROM care_rules ORDER BY id")
        if _refers(json.loads(text), tag_id)
    ]
    return found


def _rewrite(conn: sqlite3.Connection, change: Any) -> None:
    """Apply `change` (a stored filter's dict -> the new dict, or None) to every stored filter."""
    for table, column in STORED:
        rows = conn.execute(f"SELECT id, {column} FROM {table}").fetchall()
        for row_id, text in rows:
            new = change(json.loads(text))
            if new is not None:
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE id = ?",
                    (json.dumps(new, ensure_ascii=False, sort_keys=True), row_id),
                )


def bind_tag(conn: sqlite3.Connection, tag_id: int, name: str) -> None:
    """A new tag `name`: stored filters and rules that named it before it existed now name
    it by id (part of creating the tag, in its transaction)."""
    ids = {_nocase(name): (tag_id, name)}

    def change(data: dict[str, Any]) -> dict[str, Any] | None:
        new = dict(data)
        for key in TAG_LISTS:
            if new.get(key):
                new[key] = [_bind(item, ids, False) for item in new[key]]
        if new.get("where"):
            new["where"] = [_bind(item, ids, True) for item in new["where"]]
        return new if new != data else None

    _rewrite(conn, change)
    conn.execute(
        "UPDATE rules SET tag_id = ? WHERE tag_id IS NULL AND tag = ? COLLATE NOCASE",
        (tag_id, name),
    )


def merge_tag(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """Tag `old_id` merges into `new_id`: stored filters and rules naming it name `new_id`
    (part of `crm tag rename`, before `old_id` is deleted)."""

    def change(data: dict[str, Any]) -> dict[str, Any] | None:
        if not _refers(data, old_id):
            return None
        new = dict(data)
        for key in (*TAG_LISTS, "where"):
            items, seen = [], set()
            for item in new.get(key) or []:
                if isinstance(item, dict) and item["id"] == old_id:
                    item = {**item, "id": new_id}
                if isinstance(item, dict) and key in TAG_LISTS:
                    if item["id"] in seen:
                        continue  # the merge made two the same
                    seen.add(item["id"])
                items.append(item)
            if items:
                new[key] = items
        return new

    _rewrite(conn, change)
    conn.execute("UPDATE rules SET tag_id = ? WHERE tag_id = ?", (new_id, old_id))


def saved_segment(conn: sqlite3.Connection, name: str) -> CustomerFilter:
    """The filter saved as segment `name` (any case); NotFound when there is none."""
    row = conn.execute("SELECT filter FROM segments WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        raise NotFound(f"no segment {name.strip()!r}; see crm segment list")
    return load(conn, row[0])
