"""What an auditor reads: releases with their consent, and the verification of the log."""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow.audit import ChainCheck, verify_chain
from app.workflow.context import Ctx
from app.workflow.footage import all_releases
from app.workflow.records import AuditEntry, Consent, Release

PAGE = 5_000


@dataclass(frozen=True, slots=True)
class AuditedRelease:
    release: Release
    consent: Consent | None


def releases_with_basis(ctx: Ctx) -> list[AuditedRelease]:
    out = []
    for release in all_releases(ctx):
        consent = ctx.store.get(Consent, release.consent_id) if release.consent_id else None
        out.append(AuditedRelease(release, consent))
    return out


def all_entries(ctx: Ctx) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    while batch := ctx.store.audit_entries(len(entries), PAGE):
        entries.extend(batch)
    return entries


def verify_log(ctx: Ctx) -> ChainCheck:
    return verify_chain(all_entries(ctx))
