"""What a person typed is data, never markup: the one rule for showing user text (and URL parameters).

Streamlit renders Markdown (and, in labels and messages, links and images) in ``st.markdown``,
``st.error``/``st.warning``/``st.info``/``st.success``, ``st.caption``, expander and widget labels. A
string a person typed — a grille field, an action, a jalon, a délibération, an account name, a weighting
name, a ``?…=`` parameter — goes through :func:`texte_sur` (or :func:`echapper` where no link makes sense)
before it reaches any of them:

- every character Markdown, Streamlit's directives (``:red[…]``, ``:material/…:``), LaTeX (``$…$``) or
  HTML give a meaning to is backslash-escaped (CommonMark: any ASCII punctuation may be escaped), so
  ``**gras**``, ``![x](https://…)``, ``[x](javascript:…)`` and ``<img …>`` show as the characters typed;
- in :func:`texte_sur`, an ``https://`` address is the one link kept, shown as a plain link whose text
  is its host (``[exemple.fr](https://exemple.fr/…)``): the reader sees where it leads. No other scheme
  (``javascript:``, ``data:``, ``http:``…) is ever a link, and nothing is ever an image.

Pure functions, no Streamlit (the page-side wrappers are in :mod:`barometre.ui.texte`).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

#: ASCII punctuation with a meaning in Markdown, GFM, Streamlit's directives, LaTeX or HTML. Escaping an
#: ASCII punctuation character is always allowed in CommonMark, so over-escaping is harmless.
_SPECIAUX = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'@^%;/?,])")
#: Candidate addresses in a text: ``https://`` then anything up to a space or a character that ends
#: a Markdown/HTML construct.
_URL = re.compile(r"https://[^\s<>\"'`()\[\]{}|\\^]+", re.IGNORECASE)
LONGUEUR_MAX = 20_000  # a longer text is cut (with a mark): nothing a person types legitimately is longer


def _texte(valeur: object) -> str:
    if valeur is None:
        return ""
    text = str(valeur).replace("\x00", "")
    if len(text) > LONGUEUR_MAX:
        text = text[:LONGUEUR_MAX] + " […]"
    return text


#: GFM turns bare addresses into links even when their punctuation is escaped (``https\:\/\/…``,
#: ``www\.…``, ``a\@b\.fr``): an invisible word joiner inside the marker breaks the autolink.
_AUTOLIEN = re.compile(r"(?i)(?<![a-z0-9])(https?|ftps?|www)(?=[:.])|(?=@)")
JOINT = "\u2060"  # WORD JOINER: no width, no line break


def echapper(valeur: object) -> str:
    """The text as typed, safe in any Markdown Streamlit renders: no formatting, link (not even a bare
    address), image, HTML, colour directive or formula. Line breaks are kept as Markdown line breaks."""
    text = _AUTOLIEN.sub(lambda m: (m.group(1) or "") + JOINT, _texte(valeur))
    text = _SPECIAUX.sub(r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


def url_https(valeur: object) -> str | None:
    """The address if it is a plain ``https://`` URL to a named host (no user:password@, no spaces, no
    control characters), else None. What a délibération ``lien`` must be."""
    text = str(valeur or "").strip()
    if not text or len(text) > 2000 or any(ord(c) < 33 or ord(c) == 127 for c in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not host or parts.username or parts.password or "\\" in text:
        return None
    if not re.fullmatch(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]", host) or host.startswith(".") or ".." in host:
        return None
    return text


def hote(url: str) -> str:
    """The host of an address (``https://www.agglo-porteduhainaut.fr/x`` → ``www.agglo-porteduhainaut.fr``)."""
    return urlsplit(url).hostname or ""


def lien(url: object) -> str:
    """A Markdown link to an ``https://`` address, its text being the host; any other value is shown
    escaped, as text."""
    ok = url_https(url)
    if ok is None:
        return echapper(url)
    # the target: every character Markdown could read as the end of the link is percent-encoded
    cible = quote(ok, safe=":/?#@!$&'*+,;=%-._~")
    cible = cible.replace("(", "%28").replace(")", "%29").replace("'", "%27")
    # the host is [a-z0-9.-] only (url_https) and a link's text is never autolinked: no word joiner
    texte_lien = _SPECIAUX.sub(r"\\\1", hote(ok))
    return f"[{texte_lien}]({cible})"


def texte_sur(valeur: object) -> str:
    """User text for Markdown: escaped (:func:`echapper`), ``https://`` addresses kept as links showing
    their host (:func:`lien`)."""
    text = _texte(valeur)
    out, pos = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")  # a sentence's final punctuation is not part of the address
        end = m.start() + len(url)
        out.append(echapper(text[pos:m.start()]))
        out.append(lien(url) if url_https(url) else echapper(url))
        pos = end
    out.append(echapper(text[pos:]))
    return "".join(out)


class Html(str):
    """A fragment of HTML built by our code (never from a value read or typed): :func:`html_sur` keeps it."""


def html_sur(valeur: object) -> str:
    """Any value for an HTML fragment (``st.html`` cards, attributes included): escaped, unless it is an
    :class:`Html` fragment of ours. A label read from a loaded file or typed on a page is text, never markup."""
    if isinstance(valeur, Html):
        return str(valeur)
    return html.escape(_texte(valeur), quote=True)


NOM_FICHIER_MAX = 120  # characters kept of an uploaded file's name (a file system allows 255 bytes)


def nom_fichier(nom: object, defaut: str = "fichier.csv") -> tuple[str, str | None]:
    """An uploaded file's name made safe to record and to write under a folder of ours: the last path
    component only, without control characters (NUL…), without leading dots, at most
    :data:`NOM_FICHIER_MAX` characters (extension kept). Returns ``(name, message)``: ``message`` is a
    French sentence when the name had to change, None otherwise."""
    brut = str(nom or "")
    text = re.split(r"[/\\\\]", brut)[-1]
    text = "".join(c for c in text if ord(c) >= 32 and ord(c) != 127 and c not in "<>:\"|?*").strip().lstrip(".")
    if len(text) > NOM_FICHIER_MAX:
        base, point, ext = text.rpartition(".")
        ext = ext[:10] if point else ""
        text = (base if point else text)[:NOM_FICHIER_MAX - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    text = text or defaut
    if text == brut:
        return text, None
    return text, (f"Le nom du fichier a été simplifié en « {text} » (chemin, caractères de contrôle ou "
                  f"longueur de plus de {NOM_FICHIER_MAX} caractères retirés) ; son contenu n'est pas modifié.")
