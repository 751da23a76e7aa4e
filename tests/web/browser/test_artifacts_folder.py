"""The screenshots' folder is emptied once per run, not once per pytest-xdist worker."""

from __future__ import annotations

from pathlib import Path

from tests.web.browser.conftest import empty_once_per_run


def test_a_second_worker_of_the_same_run_keeps_the_first_ones_screenshots(tmp_path: Path) -> None:
    folder = tmp_path / "web"
    empty_once_per_run(folder, "run-1")
    (folder / "01.png").write_bytes(b"shot")
    empty_once_per_run(folder, "run-1")  # the other worker's session starts
    assert (folder / "01.png").exists()


def test_a_new_run_or_a_serial_one_starts_empty(tmp_path: Path) -> None:
    folder = tmp_path / "web"
    empty_once_per_run(folder, "run-1")
    (folder / "01.png").write_bytes(b"stale")
    empty_once_per_run(folder, "run-2")
    assert not (folder / "01.png").exists()
    (folder / "01.png").write_bytes(b"stale")
    empty_once_per_run(folder, "")
    assert not (folder / "01.png").exists()
