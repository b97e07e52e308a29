"""The message catalog of crm: every msgid a person can be shown, and the files that hold it.

A msgid is the English text itself, from three places:
- `_()` and `N_()` calls in crmcli (extracted by babel, as `pybabel extract -F babel.cfg`);
- the help of every command and option, and each command's summary (its first sentence),
  which crmcli/cli/helptext.py `tidy` looks up when help is rendered;
- the headers of terminal tables, which crmcli/cli/terminal.py `words` makes of the column
  keys: the keys are collected from the JSON of every command tests/test_json_contract.py
  runs, on a demo database.

`python -m tests.catalog` (from the repository, with the test dependencies) writes
crmcli/locale/crm.pot, merges it into each language's crm.po (`pybabel update`: new msgids
come in untranslated, gone ones are dropped) and compiles the .mo files (as `pybabel
compile`; after editing a .po alone, `python -c "import tests.catalog as c; c.compile_all()"`). tests/test_i18n.py checks that the committed files are what this makes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "crmcli" / "locale"
POT = LOCALE / "crm.pot"


def code_msgids() -> set[str]:
    """The msgids of `_()`, `N_()` and `Said()` calls in crmcli (`pybabel extract -F babel.cfg
    -k N_ -k Said`)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    found = extract_from_dir(
        ROOT, method_map, options_map, keywords={"_": None, "N_": None, "Said": None}
    )
    return {message for _file, _line, message, _comments, _context in found}


def help_msgids() -> set[str]:
    """Every help text of the click tree, every command's summary, and the words of every
    placeholder (`REF`, `OPTIONS`)."""
    from typer.main import get_command

    from crmcli.cli import app
    from crmcli.cli.helptext import help_option, placeholder, placeholder_words, summary

    found: set[str] = set()

    def walk(command: Any) -> None:
        text = getattr(command, "_crm_help", command.help)
        if text:
            found.update((text, summary(text)))
        for metavar in getattr(command, "_crm_metavars", None) or (
            command.options_metavar,
            getattr(command, "subcommand_metavar", None),
        ):
            found.update(placeholder_words(metavar or ""))
        for param in [*command.params, *help_option(command)]:
            text = getattr(param, "_crm_help", getattr(param, "help", None))
            if text:
                found.add(text)
            found.update(placeholder_words(placeholder(param)))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(get_command(app))
    return found


def column_keys(document: Any) -> Iterator[str]:
    """The keys of every row (an object in a list) of a JSON document, at any depth."""
    if isinstance(document, list):
        for item in document:
            if isinstance(item, dict):
                yield from item
            yield from column_keys(item)
    elif isinstance(document, dict):
        for value in document.values():
            yield from column_keys(value)


def table_columns() -> set[str]:
    """The column keys named in crmcli's `...COLUMNS = (...)` tuples and `columns=(...)`
    arguments: a table may show columns its JSON does not (`crm today`'s `customer` and
    `why`, `crm remind`'s `repeats` and `what`)."""
    import ast

    found: set[str] = set()
    for path in (ROOT / "crmcli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                names = [getattr(t, "id", getattr(t, "attr", "")) for t in node.targets]
                if any(name.endswith("COLUMNS") for name in names):
                    found.update(
                        e.value for e in node.value.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )  # fmt: skip
            # `Section(columns=("due_on", ...))`: a table described by a call
            keyword = isinstance(node, ast.keyword) and node.arg == "columns"
            if keyword and isinstance(node.value, ast.Tuple):
                found.update(
                    e.value for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )  # fmt: skip
    return found


def header_msgids(jsons: Iterable[str]) -> set[str]:
    """The terminal headers of the columns in these JSON outputs (one document each) and
    in crmcli's column tuples."""
    from crmcli.cli.terminal import words

    keys = table_columns()
    for text in jsons:
        if text.lstrip()[:1] in "[{":
            keys.update(column_keys(json.loads(text)))
    return {english_words(words, key) for key in keys}


def english_words(words: Any, key: str) -> str:
    """`words(key)` in English, whatever the language of the caller."""
    from crmcli.core import i18n

    token = i18n.use("en")
    try:
        return words(key)
    finally:
        i18n.reset(token)


def demo_jsons() -> list[str]:
    """The JSON of every command tests/test_json_contract.py runs, on a demo database."""
    from tests.conftest import crm
    from tests.test_json_contract import RUNS, VARIANTS

    outputs = []
    crm("demo", "--db", os.environ["CRM_DB"], "--customers", "40")
    for command, args in [*RUNS.items(), *VARIANTS]:
        result = crm(*command.split(), *args, "--format", "json")
        if result.exit_code == 0 and result.stdout.strip():
            outputs.append(result.stdout)
    return outputs


def section_msgids() -> set[str]:
    """The titles of `crm show`'s sections, which each command module registers."""
    from crmcli.cli import load

    load()
    from crmcli.cli.customers import SHOW_SECTIONS

    return {section.title for section in SHOW_SECTIONS}


def msgids(jsons: Iterable[str]) -> set[str]:
    """Every msgid of the catalog."""
    return code_msgids() | help_msgids() | header_msgids(jsons) | section_msgids()


def write_pot(ids: set[str]) -> None:
    from datetime import datetime, timezone

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    fixed = datetime(2026, 12, 5, tzinfo=timezone.utc)  # no churn in the file at each run
    catalog = Catalog(project="crmcli", version="", domain="crm", fuzzy=False,
                      creation_date=fixed, revision_date=fixed)  # fmt: skip
    for message in sorted(ids):
        # No python-format flag: no msgid is %-formatted, but help says "top X % of".
        catalog.add(message).flags.discard("python-format")
    with open(POT, "wb") as file:
        write_po(file, catalog, omit_header=False, sort_output=True, width=100,
                 no_location=True)  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update({"CRM_DB": f"{folder}/demo.db", "CRM_NOW": "2026-11-22T10:00:00+08:00",
                           "LANG": "C.UTF-8", "HOME": folder, "XDG_DATA_HOME": folder,
                           "XDG_CONFIG_HOME": folder})  # fmt: skip
        for var in ("LC_ALL", "LC_MESSAGES"):
            os.environ.pop(var, None)
        write_pot(msgids(demo_jsons()))
    pybabel = [str(Path(sys.executable).parent / "pybabel")]
    subprocess.run([*pybabel, "update", "-D", "crm", "-i", str(POT), "-d", str(LOCALE),
                    "-w", "100", "--no-fuzzy-matching", "--ignore-obsolete"],
                   check=True)  # fmt: skip
    compile_all()


def compile_all() -> None:
    """Each language's crm.po compiled to crm.mo beside it, as `pybabel compile` would,
    without its check of %-placeholders (no msgid is %-formatted, but help says "top X %
    of customers", which that check reads as one)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in LOCALE.glob("*/LC_MESSAGES/crm.po"):
        with open(po, "rb") as file:
            catalog = read_po(file)
        with open(po.with_suffix(".mo"), "wb") as file:
            write_mo(file, catalog)


if __name__ == "__main__":
    main()
