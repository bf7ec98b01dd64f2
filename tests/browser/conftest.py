"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is downloaded: the tests use the system's ``chromium`` (``.ci/run`` installs it
with apt) and fail, naming the package, when it is missing.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
# How long a page may take to reach the state a test waits for. Every wait is on a
# condition (a selector, a saved cue), never a fixed pause, so the limit costs nothing when
# things go well; it is generous for a 2-core machine loaded by other work, where the live
# server, the browser and the tests share the CPUs (a page that never gets there fails).
PAGE_TIMEOUT_MS = 150_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: install Debian's package with "
                    "`apt-get install chromium` (the browser tests never download one).")
    return path


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """docs/screenshots/ (linked from the README) with UPDATE_SCREENSHOTS=1; else a temporary
    folder, so that a test run leaves the working tree clean."""
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright package is missing: pip install -e '.[dev]'.")
    # Playwright's sync API runs an event loop; Django must allow ORM calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(),
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(page, base_url: str, user) -> None:
    """Log ``user`` in through the log-in page (password PASSWORD)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    # Logged in once the browser has left the log-in page (a condition: "network
    # idle" can come before the form is even sent on a loaded machine).
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def open_page(browser, live_server):
    """A logged-in page in its own browser context (its own cookies), per user."""
    contexts = []

    def open_for(user, path: str):
        context = browser.new_context(viewport={"width": 1400, "height": 900},
                                      locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        log_in(page, live_server.url, user)
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("body[data-editor-ready]")
        return page

    yield open_for
    for context in contexts:
        context.close()
