"""Cached data access for the pages: one DuckDB connection, the catalogue, and query wrappers that take
plain values and return DataFrames (STYLE.md §6: caching in exactly two places, ``st.cache_resource`` for
the connection and ``st.cache_data`` on these wrappers). Per-territory and catalogue-wide answers are fetched
once and filtered here, so that a page of fourteen cards asks three queries, not forty-two.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre.catalogue import Catalogue, load_catalogue
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.settings import Territoire, get_settings, load_territoire

NIVEAU_COMMUNE = "commune"
NIVEAU_EPCI = "epci"


@st.cache_resource(show_spinner=False)
def connection():
    return connect()


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    return load_catalogue(get_settings().catalogue_dir)


def territoire_config() -> Territoire:
    return load_territoire()


@st.cache_data(show_spinner=False)
def _valeurs_niveau(niveau: str) -> pl.DataFrame:
    return queries.valeurs_niveau(connection(), niveau)


@st.cache_data(show_spinner=False)
def _valeurs_tous_niveaux(indicateur: str) -> pl.DataFrame:
    return queries.valeurs(connection(), indicateur)


@st.cache_data(show_spinner=False)
def valeurs(indicateur: str, niveau: str | None = None, codes: tuple[str, ...] | None = None,
            annee: int | None = None, ventilation: str | None = None) -> pl.DataFrame:
    """One indicator's values; a level's values of every indicator are asked once and filtered here. Cached
    itself: a hit unpickles the small filtered frame, not the whole level's (9 ms for the shipped communes'
    1.3 MB at every call before, far more on the national data)."""
    if niveau is None:
        return queries.filtrer_valeurs(_valeurs_tous_niveaux(indicateur), indicateur, codes, annee, ventilation)
    return queries.filtrer_valeurs(_valeurs_niveau(niveau), indicateur, codes, annee, ventilation,
                                   _indicateurs_colonnes())


@st.cache_data(show_spinner=False)
def _indicateurs_colonnes() -> pl.DataFrame:
    return queries.indicateurs_colonnes(connection())


@st.cache_data(show_spinner=False)
def _dernieres_territoire(niveau: str, code: str) -> pl.DataFrame:
    return queries.dernieres_valeurs(connection(), None, niveau, code)


def dernieres_valeurs(indicateurs: tuple[str, ...], niveau: str, code: str) -> pl.DataFrame:
    return _dernieres_territoire(niveau, code).filter(pl.col("indicateur").is_in(list(indicateurs)))


@st.cache_data(show_spinner=False)
def _comparaisons_territoire(niveau: str, code: str) -> pl.DataFrame:
    return queries.comparaisons(connection(), niveau, code)


def comparaisons_territoire(niveau: str, code: str) -> pl.DataFrame:
    """Every indicator's and breakdown's comparison rows for one territory (cached)."""
    return _comparaisons_territoire(niveau, code)


def comparaison(indicateur: str, niveau: str, code: str, ventilation: str = "") -> pl.DataFrame:
    return _comparaisons_territoire(niveau, code).filter(
        (pl.col("indicateur") == indicateur) & (pl.col("ventilation") == ventilation))


@st.cache_data(show_spinner=False)
def _distributions_groupe(niveau: str, code: str) -> pl.DataFrame:
    return queries.distributions(connection(), niveau, code)


def distribution(indicateur: str, niveau: str, code: str, annee: int | None = None,
                 ventilation: str = "") -> pl.DataFrame:
    return queries.choisir_distribution(_distributions_groupe(niveau, code), indicateur, annee, ventilation)


@st.cache_data(show_spinner=False)
def distribution_zones(indicateur: str, zonage: str, annee: int, ventilation: str = "") -> pl.DataFrame:
    return queries.distribution_zones(connection(), indicateur, zonage, annee, ventilation)


@st.cache_data(show_spinner=False)
def _communes_zonage(zonage: str) -> pl.DataFrame:
    return queries.communes_zonage(connection(), zonage)


def communes_zonage(zonage: str) -> pl.DataFrame:
    """The followed communes with their zone in ``zonage`` (code, nom, zone, nom_zone)."""
    return _communes_zonage(zonage)


def valeurs_communes(indicateur: str, annee: int, zonage: str, ventilation: str = "") -> pl.DataFrame:
    return queries.joindre_communes(_communes_zonage(zonage),
                                    valeurs(indicateur, NIVEAU_COMMUNE, annee=annee, ventilation=ventilation))


@st.cache_data(show_spinner=False)
def disponibilites() -> pl.DataFrame:
    return queries.disponibilites(connection())


@st.cache_data(show_spinner=False)
def _index_disponibilites() -> dict:
    return queries.index_disponibilites(disponibilites())


def annees(indicateur: str, niveau: str | None = None) -> list[int]:
    return list(_index_disponibilites().get(("annees", indicateur, niveau), []))


def indicateurs_du_niveau(niveau: str) -> set[str]:
    """The indicators with at least one vintage at ``niveau``: one read of the index (a cached value is
    copied at each read), where asking :func:`annees` for each of 130 indicators read it 130 times."""
    return {k[1] for k, v in _index_disponibilites().items() if k[0] == "annees" and k[2] == niveau and v}


def annees_ventilation(indicateur: str, niveau: str, ventilation: str) -> list[int]:
    """The vintages of one breakdown (an election's year, not every election's): all of them for the total."""
    if not ventilation:
        return annees(indicateur, niveau)
    return sorted(set(valeurs(indicateur, niveau, ventilation=ventilation)["annee"].to_list()))


def ventilations(indicateur: str) -> list[str]:
    return list(_index_disponibilites().get(("ventilations", indicateur), []))


def disponibilite(indicateur: str) -> pl.DataFrame:
    return queries.disponibilite_de(disponibilites(), indicateur)


def indicateurs_disponibles() -> set[str]:
    """The indicators with at least one row in the followed territories."""
    return {k[1] for k in _index_disponibilites() if k[0] == "ventilations"}


@st.cache_data(show_spinner=False)
def _territoires_tous() -> pl.DataFrame:
    return queries.territoires(connection())


def territoires(niveau: str | None = None) -> pl.DataFrame:
    """The followed territories of one level (or all), sorted by level and name: one query for all."""
    tous = _territoires_tous()
    return tous if niveau is None else tous.filter(pl.col("niveau") == niveau)


@st.cache_data(show_spinner=False)
def geometries(niveau: str) -> pl.DataFrame:
    return queries.geometries(connection(), niveau)


@st.cache_data(show_spinner=False)
def series(indicateur: str, territoires_choisis: tuple[tuple[str, str], ...],
           ventilation: str | None = "") -> pl.DataFrame:
    return queries.series(connection(), indicateur, territoires_choisis, ventilation)


def niveaux_options() -> dict[str, str]:
    """Level id → French label, in picker order: EPCI, communes, the configured zonings."""
    conf = territoire_config()
    options = {NIVEAU_EPCI: "Agglomération", NIVEAU_COMMUNE: "Commune"}
    for z in conf.zonages:
        options[z.id] = z.libelle_zone + (" (illustratif)" if z.illustratif else "")
    extra = set(territoires()["niveau"].unique()) - set(options) - {"bv2022_insee", "departement", "region",
                                                                    "france"}
    for niveau in sorted(extra):  # zonings of the agglomeration (data/zonages/*.csv)
        options[niveau] = niveau.replace("_", " ").capitalize()
    return options


def zonages_options() -> dict[str, str]:
    """Zoning id → French label: the configured zonings, then the other zonings loaded."""
    options = {z.id: z.libelle for z in territoire_config().zonages}
    for niveau in niveaux_options():
        if niveau not in options and niveau not in (NIVEAU_EPCI, NIVEAU_COMMUNE):
            options[niveau] = niveau
    return options


def nom_label() -> str:
    """The name of the projet de territoire's label (territoire.toml, ``[documents] label``)."""
    return territoire_config().documents.label or "du projet de territoire"


def niveau_libelle(niveau: str) -> str:
    """A level's French label (data/catalogue/groupes.toml), the id itself when it has none."""
    return catalogue().groupes.niveaux.get(niveau, niveau)


def nom_territoire(niveau: str, code: str) -> str:
    terr = territoires(niveau).filter(pl.col("code") == code)
    nom = terr["nom"][0] if terr.height else code
    if niveau in ("bv2022", "canton", "ze2020"):
        return f"{niveau_libelle(niveau).split(' (')[0]} de {nom}"
    return nom


def perimetre_note(niveau: str, code: str) -> str:
    terr = territoires(niveau).filter(pl.col("code") == code)
    return terr["perimetre"][0] if terr.height and terr["perimetre"][0] else ""
