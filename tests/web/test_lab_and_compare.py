"""The policy lab's parameter table and the side-by-side view of one request."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from app.sim.compare import compare
from app.sim.scenario import parse_scenario, read_scenario_data
from app.web.lab_run import LAB_REPLICATIONS, LAB_SCENARIO
from tests.conftest import PG_URL
from tests.factories import World
from tests.web.conftest import Pages

# The simulation runs in memory: the PostgreSQL pass would repeat it byte for byte.
memory_only = pytest.mark.skipif(bool(PG_URL), reason="no database involved; ran on SQLite")


def test_the_lab_lists_the_parameters_of_the_policy_in_force(pages: Pages, world: World) -> None:
    policy = world.ok("GET", "/policy", {})
    page = pages.get("/web/lab").text
    for key, value in policy["parameters"].items():
        if not isinstance(value, list):
            assert re.search(rf'<th scope="row">{key}</th><td>{value}</td>', page), key
    assert "Pick two different policies" in page  # A and B are both the policy in force


@memory_only
def test_the_lab_runs_the_scenario_through_the_simulation(pages: Pages) -> None:
    page = pages.get("/web/lab?a=privacy-by-design&b=ring-rfa-2021").text
    assert "Run the scenario under both" in page and 'id="comparison"' not in page
    ran = pages.get("/web/lab?a=privacy-by-design&b=ring-rfa-2021&run=1").text
    table = ran[ran.index('id="comparison"') :]
    cells = re.findall(
        r'<tr data-metric="(\w+)"><th scope="row">.*?</th>\s*'
        r"<td>([^<]+)</td><td>[^<]+</td><td>([^<]+)</td></tr>",
        table,
    )
    rows = {metric: left for metric, left, _ in cells}
    paired = {metric: difference for metric, _, difference in cells}
    # The same figures `consentgate compare` computes for this town, seeds and policies.
    data = read_scenario_data(LAB_SCENARIO)
    with tempfile.TemporaryDirectory() as out:
        expected = compare(
            parse_scenario(data),
            data,
            ["privacy-by-design", "ring-rfa-2021"],
            replications=LAB_REPLICATIONS,
            out=Path(out),
        )
    assert rows["releases_without_consent"] == expected.display(
        "releases_without_consent", "privacy-by-design"
    )
    assert rows["requests_filed"] == expected.display("requests_filed", "privacy-by-design")
    # The last column is ring-rfa-2021 minus privacy-by-design, paired by seed.
    assert paired["identity_disclosures"] == expected.differences.display(
        "identity_disclosures", "ring-rfa-2021"
    )
    assert paired["requests_filed"] == expected.differences.display(
        "requests_filed", "ring-rfa-2021"
    )
    assert 'src="data:image/png;base64,' in ran


@memory_only
def test_a_policy_that_files_nothing_shows_the_rule_that_refused_the_town(pages: Pages) -> None:
    """ring-2018 admits only agencies with a promotion duty, which the town's police lacks: the
    lab once showed a column of 0 ± 0 beside raw metric keys, with nothing saying why."""
    ran = pages.get("/web/lab?a=privacy-by-design&b=ring-2018&run=1").text
    table = ran[ran.index('id="comparison"') :]
    row = re.search(
        r'<tr data-metric="refused_partnership_terms_missing"><th scope="row">'
        r"refused: partnership terms missing<br>.*?</th>\s*<td>0 ± 0</td><td>([^<]+)</td>",
        table,
    )
    assert row and row.group(1) != "0 ± 0"
    assert '<th scope="row">requests filed<br><span class="def">Consent requests' in table
    # The town as its scenario file describes it (one police agency, not two).
    assert "400 households in 2 neighbourhoods, 1 police agency, 42 days" in ran


def test_the_lab_loads_presets_only(pages: Pages) -> None:
    unknown = pages.get("/web/lab?a=no-such-policy")
    assert unknown.status_code == 404 and "policy_not_found" in unknown.text
    # The lab is the pages' own: the error page once claimed the JSON API answers the same.
    assert "The JSON API gives the same" not in unknown.text
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
    # The pane links the agency's own view of the footage rather than fetching it (a download).
    release_id = world.ok("GET", "/audit/releases", world.auditor)["data"][0]["id"]
    assert f'href="/web/agency/footage/{release_id}"' in agency_pane
    assert world.ok("GET", "/audit/releases", world.auditor)["data"][0]["downloaded_at"] is None
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
