"""A lost database answers 503 (docs/operations.md, "Faults"), and the OpenAPI document says so
for exactly the operations that can answer it, with Retry-After: a client generator or a
schema fuzzer reads the document, and docs/security.md promises every error is in it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.access import ALLOW_LIST, ANYONE
from app.error_docs import NO_DATABASE
from app.runtime import Runtime
from app.workflow.errors import DatabaseUnavailable
from app.workflow.states import Role
from tests.factories import World


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, ops in app.openapi()["paths"].items()
        for method, operation in ops.items()
    ]


def test_every_operation_that_reads_the_database_documents_503(app: FastAPI) -> None:
    for method, path, operation in operations(app):
        key = f"{method} {path}"
        responses = operation["responses"]
        assert ("503" in responses) == (key not in NO_DATABASE), key
        if "503" in responses:
            assert "Retry-After" in responses["503"]["headers"], key
            assert responses["503"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/ApiError"
            )


def test_with_the_database_gone_each_read_answers_as_documented(
    app: FastAPI, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every GET operation, with its role's token: 503 `database_unavailable` and Retry-After,
    but the ones documented without 503, which answer as if nothing happened."""

    def gone(*_: object, **__: object) -> Any:
        raise DatabaseUnavailable()

    tokens = {role: world.headers(role, uuid.uuid4()) for role in Role}
    monkeypatch.setattr(Runtime, "read", gone)
    monkeypatch.setattr(Runtime, "write", gone)
    for method, path, _ in operations(app):
        if method != "GET":
            continue
        key = f"{method} {path}"
        audience = ALLOW_LIST[key]
        headers = {} if audience == ANYONE else tokens[sorted(audience)[0]]
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        if "{index}" in path:
            url = path.replace("{index}", "0")
        query = {"first": 1, "second": 1} if path.endswith("/consistency") else {}
        response = client.get(url, headers=headers, params=query)
        if key in NO_DATABASE:
            assert response.status_code == 200, (key, response.text)
        else:
            assert response.status_code == 503, (key, response.status_code, response.text)
            assert response.json()["code"] == "database_unavailable", key
            assert response.headers["Retry-After"] == "1", key
