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
    ],
)
def test_the_first_locale_variable_set_decides(environ, expected):
    assert from_locale(environ) == expected
