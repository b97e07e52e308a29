"""Groups of options shared by several commands, declared once.

`with_options` adds parameters to a command's signature (typer reads the signature) and
hands the command one object built from their values, so `add` and `edit` share the customer
field options and every command that selects customers shares the filter options.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from crmcli.records.filters import CustomerFilter


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

        wrapper.__signature__ = inspect.Signature(own + params)  # type: ignore[attr-defined]
        del wrapper.__wrapped__  # typer must read the new signature, not fn's
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
        "In this lifecycle stage: new, active, at-risk, lapsed, "
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


def _filter(values: dict[str, Any]) -> CustomerFilter:
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
