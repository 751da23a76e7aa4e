"""The API's documentation pages load nothing from outside the service: FastAPI's own pages
take Swagger UI and ReDoc from a CDN, which a classroom offline cannot reach."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_the_services_own_files(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert sources, html.text
    outside = [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert not outside, outside
    for source in sources:
        if source.endswith((".js", ".css")):
            asset = client.get(source)
            assert asset.status_code == 200, source
            assert len(asset.content) > 10_000, source  # the bundle itself, not a stub
