"""What the policy in force means for the person on the page, in words read off its parameters.

Pages state what the workflow will do, not what a privacy-minded policy would do: under the
2021 Request for Assistance terms sharing passes the resident's name and contact on, and under
most presets a withdrawal does not take back clips already released. The words come from the
same parameters the workflow reads (app/policies/params.py), so they change with the policy.
"""

from __future__ import annotations

from app.policies.params import IdentityOnShare, PolicyParams


def sharing(params: PolicyParams) -> list[str]:
    """What ticking clips and sharing them gives the agency, and what withdrawing undoes."""
    identity = {
        IdentityOnShare.NONE: (
            "The agency receives only the clips you tick: not your name, your contact details "
            "or where your camera is."
        ),
        IdentityOnShare.PSEUDONYM: (
            'The agency receives the clips you tick, labelled "Neighbor #n", a label new for '
            "this request; not your name or contact details."
        ),
        IdentityOnShare.CONTACT: (
            "Under this policy, sharing also gives the agency your name and e-mail address "
            "with the clips you tick."
        ),
    }[params.identity_on_share]
    out = [identity]
    if params.cooling_off_minutes:
        out.append(
            f"Clips are released {params.cooling_off_minutes} minutes after you share; "
            "withdrawing before then releases nothing."
        )
    out.append(withdrawal(params))
    return out


def withdrawal(params: PolicyParams) -> str:
    if params.withdrawal_revokes_undownloaded:
        return (
            "You can withdraw a consent later: clips the agency has not downloaded yet are "
            "then taken back; a clip it has already downloaded stays with it."
        )
    return (
        "You can withdraw a consent later, but under this policy that only stops releases "
        "still waiting: clips already released stay available to the agency."
    )
