"""Satisfaction survey answers: an NPS score (0-10), a CSAT score (1-5), or both.

`prepare()` validates what a user typed (or one imported row) into clean values once, so
`crm survey add` and `crm survey import` accept and refuse exactly the same answers.
`import_rows()` checks every row first and writes only when all are valid (or, with
`skip_invalid`, the valid ones), inside the caller's one transaction.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypedDict, cast

from crmcli.core import clock, validate
from crmcli.core.errors import CrmError, InvalidInput, NotFound
from crmcli.core.i18n import N_, _
from crmcli.core.text import csv_rows, first_lines, parse_json, row_said
from crmcli.records import refs
from crmcli.reports.models.nps import CSAT_RANGE, NPS_RANGE

# Columns of `crm survey list` (and its JSON/CSV keys), in order.
COLUMNS = (
    "id",
    "answered_at",
    "customer_id",
    "customer_name",
    "nps",
    "csat",
    "comment",
    "created_at",
)
# Columns an import file may have; `customer` is any reference (id, external id, email...).
IMPORT_COLUMNS = {
    "customer": "customer",
    "ref": "customer",
    "customer_id": "customer",
    "external_id": "customer",
    "nps": "nps",
    "csat": "csat",
    "comment": "comment",
    "at": "at",
    "answered_at": "at",
}


class SurveyInput(NamedTuple):
    """One answer as typed: strings (or JSON numbers), None when not given."""

    nps: Any = None
    csat: Any = None
    comment: Any = None
    at: Any = None


def score(name: str, value: Any, bounds: tuple[int, int]) -> int:
    """A whole-number score within `bounds`; raises InvalidInput (exit 2) otherwise."""
    low, high = bounds
    text = str(value).strip() if not isinstance(value, bool) else ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not re.fullmatch(r"[+-]?\d{1,3}", text) or not low <= int(text) <= high:
        raise InvalidInput(
            _("{name} must be a whole number from {low} to {high} (got {value!r})").format(
                name=_(name), low=low, high=high, value=value
            )
        )
    return int(text)


class SurveyValues(TypedDict):
    """A validated answer's column values, ready for `add_survey`."""

    nps: int | None
    csat: int | None
    comment: str | None
    answered_at: str  # ISO 8601


def prepare(raw: SurveyInput, *, now: datetime) -> SurveyValues:
    """Validate an answer into column values: nps, csat, comment, answered_at."""
    from crmcli.records.feedback import moment

    if raw.nps is None and raw.csat is None:
        raise InvalidInput(_("give a score: --nps 0-10 and/or --csat 1-5"))
    out: SurveyValues = {
        "nps": None if raw.nps is None else score(N_("nps"), raw.nps, NPS_RANGE),
        "csat": None if raw.csat is None else score(N_("csat"), raw.csat, CSAT_RANGE),
        "comment": None,
        "answered_at": now.replace(microsecond=0).isoformat(),
    }
    if raw.comment is not None:
        out["comment"] = validate.text("comment", str(raw.comment), multiline=True)
    if raw.at is not None:
        out["answered_at"] = moment(str(raw.at), now, "answered at")
    return out


def add_survey(conn: sqlite3.Connection, customer_id: int, values: SurveyValues) -> int:
    """Insert one prepared answer; returns its id."""
    cursor = conn.execute(
        "INSERT INTO surveys (customer_id, nps, csat, comment, answered_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            customer_id,
            values["nps"],
            values["csat"],
            values["comment"],
            values["answered_at"],
            clock.timestamp(),
        ),
    )
    return int(cursor.lastrowid or 0)


class Survey(TypedDict):
    """One survey answer as services hand it to the command line."""

    id: int
    answered_at: str  # ISO 8601 with the local offset of that moment
    customer_id: int
    customer: str  # the customer's name
    nps: int | None  # 0-10
    csat: int | None  # 1-5
    comment: str | None
    created_at: str


_SELECT = (
    "SELECT s.id, s.answered_at, s.customer_id, c.name AS customer_name, s.nps, s.csat, s.comment, "
    "s.created_at FROM surveys s JOIN customers c ON c.id = s.customer_id"
)


def get_survey(conn: sqlite3.Connection, survey_id: int) -> Survey:
    row = conn.execute(f"{_SELECT} WHERE s.id = ?", (survey_id,)).fetchone()
    if row is None:
        raise NotFound(_("no survey answer with id {survey_id}").format(survey_id=survey_id))
    return cast(Survey, dict(row))


def delete_survey(conn: sqlite3.Connection, survey_id: int) -> Survey:
    """Delete an answer for good; returns what was deleted. Raises NotFound."""
    record = get_survey(conn, survey_id)
    conn.execute("DELETE FROM surveys WHERE id = ?", (survey_id,))
    return record


def list_surveys(
    conn: sqlite3.Connection,
    *,
    customer_id: int | None = None,
    since: str | None = None,
    before: str | None = None,
    limit: int | None = None,
) -> list[Survey]:
    """Answers, newest first. `since`/`before` are instants (ISO); archived customers'
    answers only when `customer_id` names one."""
    clauses, params = refs.whose(customer_id, "s.customer_id", live=True)
    if since is not None:
        clauses.append("datetime(s.answered_at) >= datetime(?)")
        params.append(since)
    if before is not None:
        clauses.append("datetime(s.answered_at) < datetime(?)")
        params.append(before)
    sql = (
        f"{_SELECT} WHERE {' AND '.join(clauses)} ORDER BY datetime(s.answered_at) DESC, s.id DESC"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [cast(Survey, dict(row)) for row in conn.execute(sql, params)]


class LastScore(TypedDict):
    """A customer's latest answer for one metric, as `crm show` lists it."""

    metric: str  # "nps" or "csat"
    score: int
    answered_at: str
    comment: str | None
    survey_id: int


def last_scores(conn: sqlite3.Connection, customer_id: int) -> list[LastScore]:
    """The customer's latest NPS and latest CSAT answer (for `crm show`)."""
    out: list[LastScore] = []
    for metric in ("nps", "csat"):
        row = conn.execute(
            f"SELECT id, {metric}, answered_at, comment FROM surveys "  # noqa: S608 - fixed names
            f"WHERE customer_id = ? AND {metric} IS NOT NULL "
            "ORDER BY datetime(answered_at) DESC, id DESC LIMIT 1",
            (customer_id,),
        ).fetchone()
        if row:
            out.append(
                {
                    "metric": metric,
                    "score": row[1],
                    "answered_at": row[2],
                    "comment": row[3],
                    "survey_id": row[0],
                }
            )
    return out


# --- import ------------------------------------------------------------------------------

INPUT_FORMATS = ("csv", "tsv", "json", "jsonl")


def detect_format(text: str, name: str | None) -> str:
    """The input format from the file name's extension, else from the first character."""
    if name:
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix in INPUT_FORMATS:
            return suffix
        if suffix == "ndjson":
            return "jsonl"
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        return "jsonl"
    first = text.split("\n", 1)[0]
    return "tsv" if "\t" in first and "," not in first else "csv"


# A record as read from a file: its keys are the file's own columns (checked against
# IMPORT_COLUMNS), its values untyped text or JSON.
FileRecord = dict[str, Any]


def read_rows(text: str, fmt: str) -> list[tuple[str, FileRecord]]:
    """(where, fields) for each record, where as `row_said` names it; raises InvalidInput when the
    file cannot be read as `fmt` or has a column that is not an import column."""
    records: list[tuple[str, FileRecord]] = []
    if fmt in ("csv", "tsv"):
        name = _("the {value} input").format(value=fmt.upper())
        reader = csv_rows(name, io.StringIO(text, newline=""), "," if fmt == "csv" else "\t")
        try:
            header = next((row for _line, row in reader if row), [])
            _check_columns([h.strip() for h in header])
            for line_num, row in reader:
                if not row:
                    continue
                if len(row) > len(header):
                    raise InvalidInput(
                        _("{row}: more fields than the header has").format(row=row_said(line_num))
                    )
                cells = row + [""] * (len(header) - len(row))
                values = {
                    k.strip(): (v if v.strip() else None)
                    for k, v in zip(header, cells, strict=True)
                }
                if any(v is not None for v in values.values()):
                    records.append((row_said(line_num), values))
        except csv.Error as exc:
            raise InvalidInput(
                _("cannot read the {value} input: {exc}").format(value=fmt.upper(), exc=exc)
            ) from None
        return records
    if fmt == "json":
        try:
            items = parse_json(text) if text.strip() else []
        except json.JSONDecodeError as exc:
            raise InvalidInput(_("cannot read the JSON input: {exc}").format(exc=exc)) from None
        if not isinstance(items, list):
            raise InvalidInput(_("JSON input must be an array of objects"))
        numbered = [(row_said(i), item) for i, item in enumerate(items, 1)]
    elif fmt == "jsonl":
        numbered = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                numbered.append((row_said(number), parse_json(line)))
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    _("{row}: not a JSON object: {msg}").format(row=row_said(number), msg=exc.msg)
                ) from None
    else:
        raise InvalidInput(
            _("--format must be one of: {value} (got {fmt!r})").format(
                value=_(", ").join(INPUT_FORMATS), fmt=fmt
            )
        )
    for where, item in numbered:
        if not isinstance(item, dict):
            raise InvalidInput(_("{where}: not a JSON object").format(where=where))
        _check_columns(list(item))
        records.append((where, item))
    return records


def _check_columns(names: list[str]) -> None:
    unknown = [n for n in names if n not in IMPORT_COLUMNS]
    if unknown:
        raise InvalidInput(
            _("unknown column {value!r}; survey columns are: {value2}").format(
                value=unknown[0], value2=_(", ").join(IMPORT_COLUMNS)
            )
        )
    targets = [IMPORT_COLUMNS[n] for n in names]
    if targets.count("customer") > 1:
        raise InvalidInput(_("give the customer once: customer, ref, customer_id or external_id"))
    if "customer" not in targets:
        raise InvalidInput(
            _("a customer column is needed: customer, ref, customer_id or external_id")
        )


@dataclass
class ImportResult:
    added: list[int] = field(default_factory=list)
    present: int = 0  # identical to an answer already stored (or earlier in the input)
    rejected: list[str] = field(default_factory=list)  # `where: why`
    total: int = 0


def import_rows(
    conn: sqlite3.Connection,
    records: list[tuple[str, FileRecord]],
    *,
    resolve: Callable[[str], int],
    now: datetime,
    skip_invalid: bool,
    dry_run: bool,
) -> ImportResult:
    """Validate every record as `crm survey add` would, then write them.

    All-or-nothing: any invalid record raises InvalidInput (nothing written) unless
    `skip_invalid`. A record identical to a stored answer (same customer, moment, scores
    and comment) is counted as present and not added again, so re-importing a file is
    harmless. `dry_run` validates and counts without writing.
    """
    result = ImportResult(total=len(records))
    clean: list[tuple[int, SurveyValues]] = []
    for where, item in records:
        fields = {IMPORT_COLUMNS[k]: v for k, v in item.items()}
        try:
            ref = fields.get("customer")
            if ref is None or not str(ref).strip():
                raise InvalidInput(_("no customer"))
            customer_id = resolve(str(ref))
            values = prepare(
                SurveyInput(
                    nps=fields.get("nps"),
                    csat=fields.get("csat"),
                    comment=fields.get("comment"),
                    at=fields.get("at"),
                ),
                now=now,
            )
        except CrmError as exc:
            result.rejected.append(_("{row}: {reason}").format(row=where, reason=exc.message))
            continue
        clean.append((customer_id, values))
    if result.rejected and not skip_invalid:
        raise InvalidInput(
            _(
                "{count} of {total} rows are invalid; nothing was imported (fix them, or add "
                "--skip-invalid to import the rest)"
            ).format(count=len(result.rejected), total=result.total),
            details=first_lines(result.rejected),
        )
    seen: set[tuple[Any, ...]] = set()
    for customer_id, values in clean:
        key = (customer_id, values["nps"], values["csat"], values["comment"])
        if (*key, values["answered_at"]) in seen or _stored(conn, customer_id, values):
            result.present += 1
            continue
        seen.add((*key, values["answered_at"]))
        if not dry_run:
            result.added.append(add_survey(conn, customer_id, values))
        else:
            result.added.append(0)
    return result


def _stored(conn: sqlite3.Connection, customer_id: int, values: SurveyValues) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM surveys WHERE customer_id = ? AND answered_at = ? AND nps IS ? "
            "AND csat IS ? AND comment IS ?",
            (customer_id, values["answered_at"], values["nps"], values["csat"], values["comment"]),
        ).fetchone()
        is not None
    )
