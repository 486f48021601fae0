"""Showing what a person typed on a page: the Streamlit side of :mod:`barometre.texte`.

Pages never pass user text (nor a URL parameter, nor a store message that quotes one) straight to
``st.markdown``/``st.error``/…: they call these, which escape it (``https://`` addresses stay links
showing their host). Our own formatting around a user value is built with :func:`barometre.texte.echapper`
/ :func:`barometre.texte.texte_sur` on the value, then passed to ``st.markdown`` as usual.
"""

from __future__ import annotations

import streamlit as st  # noqa: TID251 - a ui module

from barometre.texte import echapper, lien, texte_sur

__all__ = ["afficher", "erreur", "avertissement", "info", "succes", "legende", "echapper", "lien", "texte_sur"]


def afficher(valeur: object, container=None) -> None:
    """User text as a paragraph (escaped; https links kept, showing their host)."""
    (container or st).markdown(texte_sur(valeur))


def legende(valeur: object, container=None) -> None:
    (container or st).caption(texte_sur(valeur))


def erreur(message: object, container=None, icon: str | None = None) -> None:
    """A French message that may quote user text (a store refusal, a bad link): shown as plain text."""
    (container or st).error(echapper(message), icon=icon)


def avertissement(message: object, container=None, icon: str | None = None) -> None:
    (container or st).warning(echapper(message), icon=icon)


def info(message: object, container=None, icon: str | None = None) -> None:
    (container or st).info(echapper(message), icon=icon)


def succes(message: object, container=None, icon: str | None = None) -> None:
    (container or st).success(echapper(message), icon=icon)
