"""The filter language for selecting customers, implemented once for every command.

`CustomerFilter` holds what the user typed (`--where "field op value"`, `--tag`,
`--stage`, shortcuts such as `--city`, creation dates). `parse()` turns it into terms
(small value classes: Compare, HasTag, StageIn, Derived...), checking every field,
operator and value and resolving stages, dates and saved segments once; `compile_terms()`
turns terms into a Query over `customers c`, and `compile_for()` into one over the rows of
another table joined to `customers c` (purchases, tasks...). `build()` parses and compiles.

Field names map through a whitelist (FIELDS) to SQL expressions; user-defined fields are
accepted by name when some customer has them. Values are always bound parameters. An
unknown field or operator is a usage error (InvalidInput), never a silent constant.
Operators: = != < <= > >= and ~ (contains). Text compares ignore ASCII case.

Saved filters (segments, rules, care rules) are stored here too: see "stored filters".
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from crmcli.core import validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import _

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

# Fields whose values are one of a fixed set (typed word -> key), as `crm add` takes them.
CHOSEN = {"kind": validate.KINDS, "gender": validate.GENDERS}
CHILD_FIELDS = {
    "phone": ("customer_phones", "phone"),
    "email": ("customer_emails", "email_key"),
}
TAG_MATCH = (
    "EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
    "WHERE ct.customer_id = c.id AND t.name {test})"
)
# `pinyin`: the name in pinyin order (crmcli.core.searchtext.sort_key, kept by the search
# index); a customer whose key is not computed yet (changed by another program) by its name.
PINYIN_ORDER = (
    "coalesce((SELECT o.sort_key FROM search_name_order o WHERE o.customer_id = c.id), c.name_key)"
)
SORTABLE = {**FIELDS, "name": "c.name_key", "pinyin": PINYIN_ORDER}
# Text a Chinese run sorts as it sorts names, in pinyin order (`--sort 城市`: 北京 before 上海),
# by the SQL function `crm_pinyin` that `pinyin_order` gives the connection.
PINYIN_FIELDS = ("company", "title", "address", "city", "region", "country", "industry", "source")
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
# The customer's last contact (crmcli.records.contact, as `contact.counts` says): its local
# date, and the days from it to the day the filter is read for.
CONTACT_FIELDS = ("last_contact_on", "days_since_contact")
# The options that select on a derived class.
DERIVED_OPTIONS = ("lifecycle", "abc", "frequency_tier", "value_tier")
DATE_FIELDS = {"birthday", "created_at", "updated_at", "archived_at"}
# Every field `--where` names, in the order an error lists them (user-defined ones follow).
WHERE_FIELDS = (*FIELDS, *CHILD_FIELDS, "tag", *DERIVED, *CONTACT_FIELDS)


def field_key(name: str, custom_keys: set[str] | frozenset[str] = frozenset()) -> str:
    """The field a `--where` names: a key as it is (`city`, a user-defined `vip_level`), or
    the header a table shows for one (`城市` is `city`), or the label a card shows for a
    user-defined field crm named (`区县` is `district`); anything else as it is."""
    if name in WHERE_FIELDS or name in custom_keys:
        return name
    from crmcli.core.vocabulary import column_named

    return column_named(name, WHERE_FIELDS, custom_keys) or name


class Query:
    """WHERE clauses (joined by AND) over `customers c`, with their parameters."""

    __slots__ = ("clauses", "params")

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


# --- terms: what a filter says, parsed and checked once ------------------------------------


class _Term:
    """A term: its values, named by its `__slots__`. Equal to (and hashing like) a term of
    the same kind with the same values, so a tuple of terms can key a cache. Plain classes,
    not dataclasses or named tuples: defining one of those costs 0.1 to 0.4 ms, and every
    `crm show` and `crm list` loads this module."""

    __slots__ = ()

    def __init__(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a {type(self).__name__} term cannot be changed")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        same = type(other) is type(self)
        return same and other._values() == self._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        return type(self).__name__ + repr(self._values())


class Compare(_Term):
    """A customers column (a FIELDS key) against a value: a date field compares the day
    (value an ISO date; a birthday also `--MM-DD`, its month and day in any year), a NUMERIC
    one whole numbers, others text ignoring ASCII case; `~` is contains."""

    __slots__ = ("field", "op", "value")

    field: str
    op: str
    value: str | int


class StageIn(_Term):
    """The funnel stage is one of `stages` (as stored)."""

    __slots__ = ("stages",)

    stages: tuple[str, ...]


class HasTag(_Term):
    """Tagged `name` (op `=`), not tagged `name` (`!=`), or some tag contains it (`~`)."""

    __slots__ = ("op", "name")  # noqa: RUF023 - the order the values are given in

    op: str
    name: str


class Contact(_Term):
    """A phone or email of the customer (`field`) equals (`=`), contains (`~`) or, with
    `!=`, no phone or email equals `value` (normalised as stored)."""

    __slots__ = ("field", "op", "value")

    field: str
    op: str
    value: str


class Custom(_Term):
    """A user-defined field `key` against `value` (text, ignoring ASCII case)."""

    __slots__ = ("key", "op", "value")

    key: str
    op: str
    value: str


class Derived(_Term):
    """A derived class or purchase fact (crmcli.reports.classes) against a value."""

    __slots__ = ("name", "op", "value")

    name: str
    op: str
    value: str


class DerivedIn(_Term):
    """A derived class is one of `values` (`--lifecycle lapsed --lifecycle at_risk`)."""

    __slots__ = ("name", "values")

    name: str
    values: frozenset[str]


class LastContact(_Term):
    """The last contact's local date (`last_contact_on`, value an ISO date) or the days
    since it (`days_since_contact`, a whole number) against a value. A customer never
    contacted has neither: only `!=` holds for them (as for the purchase facts)."""

    __slots__ = ("field", "op", "value")

    field: str
    op: str
    value: str | int


class Archived(_Term):
    """Archived customers (True) or live ones (False): every filter says which."""

    __slots__ = ("archived",)

    archived: bool


Term = Compare | StageIn | HasTag | Contact | Custom | Derived | DerivedIn | LastContact | Archived


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# An unquoted value that ends in `and`/`or` (和, 或...), or goes on into another FIELD OP: a
# second comparison written into the first (the values of one --where hold no connectives).
# A Chinese connective or comma needs no space before the next field (`北京，阶段 = 线索`).
_NEXT = r"[^\W\d][\w.\-]*\s*(?:!=|<=|>=|==|=|<|>|~)"
_JOINED = (
    rf"(?i)\s(and|or|&&|\|\|)(?:\s*$|\s+{_NEXT})"
    rf"|\s(并且|或者|和|且|或)\s*$|\s*(，)\s*$|\s*(并且|或者|和|且|或|，)\s*{_NEXT}"
)


def parse_where(
    expression: str,
    custom_keys: set[str] | frozenset[str],
    *,
    region: str | None,
    today: date,
    conn: sqlite3.Connection | None = None,
) -> Term:
    """One `field op value` expression as a term; relative dates are read against `today`,
    stages checked against the stage list (with `conn`). Raises InvalidInput."""
    from crmcli.core.where import OPERATORS, WHERE, unquote

    typed = getattr(expression, "typed", expression)  # as the user typed it (where.Plain)
    match = re.fullmatch(WHERE, expression)
    if not match:
        raise InvalidInput(
            _(
                "cannot read --where {expression!r}; write FIELD OP VALUE with OP one of {ops}"
            ).format(expression=typed, ops=" ".join(OPERATORS))
        )
    name, op, value = (
        field_key(match.group(1), custom_keys),
        match.group(2),
        unquote(match.group(3)),
    )
    if op == "==":
        op = "="
    if not match.group(3):  # `city =`: a value left out, not an empty one ('' is written so)
        raise InvalidInput(
            _(
                "cannot read --where {expression!r}: no value after {op}; "
                'write FIELD OP VALUE, e.g. "city = 上海"'
            ).format(expression=typed.strip(), op=op)
        )
    joined = re.search(_JOINED, match.group(3)) if value == match.group(3) else None
    if joined:  # `city = 上海 and`, `city = 上海 and stage = lead`: not one comparison
        raise InvalidInput(
            _(
                "cannot read --where {expression!r}: one --where holds one comparison; give "
                "--where again for each (all must hold), or quote a value that has {word!r} in it"
            ).format(expression=typed.strip(), word=next(filter(None, joined.groups())))
        )
    if unicodedata.normalize("NFKC", value[:1]) in ("=", "~", "<", ">", "!"):  # ＜＞ too
        raise InvalidInput(
            _(
                "cannot read --where {expression!r}: the value starts with {start!r}; "
                "operators are {ops}"
            ).format(expression=typed, start=value[0], ops=" ".join(OPERATORS))
        )
    if name in DERIVED:
        from crmcli.reports.classes import predicate

        predicate(name, op, value, conn)  # refuses a bad operator or value now
        return Derived(name, op, value)
    if name in CONTACT_FIELDS:
        if op == "~":
            raise InvalidInput(_("{name} compares with = != < <= > >= only").format(name=name))
        if name == "days_since_contact":
            if not re.fullmatch(r"\d{1,6}", value):
                raise InvalidInput(
                    _("days_since_contact is a whole number of days (got {value!r})").format(
                        value=value
                    )
                )
            return LastContact(name, op, int(value))
        from crmcli.core import dates

        day = dates.parse_date(value, today, direction="past", option=name)
        return LastContact(name, op, day.isoformat())
    if name in FIELDS:
        if name in DATE_FIELDS and op != "~":
            from crmcli.core import dates

            if name == "birthday" and (day := dates.parse_yearless(value)):
                return Compare(name, op, day)  # compares the month and day only
            day = dates.parse_date(value, today, direction="past", option=name)
            return Compare(name, op, day.isoformat())
        if name == "stage" and op in ("=", "!=") and conn is not None:
            from crmcli.records.config import clean_stage

            value = clean_stage(conn, value)
        elif name in CHOSEN and op in ("=", "!="):  # one of a fixed set: any other is refused
            value = validate.choice(name, value, CHOSEN[name])
        elif op in ("=", "!=", "~"):  # one of crm's words as a table shows it (`kind = 机构`),
            # a province by the name crm stores (`省份 ~ 广东省` is `~ 广东`)
            from crmcli.core.vocabulary import understood

            value = understood(name, value) or value
        if name in NUMERIC:
            if op == "~" or not re.fullmatch(r"-?\d+", value):
                raise InvalidInput(
                    _("{name} is a number; compare it with = != < <= > >= and digits").format(
                        name=name
                    )
                )
            return Compare(name, op, int(value))
        return Compare(name, op, value)
    if name == "tag":
        if op not in ("=", "!=", "~"):
            raise InvalidInput(_("tag takes = != or ~ only"))
        return HasTag(op, value)
    if name in CHILD_FIELDS:
        if op not in ("=", "!=", "~"):
            raise InvalidInput(_("{name} takes = != or ~ only").format(name=name))
        return Contact(name, op, _normalise_child(name, value, op, region))
    if name in custom_keys:
        return Custom(name, op, value)
    raise InvalidInput(
        _("unknown field {name!r} in --where; {value}").format(
            name=name, value=known_fields(set(custom_keys), name)
        )
    )


def _normalise_child(name: str, value: str, op: str, region: str | None) -> str:
    from crmcli.core import validate

    if name == "email":
        return value.casefold() if op == "~" else validate.email(value)[1]
    if op == "~":
        digits = re.sub(r"[^\d+]", "", value)
        if not any(ch.isdigit() for ch in digits):  # would match every phone there is
            raise InvalidInput(
                _("phone ~ compares digits, and {value!r} has none").format(value=value)
            )
        return digits
    return validate.phone(value, region)


def known_fields(custom_keys: set[str], typed: str) -> str:
    """What a refusal of the unknown field `typed` in `--where` offers: the fields it may
    mean, else every field (`custom_keys`, the user-defined ones, last)."""
    from crmcli.core.vocabulary import fields_offered

    columns = [*WHERE_FIELDS, *sorted(custom_keys)]
    return fields_offered(typed, columns, _("known fields: {fields}"), custom_keys)


def order_by(sort: str | None, *, names_by_pinyin: bool = False) -> str:
    """`name` or `-name` (descending) from the whitelist, as an ORDER BY clause. With
    `names_by_pinyin` (the user's language is Chinese), `name` means `pinyin`, and the text
    of PINYIN_FIELDS sorts in pinyin order too (the connection needs `pinyin_order`)."""
    if not sort:
        return "c.id"
    import unicodedata

    sort = unicodedata.normalize("NFKC", sort)  # －城市, ＣＩＴＹ: as an input method types
    descending = sort.startswith("-")
    name = sort.lstrip("-+").strip()
    if name not in SORTABLE:
        from crmcli.core.vocabulary import column_named, fields_offered

        name = column_named(name, tuple(SORTABLE)) or name
    if name not in SORTABLE:
        listing = _("sortable fields: {fields}")
        raise InvalidInput(
            _("cannot sort by {name!r}; {value}").format(
                name=name, value=fields_offered(name, list(SORTABLE), listing)
            )
        )
    if name == "name" and names_by_pinyin:
        name = "pinyin"
    direction = " DESC" if descending else ""
    if name == "pinyin":  # never NULL
        return f"{PINYIN_ORDER}{direction}, c.id"
    column = SORTABLE[name]
    key = f"crm_pinyin({column})" if names_by_pinyin and name in PINYIN_FIELDS else column
    # NULLs last either way, then id for a stable order.
    return f"{column} IS NULL, {key}{direction}, c.id"


def pinyin_order(conn: sqlite3.Connection) -> None:
    """Give `conn` the SQL function `crm_pinyin(text)` that order_by sorts PINYIN_FIELDS by
    in a Chinese run: searchtext.sort_key, each distinct value read once."""
    from functools import lru_cache

    from crmcli.core.searchtext import sort_key

    key = lru_cache(maxsize=4096)(sort_key)
    conn.create_function(
        "crm_pinyin", 1, lambda text: None if text is None else key(str(text)), deterministic=True
    )


# A saved filter as JSON: CustomerFilter's given fields by name (tags as {"id", "name"}).
Saved = dict[str, Any]


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

    def saved(self) -> Saved:
        """The options that were given, as a saved segment or rule keeps them (JSON)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "archived" and getattr(self, f.name)
        }

    def is_empty(self) -> bool:
        """True when nothing narrows the selection (archived alone does not)."""
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "archived")


def parse(
    conn: sqlite3.Connection,
    selection: CustomerFilter,
    *,
    as_of: date,
    today: date,
    _seen: tuple[str, ...] = (),
) -> tuple[Term, ...]:
    """The terms `selection` means, every value checked and resolved; raises InvalidInput.

    `--created-since/--until` are read against `as_of` (the day derived classes are computed
    for), `--where` dates against the calendar day `today`. A saved segment (`--segment`)
    adds its own terms.
    """
    from crmcli.core import dates, validate
    from crmcli.records.config import clean_stage, get_setting
    from crmcli.records.customers import custom_field_keys

    region = get_setting(conn, "default_region")
    custom = custom_field_keys(conn)
    terms: list[Term] = [] if _seen else [Archived(selection.archived)]

    def where(expression: str) -> None:
        terms.append(parse_where(expression, custom, region=region, today=today, conn=conn))

    for expression in selection.where or []:
        where(expression)
    for name in ("city", "company", "source"):
        value = getattr(selection, name)
        if value is not None:
            where(f"{name} = {value}")
    for name in DERIVED_OPTIONS:
        wanted = getattr(selection, name)
        if wanted:
            from crmcli.reports.classes import clean_class

            terms.append(DerivedIn(name, frozenset(clean_class(name, v) for v in wanted)))
    for segment in selection.segment or []:
        key = segment.strip().casefold()
        if key in _seen:
            raise InvalidInput(_("segment {segment!r} refers to itself").format(segment=segment))
        inner = saved_segment(conn, segment)
        terms += parse(conn, inner, as_of=as_of, today=today, _seen=(*_seen, key))
    if selection.kind is not None:
        terms.append(Compare("kind", "=", validate.choice("kind", selection.kind, validate.KINDS)))
    terms += [HasTag("=", tag.strip()) for tag in selection.tag or []]
    terms += [HasTag("!=", tag.strip()) for tag in selection.without_tag or []]
    if selection.stage:
        terms.append(StageIn(tuple(clean_stage(conn, s) for s in selection.stage)))
    if selection.created_since:
        since = dates.parse_bound(
            selection.created_since, as_of, last=False, option="--created-since"
        )
        if since > as_of:  # nobody is created after the day the classes are read on
            raise InvalidInput(
                _("--created-since {value!r} is in the future").format(
                    value=selection.created_since.strip()
                )
            )
        day = since.isoformat()
        terms.append(Compare("created_at", ">=", day))
    if selection.created_until:
        until = dates.parse_bound(
            selection.created_until, as_of, last=True, option="--created-until"
        )
        day = until.isoformat()
        terms.append(Compare("created_at", "<=", day))
    return tuple(terms)


def _compare(term: Compare) -> tuple[str, list[Any]]:
    from crmcli.core.vocabulary import spellings

    column, op, value = FIELDS[term.field], term.op, term.value
    if term.field in DATE_FIELDS and op != "~":
        if str(value).startswith("--"):  # a day of the year: every birthday on it
            test, value = f"substr({column}, -5) {op} ?", str(value)[2:]
        elif op in ("<", "<=", ">", ">="):  # a birthday without a year is neither before nor after
            test = f"({column} NOT LIKE '--%' AND substr({column}, 1, 10) {op} ?)"
        else:
            test = f"substr({column}, 1, 10) {op} ?"
    elif term.field in NUMERIC:
        test = f"{column} {op} ?"
    elif op == "~":
        return f"{column} LIKE ? ESCAPE '\\'", [_like(str(value))]
    elif op in ("=", "!=") and len(same := spellings(term.field, str(value))) > 1:
        # a city or province older rows may hold in its other spelling (苏州市 for 苏州)
        test = f"{column} COLLATE NOCASE {'NOT ' * (op == '!=')}IN ({', '.join('?' * len(same))})"
        return (f"({column} IS NULL OR {test})" if op == "!=" else test), list(same)
    else:
        test = f"{column} {op} ? COLLATE NOCASE"
    # A customer with no value differs from every value: `!=` keeps them, whatever the kind.
    return (f"({column} IS NULL OR {test})" if op == "!=" else test), [value]


def _clause(term: Term) -> tuple[str, list[Any]]:
    """The SQL (over `customers c`) and parameters of one term that SQL can test."""
    if isinstance(term, Archived):
        return ("c.archived_at IS NOT NULL" if term.archived else "c.archived_at IS NULL"), []
    if isinstance(term, Compare):
        return _compare(term)
    if isinstance(term, StageIn):
        return f"c.stage IN ({', '.join('?' * len(term.stages))})", list(term.stages)
    if isinstance(term, HasTag):
        if term.op == "~":
            return TAG_MATCH.format(test="LIKE ? ESCAPE '\\'"), [_like(term.name)]
        negate = "NOT " if term.op == "!=" else ""
        return negate + TAG_MATCH.format(test="= ? COLLATE NOCASE"), [term.name]
    if isinstance(term, Contact):
        table, column = CHILD_FIELDS[term.field]
        like = term.op == "~"
        test = f"x.{column} LIKE ? ESCAPE '\\'" if like else f"x.{column} = ?"
        negate = "NOT " if term.op == "!=" else ""
        return (
            f"{negate}EXISTS (SELECT 1 FROM {table} x WHERE x.customer_id = c.id AND {test})",
            [_like(term.value) if like else term.value],
        )
    if isinstance(term, Custom):
        if term.op == "~":
            test, param = "f.value LIKE ? ESCAPE '\\'", _like(term.value)
        else:
            op = "=" if term.op == "!=" else term.op
            test, param = f"f.value {op} ? COLLATE NOCASE", term.value
        negate = "NOT " if term.op == "!=" else ""
        return (
            f"{negate}EXISTS (SELECT 1 FROM customer_fields f "
            f"WHERE f.customer_id = c.id AND f.key = ? AND {test})",
            [term.key, param],
        )
    raise TypeError(f"not an SQL term: {term!r}")


# days_since_contact OP n is last_contact_on OP' (as_of - n days): the order turns round.
_SINCE_OP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _last_contact(conn: sqlite3.Connection, term: LastContact, as_of: date) -> list[Any]:
    """[SQL, params...] of a LastContact term over `customers c`. The last contact is an
    instant (crmcli.records.contact.last_at); its local date is compared through the
    instants local midnights start, as every date of a stored moment is."""
    from datetime import datetime, time, timedelta

    from crmcli.records import contact

    if term.field == "days_since_contact":
        op, day = _SINCE_OP[term.op], as_of - timedelta(days=int(term.value))
    else:
        op, day = term.op, date.fromisoformat(str(term.value))

    def midnight(d: date) -> str:
        return datetime.combine(d, time(0, 0)).astimezone().isoformat()

    last = contact.last_at(conn, "c.id")
    start, end = midnight(day), midnight(day + timedelta(days=1))
    test = {
        "<": (f"{last} < julianday(?)", start),
        "<=": (f"{last} < julianday(?)", end),
        ">": (f"{last} >= julianday(?)", end),
        ">=": (f"{last} >= julianday(?)", start),
    }
    if op in test:
        sql, bound = test[op]
        return [sql, bound]
    within = f"coalesce({last} >= julianday(?) AND {last} < julianday(?), 0)"
    return [within if op == "=" else f"NOT {within}", start, end]


def compile_terms(
    conn: sqlite3.Connection,
    terms: tuple[Term, ...],
    *,
    as_of: date,
    cache: dict[Any, Any] | None = None,
) -> Query:
    """The Query (over `customers c`) for `terms`. Identifiers come from FIELDS and
    CHILD_FIELDS only; every value is a bound parameter. Derived classes are computed for the
    live (or archived) customers as of `as_of`, only when a term names one, and become an id
    list (`cache`, a dict, keeps it for several compiles of the same terms in one command)."""
    query = Query()
    derived: list[Derived | DerivedIn] = []
    for term in terms:
        if isinstance(term, (Derived, DerivedIn)):
            derived.append(term)
        elif isinstance(term, LastContact):
            query.add(*_last_contact(conn, term, as_of))
        else:
            sql, params = _clause(term)
            query.add(sql, *params)
    if derived:
        from crmcli.reports.classes import matching, predicate, wants

        archived = any(isinstance(t, Archived) and t.archived for t in terms)
        key = (as_of, archived, tuple(derived))
        cache = {} if cache is None else cache
        if key not in cache:
            tests = [
                predicate(t.name, t.op, t.value, conn)
                if isinstance(t, Derived)
                else wants(t.name, set(t.values))
                for t in derived
            ]
            cache[key] = matching(conn, as_of, tests, archived=archived)
        query.add("c.id IN (SELECT value FROM json_each(?))", json.dumps(sorted(cache[key])))
    return query


def for_customer(customer_id: int | None, *, live: bool) -> tuple[Term, ...]:
    """The customer part of a record listing: one customer's rows, or (with `live`) the
    rows of live customers only, or everyone's."""
    if customer_id is not None:
        return (Compare("id", "=", customer_id),)
    return (Archived(False),) if live else ()


def compile_for(
    terms: tuple[Term, ...],
    customer_id: str,
    *,
    conn: sqlite3.Connection | None = None,
    as_of: date | None = None,
) -> Query:
    """The Query for `terms` over a table joined to `customers c` whose rows name their
    customer in `customer_id` (`t.customer_id`, from the caller's code, never a user's).
    `id = N` tests that column, so the table's own index serves one customer's rows; derived
    terms need `conn` and `as_of`."""
    if not re.fullmatch(r"[a-z]\.customer_id", customer_id):
        raise ValueError(f"not a customer id column: {customer_id!r}")
    query = Query()
    rest = []
    for term in terms:
        if isinstance(term, Compare) and term.field == "id" and term.op == "=":
            query.add(f"{customer_id} = ?", term.value)
        else:
            rest.append(term)
    if rest:
        others = compile_terms(conn, tuple(rest), as_of=as_of)  # type: ignore[arg-type]
        query.add(others.sql(), *others.params)
    return query


def build(
    conn: sqlite3.Connection,
    selection: CustomerFilter,
    *,
    today: date,
    cache: dict[Any, Any] | None = None,
) -> Query:
    """The Query for `selection`: parse, then compile; raises InvalidInput for an unknown
    field or bad value. Derived classes and `--created-since` are as of `today`; `--where`
    dates are read against the calendar day."""
    from crmcli.core import clock

    terms = parse(conn, selection, as_of=today, today=clock.today())
    return compile_terms(conn, terms, as_of=today, cache=cache)


def matching_ids(
    conn: sqlite3.Connection,
    selection: CustomerFilter,
    *,
    today: date,
    cache: dict[Any, Any] | None = None,
) -> list[int]:
    """Ids of the customers `selection` picks, in id order."""
    return ids_of(conn, build(conn, selection, today=today, cache=cache))


def ids_of(conn: sqlite3.Connection, query: Query) -> list[int]:
    """Ids of the customers `query` picks, in id order."""
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
# Each table that keeps filters, its column, and the SQL that names a row's owner.
STORED = (
    ("segments", "filter", "'segment ' || name"),
    ("rules", "filter", "'rule ' || id"),
    ("care_rules", "selection", "'care rule ' || id"),
)
TAG_LISTS = ("tag", "without_tag")


def _tag_names(conn: sqlite3.Connection) -> dict[int, str]:
    return dict(conn.execute("SELECT id, name FROM tags").fetchall())


def _tag_equals(expression: str) -> tuple[str, str] | None:
    """(operator as typed, tag name) of `tag = NAME` / `==` / `!=`, else None."""
    from crmcli.core.where import WHERE, unquote

    match = re.fullmatch(WHERE, expression)
    if match and match.group(1) == "tag" and match.group(2) in ("=", "==", "!="):
        return match.group(2), unquote(match.group(3))
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


def _keyed(expression: str, own: list[str], custom: set[str]) -> str:
    """A `--where` expression (already checked) with the header it names made its field's
    key and a word of crm's in another language made its key (`阶段 = 成交客户` is `stage =
    customer`), the rest as typed: a saved filter keeps the keys, as the data does. A field
    of the user's own (`custom`) is its own even when a header says it (`城市`)."""
    from crmcli.core.vocabulary import translated
    from crmcli.core.where import WHERE, unquote

    match = re.fullmatch(WHERE, expression)
    if not match:
        return expression
    name, op, value = field_key(match.group(1), custom), match.group(2), match.group(3)
    if op in ("=", "==", "!=") and name in WHERE_FIELDS:
        typed = unquote(value)
        if not (name == "stage" and typed.strip().casefold() in own):  # a stage of the user's
            value = translated(name, typed) or value
    start, end = match.span(1)
    return f"{expression[:start]}{name}{expression[end : match.start(3)]}{value}"


def _keys(saved: Saved, own: list[str], custom: set[str]) -> Saved:
    """`saved` with crm's words typed in another language than English (`--stage 成交客户`,
    `--lifecycle 流失风险`, headers in `--where`) as their keys; the rest as typed (an old
    spelling such as `at-risk` reads as it did, a stage in `own`, the stage list, too, and a
    field of the user's own in `custom`)."""
    from crmcli.core.vocabulary import translated

    if "stage" in saved:
        saved["stage"] = [
            s if s.strip().casefold() in own else translated("stage", s) or s
            for s in saved["stage"]
        ]
    for name in DERIVED_OPTIONS:
        if name in saved:
            saved[name] = [translated(name, v) or v for v in saved[name]]
    if "kind" in saved:
        saved["kind"] = translated("kind", saved["kind"]) or saved["kind"]
    if "where" in saved:
        saved["where"] = [_keyed(item, own, custom) for item in saved["where"]]
    return saved


def encode(conn: sqlite3.Connection, selection: CustomerFilter) -> str:
    """The stored form (JSON) of `selection` (checked by `parse`), crm's words as their
    keys and tags that exist kept by id."""
    ids = {_nocase(name): (tag_id, name) for tag_id, name in _tag_names(conn).items()}
    from crmcli.records.config import stages
    from crmcli.records.customers import custom_field_keys

    saved = _keys(selection.saved(), stages(conn), custom_field_keys(conn))
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
        # a name that looks quoted itself goes inside the other quotes (see unquote)
        quote = "'" if now[:1] == now[-1:] == '"' else '"'
        return (
            f"tag {op} {quote}{now}{quote}"
            if now[:1] == now[-1:] in ("'", '"')
            else (f"tag {op} {now}")
        )
    return item["typed"] if now is None or now == item["saved"] else now


def decode(text: Any, owner: str) -> dict[str, Any]:
    """The stored filter `text` of `owner` ("segment vips", "rule 2", "care rule 1") as the
    dict `encode` wrote. A filter changed outside crm (by hand, through `crm sql`) into
    anything else (`[]`, `"x"`, a tag list that is not a list) raises InvalidInput naming
    `owner`, for every command that reads it, rather than failing inside."""
    from crmcli.core.text import parse_json

    try:
        data = parse_json(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and all(_stored_value(k, v) for k, v in data.items()):
        return data
    raise InvalidInput(
        _(
            "{owner} is broken: its saved filter is not one crm saved (was it edited "
            "by hand?); delete it and save it again"
        ).format(owner=owner)
    )


_LISTS = {f.name for f in fields(CustomerFilter) if "list" in str(f.type)}


def _stored_value(key: str, value: Any) -> bool:
    """Whether `value` is what `encode` stores under `key`."""
    if value is None:
        return True
    if key in _LISTS:
        return isinstance(value, list) and all(_stored_item(item) for item in value)
    return isinstance(value, str) or key not in {f.name for f in fields(CustomerFilter)}


def _stored_item(item: Any) -> bool:
    if isinstance(item, str):
        return True
    return (
        isinstance(item, dict)
        and type(item.get("id")) is int
        and isinstance(item.get("saved"), str)
        and isinstance(item.get("text", item.get("typed")), str)
    )


def load(conn: sqlite3.Connection, text: str, owner: str) -> CustomerFilter:
    """A stored filter (JSON) of `owner` as the options that make it today, tags by their
    names now; InvalidInput naming `owner` when the stored text is broken (`decode`)."""
    data = decode(text, owner)
    names = _tag_names(conn)
    known = {f.name for f in fields(CustomerFilter)} - {"archived"}
    selection = CustomerFilter(**{k: v for k, v in data.items() if k in known})
    for key in (*TAG_LISTS, "where"):
        items = getattr(selection, key)
        if items:
            setattr(selection, key, [_shown(item, names) for item in items])
    return selection


def _refers(data: Saved, tag_id: int) -> bool:
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
        if _refers(decode(text, f"segment {name}"), tag_id)
    ]
    found += [
        f"rule {rule_id}"
        for rule_id, gives, text in conn.execute("SELECT id, tag_id, filter FROM rules ORDER BY id")
        if gives == tag_id or _refers(decode(text, f"rule {rule_id}"), tag_id)
    ]
    found += [
        f"care rule {rule_id}"
        for rule_id, text in conn.execute("SELECT id, selection FROM care_rules ORDER BY id")
        if _refers(decode(text, f"care rule {rule_id}"), tag_id)
    ]
    return found


def _rewrite(conn: sqlite3.Connection, change: Any) -> None:
    """Apply `change` (a stored filter's dict -> the new dict, or None) to every stored filter."""
    for table, column, owner in STORED:
        rows = conn.execute(f"SELECT id, {column}, {owner} FROM {table}").fetchall()
        for row_id, text, label in rows:
            new = change(decode(text, label))
            if new is not None:
                conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE id = ?",
                    (json.dumps(new, ensure_ascii=False, sort_keys=True), row_id),
                )


def bind_tag(conn: sqlite3.Connection, tag_id: int, name: str) -> None:
    """A new tag `name`: stored filters and rules that named it before it existed now name
    it by id (part of creating the tag, in its transaction)."""
    ids = {_nocase(name): (tag_id, name)}

    def change(data: Saved) -> Saved | None:
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


def unbind_tag(conn: sqlite3.Connection, tag_id: int, name: str | None) -> None:
    """Tag `tag_id` is gone (or, with `name` None, was gone before its id came back for a
    new tag): stored filters and rules that named it by id name it by `name` again (else by
    the name it had when they were saved), so a later tag never inherits them through a
    reused id. Part of the transaction that deletes or re-creates the tag."""

    def change(data: Saved) -> Saved | None:
        if not _refers(data, tag_id):
            return None
        new = dict(data)
        for key in (*TAG_LISTS, "where"):
            if new.get(key):
                new[key] = [
                    _shown(item, {tag_id: name or item["saved"]})
                    if isinstance(item, dict) and item["id"] == tag_id
                    else item
                    for item in new[key]
                ]
        return new

    _rewrite(conn, change)
    conn.execute(
        "UPDATE rules SET tag_id = NULL, tag = COALESCE(?, tag) WHERE tag_id = ?", (name, tag_id)
    )


def merge_tag(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """Tag `old_id` merges into `new_id`: stored filters and rules naming it name `new_id`
    (part of `crm tag rename`, before `old_id` is deleted)."""

    def change(data: Saved) -> Saved | None:
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
        raise NotFound(_("no segment {value!r}; see crm segment list").format(value=name.strip()))
    return load(conn, row[0], f"segment {name.strip()}")
