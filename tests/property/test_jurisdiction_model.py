"""The reference model's own jurisdiction rule, and the away centres the machine files from.

The service refuses, under every policy, a request whose circle lies wholly outside its
agency's circle (`area_outside_jurisdiction`); the model predicts it from its own agency and
the request (app/verification/filing.py), and the machine now and then files from a centre
away from the city (app/verification/world.py) so that both sides of the rule are explored.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.policies import load_policy
from app.policies.base import Decision, RequestQuestion, StandardPolicy, allow
from app.policies.params import PolicyParams
from app.verification import world
from app.verification.filing import expected_refusals
from app.verification.model import ModelAgency, distance_m
from app.workflow.requests import RequestDraft

RADII = world.VALID_RADII + world.INVALID_RADII
# Farther than the coordinate rounding and the two great-circle formulas could ever disagree.
MARGIN_M = 40.0


def _agency() -> ModelAgency:
    return ModelAgency("A1", uuid.uuid4(), *world.CITY, world.JURISDICTION_M, "active")


def _draft(place: str, radius: float) -> RequestDraft:
    lat, lng = world.away_centre(place) if place != "city" else world.request_centre(0, 0)
    end = world.START - timedelta(minutes=30)
    return RequestDraft(
        case_number="CASE-1",
        incident_type="burglary",
        description="Verifier request",
        center_lat=lat,
        center_lng=lng,
        radius_m=radius,
        window_start=end - timedelta(minutes=60),
        window_end=end,
    )


@pytest.mark.parametrize("place", sorted(world.AWAY_CENTRES))
def test_away_centres_keep_clear_of_the_jurisdiction_boundary(place: str) -> None:
    """No request circle from an away centre ends within MARGIN_M of the jurisdiction's
    boundary, so the model and the service never disagree by rounding."""
    lat, lng = world.away_centre(place)
    apart = distance_m(*world.CITY, lat, lng)
    for radius in RADII:
        assert abs(apart - world.JURISDICTION_M - radius) > MARGIN_M, (place, radius, apart)


def test_the_edge_centre_explores_both_sides_of_the_rule() -> None:
    lat, lng = world.away_centre("edge")
    apart = distance_m(*world.CITY, lat, lng)
    inside = {r for r in world.VALID_RADII if apart <= world.JURISDICTION_M + r}
    assert inside and inside != set(world.VALID_RADII), (apart, inside)


@pytest.mark.parametrize(
    ("place", "radius", "refused"),
    [
        ("city", 160.0, False),
        ("edge", 160.0, True),  # ends 190 m short of the jurisdiction
        ("edge", 410.0, False),  # reaches 60 m into it: touching is enough
        ("far", 410.0, True),
    ],
)
def test_the_model_predicts_the_jurisdiction_refusal(
    place: str, radius: float, refused: bool
) -> None:
    expected = expected_refusals(
        load_policy("privacy-by-design"), _agency(), _draft(place, radius), world.START
    )
    assert expected == ({"area_outside_jurisdiction"} if refused else set())


class OwnLimits(StandardPolicy):
    """A researcher's own `validate_request`: the model predicts only the platform's rules."""

    def __init__(self) -> None:
        super().__init__("own-limits", PolicyParams(), "anything goes")

    def validate_request(self, q: RequestQuestion) -> Decision:
        return allow("Anything goes.", "own")


def test_the_jurisdiction_binds_a_policy_with_its_own_limits_too() -> None:
    """The rule is the platform's, checked before the policy's `validate_request`."""
    policy = OwnLimits()
    assert expected_refusals(policy, _agency(), _draft("far", 160.0), world.START) == {
        "area_outside_jurisdiction"
    }
    assert expected_refusals(policy, _agency(), _draft("city", 160.0), world.START) is None
