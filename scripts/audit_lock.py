"""Read pip-audit's JSON report over requirements.lock and decide (used by `make audit`).

pip-audit exits 0 and prints "No known vulnerabilities found" when the advisory service could
not be asked at all: every package is then "skipped". This refuses that as an audit. Advisories
that docs/security.md shows not to apply are reported but do not fail the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Advisory id (or alias) -> why it does not apply; each is explained in docs/security.md.
NOT_APPLICABLE = {
    "GHSA-wj6h-64fc-37mp": "ecdsa Minerva timing (CVE-2024-23342): ecdsa is never imported",
    "CVE-2024-23342": "ecdsa Minerva timing: ecdsa is never imported",
}


def main(report_path: str) -> int:
    path = Path(report_path)
    if not path.exists():
        print(f"audit: no report at {path}: pip-audit did not run to the end", file=sys.stderr)
        return 2
    dependencies = json.loads(path.read_text())["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if skipped:
        print(
            f"audit: {len(skipped)} of {len(dependencies)} packages could not be audited "
            f"(first: {skipped[0]['skip_reason']}). The advisory service is unreachable from "
            "here: nothing was audited.",
            file=sys.stderr,
        )
        return 2
    failing = 0
    for dep in dependencies:
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            known = sorted(ids & set(NOT_APPLICABLE))
            fixed = ", ".join(vuln.get("fix_versions", [])) or "none"
            verdict = f"not applicable: {NOT_APPLICABLE[known[0]]}" if known else "APPLIES"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed}) - {verdict}")
            failing += 0 if known else 1
    print(f"audit: {len(dependencies)} packages audited, {failing} advisories to act on")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/pip-audit.json"))
