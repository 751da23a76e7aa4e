"""Consent receipts: Kantara Consent Receipt v1.1 fields, signed as a compact JWS (EdDSA).

Signed with the log's Ed25519 key through `cryptography` directly (RFC 8037: "alg": "EdDSA",
"crv" Ed25519); python-jose stays confined to app/security.py and has no EdDSA anyway. A
verifier accepts exactly one algorithm, EdDSA, and only the key id it pinned (RFC 8725 3.1).
Each receipt names the audit entry that recorded the consent (sequence number and leaf hash),
so an auditor can ask the log for an inclusion proof of the very entry the receipt describes.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature

from app.workflow.consent_history import ConsentEvent, consent_status, current_status, history
from app.workflow.context import Ctx
from app.workflow.errors import NotFound
from app.workflow.records import Agency, Consent, FootageRequest, Notice
from app.workflow.signed_note import Signer, Verifier

VERSION = "KI-CR-v1.1.0"
ALGORITHM = "EdDSA"
TYPE = "JWT"
MAX_RECEIPT_BYTES = 64 * 1024
_RECEIPT_NS = uuid.UUID("6f1d8c1e-4d2b-5a57-9a3e-6a1c0b7f2e10")


class ReceiptError(ValueError):
    """The receipt is malformed or its signature does not verify under the pinned key."""


@dataclass(frozen=True, slots=True)
class ConsentReceipt:
    token: str
    claims: dict[str, Any]
    events: list[ConsentEvent]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ReceiptError("a part of the receipt is not base64url") from None


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_jws(signer: Signer, claims: dict[str, Any]) -> str:
    header = {"alg": ALGORITHM, "typ": TYPE, "kid": signer.verifier.key_id.hex()}
    signing_input = f"{_b64url(_canonical(header))}.{_b64url(_canonical(claims))}"
    signature = signer.private_key.sign(signing_input.encode())
    return f"{signing_input}.{_b64url(signature)}"


def verify_jws(token: str, pinned: Verifier) -> dict[str, Any]:
    """The claims, if `pinned` signed them with EdDSA; every other algorithm is refused."""
    if len(token.encode()) > MAX_RECEIPT_BYTES:
        raise ReceiptError("the receipt is too large")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ReceiptError("a receipt is a compact JWS: three base64url parts joined by dots")
    try:
        header = json.loads(_unb64url(parts[0]))
        claims = json.loads(_unb64url(parts[1]))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested past Python's limit, which json.loads does not catch
        raise ReceiptError("the receipt's header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ReceiptError("the receipt's header and payload must be JSON objects")
    if header.get("alg") != ALGORITHM:
        raise ReceiptError(f"algorithm {header.get('alg')!r} refused: only EdDSA is accepted")
    if header.get("kid") != pinned.key_id.hex():
        raise ReceiptError("the receipt was not signed by the pinned key")
    try:
        pinned.public_key.verify(_unb64url(parts[2]), f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        raise ReceiptError("the receipt's signature does not verify") from None
    return claims


def consent_receipt(
    ctx: Ctx, signer: Signer, *, consent_id: UUID, resident_id: UUID | None
) -> ConsentReceipt:
    """The signed receipt for one consent; a resident asking for another's gets NotFound."""
    consent = ctx.store.get(Consent, consent_id)
    if consent is None or (resident_id is not None and consent.resident_id != resident_id):
        raise NotFound("consent")
    request = ctx.store.get(FootageRequest, consent.request_id)
    notice = ctx.store.get(Notice, consent.notice_id)
    if request is None or notice is None:
        raise NotFound("consent")
    agency = ctx.store.get(Agency, request.agency_id)
    agency_name = agency.name if agency else "the requesting agency"
    events = history(ctx, notice)
    given = ctx.store.audit_find(action="consent.given", subject_id=str(consent.id))
    claims: dict[str, Any] = {
        "version": VERSION,
        "jurisdiction": "US",
        "consentTimestamp": int(consent.given_at.timestamp()),
        "collectionMethod": "resident portal: the resident chose clips and pressed share",
        "consentReceiptID": str(uuid.uuid5(_RECEIPT_NS, str(consent.id))),
        "publicKey": signer.verifier.encode(),
        "language": "en",
        "piiPrincipalId": str(consent.resident_id),
        "piiControllers": [
            {
                "piiController": "consentgate platform operator (simulated)",
                "onBehalf": False,
                "contact": "Privacy office",
                "address": "n/a (simulation)",
                "email": "privacy@consentgate.example",
                "phone": "n/a",
            }
        ],
        "policyUrl": f"https://consentgate.example/policy/{request.policy_name}",
        "services": [
            {
                "service": "Neighborhood footage requests",
                "purposes": [
                    {
                        "purpose": f"Share the chosen clips with {agency_name} for case "
                        f"{request.case_number} ({request.incident_type})",
                        "purposeCategory": ["law enforcement request"],
                        "consentType": "EXPLICIT",
                        "piiCategory": ["video footage"],
                        "primaryPurpose": True,
                        "termination": "until withdrawn; clips already downloaded cannot be "
                        "recalled",
                        "thirdPartyDisclosure": True,
                        "thirdPartyName": agency_name,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        # Beyond Kantara: exactly what was consented to and where the log recorded it.
        "consentgate": {
            "consent_id": str(consent.id),
            "request_id": str(consent.request_id),
            "clip_ids": [str(c) for c in consent.clip_ids],
            "dpv_status": current_status(events, consent.id),
            "log_origin": signer.name,
            "log_entry": (
                {"seq": given[0].seq, "leaf_hash": given[0].leaf_hash} if given else None
            ),
        },
    }
    return ConsentReceipt(sign_jws(signer, claims), claims, events)


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    valid: bool
    reason: str
    claims: dict[str, Any] | None = None
    log_entry_matches: bool | None = None
    dpv_status_now: str | None = None


def check_receipt(ctx: Ctx, pinned: Verifier, token: str) -> ReceiptCheck:
    """Signature under the pinned key, then the log entry it names and the consent's status."""
    try:
        claims = verify_jws(token, pinned)
    except ReceiptError as exc:
        return ReceiptCheck(False, str(exc))
    ours = claims.get("consentgate")
    ours = ours if isinstance(ours, dict) else {}
    entry = ours.get("log_entry")
    matches = None
    if isinstance(entry, dict) and isinstance(entry.get("seq"), int) and entry["seq"] >= 0:
        found = ctx.store.audit_entries(entry["seq"], 1)
        matches = bool(found) and found[0].leaf_hash == entry.get("leaf_hash")
    try:
        status = consent_status(ctx, UUID(str(ours.get("consent_id"))))
    except ValueError:
        status = None
    return ReceiptCheck(True, "signed by the pinned log key", claims, matches, status)
