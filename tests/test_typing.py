"""Rows that cross from the services to the command line have named shapes (TypedDicts or
dataclasses): no public function or method of crmcli.records, .reports, .transfer or .store
returns `dict[str, Any]` (or a list, tuple, iterator or union holding one, or a bare dict)
unless its keys are truly open, and then it is listed in OPEN with why. Read from the
evaluated annotations, so an alias of `dict[str, Any]` counts too. Private helpers (`_name`)
are the module's own business: what they build reaches the command line only through a
public function, which is checked."""

import builtins
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import pytest

PACKAGES = ("records", "reports", "transfer", "store")

# Functions whose result is keyed by something other than a fixed set of names.
OPEN = {
    "crmcli.records.customers.column_values": "the columns one field sets (a birthday its lunar one too)",
    "crmcli.records.filters.CustomerFilter.saved": "the JSON a saved filter keeps (its fields)",
    "crmcli.records.filters.decode": "the JSON a saved filter keeps, read back and checked",
    "crmcli.records.purchases.summary": "adds one key to whatever row its query selected",
    "crmcli.records.surveys.read_rows": "an input file's records, by the file's columns",
    "crmcli.reports.customer_reports.named": "SQL parameters by name",
    "crmcli.store.history.decode_record": "a stored row of any table, by its columns",
    "crmcli.store.history.images": "a stored row of any table, by its columns (old and new)",
    "crmcli.store.history.shown_values": "a stored row of any table, by its columns",
    # A Customer whose cadence_days may become text (`14d..30d`): a TypedDict cannot retype
    # an inherited key, and a copy of Customer's 35 keys would drift from it.
    "crmcli.transfer.sources.Rows.record": "an input file's row, by the file's columns",
    "crmcli.transfer.exporters.customer_rows": "a Customer in export forms (CUSTOMER_COLUMNS)",
    "crmcli.transfer.vcards.card_record": "an input record, mapped later like a CSV row",
    "crmcli.transfer.vcards.read_cards": "input records, mapped later like CSV rows",
}


def is_open(tp: Any) -> bool:
    """Whether `tp` is, or holds, a mapping from str to Any (or a bare dict)."""
    if tp is dict or tp is typing.Dict:  # noqa: UP006 - the bare alias counts too
        return True
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (dict, Mapping, MutableMapping) and args[:1] == (str,) and args[1] is Any:
        return True
    return any(is_open(a) for a in args if a is not Ellipsis and not isinstance(a, list))


class _Opaque(type):
    def __getattr__(cls, name: str) -> type:
        return cls

    def __getitem__(cls, item: Any) -> type:
        return cls


class _Unknown(metaclass=_Opaque):
    """A name imported only for type checkers (`module.Name[...]` too): a named type,
    never a dict[str, Any]."""


class _Names(dict):
    """Names for evaluating an annotation: the module's, then builtins, else _Unknown."""

    def __init__(self, module_globals: dict[str, Any]) -> None:
        super().__init__()
        self.module_globals = module_globals

    def __missing__(self, key: str) -> Any:
        if key in self.module_globals:
            return self.module_globals[key]
        return getattr(builtins, key, _Unknown)


def returns(function: Callable[..., Any]) -> Any:
    """The evaluated return annotation of `function` (None when it has none)."""
    annotation = inspect.get_annotations(function).get("return")
    if isinstance(annotation, str):
        return eval(annotation, function.__globals__, _Names(function.__globals__))
    return annotation


def functions(module: Any) -> Iterator[tuple[str, Callable[..., Any]]]:
    """(qualified name, function) of every public function and method the module defines."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield f"{module.__name__}.{obj.__qualname__}", obj
        elif inspect.isclass(obj):
            for attribute, member in vars(obj).items():
                if attribute.startswith("_"):
                    continue
                member = getattr(member, "__func__", member)
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{module.__name__}.{member.__qualname__}", member


def service_modules() -> list[Any]:
    found = []
    for name in PACKAGES:
        package = importlib.import_module(f"crmcli.{name}")
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            found.append(importlib.import_module(info.name))
    return found


def open_results(modules: list[Any]) -> dict[str, Any]:
    """Qualified name -> return annotation of each function returning an open dict."""
    return {
        name: annotation
        for module in modules
        for name, function in functions(module)
        if is_open(annotation := returns(function))
    }


def test_services_return_named_rows() -> None:
    found = open_results(service_modules())
    unlisted = {name: str(tp) for name, tp in found.items() if name not in OPEN}
    assert not unlisted, (
        "give these rows a TypedDict or a dataclass (or, if their keys are truly open, "
        f"list them in OPEN with why): {unlisted}"
    )


def test_the_open_list_is_current() -> None:
    found = open_results(service_modules())
    assert sorted(set(OPEN) - set(found)) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f() -> dict[str, Any]: ...", True),
        ("def f() -> list[dict[str, Any]]: ...", True),
        ("def f() -> tuple[list[Row], dict[str, Any] | None]: ...", True),
        ("def f() -> Iterator[tuple[int, Alias]]: ...", True),
        ("def f() -> dict: ...", True),
        ("def f() -> Mapping[str, Any]: ...", True),
        ("def f() -> list[Row]: ...", False),
        ("def f() -> dict[int, Row]: ...", False),
        ("def f() -> dict[str, int]: ...", False),
        ("def f() -> Hidden | None: ...", False),
        ("def f() -> None: ...", False),
        ("def f(): ...", False),
    ],
)
def test_the_check_sees_open_dicts(source: str, expected: bool) -> None:
    """The check itself can fail: through aliases, containers, unions and a name that only
    a type checker imports."""
    namespace: dict[str, Any] = {
        "__name__": "probe",
        "Any": Any,
        "Iterator": Iterator,
        "Mapping": Mapping,
        "Row": typing.TypedDict("Row", {"id": int}),
        "Alias": dict[str, Any],
    }
    exec("from __future__ import annotations\n" + source, namespace)
    assert is_open(returns(namespace["f"])) is expected


def test_a_module_with_an_open_row_fails(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service module returning list[dict[str, Any]] is found (and would fail the test)."""
    (tmp_path / "probe_rows.py").write_text(
        "from __future__ import annotations\n"
        "from typing import Any\n"
        "class Report:\n"
        "    def rows(self) -> list[dict[str, Any]]:\n"
        "        return []\n"
        "def fine() -> int:\n"
        "    return 1\n"
        "def _helper() -> dict[str, Any]:\n"
        "    return {}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("probe_rows")
    assert list(open_results([module])) == ["probe_rows.Report.rows"]
