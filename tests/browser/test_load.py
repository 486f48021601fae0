"""Measured quality, item 3: many people use the dashboard at once, on one `streamlit run`.

One headless Chromium, one browser context per user (Playwright's async API, one asyncio task each), all on
/qualite_de_vie: each opens the page, then changes the indicator with the mouse. The suite runs four users
× two changes (a burst that still overlaps every script run; with eight, the test ran about a minute with both
cores full — eight new browser contexts at ≈ 6 s of CPU each — and the tests run beside it took up to ten times
their usual time); the
README's load figure is measured with ``BAROMETRE_CHARGE_UTILISATEURS=20 BAROMETRE_CHARGE_CHANGEMENTS=3``. The time
from the click on an option to the updated chart (heading and every chart's text alternative name the
new indicator, all charts drawn, the script run finished) is measured; its p95 is printed (``-s``) and
written to ``screenshots/load_report.json``. Speed is measured, not asserted: the test asserts that
every change completed, within the time bound, without a Streamlit exception or an app JS error.

All traffic goes to the loopback server the ``streamlit_server`` fixture starts; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import threading
import time
from urllib.parse import urlsplit

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS, _unavailable
from .streamlit_page import DESKTOP, SCREENSHOT_DIR, app_errors, wait_for_app_async

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USERS = int(os.environ.get("BAROMETRE_CHARGE_UTILISATEURS", "4"))
CHANGES_PER_USER = int(os.environ.get("BAROMETRE_CHARGE_CHANGEMENTS", "2"))
PAGE = "/qualite_de_vie"
SELECTBOX = "Indicateur"
ARRIVAL_SPREAD_S = 0.5  # user i opens the page i × this after the first: a burst, not one instant
STEP_TIMEOUT_MS = 120_000  # one page load or one filter change, under twenty-fold load on two cores
TOTAL_BUDGET_S = 180  # the whole scenario; the test fails past it rather than hang

# The chart shows the new indicator: the subheader and every visible chart's aria-label (Streamlit's
# `alt`) name it, every chart is drawn, and the script run is over (no stale element left).
_UPDATED_JS = """(libelle) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidgetRunningIcon"]')) return false;
    const titles = [...document.querySelectorAll('[data-testid="stMain"] h2')].map(h => h.innerText);
    if (!titles.some(t => t.startsWith(libelle))) return false;
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter(c => c.getClientRects().length > 0);
    return charts.length > 0 && charts.every(c => (c.getAttribute('aria-label') || '').includes(libelle)
                                                  && c.querySelector('svg, canvas'));
}"""


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def _user(number: int, browser, base_url: str, report: dict) -> None:
    await asyncio.sleep(number * ARRIVAL_SPREAD_S)
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    page.page_errors, page.console_errors, page.external_requests = [], [], []
    host = urlsplit(base_url).netloc
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error"
            and page.console_errors.append((msg.text, msg.location.get("url", ""))))
    page.on("request", lambda request: urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).netloc != host and page.external_requests.append(request.url))
    user = {"user": number, "load_s": None, "changes": [], "exceptions": [], "errors": []}
    report["users"].append(user)
    try:
        start = time.monotonic()
        await page.goto(base_url + PAGE, wait_until="domcontentloaded")
        await wait_for_app_async(page, STEP_TIMEOUT_MS)
        user["load_s"] = round(time.monotonic() - start, 3)
        combobox = page.locator(f'input[role="combobox"][aria-label="{SELECTBOX}"]')
        for _ in range(CHANGES_PER_USER):
            current = await combobox.input_value()
            await combobox.click()
            options = page.locator('[role="listbox"] [role="option"]')
            await options.first.wait_for(state="visible")
            texts = await options.all_inner_texts()
            target = texts[(texts.index(current) + 1) % len(texts) if current in texts else 0]
            libelle = target.rsplit(" (", 1)[0]
            start = time.monotonic()
            await page.locator('[role="listbox"]').get_by_role("option", name=target, exact=True).click()
            await page.wait_for_function(_UPDATED_JS, arg=libelle, timeout=STEP_TIMEOUT_MS, polling=50)
            user["changes"].append({"to": target, "seconds": round(time.monotonic() - start, 3)})
            await wait_for_app_async(page, STEP_TIMEOUT_MS)  # settled before the next click
            exceptions = page.locator('[data-testid="stException"]')
            if await exceptions.count():
                user["exceptions"] += await exceptions.all_inner_texts()
    except Exception as error:  # recorded, and asserted on below: one user's failure must not hide others'
        user["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    finally:
        user["errors"] += app_errors(page)
        await context.close()


async def _scenario(base_url: str, report: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            users = [_user(i, browser, base_url, report) for i in range(USERS)]
            await asyncio.wait_for(asyncio.gather(*users), timeout=TOTAL_BUDGET_S)
        except TimeoutError:
            report["timed_out"] = True
        finally:
            await browser.close()


def test_users_change_a_filter_at_once(streamlit_server):
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: `apt-get install chromium` (done by .ci/run)")
    report: dict = {"page": PAGE, "users_count": USERS, "changes_per_user": CHANGES_PER_USER, "users": [],
                    "timed_out": False}
    failure: list[BaseException] = []

    def run() -> None:  # own thread: the session's sync Playwright must not share an event loop with it
        try:
            asyncio.run(_scenario(streamlit_server, report))
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(error)

    started = time.monotonic()
    worker = threading.Thread(target=run, name="load-test", daemon=True)
    worker.start()
    worker.join(TOTAL_BUDGET_S + 60)
    report["wall_s"] = round(time.monotonic() - started, 1)
    assert not worker.is_alive(), f"load scenario still running after {TOTAL_BUDGET_S + 60} s"
    if failure:
        raise failure[0]

    latencies = [c["seconds"] for u in report["users"] for c in u["changes"]]
    loads = [u["load_s"] for u in report["users"] if u["load_s"] is not None]
    if latencies:
        report["change_to_chart_s"] = {
            "count": len(latencies), "p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95),
            "max": max(latencies), "mean": round(statistics.fmean(latencies), 3)}
    if loads:
        report["page_load_s"] = {"count": len(loads), "p50": _percentile(loads, 50),
                                 "p95": _percentile(loads, 95), "max": max(loads)}
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "load_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nload: {USERS} users × {CHANGES_PER_USER} indicator changes on {PAGE} in {report['wall_s']} s; "
          f"change→chart {report.get('change_to_chart_s')}; page load {report.get('page_load_s')}")

    assert not report["timed_out"], f"scenario not done within {TOTAL_BUDGET_S} s"
    problems = {u["user"]: u["errors"] + u["exceptions"] for u in report["users"] if u["errors"] or u["exceptions"]}
    assert not problems, f"errors under load: {problems}"
    assert len(report["users"]) == USERS
    assert len(latencies) == USERS * CHANGES_PER_USER, (
        f"{len(latencies)} of {USERS * CHANGES_PER_USER} changes completed")
