"""« Où en est le territoire ? » on screen (Streamlit): the synthesis computed by
:mod:`barometre.pilotage.synthese` (one computation for the home page, the séance's first view and the
meeting pack), shown as its statements, each escaped (the register's text is data, never markup)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from barometre.calculs.synthese import TITRE, TONALITES_ETATS, Synthese
from barometre.calculs.verdicts import SYMBOLES
from barometre.pilotage.synthese import depuis_par_defaut, synthese_du_territoire
from barometre.settings import get_settings
from barometre.texte import echapper
from barometre.ui import cache
from barometre.ui import pilotage as ui_pilotage


@st.cache_data(show_spinner=False, ttl=600)
def calculer(niveau: str, code: str, le: date, depuis: date) -> Synthese:
    """The synthesis of a territory read on ``le``, loads counted from ``depuis`` (cached)."""
    return synthese_du_territoire(get_settings(), cache.connection(), niveau=niveau, code=code, le=le,
                                  depuis=depuis, store=ui_pilotage.store(), catalogue=cache.catalogue())


def du_jour(niveau: str, code: str, date_seance: str | None = None) -> Synthese:
    """The synthesis as the séance and the home page read it: on the séance's date (today without one),
    what moved since the previous séance (else the last three months) — the pack's own rule."""
    le = date.fromisoformat(date_seance) if date_seance else date.today()
    return calculer(niveau, code, le, depuis_par_defaut(ui_pilotage.store(), le))


def _puce(synth: Synthese, ligne: str) -> str:
    """A target's statement gets its status's symbol and colour (symbol + words, never colour alone); the
    same words as the pack's, only the target and its status set in bold."""
    for o in synth.objectifs:
        if o.phrase() == ligne:
            ton = TONALITES_ETATS[o.code]
            tete = o.tete()  # the target and its status in bold, then origin…
            reste = ligne[len(tete) + len(" — "):]
            return f":{_couleur(ton)}[{SYMBOLES.get(ton, '•')}] **{echapper(tete)}** — {echapper(reste)}"
    return echapper(ligne)


def _couleur(ton: str) -> str:
    return {"favorable": "green", "defavorable": "red", "a_surveiller": "orange"}.get(ton, "gray")


def afficher(synth: Synthese, titre: bool = True) -> None:
    """The statements of the synthesis by section: the targets on the left, verdicts and changes on the right."""
    with st.container(border=True):
        if titre:
            st.markdown(f"### {TITRE}")
        sections = synth.sections()
        gauche, droite = st.columns([3, 2], gap="large")
        for col, (nom, lignes) in zip((gauche, droite, droite), sections, strict=True):
            col.markdown(f"**{echapper(nom)}**")
            col.markdown("\n".join(f"- {_puce(synth, ligne)}" for ligne in lignes))
        st.caption("Règle des statuts et registre des objectifs : page Méthodologie.")
