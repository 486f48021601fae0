"""Browser tier: Playwright driving Debian's Chromium against one real `streamlit run`.

Fixtures
- ``streamlit_server`` (session): base URL of a `streamlit run app.py` on a free loopback port,
  started once per test session and stopped (whole process group) at the end.
- ``browser`` (session): a headless Chromium launched from ``/usr/bin/chromium``.
- ``running_streamlit(extra_env)``: the same server as a context manager, for a test module that needs a
  second one (another ``BAROMETRE_DATA_DIR``); ``pages_on(browser, url)`` is ``page_at`` for it.
- ``page_at`` (function): factory ``page_at(path="/", viewport=DESKTOP)`` giving a fresh
  context + page (locale fr-FR) already navigated to ``streamlit_server + path``; it collects
  ``page.console_errors``, ``page.page_errors`` and ``page.external_requests`` (they fail: no internet
  here); ``app_errors(page)`` gives the errors that are the app's own.
- ``axe_source`` (session): the text of axe-core's ``axe.min.js``, the version pinned in
  ``vendor/package.json``; installed with ``npm install --prefix tests/browser/vendor`` when missing
  (fresh clone, CI). ``vendor/node_modules/`` is gitignored.

Helpers live in ``streamlit_page.py`` (``from .streamlit_page import wait_for_app, ...``):
``wait_for_app``, ``assert_no_exception``, ``app_errors``, ``screenshot``, and the viewports.

The app directory is the project root unless ``BAROMETRE_APP_DIR`` names another one.
Outside CI, the tests skip when Chromium or app.py is missing; with ``CI`` set they fail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .streamlit_page import DESKTOP, PROJECT_ROOT

APP_DIR = Path(os.environ.get("BAROMETRE_APP_DIR", PROJECT_ROOT)).resolve()
CHROMIUM = Path("/usr/bin/chromium")

# Playwright cannot download its own browser here; Debian's Chromium needs these flags when run as
# root in a sandboxed container with no network but the loopback (without the background-networking
# ones it keeps opening connections that the machine refuses).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # No DNS for any host but loopback: the machine has no internet, tests must not depend on it, and
    # a page's external fetch (deck.gl's basemap style) fails at once, with no packet sent.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

SERVER_START_TIMEOUT_S = 60.0
NAVIGATION_TIMEOUT_MS = 30_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip on a developer machine that lacks something; in CI a missing piece is a failure."""
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so browser tests must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Ports of servers this process has stopped, taken again by the next server. The test modules that start a server
#: of their own run one after another, so they follow one another on one address: a browser context that has loaded
#: the app from it keeps Streamlit's scripts in its cache for the next module's server (the same files), where a new
#: port made every context fetch and compile them again — measured on /methodologie, in a context warm for another
#: port: 2,6–2,8 s of machine CPU for that first load against 1,5 s (a new context: 3,0–3,2 s).
_PORTS_RENDUS: list[int] = []


def _port_for_a_server() -> int:
    while _PORTS_RENDUS:
        port = _PORTS_RENDUS.pop()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    return _free_port()


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def running_streamlit(extra_env: dict[str, str] | None = None, script: str = "app.py") -> Iterator[str]:
    """Start `streamlit run app.py` on a free loopback port (``extra_env`` added to its environment, e.g.
    another ``BAROMETRE_DATA_DIR``); yield its base URL once /_stcore/health says ok; stop it after.
    app.py is the one entry point: the server carries the session routes (barometre/pilotage/sessions.py)."""
    if not (APP_DIR / "app.py").is_file():
        _unavailable(f"no app.py in {APP_DIR} (set BAROMETRE_APP_DIR to another app folder)")
    port = _port_for_a_server()
    base_url = f"http://127.0.0.1:{port}"
    options = {
        "server.headless": "true",
        "server.address": "127.0.0.1",  # loopback only
        "server.port": port,
        "browser.gatherUsageStats": "false",
        "server.fileWatcherType": "none",  # no watcher threads polling the tree on 2 cores
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        *(f"--{k}={v}" for k, v in options.items()),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    # A file, not a pipe: nobody reads the server's output while tests run, and a full pipe would
    # block the server. Its tail is shown if the server does not come up.
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(
        command,
        cwd=APP_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own process group, so teardown ends every child too
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _health_ok(f"{base_url}/_stcore/health"):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = Path(log.name).read_text(errors="replace")[-3000:]
                state = f"exited with {process.returncode}" if process.poll() is not None else "timed out"
                pytest.fail(
                    f"streamlit server {state} before /_stcore/health said ok:\n{tail}", pytrace=False
                )
            time.sleep(0.2)
        yield base_url
    finally:
        _stop_process_group(process)
        _PORTS_RENDUS.append(port)
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[str]:
    """Base URL (no trailing slash) of `streamlit run app.py`, one server for the whole session."""
    with running_streamlit() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, one per session (Playwright's own browser builds can't be fetched)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: `apt-get install chromium` (done by .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_at(browser, streamlit_server) -> Iterator[Callable]:
    yield from pages_on(browser, streamlit_server)


#: Browser contexts that a finished test gave back, per browser, cookies cleared, each with one tab kept on
#: about:blank: the next test's pages open in one of them, in that tab. Measured on /qualite_de_vie (machine CPU per
#: load, the suite being CPU-bound on two cores): in a new context 6,2 s (the app's scripts fetched and compiled
#: again), in a new tab of a context that has loaded the app 6,9–7,7 s against 4,3–4,7 s in a tab that has loaded a
#: page before (about:blank between the two costs nothing). What a context keeps besides its cache is Streamlit's
#: theme choice in localStorage (« System », which no test changes); a tab keeps nothing of a page once it has left it.
_FREE_CONTEXTS: dict[int, list] = {}

#: Every test's browser context: French, Paris time, and « reduce motion » asked of the page, as a visitor may (the OS
#: setting): Streamlit then skips the fade-in of each element as it enters and the tabs' sliding, which nothing here
#: asserts. Measured on /qualite_de_vie, /territoires and /methodologie (three loads each, two rounds, interleaved):
#: 3,1 → 2,8 s of machine CPU per load, the compositor (GPU process) 0,36–0,46 → 0,14–0,16 s. The load test and
#: `barometre bench --browser` keep the default, since they measure what a visitor waits for.
CONTEXTE = {"locale": "fr-FR", "timezone_id": "Europe/Paris", "reduced_motion": "reduce"}


def _take_context(browser):
    free = _FREE_CONTEXTS.setdefault(id(browser), [])
    if free:
        return free.pop()
    return browser.new_context(viewport=DESKTOP, **CONTEXTE)


def _give_back(browser, context) -> None:
    """Leave the context's first tab on about:blank (its Streamlit session ends with the page), close the others,
    clear cookies (sessions, XSRF) and permissions, then keep the context for the next test; a context that will not
    be cleared is closed instead."""
    try:
        first, *others = context.pages or [None]
        for page in others:
            page.close()
        if first is not None:
            first.goto("about:blank")
        context.clear_cookies()
        context.clear_permissions()
    except Exception:  # noqa: BLE001 - a broken context is not reused
        with contextlib.suppress(Exception):
            context.close()
        return
    _FREE_CONTEXTS.setdefault(id(browser), []).append(context)


def _is_external(page, url: str) -> bool:
    """A request to another host than the app's the tab is on now (blob: and data: URLs are the page's own)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != page.app_host


def app_tab(context, app_host: str):
    """The context's kept tab (its recorders emptied), or a new one with them."""
    if context.pages:
        page = context.pages[0]
    else:
        page = context.new_page()
        page.on("request",
                lambda request: _is_external(page, request.url) and page.external_requests.append(request.url))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and page.console_errors.append((msg.text, msg.location.get("url", "")))
            ),
        )
        page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.app_host = app_host
    page.console_errors = []
    page.page_errors = []
    page.external_requests = []
    return page


def pages_on(browser, streamlit_server: str) -> Iterator[Callable]:
    """Factory: ``page_at(path="/", viewport=DESKTOP)`` -> a Page opened on the app, alone in its context (a
    browser of its own: its own cookies), a context given back once the test is over (``_FREE_CONTEXTS``).

    The page records ``console_errors`` ((text, url) pairs), ``page_errors`` (uncaught JS errors) and
    ``external_requests``: requests to any other host, which fail at once (see CHROMIUM_ARGS), e.g. the
    basemap style a deck.gl map would load (the maps are Vega-Lite now: a test asks that nothing is fetched).
    """
    app_host = urlsplit(streamlit_server).netloc
    contexts = []

    def open_page(path: str = "/", viewport: dict[str, int] = DESKTOP):
        context = _take_context(browser)
        context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        page = app_tab(context, app_host)
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
        page.goto(streamlit_server + path, wait_until="domcontentloaded")
        return page

    yield open_page
    for context in contexts:
        _give_back(browser, context)


VENDOR_DIR = Path(__file__).resolve().parent / "vendor"  # package.json pins the tools; node_modules/ gitignored
AXE_JS = VENDOR_DIR / "node_modules" / "axe-core" / "axe.min.js"
NPM_INSTALL_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The source of axe-core (accessibility rules), installed from the npm registry when missing.

    CI starts from a fresh clone: ``npm install --prefix tests/browser/vendor`` then brings the version
    pinned in ``vendor/package.json`` (and ``package-lock.json``). A file lock keeps two test runs from
    installing at once.
    """
    if not AXE_JS.is_file():
        import fcntl
        import shutil

        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm not found: it installs axe-core for the accessibility tests (`apt-get install npm`)")
        with (Path(tempfile.gettempdir()) / "barometre-vendor-npm.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE_JS.is_file():
                command = [npm, "install", "--prefix", str(VENDOR_DIR), "--no-audit", "--no-fund", "--no-progress"]
                try:
                    result = subprocess.run(command, cwd=VENDOR_DIR, stdin=subprocess.DEVNULL, capture_output=True,
                                            text=True, timeout=NPM_INSTALL_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    _unavailable(f"`{' '.join(command)}` took more than {NPM_INSTALL_TIMEOUT_S} s")
                if result.returncode != 0 or not AXE_JS.is_file():
                    _unavailable(f"`{' '.join(command)}` failed ({result.returncode}):\n"
                                 f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return AXE_JS.read_text(encoding="utf-8")
