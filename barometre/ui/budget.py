"""The carbon budget panel of the environment volet (Streamlit)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from barometre import formats
from barometre.calculs.budget_carbone import (
    CHOIX_FR,
    FORMES_BUDGET_FR,
    INDICATEUR_GES,
    METHODE_FR,
    PERIMETRES_FR,
    Choix,
    budget_choisi,
    budget_du_territoire,
    fourchette,
    variantes,
)
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
    budget = _choix(obs, row, annee) or budget
    cols = st.columns(4)
    cols[0].html(panneaux.card("Autorisé 2024–2050", _mt(budget.autorise), "Mt CO2e",
                            [f"trajectoire de l'objectif « {row.get('intitule') or row['id']} »"], METHODE_FR))
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


def _choix(obs: list[tuple], row: dict, annee: int):
    """The three choices on screen (reference year, path shape, gross or net), the range they give and every
    combination; returns the budget of the choices made (None: the register's target as it is)."""
    vs = variantes(obs, annee, annee_cible=row["annee_cible"])
    if not vs:
        return None
    annees = sorted({c.annee_reference for c, _ in vs})
    c1, c2, c3 = st.columns([1, 2, 3])
    ref = c1.selectbox("Année de référence", annees, index=annees.index(row["annee_reference"])
                       if row["annee_reference"] in annees else 0, key="budget_reference",
                       help="Une année observée ; l'année du diagnostic du PCAET n'est pas connue.")
    formes = list(FORMES_BUDGET_FR)
    forme = c2.radio("Forme de la trajectoire", formes, index=formes.index(row["forme"]) if row["forme"] in formes
                     else 0, format_func=FORMES_BUDGET_FR.get, horizontal=True, key="budget_forme")
    perimetre = c3.radio("Périmètre", list(PERIMETRES_FR), format_func=lambda p: "émissions brutes" if p == "brut"
                         else "neutralité nette", horizontal=True, key="budget_perimetre",
                         help=" ; ".join(PERIMETRES_FR.values()))
    choisi = budget_choisi(obs, Choix(ref, forme, perimetre), annee, annee_cible=row["annee_cible"])
    f = fourchette(vs)
    st.markdown(f"Selon ces choix, le budget 2024–{row['annee_cible']} va de **{_mt(f.autorise_min)} à "
                f"{_mt(f.autorise_max)} Mt CO2e**, épuisé entre **{f.epuisement_min} et {f.epuisement_max}** au "
                f"rythme de la dernière année observée ({f.n} combinaisons). {PERIMETRES_FR[perimetre].capitalize()}.")
    with st.expander("Le budget de chaque combinaison de choix"):
        st.dataframe([{"Choix": c.texte(), "Autorisé (Mt CO2e)": _mt(b.autorise), "Restant (Mt CO2e)": _mt(b.restant),
                       "Épuisé en": str(b.annee_epuisement or "–")} for c, b in vs], hide_index=True, width="stretch")
        st.caption(CHOIX_FR)
    return choisi
