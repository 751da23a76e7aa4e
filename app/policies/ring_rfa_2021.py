"""`ring-rfa-2021`: Request for Assistance, June 2021 to January 2024.

Public facts encoded (Ring public-safety help centre, "Request for Assistance - Policy"):
- every post is reviewed and moderated by Ring before it is published (`moderation`);
- posts may not be used to gather information about lawful activities such as protests
  (`refused_incident_types`);
- a valid agency reference number is required; the window is 15 minutes to 12 hours and the
  area 0.025 to 0.5 square miles; at most two posts per investigation;
- only verified public safety agencies could post (press coverage of the June 2021 launch);
- sharing residents' contact details reach the agency (DESIGN.md: name, address and e-mail
  passed to police);
- the map is gone; agencies cannot see who viewed a post (no response figures);
- emergency disclosures (11 in the first half of 2022) and legal process remain; end-to-end
  encryption was opt-in from 2021.
"""

from app.policies.base import StandardPolicy
from app.policies.params import IdentityOnShare, MapMode, PolicyParams, ResponseStats

POLICY = StandardPolicy(
    name="ring-rfa-2021",
    params=PolicyParams(
        min_area_sq_mi=0.025,
        max_area_sq_mi=0.5,
        min_window_minutes=15,
        max_window_minutes=12 * 60,
        requests_per_investigation=2,
        refused_incident_types=("lawful_protest",),
        case_number_required=True,
        moderation=True,
        verified_agencies_only=True,
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
    description="Public, moderated requests within published limits; identity disclosed.",
)
