"""What each summary metric is: a group, a short label and a one-line definition.

A run's summary (app/sim/metrics.py, and `cameras` from the engine) has fixed keys and keys made
during the run: one per refusal code seen, one per neighbourhood group. Tables, CSVs and reports
list metrics by group and then in this catalogue's order, so the order never depends on which
run happened to meet a refusal first, and a reader finds related figures side by side. The key
stays the stable identifier; labels are for people. tests/sim/test_metric_catalog.py runs a
scenario and requires an entry for every key the engine emits.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from app.sim.metrics import BASES

GROUPS = (
    "requests",
    "notices and answers",
    "releases",
    "people reached",
    "fairness",
    "the record",
)
# Where a key no entry describes sorts: last, alphabetically. The catalogue test keeps it empty.
UNCATALOGUED = "uncatalogued"

_BASIS_WORDS = {
    "consent": "with the resident's consent",
    "emergency": "on an emergency demand, without consent",
    "legal": "on legal process, without consent",
}


@dataclass(frozen=True)
class MetricInfo:
    key: str
    group: str
    label: str
    definition: str
    # Every summary figure is a count, a rate or a ratio: none can be below zero. Plots use this
    # to clip an interval's drawn lower end at 0.
    non_negative: bool = True


@dataclass(frozen=True)
class _Entry:
    """One fixed key, or a family `prefix<suffix>` whose suffix is filled into the texts."""

    group: str
    key: str
    label: str
    definition: str
    family: bool = False

    def matches(self, key: str) -> str | None:
        if self.family:
            suffix = key.removeprefix(self.key)
            return suffix if key.startswith(self.key) and suffix else None
        return "" if key == self.key else None


def _fixed(group: str, key: str, label: str, definition: str) -> _Entry:
    return _Entry(group, key, label, definition)


def _family(group: str, prefix: str, label: str, definition: str) -> _Entry:
    return _Entry(group, prefix, label, definition, family=True)


_REQ, _NOT, _REL, _PPL, _FAIR, _REC = GROUPS

ENTRIES: tuple[_Entry, ...] = (
    _fixed(_REQ, "requests_filed", "requests filed",
           "Consent requests the workflow accepted and sent to residents, follow-ups included."),
    _fixed(_REQ, "requests_refused", "refusals",
           "Requests refused (any code), plus clips the release gate refused on an approved "
           "emergency or legal demand; the refused_ rows break it down."),
    _family(_REQ, "refused_", "refused: {words}",
            "Requests refused with code {suffix} (a policy rule or the service's own check)."),
    _family(_REQ, "refused_gate_", "gate refused: {words}",
            "Clips the release gate refused, code {suffix}, on an approved emergency or legal "
            "demand."),
    _fixed(_NOT, "notices", "notices sent",
           "Notices the accepted requests sent to residents (the policy decides who)."),
    _fixed(_NOT, "notices_per_request", "notices per request",
           "notices / requests_filed (0 when no request was accepted)."),
    _fixed(_NOT, "shares", "shares", "Notices answered by sharing footage."),
    _fixed(_NOT, "declines", "declines", "Notices answered by declining."),
    _fixed(_NOT, "silences", "silences", "Notices never answered by the end of the run."),
    _fixed(_NOT, "share_rate", "share rate", "shares / notices (0 when no notice was sent)."),
    _fixed(_NOT, "late_responses", "late answers",
           "Answers the service refused because the request had already closed."),
    _fixed(_NOT, "opt_outs", "opt-outs",
           "Residents who, tired of notices, switched requests off during the run."),
    _fixed(_NOT, "withdrawals", "consents withdrawn", "Consents withdrawn after a share."),
    *(
        _fixed(_REL, f"clips_released_{b}", f"clips released ({b})",
               f"Clips released to an agency {_BASIS_WORDS.get(b, f'on the basis {b}')}.")
        for b in BASES
    ),
    *(
        _fixed(_REL, f"footage_hours_{b}", f"footage-hours released ({b})",
               f"Hours of footage in the clips released {_BASIS_WORDS.get(b, f'on {b}')}.")
        for b in BASES
    ),
    _fixed(_REL, "releases_without_consent", "releases without consent",
           "Releases on any basis other than the resident's consent."),
    _fixed(_REL, "releases_revoked", "releases revoked",
           "Releases revoked because the resident withdrew the consent behind them."),
    _fixed(_REL, "identity_disclosures", "identity disclosures",
           "Releases that carried the resident's name and contact to the agency."),
    _fixed(_PPL, "residents_reached", "residents notified",
           "Distinct residents who received at least one notice."),
    _fixed(_PPL, "residents_disclosed", "residents with footage released",
           "Distinct residents with at least one clip released, on any basis."),
    _fixed(_PPL, "area_within_reach", "share of city within reach",
           "Share of the city's H3 cells (resolution 10) inside at least one request's circle."),
    # The ratios are fixed keys, looked up before the families they would also match.
    _family(_FAIR, "requests_per_1000_", "requests per 1,000 households ({suffix})",
            "Requests about incidents in group {suffix}, per 1,000 of its households."),
    _fixed(_FAIR, "requests_per_1000_max_min_ratio", "requests per 1,000: max/min ratio",
           "Largest over smallest requests per 1,000 households across groups (inf if a group "
           "got none, 1 if none got any)."),
    _family(_FAIR, "notices_per_1000_", "notices per 1,000 households ({suffix})",
            "Notices to residents of group {suffix}, per 1,000 of its households."),
    _fixed(_FAIR, "notices_per_1000_max_min_ratio", "notices per 1,000: max/min ratio",
           "Largest over smallest notices per 1,000 households across groups (inf if a group "
           "got none, 1 if none got any)."),
    _fixed(_REC, "cameras", "cameras in the city",
           "Cameras the synthetic city was built with (the same for every policy)."),
    _fixed(_REC, "audit_entries", "audit log entries",
           "Entries in the audit log at the end of the run."),
)  # fmt: skip

_FIXED = {e.key: (i, e) for i, e in enumerate(ENTRIES) if not e.family}
# The longest prefix matches first: `refused_gate_x` also starts with `refused_`.
_FAMILIES = sorted(
    ((i, e) for i, e in enumerate(ENTRIES) if e.family), key=lambda item: -len(item[1].key)
)


def _lookup(key: str) -> tuple[int, _Entry, str] | None:
    if key in _FIXED:
        index, entry = _FIXED[key]
        return index, entry, ""
    for index, entry in _FAMILIES:
        suffix = entry.matches(key)
        if suffix is not None:
            return index, entry, suffix
    return None


def describe(key: str) -> MetricInfo | None:
    """The catalogue's entry for a summary key, or None if no entry describes it."""
    found = _lookup(key)
    if found is None:
        return None
    _, entry, suffix = found
    words = suffix.replace("_", " ")
    return MetricInfo(
        key,
        entry.group,
        entry.label.format(suffix=suffix, words=words),
        entry.definition.format(suffix=suffix, words=words),
    )


def info(key: str) -> MetricInfo:
    """As `describe`, with a plain stand-in for a key the catalogue lacks."""
    # Nothing is known of an uncatalogued key, so nothing about it is clipped either.
    return describe(key) or MetricInfo(
        key, UNCATALOGUED, key.replace("_", " "), "(no entry)", non_negative=False
    )


def sort_key(key: str) -> tuple[int, int, str]:
    """Group, then catalogue entry, then the family's suffix (a refusal code, a group name)."""
    found = _lookup(key)
    if found is None:
        return len(GROUPS), 0, key
    index, entry, suffix = found
    return GROUPS.index(entry.group), index, suffix


def by_group(metrics: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The metrics, as ordered, cut into runs of one group each: (group, its metrics)."""
    return [(g, list(ms)) for g, ms in itertools.groupby(metrics, key=lambda m: info(m).group)]


def ordered(keys: Iterable[str]) -> list[str]:
    """The keys, each once, by group and catalogue order: the same list whatever order they
    came in."""
    return sorted(set(keys), key=sort_key)
