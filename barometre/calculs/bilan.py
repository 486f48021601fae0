"""The verdicts of one territory's indicators, read from the built data and the targets in force.

Glue between the data's frames (the series of :func:`barometre.donnees.queries.series_territoires`, the
targets overlay of :mod:`barometre.pilotage.objectifs`) and the pure rules of :mod:`barometre.calculs.verdicts`.
Used by the cards, the séance and ``barometre rapport``. No Streamlit here, and no connection: callers read
the data and hand frames in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from barometre.calculs import verdicts as v
from barometre.catalogue import Catalogue, Indicateur, Marge
from barometre.sources.territoires import FRANCE_CODE

NIVEAUX_REFERENCE = ("departement", "region", "france")
FRANCE_TARGET_CODE = "FR"  # how the targets file names France (pilotage.objectifs.FRANCE_TARGET_CODE)


def references(departement: str, region: str) -> list[tuple[str, str]]:
    """The comparison levels of a situation, in order: the Nord, the région, France — France as its
    values are stored (metropolitan France, ``FRM``), not as the targets file names it (``FR``)."""
    return [("departement", departement), ("region", region), ("france", FRANCE_CODE)]


def marges(catalogue: Catalogue) -> dict[str, Marge]:
    """Every indicator's margin (its producer's, else its rule's), by indicator id."""
    return {i.id: m for i in catalogue.indicateurs if (m := catalogue.marge(i)) is not None}


@dataclass(frozen=True)
class Lecture:
    """What the room is told about one indicator of one territory."""

    indicateur: str
    progression: v.Verdict
    situation: v.Verdict | None = None
    objectif: v.Verdict | None = None
    objectif_id: str = ""
    objectif_libelle: str = ""  # "cible 2050 : 0 kteq CO2 (PCAET)"
    # the situation against each reference level of the same vintage (Nord, région, France), in that order
    situations: tuple[tuple[str, v.Verdict], ...] = ()
    marge: Marge | None = None

    def verdicts(self) -> list[v.Verdict]:
        """Target verdict first when there is one (it replaces the bare direction), then the situation."""
        out = [self.objectif or self.progression]
        if self.situation is not None:
            out.append(self.situation)
        return out


def _code_objectif(niveau: str, code: str) -> str:
    return FRANCE_TARGET_CODE if niveau == "france" else code


def choisir_objectif(rows: Sequence[dict], indicateur: str, territoire: str, annee: int) -> dict | None:
    """The target that speaks for an indicator: the territory's own (not illustrative) targets first, then
    the register's headline target of the indicator (``principal``: carbon neutrality, not the press's
    −80 % of CO2 alone), the nearest target year not yet past, with a path (a reference) preferred."""
    mine = [r for r in rows if r["indicateur"] == indicateur and r["territoire"] == territoire
            and r.get("valeur_cible") is not None]
    if not mine:
        return None

    def rank(r: dict) -> tuple:
        return (bool(r.get("illustratif")), not r.get("principal"), r.get("confiance") != "adopte",
                r["annee_cible"] < annee, r.get("annee_reference") is None,
                abs(r["annee_cible"] - annee), r["id"])

    return sorted(mine, key=rank)[0]


def lecture(ind: Indicateur, niveau: str, code: str, serie: pl.DataFrame, references: pl.DataFrame,
            objectifs: Sequence[dict] = (), annee_courante: int | None = None,
            marge: Marge | float | None = None, ipc: dict[int, float] | None = None) -> Lecture:
    """Verdicts of one indicator: ``serie`` the territory's (annee, valeur) rows, ``references`` the
    (nom, niveau, annee, valeur) rows of the Nord, the région and France (in that order of preference),
    ``objectifs`` the rows of :func:`barometre.pilotage.objectifs.objectifs_rows`."""
    annee_courante = annee_courante or date.today().year
    rows = sorted(serie.iter_rows(named=True), key=lambda r: r["annee"])
    if rows and "periode" in serie.columns:  # totals over periods of another length are another series
        last = v.duree_periode(rows[-1]["periode"])
        rows = [r for r in rows if last is None or v.duree_periode(r["periode"]) == last]
    pts = [(r["annee"], r["valeur"]) for r in rows]
    fmt = {"decimales": ind.decimales, "unite": ind.unite}
    progression = v.verdict_progression(pts, ind.sens, ind.unite, ipc=ipc, marge=marge,
                                        annee_courante=annee_courante, decimales=ind.decimales)
    situation, situations = None, ()
    if pts and niveau not in NIVEAUX_REFERENCE[1:] and ind.grandeur != "total":
        last_year, last_value = sorted(p for p in pts if p[1] is not None)[-1]
        order = {n: i for i, n in enumerate(NIVEAUX_REFERENCE)}
        refs = sorted((r for r in references.iter_rows(named=True) if r["niveau"] != niveau),
                      key=lambda r: order.get(r["niveau"], 9))
        reperes = [v.Repere(r["nom"], r["annee"], r["valeur"]) for r in refs]
        situation = v.verdict_situation(last_year, last_value, reperes, ind.sens, marge=marge,
                                        annee_courante=annee_courante, **fmt)
        situations = tuple((r.nom, x) for r, x in v.verdicts_situation(
            last_year, last_value, reperes, ind.sens, marge=marge, annee_courante=annee_courante, **fmt))
    row = choisir_objectif(objectifs, ind.id, _code_objectif(niveau, code), annee_courante)
    objectif_verdict, libelle = None, ""
    if row is not None:
        hausse = {"hausse_favorable": True, "baisse_favorable": False}.get(ind.sens)
        if hausse is None and row.get("valeur_reference") is not None:
            hausse = row["valeur_cible"] > row["valeur_reference"]
        if hausse is not None:
            base = ((row["annee_reference"], row["valeur_reference"])
                    if row.get("annee_reference") is not None and row.get("valeur_reference") is not None
                    and row.get("reference_source") != "premiere_observation" else None)
            objectif_verdict = v.verdict_objectif(pts, row["annee_cible"], row["valeur_cible"], hausse,
                                                  base=base, marge=marge, annee_courante=annee_courante)
            libelle = (f"cible {row['annee_cible']} : {v._n(row['valeur_cible'], ind.decimales)} {ind.unite}"
                       + (" (repère illustratif)" if row.get("illustratif") else ""))
    marge_obj = marge if isinstance(marge, Marge) or marge is None else Marge(absolue=float(marge))
    return Lecture(ind.id, progression, situation, objectif_verdict, row["id"] if row else "", libelle,
                   situations, marge_obj)


def lectures(series: pl.DataFrame, indicateurs: Sequence[Indicateur], niveau: str, code: str,
             objectifs: Sequence[dict] = (), annee_courante: int | None = None,
             marges: dict[str, Marge] | None = None, ipc: dict[int, float] | None = None) -> dict[str, Lecture]:
    """:func:`lecture` for several indicators of one territory; ``series`` the rows of
    :func:`barometre.donnees.queries.series_territoires` for the territory and its :func:`references` (read in
    one query by the caller); ``marges`` from :func:`marges` (without it, only an exact equality is
    « comparable » or « stable »); ``ipc`` INSEE's annual price index (:func:`barometre.sources.ipc.lire_ipc`):
    amounts in euros are judged after inflation, « non jugé » without it (:func:`verdicts.montants_constants`)."""
    data = series
    out = {}
    for ind in indicateurs:
        mine = data.filter((pl.col("indicateur") == ind.id) & (pl.col("niveau") == niveau)
                           & (pl.col("code") == code))
        refs = data.filter((pl.col("indicateur") == ind.id) & ~((pl.col("niveau") == niveau)
                                                                & (pl.col("code") == code)))
        out[ind.id] = lecture(ind, niveau, code, mine, refs, objectifs, annee_courante,
                              (marges or {}).get(ind.id), ipc)
    return out
