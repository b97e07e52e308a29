"""How `--help` reads: placeholders in words, whole summaries, examples one a line.

typer names a value by its Python type (`--tag <list[str]>`, `--limit <int range>`, a flag
`<bool>`), and click cuts a command's summary in the list of commands at 45 characters or
at the first full stop (`Delete a feedback item for good (e.g.`). `tidy` goes once over the
click commands a run built, before anything is printed, and gives every value a word
(`TAG`, `DATE`, `REF`, `N`, `TEXT`, the choices `csv|tsv|json`), every command its first
sentence as its summary, and the plain help (off a terminal) its `Example:` lines one a
line. A parameter's own `metavar=` wins over the table; the words are the ones docs/ and
`crm help` use. Each word of a placeholder is a msgid of its own, said in the run's
language (`REF` is 客户, `[OPTIONS]` is [选项]), so the usage line, the options and a usage
error (`缺少参数 '客户'`) name the same word as the Chinese help sentences.
"""

import re
from typing import Any

from crmcli.cli.framework import Context, install, key_said, reading
from crmcli.core.i18n import _, current, reset, use

# The word for each parameter, by option flag (`--tag`) or argument name (`ref`).
_WORDS = {
    "REF": "ref customer customers targets keep other --customer --referred-by",
    "TAG": "tag --tag --add-tag --remove-tag --without-tag",
    "STAGE": "second --stage --lifecycle",
    "SEGMENT": "segment --segment",
    "DATE": "on when --since --until --as-of --created-since --created-until --due "
    "--birthday --backtest",
    "WHEN": "--at",
    "WHEN[:TEXT]": "--follow-up",
    "PERIOD": "--within --due-within --every --after --horizon --window --cadence --duration",
    "FILTER": "--where",
    "FIELD=VALUE": "--set",
    "KEY=VALUE": "--field",
    "COLUMN=FIELD": "--map",
    "RELATION=NAME": "--related",
    "FIELD": "--unset --key --sort",
    "N": "--limit --keep --top --periods --customers --qty --seed --stale-years --min-score "
    "--nps --csat",
    "YEAR": "--year",
    "AMOUNT": "amount --amount --price --unit-price",
    "CURRENCY": "--currency",
    "PHONE": "--phone --remove-phone --primary-phone",
    "EMAIL": "--email --remove-email --primary-email",
    "FILE": "file dest source --ids-from --rejects --output --db",
    "ID": "ids",
    "FESTIVAL": "festival --holiday",
    "CLASS": "--abc",
    "TIER": "--frequency-tier --value-tier",
    "CHANNEL": "--channel --preferred-channel",
    "SQL": "query",
    "VALUE": "value --param",
    "in|out": "--direction",
    "update|skip|error": "--on-conflict",
}
WORDS = {name: word for word, names in _WORDS.items() for name in names.split()}


def tidy(command: Any, language: str | None = None) -> None:
    """Give `command` and every command below it words for help (see the module's
    docstring), in `language`, by default the run's: each help text is its English text's
    msgid in the catalog (crmcli.core.i18n), so the command modules stay in English. A
    command already tidied for this language is left as it is; the English texts are kept
    for another. A run tidies for its provisional language before parsing its command line
    (no glance at the file); help (`_Context`) and errors tidy again for the run's
    language, found then."""
    language = language or current()
    if getattr(command, "_crm_tidy", None) == language:
        return
    token = use(language)  # `_` says it in `language`, the run's language still to be found
    try:
        _tidy(command, language)
    finally:
        reset(token)


def _tidy(command: Any, language: str) -> None:
    if not hasattr(command, "_crm_tidy"):
        install(command)
        command.context_class = _Context
        command._crm_help = command.help
        command._crm_markup = getattr(command, "rich_markup_mode", None)
        command._crm_metavars = (
            command.options_metavar,
            getattr(command, "subcommand_metavar", None),
        )
        for param in [*command.params, *help_option(command)]:
            param._crm_metavar = placeholder(param)
            param._crm_help = getattr(param, "help", None)
            if param.param_type_name == "argument":
                param.__class__ = _argument_class(type(param))
            if _choices(param):
                param.__class__ = _chosen_class(type(param))
            param._runtime_param = reading(param)  # crm reads its values (not pydantic)
    command._crm_tidy = language
    options, commands = command._crm_metavars
    command.options_metavar = options and worded(options)
    if commands is not None:
        command.subcommand_metavar = worded(commands)
    # rich breaks lines only at spaces, and cuts Chinese text, which has none, with "…":
    # Chinese help is laid out by crmcli/cli/framework.py, on a terminal too.
    rich = _rich() and language == "en"
    command.rich_markup_mode = command._crm_markup if rich else None
    english = command._crm_help
    if english:
        command.short_help = _(summary(english))
        command.help = _(english)
        if not rich:
            command.help = _keep_examples(command.help)
    for param in [*command.params, *help_option(command)]:
        param.metavar = worded(keys_said(param, param._crm_metavar))
        if getattr(param, "_crm_help", None):
            param.help = _(param._crm_help)
    for sub in getattr(command, "commands", {}).values():
        if getattr(sub, "_crm_tidy", None) != language:
            _tidy(sub, language)


class _Context(Context):
    """A context whose help and usage line are in the run's language, found when they are
    drawn: a run tidies its commands for its provisional language (`tidy`)."""

    def make_formatter(self) -> Any:
        tidy(self.find_root().command)
        return super().make_formatter()


def help_option(command: Any) -> list[Any]:
    """The command's -h/--help flag, if it has one (click makes it on first use and keeps
    it)."""
    import typer

    context = typer.Context(command, help_option_names=["-h", "--help"])
    option = command.get_help_option(context)
    return [option] if option is not None else []


def summary(help: str) -> str:
    """The first sentence of a help text, on one line: up to the first full stop that ends
    a sentence (`e.g.` does not) or the end of the first paragraph."""
    words = help.strip().split("\n\n", 1)[0].split()
    for number, word in enumerate(words):
        follows = words[number + 1] if number + 1 < len(words) else ""
        if word.endswith(".") and word not in ("e.g.", "i.e.") and not follows[:1].islower():
            return " ".join(words[: number + 1])
    return " ".join(words)


def _keep_examples(help: str) -> str:
    """Help with its `Example:` (示例) paragraph kept line by line in plain help (click
    rewraps a paragraph unless a line of just \\b comes before it; rich help keeps the
    lines)."""
    paragraphs = help.split("\n\n")
    kept = []
    for paragraph in paragraphs:
        text = paragraph.lstrip(" ")
        if text.startswith(("Example", "示例")):  # the \b line indented as the docstring is
            paragraph = f"{paragraph[: len(paragraph) - len(text)]}\b\n{paragraph}"
        kept.append(paragraph)
    return "\n\n".join(kept)


# A word of a placeholder (`REF`, `MM-DD`, the `FIELD`s of `COLUMN=FIELD` and `FIELD,FIELD`,
# the `OPTIONS` of `[OPTIONS]`); choices (`csv|tsv`) are values, in lower case, and stay.
_WORD = re.compile(r"[A-Z]+(?:-[A-Z]+)*")


def worded(metavar: str) -> str:
    """A placeholder in the run's language: each word of it is its own msgid (`REF` is
    客户, `COLUMN=FIELD` is 列=字段, `[OPTIONS]` is [选项]); the rest (`=`, `|`, `[...]`,
    the choices) stays as it is typed."""
    if current() == "en" or not metavar:
        return metavar
    return _WORD.sub(lambda found: _(found.group()), metavar)


# A list of the keys an option takes (`day|week|month`, `in|out`).
_KEYS = re.compile(r"[a-z][a-z_]*(?:\|[a-z][a-z_]*)+")


def keys_said(param: Any, metavar: str) -> str:
    """A placeholder that lists keys (`day|week|month`) as the run's language types them
    back (`天|周|月`, `--direction 客户发起|我方发起`): each key the option also reads in
    words is said so (crmcli/cli/framework.py `key_said`); a key only itself stands for
    (`json`, `bgnbd`) stays. Anything else as it is."""
    if current() == "en" or not _KEYS.fullmatch(metavar):
        return metavar
    return "|".join(key_said(param, key) for key in metavar.split("|"))


def placeholder_words(metavar: str) -> set[str]:
    """The words of a placeholder that `worded` looks up (tests/catalog.py extracts them)."""
    return set(_WORD.findall(metavar))


def placeholder(param: Any) -> str:
    """The word for a parameter's value: its own metavar, else the table's, else one from
    its type: the choices (`csv|tsv`), N for a number, FILE for a path, TEXT, and an
    argument's name in capitals. A flag takes no value: ''."""
    if hasattr(param, "_crm_metavar"):  # tidied: the English word, whatever the language
        return param._crm_metavar
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.metavar:
        return str(param.metavar).removesuffix("...")
    key = param.opts[0] if param.param_type_name == "option" else param.name
    if key in WORDS:
        return WORDS[key]
    desc = getattr(param, "type_descriptor", None)
    choices = getattr(desc, "choices", None)
    if choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in choices)
    annotation = getattr(desc, "annotation", None)
    inner = getattr(annotation, "__args__", (annotation,))[0]
    if getattr(desc, "is_path", False):
        return "FILE"
    if inner is int or inner is float:
        return "N"
    return param.name.upper() if param.param_type_name == "argument" else "TEXT"


_ARGUMENT_CLASSES: dict[type, type] = {}


def _argument_class(base: type) -> type:
    """`base` (typer's argument) showing its word alone in help: typer adds the Python type
    after the name (`REF <str>`) and braces a required one in the usage line (`{REF}`)."""
    if base in _ARGUMENT_CLASSES.values():
        return base
    if base not in _ARGUMENT_CLASSES:

        class WordedArgument(base):  # type: ignore[misc, valid-type]
            def display_type_rich(self, ctx: Any) -> None:
                return None

            def _rich_display_name(self) -> str:
                return f"{self.metavar}..." if self.nargs != 1 else str(self.metavar)

            def _usage_display_name(self) -> str:  # REF, [REF], [REF]... (typer: {REF})
                name = str(self.metavar) if self.required else f"[{self.metavar}]"
                return f"{name}..." if self.nargs != 1 else name

        _ARGUMENT_CLASSES[base] = WordedArgument
    return _ARGUMENT_CLASSES[base]


def _choices(param: Any) -> tuple[str, ...]:
    """The keys a parameter of a fixed set of values takes (`--by month`), or ()."""
    from enum import Enum
    from typing import get_args

    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, Enum):
            return tuple(str(member.value) for member in kind)
    return ()


_CHOSEN_CLASSES: dict[type, type] = {}


def _chosen_class(base: type) -> type:
    """`base` (a typer parameter of an Enum) taking the words crm shows for its values too,
    in any language it speaks (`--by 城市` is `--by city`, crmcli.core.vocabulary.chosen):
    a person types back what they see."""
    if base in _CHOSEN_CLASSES.values():
        return base
    if base not in _CHOSEN_CLASSES:

        class ChosenParameter(base):  # type: ignore[misc, valid-type]
            def process_value(self, ctx: Any, value: Any) -> Any:
                from typer._click.exceptions import BadParameter

                from crmcli.core.vocabulary import chosen

                keys = _choices(self)

                def key(text: Any) -> Any:
                    if not isinstance(text, str) or text in keys:
                        return text
                    return chosen(text, keys) or text

                if isinstance(value, (list, tuple)):
                    value = type(value)(key(v) for v in value)
                else:
                    value = key(value)
                try:
                    return super().process_value(ctx, value)
                except BadParameter as exc:
                    # a value one typo off a choice: crmcli.cli.app offers the choice meant
                    from crmcli.core.vocabulary import fields_meant

                    given = value if isinstance(value, (list, tuple)) else (value,)
                    typed = [v for v in given if isinstance(v, str) and v not in keys]
                    exc.meant = fields_meant(typed[0], list(keys)) if typed else []  # type: ignore[attr-defined]
                    raise

        _CHOSEN_CLASSES[base] = ChosenParameter
    return _CHOSEN_CLASSES[base]


def _rich() -> bool:
    import typer.core

    return bool(getattr(typer.core, "HAS_RICH", False))
