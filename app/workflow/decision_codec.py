"""Policy questions to JSON and back, so a logged decision can be asked again (replay).

Generic over the frozen dataclasses in app/policies/base.py: datetimes as ISO 8601, UUIDs as
strings, enums as their values, tuples as lists, nested dataclasses as objects.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

_SCALARS = frozenset({str, int, float, bool, type(None)})


def to_json(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:  # exact types only: a str or int enum still takes .value
        return value
    # An exact dict or list is none of the kinds tested below before them: answer it first
    # (a notice's question is a dict, asked at every notice).
    if kind is dict:
        return {str(k): to_json(v) for k, v in value.items()}
    if kind is list:
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(kind: Any, data: Any) -> Any:
    """Rebuild a value of type `kind`; ValueError (or TypeError) if the data does not fit."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is not type(None):
                return from_json(option, data)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(from_json(item, v) for v in data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise ValueError(f"{kind.__name__} needs an object")
        hints = typing.get_type_hints(kind)
        return kind(
            **{f.name: from_json(hints[f.name], data[f.name]) for f in dataclasses.fields(kind)}
        )
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is UUID:
        return UUID(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind in (int, float, str, bool):
        if not isinstance(data, kind) and not (kind is float and isinstance(data, int)):
            raise ValueError(f"expected {kind.__name__}, got {type(data).__name__}")
        return data
    return data
