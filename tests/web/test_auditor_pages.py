"""The auditor's pages: the log's verification as the API computes it, releases with consent."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from tests.factories import World
from tests.web.conftest import Pages


def test_an_intact_log_is_reported_verified(pages: Pages, world: World) -> None:
    world.resident()
    pages.sign_in(world.auditor)
    page = pages.get("/web/auditor").text
    api = world.ok("GET", "/audit/verify", world.auditor)
    assert f"Verified: all {api['size']} entries" in page
    assert api["head"] in page


def test_an_altered_entry_is_reported_with_its_number(
    pages: Pages, world: World, app: FastAPI
) -> None:
    world.resident()
    world.agency()
    with app.state.runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET action = 'tampered' WHERE seq = 2"))
    pages.sign_in(world.auditor)
    page = pages.get("/web/auditor").text
    assert "Broken at entry 2: the entry was altered." in page
    assert "Verified" not in page
    assert '<tr class="bad"><th scope="row">I7</th>' in page  # it said I7 held
    log = pages.get("/web/auditor/log?start=0").text
    assert '<tr class="bad">\n    <td>2</td>' in log


def test_releases_show_their_basis_and_consent(pages: Pages, world: World) -> None:
    agency, dana = world.agency(), world.resident()
    filed = world.file(agency)
    world.share(dana, filed["id"], [dana.clips[0]])
    pages.sign_in(world.auditor)
    page = pages.get("/web/auditor").text
    consent = world.ok("GET", "/me/consents", dana.headers)["data"][0]
    assert f'title="{consent["id"]}"' in page
    assert f'title="{dana.id}"' in page
    assert "scope names this clip: yes" in page
    assert "<td>consent</td>" in page


def test_the_log_pages_from_the_newest_and_refuses_a_bad_start(pages: Pages, world: World) -> None:
    for _ in range(30):  # a resident and a camera each: 60 entries, two pages of 50
        world.resident(clips=0)
    pages.sign_in(world.auditor)
    size = world.ok("GET", "/audit/verify", world.auditor)["size"]
    newest = pages.get("/web/auditor/log").text
    assert f"Entries {size - 50} to {size - 1} of {size}" in newest
    assert size > 50
    assert 'href="/web/auditor/log?start=0"' in newest
    assert "Newer" not in newest
    # '²' is a digit to str.isdigit(), not to int(); past 2e9 overflowed the column (500)
    for start in ("-3", "\u00b2", "2147483648", "9223372036854775808"):
        bad = pages.get(f"/web/auditor/log?start={start}")
        assert bad.status_code == 422 and "validation_error" in bad.text


def test_the_page_shows_the_signed_checkpoint_and_the_transparency_report(
    pages: Pages, world: World
) -> None:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    pages.sign_in(world.auditor)
    page = pages.get("/web/auditor").text
    note = world.client.get("/audit/checkpoint", headers=world.auditor).text
    root_line = note.splitlines()[2]  # origin, size, base64 root, blank, signature
    size_line = note.splitlines()[1]
    assert size_line in page and root_line in page  # the API's checkpoint, not a stand-in
    assert world.client.get("/audit/log-key").json()["verifier_key"] in page
    assert 'id="transparency"' in page
    report = world.ok("GET", "/reports/transparency?format=json", world.auditor)
    assert "Agency" in page and "Signed checkpoints come with" not in page
    # The page tabulates the same report: its overall figure for releases on consent.
    released = report["overall"]["releases.consent"]
    assert released == 1
    assert f"<td>clips released on consent</td><td>{released}</td>" in page
