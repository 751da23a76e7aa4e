"""What the API promises beyond its schema: every error names a stable `code` and says why in
`detail` (README, "Errors always carry..."). scripts/fuzz_hooks.py makes it a schemathesis
check; the response schema already checks the shape where an error is documented, this also
covers the statuses it does not document (a 500 in plain text, a 405 from the router)."""

from __future__ import annotations

import json
import re

STABLE_CODE = re.compile(r"[a-z][a-z0-9_]*")


def error_body_problem(status: int, content: bytes) -> str | None:
    """What is wrong with an error body, or None when it is fine (or not an error: a 2xx may be
    footage, bytes that are not text)."""
    if status < 400:
        return None
    text = content.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return f"the {status} body is not JSON: {text[:200]!r}"
    if not isinstance(body, dict):
        return f"the {status} body is not an object: {text[:200]!r}"
    detail, code = body.get("detail"), body.get("code")
    if not isinstance(detail, str) or not detail.strip():
        return f"the {status} body has no human `detail`: {text[:200]!r}"
    if not isinstance(code, str) or not STABLE_CODE.fullmatch(code):
        return f"the {status} body has no stable `code` (snake_case): {text[:200]!r}"
    return None
