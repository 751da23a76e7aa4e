"""Two policies a researcher might write, to compare with the presets (`module:ATTRIBUTE`).

    consentgate compare scenarios/lakeview.toml \\
      --policies privacy-by-design,app.sim.example_policies:CONTACT_ON_SHARE,\\
app.sim.example_policies:NARROW_REQUESTS

They are parameter sets over the standard rules, not presets modelled on a real programme; the
presets (ring-2018, ring-2019, ring-rfa-2021, ...) live in app/policies/.
"""

from __future__ import annotations

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, PolicyParams, ResponseStats

# Sharing passes the resident's name and e-mail to the agency, opt-outs are not honoured and a
# withdrawal does not revoke clips already released: what a weak consent design looks like.
CONTACT_ON_SHARE = StandardPolicy(
    "contact-on-share",
    PolicyParams(
        identity_on_share=IdentityOnShare.CONTACT,
        response_stats=ResponseStats.RAW,
        honour_opt_out=False,
        withdrawal_revokes_undownloaded=False,
        requests_per_investigation=5,
    ),
    description="Identity passed on with shared clips; opt-out not honoured.",
)

# Requests limited to 0.1 square miles (radius about 290 m) and 2 hours: fewer residents asked.
NARROW_REQUESTS = StandardPolicy(
    "narrow-requests",
    PolicyParams(max_area_sq_mi=0.1, max_window_minutes=120),
    description="Smaller areas and shorter windows than privacy-by-design.",
)
