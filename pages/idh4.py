"""IDH-4: the Hauts-de-France human development index and its three sub-indices, per commune, zone and
for the agglomeration, where the inputs exist; what is missing is named, with the file to load.

The IDH-4 is shown only where its three inputs exist (never with a substitute); the goalposts are the
min/max observed among the communes shown, stated on screen. Parts: barometre.ui.idh4; logic:
barometre.calculs.bien_etre (assembly) and barometre.calculs.indices (formulas).
"""

import streamlit as st

from barometre.calculs import indices
from barometre.ui import etat
from barometre.ui import idh4 as ui_idh4

etat.ensure_entrypoint()
sel = etat.selection()

st.title("IDH-4 : développement humain")
head, _ = st.columns([3, 1])
head.caption("Variante Hauts-de-France de l'indice de développement humain : moyenne de trois sous-indices "
             "entre 0 et 1 — santé (indice comparatif de mortalité), éducation (part des diplômés parmi les "
             "15 ans ou plus sortis du système scolaire), niveau de vie (revenu médian par unité de "
             f"consommation). Méthode : {indices.IDH4_SOURCE}.")


@st.fragment  # a change of zoning or of map reruns this part only
def indice() -> None:
    _, pick = st.columns([3, 1])
    choix = sel.avec(zonage=etat.zonage_picker(container=pick, key="zonage_idh4"))
    ui_idh4.publie(choix)
    idh4 = ui_idh4.calculer(choix)
    ui_idh4.statut(idh4)
    event = ui_idh4.carte(choix, idh4)
    ui_idh4.tableau_communes(idh4)
    ui_idh4.tableau_zones(idh4)
    ui_idh4.detail(choix, idh4, event)


indice()
