"""Méthodologie page sections drawn from the computations' own rule texts (Streamlit)."""

from __future__ import annotations

import streamlit as st

from barometre.calculs import verdicts
from barometre.calculs.budget_carbone import METHODE_FR as BUDGET_CARBONE
from barometre.ui import cache


def verdicts_et_budget() -> None:
    """The verdict rule (progression / situation, Open SDG thresholds) and the carbon budget's method."""
    st.markdown("## Verdicts : progression et situation")
    st.markdown(verdicts.RULE_FR)
    st.markdown("## Budget carbone")
    st.markdown(BUDGET_CARBONE)


GLOSSAIRE = {
    "APL": "Accessibilité potentielle localisée : consultations de médecine générale accessibles par habitant "
           "et par an (DREES).",
    "BPE": "Base permanente des équipements (INSEE).",
    "COG": "Code officiel géographique (INSEE).",
    "ENAF": "Espaces naturels, agricoles et forestiers ; leur consommation mesure l'artificialisation.",
    "EnR": "Énergies renouvelables.",
    "EPCI": "Établissement public de coopération intercommunale (ici la communauté d'agglomération).",
    "Filosofi": "Fichier localisé social et fiscal (INSEE) : revenus, niveau de vie, pauvreté.",
    "IDH-4": "Indice de développement humain régional (santé, éducation, niveau de vie), variante "
             "Hauts-de-France de l'IDH du PNUD.",
    "IGT": "Inventaire de gaz à effet de serre territorialisé (ADEME).",
    "PCAET": "Plan climat-air-énergie territorial.",
    "PREPA": "Plan national de réduction des émissions de polluants atmosphériques.",
    "QPV": "Quartier prioritaire de la politique de la ville.",
    "RP": "Recensement de la population (INSEE) ; RP 2022 = enquêtes 2020 à 2024.",
    "SNBC": "Stratégie nationale bas-carbone.",
    "SRADDET": "Schéma régional d'aménagement, de développement durable et d'égalité des territoires.",
    "UC": "Unité de consommation : pondération des membres du ménage pour comparer les niveaux de vie.",
}


def glossaire() -> None:
    """The acronyms the pages use; the PCAET's adoption date is the territory's (territoire.toml, [documents])."""
    st.markdown("## Glossaire")
    docs = cache.territoire_config().documents
    for sigle, texte in GLOSSAIRE.items():
        if sigle == "PCAET" and docs.pcaet_adopte_le:
            texte = f"Plan climat-air-énergie territorial, adopté par l'agglomération le {docs.pcaet_adopte_le}."
        st.markdown(f"**{sigle}** — {texte}")
