"""Small scenarios and policies for the simulation tests: fast, but busy enough that every
branch (shares, declines, releases, refusals, withdrawals, opt-outs) happens."""

from __future__ import annotations

from typing import Any

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, PolicyParams, ResponseStats


def tiny_data(**run: Any) -> dict[str, Any]:
    """Two neighborhoods of different groups, one agency, 42 days; generous probabilities."""
    return {
        "name": "tiny",
        "run": {"seed": 11, "start": "2019-03-01T00:00:00Z", "days": 42, **run},
        "city": {
            "center_lat": 28.0395,
            "center_lng": -81.9498,
            "neighborhoods": [
                {
                    "id": "north",
                    "group": "a",
                    "north_m": 600,
                    "radius_m": 400,
                    "households": 220,
                    "camera_adoption": 0.5,
                    "encryption_adoption": 0.1,
                    "opt_out_rate": 0.05,
                    "incident_multiplier": 2.0,
                },
                {
                    "id": "south",
                    "group": "b",
                    "north_m": -600,
                    "radius_m": 400,
                    "households": 180,
                    "camera_adoption": 0.4,
                },
            ],
        },
        "agencies": [
            {
                "id": "pd",
                "name": "Tiny PD",
                "serves": ["north", "south"],
                "partnership_start_day": -10,
            }
        ],
        "incidents": {"rates_per_1000_households_per_year": {"burglary": 300, "larceny": 200}},
        "agency_behaviour": {
            "request_probability": {"default": 0.6},
            "radius_m": {"low": 150, "high": 250},
            "filing_delay_hours": {"low": 1, "high": 24},
            "follow_up_probability": 0.3,
        },
        "resident_behaviour": {
            "share_probability": {"default": 0.3},
            "decline_probability": 0.2,
            "response_delay_hours": {"low": 0.5, "high": 30},
            "subscription_rate": 0.9,
            "recording_probability_per_hour": 0.8,
            "opt_out_after_notices": 2,
            "opt_out_probability": 0.2,
            "withdraw_probability": 0.3,
        },
    }


# Policies built from parameters, standing in for presets being written concurrently.
LEAKY = StandardPolicy(
    "test-leaky",
    PolicyParams(
        identity_on_share=IdentityOnShare.CONTACT,
        response_stats=ResponseStats.RAW,
        requests_per_investigation=5,
        withdrawal_revokes_undownloaded=False,
        honour_opt_out=False,
    ),
)
SMALL_AREAS = StandardPolicy("test-small-areas", PolicyParams(max_area_sq_mi=0.05))
