"""Helpers for browser tests: wait for a Streamlit run, check for exceptions, take screenshots.

Test modules import them relatively: ``from .streamlit_page import wait_for_app, ...``.
No streamlit import here: these drive the page from the outside, through Playwright.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "screenshots"  # gitignored

DESKTOP = {"width": 1280, "height": 720}
FULL_HD = {"width": 1920, "height": 1080}
VIEWPORTS = {"1280x720": DESKTOP, "1920x1080": FULL_HD}

# Two cores, one of them busy with pytest + Chromium: the first run of a page (DuckDB views,
# Altair charts) can take a while, so app waits are generous but always bounded.
APP_RUN_TIMEOUT_MS = 60_000

# Console errors that are not the app's bugs: on a deep link (/territoires) Streamlit's frontend probes
# <path>/_stcore/health and host-config before the root ones, and gets 404s by design.
STREAMLIT_PROBE_PATHS = ("/_stcore/health", "/_stcore/host-config")

# Streamlit marks stApp with its connection and script state ("initial" before the first run, then
# running / notRunning). Elements still render for a few hundred ms after "notRunning" (stSkeleton
# placeholders; seen on the real app), so the app counts as ready once it has been connected, not
# running, without skeleton nor 'Running…' icon, for SETTLE_MS in a row: that also rides over the
# short "notRunning" gap before a rerun that a widget asks for on load.
SETTLE_MS = 300
_APP_SETTLED_JS = """(settleMs) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = app !== null
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && ['notRunning', 'compilationError'].includes(app.getAttribute('data-test-script-state'))
        && document.querySelector('[data-testid="stSkeleton"]') === null
        && document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') === null;
    if (!idle) {
        window.__barometreIdleSince = undefined;
        return false;
    }
    window.__barometreIdleSince ??= performance.now();
    return performance.now() - window.__barometreIdleSince >= settleMs;
}"""


def wait_for_app(page, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """Return once the app is connected, its script run has finished and its elements are drawn.

    Call it again after each interaction that triggers a rerun (widget change, navigation).
    """
    page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=timeout_ms)
    page.evaluate("() => { window.__barometreIdleSince = undefined; }")
    try:
        page.wait_for_function(_APP_SETTLED_JS, arg=SETTLE_MS, timeout=timeout_ms, polling=50)
    except PlaywrightTimeoutError:
        state = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                return {
                    connection: app && app.getAttribute('data-test-connection-state'),
                    script: app && app.getAttribute('data-test-script-state'),
                    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
                };
            }"""
        )
        pytest.fail(f"app at {page.url} not settled after {timeout_ms} ms: {state}", pytrace=False)


def assert_no_exception(page) -> None:
    """Fail with the exception's text if Streamlit shows an error block (st.exception / traceback)."""
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail("Streamlit showed an exception:\n" + "\n---\n".join(exceptions.all_inner_texts()))


def app_errors(page) -> list[str]:
    """Uncaught page errors and console errors that are the app's own.

    Left out: Streamlit's base-path probes (404 by design on deep links), the failed loads of other
    hosts (no DNS for them in the test Chromium), and the "Failed to fetch" that the frontend then
    logs (deck.gl's basemap style, for one) when such a request was made.
    """
    local = urlsplit(page.url).netloc
    errors = list(page.page_errors)
    for text, url in page.console_errors:
        if url.endswith(STREAMLIT_PROBE_PATHS) or (url and urlsplit(url).netloc != local):
            continue
        if page.external_requests and "Failed to fetch" in text:
            continue
        errors.append(f"{text} [{url}]" if url else text)
    return errors


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """PNG ``screenshots/<name>.png`` (folder created, gitignored) of what the viewport shows.

    Streamlit scrolls inside ``stMain``, not the document, so Playwright's own full_page option
    gives only the viewport: with ``full_page=True`` the viewport is grown to the content's height
    for the shot (the app re-lays out, so it is waited for again), then restored.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    viewport = page.viewport_size
    if full_page and viewport:
        height = page.evaluate(
            """() => Math.max(...['stMain', 'stSidebarContent'].map(
                id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0))"""
        )
        page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height)})
        wait_for_app(page)
        page.screenshot(path=str(path))
        page.set_viewport_size(viewport)
        wait_for_app(page)
    else:
        page.screenshot(path=str(path))
    return path
