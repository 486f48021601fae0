"""Equity over time (issue 23, item 3): for one commune-level indicator, the spread between the communes (or
between the bassins de vie) at each vintage, and whether it narrows.

For each vintage, over the territories with a value (secret and missing values left out, and counted):

- the gap between the best and the worst, **max − min**, in the indicator's unit;
- the **max / min ratio** (only when min > 0);
- the **weighted coefficient of variation** CV = √(Σ wᵢ (xᵢ − x̄)²) / x̄ with x̄ = Σ wᵢ xᵢ and wᵢ the weights
  normalised to sum 1: for a rate, the weight is its denominator (the active population for an unemployment
  rate…), for a weighted mean its weight (the standardised population of the APL), so that x̄ is exactly the
  value of the whole group computed from summed counts; otherwise the population of the same year;
  unweighted when neither is loaded for that year (said so). With 47 communes an interdecile ratio would
  rest on four or five communes at each end: the CV uses them all.

The spread **narrows** (« se resserre ») when the CV of the latest vintage is lower than that of the first by
more than half a point of CV (0.005, the rounding of the figures shown), **widens** (« s'élargit ») when higher
by as much, and is **stable** otherwise. Only vintages of the same indicator and breakdown are compared.
Pure functions: no Streamlit, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

SEUIL_CV = 0.005
DEFINITION = ("écart max − min (unité de l'indicateur) ; rapport max / min ; coefficient de variation pondéré "
              "= écart-type pondéré ÷ moyenne pondérée, les poids étant le dénominateur du taux ou le poids de "
              "la moyenne pondérée (la moyenne pondérée est alors la valeur du groupe calculée sur les effectifs "
              "additionnés) ou, à défaut, la population de la même année (sans elle, non pondéré). L'écart se "
              "resserre quand le coefficient baisse de plus de 0,005 entre le premier et le dernier millésime, "
              "s'élargit quand il monte d'autant, sinon il est stable.")


@dataclass(frozen=True)
class Dispersion:
    annee: int
    n: int  # territories with a value
    n_sans_valeur: int  # secret or missing
    minimum: float
    code_min: str
    maximum: float
    code_max: str
    ecart: float
    rapport: float | None
    cv: float | None
    ponderation: str  # « dénominateur », « population » or « aucune (non pondéré) »


def dispersion(annee: int, valeurs: Mapping[str, float | None], poids: Mapping[str, float | None] | None,
               ponderation: str) -> Dispersion | None:
    """The spread of one vintage; None when fewer than two territories have a value. Without a positive weight
    for every territory with a value, the CV is unweighted and ``ponderation`` says so."""
    known = {k: float(x) for k, x in valeurs.items() if x is not None and math.isfinite(float(x))}
    if len(known) < 2:
        return None
    code_min = min(known, key=lambda k: (known[k], k))
    code_max = max(known, key=lambda k: (known[k], k))
    lo, hi = known[code_min], known[code_max]
    w = {k: (poids or {}).get(k) for k in known}
    if not poids or any(x is None or x <= 0 for x in w.values()):
        w, ponderation = dict.fromkeys(known, 1.0), "aucune (non pondéré)"
    total = math.fsum(w[k] for k in sorted(known))
    mean = math.fsum(w[k] * known[k] for k in sorted(known)) / total
    var = math.fsum(w[k] * (known[k] - mean) ** 2 for k in sorted(known)) / total
    cv = math.sqrt(var) / mean if mean > 0 else None
    return Dispersion(annee, len(known), len(valeurs) - len(known), lo, code_min, hi, code_max, hi - lo,
                      hi / lo if lo > 0 else None, cv, ponderation)


def dispersions(valeurs: pl.DataFrame, poids: pl.DataFrame | None, ponderation: str) -> list[Dispersion]:
    """Every vintage of ``valeurs`` (columns code, annee, valeur; one breakdown), oldest first. ``poids``:
    code, annee, valeur (the weights of the same year) or None."""
    out = []
    for annee in sorted(set(valeurs["annee"].to_list())):
        year = valeurs.filter(pl.col("annee") == annee)
        vals = dict(zip(year["code"].to_list(), year["valeur"].to_list(), strict=True))
        w = None
        if poids is not None and poids.height:
            wy = poids.filter(pl.col("annee") == annee)
            w = dict(zip(wy["code"].to_list(), wy["valeur"].to_list(), strict=True)) if wy.height else None
        d = dispersion(annee, vals, w, ponderation)
        if d is not None:
            out.append(d)
    return out


def tendance(ds: list[Dispersion]) -> str:
    """« se resserre », « s'élargit », « stable » between the first and the latest vintage; « un seul millésime »
    or « coefficient non calculable » otherwise."""
    if len(ds) < 2:
        return "un seul millésime : pas d'évolution"
    first, last = ds[0], ds[-1]
    if first.cv is None or last.cv is None:
        return "coefficient de variation non calculable"
    change = last.cv - first.cv
    if change < -SEUIL_CV:
        return "se resserre"
    if change > SEUIL_CV:
        return "s'élargit"
    return "stable"


def tableau(ds: list[Dispersion], noms: Mapping[str, str]) -> pl.DataFrame:
    """The vintages as a table (numbers, not text: the page formats them). Grain: one row per vintage."""
    schema = {"annee": pl.Int64, "n": pl.Int64, "n_sans_valeur": pl.Int64, "minimum": pl.Float64,
              "plus_faible": pl.String, "maximum": pl.Float64, "plus_eleve": pl.String, "ecart": pl.Float64,
              "rapport": pl.Float64, "cv": pl.Float64, "ponderation": pl.String}
    return pl.DataFrame([{"annee": d.annee, "n": d.n, "n_sans_valeur": d.n_sans_valeur, "minimum": d.minimum,
                          "plus_faible": noms.get(d.code_min, d.code_min), "maximum": d.maximum,
                          "plus_eleve": noms.get(d.code_max, d.code_max), "ecart": d.ecart, "rapport": d.rapport,
                          "cv": d.cv, "ponderation": d.ponderation} for d in ds], schema=schema)
