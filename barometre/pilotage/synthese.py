"""« Où en est le territoire ? » read from the data: the glue between the built values, the register of
targets, the loads recorded in the versioned store, and the pure computation of
:mod:`barometre.calculs.synthese`. The home page (through ``ui``), the séance and ``barometre rapport``
call :func:`synthese_du_territoire`: one computation, the same statements in the three places.

It also gives the loads the « ce qui a bougé » digest reads (:func:`chargements_enregistres`): the load
records live with the values, in the lake (:mod:`barometre.sources.entrepot`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from barometre import formats
from barometre.calculs import mouvements
from barometre.calculs.synthese import Synthese, synthese
from barometre.catalogue import Catalogue, load_catalogue
from barometre.donnees.db import connect, query
from barometre.pilotage.objectifs import objectifs_rows, registre_fichier
from barometre.settings import Settings, get_settings, load_territoire
from barometre.sources.ipc import lire_ipc

VOLETS = ("environnement", "qualite_de_vie")  # the indicators whose verdicts are counted (as the annual pack)


JOURS_PAR_DEFAUT = 90  # without a previous séance, « what moved » looks back three months


def depuis_par_defaut(store: Any, le: date) -> date:
    """Where « what moved » starts when nothing else says: the previous séance held before ``le``, else
    three months before (the séance page and its pack use the same rule; the home page too)."""
    from datetime import timedelta

    seances = store.seances().to_dicts() if store is not None else []
    return mouvements.seance_precedente(seances, le) or le - timedelta(days=JOURS_PAR_DEFAUT)


def chargements_enregistres(settings: Settings) -> list[dict]:
    """Every load recorded in the lake, in the shape the digest and the pack's footnotes read (``id``,
    ``fichier``, ``source``, ``modifie_le``, ``sha256``, ``annees``, ``revisions``, ``annule``)."""
    from barometre.sources.entrepot import CHARGEMENT, Entrepot

    return [{"id": c.id, "fichier": c.info.get("fichier", ""), "source": c.info.get("source", ""),
             "modifie_le": c.quand, "sha256": c.info.get("sha256", ""), "annees": c.info.get("annees") or [],
             "revisions": c.info.get("revisions") or [], "annule": bool(c.info.get("annule_par"))}
            for c in Entrepot(settings).chargements() if c.type == CHARGEMENT]


def digest(settings: Settings, catalogue: Catalogue, store: Any, depuis: date, le: date,
           lectures: dict | None = None) -> list[mouvements.Mouvement]:
    """« Ce qui a bougé » since ``depuis``: loads (lake), targets changed and milestones (store)."""
    charges = chargements_enregistres(settings)
    if store is None:
        par_source: dict[str, list[str]] = {}
        for ind in catalogue.indicateurs:
            par_source.setdefault(ind.source, []).append(ind.id)
        return mouvements.ce_qui_a_bouge(depuis, le, chargements=charges, indicateurs_par_source=par_source,
                                         libelles={i.id: i.libelle for i in catalogue.indicateurs},
                                         lectures=lectures)
    return mouvements.depuis_le_store(store, catalogue, depuis, le, lectures, chargements=charges)


def phrase_mouvement(m: mouvements.Mouvement) -> str:
    return (f"{mouvements.TITRES_GENRES[m.genre]} — {formats.date_longue(m.date)} — {m.titre}"
            + (f" : {m.detail}" if m.detail else "") + ".")


def _valeurs(con: duckdb.DuckDBPyConnection, ids: list[str], niveau: str, code: str, departement: str) -> pl.DataFrame:
    """(indicateur, niveau, code, annee, valeur) of the territory, the Nord and France (France by its level:
    the values carry their own code), no breakdown, published values only."""
    return query(con, """
        select indicateur, niveau, code, annee, valeur from mart_valeurs
        where ventilation = '' and valeur is not null and not coalesce(secret, false)
          and list_contains($ids, indicateur)
          and ((niveau = $niveau and code = $code) or (niveau = 'departement' and code = $dep) or niveau = 'france')
        order by indicateur, niveau, code, annee
        """, {"ids": ids, "niveau": niveau, "code": code, "dep": departement})


def registre_lignes(settings: Settings, catalogue: Catalogue, objectifs: list[dict]) -> list[dict]:
    """The register as rows: the targets in force with their status and description (``objectifs_rows``)
    and the aims without a figure, from the file."""
    aims = []
    for e in registre_fichier(settings, catalogue):
        if e.orientation is None:
            continue
        o = e.orientation
        aims.append({"id": o.id, "indicateur": o.indicateur, "territoire": o.territoire, "origine": o.origine,
                     "annee_cible": o.annee_cible, "source": o.source, "illustratif": False, "a_confirmer": False,
                     "valeur_cible": None, **e.registre.model_dump(exclude={"id"})})
    return [*objectifs, *aims]


def synthese_du_territoire(settings: Settings | None = None, con: duckdb.DuckDBPyConnection | None = None, *,
                           niveau: str | None = None, code: str | None = None, le: date | None = None,
                           depuis: date | None = None, store: Any = None, objectifs: list[dict] | None = None,
                           catalogue: Catalogue | None = None) -> Synthese:
    """The synthesis of a territory (default: the agglomeration) read on ``le`` (default: today); the loads
    recorded since ``depuis`` are listed when it is given."""
    settings = settings or get_settings()
    catalogue = catalogue or load_catalogue(settings.catalogue_dir)
    terr = load_territoire(settings)
    con = con or connect(settings, catalogue)
    le = le or date.today()
    niveau, code = niveau or "epci", code or terr.epci.code
    if objectifs is None:
        try:
            objectifs = objectifs_rows(settings, con, store)
        except Exception:  # noqa: BLE001 - a broken targets file is reported by `barometre objectifs`
            objectifs = []
    registre = registre_lignes(settings, catalogue, objectifs)
    inds = [i for i in catalogue.indicateurs if i.volet in VOLETS]
    valeurs = _valeurs(con, [i.id for i in inds], niveau, code, terr.departement.code)
    projet_ids = sorted({r["indicateur"] for r in registre if r.get("indicateur")})
    valeurs_projet = query(con, """
        select indicateur, niveau, code, ventilation, annee, valeur from mart_valeurs
        where niveau = 'epci' and code = $code and valeur is not null and not coalesce(secret, false)
          and list_contains($ids, indicateur)
        order by indicateur, ventilation, annee
        """, {"ids": projet_ids, "code": terr.epci.code})
    noms = query(con, "select nom from mart_valeurs where niveau = $n and code = $c limit 1",
                 {"n": niveau, "c": code})
    nom = noms["nom"][0] if noms.height else code
    if niveau in ("bv2022", "canton", "ze2020"):  # « Bassin de vie de Denain », as the pages name a zone
        nom = f"{catalogue.groupes.niveaux.get(niveau, niveau).split(' (')[0]} de {nom}"
    lignes: list[str] = []
    if depuis is not None:
        lignes = [phrase_mouvement(m) for m in digest(settings, catalogue, store, depuis, le)
                  if m.genre in ("millesime", "revision")]
    marges = {i.id: catalogue.marge(i) for i in catalogue.indicateurs}  # the verdicts' margins (issue 19)
    return synthese(inds, valeurs, niveau, code, nom, registre, valeurs_projet, terr.epci.code, terr.epci.nom,
                    le.year, marges=marges, chargements=lignes, ipc=lire_ipc(settings.raw_dir),
                    depuis=formats.date_longue(depuis) if depuis is not None else "")
