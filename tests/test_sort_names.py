"""`crm list --sort` reads a field by the names `--where` and `--fields` read it by, in any
language (`城市`, `阶段`, `拼音`): one vocabulary. A field those read that a list cannot be
sorted by (a phone, a derived class, a user-defined field crm names, `区县`) is refused as
that field, not as an unknown word."""

import pytest

from crmcli.core import i18n
from crmcli.core.vocabulary import WORDS, header, word
from crmcli.records import filters
from tests.conftest import add, fails, ids, ok


def _names_read_by_where() -> list[tuple[str, str]]:
    """(field, a Chinese name `--where` reads it by) for every field --where takes."""
    token = i18n.use("zh")
    try:
        found = []
        for key in filters.WHERE_FIELDS:
            for name in {header(key), str(word("field", key)) if key in WORDS["field"] else ""}:
                if name and not name.isascii() and filters.field_key(name) == key:
                    found.append((key, name))
        return found
    finally:
        i18n.reset(token)


NAMES = _names_read_by_where()


def test_the_chinese_names_are_found():
    assert ("city", "城市") in NAMES and ("stage", "阶段") in NAMES and ("phone", "电话") in NAMES


@pytest.mark.parametrize(("key", "name"), NAMES, ids=[n for _k, n in NAMES])
def test_sort_reads_a_field_by_every_name_where_reads_it_by(db_path, key, name):
    add("张伟", "--city", "上海", "--phone", "+8613800138000")
    add("Anna", "--city", "北京", "--phone", "+8613900139000")
    if key in filters.SORTABLE:
        for sign in ("", "-"):
            assert ids("--sort", f"{sign}{name}") == ids("--sort", f"{sign}{key}")
        return
    said = fails(2, "list", f"--sort={name}")
    assert said.startswith(f"crm: cannot sort by '{name}' ({key}, a field --where reads"), said


def test_a_user_defined_field_crm_names_is_refused_as_that_field(db_path):
    add("张伟", "--field", "district=朝阳区")
    assert ok("list", "--where", "区县 = 朝阳区", "-q") == "1\n"
    said = fails(2, "list", "--sort", "区县")
    assert said.startswith("crm: cannot sort by '区县' (district, a user-defined field); "), said
    chinese = fails(2, "--lang", "zh", "list", "--sort", "区县")
    assert chinese.startswith("crm: 不能按“区县”排序（district，自定义字段）；可排序字段："), (
        chinese
    )
    assert fails(2, "list", "--sort", "nosuch").startswith("crm: cannot sort by 'nosuch'; ")


@pytest.mark.parametrize("blank", ["", " ", "-", "　"])
def test_an_empty_sort_is_refused_not_read_as_no_sort(db_path, blank):
    """`crm list --sort "$FIELD"` with FIELD unset listed in id order, exit 0: a script's
    mistake passed as a choice."""
    add("Anna")
    said = fails(2, "list", f"--sort={blank}")
    assert said.startswith("crm: cannot sort by ''; "), said
