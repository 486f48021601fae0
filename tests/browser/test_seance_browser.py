"""Issue 15 in a real browser: a view embedded in another site's page (``?embed=true`` in an iframe) and the
séance at 1920×1080 in projection mode. (The document declared French on every page: test_accessibility.py,
on the same page loads as the axe scans.)"""

import pytest

from .conftest import CONTEXTE
from .streamlit_page import DESKTOP, FULL_HD, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

EMBED_PATH = "/seance?embed=true&vues=taux_chomage_15_64"


def test_embedded_view_in_an_iframe_has_no_sidebar_and_names_its_source(browser, streamlit_server):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, **CONTEXTE)
    page = context.new_page()
    # another site may frame an embedded view (and only that): the header says so
    entetes = context.request.get(f"{streamlit_server}{EMBED_PATH}").headers
    assert entetes["content-security-policy"].startswith("frame-ancestors *"), entetes
    assert context.request.get(f"{streamlit_server}/seance").headers["content-security-policy"] \
        == "frame-ancestors 'self'"
    # the host page: a routed page (no network), on a network scheme — Chromium refuses any frame-ancestors
    # source to an about:blank parent (opaque origin), which no real site is
    parent = f"{streamlit_server}/site-de-l-agglomeration.html"
    page.route(parent, lambda route: route.fulfill(content_type="text/html", body=(
        f'<!doctype html><html lang="fr"><body><h1>Site de l\'agglomération</h1>'
        f'<iframe title="Chômage" src="{streamlit_server}{EMBED_PATH}" width="900" height="640">'
        "</iframe></body></html>")))
    try:
        page.goto(parent)
        page.wait_for_selector("iframe")
        frame = page.locator("iframe").element_handle().content_frame()
        assert frame is not None and EMBED_PATH.split("?")[0] in frame.url, frame and frame.url
        wait_for_app(frame)
        assert_no_exception(frame)
        frame.wait_for_selector(".vega-embed", timeout=30_000)
        assert frame.locator(".vega-embed").count() == 1  # one view
        sidebar = frame.locator('[data-testid="stSidebar"]')
        assert sidebar.count() == 0 or not sidebar.first.is_visible()
        header = frame.locator('header[data-testid="stHeader"]')
        assert header.count() == 0 or not header.first.is_visible()
        body = frame.locator("body").inner_text()
        assert "Source : INSEE" in body and "Taux de chômage" in body
        assert "Séance —" not in body and "Précédente" not in body  # no séance chrome
        assert frame.evaluate("document.documentElement.lang") == "fr"
        screenshot(page, "embed-iframe")
    finally:
        context.close()


def test_seance_fills_a_1920_screen_in_projection(page_at):
    page = page_at("/seance?mode=projection&vues=population,taux_chomage_15_64&etape=3", viewport=FULL_HD)
    wait_for_app(page)
    assert_no_exception(page)
    page.wait_for_selector(".vega-embed", timeout=30_000)
    chart = page.locator(".vega-embed").first.bounding_box()
    assert chart["width"] >= 0.6 * FULL_HD["width"], chart  # the chart uses the room's screen
    text = page.locator("body").inner_text()
    assert "uv run" not in text and "vue 3 / 3" in text  # the synthesis is step 1
    screenshot(page, "seance-projection-1920")


# What the room sees of one view: the chart's share of the screen height, the smallest text drawn on screen
# (HTML and chart SVG, in screen pixels after the zoom), the footer's box, the operator controls a person
# could see (buttons, fields, expanders whose opacity, all ancestors included, is not zero).
MESURE_JS = r"""() => {
  const vh = innerHeight, vw = innerWidth;
  const onScreen = (r) => r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw;
  const opacity = (el) => {
    let op = 1;
    for (let a = el; a; a = a.parentElement) op *= parseFloat(getComputedStyle(a).opacity);
    return op;
  };
  let smallest = 999, smallText = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('script,style')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || opacity(el) < 0.05) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    if (!onScreen(range.getBoundingClientRect())) continue;
    let size = parseFloat(cs.fontSize) * (el.currentCSSZoom || 1);
    if (el.closest('svg') && el.getScreenCTM) {  // chart text: its size as the screen draws it
      const m = el.getScreenCTM();
      size = parseFloat(cs.fontSize) * Math.hypot(m.a, m.b);
    }
    if (size < smallest) { smallest = size; smallText = n.textContent.trim().slice(0, 60); }
  }
  const chart = [...document.querySelectorAll('.vega-embed')].map(e => e.getBoundingClientRect()).filter(onScreen)
    .reduce((h, r) => Math.max(h, Math.min(r.bottom, vh) - Math.max(r.top, 0)), 0);
  const pied = document.querySelector('.st-key-seance-pied');
  const piedBox = pied ? pied.getBoundingClientRect() : null;
  const controls = [...document.querySelectorAll('button, input, summary, [role="combobox"]')]
    .filter(b => onScreen(b.getBoundingClientRect()) && opacity(b) > 0.05)
    .map(b => (b.innerText || b.getAttribute('aria-label') || b.tagName).trim().slice(0, 40));
  const titre = document.querySelector('.salle-titre');
  const vue = document.querySelector('.st-key-seance-vue');
  return {vh, smallest, smallText, chart, controls, titre: titre ? titre.innerText : "",
          vueBas: vue ? vue.getBoundingClientRect().bottom : 0,
          sousTitre: (document.querySelector('.salle-sous-titre') || {}).innerText || "",
          pied: piedBox && {top: piedBox.top, bottom: piedBox.bottom, texte: pied.innerText}};
}"""


@pytest.mark.parametrize("viewport", [FULL_HD, DESKTOP], ids=["1920x1080", "1280x720"])
def test_every_view_reads_from_the_back_row(page_at, viewport):
    """Issue 20: in projection, every view of the default séance has its chart on at least 60 % of the screen
    height, no text under 28 px at 1080p (18,7 px at 720p: the screen is zoomed to its height), its source in
    a footer fully on screen, and no operator control visible — stepped through with the → key, « données
    attendues » as the last view. The controls appear on hover."""
    page = page_at("/seance?mode=projection", viewport=viewport)
    wait_for_app(page)
    page.wait_for_selector(".st-key-seance-vue .salle-titre", timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    plancher = 28 * viewport["height"] / 1080 - 0.5  # half a pixel for the zoom's rounding
    vues, n = 0, None
    while True:
        m = page.evaluate(MESURE_JS)
        etape = m["sousTitre"].rsplit("vue ", 1)[-1]
        k, n = (int(x) for x in etape.split(" / "))
        assert k == vues + 1, m["sousTitre"]
        name = f"{viewport['width']}-vue-{k:02d}"
        screenshot(page, f"seance-salle-{name}")
        assert m["smallest"] >= plancher, (name, m["smallText"], m["smallest"])
        assert m["pied"] and m["pied"]["top"] >= 0 and m["pied"]["bottom"] <= m["vh"] + 0.5, (name, m["pied"])
        assert not m["controls"], (name, m["controls"])
        assert m["vueBas"] <= m["pied"]["top"] + 1, (name, m["vueBas"], m["pied"])  # nothing hidden by the footer
        if m["titre"].startswith("Données attendues"):
            assert k == n  # its own view, the last one
        elif m["titre"] == "Où en est le territoire ?":
            assert k == 1  # the synthesis opens the séance; its statements are the view, no chart
        else:
            assert m["chart"] >= 0.6 * m["vh"], (name, m["chart"], m["vh"])
            assert m["pied"]["texte"].startswith("Source : ") and "barometre" not in m["pied"]["texte"]
        vues = k
        if k == n:
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(k) => (document.querySelector('.salle-sous-titre') || {}).innerText"
                               "?.endsWith(`vue ${k} / ` + (document.querySelector('.salle-sous-titre')"
                               ".innerText.split(' / ')[1]))", arg=k + 1, timeout=60_000)
        wait_for_app(page)
    assert vues == n and n >= 3
    text = page.locator("body").inner_text()
    assert "uv run" not in text
    # the operator's controls are there, on hover: previous view, leave the projection
    page.hover(".st-key-seance-commandes")
    page.wait_for_function("getComputedStyle(document.querySelector('.st-key-seance-commandes')).opacity === '1'",
                           timeout=10_000)  # its fade-in
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("(n) => (document.querySelector('.salle-sous-titre') || {}).innerText"
                           "?.endsWith(`vue ${n - 1} / ${n}`)", arg=n, timeout=60_000)


def test_embed_of_an_unknown_view_says_so(page_at):
    page = page_at("/seance?embed=true&vue=vue_qui_n_existe_pas")
    wait_for_app(page)
    page.wait_for_selector("text=n'existe pas", timeout=60_000)
    body = page.locator("body").inner_text()
    assert "La vue « vue_qui_n_existe_pas » n'existe pas" in body
    assert page.locator(".vega-embed").count() == 0  # never another view in its place
