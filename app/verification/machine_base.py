"""The machine's shared state and bookkeeping: the model, the driver, the trace, findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine

from app.clock import SimulatedClock
from app.policies.base import Policy
from app.verification import world
from app.verification.agency_view_checks import check_download, scan_for_leaks
from app.verification.driver_api import AgencyRead, Driver, Outcome, Snapshot
from app.verification.findings import Finding, violation
from app.verification.model import (
    ModelAgency,
    ModelConsent,
    ModelRequest,
    ModelResident,
    ReferenceModel,
    SeenRelease,
)
from app.verification.release_checks import check_new_releases
from app.workflow.states import ReleaseBasis

DriverFactory = Callable[[Policy, SimulatedClock], Driver]
# Entities are picked by index modulo the count: shrinks towards the first, never out of range.
PICK = st.integers(min_value=0, max_value=255)


@dataclass
class MachineConfig:
    policy: Policy
    make_driver: DriverFactory
    # Strict: a release under a declared exception also stops the run (the second pass).
    strict: bool = False
    steps: int = 0
    examples: int = 0
    last_trace: list[str] = field(default_factory=list)
    # What the exploration reached (filings accepted, residents notified, releases by basis):
    # a guarantee that held because nothing happened is not a guarantee, so it is reported.
    coverage: Counter[str] = field(default_factory=Counter)
    # Steps, histories and coverage when the first counterexample was found: what follows
    # is hypothesis replaying variants of it while shrinking, not further exploration.
    found_at: tuple[int, int, Counter[str]] | None = None

    def note_found(self) -> None:
        if self.found_at is None:
            self.found_at = (self.steps, self.examples, Counter(self.coverage))


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)]


class MachineBase(RuleBasedStateMachine):
    """One explored history: a fresh database, a fresh model, a fresh clock."""

    config: ClassVar[MachineConfig]

    def __init__(self) -> None:
        super().__init__()
        self.clock = SimulatedClock(world.START)
        self.model = ReferenceModel(self.config.policy)
        self.driver = self.config.make_driver(self.config.policy, self.clock)
        self.trace: list[str] = []
        self.pending: list[Finding] = []
        self.refused = False
        self.action = "start"
        self.before = self.driver.snapshot()
        self.config.examples += 1

    def teardown(self) -> None:
        self.config.last_trace = list(self.trace)
        self.driver.close_driver()

    # --- bookkeeping ----------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.trace.append(f"{len(self.trace) + 1}. {text}")

    def begin(self, action: str) -> None:
        self.model.step += 1
        self.config.steps += 1
        self.action = action

    def outcome(self, done: Outcome, text: str) -> Outcome:
        self.refused = not done.ok
        self.say(text + ("" if done.ok else f" -> refused ({done.code})"))
        return done

    def flag(self, findings: list[Finding]) -> None:
        self.pending.extend(findings)

    def flag_answer(self, what: str, done: Outcome) -> None:
        """The service accepted what the model refuses, or refused what it accepts."""
        self.flag([violation("conformance", f"{what} was {'accepted' if done.ok else 'refused'}")])

    def agencies(self) -> list[ModelAgency]:
        return list(self.model.agencies.values())

    def residents(self) -> list[ModelResident]:
        return list(self.model.residents.values())

    def requests(self) -> list[ModelRequest]:
        return list(self.model.requests.values())

    def observe_releases(self, snapshot: Snapshot) -> None:
        """Judge and name every release that appeared since the last look."""
        judged, new = check_new_releases(self.model, snapshot, self.clock.now())
        self.flag(judged)
        for release in new:
            self.config.coverage[f"releases ({release.basis.value})"] += 1
            label = self.model.next_label("L", self.model.releases)
            self.model.releases[release.id] = SeenRelease(label, release.id, self.model.step)
            clip = self.model.clips.get(release.clip_id)
            owner = self.model.owner_of_clip(clip.id) if clip else None
            consent = self.model.label(release.consent_id) if release.consent_id else "none"
            self.say(
                f"   gate releases clip {clip.label if clip else '?'} of resident "
                f"{self.model.label(owner)} to agency {self.model.label(release.agency_id)} "
                f"as {label} ({release.basis.value}; consent {consent})"
            )

    def agency_read(self, agency: ModelAgency, read: AgencyRead, text: str) -> None:
        self.say(text + ("" if read.ok else f" -> refused ({read.code})"))
        if read.ok and not self.model.partnered(agency.id):
            self.flag(
                [
                    violation(
                        "conformance",
                        f"agency {agency.label} read the portal without an active partnership",
                    )
                ]
            )
        if self.driver.wire_level:
            self.flag(scan_for_leaks(self.model, read, text))

    def download_and_judge(self, agency: ModelAgency, wanted: UUID, snapshot: Snapshot) -> None:
        read = self.driver.download(agency.id, wanted)
        self.agency_read(
            agency, read, f"agency {agency.label} downloads {self.model.label(wanted)}"
        )
        self.flag(check_download(self.model, snapshot, agency.id, wanted, read))
        seen = self.model.releases.get(wanted)
        if read.ok and seen is not None and seen.downloaded_step is None:
            seen.downloaded_step = self.model.step

    def replay_release_jobs(self, consents: list[ModelConsent]) -> None:
        """A stale job queue asks the gate again for every clip of these consents, withdrawn
        or not: the gate alone must refuse what is no longer consented."""
        self.say("a stale job queue asks the gate again for every consented clip")
        for consent in consents:
            for clip_id in sorted(consent.clip_ids, key=str):
                if clip_id in self.model.clips:
                    self.driver.gate_attempt(
                        clip_id=clip_id,
                        request_id=consent.request_id,
                        basis=ReleaseBasis.CONSENT,
                        consent_id=consent.id,
                        justification="",
                    )
