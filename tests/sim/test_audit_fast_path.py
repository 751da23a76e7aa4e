"""The audit append's fast copy of plain data equals the JSON round trip it replaces."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.workflow.audit import _jsonable

plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def round_trip(data: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(data, sort_keys=True, default=str)))


@settings(max_examples=60)
@given(st.dictionaries(st.text(max_size=6), plain, max_size=6))
def test_plain_data_is_copied_exactly_as_the_round_trip(data: dict[str, Any]) -> None:
    copied = _jsonable(data)
    assert copied == round_trip(data)
    # Key order matters to whoever iterates the stored data: the round trip sorts keys.
    assert json.dumps(copied) == json.dumps(round_trip(data))


class Colour(StrEnum):
    RED = "red"


def test_values_json_changes_still_take_the_round_trip() -> None:
    data = {
        "id": uuid.UUID(int=5),
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "colour": Colour.RED,
        "pair": (1, 2),
        "big": float("inf"),
        "nested": {"b": 1, "a": [uuid.UUID(int=6)]},
        # Deep in containers too: a non-string key, a float orjson writes apart, an enum.
        "deep": {"keys": {1: "x"}, "small": [[1e-05]], "pairs": ((1, 2), (Colour.RED,))},
    }
    copied = _jsonable(data)
    assert copied == round_trip(data)
    assert type(copied["colour"]) is str and copied["pair"] == [1, 2]
