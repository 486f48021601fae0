"""Women and men (issue 23, item 4): every value the producers publish by sex, women and men side by side
with the gap (women − men, in the indicator's unit: points for a percentage, years for a life expectancy).

A breakdown is read as a sex when it is « Femmes » or « Hommes », or ends with « , femmes » / « , hommes »
(« Alcool, femmes »): the rest of the label is the detail both sexes share. A gap is given only where both
sexes are published for the same indicator, territory, year and detail; a value with one sex only stays
alone, never compared with a total. Pure functions: no Streamlit, no database.
"""

from __future__ import annotations

import polars as pl

SEXES = {"femmes": "Femmes", "hommes": "Hommes"}
SCHEMA = {"indicateur": pl.String, "niveau": pl.String, "code": pl.String, "nom": pl.String, "annee": pl.Int64,
          "detail": pl.String, "femmes": pl.Float64, "hommes": pl.Float64, "ecart": pl.Float64}


def sexe(ventilation: str) -> tuple[str, str] | None:
    """(sex, shared detail) of a breakdown label, or None when it is not a sex."""
    text = (ventilation or "").strip()
    low = text.casefold()
    if low in SEXES:
        return low, ""
    for s in SEXES:
        if low.endswith(f", {s}"):
            return s, text[: -len(s) - 2].strip()
    return None


def a_des_sexes(ventilations: list[str]) -> bool:
    found = {sx[0] for v in ventilations if (sx := sexe(v))}
    return found == set(SEXES)


def ecarts(valeurs: pl.DataFrame) -> pl.DataFrame:
    """Women, men and the gap for every (indicator, territory, year, detail) where both are published.
    ``valeurs``: columns of mart_valeurs (indicateur, niveau, code, nom, annee, ventilation, valeur, secret);
    a secret or missing value gives no gap. Grain: one row per pair."""
    pairs: dict[tuple, dict] = {}
    for r in valeurs.iter_rows(named=True):
        sx = sexe(r["ventilation"])
        if sx is None:
            continue
        key = (r["indicateur"], r["niveau"], r["code"], r["nom"] or "", r["annee"], sx[1])
        pairs.setdefault(key, {})[sx[0]] = None if r.get("secret") else r["valeur"]
    rows = []
    for (ind, niveau, code, nom, annee, detail), by in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][4],
                                                                                            kv[0][1], kv[0][2])):
        if set(by) != set(SEXES):
            continue
        f, h = by["femmes"], by["hommes"]
        rows.append({"indicateur": ind, "niveau": niveau, "code": code, "nom": nom, "annee": annee, "detail": detail,
                     "femmes": f, "hommes": h, "ecart": f - h if f is not None and h is not None else None})
    return pl.DataFrame(rows, schema=SCHEMA)
