"""Errors without internals: what a visitor sees when a page fails, and where the details go.

A page's unexpected exception (a bug, a database outage whose message names its host and user…) is
written to the server log with a short reference, and the visitor sees a French message with that
reference only — never a traceback nor a server path. ``.streamlit/config.toml`` and ``app.py`` also
turn Streamlit's own error details off (``client.showErrorDetails = "none"``) for anything outside a page.

Developers and tests see the real exception: ``BAROMETRE_ERREURS_DETAILLEES=1`` (set by tests/conftest.py)
lets it through, as Streamlit shows it.
"""

from __future__ import annotations

import logging
import os
import uuid

import streamlit as st

ENV_DETAILS = "BAROMETRE_ERREURS_DETAILLEES"
journal = logging.getLogger("barometre.erreurs")


def details_visibles() -> bool:
    return os.environ.get(ENV_DETAILS, "").strip() == "1"


def signaler(exc: BaseException) -> str:
    """Log ``exc`` with a new reference and show the French message; returns the reference."""
    reference = uuid.uuid4().hex[:8]
    journal.error("Erreur %s sur la page : %s", reference, type(exc).__name__, exc_info=exc)
    st.error(f"Cette page a rencontré une erreur inattendue. Rechargez-la ; si l'erreur revient, signalez-la à "
             f"l'équipe du baromètre en donnant la référence **{reference}** (le détail est dans le journal du "
             "serveur, il n'est jamais affiché ici).", icon="⚠️")
    return reference


def executer(page, avant=None) -> None:
    """Run ``avant`` (work every page needs first, e.g. the data version check) then the page
    (``st.navigation``'s), showing a French message instead of a traceback on error in either."""
    try:
        if avant is not None:
            avant()
        page.run()
    except Exception as exc:  # st.stop / st.rerun are BaseException: they pass through
        if details_visibles():
            raise
        signaler(exc)
