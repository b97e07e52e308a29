"""A cell is cut between grapheme clusters (never inside `👨‍👩‍👧`), and Chinese prose is not
broken inside the words a salesperson writes (`回访`, `周期`, `合同`)."""

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.cli.cells import clusters
from crmcli.cli.cells import width as cells_width
from crmcli.cli.helpformat import SALES_WORDS
from crmcli.cli.terminal import cut
from crmcli.core import i18n
from tests.conftest import ok
from tests.test_terminal import on_screen

EN = {"LANG": "C.UTF-8"}


_PIECES = ["a", "王", "👨", "\u200d", "👩", "👧", "e", "\u0301", "🇨", "🇳", "🏽", " ", "\ufe0f"]


@given(st.lists(st.sampled_from(_PIECES), max_size=20), st.integers(min_value=1, max_value=30))
def test_a_cut_never_parts_a_grapheme_cluster(pieces, room):
    text = "".join(pieces)
    shown = cut(text, room)
    assert cells_width(shown) <= max(room, 1) or shown == "…"
    kept = shown.removesuffix("…")
    if shown != text:
        parts = clusters(text)
        joined = ""
        for part in parts:  # what is kept is whole clusters from the start
            if joined == kept.rstrip() or len(joined) >= len(kept):
                break
            joined += part
        # a joiner left at the end, with nothing after it to join, is dropped (`cut`)
        whole = re.sub(r"[\s\u200d]+$", "", joined)
        assert kept.rstrip() == whole or kept == "", (text, shown)
        assert not kept.endswith("\u200d"), (text, shown)


def test_a_name_is_cut_between_emoji_not_inside_a_family(db_path):
    """A name was cut inside a ZWJ sequence (`👨‍…`, a man left of a family)."""
    ok("add", "👨‍👩‍👧 王家小卖部 Family Store", "--phone", "+8613912345678", "--city", "北京")
    for columns in range(30, 45):
        _code, lines = on_screen("list", columns=columns, env=EN)
        row = next(line for line in lines if "│" in line)
        assert "\u200d…" not in row and not re.search("[👨👩]…", row), (columns, row)
    assert cut("👨‍👩‍👧 王家", 7) == "👨‍👩‍👧 王家"
    assert cut("👨‍👩‍👧 王家", 6) == "👨‍👩‍👧 王…"
    assert cut("👨‍👩‍👧 王家", 4) == "👨‍👩‍👧…"


def test_an_emoji_sequence_takes_the_two_columns_a_terminal_draws():
    """`👨‍👩‍👧` (three emoji joined) and `👍🏽` (a skin tone) are drawn as one emoji in
    two columns: measured as five or four, a row with one was cut early and misaligned."""
    assert cells_width("👨‍👩‍👧") == 2
    assert cells_width("李👍🏽娜🇨🇳王") == 2 * 5
    assert cells_width("a\u200db") == 2  # a joiner between letters joins nothing wide
    assert cells_width("Zoë Café") == 8


_SAID = ("下周再回访一次客户，确认报价", "只买过一次，163 天前（周期按 90 天计）",
         "电话沟通，确认第二季度合同续签事宜", "客户生日前一周跟进订单",
         "跟进报价和样品试用情况", "顺便问下尾款")  # fmt: skip


@pytest.mark.parametrize("text", _SAID)
def test_chinese_prose_is_not_broken_inside_a_sales_word(text):
    """`再回` / `访`, `（周` / `期按 90 天计）`, `确认第二季度合` / `同续签事宜`: the words a
    salesperson writes (`回访`, `周期`, `合同`) stay on one line where a line has room."""
    from crmcli.cli.terminal import _lines

    token = i18n.use("zh")
    try:
        for room in range(8, 30):
            lines = _lines(text, room)
            assert "".join(lines).replace(" ", "") == text.replace(" ", ""), lines
            for before, after in itertools.pairwise(lines):
                pair = before[-1:] + after[:1]
                assert not any(pair in word for word in SALES_WORDS), (room, lines)
    finally:
        i18n.reset(token)
