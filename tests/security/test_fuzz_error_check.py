"""The error-body rule `make verify`'s API fuzz applies (scripts/fuzz_checks.py) is not blind:
it passes the bodies the API sends and names each way an error body can fall short."""

from __future__ import annotations

import json

import pytest

from scripts.fuzz_checks import error_body_problem


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"\xf8 footage, not text"),  # not an error: not its business
        (404, json.dumps({"detail": "No request with that id.", "code": "request_not_found"})),
        (422, json.dumps({"detail": "start: ...", "code": "validation_error", "errors": []})),
    ],
)
def test_good_bodies_pass(status: int, body: str | bytes) -> None:
    content = body if isinstance(body, bytes) else body.encode()
    assert error_body_problem(status, content) is None


@pytest.mark.parametrize(
    ("status", "body", "named"),
    [
        (500, "Internal Server Error", "not JSON"),
        (502, "\xf8 not UTF-8", "not JSON"),
        (400, json.dumps(["detail", "code"]), "not an object"),
        (404, json.dumps({"detail": "Not Found"}), "stable `code`"),
        (403, json.dumps({"detail": " ", "code": "forbidden"}), "human `detail`"),
        (409, json.dumps({"code": "illegal_transition"}), "human `detail`"),
        (422, json.dumps({"detail": "Bad.", "code": "Validation Error"}), "stable `code`"),
    ],
)
def test_each_shortfall_is_named(status: int, body: str, named: str) -> None:
    content = body.encode("latin-1") if "\xf8" in body else body.encode()
    problem = error_body_problem(status, content)
    assert problem is not None and named in problem and str(status) in problem
