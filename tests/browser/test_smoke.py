"""The dashboard opens in a real browser, at both screen sizes, without a Streamlit exception."""

import re

import pytest

from .streamlit_page import VIEWPORTS, app_errors, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_home_page_opens(page_at, viewport_name):
    page = page_at("/", viewport=VIEWPORTS[viewport_name])
    wait_for_app(page)

    assert_no_exception(page)
    named_headings = page.get_by_role("heading", name=re.compile("Baromètre"))
    assert "Baromètre" in page.title() or named_headings.count() > 0, (
        f"neither the tab title ({page.title()!r}) nor a heading names the Baromètre"
    )
    assert app_errors(page) == []
    assert screenshot(page, f"home-{viewport_name}", full_page=True).stat().st_size > 0
