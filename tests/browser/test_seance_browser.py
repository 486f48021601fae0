"""Issue 15 in a real browser: a view embedded in another site's page (``?embed=true`` in an iframe) and the
séance at 1920×1080 in projection mode. (The document declared French on every page: test_accessibility.py,
on the same page loads as the axe scans.)"""

import pytest

from .streamlit_page import FULL_HD, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

EMBED_PATH = "/seance?embed=true&vues=taux_chomage_15_64"


def test_embedded_view_in_an_iframe_has_no_sidebar_and_names_its_source(browser, streamlit_server):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="fr-FR")
    page = context.new_page()
    try:
        page.set_content(f'<!doctype html><html lang="fr"><body><h1>Site de l\'agglomération</h1>'
                         f'<iframe title="Chômage" src="{streamlit_server}{EMBED_PATH}" width="900" height="640">'
                         "</iframe></body></html>")
        frame = next(f for f in page.frames if EMBED_PATH.split("?")[0] in f.url)
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
