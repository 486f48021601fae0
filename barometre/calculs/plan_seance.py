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

import re
from typing import Literal

import polars as pl

from barometre.catalogue import Indicateur
from barometre.formats import nombre, valeur_unite

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


# ------------------------------------------------------------------------------- what a view says
def _derniere(serie: pl.DataFrame | None) -> tuple[list[int], list[float]]:
    """The territory's (years, values) with a value, oldest first."""
    if not _n(serie):
        return [], []
    rows = serie.filter(pl.col("valeur").is_not_null()).sort("annee")
    return [int(a) for a in rows["annee"]], [float(v) for v in rows["valeur"]]


def _ecart_nord(ind: Indicateur, valeur: float, annee: int, comparaison: pl.DataFrame | None) -> str:
    """« 3,5 points au-dessus du Nord » — same vintage only; totals are never set beside the Nord's."""
    if ind.grandeur == "total" or not _n(comparaison):
        return ""
    nord = comparaison.filter((pl.col("niveau") == "departement") & pl.col("valeur").is_not_null()
                              & (pl.col("annee") == annee))
    if nord.is_empty():
        return ""
    ref = float(nord["valeur"][0])
    if ind.unite == "%":
        diff = round(valeur - ref, ind.decimales)
        if diff == 0:
            return "au niveau du Nord"
        mot = "point" if abs(diff) < 2 else "points"
        return f"{nombre(abs(diff), ind.decimales)} {mot} {'au-dessus' if diff > 0 else 'en dessous'} du Nord"
    if ref == 0:
        return ""
    rel = round(100 * (valeur - ref) / abs(ref))
    if rel == 0:
        return "au niveau du Nord"
    return f"{nombre(abs(rel), 0)} % {'au-dessus' if rel > 0 else 'en dessous'} du Nord"


def _tendance(ind: Indicateur, annees: list[int], valeurs: list[float]) -> str:
    """« en hausse depuis 2019 »: the change since the previous vintage, at the precision shown."""
    if len(valeurs) < 2:
        return ""
    diff = round(valeurs[-1], ind.decimales) - round(valeurs[-2], ind.decimales)
    sens = "stable" if abs(diff) < 10 ** -(ind.decimales + 1) else ("en hausse" if diff > 0 else "en baisse")
    return f"{sens} depuis {annees[-2]}"


def titre_actif(ind: Indicateur, genre: Genre | None, niveau: str, code: str, comparaison: pl.DataFrame | None,
                serie: pl.DataFrame | None, communes: pl.DataFrame | None) -> str:
    """One sentence that says what the view shows, for its title: « Taux de pauvreté : 23,0 %, 3,5 points
    au-dessus du Nord, en hausse depuis 2019 ». Facts only (value, gap to the Nord at the same vintage, change
    since the previous vintage); the verdicts beside the figure judge them."""
    nom = ind.nom_court
    annees, valeurs = _derniere(serie)
    parts: list[str] = []
    if valeurs:
        v = valeurs[-1]
        parts.append(valeur_unite(v, ind.unite, ind.decimales) + ("" if ind.unite == "%" else f" en {annees[-1]}"))
        ecart_nord = _ecart_nord(ind, v, annees[-1], comparaison)
        if ecart_nord:
            parts.append(ecart_nord)
        tendance = _tendance(ind, annees, valeurs)
        if tendance:
            parts.append(tendance)
    if genre == "communes" and not valeurs and _n(communes) >= 2:  # no own value: the communes' range says it
        known = communes.filter(pl.col("valeur").is_not_null()).sort(["valeur", "nom"])
        lo, hi = known.row(0, named=True), known.row(known.height - 1, named=True)
        parts.append(f"de {valeur_unite(lo['valeur'], ind.unite, ind.decimales)} ({lo['nom']}) à "
                     f"{valeur_unite(hi['valeur'], ind.unite, ind.decimales)} ({hi['nom']}) selon les communes")
    return f"{nom} : {', '.join(parts)}" if parts else nom


# ------------------------------------------------------------------------------- sources in plain French
_ID_ENTRE_PARENTHESES = re.compile(r"\s*\((?=[^)]*[_\d])[a-z0-9_\-.]+\)")


def sans_identifiant(texte: str) -> str:
    """« Comparateur de territoires (base_cc_comparateur) » → « Comparateur de territoires »: a file or table
    id means nothing to a council (lower-case tokens with an underscore or a digit, no space)."""
    return _ID_ENTRE_PARENTHESES.sub("", texte).strip()


def source_lisible(origines: list[tuple[str, str]], annees: list[int] | None) -> str:
    """« Source : INSEE, Comparateur de territoires — données 2021 »: producer and dataset of each source
    (in order, once), the vintages drawn; no command, no internal id."""
    parts = list(dict.fromkeys(f"{p}, {sans_identifiant(j)}" if j else p for p, j in origines))
    years = sorted(set(annees or []))
    quand = (f" — données {years[0]}" if len(years) == 1 else
             f" — données {', '.join(map(str, years[:-1]))} et {years[-1]}" if years else "")
    return "Source : " + " ; ".join(parts) + quand


def classement(communes: pl.DataFrame, n: int = 8) -> tuple[pl.DataFrame, pl.DataFrame | None, int]:
    """(top, bottom, others) of a ranking of communes: all of them when they fit — those without a value
    last, to be named « secret » or « non disponible » —, else the ``n`` highest, then the ``n`` lowest with a
    value and how many communes lie between (a break in the list)."""
    known = communes.filter(pl.col("valeur").is_not_null()).sort(["valeur", "nom"], descending=[True, False])
    if communes.height <= 2 * n:
        return (pl.concat([known, communes.filter(pl.col("valeur").is_null()).sort("nom")], how="diagonal_relaxed"),
                None, 0)
    if known.height <= 2 * n:
        return known, None, 0
    return known.head(n), known.tail(n), communes.height - 2 * n
