"""Entry point for `crm` and `python -m crmcli`."""

from __future__ import annotations


def main() -> None:
    """Run the `crm` command line; exits with the documented exit code."""
    import os
    import sys

    if sys.stdout is None:  # started with stdout closed (`crm list >&-`): nowhere to answer
        if sys.stderr is not None:
            sys.stderr.write("crm: standard output is closed; nothing was done\n")
        raise SystemExit(1)
    if not sys.stdout.isatty():  # plain help text for pipes and files, no box characters
        os.environ.setdefault("TYPER_USE_RICH", "0")
    from crmcli.cli import run

    run()


if __name__ == "__main__":
    main()
