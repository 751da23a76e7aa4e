"""The bare FastAPI endpoint the round trip is compared with: same framework, same server."""

from __future__ import annotations

from fastapi import FastAPI


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    def bare() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
