"""`ring-2018`: Ring's Neighbors Portal for police, 2018 to July 2019.

Public facts encoded (DESIGN.md, "The real-world system being modelled", and the press
coverage it summarises):
- partnerships on the 2018 Lakeland MOU terms: free cameras and a credit per app download in
  exchange for promoting the app (`promotion_duty_required`);
- video requests to every resident with a camera in the area who had not opted out, with a
  case number, up to 12 hours within an area of up to half a square mile (CNET, 2019, on the
  Neighbors Public Safety Service guidelines); no published limit per investigation and no
  protest ban yet;
- the portal's heat map of camera density, drawing circles around individual locations when
  zoomed in, until July 2019 (`map_mode = heatmap`);
- aggregate response figures leaked to an agency (`response_stats = raw`);
- sharers appear as "Neighbor #" (Ring support, "How your local public safety agency uses
  Neighbors");
- emergency disclosures and legal process exist; no end-to-end encryption (launched 2021).
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="ring-2018",
    params=PolicyParams(
        # Only maxima were published (12 hours, half a square mile): no minimum, no per-case cap.
        min_area_sq_mi=0.0,
        min_window_minutes=1,
        requests_per_investigation=1000,
        refused_incident_types=(),
        promotion_duty_required=True,
        map_mode=MapMode.HEATMAP,
        response_stats=ResponseStats.RAW,
        identity_on_share=IdentityOnShare.PSEUDONYM,
        withdrawal_revokes_undownloaded=False,
        emergency_disclosure=True,
        tell_resident_after_emergency=False,
        warrants=True,
        subpoenas=True,
        tell_resident_of_legal_process=False,
        encrypt_new_residents=False,
    ),
    description="Video requests, heat map of cameras visible, response figures leaked.",
)
