"""C2SP signed notes and checkpoints with Ed25519 (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A note is UTF-8 text ending in a newline, a blank line, then signature lines
"— <key name> <base64(4-byte key id || signature)>". The key id is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key); 0x01 is the Ed25519 signature type. A verifier
key is shared as "<name>+<hex key id>+<base64(0x01 || public key)>", the form Go's
golang.org/x/mod/sumdb/note and the transparency-dev tools read. A checkpoint's text is the
log's origin, its size in decimal and its base64 root, one per line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, a key or a checkpoint is malformed or does not verify; the message says why."""


def _valid_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, _raw_public(self.public_key))

    def encode(self) -> str:
        raw = base64.b64encode(ED25519 + _raw_public(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{raw}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read "<name>+<hex id>+<base64 key>"; the id must match the name and the key."""
        parts = text.strip().split("+", 2)  # base64 may itself hold '+'
        if len(parts) != 3:
            raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        _valid_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
            wanted_id = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError("the verifier key's id or key is not valid hex / base64") from None
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
        if wanted_id != key_id(name, raw[1:]):
            raise NoteError("the verifier key's id does not match its name and key")
        return cls(name, Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.private_key.public_key())

    def encode(self) -> str:
        """Go's note signer-key form: PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>."""
        seed = self.private_key.private_bytes_raw()
        raw = base64.b64encode(ED25519 + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{raw}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key reads PRIVATE+KEY+<name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts[2:]
        _valid_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
            wanted_id = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError("the signer key's id or key is not valid hex / base64") from None
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the signer key is not an Ed25519 key (type 0x01, 32 bytes)")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id != wanted_id:
            raise NoteError("the signer key's id does not match its name and key")
        return signer

    def sign(self, text: str) -> str:
        """The signed note: `text` (newline-terminated, no blank line) and one signature."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("a note's text must end in a newline and hold no blank line")
        signature = self.private_key.sign(text.encode())
        line = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {line}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text if `verifier` signed it; a note it did not sign is refused."""
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise NoteError("the note's last signature line does not end in a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("the note has too many signatures")
    others: list[str] = []  # the keys that did sign: "re-signed with another key" shows here
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"not a signature line: {line[:40]!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("a signature is not valid base64") from None
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        if name != verifier.name or raw[:4] != verifier.key_id:
            others.append(f"{name}+{raw[:4].hex()}")
            continue  # another key's signature: not ours to judge, and not trusted either
        try:
            verifier.public_key.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by {name} does not verify") from None
        return text
    signed_by = f"; it is signed by {', '.join(others)}" if others else ""
    raise NoteError(
        f"the note carries no signature by the pinned key "
        f"{verifier.name}+{verifier.key_id.hex()}{signed_by}"
    )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint's text is origin, size and root hash, one per line")
        origin, size_text, root_text = lines[:3]
        # ASCII digits only: str.isdigit() also takes '²' (which int() refuses) and '٣'.
        if not _decimal(size_text) or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"the checkpoint size {size_text!r} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error:
            raise NoteError("the checkpoint root is not valid base64") from None
        if len(root) != 32:
            raise NoteError("the checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size_text), root)


def sign_checkpoint(signer: Signer, checkpoint: Checkpoint) -> str:
    return signer.sign(checkpoint.text())


def open_checkpoint(note: str, verifier: Verifier, *, origin: str | None = None) -> Checkpoint:
    """The checkpoint in `note` if the pinned key signed it (and it names `origin`, if given)."""
    checkpoint = Checkpoint.parse_text(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def _decimal(text: str) -> bool:
    return text.isascii() and text.isdigit()
