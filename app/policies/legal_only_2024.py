"""`legal-only-2024`: after Ring sunset Request for Assistance (announced 24 January 2024).

Public facts encoded (Ring's announcement and its coverage, e.g. Consumer Reports, CNN):
- agencies can no longer request or receive video through the app (`consent_requests = false`);
- police can still obtain footage with a search warrant or a subpoena;
- in an emergency involving imminent danger of death or serious physical injury Ring may
  provide footage without a warrant or the owner's consent (Ring's 2022 answer to Senator
  Markey: 11 such disclosures in the first half of 2022); no public commitment to tell the
  owner afterwards;
- end-to-end encrypted footage cannot be produced by Ring at all.
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="legal-only-2024",
    params=PolicyParams(
        consent_requests=False,
        map_mode=MapMode.NONE,
        response_stats=ResponseStats.NONE,
        identity_on_share=IdentityOnShare.NONE,
        emergency_disclosure=True,
        tell_resident_after_emergency=False,
        warrants=True,
        subpoenas=True,
        tell_resident_of_legal_process=True,
        encrypt_new_residents=False,
    ),
    description="No requests through the portal; warrants, subpoenas and emergencies only.",
)
