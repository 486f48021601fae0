"""Grille de positionnement: one row per criterion of the two volets, one grille per edition (point
d'étape triennal), filled by the panel « baromètre d'impact »; the situation column comes from the
barometer's indicators linked to each criterion. Parts: barometre.ui.grille."""

import streamlit as st

from barometre.ui import etat
from barometre.ui import grille as ui_grille
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
sel = etat.selection()

user = ui_pilotage.utilisateur() if sel.projection else ui_pilotage.connexion()
if not sel.projection:
    st.title("Grille de positionnement")
ctx = ui_grille.contexte(sel, user)
if sel.projection:  # one criterion per screen
    ui_grille.projection_critere(ctx)
    st.stop()

st.caption(
    "Un point d'étape tous les trois ans, validé par le Conseil communautaire ; la grille est renseignée par "
    "le panel « baromètre d'impact » : positionnement du territoire pour chaque critère, impacts obtenus, "
    "acquis "
    "consolidés, difficultés rencontrées et objectifs d'amélioration (projet de territoire, « Dispositif de "
    "suivi & de pilotage »). La colonne « situation » vient des indicateurs du baromètre rattachés à chaque "
    f"critère, pour {ctx.epci.nom} : dernier millésime et millésime précédent.")
if ctx.edition is None:
    st.info("Aucune édition de la grille n'a encore été ouverte : les critères et la situation actuelle du "
            "baromètre sont affichés, les colonnes du panel sont « à renseigner ». Un agent ouvre une "
            "édition "
            "dans l'onglet « Éditions ».")
elif ctx.figee:
    st.info("Édition validée : grille en lecture seule ; la situation est celle du baromètre au moment de "
            "la "
            f"validation ({ui_pilotage.date_lisible(ctx.edition['modifie_le'])}).")

ONGLETS = {"Grille": ui_grille.grille, "Comparer les éditions": ui_grille.comparer,
           "Renseigner": ui_grille.renseigner, "Historique": ui_grille.historique,
           "Éditions": ui_grille.editions}
for onglet, afficher in zip(st.tabs(list(ONGLETS)), ONGLETS.values(), strict=True):
    with onglet:
        afficher(ctx)
