"""A served demo city and a headless Chromium, for the end-to-end walkthrough.

The app runs under uvicorn on a free port of 127.0.0.1, in a thread, with its own SQLite file and
a simulated clock, seeded by the same `seed_demo` as `make run`. The browser is Debian's
Chromium driven by Playwright; nothing is downloaded (`playwright install` is never run). The
SQLite pass runs these tests; the PostgreSQL pass skips them (the pages are the same code).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from rich.console import Console

from app.clock import SimulatedClock
from app.config import Settings
from app.main import create_app
from app.web.session import read_env_file
from scripts.seed import seed_demo
from tests.conftest import PG_URL, START, TEST_SECRET

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"

if PG_URL:
    pytest.skip("browser tests run in the SQLite pass only", allow_module_level=True)
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


# Package scope, not session: while Playwright's sync API is open it leaves an event loop
# running on the main thread, and every later test in the process that calls asyncio.run()
# (tests/security/test_abuse_limits.py) failed with "cannot be called from a running event
# loop" whenever a worker ran it after the browser tests.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class DemoSite:
    base: str
    app: FastAPI
    env: dict[str, str]

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[DemoSite]:
    settings = Settings(
        env="test",
        db_path=tmp_path / "demo.db",
        secret=TEST_SECRET,
        secret_file=tmp_path / "secret.key",
        demo_env_file=tmp_path / "demo.env",
    )
    app = create_app(settings, clock=SimulatedClock(START))
    seed_demo(
        settings,
        env_file=settings.demo_env_file,
        console=Console(quiet=True),
        runtime=app.state.runtime,
    )
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield DemoSite(f"http://127.0.0.1:{port}", app, read_env_file(settings.demo_env_file))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.runtime.db.dispose()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/web/, emptied once per run (see empty_once_per_run)."""
    empty_once_per_run(ARTIFACTS, os.environ.get("PYTEST_XDIST_TESTRUNUID", ""))
    return ARTIFACTS


def empty_once_per_run(folder: Path, run_id: str) -> None:
    """Empty `folder` the first time a run asks, never again in that run. Under pytest-xdist
    every worker is a session of its own and each may run browser tests (pytest 9.2 derives a
    node's id from `_id`, so pytest-xdist 3.8.0's `xdist_group`, which rewrites `_nodeid`, has no
    effect): a second worker emptying the folder would delete the first one's screenshots.
    The workers share the run's id; the first to take the lock empties and records it.
    A serial run has no id ("") and always empties."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / ".web-artifacts.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = folder / ".run"
        if run_id and stamp.exists() and stamp.read_text() == run_id:
            return
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        stamp.write_text(run_id)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
