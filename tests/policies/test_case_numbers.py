"""Case numbers through the API: invisible characters name no new investigation, and a blank
that is not white space is no case number (app/workflow/case_numbers.py case_key)."""

from __future__ import annotations

import pytest

from app.policies import StandardPolicy
from tests.factories import World
from tests.policies.helpers import policy_with


@pytest.mark.parametrize("policy", [policy_with(requests_per_investigation=2)], ids=["two"])
def test_invisible_characters_bring_no_fresh_allowance(
    world: World, policy: StandardPolicy
) -> None:
    """`LPD-77`, `LPD-77` + a zero-width space, + two of them ... each returned 201 under a
    limit of two consent requests per investigation."""
    agency = world.agency()
    world.file(agency, case="LPD-77")
    second = world.file(agency, case="LPD-77\u200b")
    assert second["case_number"] == "LPD-77"
    for spelling in ("LPD-77\u200b\u200b", "\u2060LPD-77", "LPD-77\ufeff", "LPD-77\u00ad"):
        over = world.client.post(
            "/portal/requests", headers=agency.headers, json=world.request_body(case=spelling)
        )
        assert over.status_code == 422, (ascii(spelling), over.text)
        assert over.json()["code"] == "investigation_limit", ascii(spelling)


@pytest.mark.parametrize("policy", [policy_with(case_number_required=True)], ids=["required"])
@pytest.mark.parametrize("blank", ["\u200b", "\u3164", "\u2800", "\u115f\u1160", "\uffa0 \u200d"])
def test_a_blank_case_number_is_none(world: World, policy: StandardPolicy, blank: str) -> None:
    agency = world.agency()
    response = world.client.post(
        "/portal/requests", headers=agency.headers, json=world.request_body(case=blank)
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "case_number_required", response.text


def test_a_case_number_longer_than_64_in_canonical_form_is_refused(world: World) -> None:
    """The limit was checked on the text as typed: 64 U+FDFA were stored as 1,152 characters
    (each is 18 in NFKC), and 64 `ß` as 128 (`SS`). 64 in canonical form still fit."""
    agency = world.agency()
    for typed in ("\ufdfa" * 64, "\u00df" * 33, "\u00df" * 32 + "x"):
        response = world.client.post(
            "/portal/requests", headers=agency.headers, json=world.request_body(case=typed)
        )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["detail"].startswith("case_number: its canonical form"), body["detail"]
        assert "more than 64" in body["detail"], body["detail"]
    assert world.ok("GET", "/portal/requests", agency.headers)["count"] == 0
    assert world.file(agency, case="\u00df" * 32)["case_number"] == "SS" * 32
