"""What a student's slips look like in a real browser: a mistyped centre, a share with nothing
ticked, two similar requests in the inbox, and a policy that files nothing in the lab."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import DemoSite
from tests.web.browser.test_walkthrough import act_as, shoot

HEX_WIDTH = "() => document.querySelector('#portal-map polygon.cell').getBoundingClientRect().width"


def file_request(page: Page, site: DemoSite, case: str, description: str, lat: str) -> None:
    page.goto(site.url("/web/agency"))
    page.get_by_label("Case number").fill(case)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Centre latitude").fill(lat)
    page.get_by_role("button", name="File the request").click()
    expect(page.locator("#req-status")).to_have_text("open")


def test_slips_in_the_walkthrough_are_explained_where_they_happen(
    site: DemoSite, page: Page, artifacts: Path
) -> None:
    act_as(page, site, "Lakeview Police")
    hexagon = page.evaluate(HEX_WIDTH)
    assert hexagon > 10  # a cell is drawn at a readable size
    # A latitude typed as 40 instead of 28: refused on the page, outside the jurisdiction, the
    # typing kept, and the map stays on the jurisdiction instead of shrinking to a dot.
    page.get_by_label("Case number").fill("LPD-TYPO-1")
    page.get_by_label("Description").fill("Package taken from a porch")
    page.get_by_label("Centre latitude").fill("40.041960")
    page.get_by_role("button", name="File the request").click()
    expect(page.locator("#form-error")).to_contain_text("outside this agency's jurisdiction")
    expect(page.get_by_label("Centre latitude")).to_have_value("40.041960")
    assert page.evaluate(HEX_WIDTH) == hexagon
    shoot(page, artifacts, "slip-01-agency-typo")
    file_request(page, site, "LPD-0415", "Package taken from a porch", site.env["INCIDENT_LAT"])
    file_request(page, site, "LPD-0416", "Bicycle taken from a yard", site.env["INCIDENT_LAT"])

    # The resident: two requests told apart by their description, each link named for it.
    act_as(page, site, "Dana Demo")
    expect(page.get_by_role("link", name=re.compile("Package taken from a porch"))).to_have_count(1)
    page.get_by_role("link", name=re.compile("Bicycle taken from a yard")).click()
    expect(page.locator("h1")).to_contain_text("Lakeview Police Department")
    # Share with nothing ticked: refused on the same page, in words she can act on.
    page.get_by_role("button", name="Share the chosen clips").click()
    expect(page.locator("#answer-error")).to_contain_text("No clip was ticked")
    expect(page.locator("img.frames")).to_have_count(2)
    shoot(page, artifacts, "slip-02-share-nothing")
    page.get_by_label(re.compile("^Clip 2:")).check()
    page.get_by_role("button", name="Share the chosen clips").click()
    expect(page.locator("#my-answer")).to_have_text("shared")
    expect(page.locator("#what-sharing-means")).to_contain_text("not your name")


def test_the_lab_names_the_rule_behind_a_column_of_zeros(
    site: DemoSite, page: Page, artifacts: Path
) -> None:
    page.goto(site.url("/web/lab"))
    page.get_by_label("Policy A").select_option("privacy-by-design")
    page.get_by_label("Policy B").select_option("ring-2018")
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("button", name="Run the scenario under both").click()
    refused = page.locator('#comparison tr[data-metric="refused_partnership_terms_missing"]')
    expect(refused).to_contain_text("refused: partnership terms missing")
    expect(page.locator("#lab-town")).to_contain_text("1 police agency")
    shoot(page, artifacts, "slip-03-lab")
