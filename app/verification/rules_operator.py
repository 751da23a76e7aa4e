"""The operator's rules that build the city: agencies (of every kind the eligibility rules
tell apart), partnerships and their terms, residents, cameras, clips."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import rule

from app.verification import world
from app.verification.findings import violation
from app.verification.machine_base import PICK, MachineBase, pick
from app.verification.model import ModelAgency, ModelCamera, ModelClip, ModelResident
from app.workflow.states import PartnershipStatus

# A small city keeps each step cheap and leaves the budget to the actions that matter.
MAX_AGENCIES, MAX_RESIDENTS, MAX_CLIPS = 3, 8, 16


class AgencyTraits:
    """What the eligibility rules read of an agency: verified, federal, and whether its
    partnership terms carry the 2018 duty to promote the platform."""

    def __init__(self, verified: bool, federal: bool, promotion_duty: bool) -> None:
        self.verified, self.federal, self.promotion_duty = verified, federal, promotion_duty

    def __repr__(self) -> str:  # hypothesis prints drawn values in its own reports
        return f"AgencyTraits({self.verified}, {self.federal}, {self.promotion_duty})"

    def words(self) -> str:
        return ", ".join(
            [
                "verified" if self.verified else "unverified",
                "federal" if self.federal else "local",
                "terms with a promotion duty" if self.promotion_duty else "no promotion duty",
            ]
        )


# Eligible under every preset first (so shrinking lands on an agency that can file), then
# each trait an eligibility rule refuses, one at a time.
ELIGIBLE = AgencyTraits(verified=True, federal=False, promotion_duty=True)
TRAITS = st.sampled_from(
    [
        ELIGIBLE,
        AgencyTraits(verified=True, federal=False, promotion_duty=False),
        AgencyTraits(verified=False, federal=False, promotion_duty=True),
        AgencyTraits(verified=True, federal=True, promotion_duty=True),
        ELIGIBLE,
    ]
)


class OperatorRules(MachineBase):
    """The operator registers agencies, partnerships, residents, cameras and clips."""

    @rule(
        what=st.sampled_from(["resident", "clip", "clip", "camera", "agency", "partnership"]),
        i=PICK,
        gx=st.integers(-4, 4),
        gy=st.integers(-4, 4),
        yes=st.booleans(),
        status=st.sampled_from(list(PartnershipStatus)),
        ago=st.integers(2, 10),
        minutes=st.sampled_from([5, 20, 60]),
        traits=TRAITS,
    )
    def operator_acts(
        self,
        what: str,
        i: int,
        gx: int,
        gy: int,
        yes: bool,
        status: PartnershipStatus,
        ago: int,
        minutes: int,
        traits: AgencyTraits,
    ) -> None:
        """The operator registers a resident (with a camera, end-to-end encrypted if `yes`),
        a camera, a clip, an agency (partnered if `yes`, with `traits`), or changes a
        partnership (restating its terms: a promotion duty if `yes`). The city stays small so
        each step is cheap and the budget goes to the actions that matter."""
        if what == "agency" and len(self.model.agencies) < MAX_AGENCIES:
            self.add_agency(partnered=yes, traits=traits)
        elif what == "partnership":
            self.change_partnership(i, status, promotion_duty=yes)
        elif what == "camera" and len(self.model.cameras) < MAX_RESIDENTS + 2:
            self.add_camera(i, gx, gy)
        elif what == "clip" and len(self.model.clips) < MAX_CLIPS:
            self.record_clip(i, ago, minutes)
        elif len(self.model.residents) < MAX_RESIDENTS:
            self.add_resident(gx, gy, encrypted=yes)
        else:
            self.record_clip(i, ago, minutes)

    def add_agency(self, partnered: bool, traits: AgencyTraits = ELIGIBLE) -> None:
        self.begin("create agency")
        label = self.model.next_label("A", self.model.agencies)
        done = self.driver.create_agency(
            name=f"Agency {label}",
            lat=world.CITY[0],
            lng=world.CITY[1],
            radius_m=world.JURISDICTION_M,
            federal=traits.federal,
            verified=traits.verified,
        )
        assert done.value is not None, done
        agency = ModelAgency(
            label,
            done.value,
            *world.CITY,
            world.JURISDICTION_M,
            None,
            verified=traits.verified,
            federal=traits.federal,
        )
        self.model.agencies[agency.id] = agency
        if partnered:
            self.driver.set_partnership(
                agency.id,
                PartnershipStatus.ACTIVE,
                self.clock.now() - timedelta(days=1),
                promotion_duty=traits.promotion_duty,
            )
            agency.partnership = "active"
            agency.promotion_duty = traits.promotion_duty
        partner = " with an active partnership" if partnered else ", not partnered"
        self.outcome(done, f"operator creates agency {label} ({traits.words()}){partner}")

    def change_partnership(self, a: int, status: PartnershipStatus, promotion_duty: bool) -> None:
        self.begin("change partnership")
        agency: ModelAgency = pick(self.agencies(), a)
        done = self.driver.set_partnership(
            agency.id, status, self.clock.now() - timedelta(days=1), promotion_duty=promotion_duty
        )
        terms = "with" if promotion_duty else "without"
        self.outcome(
            done,
            f"operator sets agency {agency.label}'s partnership to {status}, "
            f"{terms} a promotion duty",
        )
        if done.ok:
            if agency.partnership == "ended" and status is not PartnershipStatus.ENDED:
                self.flag([violation("conformance", "an ended partnership came back")])
            agency.partnership = status.value
            agency.promotion_duty = promotion_duty

    def add_resident(self, gx: int, gy: int, encrypted: bool) -> None:
        self.begin("create resident")
        label = self.model.next_label("X", self.model.residents)
        name, contact = f"Resident {label} Lane", f"{label.lower()}.home@example.org"
        done = self.driver.create_resident(name=name, contact=contact)
        assert done.value is not None, done
        resident = ModelResident(label, done.value, name, contact)
        self.model.residents[resident.id] = resident
        self.outcome(done, f"operator registers resident {label}")
        self._add_camera(resident, gx, gy, encrypted)

    def add_camera(self, r: int, gx: int, gy: int) -> None:
        self.begin("create camera")
        self._add_camera(pick(self.residents(), r), gx, gy, False)

    def _add_camera(self, resident: ModelResident, gx: int, gy: int, encrypted: bool) -> None:
        lat, lng = world.camera_site(gx, gy)
        done = self.driver.create_camera(resident.id, lat=lat, lng=lng, encrypted=encrypted)
        assert done.value is not None, done
        label = self.model.next_label("K", self.model.cameras)
        self.model.cameras[done.value] = ModelCamera(
            label, done.value, resident.id, lat, lng, encrypted
        )
        resident.cameras.append(done.value)
        self.say(
            f"   camera {label} of resident {resident.label} at site ({gx}, {gy})"
            + (", end-to-end encrypted" if encrypted else "")
        )

    def record_clip(self, k: int, ago: int, minutes: int) -> None:
        self.begin("record clip")
        camera: ModelCamera = pick(list(self.model.cameras.values()), k)
        starts = self.clock.now() - timedelta(minutes=30 * ago)
        ends = starts + timedelta(minutes=minutes)
        done = self.driver.create_clip(camera.id, starts_at=starts, ends_at=ends)
        label = self.model.next_label("C", self.model.clips)
        self.outcome(
            done, f"camera {camera.label} records clip {label}, {minutes} min, {ago / 2:g} h ago"
        )
        if done.ok and done.value is not None:
            self.model.clips[done.value] = ModelClip(
                label,
                done.value,
                camera.id,
                starts,
                ends,
                self.model.retained_until(ends),
                done.digest,
            )
