"""Options shared by several commands, declared once, and what they mean.

The common options (`--format`, `--quiet`, `--limit`, `--since`/`--until`, `--as-of`,
`--yes`, `--dry-run`) are annotated types a command puts in its signature; `period` and
`as_of_date` read the dates, `confirm` asks before a risky write, `DryRun` rolls one back.
`with_options` adds a group of parameters to a command's signature (typer reads the
signature) and hands the command one object built from their values, so `add` and `edit`
share the customer field options and every command that selects customers shares the
filter options.
"""

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.output import Format
from crmcli.core.i18n import _

if TYPE_CHECKING:  # the filter language loads only in the commands that select customers
    from crmcli.records.filters import CustomerFilter

FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table, json, jsonl, csv or tsv."),
]


class JsonFormat(str, Enum):
    """--format of a command that writes one JSON document and nothing else."""

    json = "json"


JsonFormatOption = Annotated[
    JsonFormat, typer.Option("--format", "-f", help="Output format: json (the only one).")
]


class TableOrJson(str, Enum):
    """--format of a command that prints one document: a table, or one JSON object."""

    table = "table"
    json = "json"


TableOrJsonOption = Annotated[
    TableOrJson, typer.Option("--format", "-f", help="Output format: table or json.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what a script needs.")]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="FIELD,FIELD",
        help="Only these columns, in this order, in every format (names as the JSON keys).",
    ),
]


def chosen_fields(
    fields: str | None,
    known: "Sequence[str]",
    elsewhere: "Mapping[str, str] | None" = None,
    custom: "Sequence[str]" = (),
) -> tuple[str, ...] | None:
    """The columns `--fields a,b` names, in its order (None when not given); raises
    InvalidInput (exit 2) naming the valid fields for a name that is not one of `known` or
    `custom` (user-defined fields, named by key or by the label a card shows), and for one
    of `elsewhere` (a field the listing does not show: the field and why, a msgid with
    `{name}`) why."""
    if fields is None:
        return None
    import re
    import unicodedata

    from crmcli.core.errors import InvalidInput
    from crmcli.core.vocabulary import column_named, fields_glossed, fields_offered

    # `姓名，电话` and `姓名、电话`, as a Chinese input method separates them
    plain = unicodedata.normalize("NFKC", fields)
    typed = [n.strip() for n in re.split(r"[,、]", plain) if n.strip()]
    # a header as a table shows it (`姓名,城市`) names its column, in any language
    known = (*known, *custom)
    every = (*known, *(elsewhere or ()))

    def field(n: str) -> str:
        """`n` as typed or in lower case, else the field whose header (or label) it is."""
        return next((f for f in (n, n.lower()) if f in every), None) or (
            column_named(n, every, custom) or n
        )

    named = [field(n) for n in typed]
    names = tuple(dict.fromkeys(named))
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        what = _("unknown field {name!r}").format(name=unknown[0]) if unknown else _("no field")
        if unknown and unknown[0] in (elsewhere or {}):
            typed_name = typed[named.index(unknown[0])]
            what = _((elsewhere or {})[unknown[0]]).format(name=typed_name)
        listing = _("valid fields: {fields}")
        offered = (
            fields_offered(unknown[0], list(known), listing, custom)
            if unknown and unknown[0] not in (elsewhere or {})
            else listing.format(fields=fields_glossed(list(known)))
        )
        raise InvalidInput(_("--fields: {what}; {value}").format(what=what, value=offered))
    return names


def every_row(ctx: typer.Context, value: int | None) -> int | None:
    """`--limit 0` is every row, on every command that takes --limit: None, as no --limit
    is where a command shows every row (a command that shows fewer by default, as `crm today`
    on a terminal, asks `asked_every_row`). The one place a limit of 0 is read, so no
    command prints nothing for it (crm list --limit 0 did, while crm history listed all)."""
    if value == 0:
        ctx.meta["crm_every_row"] = True
        return None
    return value


def asked_every_row(ctx: typer.Context) -> bool:
    """Whether --limit 0 was given (every row, even where no --limit shows fewer)."""
    return bool(ctx.meta.get("crm_every_row"))


LIMIT_HELP = "At most this many rows; 0 for every row."
LimitOption = Annotated[
    int | None, typer.Option("--limit", min=0, callback=every_row, help=LIMIT_HELP)
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this date (inclusive): 2026-01-01, -3m...")
]
UntilOption = Annotated[str | None, typer.Option("--until", help="Up to this date (inclusive).")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Report as of this date (default today).")
]
CurrencyOption = Annotated[
    str | None, typer.Option("--currency", help="Only this currency (ISO 4217 code).")
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
]
AllowDuplicateOption = Annotated[
    bool,
    typer.Option(
        "--allow-duplicate",
        help="Give a customer an email or phone another live customer has, without asking.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
]


def period(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """--since/--until as dates (inclusive, None when not given): a day, or a month,
    quarter or year from its first day or to its last; raises InvalidInput when reversed,
    or when --since starts after today (nothing is recorded there: an empty listing would
    hide the typing slip)."""
    from crmcli.core import clock, dates
    from crmcli.core.errors import InvalidInput

    today = clock.today()
    first = last = None
    if since is not None:
        first = dates.parse_bound(since, today, last=False, option="--since")
    if until is not None:
        last = dates.parse_bound(until, today, last=True, option="--until")
    if first and last and first > last:
        raise InvalidInput(
            _("--since {value} is after --until {value2}").format(
                value=first.isoformat(), value2=last.isoformat()
            )
        )
    if since is not None and first and first > today:
        raise InvalidInput(_("--since {value!r} is in the future").format(value=since.strip()))
    return first, last


def as_of_date(text: str | None) -> date:
    """--as-of as a date: today when not given; a month, quarter or year its last day, or
    today while it is still running; raises InvalidInput, quoting `text`, when it starts
    after today."""
    from crmcli.core import clock, dates
    from crmcli.core.errors import InvalidInput

    today = clock.today()
    if text is None:
        return today
    if dates.parse_bound(text, today, last=False, option="--as-of") > today:
        raise InvalidInput(_("--as-of {value!r} is in the future").format(value=text.strip()))
    # 上个月: its last day; 本季度: today, the last day there are data for
    return min(dates.parse_bound(text, today, last=True, option="--as-of"), today)


def confirm(question: str, yes: bool, *, command: str = "", refusal: str = "") -> None:
    """Go on with --yes, or when a person at the terminal says yes to `question`. Otherwise
    stop with nothing changed: off a terminal InvalidInput (exit 2) saying `refusal`, by
    default that `command` needs --yes in a script; on a "no" CrmError (exit 1)."""
    import sys

    from crmcli.cli.output import is_terminal
    from crmcli.core.errors import CrmError, InvalidInput

    if yes:
        return
    if not is_terminal(sys.stdin):
        raise InvalidInput(
            refusal
            or _("{command} asks for confirmation; add --yes to run it from a script").format(
                command=command
            )
        )
    # Asked on stderr and read from stdin by hand: click's confirm writes a space to stdout
    # (`crm add -q` answered there printed " 2") and calls end of input "aborted".
    # Composed here, not by click, so Chinese asks `撤销吗？[y/N]：` with its own marks;
    # broken between phrases to the terminal's width, as an error is (not mid-word by it).
    from crmcli.cli.output import error_lines, terminal_columns
    from crmcli.cli.terminal import moments

    asked = _("{question} [y/N]: ").format(question=moments(question))
    room = terminal_columns(sys.stderr) if is_terminal(sys.stderr) else 0
    lines = error_lines(asked.rstrip(), room) if room else [asked.rstrip()]
    sys.stderr.write("\n".join(lines) + asked[len(asked.rstrip()) :])
    sys.stderr.flush()
    from crmcli.core import stdin

    try:
        said = stdin.answer().strip().casefold() in ("y", "yes", "是")
    except KeyboardInterrupt:  # Ctrl-C at the question: the shell's prompt on a line of its own
        sys.stderr.write("\n")
        raise
    if not said:
        raise CrmError(_("not confirmed; nothing was changed"))


class DryRun(Exception):
    """Raised inside a write transaction, after showing or computing the changes, to roll
    a --dry-run back; `result` carries what the caller reports after the rollback."""

    def __init__(self, result: Any = None) -> None:
        super().__init__("dry run")
        self.result = result


def option(
    name: str, flag: str, help: str, *, many: bool = False, kind: Any = str
) -> inspect.Parameter:
    """A keyword-only `--flag` parameter defaulting to None (or [] when `many`)."""
    annotation = list[kind] | None if many else kind | None
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[annotation, typer.Option(flag, help=help, show_default=False)],
    )


def with_options(
    params: list[inspect.Parameter], collect: Callable[[dict[str, Any]], Any], into: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: add `params` to the command, pass `collect(their values)` as `into`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        own = [p for p in inspect.signature(fn).parameters.values() if p.name != into]
        names = [p.name for p in params]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in names}
            return fn(*args, **{into: collect(values)}, **kwargs)

        signature = inspect.Signature(own + params)
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        del wrapper.__wrapped__  # typer must read the new signature, not fn's
        # and its annotations only: `into`'s may name a type imported for type checking
        wrapper.__annotations__ = {
            p.name: p.annotation for p in own + params if p.annotation is not p.empty
        }
        return wrapper

    return decorate


FILTER_PARAMS = [
    option("f_where", "--where", 'Filter "FIELD OP VALUE", OP in = != < <= > >= ~.', many=True),
    option("f_tag", "--tag", "Has this tag (repeatable: all of them).", many=True),
    option("f_without_tag", "--without-tag", "Does not have this tag (repeatable).", many=True),
    option("f_stage", "--stage", "In this funnel stage (repeatable: any of them).", many=True),
    option("f_city", "--city", "Only this city."),
    option("f_company", "--company", "Only this company."),
    option("f_source", "--source", "Only this source."),
    option("f_kind", "--kind", "person or organisation."),
    option("f_created_since", "--created-since", "Created on or after this date."),
    option("f_created_until", "--created-until", "Created on or before this date."),
    option(
        "f_lifecycle",
        "--lifecycle",
        "In this lifecycle stage: new, active, at_risk, lapsed, "
        "reactivated, none (repeatable: any).",
        many=True,
    ),
    option("f_abc", "--abc", "In this ABC class: A, B or C (repeatable: any).", many=True),
    option(
        "f_frequency_tier",
        "--frequency-tier",
        "Frequency tier high, medium or low (repeatable: any).",
        many=True,
    ),
    option(
        "f_value_tier",
        "--value-tier",
        "Value tier high, medium or low (repeatable: any).",
        many=True,
    ),
    option("f_segment", "--segment", "In this saved segment (repeatable: all of them).", many=True),
    inspect.Parameter(
        "f_archived",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option("--archived", help="Archived customers instead.")],
    ),
]


def _filter(values: dict[str, Any]) -> "CustomerFilter":
    from crmcli.records.filters import CustomerFilter

    # `--tag "$TAG"` with TAG unset selected nobody; `--city ''` was refused as a
    # `--where 'city ='` the user never typed
    for name, value in values.items():
        typed = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(v, str) and not v.strip() for v in typed):
            from crmcli.core.errors import InvalidInput

            flag = "--" + name[2:].replace("_", "-")
            raise InvalidInput(_("{field} cannot be empty").format(field=flag))
    if values.get("f_where"):  # `城市 ＝ 上海`: an input method's full-width operator
        from crmcli.core.where import plain

        values = {**values, "f_where": [plain(expression) for expression in values["f_where"]]}
    return CustomerFilter(**{name[2:]: value for name, value in values.items()})


filter_options = with_options(FILTER_PARAMS, _filter, "selection")


def filter_options_except(*flags: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The filter options without some flags, for commands where a flag means something
    else (`crm edit --city X` sets the city; filter there with --where)."""
    params = [p for p in FILTER_PARAMS if _flag_of(p) not in flags]
    return with_options(params, _filter, "selection")


def _flag_of(param: inspect.Parameter) -> str:
    info = param.annotation.__metadata__[0]
    return info.default if isinstance(info.default, str) else info.param_decls[0]
