"""The one rule for user text (issue 13, finding 2): barometre.texte escapes Markdown, Streamlit's
directives, LaTeX and HTML, and keeps only https:// links, shown with their host."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from barometre.texte import NOM_FICHIER_MAX, echapper, lien, nom_fichier, texte_sur, url_https

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


@pytest.mark.parametrize("adresse", ["https://exemple.invalid/x", "http://exemple.invalid", "www.exemple.invalid",
                                     "contact@exemple.invalid", "HTTPS://EXEMPLE.INVALID"])
def test_bare_addresses_are_never_autolinked_by_gfm(adresse):
    """GFM (remark-gfm in Streamlit) links bare addresses even with escaped punctuation: a word joiner
    breaks the marker, so an escaped text holds no ``://``, ``www.`` nor ``x@`` sequence at all."""
    shown = echapper(f"voir {adresse} !")
    unescaped = re.sub(r"\\(.)", r"\1", shown)
    assert not re.search(r"(?i)https?://|www\.|[a-z0-9]@", unescaped)
    assert unescaped.replace("\u2060", "") == f"voir {adresse} !"  # the text read is the text typed


@pytest.mark.parametrize("nom", ["a\x00b.csv", "x" * 300 + ".csv", "../../etc/passwd", "C:\\Users\\x\\compta.csv",
                                 "\x00", "...", "é" * 200 + ".csv", "<script>.csv"])
def test_upload_names_are_made_safe_with_a_french_message(nom, tmp_path):
    sur, message = nom_fichier(nom)
    assert sur and "\x00" not in sur and "/" not in sur and "\\" not in sur and not sur.startswith(".")
    assert len(sur) <= NOM_FICHIER_MAX and len(sur.encode("utf-8")) < 255
    assert message and "simplifié" in message
    (tmp_path / sur).write_bytes(b"ok")  # a name the file system accepts, inside the folder
    assert [p.name for p in tmp_path.iterdir()] == [sur]
    assert nom_fichier("compta 2025.csv") == ("compta 2025.csv", None)


@pytest.mark.parametrize("nom", ["compta\x00.csv", "c" * 300 + ".csv"])
def test_accounting_import_accepts_any_upload_name(nom):
    """A NUL byte or a name over 255 bytes once raised a traceback in the resources import."""
    import polars as pl

    from barometre.pilotage.structure import charger_structure, lire_csv_comptable

    structure = charger_structure()
    actions = pl.DataFrame({"id": [1], "engagement": ["E1"], "code_fonctionnel": ["830"]})
    lignes = lire_csv_comptable(b"code_fonctionnel;annee;alloue;consomme\n830;2025;1000,5;200\n", nom,
                                structure, actions)
    assert [(ln.code_fonctionnel, ln.alloue) for ln in lignes] == [("830", 1000.5)]
