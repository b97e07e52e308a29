"""How near a mistyped word is to a name crm knows: one measure for every refusal that
offers what was meant (an option, `--fromat`; a field, `ctiy`, `程市`)."""

from __future__ import annotations


def distance(typed: str, name: str) -> int | None:
    """How far `typed` is from `name` if it is `name` mistyped: 0 for its start (`form`),
    else the characters off (dropped, added, changed or swapped: `fromat`, `stge`, `程市`
    for `城市`), at most two (one where either is four characters or fewer: `nope` is not
    `notes`), and fewer than the longer has (a word that keeps none of the name's characters
    is another word: `乱` is not `周`); None if further.
    Characters are compared as they are: a Chinese word is mistyped a character at a time."""
    if len(typed) >= 3 and name.startswith(typed):
        return 0
    most = 1 if min(len(typed), len(name)) <= 4 else 2
    if abs(len(typed) - len(name)) > most:
        return None
    # optimal string alignment distance: edits plus swaps of neighbours
    before: list[int] = []
    row = list(range(len(name) + 1))
    for i, a in enumerate(typed, 1):
        current = [i]
        for j, b in enumerate(name, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == name[j - 2] and typed[i - 2] == b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, row = row, current
    if row[-1] > most or 0 < max(len(typed), len(name)) <= row[-1]:
        return None  # further, or nothing kept: `乱` is not `周` mistyped, nor `x` `y`
    return row[-1]
