"""The resident's rules, and judging a share against the model: what a consent may cover,
and when it may be given."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from app.verification.agency_view_checks import check_footage_list
from app.verification.driver_api import Outcome
from app.verification.findings import Finding, violation
from app.verification.machine_base import PICK, MachineBase, pick
from app.verification.model import ModelConsent, ModelRequest, ModelResident, ReferenceModel


def share_problems(
    model: ReferenceModel,
    resident: ModelResident,
    request: ModelRequest,
    clip_ids: list[UUID],
    now: datetime,
) -> list[Finding]:
    """Why this share must be refused; empty when it must be accepted."""
    out = []
    if not request.is_open(now):
        state = "closed" if request.closed_at is not None else "expired"
        out.append(violation("I8", f"a consent was accepted for {state} request {request.label}"))
    response = request.responses.get(resident.id)
    if response is None:
        out.append(
            violation(
                "conformance",
                f"resident {resident.label} shared with request "
                f"{request.label} without being notified",
            )
        )
    elif response == "declined":
        out.append(
            violation(
                "conformance",
                f"resident {resident.label} shared after declining request {request.label}",
            )
        )
    covering = {
        clip: consent.label
        for consent in model.consents.values()
        if consent.resident_id == resident.id
        and consent.request_id == request.id
        and consent.withdrawn_step is None
        for clip in consent.clip_ids
    }
    for clip_id in clip_ids:
        clip = model.clips.get(clip_id)
        if clip_id in covering and clip is not None:
            # A second consent for it would leave the release on the first after the second
            # is withdrawn (app/workflow/responses.py, ClipAlreadyShared).
            out.append(
                violation(
                    "conformance",
                    f"resident {resident.label} shared clip {clip.label} with request "
                    f"{request.label} again while consent {covering[clip_id]} still covers it",
                )
            )
        if clip is None:
            out.append(violation("I1", "a consent names a clip that does not exist"))
        elif model.owner_of_clip(clip_id) != resident.id:
            owner = model.label(model.owner_of_clip(clip_id))
            out.append(
                violation(
                    "I1",
                    f"resident {resident.label}'s consent names clip "
                    f"{clip.label} of resident {owner}",
                )
            )
        elif not model.clip_matches(clip, request, now):
            out.append(
                violation(
                    "I1",
                    f"a consent names clip {clip.label}, outside request "
                    f"{request.label}'s window or area, or past retention",
                )
            )
    return out


def judge_share(
    model: ReferenceModel,
    resident: ModelResident,
    request: ModelRequest,
    clip_ids: list[UUID],
    done: Outcome,
    now: datetime,
) -> list[Finding]:
    problems = share_problems(model, resident, request, clip_ids, now)
    if not done.ok:
        if problems:
            return []
        return [
            violation(
                "conformance",
                f"a valid share by {resident.label} with request "
                f"{request.label} was refused ({done.code})",
            )
        ]
    if done.value is not None:
        label = f"S{len(model.consents) + 1}"
        model.consents[done.value] = ModelConsent(
            label, done.value, resident.id, request.id, frozenset(clip_ids), now, model.step
        )
        request.responses[resident.id] = "shared"
    return problems


class ResidentRules(MachineBase):
    """The resident's rules: share (honest and hostile), decline, withdraw, opt out."""

    @precondition(lambda self: bool(self.model.residents))
    @rule(
        what=st.sampled_from(["share", "share", "withdraw", "decline", "opt out"]),
        r=PICK,
        q=PICK,
        s=PICK,
        notified=st.booleans(),
        pool=st.sampled_from(["matching", "matching", "own", "anyone"]),
        picks=st.lists(PICK, min_size=1, max_size=3, unique=True),
        flag_value=st.booleans(),
    )
    def resident_acts(
        self,
        what: str,
        r: int,
        q: int,
        s: int,
        notified: bool,
        pool: str,
        picks: list[int],
        flag_value: bool,
    ) -> None:
        """One resident action: share (honest or hostile), withdraw, decline, or opt out.
        `flag_value` is the opt-out setting, or for a withdrawal whether it is the owner's
        own and a release job queued before it fires afterwards."""
        if what in ("share", "decline") and not self.model.requests:
            what = "opt out"
        if what == "withdraw" and not self.model.consents:
            what = "opt out"
        self.begin(what)
        if what == "share":
            self.share(r, q, notified, pool, picks)
        elif what == "decline":
            self.decline(r, q)
        elif what == "withdraw":
            self.withdraw(r, s, own=flag_value or notified, queued_job=flag_value)
        else:
            self.set_opt_out(r, flag_value)

    def share(self, r: int, q: int, notified: bool, pool: str, picks: list[int]) -> None:
        """Share chosen clips: matching ones, any of one's own, or anyone's (hostile)."""
        # An honest resident answers a notice they received (the request may have expired or
        # closed since: the service must then refuse); a hostile one any request at all.
        noticed = [r for r in self.requests() if r.recipients]
        request: ModelRequest = pick(noticed if notified and noticed else self.requests(), q)
        reached = sorted(request.recipients, key=str)
        resident: ModelResident = (
            self.model.residents[pick(reached, r)]
            if notified and reached
            else pick(self.residents(), r)
        )
        own = [
            c
            for c in self.model.clips.values()
            if self.model.cameras[c.camera_id].resident_id == resident.id
        ]
        matching = [c for c in own if self.model.clip_matches(c, request, self.clock.now())]
        candidates = {"matching": matching, "own": own}.get(pool, list(self.model.clips.values()))
        by_id = {c.id: c for c in (pick(candidates, i) for i in picks)} if candidates else {}
        chosen = list(by_id.values())
        clip_ids = [c.id for c in chosen] or [UUID(int=picks[0] + 1)]
        labels = ", ".join(c.label for c in chosen) or "a guessed clip id"
        done = self.driver.share(resident.id, request.id, clip_ids)
        self.outcome(
            done, f"resident {resident.label} shares {labels} with request {request.label}"
        )
        self.flag(judge_share(self.model, resident, request, clip_ids, done, self.clock.now()))
        if done.ok:
            self.observe_releases(self.driver.snapshot())
            # The agency polls its footage after every share, so each release is looked at.
            agency = self.model.agencies[request.agency_id]
            read = self.driver.read_footage(agency.id, request.id)
            self.agency_read(
                agency, read, f"agency {agency.label} lists footage of {request.label}"
            )
            if read.ok:
                self.flag(
                    check_footage_list(
                        self.model, self.driver.snapshot(), agency.id, request.id, read.body
                    )
                )
                # Another agency probes the first released id at once (I3 must refuse it).
                others = [a for a in self.agencies() if a.id != agency.id]
                if others and read.body["data"]:
                    probe = UUID(str(read.body["data"][0]["release_id"]))
                    self.download_and_judge(pick(others, r), probe, self.driver.snapshot())

    def decline(self, r: int, q: int) -> None:
        resident: ModelResident = pick(self.residents(), r)
        request: ModelRequest = pick(self.requests(), q)
        valid = (
            request.is_open(self.clock.now()) and request.responses.get(resident.id) == "pending"
        )
        done = self.outcome(
            self.driver.decline(resident.id, request.id),
            f"resident {resident.label} declines request {request.label}",
        )
        # A decline accepted after expiry harms no one; a "yes" turned into a "no" (or the
        # reverse) or a valid decline refused is a disagreement worth reporting.
        pending = request.responses.get(resident.id) == "pending"
        if (done.ok and not pending) or (valid and not done.ok):
            self.flag_answer(f"declining {request.label}", done)
        if done.ok:
            request.responses[resident.id] = "declined"

    def withdraw(self, r: int, s: int, own: bool, queued_job: bool) -> None:
        """Withdraw a consent (one's own, or hostile: someone else's). `queued_job`: a release
        job queued before the withdrawal fires once the cooling-off has passed."""
        consent: ModelConsent = pick(list(self.model.consents.values()), s)
        resident = self.model.residents[consent.resident_id] if own else pick(self.residents(), r)
        valid = consent.resident_id == resident.id and consent.withdrawn_step is None
        done = self.outcome(
            self.driver.withdraw(resident.id, consent.id),
            f"resident {resident.label} withdraws consent {consent.label}",
        )
        if done.ok != valid:
            self.flag_answer(f"withdrawing {consent.label} by {resident.label}", done)
        if done.ok and consent.withdrawn_step is None:
            consent.withdrawn_step = self.model.step
        if done.ok and queued_job:
            due = consent.given_at + self.model.cooling_off()
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now())
                self.say(f"time passes to the end of consent {consent.label}'s cooling-off")
            self.replay_release_jobs([consent])

    def set_opt_out(self, r: int, opted_out: bool) -> None:
        resident: ModelResident = pick(self.residents(), r)
        done = self.driver.set_opt_out(resident.id, opted_out)
        self.outcome(
            done,
            f"resident {resident.label} "
            + ("opts out of all requests" if opted_out else "opts back in"),
        )
        if done.ok:
            resident.opted_out = opted_out
