"""Every request parameter, through the API: the same call is allowed under one value and
refused (with the parameter named in `rules`) under another."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.policies import StandardPolicy
from tests.factories import World
from tests.policies.helpers import agency_with, policy_with


def attempt(world: World, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    agency = world.agency()
    response = world.client.post("/portal/requests", headers=agency.headers, json=body)
    return response.status_code, response.json()


def body_for(world: World, change: str) -> dict[str, Any]:
    """One request that the two policies of each case below judge differently."""
    if change == "area_300m":  # 0.109 square miles
        return world.request_body(radius_m=300)
    if change == "area_200m":  # 0.0485 square miles
        return world.request_body(radius_m=200)
    if change == "window_60min":
        return world.request_body(hours=1.0)
    if change == "three_days_ago":
        return world.request_body(start=world.clock.now() - timedelta(days=3))
    if change == "protest":
        return world.request_body(incident_type="lawful_protest")
    if change == "no_case_number":
        body = world.request_body()
        body["case_number"] = ""
        return body
    raise AssertionError(change)


CASES = [
    # (parameter, value that allows, value that refuses, request, refusal code)
    ("max_area_sq_mi", 0.5, 0.1, "area_300m", "area_out_of_bounds"),
    ("min_area_sq_mi", 0.025, 0.05, "area_200m", "area_out_of_bounds"),
    ("max_window_minutes", 720, 30, "window_60min", "window_out_of_bounds"),
    ("min_window_minutes", 15, 90, "window_60min", "window_out_of_bounds"),
    ("lookback_days", 45, 2, "three_days_ago", "window_too_old"),
    ("refused_incident_types", [], ["lawful_protest"], "protest", "incident_type_refused"),
    ("case_number_required", False, True, "no_case_number", "case_number_required"),
    ("consent_requests", True, False, "area_200m", "consent_requests_closed"),
]


@pytest.mark.parametrize(
    ("policy", "change", "code"),
    [
        pytest.param(policy_with(**{key: bad}), change, code, id=f"{key}={bad}")
        for key, _, bad, change, code in CASES
    ],
)
def test_request_limit_parameters_refuse(
    world: World, policy: StandardPolicy, change: str, code: str
) -> None:
    status, body = attempt(world, body_for(world, change))
    assert status == 422, body
    assert body["code"] == code and body["detail"]


# One policy holding every "allowing" value admits each request the cases above refuse.
@pytest.mark.parametrize(
    "policy", [policy_with(**{key: ok for key, ok, _, _, _ in CASES})], ids=["allowing"]
)
def test_request_limit_parameters_allow(world: World, policy: StandardPolicy) -> None:
    for _, _, _, change, _ in CASES:
        status, body = attempt(world, body_for(world, change))
        assert status == 201, (change, body)


@pytest.mark.parametrize(
    ("policy", "limit"),
    [(policy_with(requests_per_investigation=n), n) for n in (1, 3)],
    ids=["one", "three"],
)
def test_requests_per_investigation(world: World, policy: StandardPolicy, limit: int) -> None:
    agency = world.agency()
    for _ in range(limit):
        world.file(agency, case="CASE-7")
    over = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(case="CASE-7")
    )
    assert over.status_code == 422 and over.json()["code"] == "investigation_limit"


@pytest.mark.parametrize("policy", [policy_with(requests_per_investigation=2)], ids=["two"])
def test_an_investigation_is_one_however_its_case_number_is_typed(
    world: World, policy: StandardPolicy
) -> None:
    """Spelled in lower case, with spaces, or in full-width characters, a case number names
    the same investigation, and shares its allowance (two consent requests here): each
    spelling used to bring a fresh one. The request keeps the canonical spelling."""
    agency = world.agency()
    first = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(case=" lpd-1  ")
    )
    assert first.status_code == 201 and first.json()["case_number"] == "LPD-1", first.text
    world.file(agency, case="LPD-1")
    for spelling in ("lpd-1", "LPD-1 ", "\uff2c\uff30\uff24\uff0d\uff11"):  # the last full-width
        over = world.client.post(
            "/portal/requests", headers=agency.headers, json=world.request_body(case=spelling)
        )
        assert over.status_code == 422 and over.json()["code"] == "investigation_limit", spelling
    other = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(case="LPD 1")
    )
    assert other.status_code == 201, other.text  # another case number, another investigation


@pytest.mark.parametrize(
    ("policy", "cap"),
    [(policy_with(requests_per_agency_per_day=2), 2), (policy_with(), 0)],
    ids=["two-a-day", "no-cap"],
)
def test_rate_per_agency_per_day(world: World, policy: StandardPolicy, cap: int) -> None:
    agency = world.agency()
    world.file(agency)
    world.clock.advance(timedelta(hours=1))
    world.file(agency)
    world.clock.advance(timedelta(hours=1))
    third = world.client.post("/portal/requests", headers=agency.headers, json=world.request_body())
    if cap == 0:
        assert third.status_code == 201
        return
    assert third.status_code == 429, third.text
    assert third.json()["code"] == "rate_limited"
    # The first filing leaves the 24-hour window 22 hours from now.
    assert int(third.headers["Retry-After"]) == 22 * 3600
    other = world.agency(name="Other PD")  # the cap is per agency
    world.file(other)
    world.clock.advance(timedelta(hours=22))
    world.file(agency)


@pytest.mark.parametrize(
    ("policy", "facts", "code"),
    [
        (policy_with(verified_agencies_only=True), {"verified": False}, "agency_not_verified"),
        (policy_with(federal_agencies_excluded=True), {"federal": True}, "federal_agency_excluded"),
        (policy_with(promotion_duty_required=True), {}, "partnership_terms_missing"),
    ],
    ids=["verified", "federal", "promotion-duty"],
)
def test_eligibility_refuses_and_admits(
    world: World, policy: StandardPolicy, facts: dict[str, bool], code: str
) -> None:
    refused = agency_with(world, **facts)
    for method, url, kw in (
        ("POST", "/portal/requests", {"json": world.request_body()}),
        ("GET", "/portal/map", {}),
    ):
        answer = world.client.request(method, url, headers=refused.headers, **kw)
        assert answer.status_code == 403 and answer.json()["code"] == code, answer.text
    admitted = agency_with(world, promotion_duty=True, name="Eligible PD")
    assert world.file(admitted)["status"] == "open"


@pytest.mark.parametrize("policy", [policy_with()], ids=["eligibility-off"])
def test_eligibility_off_admits_everyone(world: World, policy: StandardPolicy) -> None:
    agency = agency_with(world, verified=False, federal=True, promotion_duty=False)
    assert world.file(agency)["status"] == "open"


@pytest.mark.parametrize(
    ("policy", "open_days"),
    [(policy_with(request_open_days=1), 1), (policy_with(request_open_days=7), 7)],
    ids=["one-day", "seven-days"],
)
def test_request_open_days(world: World, policy: StandardPolicy, open_days: int) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.clock.advance(timedelta(days=2))
    answer = world.client.post(
        f"/me/requests/{request['id']}/share",
        headers=dana.headers,
        json={"clip_ids": [str(dana.clips[0])]},
    )
    if open_days == 1:
        assert answer.status_code == 409 and answer.json()["code"] == "request_not_open"
    else:
        assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("policy", "honoured"),
    [(policy_with(honour_opt_out=True), True), (policy_with(honour_opt_out=False), False)],
    ids=["honoured", "ignored"],
)
def test_honour_opt_out(world: World, policy: StandardPolicy, honoured: bool) -> None:
    agency = world.agency()
    dana = world.resident()
    world.ok("PUT", "/me/settings", dana.headers, json={"opted_out": True})
    world.file(agency)
    inbox = world.ok("GET", "/me/requests", dana.headers)
    assert inbox["count"] == (0 if honoured else 1)
