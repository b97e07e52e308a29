"""The language crm speaks to its user: `zh` (Simplified Chinese) or `en`.

One function, read where behaviour follows the language (names in pinyin order). For now it
reads the locale variables as the C library does: the first of LC_ALL, LC_MESSAGES and
LANG that is set decides, and a value beginning with `zh` (`zh_CN.UTF-8`) means Chinese.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def language(environ: Mapping[str, str] | None = None) -> str:
    """`zh` when the locale is Chinese, else `en`."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
