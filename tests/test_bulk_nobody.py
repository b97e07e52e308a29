"""A bulk write whose filter selects no customer exits 0 (a nightly script whose filter
matches nobody has not failed) but says so plainly on stderr, quoting the filter, instead of
`Tagged 0 customers` on stdout; a tag the filter names that does not exist is a warning, a
likely typo. Nothing is written: not even the tag `crm tag` would have made."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import add, crm, examples, ok, state

WRITES = (
    ("edit", "--city", "上海"),
    ("tag", "vip"),
    ("untag", "vip"),
    ("delete",),
    ("stage", "lost"),
)


def people() -> None:
    add("张伟", "--city", "北京")
    add("李娜", "--city", "上海")
    ok("tag", "vip", "1")


def nobody(db, *args: str) -> str:
    """Run a write that selects nobody: exit 0, nothing on stdout, nothing changed; its
    stderr."""
    before = state(db)
    result = crm(*args)
    assert result.exit_code == 0 and result.stdout == "", result
    assert state(db) == before
    return result.stderr


def test_a_filter_matching_nobody_says_so_and_changes_nothing(db_path):
    people()
    for write in WRITES:
        said = nobody(db_path, *write, "--where", "city = nowhere", "--yes")
        assert said == (
            'No customer matches the filter --where "city = nowhere"; nothing was changed.\n'
        ), write
        said = nobody(db_path, "--lang", "zh", *write, "--where", "城市 = 无处")
        assert said == "没有客户符合筛选条件 --where 「城市 = 无处」，没有做任何更改。\n", write
        # quoted as typed, not in the run's words: `city`, not `城市`
        said = nobody(db_path, "--lang", "zh", *write, "--where", "city = nowhere", "--yes")
        assert said == "没有客户符合筛选条件 --where 「city = nowhere」，没有做任何更改。\n", write
        assert nobody(db_path, *write, "--where", "city = nowhere", "-q") == "", write
    assert ok("tags").count("\n") == 3  # no tag was made for nobody


def test_a_tag_that_does_not_exist_is_named_as_a_likely_typo(db_path):
    people()
    said = nobody(db_path, "edit", "--where", "tag = nosuch", "--city", "上海")
    assert said == (
        'No customer matches the filter --where "tag = nosuch"; nothing was changed.\n'
        "crm: warning: there is no tag 'nosuch' (a typo?)\n"
    )
    said = nobody(db_path, "--lang", "zh", "tag", "新客", "--tag", "ViP", "--tag", "大客户")
    assert said == (
        "没有客户符合筛选条件 --tag ViP --tag 大客户，没有做任何更改。\n"
        "crm: 警告：并没有叫“大客户”的标签（是不是打错了？）\n"
    )
    # the typo is said even with --quiet, as every warning
    said = nobody(db_path, "tag", "x", "--where", "标签 = nosuch", "-q")
    assert said == "crm: warning: there is no tag 'nosuch' (a typo?)\n"
    # a tag that exists (in any case) is no typo, even when nobody has it with the rest
    said = nobody(db_path, "stage", "lost", "--tag", "VIP", "--city", "上海")
    assert "typo" not in said and "--tag VIP --city 上海" in said


def test_a_filter_that_matches_someone_still_says_what_it_did(db_path):
    people()
    assert ok("tag", "new", "--city", "上海") == "Tagged 1 customer with new.\n"
    assert ok("tag", "new", "1") == "Tagged 1 customer with new.\n"


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    write=st.sampled_from(WRITES),
    city=st.text(alphabet="东西南北城镇xyz ", min_size=1, max_size=8).filter(str.strip),
    language=st.sampled_from(["en", "zh"]),
)
def test_any_filter_matching_nobody_exits_0_and_changes_nothing(db_path, write, city, language):
    if not state(db_path):
        people()
    where = f"city = '{city}'"
    said = nobody(db_path, "--lang", language, *write, "--where", where, "--yes")
    assert said.count("\n") == 1 and ("nothing was changed" in said or "没有做任何更改" in said)


def test_an_empty_list_of_customers_says_so_and_makes_no_tag(db_path, tmp_path):
    """`crm list -q | crm tag new -` when the list was empty, or an empty --ids-from file:
    `Tagged 0 customers` made the tag for nobody and recorded it in history."""
    people()
    empty = tmp_path / "none.txt"
    empty.write_text("\n", encoding="utf-8")
    for write in WRITES:
        said = nobody(db_path, *write, "--ids-from", str(empty), "--yes")
        assert said == "No customer was given (the list read was empty); nothing was changed.\n"
        piped = ("stage", "-", "lost") if write[0] == "stage" else (*write, "-")  # REF|STAGE
        said = nobody(db_path, "--lang", "zh", *piped, "--yes")
        assert said == "没有给出任何客户（读到的名单是空的），没有做任何更改。\n", write
    assert ok("tags").count("\n") == 3  # no tag was made for nobody


def test_named_customers_none_of_whom_the_filter_keeps_is_nobody_matched(db_path):
    people()
    said = nobody(db_path, "tag", "new", "1", "2", "--city", "广州")
    assert said == "No customer matches the filter --city 广州; nothing was changed.\n"
    assert ok("tags").count("\n") == 3


@pytest.mark.parametrize(
    ("typed", "shown"),
    [(("--where", "stage = lead"), '--where "stage = lead" --city 无处'),
     (("--stage", "lead"), "--stage lead --city 无处"),
     (("--stage", "潜在客户"), "--stage 潜在客户 --city 无处"),
     (("--where", "revenue_12m >= 999999"), '--where "revenue_12m >= 999999" --city 无处'),
     (("--lifecycle", "at_risk"), "--city 无处 --lifecycle at_risk")],
)  # fmt: skip
def test_the_filter_is_quoted_as_typed_in_either_language(db_path, typed, shown):
    """The Chinese line said crm's words for it (`阶段`, `流失风险`) where `stage`,
    `at_risk` were typed. A value with spaces is in the language's quotation marks."""
    people()
    zh = shown.replace('"', "「", 1).replace('"', "」", 1)
    for lang, said in (
        ("en", f"No customer matches the filter {shown}; nothing was changed.\n"),
        ("zh", f"没有客户符合筛选条件 {zh}，没有做任何更改。\n"),
    ):
        assert nobody(db_path, "--lang", lang, "tag", "x", *typed, "--city", "无处") == said
