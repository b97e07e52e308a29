"""The root `crm` command, its global options, and the one error boundary.

`CrmGroup.main` is where every exception becomes an exit code and one line on stderr:
CrmError kinds carry their own code (2 bad input, 3 not found, 1 storage), SQLite errors
become StorageError (1), click usage errors are 2, Ctrl-C is 130, anything else is an
internal error (1) whose traceback only `--debug` or CRM_DEBUG=1 shows. An error writing
the output (a closed pipe, a full disk) is judged by what the run did to the database: see
`_output_failed`.
"""

import errno
import io
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from crmcli import __version__
from crmcli.cli.output import Format, Output
from crmcli.core import i18n, notices, oserrors
from crmcli.core.errors import Ambiguous, CrmError, InvalidInput
from crmcli.core.i18n import N_, Said, _
from crmcli.core.progress import SILENT, Progress


@dataclass
class GlobalOptions:
    """Global options, kept on ctx.obj (no module state: CliRunner reuses the process)."""

    db: Path | None = None
    no_color: bool = False  # --color never, --no-color, NO_COLOR
    force_color: bool = False  # --color always, FORCE_COLOR: colour into a pipe too
    no_pager: bool = False
    debug: bool = False
    money: str | None = None  # --money: how amounts read on a terminal (else the setting)
    lang: str | None = None  # --lang: wins over the database's `language` setting
    # What this run did to the database, for the error boundary (`_output_failed`):
    writes: bool = False  # it began a write (a preview or a unit of work)
    saved: bool = False  # a write of it was committed

    @property
    def path(self) -> Path:
        from crmcli.store.glance import resolve_path

        return resolve_path(self.db)


def _say(message: str, *, wrapped: bool = False) -> None:
    """`crm: MESSAGE` on stderr: an error one line, a notice (`wrapped`) folded to a
    terminal as sentences are."""
    from crmcli.cli.output import above_progress, escape_control, sentence
    from crmcli.core.validate import mask_in_text

    with suppress(OSError), above_progress():  # an unwritable stderr: only the exit code
        sentence(f"crm: {escape_control(mask_in_text(message))}", sys.stderr, wrapped=wrapped)
        sys.stderr.flush()


def _notice(message: str) -> None:
    _say(message, wrapped=True)


class CrmGroup(TyperGroup):
    """The root group: runs the command and maps every outcome to an exit code."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from crmcli.cli.framework import hoisted

        argv = hoisted(self, list(sys.argv[1:] if args is None else args))
        guard = sys.modules.get("crmcli.store.guard")  # not loaded: no notice said yet
        if guard is not None:
            guard.new_command()  # each command says its notices about the file once
        notices.speak_with(_notice)  # wrapped to a terminal, one line into a pipe
        debug = "--debug" in argv or os.environ.get("CRM_DEBUG", "") not in ("", "0")
        if sys.stderr is None:  # `2>&-`: errors went to stdout (print's fallback), exit 1
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 fail the read
            sys.stdin.reconfigure(errors="strict")  # (not pass on as surrogates)
        for stream in (sys.stdin, sys.stdout, sys.stderr):
            # Text is UTF-8 whatever the locale: a Big5 or Latin-1 locale made Python write
            # in an encoding that cannot hold every name (an internal error, half a table).
            if isinstance(stream, io.TextIOWrapper) and not _utf8(stream.encoding):
                stream.reconfigure(encoding="utf-8")
        run = extra.setdefault("obj", GlobalOptions())  # this run's options and state
        if os.environ.get("_CRM_COMPLETE"):  # the shell asks what to offer on Tab
            from crmcli.cli.completing import complete, language

            # zsh and fish show the commands' summaries, in the language a command speaks
            said = i18n.use(language(self) or i18n.from_locale())
            try:
                code = complete(self, run)
            finally:
                i18n.reset(said)
            if standalone_mode:
                sys.exit(code)
            return code
        # The language is known before anything is printed (help, an error in the command
        # line): --lang, else the database's setting, else the locale. The setting is
        # glanced at only when something is said before the command opens the file, which
        # settles it otherwise (`speak`; an encrypted file's setting only then).
        chosen = _lang_option(argv, self.params)
        language = i18n.use(
            chosen or i18n.Pending(lambda: _stored_language(argv, self.params), i18n.from_locale())
        )
        try:
            code = self._run(argv, prog_name, complete_var, run, debug, **extra)
        finally:
            i18n.reset(language)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(
        self,
        argv: list[str],
        prog_name: str | None,
        complete_var: str | None,
        run: GlobalOptions,
        debug: bool,
        **extra: Any,
    ) -> int:
        try:
            _check_text(argv)
            from crmcli.cli.framework import global_values, option_as_value, said

            databases = global_values(argv, self.params, "--db")
            if any(not name.strip() for name in databases):  # `--db=`, `--db ""`, `--db ' '`:
                # a script's unset variable, even beside another; no file is named by spaces
                raise InvalidInput(_("--db needs a file name; it was given an empty value"))
            one_database(databases)

            if (option := option_as_value(self, argv)) is not None:  # as click says it
                raise InvalidInput(said(f"Option '{option}' requires an argument."))
            from crmcli.cli.helptext import tidy

            tidy(self, i18n.provisional())  # the database's language is not looked for yet
            result = super().main(
                args=argv,
                prog_name=prog_name or "crm",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
            sys.stdout.flush()  # what is still buffered meets its error here, not at exit
        except Exception as exc:  # the one boundary: everything ends here
            with suppress(Exception):  # usage errors name placeholders in the run's language
                from crmcli.cli.helptext import tidy

                tidy(self)
            code = _exit_code(exc, debug, run)
        except KeyboardInterrupt:
            code = 130
        except SystemExit as exc:
            # typer exits 1 itself when the reader of stdout went away (`crm list | head`),
            # after swapping stdout for a wrapper that ignores the broken pipe.
            if type(sys.stdout).__name__ == "PacifyFlushWrapper":
                code = _output_failed(BrokenPipeError(errno.EPIPE, "Broken pipe"), run)
            else:
                raise exc
        return code


def one_database(given: list[str]) -> None:
    """Refuse two --db that name different files (`crm --db A list --db B`, an alias's
    --db and the command's): which one a write would change must not be a guess. The same
    file twice is one database."""
    files: dict[str, str] = {}  # a file as its real path (symlinks followed): as first given
    for name in given:
        real = os.path.realpath(os.path.expanduser(name))
        if not any(real == other or _same_file(real, other) for other in files):
            files[real] = name
    if len(files) > 1:
        first, second = list(files.values())[:2]
        raise InvalidInput(
            _("--db is given twice, as {first} and {second}; give one database file").format(
                first=first, second=second
            )
        )


def _same_file(one: str, other: str) -> bool:
    """Whether two existing paths are one file (a hard link, a mount seen twice)."""
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist (yet): only the paths tell
        return False


def _utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def _lang_option(argv: list[str], params: list[Any]) -> str | None:
    """The language the last `--lang X` (or `--lang=X`) names among the global options
    (`params`, the root command's) before the command's name, if any: the one click keeps;
    a value crm does not know is left to the option to refuse."""
    from crmcli.cli.framework import global_value

    found = global_value(argv, params, "--lang")
    return None if found is None else i18n.clean(found)


def _stored_language(argv: list[str], params: list[Any]) -> str | None:
    """The `language` setting of the database the global options name (`--db`, else
    CRM_DB, else the default), glanced at before anything is printed; a value crm does
    not know is left to the locale. `--version` says no words: no file is looked at."""
    if "--version" in argv:
        return None
    from crmcli.cli.framework import global_value
    from crmcli.store import glance

    found = glance.language(global_value(argv, params, "--db"))
    return None if found is None else i18n.clean(found)


def _check_text(argv: list[str]) -> None:
    """crm reads its arguments as UTF-8 text: one that is not (Python keeps its bytes as
    lone surrogates) is refused here, for every command, before anything uses it."""
    from crmcli.core.errors import InvalidInput

    for number, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
            raise InvalidInput(
                _(
                    "argument {number} ({shown}) is not valid UTF-8 text; crm reads text as UTF-8"
                ).format(number=number, shown=shown)
            ) from None


def _candidates(exc: Ambiguous, run: GlobalOptions) -> list[str]:
    """The customers a reference matched, a line each (`1`, `张伟`, `华为、上海、138 0013 8000`):
    id, name and what tells them apart, joined as the run's language joins a list, a phone
    on a terminal as tables show it there (national format in the user's own region)."""
    from crmcli.cli.output import is_terminal

    region = _display(run)[1] if is_terminal(sys.stderr) else None
    lines = []
    for c in exc.candidates:
        extra = [str(c[k]) for k in ("company", "city") if c.get(k)]
        if c.get("phone"):
            from crmcli.cli.display import phone

            extra.append(phone(c["phone"], region) if is_terminal(sys.stderr) else c["phone"])
        lines.append(f"{c['id']}\t{c['name']}" + (f"\t{_(', ').join(extra)}" if extra else ""))
    return lines


def _message(message: str) -> str:
    """An error's message as a person reads it: one kept as a Said (it holds amounts) in
    the run's language, its amounts as a table shows them on a terminal (`¥50.00`)."""
    if not isinstance(message, Said):
        return message
    from crmcli.cli.output import is_terminal

    if is_terminal(sys.stderr):
        from crmcli.cli.display import shown

        message = shown(message, False, None)
    return message.said()


def _exit_code(exc: BaseException, debug: bool, run: GlobalOptions) -> int:
    from crmcli.store.db import storage_error

    if debug and not isinstance(exc, CrmError):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, CrmError):
        _say(_message(exc.message))
        from crmcli.cli.output import escape_control, sentence
        from crmcli.core.validate import mask_in_text

        for line in _candidates(exc, run) if isinstance(exc, Ambiguous) else exc.details:
            parts = [escape_control(mask_in_text(p)) for p in line.split("\t")]
            if len(parts) > 1:  # columns a script cuts at tabs (the candidates): as they are
                sys.stderr.write("  " + "\t".join(parts) + "\n")
            else:  # a sentence (why a row was refused): broken as the error is, indented
                sentence(parts[0], sys.stderr, wrapped=False, indent="  ")
        return exc.exit_code
    if isinstance(exc, sqlite3.Error):
        error = storage_error(exc)
        _say(error.message)
        return error.exit_code
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group without its subcommand
        # A terminal gets the group's help first (rich prints it while the error is made;
        # plain help, as Chinese is, is the error's message); a script gets the one line.
        from crmcli.cli.output import is_terminal

        if exc.message and is_terminal(sys.stdout):  # type: ignore[attr-defined]
            sys.stdout.write(exc.message + "\n")  # type: ignore[attr-defined]
        ctx = exc.ctx  # type: ignore[attr-defined]
        group = ctx.command
        names = _(", ").join(
            n for n in group.list_commands(ctx) if not group.get_command(ctx, n).hidden
        )
        _say(
            _("missing command: one of {names} (see '{command} --help')").format(
                names=names, command=ctx.command_path
            )
        )
        return 2
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click usage errors
        from crmcli.cli.framework import said

        ctx = getattr(exc, "ctx", None)
        hint = (
            _(" (see '{command} --help')").format(command=ctx.command_path)
            if ctx is not None
            else ""
        )
        # One line: click lists choices on tab-indented lines. What the user typed stays as
        # typed (its spaces, and those words inside it).
        if type(exc).__name__ == "NoSuchOption" and ctx is not None:
            from crmcli.cli.framework import options_meant

            exc.possibilities = options_meant(exc.option_name, ctx.command)  # type: ignore[attr-defined]
        extra = "unexpected extra argument" in str(getattr(exc, "message", ""))
        if extra and ctx is not None:
            from crmcli.cli.framework import option_meant

            meant = option_meant(ctx)  # an option's value typed as an argument
            if meant is not None:
                hint = _("; did you mean {option}?").format(option=meant) + hint
        from crmcli.cli.framework import number_refused

        refused = number_refused(exc)
        if refused is not None:  # says what the option takes: no need to see its help
            _say(refused)
            return int(exc.exit_code)
        message = re.sub(r"[ \t]*\n\s*", " ", exc.format_message().strip())
        shown = said(message)
        if getattr(exc, "meant", None):  # a value one typo off a choice (`--by ctiy`)
            meant = _(" or ").join(exc.meant)  # type: ignore[attr-defined]
            shown = shown.removesuffix(".") + _("; did you mean {option}?").format(option=meant)
        _say(f"{shown}{hint}")
        return int(exc.exit_code)
    if hasattr(exc, "exit_code"):  # typer.Exit
        return int(exc.exit_code)
    if isinstance(exc, typer.Abort | EOFError):
        _say(_("aborted"))
        return 1
    if isinstance(exc, UnicodeDecodeError):  # standard input, read as UTF-8 text
        _say(
            _("the input is not valid UTF-8 text ({reason} at byte {byte})").format(
                reason=codec_reason(exc.reason), byte=exc.start + 1
            )
        )
        return 2
    if isinstance(exc, OverflowError):  # date arithmetic past year 9999, an int over 2**63
        _say(_("value out of range: a number or a date is too large or too small"))
        return 2
    if isinstance(exc, OSError) and getattr(exc, "writing", None) is False:  # an input file
        _say(
            _("cannot read {path}: {reason}").format(path=exc.filename, reason=oserrors.reason(exc))
        )
        return 1
    if isinstance(exc, OSError) and getattr(exc, "writing", False):  # -o, --rejects
        return _output_failed(exc, run, exc.filename)
    if isinstance(exc, OSError) and exc.filename is None and exc.errno in _OUTPUT_ERRORS:
        return _output_failed(exc, run)
    if isinstance(exc, OSError):  # a path given that cannot be used is input to change
        if exc.filename is None:
            _say(oserrors.reason(exc))
            return 1
        _say(_("{reason}: {path}").format(reason=oserrors.reason(exc), path=exc.filename))
        return 2 if exc.errno in oserrors.REFUSED_PLACES else 1
    _say(_("internal error; rerun with --debug to see the traceback and report it"))
    return 1


# Errors of writing the output: stdout, stderr or an output file being written (-o,
# --rejects), which raise an OSError without a file name (opening a file by name gives
# one): the reader went away, the disk is full or failing.
# What Python's decoders say is wrong with the bytes (UnicodeDecodeError.reason), for the
# catalog: UTF-8, UTF-16 and UTF-32, the GBK family and other multibyte codecs, ASCII, and
# the single-byte code pages.
CODEC_REASONS = frozenset((
    N_("invalid start byte"), N_("invalid continuation byte"), N_("unexpected end of data"),
    N_("truncated data"), N_("illegal UTF-16 surrogate"), N_("illegal encoding"),
    N_("code point not in range(0x110000)"),
    N_("code point in surrogate code point range(0xd800, 0xe000)"),
    N_("illegal multibyte sequence"), N_("incomplete multibyte sequence"),
    N_("ordinal not in range(128)"), N_("character maps to <undefined>"),
))  # fmt: skip


def codec_reason(reason: str) -> str:
    """A decoder's reason in the run's language; one this crm does not know is said as
    bytes that cannot be read, never left in English in another language."""
    if reason in CODEC_REASONS:
        return _(reason)
    return reason if i18n.current() == "en" else _("bytes that cannot be read")


_OUTPUT_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _output_failed(exc: OSError, run: GlobalOptions, path: str | None = None) -> int:
    """The exit code when the output could not be written, by what the run did to the
    database. A reader that went away (`crm list | head`) wanted no more: exit 0 after a
    read or after the change was saved. Any other error lost output someone wanted: exit
    1, as for a read. Before the COMMIT of a write either one aborts it (the unit of work
    rolls back on the way here): exit 1, nothing changed. After the COMMIT the line says
    the change is saved, so that nobody retries it. `path`: the file being written (-o,
    --rejects), which the line names; None for standard output."""
    _drop_stdout()  # what is still buffered must not fail again when Python exits
    closed = exc.errno == errno.EPIPE and path is None
    reason = oserrors.reason(exc.errno) if exc.errno else str(exc)
    if run.writes and not run.saved:
        _say(
            _("standard output was closed before the change was saved; nothing was changed")
            if closed
            else _("the output could not be written ({reason}); nothing was changed").format(
                reason=reason
            )
            if path is None
            else _("{path} could not be written ({reason}); nothing was changed").format(
                path=path, reason=reason
            )
        )
        return 1
    if closed:
        return 0
    if run.saved:
        _say(
            _("the change is saved, but its output could not be written ({reason})").format(
                reason=reason
            )
            if path is None
            else _("the change is saved, but {path} could not be written ({reason})").format(
                path=path, reason=reason
            )
        )
    elif path is None:
        _say(_("the output could not be written ({reason})").format(reason=reason))
    else:
        _say(_("{path} could not be written ({reason})").format(path=path, reason=reason))
    return 1


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="A command-line CRM over one SQLite file that you own.",
    pretty_exceptions_enable=False,  # pretty tracebacks can print personal data from locals
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _language(value: str | None) -> str | None:
    """`--lang` as the `language` setting takes it (`zh`, `ZH`, `zh_CN`, `en_US`)."""
    if value is None:
        return None
    language = i18n.clean(value)
    if language is None:
        raise typer.BadParameter(i18n.unknown(value))
    return language


class ColorMode(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class MoneyStyle(str, Enum):
    plain = "plain"
    wan = "wan"


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"crm {__version__}\n")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Database file (default: $CRM_DB, else the user data dir).",
            show_default=False,
        ),
    ] = None,
    color: Annotated[
        ColorMode | None,
        typer.Option(
            "--color",
            help="Colour: auto (on a terminal, unless NO_COLOR; FORCE_COLOR means always), "
            "always (into a pipe too, e.g. for less -R) or never.",
            show_default=False,
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Never use colour (--color never).")
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager", help="Print long output at once, not through the pager ($CRM_PAGER)."
        ),
    ] = False,
    money: Annotated[
        MoneyStyle | None,
        typer.Option(
            "--money",
            help="Amounts on a terminal: plain (¥123,456.00) or wan (CNY from 10,000 in 万, "
            "¥12.35万); default: the money setting.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            callback=_language,
            help="Language for people: en or zh (default: the language setting, else the "
            "locale, LANG).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """A command-line CRM over one SQLite file that you own.

    Example: crm add "Zhang Wei" --phone 13800138000 --city Shanghai
    """
    options = global_options(ctx)
    options.db, options.debug = db, debug
    options.lang = lang
    mode = ColorMode.never if no_color else color
    if mode is None:  # the environment: NO_COLOR wins over FORCE_COLOR
        if os.environ.get("NO_COLOR"):
            mode = ColorMode.never
        elif os.environ.get("FORCE_COLOR", "") not in ("", "0"):
            mode = ColorMode.always
    options.no_color = mode is ColorMode.never
    options.force_color = mode is ColorMode.always
    options.no_pager = no_pager
    options.money = money.value if money else None
    if ctx.invoked_subcommand is None:
        from crmcli.cli.output import is_terminal

        if not is_terminal(sys.stdout):  # scripts and pipes keep getting the help
            sys.stdout.write(ctx.get_help() + "\n")
            return
        # The dashboard command registers itself like any other: run it by name, no options.
        dashboard = ctx.command.get_command(ctx, "dashboard")  # type: ignore[attr-defined]
        with dashboard.make_context("dashboard", [], parent=ctx) as sub:
            dashboard.invoke(sub)


def global_options(ctx: typer.Context) -> GlobalOptions:
    root_ctx = ctx.find_root()
    if not isinstance(root_ctx.obj, GlobalOptions):
        root_ctx.obj = GlobalOptions()
    return root_ctx.obj


def output(ctx: typer.Context, fmt: Format = Format.table, quiet: bool = False) -> Output:
    """The command's one Output: its --format and --quiet with the global colour and pager
    options. Output of a write (a preview, a dry run) never waits in the pager: that would
    hold the database's write lock while someone reads."""
    run = global_options(ctx)
    return Output(
        fmt, quiet, run.no_color, run.force_color, run.no_pager or run.writes,
        lambda: _display(run), asked=ctx.params.get("fields") is not None,  # --fields
    )  # fmt: skip


def _display(run: GlobalOptions) -> tuple[bool, str | None]:
    """How a terminal shows amounts and phones: in 万 or not (`--money`, else the `money`
    setting) and the user's own region (`default_region`), whose phones read in national
    format. Read only when a table or card is drawn on a terminal; defaults without a
    database."""
    from crmcli.records.config import get_setting
    from crmcli.store.connection import open_file

    wan, region = run.money == "wan", None
    with suppress(CrmError, sqlite3.Error, OSError):  # shown plainly rather than not at all
        path = run.path
        if path.is_file():
            # As it is: the command has opened (and upgraded) it already, and may be
            # writing it now, in a transaction a migration would wait for.
            conn = open_file(path, readonly=True)
            try:
                region = get_setting(conn, "default_region")
                if run.money is None:
                    wan = get_setting(conn, "money") == "wan"
            finally:
                conn.close()
    return wan, region


@contextmanager
def reading(
    ctx: typer.Context, phase: str | None = None, *, quiet: bool = False
) -> Iterator[sqlite3.Connection]:
    """A read-only connection for a command that never writes (an older file is upgraded
    first, its phases shown on a terminal). `phase`: what a report computes in the block,
    named on a terminal's stderr once it has run a second (not with `quiet`) and erased
    when the block ends, so the command prints after the block."""
    from crmcli.cli.progress import REPORT_DELAY, upgrading, watching
    from crmcli.store.db import connect

    run = global_options(ctx)
    with upgrading(run.no_color) as upgrade:
        conn = connect(run.path, write=False, progress=upgrade)
    try:
        speak(ctx, conn)
        if phase is None:
            yield conn
        else:
            with watching(quiet=quiet, no_color=run.no_color, delay=REPORT_DELAY) as shown:
                shown.phase(phase)
                yield conn
    finally:
        conn.close()


def command_path(ctx: typer.Context) -> str:
    """The command's path below `crm` (`purchase delete`), without any argument values."""
    names = []
    current: Any = ctx
    while current is not None and current.parent is not None:
        names.append(current.info_name or "")
        current = current.parent
    return " ".join(reversed(names)) or "crm"


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that what is still buffered for a reader that went
    away does not fail again (with a traceback and exit 120) when Python exits."""
    with suppress(OSError, ValueError):  # a stdout without a file (CliRunner) has no buffer left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextmanager
def before_commit(ctx: typer.Context) -> Iterator[None]:
    """Output that a write prints before its COMMIT (a preview, a dry run, a line per
    record). From here on the run counts as a write: an error writing the output (a reader
    of stdout that went away, `crm undo --yes | head -c1`; a full disk) stops it rolled
    back, exit 1 saying nothing was changed, rather than exit 0 with the change not made
    (the error boundary decides, `_output_failed`). What the block printed is flushed at
    its end, so output still in Python's buffer meets its error before the COMMIT too.
    `writing` counts as one too."""
    global_options(ctx).writes = True
    yield
    sys.stdout.flush()


@contextmanager
def writing(
    ctx: typer.Context,
    path: Path | None = None,
    *,
    hooks: bool = True,
    progress: Progress = SILENT,
    settle: bool = True,
) -> Iterator[sqlite3.Connection]:
    """The store's unit of work (crmcli.store.db.write) on the database (or on `path`, for
    `crm demo`), labelled with the command path; problems after the commit (a failed hook)
    are printed as `crm: ...` lines. It saves the locale's region and currency first
    (keep_locale_region) unless `settle` is false: a command that writes settings itself
    (`crm config set`, `crm import all`'s restore) leaves them to the next write. Like
    `before_commit`, an output error met inside it aborts the write; once it is committed
    the run counts as saved, and an output error after it says that the change is saved.
    `progress` hears the phases of the commit."""
    from crmcli.cli.progress import upgrading
    from crmcli.records.config import keep_locale_region, still_kept
    from crmcli.store.db import write

    run = global_options(ctx)
    run.writes = True
    target = path or run.path
    with write(
        target, command=command_path(ctx), warn=_notice, hooks=hooks, progress=progress,
        upgrading=None if progress is not SILENT else lambda: upgrading(run.no_color),
    ) as conn:  # fmt: skip
        speak(ctx, conn)
        # The locale's region and currency are settled before the command reads a setting:
        # the first amount typed without a currency is stored in the currency saved.
        kept = keep_locale_region(conn) if settle else {}
        yield conn
        kept = still_kept(conn, kept)
        sys.stdout.flush()  # still inside the transaction: an output error rolls it back
    run.saved = True
    if "default_region" in kept:
        _notice(
            _(
                "default_region set to {region} from the locale "
                "(change with: crm config set default_region XX)"
            ).format(region=kept["default_region"])
        )
    if "default_currency" in kept:
        _notice(
            _(
                "default_currency set to {currency} from the locale "
                "(change with: crm config set default_currency CNY)"
            ).format(currency=kept["default_currency"])
        )


def speak(ctx: typer.Context, conn: sqlite3.Connection) -> None:
    """From now on speak the database's `language` setting, unless --lang named one; a run
    whose language is still to be found (nothing said yet: `CrmGroup.main`) finds it here,
    in the command's own connection, and the file is never glanced at."""
    if global_options(ctx).lang is not None:
        return
    from crmcli.store.glance import stored_language

    i18n.settle(i18n.clean(stored_language(conn) or ""))  # CrmGroup.main resets it at the end


def delete_asked(
    ctx: typer.Context,
    record_id: int,
    *,
    command: str,
    yes: bool,
    quiet: bool,
    read: Any,
    delete: Any,
    described: Any,
) -> None:
    """The rule of a delete of one record: show it and ask (or take --yes; a script needs
    it), delete it, and say what was deleted. `read(conn, id)` and `delete(conn, id)` give
    the record, `described(record)` names it in a sentence."""
    from crmcli.cli.options import confirm

    with reading(ctx) as conn:
        question = _("Delete {what}?").format(what=described(read(conn, record_id)))
    confirm(question, yes, command=command)
    with writing(ctx) as conn:
        record = delete(conn, record_id)
    output(ctx, quiet=quiet).done(_("Deleted {what}").format(what=described(record)), record_id)


def mark_saved(ctx: typer.Context) -> None:
    """Note that the command changed the database outside a unit of work (`crm restore`,
    `crm encrypt`: whole-file steps), so that an output error after it says so."""
    global_options(ctx).saved = True
