"""Volet qualité de vie & bien-être: living conditions and governance indicators."""

import streamlit as st

from barometre.ui import commun as ui
from barometre.ui import vues

ui.ensure_entrypoint()

niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code") or ui.territoire_config().epci.code
st.title("Volet qualité de vie & bien-être")
st.caption(f"Territoire : {vues.nom_territoire(niveau, code)}. Conditions de vie (revenus, emploi, santé, logement, "
           "familles, personnes âgées, accès aux services) ; les indicateurs de gouvernance (coopération, "
           "participation citoyenne) relèvent de la grille de positionnement renseignée par le panel.")
inds = [i for i in ui.catalogue().indicateurs if i.volet == "qualite_de_vie"]
# Themes in the order a panel reads them: means of living first, then work, health, housing, families.
ORDRE = ["Revenus et pauvreté", "Emploi et activité", "Santé", "Logement", "Ménages et familles",
         "Personnes âgées", "Égalité femmes-hommes", "Formation", "Accès aux services", "Politique de la ville"]
themes = sorted({i.theme for i in inds}, key=lambda t: (ORDRE.index(t) if t in ORDRE else len(ORDRE), t))
c1, c2, c3 = st.columns([1, 2, 1])
ui._init_from_url("theme_qv", themes[0], themes)
theme = c1.selectbox("Thème", themes, key="theme_qv")
ui._to_url("theme_qv", theme, themes[0])
ind = ui.indicator_picker([i for i in inds if i.theme == theme], key="ind_qv", container=c2)
zonage = ui.zonage_picker(container=c3)
vues.indicator_panel(ind, niveau, code, zonage, key="qv")
