"""Jalons et feuilles de route: the 3 engagements, their orientations and the 9 emblematic projects of
the project; under them the actions (feuilles de route of the services) with milestones, the indicators
they should move, resources and council decisions. Tabs: barometre.ui.jalons."""

import streamlit as st

from barometre.ui import etat
from barometre.ui import jalons as ui_jalons
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
sel = etat.selection()

user = ui_pilotage.utilisateur() if sel.projection else ui_pilotage.connexion()
ctx = ui_jalons.contexte(user)

st.title("Jalons et feuilles de route")
st.caption(
    "Le Collectif de management fait une fois par an un point d'étape qui alimente cet outil de suivi de "
    "type "
    "« jalons » ; le Bureau communautaire suit l'avancement du projet (projet de territoire, « Dispositif de "
    "suivi & de pilotage »). Les engagements, orientations et projets emblématiques sont ceux du projet ; "
    "les "
    "actions, jalons, ressources et délibérations sont saisis par les agents. Un jalon est « en retard » "
    "quand "
    "son échéance est passée sans qu'il soit atteint ou abandonné : c'est calculé, jamais saisi.")

ONGLETS = {"Avancement": ui_jalons.avancement, "Actions et jalons": ui_jalons.actions_et_jalons,
           "Calendrier": ui_jalons.calendrier, "Attribution": ui_jalons.attribution,
           "Ressources": ui_jalons.ressources, "Délibérations": ui_jalons.deliberations,
           "Historique": ui_jalons.historique}
for onglet, afficher in zip(st.tabs(list(ONGLETS)), ONGLETS.values(), strict=True):
    with onglet:
        afficher(ctx)
