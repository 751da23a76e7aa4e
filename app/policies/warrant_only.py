"""`warrant-only`: a hypothetical for comparison, no real-world system. Footage leaves the
platform only under legal process: a warrant obtains content, a subpoena non-content data only,
and the resident is told unless a court bars it. No portal requests, no emergency exception,
no map. End-to-end encrypted footage cannot be produced (as for every preset).
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="warrant-only",
    params=PolicyParams(
        consent_requests=False,
        map_mode=MapMode.NONE,
        response_stats=ResponseStats.NONE,
        identity_on_share=IdentityOnShare.NONE,
        emergency_disclosure=False,
        warrants=True,
        subpoenas=True,
        tell_resident_of_legal_process=True,
        encrypt_new_residents=False,
    ),
    description="Legal process only: warrants for content, subpoenas for non-content data.",
)
