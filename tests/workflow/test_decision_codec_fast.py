"""to_json answers an exact dict or list first; it must give what the ordered checks gave."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.policies.base import RequestQuestion
from app.workflow.decision_codec import to_json
from app.workflow.states import RequestKind


def reference(value: Any) -> Any:
    """to_json before the shortcut: every kind tested in turn."""
    if type(value) in {str, int, float, bool, type(None)}:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: reference(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple | list):
        return [reference(v) for v in value]
    if isinstance(value, dict):
        return {str(k): reference(v) for k, v in value.items()}
    return value


class Mood(StrEnum):
    CALM = "calm"


leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.just(Mood.CALM)
    | st.just(uuid.UUID(int=7))
    | st.just(datetime(2026, 1, 1, tzinfo=UTC))
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150)
@given(values)
def test_to_json_is_the_ordered_checks(value: Any) -> None:
    assert to_json(value) == reference(value)
    assert repr(to_json({"q": value})) == repr(reference({"q": value}))


def test_a_request_question_encodes_as_before() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    question = RequestQuestion(
        kind=RequestKind.CONSENT,
        case_number="C-1",
        incident_type="burglary",
        description="a break-in",
        radius_m=150.5,
        window_start=at,
        window_end=at,
        now=at,
        requests_in_investigation=2,
    )
    assert to_json(question) == reference(question)
    assert to_json({"opted_out": True}) == {"opted_out": True}
