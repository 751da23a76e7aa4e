"""Letting an app go: FastAPI keeps `lru_cache`s of endpoint and dependency callables (4,096
entries each, in fastapi.dependencies.models), and FastAPIOffline's /docs and /redoc endpoints
are closures over their app, so every app built in one process stays alive through them, with
its routes and compiled SQL. The served process builds one app and never needs this; the tests
and `consentgate verify --level http`, which build one app per test or per history, do (a test
pass grew to about 1 GiB and spent some 18 s freeing it at exit)."""

from __future__ import annotations

from fastapi.dependencies import models as fastapi_dependencies


def forget_endpoint_callables() -> None:
    """Empty those caches; they refill on the next call, for the apps still in use."""
    for value in vars(fastapi_dependencies).values():
        cache_clear = getattr(value, "cache_clear", None)
        if callable(cache_clear):
            cache_clear()
