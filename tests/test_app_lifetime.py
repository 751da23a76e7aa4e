"""An app a test builds is freed when the test ends, not kept to the end of the pass: a thousand
apps kept alive (by FastAPI's caches of endpoint callables) cost a pass about 1 GiB and some
18 s at exit (app/endpoint_caches.py). So is each history's app in `consentgate verify --level
http`."""

from __future__ import annotations

import gc
import weakref

from fastapi.testclient import TestClient

from app.clock import SimulatedClock
from app.config import Settings
from app.endpoint_caches import forget_endpoint_callables
from app.main import create_app
from app.policies import load_policy
from app.verification.http_driver import HttpDriver
from tests.conftest import PG_URL


def test_an_app_is_freed_once_fastapi_forgets_its_endpoints(
    settings: Settings, clock: SimulatedClock
) -> None:
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/docs").status_code == 200
    app.state.runtime.db.dispose()
    freed = weakref.ref(app)
    del app, client
    forget_endpoint_callables()
    gc.collect()
    assert freed() is None, [type(r).__name__ for r in gc.get_referrers(freed())]


def test_the_http_verifier_frees_each_history_s_app(clock: SimulatedClock) -> None:
    driver = HttpDriver(load_policy("privacy-by-design"), clock, postgres_url=PG_URL)
    assert driver.client.get("/docs").status_code == 200
    freed = weakref.ref(driver.app)
    driver.close_driver()
    del driver
    gc.collect()
    assert freed() is None, [type(r).__name__ for r in gc.get_referrers(freed())]
