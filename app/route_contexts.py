"""Every route an app serves, with included routers flattened.

FastAPI 0.16x keeps `app.include_router(router)` as one `_IncludedRouter` entry (a private
class) whose `effective_route_contexts()` are the routes it adds, each with the app's prefix
in its path. The one place that names the private class: a FastAPI upgrade that changes it
breaks here, and the tests that walk the routes say so (tests/security/test_route_matrix.py,
every route's access rule; tests/api/test_fuzz_findings.py, a 405's `Allow`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import _IncludedRouter


def route_contexts(app: FastAPI) -> Iterator[Any]:
    """The app's own routes and each included router's, as the router matches them."""
    for route in app.routes:
        if isinstance(route, _IncludedRouter):
            yield from route.effective_route_contexts()
        else:
            yield route
