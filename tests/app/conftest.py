"""Fixtures of the dashboard tests: the app in a subprocess, Debian's Chromium for Playwright.

Browser tests need ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``playwright install``
is not used) and are skipped with that reason when it is absent. The app runs through Shiny's
own helper (:func:`shiny.run.run_shiny_app`) from :mod:`ncrealism.app.asgi`, once per test
session, reading the data mirror (downloads off) and the shared history folder
(``NCR_HISTORY_DIR``: context events and the coded record); the browser is shared too
(pytest-playwright's session-scoped ``browser``), each test getting a fresh page.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("NCR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CONTEXT_FILE = "context_events_1990_2009.csv"


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM}: install Debian's 'chromium' package (CI does)"
    if importlib.util.find_spec("shiny") is None:
        return "Shiny for Python is not installed (the 'app' extra)"
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium instead of a Playwright-downloaded browser."""
    why = chromium_missing()
    if why is not None:
        pytest.skip(why)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized window, so that the dashboard's two-column layout is used."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


@pytest.fixture(scope="session")
def context_file(history_dir: Path) -> Path:
    path = history_dir / CONTEXT_FILE
    if not path.is_file():
        pytest.skip(f"no {CONTEXT_FILE} in {history_dir}")
    return path


@pytest.fixture(scope="session")
def dashboard(
    mirror: Path, context_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The dashboard served on a free loopback port (a :class:`shiny.run.ShinyAppProc`)."""
    why = chromium_missing()
    if why is not None:
        pytest.skip(why)
    from shiny.run import run_shiny_app

    spec = importlib.util.find_spec("ncrealism.app.asgi")
    assert spec is not None and spec.origin is not None
    env = {
        "NCR_DATA_MIRROR": str(mirror),
        "NCR_OFFLINE": "1",
        "NCR_CACHE_DIR": str(tmp_path_factory.mktemp("app-cache")),
        "NCR_HISTORY_DIR": str(context_file.parent),
        "NCR_DASHBOARD_WARM": "1",  # the Evidence tab's backtest starts with the app
        "SHINY_TESTMODE": "1",
    }
    proc = run_shiny_app(spec.origin, env=env, timeout_secs=90)
    try:
        yield proc
    finally:
        proc.close()
        proc.proc.wait(timeout=30)


#: The two widths every tab is tested at: a phone (iPhone 12-15, CSS pixels) and a desktop.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 1000}


@pytest.fixture(params=["phone", "desktop"])
def any_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh page at a phone's width, then at a desktop's (shared browser)."""
    size = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=size)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A fresh page at a phone's width (390 CSS pixels)."""
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()
