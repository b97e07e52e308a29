"""Shell completion: what crm offers when the shell's script calls it back.

`crm completion SHELL` prints typer's script for bash, zsh or fish (`script`). On Tab the
script runs crm with `_CRM_COMPLETE=complete_bash|complete_zsh|complete_fish` and the
words typed so far (COMP_WORDS and COMP_CWORD for bash, `_TYPER_COMPLETE_ARGS` for zsh and
fish); such a run comes here (`complete`, from the root command's `main`) and runs no
command. Commands, options and fixed choices (`--format`) come from the click commands;
the parameters named in VALUES and FIXED get their values here: customers, tags, stages,
segments and `--where` fields from the database, opened read-only without a key, a lock or
an upgrade (crmcli.store.glance.peek). A missing, locked or encrypted file, or any
error at all, completes nothing and says nothing. This module loads only when completing.
"""

import os
from collections.abc import Callable
from typing import Any

VAR = "_CRM_COMPLETE"

# The source of each parameter's values (crmcli.records.suggest), by option flag or
# argument name, as crmcli.cli.helptext names them.
_VALUES = {
    "customers": "ref customer customers targets keep other first --customer --referred-by",
    "tags": "tag --tag --add-tag --remove-tag --without-tag",
    "stages": "second --stage",
    "segments": "--segment",
    "where_fields": "--where",
    "sort_fields": "--sort",
}
VALUES = {name: source for source, names in _VALUES.items() for name in names.split()}
# Parameters whose values are a fixed list.
FIXED = {
    "--lifecycle": "new active at_risk lapsed reactivated none",
    "--abc": "A B C",
    "--lang": "en zh",
    "--frequency-tier": "high medium low",
    "--value-tier": "high medium low",
    "topic": "dates filters formats exit-codes privacy",  # crm help (crmcli/cli/topics.py)
    "segment": "",  # crm report rfm's segments (crmcli.reports.models.rfm), read when asked
}


# typer's zsh script evals crm's answer, so a customer named `\$(cmd)` ran cmd on Tab; this
# one reads the answer as lines of VALUE<TAB>DESCRIPTION and hands them to compadd, which
# quotes each value for the command line and evaluates nothing.
ZSH_SCRIPT = """#compdef crm

_crm_completion() {
  local -a found values shown
  local line
  found=("${(@f)$(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _CRM_COMPLETE=complete_zsh crm)}")
  for line in "${found[@]}"; do
    [[ -n $line ]] || continue
    values+=("${line%%$'\\t'*}")
    if [[ $line == *$'\\t'* ]]; then
      shown+=("${line%%$'\\t'*}  -- ${line#*$'\\t'}")
    else
      shown+=("$line")
    fi
  done
  if (( ${#values} )); then
    compadd -l -d shown -a values
  else
    _files
  fi
}

compdef _crm_completion crm"""


# typer's bash script splits crm's answer unquoted, so a value holding `*` or `?` (a tag
# named `*`) was expanded against the files of the current folder; this one reads it line
# by line and expands nothing.
BASH_SCRIPT = """_crm_completion() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("$line")
    done < <(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
                 _CRM_COMPLETE=complete_bash "$1")
    return 0
}

complete -o default -F _crm_completion crm"""


def script(shell: str) -> str:
    """The completion script for `shell` (bash, zsh or fish)."""
    if shell == "zsh":
        return ZSH_SCRIPT
    if shell == "bash":
        return BASH_SCRIPT
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="crm", complete_var=VAR, shell=shell)


def typed() -> tuple[list[str], str]:
    """The words typed before the one being completed, and that one (a run loads only the
    modules of the command they name, crmcli.cli.run); nothing when the shell's
    variables cannot be read."""
    try:
        words, word = _completer(None).get_completion_args()
        return list(words), word
    except Exception:
        return [], ""


def language(root: Any) -> str | None:
    """The language of the descriptions zsh and fish show beside the words, as a command
    would speak (crmcli.cli.app `speak`): `--lang` typed on the line, else the `language`
    setting of the database (`--db` typed, else CRM_DB, else the default), glanced at as
    values are (`peek`); None leaves it to the locale. bash shows no descriptions: its
    completions open no file for them."""
    if _shell() not in ("zsh", "fish"):
        return None
    try:
        from crmcli.cli.framework import global_value
        from crmcli.core.i18n import clean
        from crmcli.store import glance

        words = typed()[0]
        typed_language = global_value(words, root.params, "--lang")
        if typed_language is not None:
            return clean(typed_language)
        stored = glance.language(global_value(words, root.params, "--db"))
        return None if stored is None else clean(stored)
    except Exception:  # the shell's words cannot be read: the locale's language
        return None


def complete(root: Any, obj: Any) -> int:
    """Print what the shell should offer for the words it passed; the exit code for it."""
    try:
        from typer.completion import shell_complete

        from crmcli.cli.helptext import tidy

        _register()
        tidy(root)  # whole summaries as the descriptions zsh and fish show
        changed = _attach(root, [])
    except Exception:  # never a word on stderr while the user types
        return 0
    try:
        return shell_complete(root, {"obj": obj}, "crm", VAR, os.environ.get(VAR, ""))
    except Exception:
        return 0
    finally:  # the commands as they were, for the next run in this process (tests)
        for param, runtime, values in changed:
            param._runtime_param, param._custom_shell_complete = runtime, values


def _completer(root: Any) -> Any:
    from typer._click.shell_completion import get_completion_class

    _register()
    return get_completion_class(_shell())(root, {}, "crm", VAR)  # type: ignore[misc]


def _shell() -> str:
    """The shell asking: bash, zsh or fish."""
    return os.environ.get(VAR, "").partition("_")[2]


def _register() -> None:
    """typer's completion classes, with bash's values escaped for its command line, and
    zsh's and fish's descriptions as plain text: typer passes each through rich, whose
    import costs more than the rest of a completion."""
    import re

    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete, FishComplete, ZshComplete
    from typer.completion import completion_init

    completion_init()

    class ValueFirst:
        """After an option that takes a value, the word is its value even when it begins
        with `-` (`--sort -cr` is descending created_at), as the parser reads it; click
        offered the command's options there instead."""

        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            from typer._click.shell_completion import _is_incomplete_option, _resolve_context

            if incomplete.startswith("-") and args and "--" not in args:
                ctx = _resolve_context(self.cli, self.ctx_args, self.prog_name, args)  # type: ignore[attr-defined]
                for param in ctx.command.get_params(ctx):
                    if _is_incomplete_option(ctx, args, param):
                        return param.shell_complete(ctx, incomplete)
            return super().get_completions(args, incomplete)  # type: ignore[misc]

    class Bash(ValueFirst, BashComplete):
        def format_completion(self, item: Any) -> str:
            # bash puts a value on the line as it is: "Wang Fang" would be two words; after
            # an opening quote it is inside the quotes, where a backslash stays a backslash
            quote = _open_quote(os.environ.get("COMP_WORDS", ""))
            if quote == "'":
                return item.value.replace("'", "'\\''")
            if quote == '"':
                return re.sub(r'([$`"\\])', r"\\\1", item.value)
            return re.sub(r"([^\w@%+=:,./-])", r"\\\1", item.value)

    class Zsh(ValueFirst, ZshComplete):
        """Lines of VALUE<TAB>DESCRIPTION for ZSH_SCRIPT, which evaluates none of them."""

        def format_completion(self, item: Any) -> str:
            about = re.sub(r"\s", " ", item.help or "")
            return f"{item.value}\t{about}" if about else item.value

        def complete(self) -> str:
            words, word = self.get_completion_args()
            return "\n".join(map(self.format_completion, self.get_completions(words, word)))

    class Fish(ValueFirst, FishComplete):
        def format_completion(self, item: Any) -> str:
            about = re.sub(r"\s", " ", item.help or "")
            return f"{item.value}\t{about}" if about else item.value

    add_completion_class(Bash, "bash")
    add_completion_class(Zsh, "zsh")
    add_completion_class(Fish, "fish")


def _open_quote(line: str) -> str:
    """The quote left open at the end of the command line (`"` or `'`), or ''."""
    quote, escaped = "", False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote and char == quote:
            quote = ""
        elif not quote and char in "\"'":
            quote = char
    return quote


class _AsTyped:
    """A parameter's value left as the shell passed it: completing needs no conversion of
    what is typed so far, nor a refusal of a value half typed."""

    def coerce(self, value: Any, **_: Any) -> Any:
        return value


def _attach(command: Any, changed: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
    """Give the parameters of `command` and its subcommands their values (VALUES, FIXED),
    and no conversion of the values already typed; `changed` gets what each had before."""
    from crmcli.cli.helptext import help_option

    for param in [*command.params, *help_option(command)]:
        changed.append((param, param._runtime_param, param._custom_shell_complete))
        param._runtime_param = _AsTyped()
        key = param.opts[0] if param.param_type_name == "option" else param.name
        if key in VALUES:
            param._custom_shell_complete = _from_database(VALUES[key])
        elif key in FIXED:
            param._custom_shell_complete = _fixed(FIXED[key].split() or _rfm_segments())
    for sub in getattr(command, "commands", {}).values():
        _attach(sub, changed)
    return changed


def _from_database(source: str) -> Callable[[Any, Any, str], list[Any]]:
    def values(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        from typer._click.shell_completion import CompletionItem

        from crmcli.records import suggest
        from crmcli.store.glance import peek, resolve_path

        try:
            conn = peek(resolve_path(ctx.find_root().params.get("db")))
        except Exception:
            conn = None
        try:
            if conn is None and source not in ("where_fields", "sort_fields"):
                return []
            if source == "where_fields":  # inside quotes bash keeps the spaces typed
                spaced = _shell() == "bash" and _open_quote(os.environ.get("COMP_WORDS", ""))
                found = suggest.where_fields(conn, incomplete, spaced=bool(spaced))
            else:
                found = getattr(suggest, source)(conn, incomplete)
            # A value that begins with `-` would be read as an option where an argument is
            # typed (a customer named `--all`: `crm delete --all` archived everyone).
            risky = param.param_type_name == "argument"
            return [
                CompletionItem(s.value, help=s.about)
                for s in found
                if not (risky and s.value.startswith("-"))
            ]
        except Exception:  # an older schema, a lock, a broken file: nothing to offer
            return []
        finally:
            if conn is not None:
                conn.close()

    return values


def _rfm_segments() -> list[str]:
    from crmcli.reports.models.rfm import GRID

    return [segment for segment, _, _ in GRID]


def _fixed(words: list[str]) -> Callable[[Any, Any, str], list[str]]:
    def values(ctx: Any, param: Any, incomplete: str) -> list[str]:
        return [word for word in words if word.casefold().startswith(incomplete.casefold())]

    return values
