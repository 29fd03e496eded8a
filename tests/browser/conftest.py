"""A real browser: Playwright driving Debian's Chromium. The test setup installs Chromium where it
can (apt-get, as root); where it cannot, these tests are skipped and say why."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _chromium() -> tuple[str | None, str]:
    found = next((path for path in CANDIDATES if Path(path).exists()), None)
    if found:
        return found, ""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None, "no Chromium, and no apt-get run as root to install Debian's package"
    try:
        # A CJK font too: without it Chinese pages render as boxes in screenshots (the tests pass either way).
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium", "fonts-wqy-microhei"],
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"Chromium could not be installed with apt-get: {exc}"
    found = next((path for path in CANDIDATES if Path(path).exists()), None)
    return found, "" if found else "apt-get ran but no Chromium binary appeared"


@pytest.fixture(scope="session")
def chromium_path():
    path, why = _chromium()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page_in(browser, live_server):
    """A fresh browser context per test and language; clipboard allowed for the copy button."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 900}, base_url=live_server.url)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path):
    """Screenshots go to docs/screenshots when SHOTS_TO_DOCS=1 (by hand, for the README), else
    to the test's temporary folder, so a test run never changes the repository."""
    folder = SCREENSHOTS if os.environ.get("SHOTS_TO_DOCS") == "1" else tmp_path

    def take(page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
