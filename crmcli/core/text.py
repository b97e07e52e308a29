"""Plain-text helpers shared by services and the command line (no I/O)."""


def clip(text: str | None, width: int = 60) -> str | None:
    """The first line of `text`, cut to `width` characters with an ellipsis, for tables."""
    if text is None:
        return None
    lines = text.strip().splitlines() or [""]
    line = lines[0]
    cut = len(line) > width or len(lines) > 1
    return (line[: width - 1].rstrip() + "…") if cut else line
