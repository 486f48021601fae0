"""Measured quality, item 2: accessibility in a real browser.

- axe-core (installed from the npm registry by the ``axe_source`` fixture) on every page of app.py, in
  normal and projection modes, every tab of the page shown, on a server whose store holds typed content in every
  text field (tests/browser/semis.py, as the texte walk's): the grille's rows, the actions and milestones, the
  évaluation's sections, the panel's and the label's lists are scanned with content, not empty (seen so: the
  évaluation's engagement headings skipped a level once an action was entered); no violation of impact "serious" or
  "critical", nor of the rules in BLOCKING_RULES whatever their impact (heading-order: a skipped heading
  level breaks the outline that screen-reader users move through). Violations already known are listed
  in KNOWN_ISSUES, each matched on its cause (not on a whole page), and checked by its own
  ``xfail(strict=True)`` test: when the product fixes it, that test passes, strict xfail turns it into a
  failure, and the entry is to be removed.
- Keyboard only: from the page load, Tab reaches the sidebar's "Échelle" and "Territoire" selectboxes
  and the page's main selectbox, which the keyboard then operates.
- Every chart and map (both Vega-Lite) has a text alternative.
- The document is declared French (``<html lang="fr">``) on every page, read from the same loads (each page's own
  first load: the projection-mode ones, loaded by address; the normal-mode pages are reached by the menu).
- Every page opens at both screen sizes (1280×720, then resized to 1920×1080): no exception, no st.error, no
  JS error of the app's, a title, the sidebar with every page of app.py under its section headings; a
  screenshot of each size. Read from the normal-mode load, before axe runs (axe then sees it at 1920×1080; the
  projection-mode loads, at 1280×720).

Every violation (all impacts) is written to ``screenshots/axe_report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from .conftest import CONTEXTE, NAVIGATION_TIMEOUT_MS, app_tab
from .semis import serveur_seme
from .streamlit_page import (
    DESKTOP,
    SCREENSHOT_DIR,
    VIEWPORTS,
    app_errors,
    app_menu_sections,
    app_pages,
    assert_no_exception,
    combobox,
    go_to,
    headings,
    screenshot,
    selectbox_value,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PAGES = app_pages()
MENU_SECTIONS = app_menu_sections()
MODES = ("normal", "projection")
BLOCKING_IMPACTS = ("serious", "critical")
# axe rates heading-order "moderate"; the outline (h1 page title, h2 sections, h3 within them) is what
# screen-reader users jump through, and the sidebar menu's sections are h2s too: a skipped level fails.
BLOCKING_RULES = ("heading-order",)
CHART_RENDER_TIMEOUT_MS = 15_000
LANG_TIMEOUT_MS = 40_000
MAX_TABS = 60  # Tab presses allowed to reach the three selectboxes

# Facts gathered in the page about each node axe flags: enough to tell a known cause from a new one.
_NODE_FACTS_JS = """(violations) => violations.map(v => v.nodes.map(n => {
    const sel = n.target.length === 1 && typeof n.target[0] === 'string' ? n.target[0] : null;
    const el = sel ? document.querySelector(sel) : null;
    const caption = el && el.closest('[data-testid="stCaptionContainer"]');
    return {
        found: el !== null,
        path: location.pathname,
        tag: el ? el.tagName.toLowerCase() : '',
        in_sidebar: !!(el && el.closest('[data-testid="stSidebar"]')),
        caption: caption !== null,
        caption_opacity: caption ? parseFloat(getComputedStyle(caption).opacity) : null,
        disabled_widget_label: !!(el && el.closest('label[data-testid="stWidgetLabel"][disabled]')),
        text: el ? (el.innerText || '').trim().slice(0, 80) : '',
    };
}))"""

_AXE_RUN_JS = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target, impact: n.impact,
                                  summary: (n.failureSummary || '').slice(0, 400)})),
    }));
}"""

# Text alternative of every chart and map: its own aria-label or one of an ancestor (what assistive
# technology announces for role="graphics-document" / role="figure").
_CHARTS_JS = """() => {
    const label = el => { const a = el.closest('[aria-label]'); return a ? a.getAttribute('aria-label').trim() : ''; };
    const visible = el => el.getClientRects().length > 0;
    const kind = el => el.querySelector('[aria-roledescription="geoshape"]') ? 'carte' : 'vega';
    return [...document.querySelectorAll('[data-testid="stVegaLiteChart"], .vega-embed')]
        .filter(visible).map(el => ({kind: kind(el), label: label(el), rendered: !!el.querySelector('svg, canvas'),
                                     role: el.getAttribute('role')}));
}"""

# What the page shows at one screen size, in one round trip (texts as Playwright's all_inner_texts gives them;
# "visible" as its is_visible: a non-empty box and not visibility:hidden).
_SIZE_FACTS_JS = """() => {
    const texts = sel => [...document.querySelectorAll(sel)].map(e => e.innerText);
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const box = sidebar && sidebar.getBoundingClientRect();
    return {
        path: location.pathname,
        page_not_found: document.body.innerText.toLowerCase().includes('page not found'),
        exceptions: texts('[data-testid="stException"]'),
        st_errors: texts('[data-testid="stAlertContentError"]'),
        titles: texts('[data-testid="stMain"] :is(h1,h2)'),
        sidebar_visible: !!(box && box.width > 0 && box.height > 0
                            && getComputedStyle(sidebar).visibility !== 'hidden'),
        sidebar_links: texts('[data-testid="stSidebar"] a'),
        sidebar_sections: texts('[data-testid="stSidebar"] h2'),
    };
}"""

_CHARTS_RENDERED_JS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(el => el.getClientRects().length > 0).every(el => el.querySelector('svg, canvas'))"""


@dataclass(frozen=True)
class KnownIssue:
    """A violation the product has today: rule, the cause it is matched on, and why it is open."""

    rule: str
    matches: Callable[[dict], bool]  # on the node facts gathered by _NODE_FACTS_JS
    reason: str


# Fixed in barometre/ui.py (kept as the place to list a new known issue, each with its own strict xfail):
# captions faded by Streamlit's opacity (now opacity 1), the disabled « Territoire » selectbox (now text),
# /environnement's sections opened with '####' right under the page's h1 (now '##').
KNOWN_ISSUES: dict[str, KnownIssue] = {}


def _known_issue(rule: str, facts: dict) -> str | None:
    for name, issue in KNOWN_ISSUES.items():
        if issue.rule == rule and issue.matches(facts):
            return name
    return None


@dataclass
class Scan:
    """What one page load showed axe and the chart check (every tab of the page visited)."""

    url: str
    violations: list[dict] = field(default_factory=list)  # one entry per (rule, target)
    charts: list[dict] = field(default_factory=list)
    tabs: list[str] = field(default_factory=list)
    exception: str = ""
    errors: list[str] = field(default_factory=list)
    sidebar_visible: bool = False
    lang: str = ""  # document.documentElement.lang once the page has settled
    sizes: dict[str, dict] = field(default_factory=dict)  # normal mode: _SIZE_FACTS_JS (+ errors, shot) per size

    def blocking(self, known: bool) -> list[dict]:
        return [v for v in self.violations
                if (v["impact"] in BLOCKING_IMPACTS or v["rule"] in BLOCKING_RULES)
                and (v["known_issue"] is not None) == known]


def _page_path(app_page, mode: str) -> str:
    return app_page.path + ("?mode=projection" if mode == "projection" else "")


def _look_at_both_sizes(page, app_page, scan: Scan) -> None:
    """The page at 1280×720 (as loaded), then resized to 1920×1080: facts and a screenshot at each. axe then
    scans the page at 1920×1080 (the projection-mode scans see 1280×720): not resized back, one settling less."""
    for name, viewport in VIEWPORTS.items():
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
            wait_for_app(page)
        facts = page.evaluate(_SIZE_FACTS_JS)
        facts["errors"] = app_errors(page)
        facts["shot_bytes"] = screenshot(page, f"page-{app_page.url_path}-{name}").stat().st_size
        scan.sizes[name] = facts


def _wait_for_charts(page) -> None:
    try:
        page.wait_for_function(_CHARTS_RENDERED_JS, timeout=CHART_RENDER_TIMEOUT_MS, polling=100)
    except Exception:  # reported by the chart test as an unrendered chart
        pass


@pytest.fixture(scope="module")
def serveur_rempli(tmp_path_factory, browser) -> Iterator[str]:
    """`streamlit run app.py` on a store filled with typed content (tests/browser/semis.py)."""
    with serveur_seme(tmp_path_factory.mktemp("a11y")) as (base, *_):
        yield base


@pytest.fixture(scope="module")
def scans(browser, serveur_rempli, axe_source):
    """``scans(app_page, mode) -> Scan``: one page load per (page, mode), done on first use, reused by
    the axe, known-issue and chart tests."""
    context = browser.new_context(viewport=DESKTOP, **CONTEXTE)
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    # axe is compiled while the page loads (the server's script run leaves the browser idle), not sent and
    # compiled after it; in the top document only, as when it was evaluated there (frames: axe's own rules).
    context.add_init_script("if (window.top === window.self) {\n" + axe_source + "\n}")
    done: dict[tuple[str, str], Scan] = {}

    def record(page, scan: Scan, where: str) -> None:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(axe_source)
        violations = page.evaluate(_AXE_RUN_JS)
        facts = page.evaluate(_NODE_FACTS_JS, violations)
        seen = {(v["rule"], json.dumps(v["target"])) for v in scan.violations}
        for v, node_facts in zip(violations, facts, strict=True):
            for node, f in zip(v["nodes"], node_facts, strict=True):
                key = (v["id"], json.dumps(node["target"]))
                if key in seen:
                    continue
                seen.add(key)
                scan.violations.append({
                    "rule": v["id"], "impact": node["impact"] or v["impact"], "help": v["help"],
                    "target": node["target"], "summary": node["summary"], "facts": f, "where": where,
                    "known_issue": _known_issue(v["id"], f),
                })
        scan.charts.extend(dict(c, where=where) for c in page.evaluate(_CHARTS_JS))

    app_host = urlsplit(serveur_rempli).netloc

    def get(app_page, mode: str) -> Scan:
        key = (app_page.url_path, mode)
        if key in done:
            return done[key]
        page = app_tab(context, app_host)  # one tab for every load, its recorders emptied (a new tab: ~2,6 s of CPU)
        if page.viewport_size != DESKTOP:
            page.set_viewport_size(DESKTOP)
        # normal mode: by the menu's link once the app is open (a page switch, as a user moves: 1,4 s of CPU against
        # 3,2 s for a load); projection mode (no menu): each page loaded by its address, so every page's first
        # load is still seen once — its language among other things (the document keeps it across page switches).
        go_to(page, serveur_rempli, _page_path(app_page, mode))
        scan = Scan(url=page.url)
        exceptions = page.locator('[data-testid="stException"]')
        scan.exception = "\n".join(exceptions.all_inner_texts()) if exceptions.count() else ""
        scan.sidebar_visible = page.locator('[data-testid="stSidebar"]').is_visible()
        try:  # the app sets it from a script once the page has rendered
            page.wait_for_function("document.documentElement.lang === 'fr'", timeout=LANG_TIMEOUT_MS)
        except Exception:  # reported by the lang test with the value found
            pass
        scan.lang = page.evaluate("document.documentElement.lang")
        if mode == "normal":
            _look_at_both_sizes(page, app_page, scan)
        _wait_for_charts(page)
        record(page, scan, "page")
        tabs = page.locator('[data-testid="stMain"] [role="tab"]')
        for i in range(tabs.count()):
            if tabs.nth(i).get_attribute("aria-selected") == "true":
                continue
            name = tabs.nth(i).inner_text().strip()
            scan.tabs.append(name)
            tabs.nth(i).click()
            _wait_for_charts(page)
            record(page, scan, f"tab {name!r}")
        scan.errors = app_errors(page)
        done[key] = scan
        return scan

    yield get
    context.close()
    report = {f"{path}:{mode}": {"url": s.url, "tabs": s.tabs, "violations": s.violations, "charts": s.charts}
              for (path, mode), s in done.items()}
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    (SCREENSHOT_DIR / "axe_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"- {v['rule']} ({v['impact']}) {v['target']} [{v['where']}] {v['facts']['text']!r}: "
                     f"{v['summary'].splitlines()[-1] if v['summary'] else v['help']}" for v in violations)


# Every page in normal mode, then every page in projection mode: the normal-mode pages are reached by the menu's
# links from one another (projection mode has no menu).
CASES = [pytest.param(p, m, id=f"{p.url_path}-{m}") for m in MODES for p in PAGES]


@pytest.mark.parametrize(("app_page", "mode"), CASES)
def test_no_serious_axe_violation(scans, app_page, mode):
    scan = scans(app_page, mode)
    assert not scan.exception, f"Streamlit exception on {scan.url}:\n{scan.exception}"
    new = scan.blocking(known=False)
    assert not new, f"blocking axe violations (serious, critical, {BLOCKING_RULES}) on {scan.url}:\n{_describe(new)}"


@pytest.mark.parametrize("app_page", PAGES, ids=[p.url_path for p in PAGES])
def test_projection_mode_of_every_page(scans, app_page):
    """The scans' projection loads double as a check of projection mode on every page."""
    scan = scans(app_page, "projection")
    assert not scan.exception, f"Streamlit exception on {scan.url}:\n{scan.exception}"
    assert not scan.sidebar_visible, f"sidebar shown in projection mode on {scan.url}"
    assert scan.errors == [], f"JS errors on {scan.url}"
    assert scans(app_page, "normal").sidebar_visible


@pytest.mark.parametrize(("app_page", "mode"), CASES)
def test_document_is_french_on_every_page(scans, app_page, mode):
    """Screen readers read the page in French: ``lang="fr"`` on every page, in both modes (the scans' loads)."""
    scan = scans(app_page, mode)
    assert scan.lang == "fr", f"lang={scan.lang!r} on {scan.url}"


if KNOWN_ISSUES:  # none today: no test is generated, rather than one skipped for an empty parameter set
    @pytest.mark.parametrize(
        "issue",
        [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=issue.reason), id=name)
         for name, issue in KNOWN_ISSUES.items()],
    )
    def test_known_axe_issue_is_fixed(scans, issue):
        """Strict xfail: passes (and so fails the run) once no page shows the issue any more."""
        found = []
        for app_page in PAGES:
            for mode in MODES:
                found += [dict(v, page=f"{app_page.path} ({mode})") for v in scans(app_page, mode).violations
                          if v["known_issue"] == issue]
        assert not found, f"{issue} still on: " + ", ".join(sorted({v["page"] for v in found}))


@pytest.mark.parametrize(("app_page", "mode"), CASES)
def test_every_chart_has_a_text_alternative(scans, app_page, mode):
    scan = scans(app_page, mode)
    unlabelled = [c for c in scan.charts if not c["label"]]
    unrendered = [c for c in scan.charts if not c["rendered"]]
    assert not unlabelled, f"charts without text alternative on {scan.url}: {unlabelled}"
    assert not unrendered, f"charts never drawn on {scan.url}: {unrendered}"


def test_the_chart_check_sees_charts_and_maps(scans):
    """The text-alternative test is not vacuous: pages do have charts and a commune map."""
    kinds = {c["kind"] for p in PAGES for c in scans(p, "normal").charts}
    assert kinds == {"vega", "carte"}, kinds


@pytest.mark.parametrize("app_page", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_opens_at_both_sizes(scans, app_page):
    """(Was in test_pages_browser.py, on a load of its own: the scans' normal-mode load serves it now.)"""
    scan = scans(app_page, "normal")
    assert urlsplit(scan.url).path == app_page.path, f"{app_page.path} was redirected to {scan.url}"
    assert set(scan.sizes) == set(VIEWPORTS), scan.sizes.keys()
    for name, facts in scan.sizes.items():
        where = f"{scan.url} at {name}"
        assert not facts["page_not_found"], f"'Page not found' on {where}"
        assert not facts["exceptions"], f"Streamlit showed an exception on {where}:\n" + "\n---\n".join(
            facts["exceptions"])
        assert not facts["st_errors"], f"st.error on {where}:\n" + "\n---\n".join(facts["st_errors"])
        assert facts["errors"] == [], f"JS errors on {where}: {facts['errors']}"
        assert [h for h in facts["titles"] if h.strip()], f"/{app_page.url_path} has no title at {name}"
        assert facts["sidebar_visible"], f"no sidebar on {where}"
        assert facts["shot_bytes"] > 0
    # The sidebar's own navigation offers every page of app.py, under its section headings (real <h2>s).
    facts = scan.sizes["1920x1080"]
    links = facts["sidebar_links"]
    # (Administration is listed for signed-in administrators only: tests/test_pages_pilotage.py)
    missing = [p.title for p in PAGES if p.url_path != "administration" and not any(p.title in link for link in links)]
    assert not missing, f"sidebar links {links} lack {missing}"
    sections = facts["sidebar_sections"]
    assert sections == MENU_SECTIONS and len(sections) >= 3, sections


KEYBOARD_CASES = [("qualite_de_vie", "Indicateur"), ("territoires", "Indicateur")]


@pytest.mark.parametrize(("url_path", "main_select"), KEYBOARD_CASES, ids=[c[0] for c in KEYBOARD_CASES])
def test_keyboard_reaches_and_operates_the_selectboxes(page_at, url_path, main_select):
    # A commune, so that "Territoire" offers a choice (alone at the agglomeration level, it is disabled).
    page = page_at(f"/{url_path}?niveau=commune&code=59172")
    wait_for_app(page)
    wanted = ["Échelle", "Territoire", main_select]
    reached: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate("""() => { const e = document.activeElement;
            return {label: e.getAttribute('aria-label'), role: e.getAttribute('role'),
                    sidebar: !!e.closest('[data-testid="stSidebar"]')}; }""")
        if focus["role"] == "combobox":
            reached.append(("sidebar:" if focus["sidebar"] else "main:") + focus["label"])
        if f"main:{main_select}" in reached:
            break
    assert reached[:2] == ["sidebar:Échelle", "sidebar:Territoire"], reached
    assert f"main:{main_select}" in reached, f"{wanted} not all reached in {MAX_TABS} Tab presses: {reached}"

    # The focused selectbox works with the keyboard alone: open, move down, choose.
    before_value, before_headings = selectbox_value(page, main_select), headings(page)
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == main_select
    page.keyboard.press("ArrowDown")
    page.wait_for_selector('[role="listbox"] [role="option"]')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_app(page)
    assert_no_exception(page)
    assert selectbox_value(page, main_select) != before_value
    assert headings(page) != before_headings
    assert combobox(page, "Territoire").input_value() == "Denain"
    assert app_errors(page) == []
