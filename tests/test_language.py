"""The language the locale asks for, read from the locale variables."""

import pytest

from crmcli.core.i18n import from_locale


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": ""}, "zh"),  # an empty variable is not set
        ({"LANG": "ZH_cn"}, "zh"),
        ({"LANG": "zu_ZA.UTF-8"}, "en"),
        # LANGUAGE comes first, its first entry crm speaks, as gettext reads it...
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "en_GB:zh"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr_FR:de:zh_CN:en"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LANGUAGE": "fr:de"}, "zh"),  # none crm speaks: the locale
        ({"LC_ALL": "en_US.UTF-8", "LANG": "C", "LANGUAGE": "zh"}, "zh"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": ""}, "en"),
        # ...but not when the locale is C (or none is set): gettext ignores it there
        ({"LANGUAGE": "zh_CN"}, "en"),
        ({"LANG": "C", "LANGUAGE": "zh_CN"}, "en"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "zh_CN"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "POSIX", "LANGUAGE": "zh_CN"}, "en"),
    ],
)
def test_the_first_locale_variable_set_decides(environ, expected):
    assert from_locale(environ) == expected


def test_a_run_speaks_the_language_language_names(db_path):
    from tests.test_terminal import on_terminal

    env = {"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en", "LC_ALL": None}
    code, lines = on_terminal("today", columns=80, env=env)
    assert (code, lines) == (0, ["今天没有需要联系的客户。"])
    code, lines = on_terminal("today", columns=80, env={**env, "LANG": "C"})
    assert (code, lines) == (0, ["Nobody to contact today."])
    code, lines = on_terminal("--lang", "en", "today", columns=80, env=env)  # --lang first
    assert (code, lines) == (0, ["Nobody to contact today."])


@pytest.mark.parametrize(
    "typed", ["繁体中文", "繁體中文", "正體中文", "Traditional Chinese", "繁体"]
)
def test_traditional_chinese_by_name_is_refused_naming_what_crm_speaks_for_it(db_path, typed):
    """zh_TW is taken (and spoken as Simplified Chinese); 繁体中文 was refused saying only
    that it is unknown."""
    from tests.conftest import fails

    said = (
        f"unknown language '{typed}'; languages are: English (en), Chinese (zh); for "
        "Traditional Chinese, zh (crm speaks Simplified Chinese for zh_TW and zh_HK too)"
    )
    err = fails(2, "--lang", typed, "list")
    assert err == f"crm: Invalid value for '--lang': {said} (see 'crm --help')\n"
    assert fails(2, "config", "set", "language", typed, db=db_path) == f"crm: {said}\n"
    zh = fails(2, "--lang", "zh", "config", "set", "language", typed, db=db_path)
    assert zh == (
        f"crm: 未知语言“{typed}”；可用语言：英语（en）、中文（zh）；繁体中文请用 zh（crm 对 zh_TW、"
        "zh_HK 也以简体中文显示）\n"
    )
