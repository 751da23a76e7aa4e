"""The policy lab's parameter table and the side-by-side view of one request."""

from __future__ import annotations

import re

from tests.factories import World
from tests.web.conftest import Pages


def test_the_lab_lists_the_parameters_of_the_policy_in_force(pages: Pages, world: World) -> None:
    policy = world.ok("GET", "/policy", {})
    page = pages.get("/web/lab").text
    for key, value in policy["parameters"].items():
        if not isinstance(value, list):
            assert re.search(rf'<th scope="row">{key}</th><td>{value}</td>', page), key
    assert "comes with the simulation" in page


def test_the_lab_loads_presets_only(pages: Pages) -> None:
    unknown = pages.get("/web/lab?a=no-such-policy")
    assert unknown.status_code == 404 and "policy_not_found" in unknown.text
    # A module path a visitor types is never imported by a page.
    module = pages.get("/web/lab?b=os:getcwd")
    assert module.status_code == 404 and "policy_not_found" in module.text


def test_side_by_side_shows_each_roles_own_view(pages: Pages, world: World) -> None:
    agency = world.agency()
    dana = world.resident(name="Dana Side")
    for i in range(5):  # enough residents that the counts are not blank
        world.resident(north_m=10 * (i + 1), name=f"Neighbour {i}")
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[0]])
    pages.sign_in(agency.headers)
    only_agency = pages.get(f"/web/compare/{filed['id']}").text
    assert "Sign in as the resident" in only_agency
    pages.sign_in(dana.headers)
    page = pages.get(f"/web/compare/{filed['id']}").text
    agency_pane = page.split('id="agency-pane"')[1].split('id="resident-pane"')[0]
    resident_pane = page.split('id="resident-pane"')[1]
    assert "<dt>notified</dt><dd>6</dd>" in agency_pane
    assert "shared by anonymous" in agency_pane
    assert "data:image/svg+xml" in resident_pane  # her clips as frames
    assert "consent release" in resident_pane
    for secret in ("Dana Side", str(dana.id), str(dana.cameras[0]), "dana.side@example.org"):
        assert secret not in agency_pane


def test_side_by_side_says_when_the_resident_was_not_notified(pages: Pages, world: World) -> None:
    agency = world.agency()
    world.resident()
    far = world.resident(north_m=2000)
    filed = world.file(agency)
    pages.sign_in(agency.headers)
    pages.sign_in(far.headers)
    page = pages.get(f"/web/compare/{filed['id']}").text
    resident_pane = page.split('id="resident-pane"')[1]
    assert "request_not_found" in resident_pane
    chooser = pages.get("/web/compare").text
    assert f'href="/web/compare/{filed["id"]}"' in chooser
