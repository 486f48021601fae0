"""Helpers for browser tests: wait for a Streamlit run, check for exceptions, take screenshots.

Test modules import them relatively: ``from .streamlit_page import wait_for_app, ...``.
No streamlit import here: these drive the page from the outside, through Playwright.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "screenshots"  # gitignored

DESKTOP = {"width": 1280, "height": 720}
FULL_HD = {"width": 1920, "height": 1080}
VIEWPORTS = {"1280x720": DESKTOP, "1920x1080": FULL_HD}

# Two cores, one of them busy with pytest + Chromium: the first run of a page (DuckDB views,
# Altair charts) can take a while, so app waits are generous but always bounded.
APP_RUN_TIMEOUT_MS = 60_000

# Chromium's own failed fetches (no internet here: map tiles, external images): not the app's bugs.
NETWORK_ERROR_MARKERS = ("net::ERR_", "Failed to load resource")

_SCRIPT_FINISHED_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && ['notRunning', 'compilationError'].includes(app.getAttribute('data-test-script-state'));
}"""


def wait_for_app(page, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """Return once the app is connected and its script run has finished (no 'Running…' widget).

    Call it again after each interaction that triggers a rerun (widget change, navigation).
    """
    page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=timeout_ms)
    # stApp carries the script state: "initial" before the first run, then running / notRunning.
    page.wait_for_function(_SCRIPT_FINISHED_JS, timeout=timeout_ms, polling=100)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="hidden", timeout=timeout_ms)


def assert_no_exception(page) -> None:
    """Fail with the exception's text if Streamlit shows an error block (st.exception / traceback)."""
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail("Streamlit showed an exception:\n" + "\n---\n".join(exceptions.all_inner_texts()))


def app_errors(page) -> list[str]:
    """Uncaught page errors and console errors, minus failed network fetches (no internet here)."""
    console = [text for text in page.console_errors if not any(m in text for m in NETWORK_ERROR_MARKERS)]
    return page.page_errors + console


def screenshot(page, name: str) -> Path:
    """Full-page PNG ``screenshots/<name>.png`` (folder created, gitignored); returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
