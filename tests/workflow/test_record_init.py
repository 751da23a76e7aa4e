"""Every record built through its slots (records._slot_init) is the record the dataclass
__init__ builds, with the same parameters, defaults and frozenness."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from app.workflow import records
from app.workflow.records import DATACLASS_INITS, FootageRequest, Release, Resident

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def sample_values(kind: type[Any]) -> dict[str, Any]:
    """A distinct value for every field (types need not match: both inits store as given)."""
    return {
        f.name: (f"{kind.__name__}.{f.name}", n) for n, f in enumerate(dataclasses.fields(kind))
    }


def built_by_dataclass_init(record_type: type[Any], /, *args: Any, **kwargs: Any) -> Any:
    made = object.__new__(record_type)
    DATACLASS_INITS[record_type](made, *args, **kwargs)
    return made


@pytest.mark.parametrize("kind", list(DATACLASS_INITS), ids=lambda k: k.__name__)
def test_a_record_built_through_its_slots_is_the_dataclass_record(kind: type[Any]) -> None:
    values = sample_values(kind)
    fast, slow = kind(**values), built_by_dataclass_init(kind, **values)
    assert type(fast) is kind
    assert fast == slow and repr(fast) == repr(slow) and hash(fast) == hash(slow)
    assert dataclasses.astuple(fast) == dataclasses.astuple(slow)
    # Positionally too, and a replace() goes through the same __init__.
    assert kind(*values.values()) == slow
    name = dataclasses.fields(kind)[1].name
    assert dataclasses.replace(fast, **{name: "changed"}) == dataclasses.replace(
        slow, **{name: "changed"}
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, name, "x")


@pytest.mark.parametrize("kind", list(DATACLASS_INITS), ids=lambda k: k.__name__)
def test_the_same_parameters_bind(kind: type[Any]) -> None:
    def shape(init: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(init).parameters.values()]

    assert shape(kind.__init__) == shape(DATACLASS_INITS[kind])


def test_defaults_and_errors_are_the_dataclass_ones() -> None:
    needed = {
        f.name: n
        for n, f in enumerate(dataclasses.fields(FootageRequest))
        if f.default is dataclasses.MISSING
    }
    fast = FootageRequest(**needed)
    assert fast == built_by_dataclass_init(FootageRequest, **needed)
    assert (fast.justification, fast.approved_by, fast.nondisclosure_order) == ("", "", False)
    release_needed = {
        f.name: n
        for n, f in enumerate(dataclasses.fields(Release))
        if f.default is dataclasses.MISSING
    }
    assert Release(**release_needed).resident_told_at is None
    with pytest.raises(TypeError):
        Resident(id=UUID(int=1), name="a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Resident(UUID(int=1), "a", "b", False, False, AT, extra=1)  # type: ignore[call-arg]


def test_every_record_but_the_audit_entry_is_built_through_its_slots() -> None:
    kinds = {
        k for k in vars(records).values() if dataclasses.is_dataclass(k) and isinstance(k, type)
    }
    assert set(DATACLASS_INITS) == kinds - {records.AuditEntry}


def test_a_record_it_cannot_build_keeps_the_dataclass_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        items: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithPostInit:
        n: int

        def __post_init__(self) -> None:
            pass

    for kind in (WithFactory, WithPostInit):
        with pytest.raises(TypeError):
            records._slot_init(kind)
