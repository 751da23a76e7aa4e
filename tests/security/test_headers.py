"""Headers on every answer: not only on the web pages that set their own."""

from __future__ import annotations

from tests.factories import World
from tests.security.test_object_isolation import Town, town  # noqa: F401 - the fixture


def _framing_refused(headers: object) -> bool:
    get = headers.get  # type: ignore[attr-defined]
    return get("x-frame-options") == "DENY" or "frame-ancestors 'none'" in get(
        "content-security-policy", ""
    )


def test_the_api_documentation_cannot_be_framed(world: World) -> None:
    """Clickjacking: /docs is where a visitor pastes a bearer token and presses Execute."""
    for url in ("/docs", "/redoc", "/openapi.json", "/healthz", "/", "/web/static/map.js"):
        answer = world.client.get(url, follow_redirects=False)
        assert answer.status_code < 400, url
        assert _framing_refused(answer.headers), url
        assert answer.headers["x-content-type-options"] == "nosniff", url


def test_tokens_and_footage_are_never_cached(town: Town) -> None:  # noqa: F811
    """An answer to an authenticated call (a minted token, a clip, an identity) says no-store,
    refusals included."""
    world = town.world
    minted = world.client.post("/operator/tokens", headers=world.operator, json={"role": "auditor"})
    release = world.client.get(f"/portal/footage/{town.release_a}", headers=town.a.headers)
    refused = world.client.get(f"/portal/footage/{town.release_a}", headers=town.b.headers)
    for answer in (minted, release, refused):
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert (minted.status_code, release.status_code, refused.status_code) == (201, 200, 404)


def test_the_pages_keep_their_own_stricter_policy(world: World) -> None:
    page = world.client.get("/web/")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
