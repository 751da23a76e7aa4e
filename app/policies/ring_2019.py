"""`ring-2019`: the Neighbors Public Safety Service after July 2019.

Public facts encoded, besides those of `ring-2018`:
- from July 2019 agencies saw no device locations or counts: the heat map was removed
  (`map_mode = none`);
- agencies no longer received response figures (`response_stats = none`);
- requests still needed a case number and were limited to 12 hours and half a square mile
  (CNET, 2019); sharers appear as "Neighbor #"; no device location without consent (Ring
  support, "How your local public safety agency uses Neighbors");
- partnerships grew from about 200 (mid 2019) to 405 (Aug 2019), still on MOU-style terms;
  joining became free with no promotion duty only in 2020.
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="ring-2019",
    params=PolicyParams(
        # Only maxima were published (12 hours, half a square mile): no minimum, no per-case cap.
        min_area_sq_mi=0.0,
        min_window_minutes=1,
        requests_per_investigation=1000,
        refused_incident_types=(),
        promotion_duty_required=True,
        map_mode=MapMode.NONE,
        response_stats=ResponseStats.NONE,
        identity_on_share=IdentityOnShare.PSEUDONYM,
        withdrawal_revokes_undownloaded=False,
        emergency_disclosure=True,
        tell_resident_after_emergency=False,
        warrants=True,
        subpoenas=True,
        tell_resident_of_legal_process=False,
        encrypt_new_residents=False,
    ),
    description="After July 2019: no map, no response figures; otherwise as in 2018.",
)
