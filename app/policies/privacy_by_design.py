"""`privacy-by-design`: the default, and no real-world system. Consent only (no emergency or
legal exception), residents anonymous to agencies, a noisy k-anonymous map, response figures
blank below k, end-to-end encryption on by default for new residents, withdrawal revokes access
to clips not yet downloaded, opt-out honoured, residents told of every release of their footage.

The request limits follow the most restrictive public terms (Ring's Request for Assistance
policy, 2021: 0.025 to 0.5 square miles, 15 minutes to 12 hours, a valid agency reference
number, at most two posts per investigation, no requests about lawful activity such as
protests); lookback 45 days; retention the US subscriber 60 days.

Cooling-off is 0 minutes and moderation is off in this preset on purpose: the README
walkthrough shares a clip and downloads it at once. A researcher who wants both sets
`cooling_off_minutes` and `moderation` in a TOML file (docs/policies.md shows one).
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="privacy-by-design",
    params=PolicyParams(
        response_stats=ResponseStats.SUPPRESSED,
        identity_on_share=IdentityOnShare.NONE,
        withdrawal_revokes_undownloaded=True,
        honour_opt_out=True,
        map_mode=MapMode.NOISY,
        map_k=5,
        map_epsilon=1.0,
        map_noise_threshold=5,
        map_period_hours=24,
        emergency_disclosure=False,
        warrants=False,
        subpoenas=False,
        tell_resident_after_emergency=True,
        tell_resident_of_legal_process=True,
        encrypt_new_residents=True,
    ),
    description=(
        "Consent only; residents anonymous; noisy k-anonymous map; encryption on by default; "
        "withdrawal revokes access; residents told of everything."
    ),
)
