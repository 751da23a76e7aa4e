"""The agency portal pages: the map as the policy shapes it, filing through the form with the
API's refusals, and nothing about a resident on any agency page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.policies import StandardPolicy, load_policy
from app.policies.params import MapMode
from tests.factories import CITY, World, offset
from tests.web.conftest import Pages, filing_form


def _form(world: World, **changes: str) -> dict[str, str]:
    form = filing_form(world.request_body(), minutes=True)
    form.update(changes)
    return form


def _polygons(html: str) -> list[dict[str, str]]:
    found = re.findall(
        r'<polygon class="cell ([^"]+)" points="[^"]+"\s*(?:fill="([^"]*)")?\s*'
        r'data-count="([^"]+)"',
        html,
    )
    return [{"class": c, "fill": f, "count": n} for c, f, n in found]


# Exact counts make the shading checkable; the default policy's map is noisy.
K_ANONYMOUS = StandardPolicy(
    "k-anonymous-map",
    replace(load_policy("privacy-by-design").params, map_mode=MapMode.K_ANONYMOUS),
)


@pytest.mark.parametrize("policy", [K_ANONYMOUS])
def test_the_map_shades_what_the_api_shows_and_leaves_suppressed_cells_blank(
    pages: Pages, world: World, policy: StandardPolicy
) -> None:
    agency = world.agency()
    for i in range(6):  # one cell with 6 cameras: above k = 5
        world.resident(north_m=5 * i, clips=0)
    world.resident(north_m=2500, east_m=-1500, clips=0)  # a lone camera elsewhere: below k
    api = world.ok("GET", "/portal/map", agency.headers)
    pages.sign_in(agency.headers)
    html = pages.get("/web/agency").text
    drawn = _polygons(html)
    assert sorted(p["count"] for p in drawn) == sorted(
        "suppressed" if c["count"] is None else str(c["count"]) for c in api["cells"]
    )
    shown = [p for p in drawn if p["count"] == "6"]
    blank = [p for p in drawn if p["count"] == "suppressed"]
    assert len(shown) == 1 and "shade-4" in shown[0]["class"]
    assert len(blank) == 1 and blank[0]["class"] == "suppressed"
    assert blank[0]["fill"].endswith("-hatch)")  # the hatch, never a shade
    assert ">1 cameras<" not in html and ">1<" not in html  # the lone camera's count is nowhere


def test_filing_through_the_form_is_the_apis_request(pages: Pages, world: World) -> None:
    agency = world.agency()
    world.resident()
    pages.sign_in(agency.headers)
    form = _form(world, case_number="WEB-1")
    response = pages.post("/web/agency/requests", "/web/agency", form)
    assert response.status_code == 303
    listed = world.ok("GET", "/portal/requests", agency.headers)
    assert listed["count"] == 1
    filed = listed["data"][0]
    assert filed["case_number"] == "WEB-1"
    assert response.headers["location"] == f"/web/agency/requests/{filed['id']}?done=filed"
    page = pages.get(response.headers["location"]).text
    assert 'id="req-status">open<' in page
    assert "Request filed." in page
    assert '<circle class="area request"' in page


def test_a_refused_request_shows_the_apis_code_keeps_the_form_and_writes_nothing(
    pages: Pages, world: World
) -> None:
    agency = world.agency()
    pages.sign_in(agency.headers)
    pages.get("/web/agency")  # the noisy map draws this period's noise once: a write of its own
    before = world.state_changes()
    too_big = pages.post("/web/agency/requests", "/web/agency", _form(world, radius_m="5000"))
    assert too_big.status_code == 422
    assert "area_out_of_bounds" in too_big.text
    assert 'value="5000"' in too_big.text  # the visitor's input is kept for correction
    not_a_number = pages.post("/web/agency/requests", "/web/agency", _form(world, center_lat="x"))
    assert not_a_number.status_code == 422
    assert "validation_error" in not_a_number.text
    assert "area.center_lat" in not_a_number.text
    protest = pages.post(
        "/web/agency/requests", "/web/agency", _form(world, incident_type="lawful_protest")
    )
    assert protest.status_code == 422
    assert "incident_type_refused" in protest.text
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    assert world.state_changes() == before


@pytest.mark.parametrize(
    ("field", "label"), [("case_number", "Case number"), ("description", "Description")]
)
def test_a_nul_typed_into_the_form_is_refused_with_its_label_and_writes_nothing(
    pages: Pages, world: World, field: str, label: str
) -> None:
    """The form files through the API's schema, which refuses a NUL (PostgreSQL cannot store
    one: filing it was a 500 there, and SQLite kept it)."""
    agency = world.agency()
    pages.sign_in(agency.headers)
    pages.get("/web/agency")  # the noisy map draws this period's noise once: a write of its own
    before = world.state_changes()
    refused = pages.post("/web/agency/requests", "/web/agency", _form(world, **{field: "A\x00B"}))
    assert refused.status_code == 422
    assert "validation_error" in refused.text
    assert f"{label} ({field}): must not contain the NUL character" in refused.text
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    assert world.state_changes() == before


def test_a_case_number_too_long_in_canonical_form_is_refused_on_the_form(
    pages: Pages, world: World
) -> None:
    """The form files through the API's schema: 64 U+FDFA (1,152 characters in NFKC) are
    refused there too, with the field's label."""
    agency = world.agency()
    pages.sign_in(agency.headers)
    refused = pages.post(
        "/web/agency/requests", "/web/agency", _form(world, case_number="\ufdfa" * 64)
    )
    assert refused.status_code == 422
    assert "Case number (case_number): its canonical form" in refused.text
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0


def test_the_preview_draws_the_circle_and_files_nothing(pages: Pages, world: World) -> None:
    agency = world.agency()
    pages.sign_in(agency.headers)
    response = pages.post("/web/agency/preview", "/web/agency", _form(world, radius_m="321"))
    assert response.status_code == 200
    assert re.search(r'<circle class="area draft"[^>]* r="321.0"', response.text)
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0


def test_closing_through_the_form(pages: Pages, world: World) -> None:
    agency = world.agency()
    filed = world.file(agency)
    pages.sign_in(agency.headers)
    url = f"/web/agency/requests/{filed['id']}"
    response = pages.post(f"{url}/close", url)
    assert response.status_code == 303
    assert world.ok("GET", f"/portal/requests/{filed['id']}", agency.headers)["status"] == "closed"
    again = pages.post(f"{url}/close", "/web/agency")
    assert again.status_code == 409
    assert "illegal_transition" in again.text


def _location_strings(lat: float, lng: float) -> list[str]:
    out = []
    for digits in (4, 5, 6):
        out += [f"{lat:.{digits}f}", f"{lng:.{digits}f}"]
    return [*out, repr(lat), repr(lng)]


def test_no_agency_page_names_or_locates_a_resident(pages: Pages, world: World) -> None:
    agency = world.agency()
    # Camera 150 m from the request's centre: inside the area, away from its coordinates.
    dana = world.resident(north_m=120, east_m=90, name="Dana Private")
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[0]])
    camera: dict[str, Any] = {"lat": 0.0, "lng": 0.0}
    camera["lat"], camera["lng"] = offset(*CITY, 120, 90)
    pages.sign_in(agency.headers)
    footage = world.ok("GET", f"/portal/requests/{filed['id']}/footage", agency.headers)
    release_id = footage["data"][0]["release_id"]
    seen = "".join(
        pages.get(url).text
        for url in (
            "/web/agency",
            f"/web/agency/requests/{filed['id']}",
            f"/web/agency/footage/{release_id}",
        )
    )
    assert "View frames" in seen and "data:image/svg+xml;base64," in seen  # the pages rendered
    forbidden = [
        "Dana Private",
        "dana.private@example.org",
        str(dana.id),
        str(dana.cameras[0]),
        str(dana.clips[0]),
        *_location_strings(camera["lat"], camera["lng"]),
    ]
    leaked = [s for s in forbidden if s in seen]
    assert leaked == []


def _view_width(html: str, map_id: str) -> float:
    found = re.search(rf'<svg id="{map_id}" viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) [0-9.]+"', html)
    assert found, f"no {map_id} on the page"
    return float(found.group(1))


def test_a_mistyped_centre_is_refused_and_does_not_shrink_the_map(
    pages: Pages, world: World
) -> None:
    """A mistyped latitude (40 for 28) was once filed, and framed the map around both circles,
    drawing the whole jurisdiction as a dot. The workflow now refuses a circle outside the
    jurisdiction (the student's typing kept for correction), and the preview names the stray
    circle under a map that stays on the jurisdiction."""
    agency = world.agency()
    world.resident()
    world.file(agency, case="NEAR-1")
    pages.sign_in(agency.headers)
    before = _view_width(pages.get("/web/agency").text, "portal-map")
    assert before < 10_000  # the 3 km-radius jurisdiction
    changes = world.state_changes()
    mistyped = str(CITY[0] + 12)
    far = pages.post("/web/agency/requests", "/web/agency", _form(world, center_lat=mistyped))
    assert far.status_code == 422
    assert "area_outside_jurisdiction" in far.text
    assert f'value="{mistyped}"' in far.text
    assert world.state_changes() == changes
    assert _view_width(far.text, "portal-map") == before
    preview = pages.post(
        "/web/agency/preview", "/web/agency", _form(world, center_lat=str(CITY[0] - 20))
    )
    assert _view_width(preview.text, "portal-map") == before
    assert "the request you are filing (200 m around" in preview.text


def _with_map(mode: MapMode) -> StandardPolicy:
    params = replace(load_policy("privacy-by-design").params, map_mode=mode)
    return StandardPolicy(f"map-{mode.value}", params)


@pytest.mark.parametrize(
    ("policy", "says", "never"),
    [
        (_with_map(MapMode.NOISY), "random noise added (privacy loss ε = 1.0", "a circle around"),
        (_with_map(MapMode.K_ANONYMOUS), "Exact camera counts per cell", "noise"),
        (_with_map(MapMode.HEATMAP), "a circle around every camera", "suppressed"),
        (_with_map(MapMode.NONE), "no map of cameras", "many cameras"),
    ],
    ids=["noisy", "k_anonymous", "heatmap", "none"],
)
def test_the_map_says_what_the_policy_in_force_shows(
    pages: Pages, world: World, policy: StandardPolicy, says: str, never: str
) -> None:
    """The map once described itself as exact counts blanked below k under every policy: the
    default policy's counts are noisy, the 2018 heat map blanks nothing and its camera circles
    (the leak it reproduces) were not drawn, and under no-map policies an empty box claimed
    shaded cells."""
    agency = world.agency()
    for i in range(3):
        world.resident(north_m=400 * i, clips=0)
    api = world.ok("GET", "/portal/map", agency.headers)
    pages.sign_in(agency.headers)
    html = pages.get("/web/agency").text
    figure = html[html.index('<figure class="map">') : html.index("</figure>")]
    assert says in figure and never not in figure
    assert figure.count('<circle class="camera"') == len(api["circles"])
    if policy.params.map_mode is MapMode.HEATMAP:
        assert len(api["circles"]) == 3


def test_a_mistyped_field_is_named_by_its_label_and_marked(pages: Pages, world: World) -> None:
    """A refused field was named by the API body's path only ("area.center_lat: Input should
    be a valid number"; "window: Value error, the window must end after it starts") and no
    input was marked, so a student had to guess which box the message meant."""
    agency = world.agency()
    pages.sign_in(agency.headers)
    lat = pages.post("/web/agency/requests", "/web/agency", _form(world, center_lat="28,04"))
    assert lat.status_code == 422 and "validation_error" in lat.text
    assert "Centre latitude (area.center_lat): Input should be a valid number" in lat.text
    assert re.search(r'<input id="center_lat" name="center_lat" aria-invalid="true"', lat.text)
    assert lat.text.count('aria-invalid="true"') == 1
    form = _form(world)
    backwards = _form(world, window_start=form["window_end"], window_end=form["window_start"])
    window = pages.post("/web/agency/requests", "/web/agency", backwards)
    assert "Time window (window): the window must end after it starts" in window.text
    assert "Value error" not in window.text
    assert re.search(
        r'<input id="window_start" name="window_start" aria-invalid="true"', window.text
    )


@pytest.mark.parametrize(
    ("policy", "explained"),
    [
        (load_policy("warrant-only"), True),
        (load_policy("legal-only-2024"), True),
        (load_policy("privacy-by-design"), False),
    ],
    ids=["warrant-only", "legal-only-2024", "privacy-by-design"],
)
def test_a_policy_without_consent_requests_says_so_above_the_form(
    pages: Pages, world: World, policy: StandardPolicy, explained: bool
) -> None:
    """Under the presets that take no requests to residents, the form was shown as under any
    other, and a student learnt why only from the refusal after filing."""
    agency = world.agency()
    pages.sign_in(agency.headers)
    html = pages.get("/web/agency").text
    assert ('id="no-consent-requests"' in html) is explained
    if explained:
        assert f"Under <strong>{policy.name}</strong> the portal" in html
        refused = pages.post("/web/agency/requests", "/web/agency", _form(world))
        assert refused.status_code == 422 and "consent_requests_closed" in refused.text


@pytest.mark.parametrize("zone", ["-05:00", "+02:00", "Z", "naive"])
def test_a_window_typed_with_its_offset_is_read_as_that_instant(
    pages: Pages, world: World, zone: str
) -> None:
    """The form appended `Z` to any time without a `+`: `10:00-05:00` became `10:00-05:00Z`,
    refused as no date and time at all; a typed offset is now converted to UTC, and a time
    without one is still read as UTC."""
    agency = world.agency()
    pages.sign_in(agency.headers)
    form = _form(world)
    start = datetime.fromisoformat(form["window_start"]).replace(tzinfo=UTC)
    end = datetime.fromisoformat(form["window_end"]).replace(tzinfo=UTC)
    offset_of = {"-05:00": -5, "+02:00": 2, "Z": 0, "naive": 0}[zone]

    def typed(at: datetime) -> str:
        local = at.astimezone(timezone(timedelta(hours=offset_of)))
        text = local.replace(tzinfo=None).isoformat(timespec="minutes")
        return text if zone == "naive" else text + zone

    sent = _form(world, window_start=typed(start), window_end=typed(end))
    response = pages.post("/web/agency/requests", "/web/agency", sent)
    assert response.status_code == 303, response.text
    filed = world.ok("GET", "/portal/requests", agency.headers)["data"][0]
    assert datetime.fromisoformat(filed["window_start"]) == start
    assert datetime.fromisoformat(filed["window_end"]) == end
