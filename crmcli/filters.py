"""The filter language for customer lists: `--where "field op value"`, `--sort`, shortcuts.

Field names map through a whitelist (FIELDS) to SQL expressions; user-defined fields are
accepted by name when some customer has them. Values are always bound parameters. An
unknown field or operator is a usage error (InvalidInput), never a silent constant.
Operators: = != < <= > >= and ~ (contains). Text compares ignore ASCII case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crmcli.errors import InvalidInput

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
    )
}
NUMERIC = {"id", "referred_by", "cadence_days"}
CHILD_FIELDS = {
    "phone": ("customer_phones", "phone"),
    "email": ("customer_emails", "email_key"),
}
SORTABLE = {**FIELDS, "name": "c.name_key"}
OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "~")
_WHERE = re.compile(r"\s*([^\W\d][\w.\-]*)\s*(!=|<=|>=|=|<|>|~)\s*(.*?)\s*", re.DOTALL)


@dataclass
class Query:
    """WHERE clauses (joined by AND) with their parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

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


def add_where(query: Query, expression: str, custom_keys: set[str], *, region: str | None) -> None:
    """Parse one `field op value` expression into `query`; raises InvalidInput."""
    match = _WHERE.fullmatch(expression)
    if not match:
        raise InvalidInput(
            f"cannot read --where {expression!r}; write FIELD OP VALUE with OP one of "
            + " ".join(OPERATORS)
        )
    name, op, value = match.group(1), match.group(2), _unquote(match.group(3))
    if name in FIELDS:
        column = FIELDS[name]
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
    from crmcli import validate

    if name == "email":
        return value.casefold() if op == "~" else validate.email(value)[1]
    if op == "~":
        return re.sub(r"[^\d+]", "", value)
    return validate.phone(value, region)


def known_fields(custom_keys: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    return ", ".join([*FIELDS, *CHILD_FIELDS, *sorted(custom_keys)])


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
