"""GET /audit/verify: a clean world passes every invariant; each kind of breach is listed with
the entries that show it. Breaches are made behind the service's back, as a faulty or
malicious component would."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from app.policies.base import StandardPolicy
from app.policies.params import PolicyParams
from app.workflow import audit, log_scan
from app.workflow.context import Actor, Ctx
from app.workflow.records import Clip, Consent, Release
from app.workflow.states import ReleaseBasis, Role
from tests.factories import World


def _verify(world: World) -> dict[str, Any]:
    result: dict[str, Any] = world.ok("GET", "/audit/verify", world.auditor)
    return result


def _violations(report: dict[str, Any], invariant: str) -> list[dict[str, Any]]:
    found = [i for i in report["invariants"] if i["invariant"] == invariant]
    assert len(found) == 1
    violations: list[dict[str, Any]] = found[0]["violations"]
    return violations


def _write(world: World, step: Any) -> Any:
    return world.app.state.runtime.write(step)


def _shared(world: World) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    """Dana shares one clip with the agency's request: the agency, Dana, the request and her
    consent, as the API shows them."""
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    [consent] = world.ok("GET", "/me/consents", dana.headers)["data"]
    return agency, dana, request, consent


def _shared_and_downloaded(world: World) -> tuple[Any, Any, dict[str, Any], UUID]:
    agency = world.agency()
    dana = world.resident()
    request = world.file(agency)
    world.share(dana, request["id"], dana.clips[:1])
    footage = world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)
    release_id = UUID(footage["data"][0]["release_id"])
    world.client.get(f"/portal/footage/{release_id}", headers=agency.headers)
    return agency, dana, request, release_id


def _forged(ctx: Ctx, **fields: Any) -> Release:
    """A release made behind the gate's back, now, with nothing the gate would add."""
    blank = {"neighbor_label": "", "approved_by": "", "justification": ""}
    unset = {"downloaded_at": None, "revoked_at": None}
    return Release(released_at=ctx.clock.now(), **blank, **unset, **fields)


def test_a_clean_world_passes_every_check(world: World) -> None:
    _shared_and_downloaded(world)
    report = _verify(world)
    assert report["ok"] and report["chain_ok"] and report["merkle_ok"], report
    assert {i["invariant"] for i in report["invariants"]} == {"I1", "I2", "I3", "I6", "I7", "I8"}
    assert all(i["ok"] for i in report["invariants"])


def test_i1_consent_scope_broken_behind_the_gate(world: World) -> None:
    _, dana, _, release_id = _shared_and_downloaded(world)

    def narrow(ctx: Ctx) -> None:
        consent = ctx.store.find(Consent, resident_id=dana.id)[0]
        ctx.store.save(replace(consent, clip_ids=(dana.clips[1],)))

    _write(world, narrow)
    report = _verify(world)
    assert not report["ok"]
    [violation] = _violations(report, "I1")
    assert violation["subject_id"] == str(release_id) and "scope" in violation["detail"]
    assert len(violation["entries"]) == 2  # the release.created and consent.given entries


def test_i2_and_i7_an_unlogged_exception_release(world: World) -> None:
    agency, dana, request, _ = _shared_and_downloaded(world)
    forged = uuid4()

    def release_without_gate(ctx: Ctx) -> None:
        clip = ctx.store.get(Clip, dana.clips[1])
        assert clip is not None
        ctx.store.save(replace(clip, encrypted=True))
        ctx.store.add(
            _forged(
                ctx,
                id=forged,
                clip_id=clip.id,
                request_id=UUID(request["id"]),
                agency_id=agency.id,
                basis=ReleaseBasis.EMERGENCY,
                consent_id=None,
            )
        )

    _write(world, release_without_gate)
    report = _verify(world)
    details = {v["detail"] for v in _violations(report, "I2")}
    assert details == {
        "no logged policy decision allowed this emergency release",
        "the emergency release carries no justification or legal reference",
        "the emergency release names no approving operator",
        "end-to-end encrypted footage was released",
    }
    assert any(v["subject_id"] == str(forged) for v in _violations(report, "I7"))


def test_i3_content_to_another_agency(world: World) -> None:
    _, _, _, release_id = _shared_and_downloaded(world)
    thief = Actor(Role.AGENCY, uuid4(), "Other")
    _write(world, lambda ctx: audit.record(ctx, thief, "release.downloaded", "release", release_id))
    [violation] = _violations(_verify(world), "I3")
    assert "another agency" in violation["detail"] and len(violation["entries"]) == 2


NO_OPT_OUT = StandardPolicy("ignores-opt-out", PolicyParams(honour_opt_out=False))


@pytest.mark.parametrize("policy", [NO_OPT_OUT])
def test_i6_a_policy_that_ignores_opt_out_is_caught(world: World) -> None:
    agency = world.agency()
    dana = world.resident()
    world.ok("PUT", "/me/settings", dana.headers, json={"opted_out": True})
    world.file(agency)
    [violation] = _violations(_verify(world), "I6")
    assert violation["subject_type"] == "notice" and len(violation["entries"]) == 2


def test_i7_an_edited_entry_breaks_the_log(world: World) -> None:
    _shared_and_downloaded(world)

    def edit(ctx: Ctx) -> None:
        session = ctx.store.session  # type: ignore[attr-defined]
        session.execute(text("UPDATE audit_entry SET actor = 'operator:x' WHERE seq = 2"))

    _write(world, edit)
    report = _verify(world)
    assert not report["ok"] and not report["chain_ok"] and not report["merkle_ok"]
    assert report["first_bad_seq"] == 2
    # I7 says so itself ("... and the log verifies"): it used to read ok beside a broken chain.
    # Once: the entry changed, not the stored tree, which a second violation used to blame.
    [chain] = _violations(report, "I7")
    assert chain["detail"].startswith("the hash chain breaks at entry 2: ")
    assert chain["subject_type"] == "audit_entry" and chain["entries"] == [2]


def test_i7_a_stored_leaf_hash_that_does_not_match_its_entry_is_named(world: World) -> None:
    # The chain covers the entry's content, not its leaf hash: with the chain intact, the
    # violation names the entry whose leaf is wrong, not "the stored Merkle tree".
    _shared_and_downloaded(world)
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_entry SET leaf_hash = :h WHERE seq = 3"), {"h": "00" * 32}
        )
    report = _verify(world)
    assert not report["ok"] and report["chain_ok"] and not report["merkle_ok"]
    [violation] = _violations(report, "I7")
    assert violation["subject_type"] == "merkle_leaf" and violation["entries"] == [3]
    assert violation["detail"].startswith("entry 3's stored Merkle leaf hash does not match")


def test_i8_consent_after_expiry(world: World) -> None:
    _, dana, _, _ = _shared_and_downloaded(world)

    def late(ctx: Ctx) -> None:
        consent = ctx.store.find(Consent, resident_id=dana.id)[0]
        ctx.store.save(replace(consent, given_at=ctx.clock.now() + timedelta(days=30)))

    _write(world, late)
    report = _verify(world)
    [violation] = _violations(report, "I8")
    assert "expired" in violation["detail"]
    assert any("before the consent was given" in v["detail"] for v in _violations(report, "I1"))


@pytest.mark.parametrize(
    "policy",
    [
        StandardPolicy(
            "emergencies-told",
            PolicyParams(
                emergency_disclosure=True,
                tell_resident_after_emergency=True,
                encrypt_new_residents=False,
            ),
        )
    ],
)
def test_i2_a_resident_the_policy_tells_was_not_told(world: World, policy: StandardPolicy) -> None:
    agency = world.agency()
    world.resident()
    body = world.request_body()
    body.update(kind="emergency", justification="Imminent danger")
    request = world.ok("POST", "/portal/exception-requests", agency.headers, json=body)
    world.ok(
        "POST",
        f"/operator/requests/{request['id']}/exception",
        world.operator,
        json={"justification": "Checked"},
    )
    assert _verify(world)["ok"], "an emergency release whose resident was told passes I2"
    released = world.ok("GET", "/audit/releases", world.auditor)["data"]
    assert released and all(r["basis"] == "emergency" for r in released)
    # Behind the service's back: the record of telling the resident disappears.
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(text("UPDATE release SET resident_told_at = NULL"))
    found = _violations(_verify(world), "I2")
    assert len(found) == len(released) and all("nobody was told" in v["detail"] for v in found)


# --- records edited so that they still pass I1-I8, caught against their entries (I7) -------


def test_i7_a_consent_release_relabelled_as_legal_process(world: World) -> None:
    # The insider makes a consented release look like a legal one: basis, no consent, an
    # approver and a justification, so that I1 no longer applies and I2 is satisfied.
    _, _, _, release_id = _shared_and_downloaded(world)
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE release SET basis = 'legal', consent_id = NULL, "
                "approved_by = 'operator:someone', justification = 'Warrant 42'"
            )
        )
    report = _verify(world)
    assert not report["ok"]
    found = {v["detail"].split(" but ")[0]: v for v in _violations(report, "I7")}
    basis = found["the release's basis is 'legal'"]
    assert basis["subject_id"] == str(release_id) and len(basis["entries"]) == 1
    assert "recorded 'consent'" in basis["detail"] and "(release.created)" in basis["detail"]
    assert "the release's consent_id is none" in found
    assert "the release's approved_by is 'operator:someone'" in found


def test_i7_a_release_moved_to_another_agency(world: World) -> None:
    agency, _, _, release_id = _shared_and_downloaded(world)
    other = world.agency(name="Other PD")

    def move(ctx: Ctx) -> None:
        release = ctx.store.get(Release, release_id)
        assert release is not None
        ctx.store.save(replace(release, agency_id=other.id))

    _write(world, move)
    [violation] = _violations(_verify(world), "I7")
    assert violation["subject_id"] == str(release_id)
    assert f"agency_id is '{other.id}' but entry" in violation["detail"]
    assert f"recorded '{agency.id}'" in violation["detail"]


def test_i7_a_withdrawal_undone_with_its_revocation(world: World) -> None:
    _agency, dana, _request, consent = _shared(world)
    world.clock.advance(timedelta(minutes=5))  # she changes her mind later, before a download
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    assert _verify(world)["ok"]
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(text("UPDATE consent SET withdrawn_at = NULL, status = 'given'"))
        connection.execute(text("UPDATE release SET revoked_at = NULL"))
    report = _verify(world)
    details = sorted(v["detail"] for v in _violations(report, "I7"))
    assert len(details) == 2, details
    assert "(consent.withdrawn) records a withdrawal that the consent does not show" in details[0]
    assert "(release.revoked) records a revocation that the release does not show" in details[1]
    assert all(i["ok"] for i in report["invariants"] if i["invariant"] != "I7")


def test_i1_a_withdrawal_in_the_same_instant_as_the_release_is_later(world: World) -> None:
    """The clock does not move between her share (released at once) and her withdrawal: the
    log's order says the release came first, so no release followed a withdrawal."""
    agency, dana, request, consent = _shared(world)
    assert world.ok("GET", f"/portal/requests/{request['id']}/footage", agency.headers)["data"]
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    report = _verify(world)
    assert report["ok"], report


def test_i1_a_release_logged_after_a_withdrawal_in_the_same_instant(world: World) -> None:
    """The converse: a release made behind the gate in the instant of the withdrawal, and
    logged after it, is a release after the withdrawal."""
    agency, dana, request, consent = _shared(world)
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    forged = uuid4()
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM release"))  # to make room for the forged one

    def release_again(ctx: Ctx) -> None:
        ctx.store.add(
            _forged(
                ctx,
                id=forged,
                clip_id=dana.clips[0],
                request_id=UUID(request["id"]),
                agency_id=agency.id,
                basis=ReleaseBasis.CONSENT,
                consent_id=UUID(consent["id"]),
            )
        )
        audit.record(
            ctx, Actor(Role.OPERATOR, None, "sim"), "release.created", "release", forged, {}
        )

    _write(world, release_again)
    report = _verify(world)
    found = [v for v in _violations(report, "I1") if v["subject_id"] == str(forged)]
    assert [v["detail"] for v in found] == ["released after the consent was withdrawn"]


def test_i1_a_release_after_the_withdrawal(world: World) -> None:
    """A release dated after the consent's withdrawal (moved behind the gate's back)."""
    _agency, dana, _request, consent = _shared(world)
    world.clock.advance(timedelta(minutes=5))
    world.ok("POST", f"/me/consents/{consent['id']}/withdraw", dana.headers)
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE release SET released_at = :t"),
            {"t": world.clock.now() + timedelta(minutes=1)},
        )
    report = _verify(world)
    [violation] = _violations(report, "I1")
    assert violation["detail"] == "released after the consent was withdrawn"


def test_i7_entries_deleted_across_a_whole_read_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The log is read in pages of sequence numbers. Deleting a whole page's range used to end
    # the read there: the entries before it verified (chain and root), and those after it were
    # never looked at.
    monkeypatch.setattr(log_scan, "PAGE", 4)
    _shared_and_downloaded(world)
    size = _verify(world)["size"]
    assert size > 12
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_entry WHERE seq >= 4 AND seq < 8"))
    report = _verify(world)
    assert not report["ok"] and not report["chain_ok"]
    assert report["first_bad_seq"] == 4 and report["size"] == size - 4


def test_i7_a_stored_subtree_that_the_entries_do_not_produce(world: World) -> None:
    # Entries and root intact: the subtree over entries 0-1 is inside a larger one, so the
    # root does not read it, but an inclusion proof for entry 2 does.
    _shared_and_downloaded(world)
    assert _verify(world)["size"] > 4
    proof = world.ok("GET", "/audit/proofs/inclusion/2", world.auditor)
    with world.app.state.runtime.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_node SET hash = :h WHERE level = 1 AND idx = 0"), {"h": "00" * 32}
        )
    assert world.ok("GET", "/audit/proofs/inclusion/2", world.auditor) != proof
    report = _verify(world)
    assert not report["ok"] and report["chain_ok"] and not report["merkle_ok"]
    [violation] = _violations(report, "I7")
    assert violation["subject_type"] == "merkle_subtree" and violation["subject_id"] == "1/0"
    assert violation["entries"] == [0, 1] and "level 1, index 0" in violation["detail"]
