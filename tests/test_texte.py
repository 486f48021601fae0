"""The one rule for user text (issue 13, finding 2): barometre.texte escapes Markdown, Streamlit's
directives, LaTeX and HTML, and keeps only https:// links, shown with their host."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from barometre.texte import echapper, lien, texte_sur, url_https

PAYLOADS = ["<img src=x onerror=alert(1)>", "![x](https://exemple.invalid/x.png)", "[x](javascript:alert(1))",
            "**bold**", ":red[rouge] :material/home: $x^2$", "<script>alert(1)</script>", "# titre",
            "[a]: https://exemple.invalid/ref\n[a]", "<https://exemple.invalid>", "www.exemple.invalid",
            "`code`", "| a | b |\n|---|---|", "x\n===", "&lt;b&gt;", "~~barré~~"]
MD = MarkdownIt("gfm-like")


def rendu(text: str) -> str:
    return MD.render(text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_render_as_the_text_typed(payload):
    html = rendu(echapper(payload))
    assert not re.search(r"<(img|a|script|strong|em|h1|code|table|del|s)\b", html), html
    html = rendu(texte_sur(payload))
    assert "<img" not in html and "<script" not in html and "<strong" not in html
    assert 'href="javascript' not in html and "$x" not in html.replace("$x^2$", "")


def test_only_https_links_survive_and_show_their_host():
    html = rendu(texte_sur("voir https://www.agglo-porteduhainaut.fr/deliberation?id=3, puis ![x](https://evil.invalid/x.png)"))
    assert html.count("<a ") == 2 and "<img" not in html
    assert '>www.agglo-porteduhainaut.fr</a>' in html and ">evil.invalid</a>" in html
    for bad in ("javascript:alert(1)", "http://exemple.fr", "data:text/html,x", "https://u:p@evil.invalid/",
                "https://exemple.fr/\u0000", "https:///x", "https://a b.fr", "ftp://x.fr", " ", "", None):
        assert url_https(bad) is None, bad
        assert "<a " not in rendu(lien(bad))
    assert url_https("https://exemple.fr/a?b=1#c") == "https://exemple.fr/a?b=1#c"


@given(st.text(max_size=200))
def test_any_text_survives_escaping_as_itself(text):
    html = rendu(echapper(text))
    assert "<a " not in html and "<img" not in html and "<strong" not in html and "<em" not in html
