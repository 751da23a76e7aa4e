"""pydantic's words for one validation error, as the API, the pages and start-up show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def reason(error: Mapping[str, Any]) -> str:
    """The error's message without the "Value error, " label pydantic puts before a validator's
    own words ("Value error, must include a timezone")."""
    return str(error.get("msg", "")).removeprefix("Value error, ")
