"""Invariant I4 through the API: nothing an agency reads names a resident or locates a camera.

Every agency-visible response of a full workflow is scanned for the residents' ids, names and
contacts, the camera ids, and any number close to a camera's exact coordinates.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.workflow.records import Camera
from tests.factories import World

NUMBER = re.compile(r"-?\d+\.\d+")


def test_agency_responses_carry_no_resident_or_camera_data(world: World) -> None:
    agency = world.agency()
    residents = [
        world.resident(north_m=15 * i + 5, east_m=7 * i + 3, name=f"Neighbour {i}")
        for i in range(6)
    ]
    secrets: set[str] = set()
    for i, r in enumerate(residents):
        secrets |= {str(r.id), f"Neighbour {i}", f"neighbour.{i}@example.org"}
        secrets |= {str(c) for c in r.cameras}
    runtime = world.app.state.runtime
    cameras = runtime.read(lambda ctx: ctx.store.find(Camera))
    coordinates = [v for c in cameras for v in (c.lat, c.lng)]

    request = world.file(agency)
    world.share(residents[0], request["id"], residents[0].clips)
    world.ok("POST", f"/me/requests/{request['id']}/decline", residents[1].headers)
    seen: list[str] = []

    def read(method: str, url: str) -> Any:
        response = world.client.request(method, url, headers=agency.headers)
        assert response.status_code == 200, response.text
        seen.append(response.text)
        return response.json()

    read("GET", "/portal/map")
    read("GET", "/portal/requests")
    read("GET", f"/portal/requests/{request['id']}")
    footage = read("GET", f"/portal/requests/{request['id']}/footage")
    assert footage["count"] == 2
    for item in footage["data"]:
        response = world.client.get(item["download_url"], headers=agency.headers)
        assert response.status_code == 200
        seen.append(response.content.decode("latin-1"))
    read("POST", f"/portal/requests/{request['id']}/close")

    text = "\n".join(seen)
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == [], f"agency responses contain resident data: {leaked}"
    numbers = [float(n) for n in NUMBER.findall(text)]
    near = [n for n in numbers for c in coordinates if abs(n - c) < 1e-5]
    assert near == [], f"agency responses contain camera coordinates: {near}"
    assert all(item["neighbor_label"] == "" for item in footage["data"])
    assert json.loads(seen[2])["response_counts"] is not None
