"""Schemathesis hooks for scripts/fuzz_api.py (SCHEMATHESIS_HOOKS=scripts.fuzz_hooks): the
API's own error promise as a check, apart from scripts/fuzz_checks.py so that importing the rule
registers nothing with schemathesis."""

from __future__ import annotations

from typing import Any

import schemathesis

from scripts.fuzz_checks import error_body_problem


@schemathesis.check
def error_has_detail_and_code(ctx: Any, response: Any, case: Any) -> bool | None:
    problem = error_body_problem(response.status_code, response.content)
    if problem is not None:
        raise AssertionError(problem)
    return None
