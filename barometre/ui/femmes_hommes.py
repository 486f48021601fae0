"""Women and men on the volets and in the explorer (issue 23, item 4): for an indicator published by sex,
both values and the gap at every territory and year; for the others, that the loaded data has no split by sex.
Computations: barometre.calculs.femmes_hommes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import femmes_hommes as fh
from barometre.catalogue import Indicateur
from barometre.ui import cache

NON_DISPONIBLE = ("Les extraits chargés ne donnent pas cet indicateur par sexe. Publiés par sexe dans les données "
                  "chargées : part des salariés à temps partiel (agglomération, RP 2008-2018), espérance de vie "
                  "(Nord, région, France), écarts d'espérance de vie et de surmortalité cités par l'OR2S. Emploi, "
                  "activité, chômage et revenus par sexe et par commune demandent les colonnes par sexe du "
                  "recensement et de Filosofi, qui ne sont pas dans les extraits livrés.")


def femmes_hommes(ind: Indicateur, court: bool = False) -> None:
    """Women, men and the gap for every territory and year the producers publish, or why there is none
    (``court``: one short line, for the volets where it is read under every indicator)."""
    if not fh.a_des_sexes(cache.ventilations(ind.id)):
        if ind.volet == "qualite_de_vie":
            st.caption("Femmes et hommes : pas de ventilation par sexe de cet indicateur dans les données chargées "
                       "(l'Explorateur dit lesquelles le sont)." if court else f"Femmes et hommes : {NON_DISPONIBLE}")
        return
    table = fh.ecarts(cache.valeurs(ind.id))
    st.markdown("### Femmes et hommes")
    if not table.height:
        st.caption("Les deux sexes ne sont publiés pour aucun même territoire et même année.")
        return
    n = lambda x: formats.nombre(x, ind.decimales) if x is not None else "–"  # noqa: E731
    unite = "points" if ind.unite == "%" else ind.unite
    st.dataframe(pl.DataFrame({
        "Territoire": table["nom"], "Année": [str(a) for a in table["annee"]], "Détail": table["detail"],
        f"Femmes ({ind.unite})": [n(x) for x in table["femmes"]],
        f"Hommes ({ind.unite})": [n(x) for x in table["hommes"]],
        f"Écart femmes − hommes ({unite})": [formats.ecart(x, ind.unite, ind.decimales) if x is not None else "–"
                                              for x in table["ecart"]],
    }), hide_index=True, width="stretch")
    st.caption("Écart = valeur des femmes − valeur des hommes, au même territoire et à la même année, telles que "
               "le producteur les publie ; un sexe publié seul n'est comparé à rien.")
