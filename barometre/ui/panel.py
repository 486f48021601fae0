"""The Streamlit layer of the panel and label pages: the panel's API over the cached store, the well-being
index's dimensions in force (adopted criteria, else the default file), the adopted weighting, user text
shown as text (never markup), vote links and their QR codes, and the labelled projects for the map.

The store checks every permission; what is hidden here only spares people a refusal.
"""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode, urlsplit

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre.calculs import bien_etre
from barometre.calculs import panel as calc
from barometre.charts import panel as charts_panel
from barometre.formats import neutraliser_df
from barometre.pilotage.panel import Panel, tableau_recommandations
from barometre.settings import get_settings
from barometre.ui import cache
from barometre.ui import pilotage as ui_pilotage

URL_LOCALE = "http://localhost:8501"


def panel() -> Panel:
    return Panel(ui_pilotage.store())


# ---------------------------------------------------------------- the index's dimensions in force
def correspondance_en_vigueur(defaut: bien_etre.Correspondance | None = None
                              ) -> tuple[bien_etre.Correspondance, dict | None, str | None]:
    """(mapping, adopted version or None, why the adopted version is not used or None).

    The latest version of criteria adopted by the panel gives the dimensions (families) and their
    indicators (only those with commune values loaded); without one — or when none of its indicators is
    usable — the default file ``data/catalogue/dimensions_bien_etre.toml`` stays in force."""
    cat = cache.catalogue()
    if defaut is None:
        defaut = bien_etre.load_dimensions(get_settings().catalogue_dir / bien_etre.DIMENSIONS_FILE, cat)
    version, criteres = panel().criteres_adoptes()
    if version is None:
        return defaut, None, None
    avec_valeurs = {i.id for i in cat.indicateurs} & cache.indicateurs_du_niveau("commune")
    try:
        return calc.correspondance_adoptee(criteres, cat, avec_valeurs), version, None
    except bien_etre.BienEtreError as exc:
        return defaut, version, str(exc)


# ---------------------------------------------------------------- votes
def url_base() -> str:
    """The address members' phones reach: ``BAROMETRE_URL_PUBLIQUE`` when set, else the address this browser
    used (scheme and host), else the local server."""
    import os

    configured = os.environ.get("BAROMETRE_URL_PUBLIQUE", "").strip().rstrip("/")
    if configured:
        return configured
    try:
        url = st.context.url or ""
    except Exception:  # AppTest / bare mode
        url = ""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return URL_LOCALE


def url_vote(vote_id: int, code: str | None = None) -> str:
    query = {"vote": str(vote_id)}
    if code:
        query["jeton"] = code
    return f"{url_base()}/panel?{urlencode(query)}"


# ---------------------------------------------------------------- labelled projects for maps and profiles
def projets_carte(projets: pl.DataFrame) -> list[dict]:
    """Labelled projects with a position (own coordinates, else their commune's centroid)."""
    if projets.is_empty():
        return []
    geoms = cache.geometries("commune")
    centres = {r["code"]: (r["lat"], r["lon"]) for r in geoms.iter_rows(named=True)}
    noms = dict(zip(cache.territoires("commune")["code"].to_list(), cache.territoires("commune")["nom"].to_list(),
                    strict=True))
    out = []
    for r in projets.iter_rows(named=True):
        pos = calc.position_projet(r["latitude"], r["longitude"], centres.get(r["commune"]))
        if pos is None:
            continue
        out.append({"lat": pos[0], "lon": pos[1], "position": pos[2], "titre": r["titre"], "porteur": r["porteur"],
                    "commune": r["commune"], "commune_nom": noms.get(r["commune"], r["commune"])})
    return out


def noms_communes() -> dict[str, str]:
    df = cache.territoires("commune")
    return dict(zip(df["code"].to_list(), df["nom"].to_list(), strict=True))


def couche_label(carte: dict) -> bool:
    """The « Projets labellisés » switch of a commune map: when on, the labelled projects' layer is added to
    the map's spec ``carte``. Returns whether it is on."""
    projets = panel().projets_labellises()
    on = st.toggle(f"Projets labellisés « {cache.nom_label()} » ({projets.height})", key="carte_projets_label",
                   disabled=projets.is_empty(),
                   help="Ajoute à la carte les projets labellisés (page Label) : leur lieu, ou le centre de "
                        "leur commune quand le lieu n'est pas précisé.")
    if on:
        carte["layer"].append(charts_panel.couche_projets(projets_carte(projets)))
    return on


def legende_label() -> None:
    st.html('<div style="display:flex;align-items:center;gap:.5rem;margin:.2rem 0"><span style="display:'
            'inline-block;width:1rem;height:1rem;border-radius:50%;border:2px solid rgb(20,20,20);'
            f'background:rgb(0,158,115)"></span><span>Projet labellisé {html.escape(cache.nom_label())}</span></div>')


def projets_de_la_commune(code: str) -> None:
    """The labelled projects of a commune (its profile)."""
    projets = panel().projets_labellises()
    ici = projets.filter(pl.col("commune") == code) if projets.height else projets
    st.markdown(f"**Projets labellisés « {cache.nom_label()} »** : {ici.height}")
    if ici.height:
        st.dataframe(ici.select(pl.col("titre").alias("Projet"), pl.col("porteur").alias("Porteur"),
                                pl.col("lieu").alias("Lieu"),
                                pl.col("date_decision").str.to_date("%Y-%m-%d", strict=False).dt.strftime("%d/%m/%Y")
                                .alias("Labellisé le")),
                     hide_index=True, width="stretch")


def feuille_recommandations(structure) -> pl.DataFrame:
    """The recommendations' follow-up for the grille's XLSX export (formulas neutralised)."""
    p = panel()
    s = p.store
    actions, jalons = s.actions(), s.jalons()
    return neutraliser_df(tableau_recommandations(
        p.suivi(date.today()), {c.id: c.libelle for c in structure.criteres},
        dict(zip(actions["id"].to_list(), actions["libelle"].to_list(), strict=True)),
        dict(zip(jalons["id"].to_list(), jalons["libelle"].to_list(), strict=True))))
