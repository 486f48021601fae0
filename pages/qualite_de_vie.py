"""Volet qualité de vie & bien-être: living conditions and governance indicators."""

import streamlit as st

from barometre.ui import cache, etat, panneaux

etat.ensure_entrypoint()
sel = etat.selection()

st.title("Volet qualité de vie & bien-être")
st.caption(f"Territoire : {sel.nom}. Conditions de vie (revenus, emploi, santé, logement, "
           "familles, personnes âgées, accès aux services) ; gouvernance : la participation électorale par "
           "élection (thème « Gouvernance ») ; coopération et participation citoyenne relèvent de la grille "
           "de positionnement renseignée par le panel.")


@st.fragment  # a change of theme, indicator or zoning reruns this part only, not the app's frame
def panneau() -> None:
    inds = [i for i in cache.catalogue().indicateurs if i.volet == "qualite_de_vie"]
    themes = cache.catalogue().themes("qualite_de_vie")  # in the order of data/catalogue/groupes.toml
    c1, c2, c3 = st.columns([1, 2, 1])
    theme = etat.choice_picker("Thème", themes, "theme_qv", container=c1)
    ind = etat.indicator_picker([i for i in inds if i.theme == theme], key="ind_qv", container=c2)
    panneaux.indicator_panel(ind, sel.avec(zonage=etat.zonage_picker(container=c3)), key="qv")


panneau()
