"""Indice de bien-être pondéré par le panel: sliders per dimension, score and rank of each commune and
zone (map, ranking), rank ranges under random weightings, the panel's weighting saved and reopened by link.

The computation is barometre.calculs.bien_etre (pure); the parts are barometre.ui.bien_etre. The weights
live in the URL (``w=3,3,1,…``) and a saved weighting in ``?ponderation=<slug>``.
"""

import streamlit as st

from barometre import formats
from barometre.calculs import bien_etre
from barometre.ui import bien_etre as ui_be
from barometre.ui import cache, etat
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
sel = etat.selection()
# Browsing is open; signing in (sidebar) lets the panel propose a weighting and an agent adopt it.
ctx = ui_be.contexte(ui_pilotage.utilisateur() if sel.projection else ui_pilotage.connexion())

st.title("Indice de bien-être pondéré par le panel")
st.caption("Familles du bien-être du projet de territoire (thème de l'OCDE entre parenthèses), pondérées "
           "par des notes, selon la méthode du « Better Life Index » de l'OCDE. Chaque indicateur va de 0 "
           f"(commune la moins bien placée) à 1 (la mieux placée) : un score compare les {len(ctx.names)} "
           "communes entre elles, ce n'est pas une mesure absolue.")


@st.fragment  # moving a slider or changing the zoning reruns the index only, not the app's frame
def indice_du_panel() -> None:
    status = st.container()  # filled once the sliders are read: the weighting's status comes first on screen
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.markdown("## Pondération")
        st.caption("0 = ne compte pas, 5 = compte beaucoup. Seul le rapport entre les notes compte.")
        notes, init = ui_be.weights_picker(ctx.corr, st)
    flash = ui_be.message_flash()

    choix = sel.avec(zonage=etat.zonage_picker(container=right, key="zonage_be"))
    zone_names = bien_etre.noms(cache.territoires(choix.zonage).iter_rows(named=True))
    valeurs = ui_be.lire_valeurs(ctx.corr, choix.zonage)
    indice = bien_etre.calculer(ctx.corr, ctx.sens, notes, valeurs.communes, list(ctx.names), valeurs.zones,
                                list(zone_names))
    plages = ui_be.sensibilite(indice.communes, indice.poids)  # cached: 1,000 weightings
    sens_table = bien_etre.tableau_sensibilite(indice.communes, plages, ctx.names)
    ranking = bien_etre.ranking_frame(indice.communes, ctx.names, valeurs.zone_of)

    with left:
        st.caption("Poids : " + " · ".join(f"{d.libelle} {formats.nombre(100 * indice.poids[d.id], 0)} %"
                                           for d in ctx.corr.dimensions))
    with status:
        ui_be.statut(ctx, notes, init, flash)
    with right:
        event = ui_be.resultats(ctx, choix, indice, plages, sens_table, ranking, zone_names)
    ui_be.sans_score(ctx, indice)
    ui_be.detail(ctx, choix, indice, plages, valeurs, event)
    ui_be.enregistrement(ctx, notes)
    ui_be.methode(ctx, valeurs.annees)


indice_du_panel()
