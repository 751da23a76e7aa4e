"""The walkthrough clicked through in a real browser, as agency, resident and auditor.

Screenshots of every page go to test-artifacts/web/ (ignored by git); two of them illustrate
the README.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from app.workflow.context import Ctx
from app.workflow.records import Camera, Resident
from scripts.seed import DEMO_RESIDENT
from tests.web.browser.conftest import DemoSite

CLIP_FRAME = "img.frames"


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def act_as(page: Page, site: DemoSite, label: str) -> None:
    page.goto(site.url("/web/"))
    page.get_by_role("button", name=re.compile(f"^Act as {label}")).click()
    expect(page.locator(".flash")).to_have_text("Signed in.")


def dana_secrets(site: DemoSite) -> list[str]:
    """Everything that would identify or locate the demo resident.

    Only the camera's latitude is listed: the seed puts the walkthrough's incident due north of
    her camera, so the request's own centre shares its longitude. The page test
    test_no_agency_page_names_or_locates_a_resident checks both coordinates.
    """

    def read(ctx: Ctx) -> tuple[Resident, list[Camera]]:
        dana = next(r for r in ctx.store.find(Resident) if r.name == DEMO_RESIDENT)
        return dana, ctx.store.find(Camera, resident_id=dana.id)

    dana, cameras = site.app.state.runtime.read(read)
    out = [dana.name, dana.contact, str(dana.id)]
    for camera in cameras:
        out += [str(camera.id), camera.label and f"{camera.label} camera"]
        out += [f"{camera.lat:.{digits}f}" for digits in (4, 5, 6)] + [repr(camera.lat)]
    return out


def test_the_walkthrough_as_agency_resident_and_auditor(
    site: DemoSite, page: Page, artifacts: Path
) -> None:
    agency_pages: list[str] = []
    # Every page of the walkthrough loads cleanly: no failed request (the browser's own
    # /favicon.ico included), no script error.
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))

    # The start page explains the workflow and offers the three demo parties.
    page.goto(site.url("/"))
    expect(page).to_have_url(site.url("/web/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("consent-gated footage request")
    shoot(page, artifacts, "01-start")

    # 1. The agency: its map (blank cells below k), then a request drawn and filed.
    act_as(page, site, "Lakeview Police")
    cells = page.locator("#portal-map polygon.cell")
    assert cells.count() > 5
    assert page.locator("#portal-map polygon.suppressed").count() > 0
    agency_pages.append(page.content())
    page.get_by_label("Case number").fill("LPD-2026-0415")
    page.get_by_label("Incident type").select_option("package_theft")
    page.get_by_label("Description").fill("Package taken from a porch")
    page.get_by_label("Centre latitude").fill(site.env["INCIDENT_LAT"])
    page.get_by_label("Centre longitude").fill(site.env["INCIDENT_LNG"])
    page.get_by_label("Radius (metres)").fill("250")
    page.get_by_label("From").fill(site.env["WINDOW_START"][:16])
    page.get_by_label("To", exact=True).fill(site.env["WINDOW_END"][:16])
    # The form's circle is drawn on the map as it is typed.
    expect(page.locator("#portal-map-draft")).to_have_attribute("r", "250.0")
    shoot(page, artifacts, "02-agency-portal")
    page.get_by_role("button", name="File the request").click()
    expect(page).to_have_url(re.compile(r"/web/agency/requests/[0-9a-f-]{36}\?done=filed$"))
    request_id = page.url.split("/requests/")[1].split("?")[0]
    expect(page.locator("#req-status")).to_have_text("open")
    expect(page.locator("#no-footage")).to_be_visible()
    agency_pages.append(page.content())
    shoot(page, artifacts, "03-agency-request")

    # 2. The resident: the request in her inbox, her two clips as frames; she shares one.
    act_as(page, site, "Dana Demo")
    expect(page.locator("#inbox tbody tr")).to_have_count(1)
    expect(page.locator("#inbox")).to_contain_text("Lakeview Police Department")
    shoot(page, artifacts, "04-resident-inbox")
    page.get_by_role("link", name="Open").click()
    expect(page.locator(CLIP_FRAME)).to_have_count(2)
    shared_frames = page.locator(CLIP_FRAME).nth(0).get_attribute("src")
    kept_frames = page.locator(CLIP_FRAME).nth(1).get_attribute("src")
    assert shared_frames != kept_frames
    shoot(page, artifacts, "05-resident-request")
    page.get_by_label(re.compile("^Clip 1:")).check()
    page.get_by_role("button", name="Share the chosen clips").click()
    expect(page.locator(".flash")).to_contain_text("Shared.")
    expect(page.locator("#my-answer")).to_have_text("shared")

    # 3. The agency: exactly the shared clip arrived, anonymous.
    page.goto(site.url(f"/web/agency/requests/{request_id}"))
    expect(page.locator("#footage tbody tr")).to_have_count(1)
    expect(page.locator("#footage")).to_contain_text("anonymous")
    agency_pages.append(page.content())
    page.get_by_role("link", name="View frames").click()
    assert page.locator(CLIP_FRAME).get_attribute("src") == shared_frames
    agency_pages.append(page.content())
    shoot(page, artifacts, "06-agency-footage")

    # 4. Side by side: the same request through both roles' eyes.
    page.goto(site.url(f"/web/compare/{request_id}"))
    expect(page.locator("#agency-pane")).to_contain_text("LPD-2026-0415")
    expect(page.locator("#resident-pane img.frames")).to_have_count(2)
    agency_pages.append(page.locator("#agency-pane").inner_html())
    shoot(page, artifacts, "07-side-by-side")

    # 5. The resident reads what was disclosed about her.
    page.goto(site.url("/web/resident/disclosures"))
    expect(page.locator("#disclosures tbody tr")).to_have_count(1)
    expect(page.locator("#disclosures")).to_contain_text("LPD-2026-0415")
    shoot(page, artifacts, "08-resident-disclosures")

    # 6. The auditor: the log verifies; the release has its consent.
    act_as(page, site, "an auditor")
    expect(page.locator("#verdict")).to_contain_text("Verified")
    expect(page.locator("#releases tbody tr")).to_have_count(1)
    expect(page.locator("#releases")).to_contain_text("scope names this clip: yes")
    shoot(page, artifacts, "09-auditor")
    page.get_by_role("link", name="Read the log").click()
    expect(page.locator("#log")).to_contain_text("release.downloaded")
    shoot(page, artifacts, "10-auditor-log")
    page.get_by_role("link", name="Policy lab").click()
    expect(page.locator("#params")).to_contain_text("map_k")
    shoot(page, artifacts, "11-policy-lab")

    assert console == []

    # No agency page named or located the resident.
    secrets = dana_secrets(site)
    leaks = [(i, s) for i, html in enumerate(agency_pages) for s in secrets if s and s in html]
    assert leaks == []
