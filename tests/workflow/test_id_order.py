"""Ids sorted by their number are in the order of their text (notices go out in that order)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

ids = st.builds(lambda n: uuid.UUID(int=n), st.integers(min_value=0, max_value=2**128 - 1))


@given(st.lists(ids, max_size=30))
def test_number_order_is_text_order(values: list[uuid.UUID]) -> None:
    assert sorted(values, key=lambda u: u.int) == sorted(values, key=str)
