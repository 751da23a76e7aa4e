"""`privacy-by-design`: the default. Consent only, residents anonymous to agencies, a
k-anonymous map, response figures blank below k, no exceptions, withdrawal revokes access to
clips not yet downloaded, opt-out honoured.

The request limits follow the most restrictive public terms (Request for Assistance, 2021:
0.025 to 0.5 square miles, 15 minutes to 12 hours, within 45 days, two requests per
investigation, no requests about lawful protest); retention is the US subscriber 60 days.
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="privacy-by-design",
    params=PolicyParams(
        response_stats=ResponseStats.SUPPRESSED,
        identity_on_share=IdentityOnShare.NONE,
        withdrawal_revokes_undownloaded=True,
        honour_opt_out=True,
    ),
    description="Consent only; residents anonymous; k-anonymous map; no exceptions.",
)
