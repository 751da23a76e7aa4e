"""Web page tests: the same per-test database and clock as the API tests, plus a page client
that signs in through the start page with a token, as a visitor would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.config import Settings

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def filing_form(body: dict[str, Any], *, minutes: bool = False) -> dict[str, str]:
    """The agency page's filing form for an API request body (`World.request_body`): text
    fields, a 200 m circle; `minutes`: the window as a datetime-local input sends it."""
    cut = 16 if minutes else None
    return {
        "case_number": body["case_number"],
        "incident_type": body["incident_type"],
        "description": body["description"],
        "center_lat": str(body["area"]["center_lat"]),
        "center_lng": str(body["area"]["center_lng"]),
        "radius_m": "200",
        "window_start": body["window"]["start"][:cut],
        "window_end": body["window"]["end"][:cut],
    }


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """Never read the developer's var/demo.env: each test has its own (absent unless written)."""
    return settings.model_copy(update={"demo_env_file": tmp_path / "demo.env"})


class Pages:
    """A browser-less visitor: cookies in the client's jar, forms posted with their CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def sign_in(self, headers: dict[str, str]) -> Response:
        token = headers["Authorization"].removeprefix("Bearer ")
        return self.client.post("/web/session", data={"token": token}, follow_redirects=False)

    def get(self, url: str) -> Response:
        return self.client.get(url, follow_redirects=False)

    def csrf(self, url: str) -> str:
        found = CSRF.search(self.get(url).text)
        assert found, f"no form token on {url}"
        return found.group(1)

    def post(self, url: str, form_page: str, data: dict[str, Any] | None = None) -> Response:
        body = {"csrf": self.csrf(form_page), **(data or {})}
        return self.client.post(url, data=body, follow_redirects=False)


@pytest.fixture
def pages(client: TestClient) -> Pages:
    return Pages(client)
