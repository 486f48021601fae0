"""Méthodologie page sections drawn from the computations' own rule texts (Streamlit)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import verdicts
from barometre.calculs.budget_carbone import METHODE_FR as BUDGET_CARBONE
from barometre.catalogue import Catalogue, Marge
from barometre.ui import cache

COMPARAISONS_FR = (
    "**Comparer à l'identique.** Un repère (Nord, région, France métropolitaine, agglomération) n'est montré "
    "qu'avec la même définition, la même unité et une échelle comparable : un **total** (population, tonnes "
    "de gaz à effet de serre, hectares, nombre d'établissements) n'est jamais placé à côté du total d'un autre "
    "territoire — c'est l'indicateur par habitant, ou la part, qui porte la comparaison. Une valeur d'un "
    "autre niveau (l'espérance de vie n'est publiée qu'à partir du département) est nommée avec son niveau, "
    "jamais montrée comme la valeur du territoire. Une valeur d'une autre définition n'apparaît que sur une "
    "ligne « Autre définition (…) » qui dit la différence. Deux totaux sur des périodes de longueurs "
    "différentes (consommation d'espaces sur 2011-2020 puis sur 2021-2023) ne forment pas une série : aucune "
    "évolution n'est calculée entre eux.\n\n"
    "**Montants en euros constants.** Une évolution de montant (revenu médian) est donnée en euros constants "
    "du dernier millésime, avec l'indice annuel des prix à la consommation de l'INSEE (base 2015, ensemble des "
    "ménages, France, série 001764363) : montant × indice de l'année d'arrivée ÷ indice de l'année de départ ; "
    "l'évolution en euros courants reste affichée à côté. Sans l'indice des deux années, la carte dit « euros "
    "courants, inflation non déduite » et ne qualifie pas l'évolution.\n\n"
    "**Comment chaque valeur est faite.** La colonne « Méthode » dit, pour chaque valeur : « publiée par le "
    "producteur » (avec son nom ; le nombre d'une commune tel que l'INSEE le publie), « calculée par » un tiers "
    "nommé (parts calculées par l'observatoire PTOD à partir du recensement, recopiées telles quelles) ou "
    "« calculée par le baromètre » avec sa formule (taux d'une commune, valeurs d'un groupe de communes à "
    "partir des effectifs additionnés, IDH-4)."
)


def marge_texte(marge: Marge | None, unite: str) -> str:
    """« ±0,5 pt », « ±1 % de la valeur », « aucune (comptage exact) »."""
    if marge is None:
        return "non définie"
    parts = []
    if marge.absolue is not None:
        if marge.absolue == 0 and not marge.relative:
            return "aucune (toute variation est lue)"
        unit = "pt" if unite == "%" else unite
        parts.append(f"±{formats.nombre(marge.absolue, 2 if marge.absolue < 0.1 else 1)} {unit}".strip())
    if marge.relative is not None:
        parts.append(f"±{formats.nombre(marge.relative, 0)} % de la valeur comparée")
    return " ou ".join(parts)


def marges(cat: Catalogue) -> None:
    """The margin rules by kind of source, and each indicator's margin, rule and kind (total or rate)."""
    st.markdown("## Marges, comparaisons et méthodes")
    st.markdown(
        "Chaque indicateur porte une **marge** : une variation entre deux millésimes qui reste dans la marge "
        "est « stable », un écart avec un repère qui reste dans la marge est « comparable ». C'est la marge "
        "d'erreur du producteur quand il en publie une ; sinon une règle écrite dans le catalogue "
        "(`data/catalogue/indicateurs.toml`, tables `[marges.*]`) selon le type de source :")
    usage = {k: sum(1 for i in cat.indicateurs if i.marge_regle == k) for k in cat.marges}
    st.dataframe(pl.DataFrame([{"Règle": r.libelle, "Marge": marge_texte(Marge(k, r.absolue, r.relative), "")
                                if r.absolue is not None or r.relative is not None else "celle du producteur",
                                "Origine": "producteur" if r.origine == "producteur" else "règle du baromètre",
                                "Indicateurs": usage[k]}
                               for k, r in cat.marges.items()]), hide_index=True, width="stretch")
    st.caption("Une marge absolue est dans l'unité de l'indicateur (en points pour un taux en %) ; une marge "
               "relative en % de la valeur comparée (la plus grande des deux s'applique). Détail par indicateur "
               "ci-dessous.")
    st.markdown("\n".join(f"- **{r.libelle}** — {r.texte}" for r in cat.marges.values()))
    st.markdown(COMPARAISONS_FR)
    with st.expander("Marge et nature de chaque indicateur"):
        st.dataframe(pl.DataFrame([
            {"Indicateur": i.libelle, "Unité": i.unite, "Marge": marge_texte(cat.marge(i), i.unite),
             "Règle": cat.marges[i.marge_regle].libelle if i.marge_regle in cat.marges else "",
             "Nature": "total (jamais comparé au total d'un autre territoire)" if i.grandeur == "total"
             else "taux, part, montant ou indice (comparable)"}
            for i in cat.indicateurs]), hide_index=True, width="stretch")


def verdicts_et_budget() -> None:
    """The verdict rule (progression / situation, Open SDG thresholds), the margins and like-for-like rules,
    and the carbon budget's method."""
    st.markdown(verdicts.RULE_FR)
    marges(cache.catalogue())
    st.markdown("## Budget carbone")
    st.markdown(BUDGET_CARBONE)
