"""The one form a case number is kept and compared in (case_key)."""

from __future__ import annotations

import unicodedata

# Characters that show nothing and are dropped: every format character (Unicode category Cf:
# zero-width space, joiners, direction marks, soft hyphen, tags...), which NFKC keeps, and
# the default-ignorable marks (combining grapheme joiner, variation selectors, Mongolian free
# variation selectors, the Khmer inherent vowels).
_IGNORABLE_MARKS = frozenset((0x034F, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F)).union(
    range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0)
)
# Letters and symbols that draw as a blank: read as white space, like the spaces they look
# like (Hangul fillers, the braille blank, the Khitan filler).
_BLANKS = frozenset([0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x16FE4])


def _visible(text: str) -> str:
    return "".join(
        " " if ord(c) in _BLANKS else c
        for c in text
        if ord(c) not in _IGNORABLE_MARKS and unicodedata.category(c) != "Cf"
    )


def _step(text: str) -> str:
    visible = _visible(unicodedata.normalize("NFKC", text))
    return " ".join(visible.split()).upper()


def case_key(case_number: str) -> str:
    """The form a case number is kept and compared in: Unicode NFKC (full-width letters and
    digits as their ASCII forms), invisible characters dropped and blank-looking ones read as
    spaces, runs of white space as one space, none at the ends, upper case. A case number
    names an investigation, and the per-investigation limit counts requests by it: typed
    `"lpd-1 "`, `"LPD-1"` and `"LPD-1\\u200b"` (a zero-width space) used to count as
    separate investigations, each with a fresh allowance, and `"\\u200b"` passed for a case
    number where the policy requires one. Kept in this form rather than compared in it, so
    that the count stays one indexed lookup.

    The form is a fixed point: case_key(case_key(s)) == case_key(s). One pass is not always
    one: upper case can undo NFKC (`"ΐ"` becomes three code points that NFKC composes to two),
    so the pass repeats until nothing changes (twice for such text, once for most)."""
    key = _step(case_number)
    while (again := _step(key)) != key:
        key = again
    return key
