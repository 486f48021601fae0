"""Which chart a séance view shows: never a lone bar, never an empty frame.

For one indicator of one territory, in order of preference:

- ``comparaison`` — the territory beside the Nord, the région, France (at least two published values,
  the territory's among them), for rates and other intensive indicators; a total (``agregation =
  somme``) is never set beside the Nord's total (158 351 against 2,6 million says nothing);
- ``serie`` — the territory's own values over at least two vintages;
- ``communes`` — the territory's communes ranked (at least two communes with a value), which is also
  how a median or a rate the producer does not publish for the territory is shown;
- ``None`` — nothing to compare: the view is skipped and listed as « données attendues ».

A séance opens on « Où en est le territoire ? » (:data:`SYNTHESE`, :func:`etapes`): the synthesis of
:mod:`barometre.calculs.synthese`, the same statements as the home page and the pack's first page.

Pure function over already-read frames; no Streamlit.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from barometre.catalogue import Indicateur

Genre = Literal["comparaison", "serie", "communes"]
LIBELLES_GENRES: dict[str, str] = {
    "comparaison": "comparaison avec le Nord, la région et la France",
    "serie": "évolution dans le temps",
    "communes": "les communes du territoire",
}


def _n(df: pl.DataFrame | None) -> int:
    if df is None or df.is_empty() or "valeur" not in df.columns:
        return 0
    return df.filter(pl.col("valeur").is_not_null()).height


def genre_de_vue(ind: Indicateur, niveau: str, code: str, comparaison: pl.DataFrame | None,
                 serie: pl.DataFrame | None, communes: pl.DataFrame | None) -> Genre | None:
    """``comparaison``: rows (niveau, code, valeur) of the territory and its comparison levels;
    ``serie``: the territory's (annee, valeur) rows; ``communes``: its communes' (code, valeur) rows."""
    comp = comparaison.filter(pl.col("valeur").is_not_null()) if _n(comparaison) else None
    own = comp is not None and comp.filter((pl.col("niveau") == niveau) & (pl.col("code") == code)).height > 0
    if comp is not None and own and comp.height >= 2 and ind.grandeur != "total":
        return "comparaison"
    years = serie.filter(pl.col("valeur").is_not_null())["annee"].n_unique() if _n(serie) else 0
    if years >= 2:
        return "serie"
    if niveau != "commune" and _n(communes) >= 2:
        return "communes"
    return None


SYNTHESE = "synthese"  # the séance's first step: « Où en est le territoire ? »
LIBELLE_SYNTHESE = "les cibles du projet, les verdicts et ce qui a bougé"


def etapes(vues: list) -> list:
    """The séance's steps: the synthesis first, then the views with data, in the order chosen."""
    return [SYNTHESE, *vues]
