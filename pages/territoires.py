"""Territoires: a map of the communes for any indicator and a profile of any territory."""

import streamlit as st

from barometre.ui import cache, etat
from barometre.ui import territoires as ui_territoires

etat.ensure_entrypoint()
sel = etat.selection()

st.title("Territoires")


@st.fragment  # a change of indicator, zoning, year or breakdown redraws the map only
def carte() -> None:
    avec_annees = cache.indicateurs_du_niveau("commune")
    communal = [i for i in cache.catalogue().indicateurs if i.id in avec_annees]
    c1, c2, c3 = st.columns([2, 1, 1])
    ind = etat.indicator_picker(communal, key="ind_carte", container=c1)
    zonage = etat.zonage_picker(container=c2)
    ventilation = etat.ventilation_picker(ind, key="vent_carte")  # first: the years are those of the breakdown
    annee = etat.year_picker(cache.annees_ventilation(ind.id, "commune", ventilation), key="annee_carte", container=c3)
    ui_territoires.carte(sel.avec(indicateur=ind.id, zonage=zonage, annee=annee, ventilation=ventilation))


carte()
ui_territoires.profil(sel)
