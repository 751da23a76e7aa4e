"""Each preset, through the API, opens the paths its history says and closes the others:
a consent request (open, waiting for review, or refused) and an emergency request."""

from __future__ import annotations

from typing import Any

import pytest

from app.policies import StandardPolicy, load_policy
from tests.factories import World
from tests.policies.helpers import agency_with

# preset: (consent request status or refusal code, emergency request status or refusal code,
#          map mode served)
EXPECTED = {
    "privacy-by-design": ("open", "exception_not_allowed", "noisy"),
    "ring-2018": ("open", "pending_review", "heatmap"),
    "ring-2019": ("open", "pending_review", "none"),
    "ring-rfa-2021": ("pending_review", "pending_review", "none"),
    "legal-only-2024": ("consent_requests_closed", "pending_review", "none"),
    "axon-2025": ("pending_review", "pending_review", "none"),
    "warrant-only": ("consent_requests_closed", "exception_not_allowed", "none"),
}


def outcome(response: Any) -> str:
    body = response.json()
    return str(body["status"] if response.status_code == 201 else body["code"])


@pytest.mark.parametrize(
    ("policy", "expected"),
    [pytest.param(load_policy(name), EXPECTED[name], id=name) for name in EXPECTED],
)
def test_preset_paths(world: World, policy: StandardPolicy, expected: tuple[str, str, str]) -> None:
    # An agency every preset admits: verified, local, on terms with a promotion duty.
    agency = agency_with(world, promotion_duty=True)
    consent = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body()
    )
    emergency_body = world.request_body()
    emergency_body.update(kind="emergency", justification="Imminent danger")
    emergency = world.client.post(
        "/portal/exception-requests", headers=agency.headers, json=emergency_body
    )
    served = world.ok("GET", "/portal/map", agency.headers)["mode"]
    assert (outcome(consent), outcome(emergency), served) == expected
