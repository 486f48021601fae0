"""The dashboard in a real browser: filters that change the charts, the map offline, shared links that give
the same view in another browser, projection mode and the séance's arrow keys.

Every page of app.py at both screen sizes: test_accessibility.py's test_every_page_opens_at_both_sizes, on the
same page load as that page's axe scan (two cores: page loads are kept few).
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from PIL import Image

from barometre.catalogue import load_catalogue
from barometre.charts import indicateurs as charts
from barometre.settings import get_settings

from .conftest import pages_on
from .streamlit_page import (
    CARTE,
    app_errors,
    app_pages,
    assert_no_exception,
    chart_labels,
    headings,
    next_option,
    screenshot,
    selectbox_value,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PAGES = app_pages()
SHARED_TERRITORY = ("commune", "59172", "Denain")
SHARED_INDICATOR = "taux_chomage_15_64"
SEANCE_VIEWS = ("population", "cae_1.a")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(get_settings().catalogue_dir)


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _assert_healthy(page) -> None:
    """No Streamlit exception, no st.error block, no JS error of the app's own."""
    assert_no_exception(page)
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, f"st.error on {page.url}:\n" + "\n---\n".join(errors.all_inner_texts())
    assert app_errors(page) == [], f"JS errors on {page.url}"


def test_app_declares_pages():
    assert len(PAGES) >= 7, PAGES
    assert len({p.url_path for p in PAGES}) == len(PAGES), f"duplicate url_path in app.py: {PAGES}"
    assert sum(p.default for p in PAGES) <= 1, PAGES


@pytest.fixture(scope="module")
def territoires(browser, streamlit_server):
    """One load of /territoires for both map tests: the offline test first (file order), on the page as loaded,
    then the indicator change."""
    opener = pages_on(browser, streamlit_server)
    page = next(opener)("/territoires")
    wait_for_app(page)
    yield page
    next(opener, None)  # closes its context


def test_map_draws_offline_with_its_tooltip(territoires):
    """The map asks no other host (no basemap: the council room may have no internet) and still draws the
    communes and the zone outlines, with the tooltip on hover."""
    page = territoires
    carte = page.locator(CARTE)
    carte.scroll_into_view_if_needed()
    box = carte.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)  # the heart of the map
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=10_000)
    rows = [r.split("\t") for r in tooltip.locator("tr").all_inner_texts()]
    assert [r[0].strip() for r in rows] == ["Commune", "Valeur", "Zone"], rows
    assert re.search(r"\d", rows[1][1]) and "habitants" in rows[1][1], rows  # the commune's value and unit
    _assert_healthy(page)
    assert page.external_requests == [], f"the map asked other hosts: {page.external_requests}"
    # Drawn without a basemap: the map shows the class colours of the communes and the zones' black outlines.
    image = Image.open(io.BytesIO(carte.screenshot())).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20)}
    classes = {tuple(charts._hex_to_rgb(h)) for h in charts.SEQUENTIAL_5}
    assert len(classes & colours) >= 3, "the communes' class colours are not on the map"
    assert any(max(rgb) <= 40 for rgb in colours), "the zone outlines are not on the map"
    screenshot(page, "map-offline-tooltip")


def test_territoires_indicator_changes_the_map(territoires):
    page = territoires
    carte = page.locator(CARTE)

    def view():
        legend = page.locator('[data-testid="stColumn"]').filter(has_text="Légende").last.inner_text()
        return {"heading": headings(page, "h2")[0], "map": carte.get_attribute("aria-label"), "legend": legend,
                "pixels": carte.screenshot()}

    before = view()
    # the map's screenshot scrolled the page: back to the top, so that the picker is not under the header
    page.evaluate("""() => { window.scrollTo(0, 0); document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stAppViewContainer"]').forEach(e => { e.scrollTop = 0; }); }""")
    chosen = next_option(page, "Indicateur")
    after = view()
    _assert_healthy(page)
    libelle = chosen.rsplit(" (", 1)[0]
    assert after["heading"].startswith(chosen), (chosen, after["heading"])
    assert after["heading"] != before["heading"]
    assert libelle in after["map"] and after["map"] != before["map"], (before["map"], after["map"])
    assert after["legend"] != before["legend"], f"legend did not change: {after['legend']!r}"
    assert after["pixels"] != before["pixels"], "the map's drawing did not change"
    assert "ind_carte" in _query(page), page.url
    screenshot(page, "filter-territoires-after")


def test_a_click_on_the_map_opens_the_commune_and_the_sidebar_can_leave_it(page_at):
    """A click on a commune opens its profile; choosing the agglomeration in the sidebar afterwards stays there
    (the map keeps its selection across reruns: acting on it again sent the user back to the commune)."""
    page = page_at("/territoires")
    wait_for_app(page)
    carte = page.locator(CARTE)
    carte.scroll_into_view_if_needed()
    box = carte.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)  # the heart of the map
    page.wait_for_url(re.compile(r"niveau=commune&code=\d{5}"), timeout=30_000)
    wait_for_app(page)
    echelle = page.locator('[data-testid="stSidebar"]').get_by_role("combobox").first
    echelle.focus()
    page.keyboard.type("Agglom")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/territoires$"), timeout=30_000)
    wait_for_app(page)
    page.wait_for_timeout(1_000)  # a bounce back would be a rerun right after this one (not an assertion)
    wait_for_app(page)
    assert "niveau=commune" not in page.url, page.url
    _assert_healthy(page)


def test_qualite_de_vie_indicator_changes_the_chart(page_at):
    page = page_at("/qualite_de_vie")
    wait_for_app(page)
    first_chart = page.locator('[data-testid="stVegaLiteChart"]').first

    def view():
        return {"heading": headings(page, "h2")[0], "labels": chart_labels(page),
                "svg": first_chart.locator("svg, canvas").first.evaluate("e => e.outerHTML")}

    before = view()
    assert before["labels"], "no Vega chart on /qualite_de_vie"
    chosen = next_option(page, "Indicateur")
    after = view()
    _assert_healthy(page)
    libelle = chosen.rsplit(" (", 1)[0]
    assert after["heading"].startswith(libelle) and after["heading"] != before["heading"], (before, after)
    assert after["labels"] != before["labels"]
    assert all(libelle in label for label in after["labels"]), after["labels"]
    assert after["svg"] != before["svg"], "the chart's drawing did not change"
    assert _query(page).get("ind_qv"), page.url
    screenshot(page, "filter-qualite_de_vie-after")


def test_shared_url_gives_the_same_view_in_a_new_browser(page_at, catalogue):
    niveau, code, nom = SHARED_TERRITORY
    ind = catalogue.indicateur(SHARED_INDICATOR)
    # A link written by hand (commune, theme and indicator named)...
    page = page_at(f"/qualite_de_vie?niveau={niveau}&code={code}&theme_qv={quote(ind.theme)}"
                   f"&ind_qv={SHARED_INDICATOR}")
    wait_for_app(page)
    _assert_healthy(page)

    def view(p):
        return {
            "selects": {label: selectbox_value(p, label) for label in ("Échelle", "Territoire", "Thème",
                                                                      "Indicateur", "Découpage")},
            "headings": headings(p),
            "charts": chart_labels(p),
            "cards": p.locator('[data-testid="stMain"] [role="group"][aria-label]').all_inner_texts(),
        }

    original = view(page)
    assert page.locator('[data-testid="stSidebar"] input[aria-label="Territoire"]').input_value() == nom
    assert original["selects"]["Indicateur"] == f"{ind.libelle} ({ind.unite})"
    assert headings(page, "h2")[0].startswith(ind.libelle)
    assert original["charts"] and all(ind.libelle in label for label in original["charts"])
    query = _query(page)
    assert query.get("niveau") == [niveau] and query.get("code") == [code], page.url

    # ... and the address the app then shows, sent to someone else: a new browser context (no cookie,
    # no session) opens it and gets the same view.
    parts = urlsplit(page.url)
    other = page_at(f"{parts.path}?{parts.query}")
    wait_for_app(other)
    _assert_healthy(other)
    assert view(other) == original
    screenshot(other, "shared-url-denain-chomage")


def test_projection_mode_hides_the_sidebar_and_enlarges_type(page_at):
    home = next(p for p in PAGES if p.default)
    page = page_at(f"{home.path}?mode=projection")
    wait_for_app(page)
    _assert_healthy(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.get_by_role("button", name="Quitter le mode projection").is_visible()
    # The territory picker moves into the page, folded so that the figures come first.
    picker = page.locator('[data-testid="stMain"] input[aria-label="Échelle"]')
    assert not picker.is_visible()
    page.get_by_text("Changer de territoire").click()
    picker.wait_for(state="visible", timeout=10_000)
    size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size >= 20, f"projection type is {size}px"
    screenshot(page, f"projection-{home.url_path}-1280x720")


def _sous_titre(page) -> str:
    """The room's view names its indicator under the active title (« Taux de pauvreté : 23,0 %, … »)."""
    return page.locator(".salle-sous-titre").first.inner_text()


def test_seance_arrow_keys_step_through_views(page_at, catalogue):
    first, second = (catalogue.indicateur(i).libelle for i in SEANCE_VIEWS)
    # step 1 is « Où en est le territoire ? » (issue 19); the views follow
    page = page_at(f"/seance?vues={','.join(SEANCE_VIEWS)}&mode=projection&etape=2")
    wait_for_app(page)
    _assert_healthy(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert first in _sous_titre(page)
    assert page.get_by_text(re.compile(r"vue 2 / 3")).is_visible()
    screenshot(page, "seance-projection-step2")

    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"[?&]etape=3\b"))
    wait_for_app(page)
    _assert_healthy(page)
    assert second in _sous_titre(page)
    assert page.get_by_text(re.compile(r"vue 3 / 3")).is_visible()
    screenshot(page, "seance-projection-step3")

    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"[?&]etape=2\b"))
    wait_for_app(page)
    assert first in _sous_titre(page)

    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"[?&]etape=1\b"))
    wait_for_app(page)
    assert page.locator("h1.salle-titre").first.inner_text() == "Où en est le territoire ?"
