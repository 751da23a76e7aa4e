"""What agencies read, judged: the map (I5), their requests and counts (I4), footage lists and
downloads (I3), and on the wire every answer scanned for resident or camera data (I4)."""

from __future__ import annotations

from uuid import UUID

from app.verification import agency_view_checks as checks
from app.verification.findings import Finding, violation
from app.verification.machine_base import MachineBase
from app.verification.model import ModelAgency, ModelRequest
from app.workflow.records import Release


class AgencyReads(MachineBase):
    """The agency's reads, each checked against the model."""

    def look_at_map(self, agency: ModelAgency) -> None:
        first, second = self.driver.read_map(agency.id), self.driver.read_map(agency.id)
        self.agency_read(agency, first, f"agency {agency.label} reads the portal map")
        self.flag(checks.check_map(self.model, agency.id, first, second))

    def look_at_requests(self, agency: ModelAgency) -> None:
        read = self.driver.read_requests(agency.id)
        self.agency_read(agency, read, f"agency {agency.label} lists its requests")
        for item in read.body["data"] if read.ok else []:
            request = self.model.requests.get(UUID(str(item["id"])))
            if request is None or request.agency_id != agency.id:
                self.flag(
                    [
                        violation(
                            "I3", f"agency {agency.label}'s list shows another agency's request"
                        )
                    ]
                )
            else:
                self.flag(checks.check_counts(self.model, request.id, item["response_counts"]))

    def look_at_request(self, agency: ModelAgency, request: ModelRequest) -> None:
        read = self.driver.read_request(agency.id, request.id)
        self.agency_read(agency, read, f"agency {agency.label} reads request {request.label}")
        if read.ok:
            self.flag(self.ownership(agency, request, "read"))
            self.flag(checks.check_counts(self.model, request.id, read.body["response_counts"]))

    def look_at_footage(self, agency: ModelAgency, request: ModelRequest) -> None:
        read = self.driver.read_footage(agency.id, request.id)
        self.agency_read(agency, read, f"agency {agency.label} lists footage of {request.label}")
        if read.ok:
            self.flag(self.ownership(agency, request, "listed the footage of"))
            self.flag(
                checks.check_footage_list(
                    self.model, self.driver.snapshot(), agency.id, request.id, read.body
                )
            )

    def try_download(self, agency: ModelAgency, aim: str, i: int) -> None:
        """Downloads of any id: released, unreleased, another agency's, guessed."""
        snapshot = self.driver.snapshot()
        releases = snapshot.of(Release)
        own = [r for r in releases if self.model.requests[r.request_id].agency_id == agency.id]
        others = [r for r in releases if r not in own]
        if aim in ("own", "other") and (own if aim == "own" else others):
            chosen = own if aim == "own" else others
            wanted = chosen[i % len(chosen)].id
        elif aim == "clip" and self.model.clips:
            wanted = list(self.model.clips)[i % len(self.model.clips)]
        else:
            wanted = UUID(int=(i + 1) * 0x9E3779B97F4A7C15, version=4)
        self.download_and_judge(agency, wanted, snapshot)

    def ownership(self, agency: ModelAgency, request: ModelRequest, what: str) -> list[Finding]:
        if request.agency_id == agency.id:
            return []
        return [
            violation(
                "I3",
                f"agency {agency.label} {what} agency "
                f"{self.model.label(request.agency_id)}'s request "
                f"{request.label}",
            )
        ]
