"""What the command-line framework says around crm's own words, in the run's language:
help's fixed words (`Usage:`, `Options`, `[required]`, `[default: 20]`, `[x>=0]`), usage errors
(`No such option: --bogus`, `Missing argument 'REF'.`), and help laid out by display width.

typer ships its own click (typer._click). Two kinds of English come out of it, and both go
through crm's catalog (crmcli.core.i18n), whose msgids are the English sentences below:
- typer.core wraps its words in gettext's `_()`; `install` makes that crm's `_`, so they are
  looked up when said, in the run's language (GETTEXT lists the ones crm can show);
- click builds its usage errors with f-strings: `said` matches an error's English against
  SENTENCES and says it again in the run's language, keeping the values in it (an option's
  name, what was typed) as they are. A sentence inside another (`Invalid value for
  '--format': {reason}`) is said in turn.
- crm reads the values of its options and arguments itself (`reading`: typer would read them
  through pydantic, slowly and in a library's sentences), and refuses a number in its own,
  saying what the option takes (`number_refused`).

Plain help (off a terminal, and in Chinese on one too) is laid out by
crmcli/cli/helpformat.py, through `Context`.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache, partial
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam
from typer.core import TyperCommand

from crmcli.core.i18n import N_, _, current, typed
from crmcli.core.typos import distance

# The usage errors crm can show, as click and typer write them (after the error boundary has
# put a message on one line).
SENTENCES = (
    N_("No such option: {option}"),
    N_("No such option: {option} (Possible options: {options})"),
    N_("Missing argument {name}."),
    N_("Missing argument {name}. Choose from: {choices}"),
    N_("Invalid value for {param}: {reason}"),
    N_("{value} is not one of {choices}."),
    N_("Option {option} requires an argument."),
    N_("Option {option} does not take a value."),
    N_("Got unexpected extra argument(s) ({arguments})"),
    N_("{message}. Did you mean {names}?"),  # typer's suggestion after "No such command"
    # typer's check of a path crm is given (--db, --ids-from, restore's FILE, -o): the only
    # one it makes of crm's paths (tests/test_i18n_paths.py: none is checked to exist, to be
    # a file or a folder, nor to be writable)
    N_("path {path} is not readable."),
)
# Fields of SENTENCES that hold a sentence of their own.
_NESTED = ("reason", "message")
# Fields that begin with what the user typed, followed by crm's own words (the choices, the
# commands it may mean): matched greedily, so that a typed value holding the sentence's own
# words (`--format 'x is not one of y.'`) is kept whole. Any other field is crm's (an
# option's name) or ends its sentence, and is matched as short as it can be.
_TYPED = ("value", "message", "path")
# Fields that list crm's own names (choices, options, commands), joined by `, ` in English
# and by the run's separator (`、`) in another language.
_LISTS = ("choices", "options", "names")

# typer.core's gettext msgids that crm can show (looked up through `install`); rich help
# words are not among them: rich draws help only in English (crmcli/cli/helptext.py).
GETTEXT = (
    N_("No such command {name!r}."),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
)
# The range of a number option in help, as typer writes it (`[x>=0]`, `[1<=x<=1000]`).
RANGES = (N_("x>={min}"), N_("x<={max}"), N_("{min}<=x<={max}"))


def install(command: Any) -> None:
    """Let typer's words and crm's help layout serve `command` (crmcli/cli/helptext.py
    `tidy` calls this for each command): typer.core's `_` is crm's, and the command's
    contexts are `Context`s."""
    import typer.core

    typer.core._ = _  # type: ignore[attr-defined]
    typer.core.describe_number_range = number_range  # type: ignore[attr-defined]
    if not hasattr(typer.core, "_default_as_key"):
        typer.core._default_as_key = typer.core._get_default_string  # type: ignore[attr-defined]
        typer.core._get_default_string = _default_string  # type: ignore[attr-defined]
    command.context_class = Context


# Days an option may default to, as Chinese types them back (crmcli/core/dates.py reads them),
# and import's --key (crmcli/cli/transfer.py reads it).
_DAYS_SAID = {"today": "今天", "auto": "自动"}


def _default_string(obj: Any, **kwargs: Any) -> str:
    """An option's default as help shows it (`[默认：季度]`): in the words the run's language
    types back where the option takes them (a period, a value's word, a day), else the key."""
    import typer.core

    shown: str = typer.core._default_as_key(obj, **kwargs)  # type: ignore[attr-defined]
    return key_said(obj, shown)


def key_said(obj: Any, key: str) -> str:
    """`key`, a value the option `obj` takes, in the words the run's language types back
    where the option reads them (a period, a value's word, a day: `--by 季度`, `--kind
    投诉`, `--direction 客户发起`), else the key (`json`, `7d`)."""
    if current() == "en" or not key:
        return key
    keys = tuple(str(getattr(c, "value", c)) for c in _choices(obj))
    if keys:
        return default_said(key, keys)
    from crmcli.core.vocabulary import understood, word

    said = str(word(obj.name, key))  # a value of a column: --kind complaint is 投诉
    if not said.isascii() and understood(obj.name, said) == key:
        return said
    if current() != "zh":
        return key
    period = re.fullmatch(r"(\d+)([dwmy])", key) if obj.name in _PERIOD_OPTIONS else None
    if period:  # `--within 7d` reads 7天 too (crmcli/core/dates.py parse_period)
        return period[1] + _PERIOD_UNITS[period[2]]
    return _DAYS_SAID.get(key, key)


# The options whose value is a calendar period (`--within 7d`), and its units as Chinese
# types them back.
_PERIOD_OPTIONS = ("within", "every", "after", "horizon", "window", "due_within")
_PERIOD_UNITS = {"d": "天", "w": "周", "m": "个月", "y": "年"}


def option_meant(ctx: Any) -> str | None:
    """For a command given an argument too many: an option, with its value, that an
    argument's value is one of the values of (`crm feedback add 张伟 投诉 "送货太慢"`: `--kind
    投诉`), as it was likely meant; None when no argument's value is one."""
    from crmcli.core.vocabulary import understood

    params = getattr(ctx.command, "params", [])
    for argument in (p for p in params if p.param_type_name == "argument"):
        value = ctx.params.get(argument.name)
        if not isinstance(value, str) or not value:
            continue
        for option in (p for p in params if p.param_type_name == "option" and p.opts):
            keys = [str(getattr(c, "value", c)) for c in _choices(option)]
            if value in keys if keys else understood(option.name, value) is not None:
                return f"{option.opts[0]} {value}"
    return None


# An option's shape (`--to`, `-x`): a negative amount or date offset (`-280`, `-3d`) has none.
_OPTION_SHAPE = re.compile(r"--?[A-Za-z][\w-]*")


class DashArguments(TyperCommand):
    """A command whose arguments may start with `-` (`crm buy 1 退款 -280`, `crm task snooze
    7 -3d`): click passes an option it does not know on as an argument there
    (ignore_unknown_options), so an option's shape that is none of the command's (`--to`,
    `--to=下周一`, `-t`, before or after the arguments) is refused before parsing with click's
    "No such option", as for any other command (with the options it may mean), rather than
    read as an id or a date."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from typer._click.exceptions import NoSuchOption

        known = {name for p in self.params for name in (*p.opts, *p.secondary_opts)}
        known.update(ctx.help_option_names)
        for arg in args:
            if arg == "--":
                break
            # `--qty=2` by its name; `-n2`, `-qn 2` by their first letter, as click reads them
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
            if _OPTION_SHAPE.fullmatch(name) and name not in known:
                raise NoSuchOption(name, ctx=ctx)
        return super().parse_args(ctx, args)


def options_meant(typed: str, command: Any) -> list[str]:
    """The options of `command` a mistyped `typed` (`--ics`, `--fromat`) may mean, for
    "No such option": an option that takes it as a value (`--format ics`, `-f ics`), else
    the options nearest to it within a typo (click's own guess, difflib's, offers `--city`
    for `--limit`)."""
    word = typed.lstrip("-").casefold()
    if not word:
        return []
    options = [p for p in getattr(command, "params", []) if getattr(p, "opts", None)]
    for option in options:
        values = [str(getattr(c, "value", c)) for c in _choices(option)]
        value = next((v for v in values if v.casefold() == word), None)
        value = value or next((v for v in values if distance(word, v.casefold()) == 1), None)
        if value is not None:
            names = sorted(option.opts, key=lambda n: (not n.startswith("--"), n))
            return [f"{name} {value}" for name in names]
    names = [n for p in options for n in [*p.opts, *p.secondary_opts] if n.startswith("--")]
    near = {n: distance(word, n[2:].casefold()) for n in names}
    best = min((d for d in near.values() if d is not None), default=None)
    return [n for n, d in near.items() if d is not None and d == best]


def _choices(obj: Any) -> tuple[Any, ...]:
    """The choices an option takes (typer's descriptor of its type), none when it takes any."""
    desc = getattr(obj, "type_descriptor", None)
    return tuple(desc.choices or ()) if desc is not None and desc.is_choice else ()


def default_said(key: str, keys: tuple[str, ...]) -> str:
    """`key`, one of `keys`, as the run's language says it where it may be typed instead:
    a period by its word for grouping (`季度`, `天`), else the word crm shows for it."""
    from crmcli.core.dates import SPAN_UNITS, period_word
    from crmcli.core.vocabulary import choice_said, chosen

    if key in SPAN_UNITS and current() == "zh":
        word = {"day": "天", "week": "周", "month": "月", "quarter": "季度", "year": "年"}[key]
        if period_word(word) == key and chosen(word, keys) == key:
            return word
    return choice_said(key, keys) or key


def number_range(low: float | None, high: float | None) -> str | None:
    """The range of a number option as help shows it, in the run's language (typer's own
    `describe_number_range` says it in English only)."""
    if low is None and high is None:
        return None
    if low is None:
        return _(RANGES[1]).format(max=high)
    if high is None:
        return _(RANGES[0]).format(min=low)
    return _(RANGES[2]).format(min=low, max=high)


# What crm says of a number option or argument given something it does not take (`--limit
# abc`, `--limit -1`, `--year 1800`): what it takes, and what was typed instead.
NUMBER_REFUSALS = {
    (False, False): N_("{name} takes a whole number, not '{value}'"),
    (True, False): N_("{name} takes a whole number of at least {min}, not '{value}'"),
    (False, True): N_("{name} takes a whole number of at most {max}, not '{value}'"),
    (True, True): N_("{name} takes a whole number from {min} to {max}, not '{value}'"),
}


# Digits and signs a Chinese input method types full width (２０２６, －１): a number option
# reads them as the ASCII ones, as crm reads them in a phone number or an amount.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－＋", "0123456789-+")
# The whole numbers SQLite stores (8 bytes): a number option's value past them is refused as
# outside its range, never carried to the database to fail there without naming the option.
_STORED = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class _Reading(RuntimeParam):
    """How crm reads the value of one parameter (or each of its values, `many`): `read`
    takes the value as typed, the parameter and the context."""

    read: Callable[[Any, Any, Any], Any]
    many: bool

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if not self.many:
            return self.read(value, param, ctx)
        values = value if isinstance(value, (list, tuple)) else [value]
        return [self.read(item, param, ctx) for item in values]


def reading(param: Any) -> Any:
    """How crm reads the values of `param`, for typer to use (its `_runtime_param`): text,
    a flag, a whole number (`_number`), one of an Enum's values or a path, and lists of them, as
    typer reads them but without pydantic, which typer 0.29 builds every parameter's
    converter through (importing it costs about 145 ms of CPU, most of a short command's
    start-up). None for a kind of parameter crm has none of: typer's own converter.
    tests/test_number_options.py checks that every parameter of crm has one of these."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.is_file or descriptor.parameter_info.parser:
        return None
    annotation, info = descriptor.annotation, descriptor.parameter_info
    many = get_origin(annotation) is list
    kind = get_args(annotation)[0] if many else annotation
    if kind is str:
        read: Callable[[Any, Any, Any], Any] = _text
    elif kind is bool:
        read = _flag
    elif kind is int and not info.clamp:
        read = _number
    elif isinstance(kind, type) and issubclass(kind, Enum):
        read = partial(_choice, tuple(kind), info.case_sensitive)
    elif isinstance(kind, type) and issubclass(kind, Path) and info.path_type is None:
        read = partial(_path, info, kind)
    else:
        return None
    return _Reading(parameter_info=info, annotation=annotation, read=read, many=many)


def _text(value: Any, param: Any, ctx: Any) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else str(value)


# What a flag's value may be when it is not True or False already (an environment variable).
_FLAG_WORDS = dict.fromkeys(("", "0", "false", "f", "no", "n", "off"), False) | dict.fromkeys(
    ("1", "true", "t", "yes", "y", "on"), True
)


def _flag(value: Any, param: Any, ctx: Any) -> bool:
    if isinstance(value, bool):
        return value
    flag = _FLAG_WORDS.get(str(value).strip().lower())
    if flag is None:
        raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
    return flag


def _choice(choices: tuple[Enum, ...], case: bool, value: Any, param: Any, ctx: Any) -> Any:
    from typer._param_types import coerce_cli_choice

    try:
        return coerce_cli_choice(value, choices=choices, case_sensitive=case, ctx=ctx)
    except ValueError as exc:  # `'x' is not one of 'table', 'json'.`
        raise BadParameter(str(exc), ctx=ctx, param=param) from None


def _path(info: Any, kind: type, value: Any, param: Any, ctx: Any) -> Any:
    from typer._param_types import coerce_cli_path

    value = value if isinstance(value, kind) else kind(value)
    return coerce_cli_path(value, info, path_type=kind, param=param, ctx=ctx)


def _number(value: Any, param: Any, ctx: Any) -> int:
    """The whole number typed for the number parameter `param`: ASCII or full-width digits,
    a sign and any spaces around them (the ideographic `　` too), within the parameter's
    range and what SQLite stores. Refused (BadParameter) with what `number_refused` says:
    the range (None, None when no whole number was typed) and the value as typed."""
    if isinstance(value, int):
        number: int | None = value
    else:
        read = str(value).translate(_FULL_WIDTH).strip()  # any spaces around: `３　`
        try:  # int() also reads other scripts' digits (٣): not a number crm shows
            number = int(read) if read.isascii() else None
        except ValueError:  # no whole number, or one too long to read
            number = None
    low, high = param.min, param.max
    if number is None:
        low = high = None
    elif not _STORED[0] <= number <= _STORED[1]:  # outside what is stored: outside the range
        low = _STORED[0] if number < 0 and low is None else low
        high = _STORED[1] if number > 0 and high is None else high
    elif (low is None or number >= low) and (high is None or number <= high):
        return number
    refused = BadParameter(str(value), ctx=ctx, param=param)
    refused.number = (str(value), low, high)  # type: ignore[attr-defined]
    raise refused


def number_refused(exc: BaseException) -> str | None:
    """For a usage error refusing the value of a number option or argument (`_number`):
    crm's sentence, in the run's language, naming the option as typed in help (`--limit`;
    an argument by its placeholder, `ID`), what it takes (its range, when a whole number
    outside it was typed) and the value as typed. None for any other error."""
    param, number = getattr(exc, "param", None), getattr(exc, "number", None)
    if number is None:
        return None
    value, low, high = number
    names = sorted(param.opts, key=lambda n: (not n.startswith("--"), n))  # type: ignore[union-attr]
    if param.param_type_name == "option":  # type: ignore[union-attr]
        name = names[0]
    else:
        hint = param.get_error_hint()  # type: ignore[union-attr]
        name = hint.strip("'")  # click's placeholder, in the run's language (`ID`, 编号)
    template = NUMBER_REFUSALS[(low is not None, high is not None)]
    return _(template).format(name=name, value=typed(value), min=low, max=high)


def said(text: str) -> str:
    """`text`, an English message of the framework (one of SENTENCES, its values filled
    in), in the run's language, what was typed in it cut as crm's own messages cut it
    (crmcli.core.i18n `typed`); text that is none of them comes back as it is."""
    found = None
    for template, pattern, literal in _patterns():
        match = pattern.match(text)
        if match and (found is None or literal > found[2]):
            found = (template, match, literal)
    if found is None:
        return text
    if current() == "en":
        cut = {n: said(v) if n in _NESTED else _cut(n, v) for n, v in found[1].groupdict().items()}
        return found[0].format(**cut)
    values = {
        name: said(value)
        if name in _NESTED
        else _glossed(value.split(", "))
        if name == "choices"
        else _(", ").join(_quoted(v) for v in value.split(", "))
        if name in _LISTS
        else _quoted(_cut(name, value))
        for name, value in found[1].groupdict().items()
    }
    return _(found[0]).format(**values)


# Fields of SENTENCES that quote back what the user typed (an option or a value no command
# takes, arguments too many): cut as crm's own messages cut it.
_ECHOED = ("value", "option", "arguments")


def _cut(name: str, value: str) -> str:
    """`value`, the field `name` of a sentence, cut to what a message quotes of what was typed
    (`'xxxx…'`, its quotes kept) when the field echoes it."""
    if name not in _ECHOED:
        return value
    if len(value) > 1 and value[0] == value[-1] == "'":
        return f"'{typed(value[1:-1])}'"
    return typed(value)


def _glossed(choices: list[str]) -> str:
    """The choices of an option as quoted (`'city'`); in another language each by the word
    its help shows for it (`default_said`), which may be typed instead (crmcli.core.vocabulary
    `chosen`), with its key after it (`“城市”（city）`, `“天”（day）`)."""
    keys = tuple(c[1:-1] if len(c) > 1 and c[0] == c[-1] == "'" else c for c in choices)
    shown = []
    for choice, key in zip(choices, keys, strict=True):
        spoken = default_said(key, keys)
        shown.append(_quoted(choice) if spoken == key else f"“{spoken}”（{key}）")
    return _(", ").join(shown)


def _quoted(text: str) -> str:
    """A value or a name the framework quoted (`'nope'`, `'--format' / '-f'`) as the run's
    language quotes what a person typed or may type (Chinese: `“nope”`, `“--format”/“-f”`,
    as crm's own messages do); anything else as it is."""
    names = text.split(" / ")
    if all(len(n) > 1 and n[0] == n[-1] == "'" for n in names):
        return "/".join(f"“{n[1:-1]}”" for n in names)
    return text


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], int]]:
    """Each sentence with a pattern that matches it filled in, and the length of its own
    text (of two that match, the longer says more: `(Possible options: ...)`)."""
    import string

    compiled = []
    for template in SENTENCES:
        parts, literal = [], 0
        for text, field, _spec, _conversion in string.Formatter().parse(template):
            parts.append(re.escape(text))
            literal += len(text)
            if field is not None:
                parts.append(f"(?P<{field}>.+)" if field in _TYPED else f"(?P<{field}>.+?)")
        compiled.append((template, re.compile("".join(parts) + r"\Z", re.DOTALL), literal))
    return compiled


class Context(typer.Context):
    """A context whose help is laid out by crmcli/cli/helpformat.py (loaded when help is
    drawn)."""

    def make_formatter(self) -> Any:
        from crmcli.cli.helpformat import HelpFormatter

        return HelpFormatter(width=self.terminal_width, max_width=self.max_content_width)


def hoisted(root: Any, argv: list[str]) -> list[str]:
    """`argv` with the global options typed after the command (`crm purchases --money wan`,
    `crm list --lang zh`) moved before its name, where click reads them (a group parses its
    own options only up to the command's name). An option the command itself has, or one of
    the groups on the way to it, stays where it is and is the command's (`crm demo --db`);
    so do the words after `--`, and anything when the first word is not a command (click
    then says what is wrong). The command is found as click finds it: a group's own options
    may come before its subcommand's name (`crm task --no-pager list`), and a group run
    without one takes the rest as its own words (`crm care --lang zh`, `crm export REF`).
    A global option last, without its value (`crm list --money`), is left alone at the end
    of the global options, where click says it needs one. `--version` and help are not
    moved: they act at once."""
    mine = {
        name: not p.is_flag
        for p in root.params
        if p.param_type_name == "option" and "--version" not in p.opts
        for name in p.opts
    }
    at = 0
    while at < len(argv) and argv[at].startswith("-") and argv[at] != "--":
        at += 2 if mine.get(argv[at]) else 1  # `--db PATH`: the option and its value
    if at >= len(argv) or argv[at] not in getattr(root, "commands", {}):
        return argv
    start, command, own = at, root, {}
    moved: list[str] = []
    kept: list[str] = []
    named = True  # no word of the command's own yet: a subcommand's name may come
    rest = iter(argv[at:])
    for word in rest:
        if word == "--":
            kept += [word, *rest]
            break
        sub = getattr(command, "commands", {}).get(word) if named else None
        if sub is not None:  # the command's name, or its subcommand's
            command = sub
            own |= {n: not p.is_flag for p in command.params if p.param_type_name == "option"
                    for n in p.opts}  # fmt: skip
            if getattr(sub, "options_before_name", False):  # `crm export -o F all`: its commands'
                own |= {n: not p.is_flag for each in sub.commands.values() for p in each.params
                        if p.param_type_name == "option" for n in p.opts}  # fmt: skip
            kept.append(word)
            continue
        name = word.split("=", 1)[0] if word.startswith("--") else word
        if name in mine and name not in own:
            if word != name or not mine[name]:  # a flag, or `--db=PATH`
                moved.append(word)
                continue
            value = next(rest, None)
            if value is None:  # `crm list --money`: click says the value is missing
                return [*argv[:start], *moved, word]
            moved += [word, value]
            continue
        kept.append(word)
        if own.get(word):  # the value of the command's own option, whatever it looks like
            kept += [value for value in [next(rest, None)] if value is not None]
        elif not word.startswith("-"):
            named = False  # an argument: the words after it are no command's name
    if not moved:
        return argv
    return [*argv[:start], *moved, *kept]


def global_value(argv: list[str], params: list[Any], flag: str) -> str | None:
    """The value the last `FLAG X` (or `FLAG=X`) gives among the global options (`params`,
    the root command's) before the command's name in `argv`, if any. A FLAG last, with no
    value after it (`crm list --db`), gives none: click says the value is missing."""
    found = global_values(argv, params, flag)
    return found[-1] if found else None


def global_values(argv: list[str], params: list[Any], flag: str) -> list[str]:
    """Every value `FLAG X` (or `FLAG=X`) gives among the global options (`params`, the
    root command's) before the command's name in `argv`, in order (`hoisted` has put those
    typed after the command there)."""
    valued = {name for p in params if not getattr(p, "is_flag", True) for name in p.opts}
    words, found = iter(argv), []
    for word in words:
        if word == flag:
            value = next(words, None)
            if value is not None:
                found.append(value)
        elif word.startswith(f"{flag}="):
            found.append(word.removeprefix(f"{flag}="))
        elif word == "--":
            break
        elif word in valued:
            next(words, None)  # its value: `--color never`, `--db PATH`
        elif not word.startswith("-"):
            break  # the command's name: its own options follow
    return found


HELP_NAMES = ("-h", "--help")


def _valued(params: list[Any]) -> dict[str, bool]:
    """Each option name among `params` and whether it takes a value."""
    return {
        name: not p.is_flag and not getattr(p, "count", False)
        for p in params
        if p.param_type_name == "option"
        for name in p.opts + p.secondary_opts
    }


def option_as_value(root: Any, argv: list[str]) -> str | None:
    """The first option in `argv` (as `hoisted` leaves it) whose value is one of crm's own
    option names, the command's or the global ones (`crm add 张三 --city -q`): a script whose
    unquoted variable was empty wrote that, and click would take `-q` as the city; so is
    `--city --`. None when there is none. `--city=-q` (one word) and the words after `--` are
    values as typed. A group whose commands' options may come before their name (`crm export
    -o F all`: `options_before_name`) knows all those options from its name on."""
    known = _valued(root.params)  # the options so far: the global ones, then each command's
    words = iter(argv)
    command, named = root, True
    for word in words:
        if word == "--":
            return None
        sub = getattr(command, "commands", {}).get(word) if named else None
        if sub is not None:
            command, known = sub, known | _valued(sub.params)
            if getattr(sub, "options_before_name", False):  # `crm export -o F all`
                for each in sub.commands.values():
                    known = known | _valued(each.params)
            continue
        if known.get(word):
            value = next(words, None)
            if value in known or value in HELP_NAMES or value in ("--version", "--"):
                return word
        elif not word.startswith("-"):
            named = False  # an argument: the words after it are no command's name
    return None
