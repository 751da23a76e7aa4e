"""The web walkthrough: server-rendered pages over the same handlers and rules as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.web import (
    pages_agency,
    pages_auditor,
    pages_compare,
    pages_lab,
    pages_resident,
    pages_start,
)
from app.web.errors import WebError
from app.web.render import page

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their HTML error page to the app."""
    for module in (
        pages_start,
        pages_agency,
        pages_resident,
        pages_auditor,
        pages_lab,
        pages_compare,
    ):
        app.include_router(module.router)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> HTMLResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if exc.status == 503:
            headers["Retry-After"] = "5"  # the lab's single run slot frees within seconds
        response = page(request, "error.html", {"error": exc}, status=exc.status)
        response.headers.update(headers)
        return response
