"""`axon-2025`: Community Requests through Axon Evidence (announced 2025).

Public facts encoded (Ring verified-help article "Community Requests"; coverage of the Axon
partnership):
- only agencies with both a Neighbors Verified account and an Axon Evidence account can post
  (`verified_agencies_only`); federal agencies are not eligible
  (`federal_agencies_excluded`);
- each request names the area, the timeframe, the incident and a unique investigation code
  (`case_number_required`), and is reviewed before it is published (`moderation`);
- the investigator's contact details are on the request and shared footage goes into the
  agency's evidence system with the sharer's details (`identity_on_share = contact`);
- nothing is shared about residents who do not respond (`response_stats = none`);
- emergency disclosures and legal process continue as in 2024.
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="axon-2025",
    params=PolicyParams(
        requests_per_investigation=2,
        case_number_required=True,
        moderation=True,
        verified_agencies_only=True,
        federal_agencies_excluded=True,
        map_mode=MapMode.NONE,
        response_stats=ResponseStats.NONE,
        identity_on_share=IdentityOnShare.CONTACT,
        withdrawal_revokes_undownloaded=False,
        emergency_disclosure=True,
        tell_resident_after_emergency=False,
        warrants=True,
        subpoenas=True,
        tell_resident_of_legal_process=True,
        encrypt_new_residents=False,
    ),
    description="Verified, non-federal agencies with an evidence account; contact disclosed.",
)
