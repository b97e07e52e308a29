"""Entry point for `crm` and `python -m crmcli`."""

from __future__ import annotations


def main() -> None:
    """Run the `crm` command line; exits with the documented exit code."""
    from crmcli.cli import run

    run()


if __name__ == "__main__":
    main()
