"""Évaluation: the four answers the Projet de territoire promised (« Dispositif de suivi & de pilotage »,
poupées gigognes) per engagement, orientation and emblematic project — effectivité, efficacité, utilité,
efficience — with the service's declared confidence beside each action. Parts: barometre.ui.evaluation."""

import streamlit as st

from barometre.calculs.evaluation import QUESTIONS
from barometre.ui import etat
from barometre.ui import evaluation as ui_eval
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
sel = etat.selection()

user = ui_pilotage.utilisateur() if sel.projection else ui_pilotage.connexion()
ctx = ui_eval.contexte(user)

st.title("Évaluation du projet de territoire")
st.caption("Le projet de territoire dit comment il sera jugé, « selon le principe des poupées gigognes » : "
           + " ".join(QUESTIONS.values()) + " Les engagements, orientations et projets sont ceux du projet ; "
           "actions, jalons et ressources viennent de « Jalons et feuilles de route » ; les indicateurs de "
           "réalisation et de résultat et la confiance déclarée sont saisis par les services ; l'utilité lit les "
           "verdicts du baromètre pour l'agglomération.")
if not ctx.actions.height:
    st.info("Aucune action n'est encore saisie : l'évaluation se remplira avec les feuilles de route des "
            "services (page « Jalons et feuilles de route »).")
ui_eval.synthese(ctx)
ui_eval.saisie(ctx)
