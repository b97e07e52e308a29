"""The command line: the only package that imports typer or reads argv.

Each module registers one group of commands on the root app in crmcli.cli.app. A run
imports only the modules its command needs (`NEEDS`); `crmcli.cli.app` as an attribute of
this package (`from crmcli.cli import app`) is the whole app with every module loaded.
"""

from collections.abc import Iterator
from importlib import import_module
from typing import Any

# Every command module, in the order their commands and `crm show` sections register.
MODULES = (
    "admin",
    "analysis",
    "care",
    "completion",
    "customers",
    "dashboard",
    "feedback",
    "transfer",  # after feedback, which adds `crm import surveys` to it
    "feedback_reports",
    "guide",
    "hooks",
    "interactions",
    "products",
    "purchases",
    "quality",
    "reminders",
    "reports",
    "safety",
    "search",
    "segments",
    "sql",
    "tags",
    "tasks",
    "value",
)

# The modules a top-level command needs when it runs alone; a name not listed (help, a
# typo) loads them all. tests/test_cli.py checks this table against the whole app.
_OWNERS = {
    "admin": "demo config",
    "customers": "add edit list delete undelete",
    "dashboard": "dashboard",
    "hooks": "hooks",
    "interactions": "log interactions interaction",
    "purchases": "buy purchases purchase",
    "products": "product",
    "quality": "dedupe merge clean",
    "reminders": "remind today date",
    "safety": "backup restore check history undo forget subject-export encrypt decrypt",
    "search": "search reindex",
    "segments": "classify segment rule",
    "sql": "sql changes",
    "tags": "tag untag tags stage",
    "care": "care",
    "feedback": "feedback survey",
    "transfer": "export",
    "tasks": "task",
    "completion": "completion",
    "guide": "help",
}
# `crm show` runs the sections every module registers; `report` and `import` are groups
# whose commands several modules add.
_SHARED = {
    "show": "customers feedback interactions purchases reminders segments tasks",
    "report": "analysis feedback_reports reports value",
    "import": "feedback transfer",
}
NEEDS: dict[str, tuple[str, ...]] = {
    name: (module,) for module, names in _OWNERS.items() for name in names.split()
} | {name: tuple(modules.split()) for name, modules in _SHARED.items()}


def load(modules: tuple[str, ...] = MODULES) -> Any:
    """Import command modules (in MODULES order) and return the root app."""
    for module in (m for m in MODULES if m in modules):
        import_module(f"crmcli.cli.{module}")
    return import_module("crmcli.cli.app").app


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(name)
    app = load()
    globals()["app"] = app  # importing crmcli.cli.app bound the module under this name
    return app


def run() -> None:
    """Run `crm` with sys.argv; exits with the documented exit code (the process's entry:
    tests run the app through CliRunner instead)."""
    import gc
    import os
    import sys

    # Start-up makes objects that live as long as the process (modules, classes, the app)
    # and no garbage: the collector waits until they are made, then passes over them for
    # good (gc.freeze), in every later collection and in the one at exit. 9-12 ms of the
    # 190 ms of CPU of a `crm show` at 100,000 customers.
    gc.disable()
    from typer.main import get_command

    argv = sys.argv[1:]
    modules = _needs(argv)
    completing = bool(os.environ.get("_CRM_COMPLETE"))
    if completing:  # the shell asks what to offer on Tab
        from crmcli.cli.completing import typed

        argv, word = typed()  # the words typed so far name the command and its modules
        modules = _needs(argv)
        if _command_name(argv) is None and word and not word.startswith("-"):
            # the command's name itself: only the modules of the names it may become
            starting = {m for name, ms in NEEDS.items() if name.startswith(word) for m in ms}
            modules = tuple(m for m in MODULES if m in starting) or modules
    named = argv
    if not completing and modules == MODULES and _dashboard_alone(argv):
        # `crm` alone on a terminal is the dashboard: its module and command only, not the
        # hundred commands that help (what `crm` alone prints in a pipe) lists
        modules, named = NEEDS["dashboard"], [*argv, "dashboard"]
    app = load(modules)
    gc.freeze()
    gc.enable()
    try:
        get_command(only(app, named)).main(prog_name="crm")
    except SystemExit as done:
        leave(done.code)
        raise


def leave(code: object) -> None:
    """End the process with exit status `code` (a SystemExit's) without the interpreter's
    teardown: its clearing of every module and its last collection cost 36-43 ms of the
    ~180 ms of CPU of a `crm show` at 100,000 customers, and free nothing the system does
    not free at exit. What a normal exit does that a user can see is done first: the atexit
    functions (weakref.finalize, tempfile, a library's), then stdout and stderr flushed.

    Returns, for the caller to exit the ordinary way, when the teardown may still matter:
    a database connection left open (closing the last one removes the -wal and -shm files
    beside the database), a thread that is not a daemon still running (an exit waits for
    it), a status that is not a small number (Python prints it), or a stream that cannot
    be flushed (Python says so at exit, status 120)."""
    import sys

    code = 0 if code is None else code
    if not isinstance(code, int) or not 0 <= code <= 255:
        return
    guard = sys.modules.get("crmcli.store.guard")
    if guard is not None and guard.holding():
        return
    threading = sys.modules.get("threading")
    if threading is not None and any(
        t.is_alive() and not t.daemon and t is not threading.main_thread()
        for t in threading.enumerate()
    ):
        return
    import atexit
    import os

    atexit._run_exitfuncs()  # as a normal exit does, and once: it empties the list
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def only(full: Any, argv: list[str]) -> Any:
    """The app with just the command `argv` names, when it names one.

    Building the click objects of all hundred commands costs more than the rest of a
    start-up; a run needs only its own. Help and unknown names get the whole app.
    """
    import typer

    name = _command_name(argv)
    commands = [c for c in full.registered_commands if c.name == name]
    groups = [g for g in full.registered_groups if g.name == name]
    if not (commands or groups):
        return full
    partial = typer.Typer(**{k: getattr(full.info, k) for k in ("cls", "name", "help")},
                          pretty_exceptions_enable=False, add_completion=False,
                          context_settings={"help_option_names": ["-h", "--help"]})  # fmt: skip
    partial.registered_callback = full.registered_callback
    partial.registered_commands = commands
    partial.registered_groups = groups
    return partial


def _dashboard_alone(argv: list[str]) -> bool:
    """Whether `crm ARGV` shows the dashboard: no command named, no help asked, stdout a
    terminal (crmcli.cli.app's `root` decides the same)."""
    import sys

    from crmcli.cli.output import is_terminal

    if _command_name(argv) is not None or any(w in ("-h", "--help") for w in _leading(argv)):
        return False
    return is_terminal(sys.stdout)


def _needs(argv: list[str]) -> tuple[str, ...]:
    """The command modules a run of `crm ARGV` imports: its command's (NEEDS), all of them
    for help and unknown names, and none for `--version` (an eager option: it prints and
    exits before any command is looked up)."""
    for word in _leading(argv):
        if word in ("-h", "--help"):
            break
        if word == "--version":
            return ()
    return NEEDS.get(_command_name(argv) or "", MODULES)


VALUED = ("--db", "--color", "--money", "--lang")  # the global options that take a value


def _command_name(argv: list[str]) -> str | None:
    """The first word of argv that is not a global option or its value."""
    return next((word for word in _leading(argv) if not word.startswith("-")), None)


def _leading(argv: list[str]) -> Iterator[str]:
    """The words of argv up to the command name, without the values of the global options
    that take one (tests/test_i18n.py checks this list against the root command)."""
    words = iter(argv)
    for word in words:
        if word in VALUED:
            next(words, None)
            continue
        yield word
        if not word.startswith("-"):
            return
