"""The command line's output convention: rich consoles without markup, colour through styles.

What the commands print holds the user's paths, names and policies' own names, and rich read
"[/x]" as a closing tag (a MarkupError instead of the message) and "[bold]" in a path as a
style (printing the path without it). With markup off nothing needs escaping; the one coloured
word of a line (`error:`, `FAILED`, `verified`) is a styled piece of a `Text`.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text


def plain_console(*, stderr: bool = False, soft_wrap: bool = False) -> Console:
    """A console that prints text as it is: no markup, so `[` needs no escaping."""
    return Console(stderr=stderr, soft_wrap=soft_wrap, markup=False)


def coloured(word: str, style: str, rest: str = "") -> Text:
    """`word` in `style` (e.g. "FAILED", "red"), then `rest` as it is."""
    return Text.assemble((word, style), rest)


def error_text(line: str) -> Text:
    """`error: LINE`, the form of every command's refusals (`error: KEY: reason`)."""
    return coloured("error:", "red", f" {line}")
