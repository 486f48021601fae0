import pytest
from .streamlit_page import app_errors, assert_no_exception, wait_for_app, screenshot

@pytest.mark.browser
@pytest.mark.parametrize("path", ["/environnement", "/qualite-de-vie", "/territoires", "/explorateur", "/seance", "/methodologie"])
def test_deep(page_at, path):
    page = page_at(path)
    wait_for_app(page)
    assert_no_exception(page)
    print(path, page.console_errors)
    assert app_errors(page) == []
    screenshot(page, "tmp" + path.replace("/", "-"))
