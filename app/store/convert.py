"""Generic conversion between workflow records and their stored form.

Both stores use it: the SQL store to build rows, the memory store to check that a record
survives the same round trip (so the two stores cannot drift apart silently).
"""

from __future__ import annotations

import typing
from dataclasses import fields
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.workflow.records import AuditEntry, Record

Converter = typing.Callable[[Any], Any]


_LOADERS: dict[type[Any], dict[str, Converter]] = {}


def _loaders(kind: type[Any]) -> dict[str, Converter]:
    """Per field: how to turn a stored value back into the record's type (computed once)."""
    if kind in _LOADERS:
        return _LOADERS[kind]
    hints = typing.get_type_hints(kind)
    out: dict[str, Converter] = {}
    for f in fields(kind):
        hint = hints[f.name]
        if isinstance(hint, type) and issubclass(hint, StrEnum):
            out[f.name] = hint
        elif typing.get_origin(hint) is tuple:
            out[f.name] = lambda v: tuple(UUID(x) for x in v)
        elif hint is UUID:
            out[f.name] = lambda v: v if isinstance(v, UUID) else UUID(str(v))
    _LOADERS[kind] = out
    return out


def to_values(record: Record | AuditEntry) -> dict[str, Any]:
    """Field values as a table row takes them (enums as str, tuples of ids as lists of str)."""
    out: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        out[f.name] = value
    return out


def from_values(kind: type[Any], values: dict[str, Any]) -> Any:
    loaders = _loaders(kind)
    return kind(
        **{
            name: (
                loaders[name](values[name])
                if name in loaders and values[name] is not None
                else values[name]
            )
            for name in field_names(kind)
        }
    )


_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def field_names(kind: type[Any]) -> tuple[str, ...]:
    """Computed once per record type: `dataclasses.fields` per row was a third of a fan-out,
    and a tenth of reading a long audit log (app/workflow/log_scan.py)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return names
