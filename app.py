"""Baromètre social & environnemental — La Porte du Hainaut. Entry point: page setup and navigation."""

import streamlit as st

from barometre.ui import commun as ui

st.set_page_config(page_title="Baromètre — La Porte du Hainaut", page_icon="📊", layout="wide",
                   initial_sidebar_state="auto")  # "auto": folded on a phone (ballot of a vote)

# The menu in sections a council member recognises: the barometer itself, the tools to dig into it, the
# project's steering (panel's grid, milestones, council session), and how the figures are made.
PAGES = {
    "Le baromètre": [
        st.Page("pages/accueil.py", title="Accueil", default=True),  # the default page is served at /
        st.Page("pages/environnement.py", title="Volet environnemental", url_path="environnement"),
        st.Page("pages/qualite_de_vie.py", title="Volet qualité de vie & bien-être", url_path="qualite_de_vie"),
    ],
    "Analyser": [
        st.Page("pages/territoires.py", title="Territoires", url_path="territoires"),
        st.Page("pages/explorateur.py", title="Explorateur", url_path="explorateur"),
        st.Page("pages/idh4.py", title="IDH-4", url_path="idh4"),
        st.Page("pages/bien_etre.py", title="Indice de bien-être (panel)", url_path="bien_etre"),
    ],
    "Piloter": [
        st.Page("pages/seance.py", title="Séance (projection)", url_path="seance"),
        st.Page("pages/grille.py", title="Grille de positionnement", url_path="grille"),
        st.Page("pages/jalons.py", title="Jalons et feuilles de route", url_path="jalons"),
        st.Page("pages/panel.py", title="Panel", url_path="panel"),
        st.Page("pages/label.py", title="Label 2044", url_path="label"),
    ],
    "À propos": [
        st.Page("pages/methodologie.py", title="Méthodologie & sources", url_path="methodologie"),
    ],
}

page = st.navigation(PAGES, position="hidden")
ui.apply_mode()
if not ui.projection_mode():
    st.sidebar.markdown("**Baromètre social & environnemental**  \nLa Porte du Hainaut 2044")
    ui.sidebar_navigation(PAGES)
    st.sidebar.divider()
    ui.territory_picker()
    ui.projection_toggle()
else:  # projection: the picker folds away so that the room sees the figures
    with st.expander("Changer de territoire"):
        ui.territory_picker(container=st.container())
page.run()
