"""Home page in a real browser (issue 11): the title bar names the EPCI of territoire.toml, and the income
card shows the agglomeration's published median with its Nord / région references and the communes' range."""

import pytest

from barometre.settings import load_territoire

from .streamlit_page import VIEWPORTS, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_home_references_and_title(page_at, viewport_name):
    page = page_at("/", viewport=VIEWPORTS[viewport_name])
    wait_for_app(page)
    assert_no_exception(page)
    epci = load_territoire().epci
    assert (epci.nom_court or epci.nom) in page.title()
    card = page.locator('[role="group"][aria-label="Revenu médian par UC"]')
    card.wait_for(timeout=30_000)
    text = card.inner_text()
    assert "Repères : Nord" in text and "Hauts-de-France" in text and "Entre communes (2021)" in text
    screenshot(page, f"home-references-{viewport_name}", full_page=False)
