"""The functions of the mutated modules that changed since a commit, as bench/mutate.py's
patterns (docs/testing.md, "Mutation testing").

    python bench/changed_functions.py COMMIT [LATER]

For each module of bench/mutate.py's MODULES it compares every function and method (the
units mutmut mutates) in COMMIT with LATER (a commit; the files in the working tree when left
out) and prints one line per module with a change: the module's name and a pattern for each
function that changed or is new, ready to follow `bench/mutate.py --max-children 1`:

    filters 'crmcli.records.filters.x_parse_where__mutmut_*'

A function is compared as mutmut compares it, by its syntax tree (`ast.dump`): a change of
layout, comments or line numbers is none, a changed docstring is one. A decorated function
other than a static or class method gets no mutants (see the cached functions of reminders);
it is printed after `#` on a line of its own (run it in a copy without its decorator).
"""

import ast
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutate import MODULES

_PLAIN_DECORATORS = ("staticmethod", "classmethod")


def functions(source: str) -> dict[str, tuple[str, bool]]:
    """Each function and method of `source` by the name mutmut gives it (`x_parse`,
    `xǁPeriodǁdescribe`): its syntax tree dumped, and whether mutmut makes mutants of it."""
    found: dict[str, tuple[str, bool]] = {}

    def visit(body: list[ast.stmt], owner: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"xǁ{owner}ǁ{node.name}" if owner else f"x_{node.name}"
                decorators = node.decorator_list
                mutated = not decorators or (
                    len(decorators) == 1
                    and isinstance(decorators[0], ast.Name)
                    and decorators[0].id in _PLAIN_DECORATORS
                )
                found[name] = (ast.dump(node, annotate_fields=False), mutated)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{owner}.{node.name}" if owner else node.name)

    visit(ast.parse(source).body, "")
    return found


def _source(path: str, commit: str | None) -> str:
    if commit is None:
        return Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    shown = subprocess.run(
        ["git", "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else ""  # a module new since `commit`


def changed(module: str, since: str, later: str | None) -> tuple[list[str], list[str]]:
    """The patterns of `module`'s (`crmcli.core.dates`) functions that differ between the
    two versions or are new, and the decorated ones of them that mutmut does not mutate."""
    path = module.replace(".", "/") + ".py"
    before, after = functions(_source(path, since)), functions(_source(path, later))
    patterns, skipped = [], []
    for name, (tree, mutated) in after.items():
        if before.get(name, ("", True))[0] != tree:
            (patterns if mutated else skipped).append(f"{module}.{name}__mutmut_*")
    return patterns, skipped


def main(argv: list[str]) -> None:
    if len(argv) not in (1, 2):
        sys.exit("usage: bench/changed_functions.py COMMIT [LATER]")
    since, later = argv[0], (argv[1] if len(argv) == 2 else None)
    for commit in filter(None, (since, later)):
        if subprocess.run(["git", "rev-parse", "--verify", "-q", f"{commit}^{{commit}}"],
                          capture_output=True, check=False).returncode:  # fmt: skip
            sys.exit(f"bench/changed_functions.py: no commit {commit!r}")
    for name, (modules, _tests) in MODULES.items():
        patterns, skipped = [], []
        for module in modules.split():
            found = changed(module, since, later)
            patterns += found[0]
            skipped += found[1]
        if patterns:
            print(name, *map(shlex.quote, patterns))
        if skipped:
            print(f"# {name}, decorated (no mutants):", *map(shlex.quote, skipped))


if __name__ == "__main__":
    main(sys.argv[1:])
