"""Phone width and keyboard: every control labelled, nothing wider than the screen, and the
resident's share done with the keyboard alone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.web.browser.conftest import DemoSite

UNLABELLED = """() => Array.from(document.querySelectorAll(
  'input:not([type=hidden]), select, textarea, button')).filter(el => {
    if (el.tagName === 'BUTTON') return !el.textContent.trim() && !el.getAttribute('aria-label');
    return el.labels.length === 0 && !el.getAttribute('aria-label');
  }).map(el => el.outerHTML)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def check_page(page: Page) -> None:
    assert page.evaluate(UNLABELLED) == [], page.url
    assert page.evaluate(OVERFLOW) <= 0, f"{page.url} is wider than the screen"


def test_phone_width_and_keyboard_only(site: DemoSite, browser: Browser, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(site.url("/web/"))
        check_page(page)
        # The skip link comes first, for keyboard users.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"

        tab_to(page, "#act-agency")
        page.keyboard.press("Enter")
        expect(page).to_have_url(site.url("/web/agency?done=signed-in"))
        check_page(page)
        page.screenshot(path=str(artifacts / "phone-agency.png"), full_page=True)
        tab_to(page, "#case_number")
        page.keyboard.type("LPD-PHONE-1")
        tab_to(page, "#description")
        page.keyboard.type("Bicycle taken from a porch")
        tab_to(page, "#file")
        page.keyboard.press("Enter")
        expect(page.locator("#req-status")).to_have_text("open")
        check_page(page)

        page.goto(site.url("/web/"))
        tab_to(page, "#act-resident")
        page.keyboard.press("Enter")
        expect(page).to_have_url(site.url("/web/resident?done=signed-in"))
        check_page(page)
        tab_to(page, "#inbox a")
        page.keyboard.press("Enter")
        expect(page.locator("img.frames")).to_have_count(2)
        check_page(page)
        tab_to(page, "#clip-2")
        page.keyboard.press("Space")
        tab_to(page, "#share")
        page.keyboard.press("Enter")
        expect(page.locator("#my-answer")).to_have_text("shared")
        page.screenshot(path=str(artifacts / "phone-resident.png"), full_page=True)

        page.goto(site.url("/web/"))
        tab_to(page, "#act-auditor")
        page.keyboard.press("Enter")
        expect(page.locator("#releases tbody tr")).to_have_count(1)
        check_page(page)
        for path in ("/web/auditor/log", "/web/lab", "/web/compare", "/web/resident/disclosures"):
            page.goto(site.url(path))
            check_page(page)
    finally:
        context.close()
