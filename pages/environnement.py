"""Volet environnemental: PCAET indicators, GHG by sector, targets and trajectories, energy autonomy."""

import streamlit as st

from barometre.ui import cache, etat, panneaux
from barometre.ui import environnement as ui_env
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
sel = etat.selection()

# Browsing is open; signing in (sidebar) lets an agent edit the targets and load energy files.
user = ui_pilotage.utilisateur() if sel.projection else ui_pilotage.connexion()
store = ui_pilotage.store()

st.title("Volet environnemental")
st.caption(f"Territoire : {sel.nom}. Aligné sur le PCAET adopté le 3 juillet 2023 : neutralité carbone en 2050, "
           "−50 % de consommation d'énergie, 50 % d'autonomie énergétique (projet de territoire).")


@st.fragment  # a change of section or of a picker inside it reruns this part only
def volet() -> None:
    section = etat.section_picker(ui_env.SECTIONS, key="onglet_env")
    if section == "ges":
        ui_env.gaz_a_effet_de_serre(sel)
    elif section in ("trajectoires", "energie"):
        saisis, rows = ui_env.objectifs(store)
        if section == "trajectoires":
            ui_env.trajectoires(sel, rows, saisis, store, user)
        else:
            ui_env.energie(sel, rows, user)
    else:
        inds = [i for i in cache.catalogue().indicateurs if i.volet == "environnement"]
        c1, c2 = st.columns([2, 1])
        ind = etat.indicator_picker(inds, key="ind_env", container=c1)
        panneaux.indicator_panel(ind, sel.avec(zonage=etat.zonage_picker(container=c2)), key="env")


volet()
