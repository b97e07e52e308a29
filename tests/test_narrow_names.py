"""What a salesperson reads on a narrow terminal (issue #22, from 12 to 120 columns, in
Chinese): help on dates never splits a form to type, and a Chinese cell breaks between
words, not inside one."""

from itertools import pairwise

import pytest

from tests.test_i18n_tables import ZH
from tests.test_terminal import on_screen, width

# What `crm help dates` lists as forms to type, in Chinese: each must show on one line.
_FORMS = ("2小时前", "半小时前", "半个月后", "一个月前", "in 3 days", "3 weeks ago", "next fri",
          "last fri", "fri 3pm", "tomorrow at noon", "22 Nov 2026", "“crm task snooze”",
          "“crm date add”", "明天下午3点", "2026年11月22日")  # fmt: skip


@pytest.mark.parametrize("columns", [44, 50, 60, 67, 80, 120])
def test_chinese_help_on_dates_never_splits_a_typed_form(columns):
    """`crm help dates` at 60 columns read `2小` / `时前` and `in` / `3 days`: a form to type
    is kept on one line, as a quoted command is (`“crm task snooze”`)."""
    code, lines = on_screen("help", "dates", columns=columns, env=ZH)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    for form in _FORMS:
        assert any(form in line for line in lines), (form, lines)


# Reasons crm writes in a Chinese table cell, with the terms of its catalog in them.
_REASONS = (
    "已 171 天未联系（联系周期 14 天，标签 vip）；流失风险：买过两次，相隔 128 天",
    "流失风险：通常每 24 天购买一次；已沉默 60 天；最近一年净购买 ¥27,810.00",
    "客户的生命周期：流失风险；联系周期 90 天（默认）",
)


@pytest.mark.parametrize("room", range(12, 41))
def test_a_chinese_cell_breaks_between_words_not_inside_one(room):
    """A reason wider than its column read `（联系` / `周期 14 天，`: a line breaks between
    phrases, and inside a phrase wider than a line between the words crm's catalog says
    (`联系周期`, `流失风险`, `生命周期`), never inside one that fits a line, nor between a
    number and its unit."""
    from crmcli.cli.terminal import _lines

    for reason in _REASONS:
        lines = _lines(reason, room)
        assert all(width(line) <= room for line in lines), lines
        assert "".join(lines).replace(" ", "") == reason.replace(" ", ""), lines
        for term in ("联系周期", "流失风险", "生命周期", "最近一年"):
            if term in reason:
                assert any(term in line for line in lines), (term, lines)
        for line, after in pairwise(lines):
            assert not (line[-1:].isdigit() and after[:1] in "天岁位"), (line, after)
