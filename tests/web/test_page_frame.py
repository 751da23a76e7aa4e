"""What every page shares: nothing loaded from elsewhere, a strict CSP, and the plug-in
templates for the auditor toolkit and the simulation."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from app.web.render import TEMPLATES
from tests.factories import World
from tests.web.conftest import Pages

EXTERNAL = re.compile(r'(?:src|href|action)="(?:https?:)?//', re.IGNORECASE)


def test_no_page_loads_anything_from_outside_and_every_page_has_the_csp(
    pages: Pages, world: World
) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[0]])
    pages.sign_in(agency.headers)
    pages.sign_in(dana.headers)
    pages.sign_in(world.auditor)
    release = world.ok("GET", f"/portal/requests/{filed['id']}/footage", agency.headers)
    urls = [
        "/web/",
        "/web/agency",
        f"/web/agency/requests/{filed['id']}",
        f"/web/agency/footage/{release['data'][0]['release_id']}",
        "/web/resident",
        f"/web/resident/requests/{filed['id']}",
        "/web/resident/disclosures",
        "/web/auditor",
        "/web/auditor/log",
        "/web/lab",
        "/web/compare",
        f"/web/compare/{filed['id']}",
    ]
    for url in urls:
        response = pages.get(url)
        assert response.status_code == 200, url
        assert EXTERNAL.findall(response.text) == [], url
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url


def test_the_root_leads_to_the_start_page(pages: Pages) -> None:
    response = pages.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/web/"


def test_production_offers_no_demo_identities(pages: Pages, world: World, tmp_path: Path) -> None:
    token = world.agency().headers["Authorization"].removeprefix("Bearer ")
    (tmp_path / "demo.env").write_text(f"export AGENCY_TOKEN={token}\n")
    runtime = world.app.state.runtime
    assert 'value="agency"' in pages.get("/web/").text
    runtime.settings = runtime.settings.model_copy(update={"env": "production"})
    assert 'value="agency"' not in pages.get("/web/").text
    refused = pages.client.post("/web/session", data={"demo": "agency"}, follow_redirects=False)
    assert refused.status_code == 404


def test_the_plug_in_templates_render_what_they_are_given() -> None:
    checkpoint = TEMPLATES.get_template("auditor_checkpoint.html").render(
        checkpoint={"tree_size": 7, "root_hash": "ab" * 32}
    )
    assert "tree size" in checkpoint and "ab" * 32 in checkpoint
    report = TEMPLATES.get_template("auditor_report.html").render(
        report={"title": "Demands", "columns": ["type", "count"], "rows": [["warrant", 3]]}
    )
    assert "<td>warrant</td><td>3</td>" in report


def test_the_auditor_page_shows_failed_invariants_when_the_verification_reports_them() -> None:
    """The auditor toolkit's verification adds live invariant checks; the page is ready."""
    violation = SimpleNamespace(detail="release without consent", entries=[41, 42])
    check = SimpleNamespace(
        ok=False,
        size=50,
        head="0" * 64,
        first_bad_seq=None,
        reason="",
        invariants=[
            SimpleNamespace(invariant="I1", description="consent", ok=False, violations=[violation])
        ],
    )
    html = TEMPLATES.get_template("auditor.html").render(
        check=check,
        releases=[],
        checkpoint=None,
        report=None,
        session={},
        csrf=lambda role: "",
        flash="",
        policy_name="p",
    )
    assert "The 50 entries link up, but a check failed." in html
    assert "release without consent (entries 41, 42)" in html
    assert "Verified" not in html
