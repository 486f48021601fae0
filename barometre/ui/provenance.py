"""Where a figure comes from and the data behind a chart: source lines, the accessible table, CSV / XLSX /
PNG / SVG downloads, and the French message that says why a territory has no value."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.catalogue import Indicateur
from barometre.ui import cache, etat, graphiques


def source_name(source_id: str) -> str:
    """« Producteur, jeu de données » of a source id (the id itself when the catalogue lacks it)."""
    try:
        src = cache.catalogue().source(source_id)
        return f"{src.producteur}, {src.jeu_de_donnees}"
    except KeyError:
        return source_id or "–"


def producteur(source_id: str | None) -> str:
    """The producer of a source id (« INSEE », « DREES »), for a card's one-line source; the full name is in
    the page's source line and the methodology."""
    try:
        return cache.catalogue().source(source_id).producteur
    except KeyError:
        return source_name(source_id or "")


def source_line(ind: Indicateur, source_ids: list[str] | None = None, annees_vues: list[int] | None = None) -> str:
    cat = cache.catalogue()
    ids = source_ids or [ind.source]
    parts = []
    for sid in dict.fromkeys(ids):
        try:
            src = cat.source(sid)
            parts.append(f"{src.producteur}, {src.jeu_de_donnees} ({src.millesime})")
        except KeyError:
            parts.append(sid)
    years = f" — années affichées : {', '.join(str(a) for a in sorted(set(annees_vues)))}" if annees_vues else ""
    return "Source : " + " ; ".join(parts) + years


def caption_source(ind: Indicateur, df: pl.DataFrame | None = None) -> None:
    sources = df["source"].drop_nulls().unique().to_list() if df is not None and "source" in df.columns else None
    years = df["annee"].drop_nulls().unique().to_list() if df is not None and "annee" in df.columns else None
    st.caption(source_line(ind, sources or None, years or None))


METHODES_FR = {"calculee": "calculée par le baromètre", "publiee": "publiée par le producteur",
               "tiers": "calculée par un tiers, recopiée telle quelle"}


def libelles_lisibles(df: pl.DataFrame, ind: Indicateur | None = None) -> pl.DataFrame:
    """Levels, methods and sources as people read them (« Département », « publiée par le producteur
    (INSEE) », « calculée par le baromètre : logements vacants ÷ logements × 100 », « calculée par
    l'observatoire PTOD… »), never their ids; with ``ind`` the method names its formula or its third party."""
    out = df
    if "methode" in df.columns:
        if ind is not None:
            cat = cache.catalogue()
            sources = df["source"].to_list() if "source" in df.columns else [None] * df.height
            niveaux = df["niveau"].to_list() if "niveau" in df.columns else [""] * df.height
            out = out.with_columns(pl.Series("methode", [
                cat.methode_libelle(m, s, ind, n) if m else "" for m, s, n in
                zip(df["methode"].to_list(), sources, niveaux, strict=True)], dtype=pl.String))
        else:
            out = out.with_columns(pl.col("methode").replace(METHODES_FR))
    if "niveau" in df.columns:
        out = out.with_columns(pl.col("niveau").map_elements(cache.niveau_libelle, return_dtype=pl.String))
    if "source" in df.columns:
        out = out.with_columns(pl.col("source").map_elements(source_name, return_dtype=pl.String))
    return out


def display_table(df: pl.DataFrame, ind: Indicateur, columns: dict[str, str]) -> pl.DataFrame:
    """The table behind a chart, with French formatted values, secrecy spelled out and readable labels."""
    out = libelles_lisibles(df, ind)
    if "valeur" in df.columns:
        secret = df["secret"] if "secret" in df.columns else pl.Series([False] * df.height)
        out = out.with_columns(pl.Series("valeur", [
            formats.valeur_unite(v, ind.unite, ind.decimales, bool(s))
            for v, s in zip(df["valeur"].to_list(), secret.to_list(), strict=True)
        ]))
    keep = [c for c in columns if c in out.columns]
    return out.select(keep).rename({c: columns[c] for c in keep})


def table_and_downloads(df: pl.DataFrame, ind: Indicateur, columns: dict[str, str], key: str,
                        chart=None) -> None:
    """The accessible table behind a chart, and CSV (French Excel) / XLSX / chart downloads."""
    with st.expander("Tableau des données et téléchargements"):
        st.dataframe(display_table(df, ind, columns), hide_index=True, width="stretch")
        export = libelles_lisibles(df, ind).select([c for c in columns if c in df.columns]).rename(
            {c: columns[c] for c in columns if c in df.columns})
        if "secret" in df.columns and "valeur" in df.columns:  # an empty cell must say why it is empty
            export = export.with_columns(
                pl.when(df["secret"]).then(pl.lit("secret statistique"))
                .when(df["valeur"].is_null()).then(pl.lit("non disponible"))
                .otherwise(pl.lit("")).alias("Statut"))
        # The files are made when a button is clicked (deferred), not on every run: an XLSX and two
        # chart renderings per panel cost more than the page itself. A click downloads without a rerun.
        cols = st.columns(4)
        cols[0].download_button("CSV (Excel)", lambda: formats.csv_excel(export), f"{ind.id}.csv", "text/csv",
                                key=f"{key}_csv", on_click="ignore")
        cols[1].download_button("XLSX", lambda: formats.xlsx(export, decimales=ind.decimales), f"{ind.id}.xlsx",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                key=f"{key}_xlsx", on_click="ignore")
        if chart is not None:
            spec_json = graphiques.en_json(chart)
            cols[2].download_button("Graphique PNG", lambda: chart_images(spec_json)[0] or b"", f"{ind.id}.png",
                                    "image/png", key=f"{key}_png", on_click="ignore")
            cols[3].download_button("Graphique SVG", lambda: chart_images(spec_json)[1] or b"", f"{ind.id}.svg",
                                    "image/svg+xml", key=f"{key}_svg", on_click="ignore")


@st.cache_data(show_spinner=False)
def chart_images(spec_json: str) -> tuple[bytes | None, bytes | None]:
    import json

    import vl_convert as vlc

    spec = json.loads(spec_json)
    spec["width"] = 800 if spec.get("width") == "container" else spec.get("width", 800)
    try:
        return vlc.vegalite_to_png(spec, scale=2), vlc.vegalite_to_svg(spec).encode("utf-8")
    except Exception:  # a chart that cannot be rendered offline is simply not offered as an image
        return None, None


def empty_state(ind: Indicateur, niveau: str, nom: str) -> None:
    """Say why there is nothing to show, and how the agglomeration can load it."""
    dispo = cache.disponibilite(ind.id)
    levels = {"commune": "communes", "epci": "agglomération", "departement": "département", "region": "région",
              "france": "France", "bv2022_insee": "bassins de vie INSEE entiers"}
    if dispo.is_empty() or dispo["n_valeurs"].sum() == 0 and dispo["n_secret"].sum() == 0:
        src = cache.catalogue().source(ind.source) if ind.source else None
        st.info(
            f"**{ind.libelle}** : aucune donnée chargée pour l'instant. "
            + (f"Source à charger : {src.producteur}, {src.jeu_de_donnees} ({src.url}). " if src else "")
            + ("" if etat.projection_mode() else  # the room sees what is missing, never a shell command
               "Un agent la charge avec la commande `uv run barometre ingest FICHIER.csv` (fichier officiel tel "
               "que téléchargé), puis `uv run barometre validate`.")
        )
        return
    published = ", ".join(f"{levels.get(r['niveau'], r['niveau'])} ({r['derniere_annee']})"
                          for r in dispo.iter_rows(named=True) if r["n_valeurs"] or r["n_secret"])
    reason = ""
    if ind.agregation == "aucune" and niveau != cache.NIVEAU_COMMUNE:
        reason = ("C'est une médiane ou un taux non additif : il ne se calcule pas en additionnant ou en "
                  "moyennant des communes, et le producteur ne le publie pas pour ce territoire. ")
    st.info(f"**{ind.libelle}** : pas de valeur pour {nom}. {reason}Disponible pour : {published}.")
