"""Equity over time on the volets (issue 23, item 3): the spread between the agglomeration's communes and
between the zones of the chosen zoning at every vintage of one indicator, and whether it narrows.
Computations: barometre.calculs.equite."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import equite
from barometre.catalogue import Indicateur
from barometre.ui import cache


def _poids(ind: Indicateur, niveau: str, ventilation: str) -> tuple[pl.DataFrame | None, str]:
    """The weights of the CV at a level: the rate's denominator or the weighted mean's weight (same
    breakdown, else its total), else the population; None when neither is loaded."""
    poids = {"ratio": ind.denominateur, "moyenne_ponderee": ind.poids}.get(ind.agregation)
    if poids:
        den = cache.valeurs(poids, niveau)
        mine = den.filter(pl.col("ventilation") == ventilation)
        den = mine if mine.height else den.filter(pl.col("ventilation") == "")
        if den.height:
            return den, f"{cache.catalogue().indicateur(poids).libelle.lower()}"
    pop = cache.valeurs("population", niveau).filter(pl.col("ventilation") == "")
    return (pop, "population") if pop.height else (None, "")


def _table(ds: list[equite.Dispersion], noms: dict[str, str], ind: Indicateur) -> pl.DataFrame:
    t = equite.tableau(ds, noms)
    n = lambda x, d=ind.decimales: formats.nombre(x, d) if x is not None else "–"  # noqa: E731
    return pl.DataFrame({
        "Année": [str(a) for a in t["annee"]],
        "Avec valeur": t["n"], "Sans valeur": t["n_sans_valeur"],
        "Plus faible": [f"{n(x)} ({nom})" for x, nom in zip(t["minimum"], t["plus_faible"], strict=True)],
        "Plus élevée": [f"{n(x)} ({nom})" for x, nom in zip(t["maximum"], t["plus_eleve"], strict=True)],
        f"Écart max − min ({ind.unite})": [n(x) for x in t["ecart"]],
        "Rapport max / min": [n(x, 2) for x in t["rapport"]],
        "Coefficient de variation pondéré": [n(x, 3) for x in t["cv"]],
        "Pondération": t["ponderation"],
    })


def _bloc(titre: str, ind: Indicateur, niveau: str, ventilation: str) -> None:
    vals = cache.valeurs(ind.id, niveau).filter(pl.col("ventilation") == ventilation)
    if not vals.height:
        return
    vals = vals.with_columns(pl.when(pl.col("secret")).then(None).otherwise(pl.col("valeur")).alias("valeur"))
    poids, ponderation = _poids(ind, niveau, ventilation)
    ds = equite.dispersions(vals.select("code", "annee", "valeur"),
                            poids.select("code", "annee", "valeur") if poids is not None else None, ponderation)
    if not ds:
        return
    noms = dict(zip(vals["code"].to_list(), vals["nom"].fill_null("").to_list(), strict=True))
    t = equite.tendance(ds)
    lecture = (f"l'écart {'est stable' if t == 'stable' else t} entre {ds[0].annee} et {ds[-1].annee}" if len(ds) > 1
               else f"{equite.tendance(ds)} ({ds[0].annee})")
    st.markdown(f"**{titre}** — {lecture}")
    st.dataframe(_table(ds, noms, ind), hide_index=True, width="stretch")


def equite_dans_le_temps(ind: Indicateur, zonage: str, ventilation: str) -> None:
    """Spread between communes and between zones at each vintage, and whether it narrows."""
    if not cache.annees(ind.id, "commune"):
        return
    st.markdown("### Équité dans le temps")
    _bloc("Entre les communes de l'agglomération", ind, "commune", ventilation)
    _bloc(f"Entre les zones du découpage : {cache.niveau_libelle(zonage)}", ind, zonage, ventilation)
    st.caption(f"Définition : {equite.DEFINITION} Les millésimes comparés sont ceux du même indicateur et du même "
               "détail ; un millésime où moins de deux territoires ont une valeur n'est pas montré.")
