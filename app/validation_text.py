"""pydantic's words for one validation error, as the API, the pages and start-up show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The errors a strict request body gives for a value of the wrong JSON type.
_WRONG_TYPE = frozenset({"bool_type", "int_type", "float_type"})


def json_kind(value: object) -> str:
    """What a JSON value is, in the words a client's author knows ("a string", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a decimal point"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def reason(error: Mapping[str, Any]) -> str:
    """The error's message without the "Value error, " label pydantic puts before a validator's
    own words ("Value error, must include a timezone"); a wrong type also says what was sent
    ("Input should be a valid boolean, not a string"), since strict bodies convert nothing."""
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") in _WRONG_TYPE and "input" in error:
        text += f", not {json_kind(error['input'])}"
    return text
