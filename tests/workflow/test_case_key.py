"""case_key (app/workflow/case_numbers.py) is a fixed point and shows what it keeps."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.workflow.case_numbers import case_key


@settings(max_examples=500, deadline=None)
@given(st.text())
@example("\u0390-1")  # Greek: upper case gives three code points that NFKC composes to two
@example("lpd-77\u200b\u3164\u2800 x")
@example("\ufeff\u115f\u1160\uffa0")
def test_case_key_is_a_fixed_point_without_invisible_characters(text: str) -> None:
    key = case_key(text)
    assert case_key(key) == key
    assert not any(unicodedata.category(c) == "Cf" for c in key), ascii(key)
    assert key == key.strip() and "  " not in key, ascii(key)
    assert " ".join(key.split()) == key, ascii(key)  # no other white space either


def test_case_key_keeps_ascii_case_numbers_upper_case() -> None:
    assert case_key(" lpd-1  ") == "LPD-1"
    assert case_key("LPD-77\u200b\u200b") == "LPD-77"
    assert case_key("LPD\u3164\u2800-77") == "LPD -77"
    for blank in ("\u200b", "\u3164", "\u2800", "\u115f", "\u1160", "\uffa0", "\u00ad\ufe0f"):
        assert case_key(blank) == "", ascii(blank)
