"""Entry point for `crm` and `python -m crmcli`."""

from __future__ import annotations


def main() -> None:
    """Run the `crm` command line; exits with the documented exit code."""
    import os
    import sys

    if sys.stdout is None:  # started with stdout closed (`crm list >&-`): nowhere to answer
        if sys.stderr is not None:
            from crmcli.core import i18n
            from crmcli.core.i18n import _

            # in the language of --lang, else the locale's (the database is not opened)
            i18n.use(_lang_typed(sys.argv[1:]) or i18n.from_locale())
            sys.stderr.write("crm: " + _("standard output is closed; nothing was done") + "\n")
        raise SystemExit(1)
    if not sys.stdout.isatty():  # plain help text for pipes and files, no box characters
        os.environ.setdefault("TYPER_USE_RICH", "0")
    from crmcli.cli import run

    run()


def _lang_typed(argv: list[str]) -> str | None:
    """The language the last `--lang X` or `--lang=X` of `argv` names, if crm speaks it."""
    from crmcli.core import i18n

    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.removeprefix("--lang=")
    return None if found is None else i18n.clean(found)


if __name__ == "__main__":
    main()
