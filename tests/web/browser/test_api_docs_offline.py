"""The "JSON API" link every page's footer gives opens a working Swagger UI with the network
cut off: only the service itself answers, as in a classroom without internet."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.web.browser.conftest import DemoSite


def test_the_api_docs_render_offline(site: DemoSite, page: Page) -> None:
    refused: list[str] = []

    def only_the_service(route: Route) -> None:
        if route.request.url.startswith(site.base):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(site.url("/web/"))
    page.get_by_role("link", name="JSON API").click()
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert refused == []
