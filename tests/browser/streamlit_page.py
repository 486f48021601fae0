"""Helpers for browser tests: wait for a Streamlit run, check for exceptions, take screenshots.

Test modules import them relatively: ``from .streamlit_page import wait_for_app, ...``.
Also: ``app_pages()`` (every ``st.Page`` of app.py, read with ``ast``), ``app_menu_sections()`` (its menu's
section headings), selectbox helpers (``combobox``, ``selectbox_value``, ``choose_option``, ``next_option``),
``headings``, ``chart_labels``, ``sign_in`` and ``submit_form`` (the sidebar's HTTP forms), and
``wait_for_app_async`` for Playwright's async API.
No streamlit import here: these drive the page from the outside, through Playwright.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "screenshots"  # gitignored

#: A commune map (barometre.charts.indicateurs.choropleth): the Vega-Lite chart whose marks are geoshapes.
CARTE = '[data-testid="stVegaLiteChart"]:has([aria-roledescription="geoshape"])'

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
# One in-page poll per wait (no round trip but the wait itself): ``token`` is new for each wait, so an idle
# stamp left by a previous wait (or a previous document) never counts for this one.
_APP_SETTLED_JS = """({settleMs, token}) => {
    if (window.__barometreWaitToken !== token) {
        window.__barometreWaitToken = token;
        window.__barometreIdleSince = undefined;
    }
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


_wait_count = itertools.count()


def _settle_arg() -> dict:
    return {"settleMs": SETTLE_MS, "token": f"{os.getpid()}-{next(_wait_count)}"}


def wait_for_app(page, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """Return once the app is connected, its script run has finished and its elements are drawn.

    Call it again after each interaction that triggers a rerun (widget change, navigation).
    """
    try:
        page.wait_for_function(_APP_SETTLED_JS, arg=_settle_arg(), timeout=timeout_ms, polling=50)
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


#: The last segment of the document's path ('' on Accueil): where the app is, whether a load or a page switch took it.
_PAGE_IS_JS = "(p) => (location.pathname.split('/').filter(Boolean).pop() || '') === p"


def go_to(page, base_url: str, path: str) -> str:
    """Open ``path`` of the app as a user does, then wait for it to settle: by the sidebar menu's link when the page
    is in the menu and ``path`` carries no query — Streamlit then switches page inside the open document (measured
    on four pages: 1,4 s of Chromium's and the server's CPU against 3,2 s for loading the address) — else by loading
    the address. Returns how: ``"menu"`` or ``"adresse"``."""
    url_path = path.split("?", 1)[0].strip("/")
    link = page.locator(f'[data-testid="stSidebar"] a[href="{url_path}"]')
    if "?" not in path and link.count():
        for essai in range(3):  # a click lost while the sidebar settles (seen with the sign-in form) is made again
            link.first.click()
            try:
                page.wait_for_function(_PAGE_IS_JS, arg=url_path, polling=50, timeout=15_000 * (essai + 1))
                break
            except PlaywrightTimeoutError:
                if essai == 2:
                    pytest.fail(f"three clicks on the menu's link to /{url_path} left the app on {page.url}",
                                pytrace=False)
        how = "menu"
    else:
        page.goto(base_url + path, wait_until="domcontentloaded")
        how = "adresse"
    wait_for_app(page)
    return how


def assert_no_exception(page) -> None:
    """Fail with the exception's text if Streamlit shows an error block (st.exception / traceback)."""
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail("Streamlit showed an exception:\n" + "\n---\n".join(exceptions.all_inner_texts()))


def app_errors(page) -> list[str]:
    """Uncaught page errors and console errors that are the app's own.

    Left out: Streamlit's base-path probes (404 by design on deep links), the failed loads of other
    hosts (no DNS for them in the test Chromium), and the "Failed to fetch" that the frontend then
    logs (deck.gl's basemap style, for one) when such a request was made. Also left out: a download
    button's file that a newer rerun of the same session has already replaced (Streamlit frees the
    previous run's media; the frontend's check of the superseded URL then gets a 404 under heavy load).
    The button shown carries the new file: nothing is lost for the user.
    """
    local = urlsplit(page.url).netloc
    errors = list(page.page_errors)
    for text, url in page.console_errors:
        if url.endswith(STREAMLIT_PROBE_PATHS) or (url and urlsplit(url).netloc != local):
            continue
        if "Download Button source error" in text or ("/media/" in url and "404" in text):
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


# ---------------------------------------------------------------- the app's pages, widgets, views
def app_dir() -> Path:
    """The app folder the ``streamlit_server`` fixture runs (same rule as conftest's APP_DIR)."""
    import os

    return Path(os.environ.get("BAROMETRE_APP_DIR", PROJECT_ROOT)).resolve()


class AppPage(NamedTuple):
    url_path: str
    title: str
    default: bool  # Streamlit serves the default page at "/" only: its url_path is not routed

    @property
    def path(self) -> str:
        """The address the app's own links use for this page."""
        return "/" if self.default else f"/{self.url_path}"


def app_pages(app_py: Path | None = None) -> list[AppPage]:
    """``AppPage(url_path, title, default)`` of every ``st.Page(...)`` in app.py, in its order, read with ``ast``
    (no streamlit import), so that a page added to app.py is covered by the tests that loop on pages.

    A page without ``url_path`` gets Streamlit's default: its file name without extension.
    """
    import ast

    source = (app_py or app_dir() / "app.py").read_text(encoding="utf-8")
    pages = []
    calls = sorted((n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)),
                   key=lambda n: (n.lineno, n.col_offset))
    for node in calls:
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "Page"):
            continue
        kwargs = {k.arg: k.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        target = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        url_path = kwargs["url_path"].value if "url_path" in kwargs else Path(str(target)).stem
        title = kwargs["title"].value if "title" in kwargs else url_path
        default = bool(kwargs["default"].value) if "default" in kwargs else False
        pages.append(AppPage(url_path, title, default))
    return pages


def app_menu_sections(app_py: Path | None = None) -> list[str]:
    """The section headings of app.py's sidebar menu: the keys of its ``PAGES`` dict, in order (``ast``)."""
    import ast

    source = (app_py or app_dir() / "app.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets)
                and isinstance(node.value, ast.Dict)):
            return [key.value for key in node.value.keys if isinstance(key, ast.Constant)]
    return []


def combobox(page, label: str):
    """The input of the Streamlit selectbox labelled ``label`` (a react-aria combobox)."""
    return page.locator(f'input[role="combobox"][aria-label="{label}"]')


def selectbox_value(page, label: str) -> str:
    return combobox(page, label).input_value()


def dropdown_options(page, label: str) -> list[str]:
    """Open the selectbox's list and return the option texts it shows (the list is virtualised: the
    first dozen or so); the list is left open."""
    combobox(page, label).click()
    options = page.locator('[role="listbox"] [role="option"]')
    options.first.wait_for(state="visible")
    return options.all_inner_texts()


def choose_option(page, label: str, option: str | None = None, *, index: int | None = None) -> str:
    """Pick ``option`` (exact text) or the option at ``index`` of the selectbox ``label`` with the mouse,
    wait for the rerun it triggers, and return the chosen text."""
    texts = dropdown_options(page, label)
    if option is None:
        if index is None:
            raise ValueError("give option or index")
        option = texts[index]
    if option not in texts:  # virtualised list: type to bring the option into the rendered rows
        combobox(page, label).fill(option)
    page.locator('[role="listbox"]').get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)
    return option


def next_option(page, label: str) -> str:
    """Pick the option after the current one (wrapping) in selectbox ``label``; return its text."""
    current = selectbox_value(page, label)
    texts = dropdown_options(page, label)
    if len(texts) < 2:
        pytest.fail(f"selectbox {label!r} offers fewer than two options: {texts}")
    position = texts.index(current) if current in texts else -1
    return choose_option(page, label, texts[(position + 1) % len(texts)])


def headings(page, levels: str = "h1,h2,h3,h4") -> list[str]:
    """Texts of the main area's headings, in document order."""
    return page.locator(f'[data-testid="stMain"] :is({levels})').all_inner_texts()


def chart_labels(page) -> list[str]:
    """aria-label of each Vega-Lite chart on the page (Streamlit puts the ``alt`` text there)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .map(c => c.getAttribute('aria-label') || '')"""
    )


async def wait_for_app_async(page, timeout_ms: int = APP_RUN_TIMEOUT_MS) -> None:
    """``wait_for_app`` for Playwright's async API (load tests): same readiness rule, raises on timeout."""
    await page.wait_for_function(_APP_SETTLED_JS, arg=_settle_arg(), timeout=timeout_ms, polling=50)


def sign_in(page, login: str, password: str, timeout_ms: int = 90_000) -> None:
    """Sign in through the sidebar's HTTP form (« Se connecter pour saisir »), as a user does; return once
    the page the form sent back to has settled (:func:`submit_form`, which says what the form held if its
    button posts nothing)."""
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Se connecter pour saisir").click()
    identifiant = sidebar.locator('input[name="identifiant"]')
    identifiant.wait_for(state="visible", timeout=60_000)
    identifiant.fill(login)
    sidebar.locator('input[name="mot_de_passe"]').fill(password)
    submit_form(page, sidebar.get_by_role("button", name="Se connecter"), timeout_ms)


def submit_form(page, button, timeout_ms: int = 90_000) -> None:
    """Click an HTML form's submit button (the sidebar's sign-in and sign-out, posted to the server's own
    routes), then wait for the page the server sends back to settle. Which step did not happen is said: the
    form not posted, or the post not answered (rather than one « navigation timeout »).

    A click that posts nothing is made again, twice at most, as a person does when nothing happens: seen in
    about one run in five on a loaded machine, the button focused (so pressed) but no post sent — the press
    and the release landing on different points while the sidebar settles — with the form valid and whole."""
    def posted(request) -> bool:
        return request.method == "POST" and request.frame == page.main_frame

    with page.expect_navigation(wait_until="commit", timeout=timeout_ms):  # the page the server sends back
        try:
            with page.expect_response(lambda r: posted(r.request), timeout=timeout_ms) as answer:
                for _attempt in range(3):
                    try:
                        with page.expect_request(posted, timeout=10_000):
                            button.click()
                        break
                    except PlaywrightTimeoutError:
                        continue
                else:
                    etat = page.evaluate("""() => [...document.querySelectorAll('form')].map(f => ({
                        action: f.action, valid: f.checkValidity(),
                        champs: [...f.elements].map(e => [e.name, e.type, (e.value || '').length])}))""")
                    screenshot(page, "formulaire-non-poste")
                    pytest.fail(f"three clicks on the form's button on {page.url} posted nothing: {etat}",
                                pytrace=False)
        except PlaywrightTimeoutError:
            pytest.fail(f"the form was posted from {page.url} but not answered within {timeout_ms} ms", pytrace=False)
        assert answer.value.status in (200, 302, 303), f"the form's post was answered {answer.value.status}"
    wait_for_app(page)
