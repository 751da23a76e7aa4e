"""Run outputs: CSV and Parquet tables and a manifest, byte-identical for the same inputs.

Nothing written here depends on the wall clock, the machine's dict order or the order in which
parallel runs finished: rows are sorted, floats are printed by `repr` (shortest round-trip) and
files are written whole to a temporary name, then renamed, so an interrupted run leaves either a
complete file or none.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import platform
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import app
from app.files import write_atomic
from app.policies.base import Policy
from app.sim.engine import RunResult
from app.sim.scenario import Scenario

PACKAGES = ("consentgate", "h3", "matplotlib", "numpy", "pyarrow", "pydantic", "scipy")
_APP_DIR = Path(app.__file__).resolve().parent


def fmt(value: Any) -> str:
    """One textual form per value: integers as such, floats by repr, inf and nan spelled out."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def csv_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([fmt(row.get(c, "")) for c in columns])
    return buffer.getvalue().encode()


def _arrow_type(values: Iterable[Any]) -> pa.DataType:
    seen = [v for v in values if v is not None]
    if seen and all(isinstance(v, bool) for v in seen):
        return pa.bool_()
    if seen and all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
        return pa.int64()
    if seen and all(isinstance(v, int | float) for v in seen):
        return pa.float64()
    return pa.string()


def parquet_bytes(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], types: dict[str, pa.DataType]
) -> bytes:
    arrays = []
    for c in columns:
        kind = types[c]
        values = [row.get(c) for row in rows]
        if kind == pa.string():
            values = [None if v is None else fmt(v) for v in values]
        elif kind == pa.float64():
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=kind))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def write_table(
    directory: Path,
    stem: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    types: dict[str, pa.DataType] | None = None,
) -> list[Path]:
    """`stem`.csv and `stem`.parquet with the same rows and columns."""
    kinds = types or {c: _arrow_type(row.get(c) for row in rows) for c in columns}
    csv_path, parquet_path = directory / f"{stem}.csv", directory / f"{stem}.parquet"
    write_atomic(csv_path, csv_bytes(rows, columns))
    write_atomic(parquet_path, parquet_bytes(rows, columns, kinds))
    return [csv_path, parquet_path]


def weekly_types(columns: Sequence[str]) -> dict[str, pa.DataType]:
    """Weekly counts are integers; hours, rates and shares are floats, whatever the data."""
    floats = ("footage_hours_", "share_rate", "area_within_reach")
    return {c: pa.float64() if c.startswith(floats) else pa.int64() for c in columns}


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"metric": k, "value": v} for k, v in summary.items()]


def code_hash() -> str:
    """SHA-256 over the source of app/: the code version, exact to the byte."""
    digest = hashlib.sha256()
    for path in sorted(_APP_DIR.rglob("*.py")):
        digest.update(path.relative_to(_APP_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def policy_identity(policy: Policy) -> dict[str, str]:
    """What a policy's decisions depend on, as a manifest records it."""
    return {
        "name": policy.name,
        "version": policy.version,
        "parameter_hash": policy.params.digest(),
    }


def manifest(
    scenario: Scenario, policies: Sequence[Policy], seeds: Sequence[int], **extra: Any
) -> dict[str, Any]:
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.digest(),
        "seeds": list(seeds),
        "policies": [policy_identity(p) for p in policies],
        "code_version": app.__version__,
        "code_hash": code_hash(),
        "python": platform.python_version(),
        "packages": package_versions(),
        **extra,
    }


def write_json(path: Path, value: Any) -> None:
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, default=fmt)
    write_atomic(path, (text + "\n").encode())


def file_digests(directory: Path, names: Iterable[str]) -> dict[str, str]:
    return {n: hashlib.sha256((directory / n).read_bytes()).hexdigest() for n in sorted(names)}


def write_run(
    directory: Path,
    result: RunResult,
    scenario: Scenario,
    policy: Policy,
    extra: Sequence[str] = (),
) -> None:
    """weekly.csv/.parquet, summary.csv/.parquet, then manifest.json (last), which lists a
    digest of each, and of the `extra` files already written (plots, a report)."""
    columns = list(result.weekly[0]) if result.weekly else ["week"]
    write_table(directory, "weekly", result.weekly, columns, weekly_types(columns))
    write_table(
        directory,
        "summary",
        summary_rows(result.summary),
        ["metric", "value"],
        {"metric": pa.string(), "value": pa.float64()},
    )
    names = ["weekly.csv", "weekly.parquet", "summary.csv", "summary.parquet", *extra]
    write_json(
        directory / "manifest.json",
        manifest(
            scenario,
            [policy],
            [result.seed],
            audit_entries=result.audit_entries,
            audit_head=result.audit_head,
            outputs=file_digests(directory, names),
        ),
    )
