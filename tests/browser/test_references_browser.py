"""Home page in a real browser (issue 11), at both screen sizes: it opens without an exception nor a JS error
of the app's, the title bar names the Baromètre and the EPCI of territoire.toml, and the income card shows the
agglomeration's published median with its Nord / région references and the communes' range. (Was also
test_smoke.py: same page, same sizes; one load, resized for the second size.)"""

import re

import pytest

from barometre.settings import load_territoire

from .conftest import pages_on
from .streamlit_page import VIEWPORTS, app_errors, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def home(browser, streamlit_server):
    """The home page, loaded once for both sizes: ``home(viewport)`` resizes it (and waits for the app)."""
    opener = pages_on(browser, streamlit_server)
    page = next(opener)("/", viewport=VIEWPORTS["1280x720"])
    wait_for_app(page)

    def at(viewport):
        if page.viewport_size != viewport:
            page.set_viewport_size(viewport)
            wait_for_app(page)
        return page

    yield at
    next(opener, None)  # closes its context


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_home_references_and_title(home, viewport_name):
    page = home(VIEWPORTS[viewport_name])
    assert_no_exception(page)
    epci = load_territoire().epci
    assert (epci.nom_court or epci.nom) in page.title()
    named_headings = page.get_by_role("heading", name=re.compile("Baromètre"))
    assert "Baromètre" in page.title() or named_headings.count() > 0, (
        f"neither the tab title ({page.title()!r}) nor a heading names the Baromètre"
    )
    card = page.locator('[role="group"][aria-label="Revenu médian par UC"]')
    card.wait_for(timeout=30_000)
    text = card.inner_text()
    assert "Repères : Nord" in text and "Hauts-de-France" in text and "Entre communes (2021)" in text
    assert app_errors(page) == []
    screenshot(page, f"home-references-{viewport_name}", full_page=False)
    assert screenshot(page, f"home-{viewport_name}", full_page=True).stat().st_size > 0
