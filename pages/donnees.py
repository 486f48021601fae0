"""Données (for agents): every expected dataset with its status, regional-only indicators and the file that
would give the agglomeration's value, upload of any recognised file with its preview, load and undo."""

import streamlit as st

from barometre.ui import donnees, etat
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
user = ui_pilotage.connexion()

st.title("Données")
st.caption("Pour les agents : l'état de chaque jeu de données, et le chargement d'un nouveau fichier officiel "
           "(aperçu des valeurs nouvelles et modifiées avant « Charger », annulable).")
donnees.chargement(user)
donnees.statuts()
donnees.regionaux()
