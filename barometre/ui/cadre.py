"""The app's frame, drawn by app.py on every run: the CSS of the current mode, the sidebar menu and the
projection-mode button."""

from __future__ import annotations

import html

import streamlit as st

from barometre import formats
from barometre.ui import etat

PROJECTION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important; padding: 1rem 2.5rem !important; }
h1 { font-size: 2.4rem !important; } h2 { font-size: 1.9rem !important; } h3 { font-size: 1.5rem !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; color: #000 !important; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem !important; color: #000 !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"] p { font-size: 1rem !important; color: #222 !important; }
/* The operator's controls stay out of the room's sight: invisible until the pointer (or the keyboard focus)
   reaches them; the keys work all the time (← → to step, Échap to leave). */
.st-key-projection-commandes, .st-key-projection-territoire, .st-key-seance-commandes {
  opacity: 0; transition: opacity .2s; background: #fff; }
.st-key-projection-commandes:hover, .st-key-projection-commandes:focus-within,
.st-key-projection-territoire:hover, .st-key-projection-territoire:focus-within,
.st-key-seance-commandes:hover, .st-key-seance-commandes:focus-within { opacity: 1; }
.st-key-projection-commandes { position: fixed; top: 8px; right: 16px; z-index: 70; width: auto; }
.st-key-projection-territoire { position: fixed; top: 64px; right: 16px; z-index: 70; width: 460px; }
</style>
"""
BASE_CSS = """
<style>
/* Streamlit fades captions to 60 % opacity: sources and notes must stay readable (RGAA contrast). */
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"] p { color: #3d3d3d; }
/* Keyboard focus on the menu's links: Streamlit's own is a faint background (1.1:1); a 3 px ring of
   FOCUS_COLOUR instead (5.7:1 on the sidebar's #F0F2F6, ≥ 3:1 required for focus indicators). */
[data-testid="stSidebar"] a:focus-visible { outline: 3px solid #0B57D0 !important; outline-offset: 1px;
                                             border-radius: .25rem; }
/* The file uploader's words are English and no parameter replaces them (streamlit/streamlit#13500). The
   English ones are removed (display/visibility: screen readers skip them too) and French ones drawn as
   generated content, which browsers count in an element's accessible name: the button is announced
   « Choisir un fichier ». Types and size limit are said in French by each uploader's label. */
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"] p { display: none; }
[data-testid="stFileUploaderDropzone"] > span > button [data-testid="stMarkdownContainer"]::after {
  content: "Choisir un fichier"; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "ou le glisser dans ce cadre";
  font-size: .875rem; color: #555; }
[data-testid="stFileUploaderDropzoneInput"] { visibility: hidden; }  /* its name is « file upload » */
/* While a file is dragged over it (« Drag and drop a file here »; Streamlit 1.67's stable class). */
[data-testid="stFileUploaderDropzone"] .euud7oh1 span { display: none; }
[data-testid="stFileUploaderDropzone"] .euud7oh1::after { content: "Déposez le fichier ici"; }
</style>
"""
FOCUS_COLOUR = "#0B57D0"


def taille_max_televersement() -> str:
    """The uploaders' size limit in French (« 200 Mo au plus »): Streamlit's own line, in English, is hidden
    by BASE_CSS, so each uploader's label says it."""
    return f"{formats.nombre(st.get_option('server.maxUploadSize'), 0)} Mo au plus"


# A section of the sidebar menu is a real heading (screen readers list it, axe checks its order) drawn small:
# the page titles stay the eye's landmarks. #31333F is Streamlit's text colour (12.6:1 on the sidebar grey).
NAV_SECTION_HTML = ('<h2 style="font-size:0.8rem;font-weight:700;letter-spacing:0.02em;color:#31333F;'
                    'margin:0.6rem 0 -0.4rem 0.5rem;padding:0;line-height:1.2">{}</h2>')


def sidebar_navigation(sections: dict[str, list]) -> None:
    """The sidebar menu: each section's heading, then a link per page (``st.navigation`` itself is hidden so
    that the app's name sits above the menu and the territory picker below it)."""
    for section, pages in sections.items():
        st.sidebar.html(NAV_SECTION_HTML.format(html.escape(section)))
        for p in pages:
            st.sidebar.page_link(p, label=p.title)


EMBED_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
footer { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important; padding: 0 .25rem !important; }
[data-testid="stAppViewContainer"] > section { padding: 0 !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"] p { color: #3d3d3d; }
</style>
"""
# Streamlit serves <html lang="en"> and has no API to change it (streamlit/streamlit#15726): a script run
# in the page itself (st.html with JavaScript allowed, no iframe) declares the document French, and keeps
# it so if anything resets it. Screen readers then read the page with a French voice, and browsers stop
# offering to translate it.
LANG_FR_JS = """<script>
(() => {
  const root = window.document.documentElement;
  const fr = () => { if (root.lang !== "fr") root.lang = "fr"; };
  fr();
  if (!window.__barometreLangFr) {
    window.__barometreLangFr = new MutationObserver(fr);
    window.__barometreLangFr.observe(root, {attributes: true, attributeFilter: ["lang"]});
  }
})();
</script>"""


def document_en_francais() -> None:
    """Declare the document French (``<html lang="fr">``), on every page (called by app.py)."""
    st.html(LANG_FR_JS, unsafe_allow_javascript=True, width="content")


def embed_mode() -> bool:
    """True when the page is shown inside another site (``?embed=true``, read by Streamlit itself)."""
    try:
        return bool(st.context.is_embedded)
    except Exception:  # noqa: BLE001 - no browser context (bare runs)
        return False


def apply_embed() -> None:
    """The CSS of an embedded view: no sidebar, header nor padding."""
    st.html(EMBED_CSS)


def apply_mode() -> bool:
    """Inject the CSS of the current mode; returns True in projection mode."""
    if etat.projection_mode():
        st.html(PROJECTION_CSS)
        with st.container(key="projection-commandes"):
            if st.button("Quitter le mode projection", key="quitter_projection", shortcut="Esc"):
                etat.projection(False)
        return True
    st.html(BASE_CSS)
    return False


def projection_toggle(container=None) -> None:
    box = container or st.sidebar
    if box.button("Mode projection (séance du conseil)", key="entrer_projection",
                  help="Grands caractères, fort contraste, sans barre latérale. Échap pour quitter."):
        etat.projection(True)
