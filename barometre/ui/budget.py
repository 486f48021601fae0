"""The carbon budget panel of the environment volet (Streamlit)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from barometre import formats
from barometre.calculs.budget_carbone import INDICATEUR_GES, METHODE_FR, budget_du_territoire
from barometre.ui import cache, panneaux, provenance


def _mt(value: float) -> str:
    return formats.nombre(value / 1e6, 2)


def panneau(rows: list[dict], code: str) -> None:
    """Allowed 2024–2050, consumed, remaining, year it runs out — with the method stated."""
    serie = cache.valeurs(INDICATEUR_GES, "epci", codes=(code,), ventilation="")
    obs = [(r["annee"], r["valeur"]) for r in serie.iter_rows(named=True)]
    annee = date.today().year
    budget, row = budget_du_territoire(rows, obs, code, annee)
    st.markdown("## Budget carbone 2024–2050")
    if budget is None or row is None:
        st.caption("Budget carbone non calculable : il faut l'objectif de neutralité carbone du territoire et au "
                   "moins une année d'émissions de gaz à effet de serre.")
        return
    cols = st.columns(4)
    cols[0].html(panneaux.card("Autorisé 2024–2050", _mt(budget.autorise), "Mt CO2e",
                            [f"trajectoire de l'objectif « {row['id']} »"], METHODE_FR))
    estime = (f"dont {', '.join(str(a) for a in budget.annees_estimees)} estimées au rythme de "
              f"{budget.annee_rythme}" if budget.annees_estimees else "années observées")
    cols[1].html(panneaux.card(f"Consommé 2024–{budget.annee_courante - 1}", _mt(budget.consomme), "Mt CO2e",
                            [estime], METHODE_FR))
    cols[2].html(panneaux.card("Restant", _mt(budget.restant), "Mt CO2e",
                            ["dépassé" if budget.restant < 0 else f"au 1er janvier {budget.annee_courante}"],
                            METHODE_FR))
    cols[3].html(panneaux.card("Épuisé en", str(budget.annee_epuisement or "–"), "",
                            [f"au rythme de {formats.nombre(budget.rythme / 1000, 0)} kt CO2e/an "
                             f"({budget.annee_rythme})"], METHODE_FR))
    st.caption(f"Méthode : {METHODE_FR}")
    if budget.annee_courante - budget.annee_rythme > 3:
        st.caption(f"Attention : la dernière année d'émissions publiée est {budget.annee_rythme} ; le rythme "
                   "actuel réel peut différer. Le budget se précisera à chaque nouvel inventaire.")
    if row.get("a_confirmer") or row.get("reference_source") == "premiere_observation":
        st.caption("Objectif à confirmer : la trajectoire part provisoirement de la première observation "
                   "disponible (année de référence du PCAET inconnue).")
    provenance.caption_source(cache.catalogue().indicateur(INDICATEUR_GES), serie)
