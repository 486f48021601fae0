"""The Streamlit layer shared by the pages: cached data access, widgets that own their URL state,
projection mode, source lines, tables behind charts and downloads.

Caching in exactly two places (STYLE.md): one ``st.cache_resource`` for the DuckDB connection, and
``st.cache_data`` on query wrappers that take plain values and return DataFrames.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.catalogue import Catalogue, Indicateur, load_catalogue
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.settings import Territoire, get_settings, load_territoire

NIVEAU_COMMUNE = "commune"
NIVEAU_EPCI = "epci"
PROJECTION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { max-width: 100% !important; padding: 1rem 2.5rem !important; }
h1 { font-size: 2.4rem !important; } h2 { font-size: 1.9rem !important; } h3 { font-size: 1.5rem !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; color: #000 !important; }
[data-testid="stMetricLabel"] p { font-size: 1.3rem !important; color: #000 !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"] p { font-size: 1rem !important; color: #222 !important; }
</style>
"""
BASE_CSS = """
<style>
/* Streamlit fades captions to 60 % opacity: sources and notes must stay readable (RGAA contrast). */
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"] p { color: #3d3d3d; }
</style>
"""


def ensure_entrypoint() -> None:
    """Make sure the page runs through app.py.

    Streamlit starts every server in its legacy multipage mode when a ``pages/`` folder sits beside the
    entry point, until the first ``st.navigation`` call: the very first visit after a restart, if it lands
    on a deep link (``/territoires?…``), would run the page alone, without app.py's shared picker. Each page
    calls this first: it switches the server to ``st.navigation`` mode and reruns through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    from barometre.ui.chargements import suivre_version

    suivre_version()  # a load made elsewhere (command line, another server on the shared catalog) is picked up


# ---------------------------------------------------------------- data access (cached)
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


def valeurs(indicateur: str, niveau: str | None = None, codes: tuple[str, ...] | None = None,
            annee: int | None = None, ventilation: str | None = None) -> pl.DataFrame:
    """One indicator's values; a level's values of every indicator are asked once and filtered here."""
    if niveau is None:
        return queries.filtrer_valeurs(_valeurs_tous_niveaux(indicateur), indicateur, codes, annee, ventilation)
    return queries.filtrer_valeurs(_valeurs_niveau(niveau), indicateur, codes, annee, ventilation,
                                   _indicateurs_colonnes())


@st.cache_data(show_spinner=False)
def _indicateurs_colonnes() -> pl.DataFrame:
    return queries.indicateurs_colonnes(connection())


# Per-territory and catalogue-wide answers are fetched once (one query) and cached; the per-indicator
# accessors below filter them, so that a page of fourteen cards asks three queries, not forty-two.
@st.cache_data(show_spinner=False)
def _dernieres_territoire(niveau: str, code: str) -> pl.DataFrame:
    return queries.dernieres_valeurs(connection(), None, niveau, code)


def dernieres_valeurs(indicateurs: tuple[str, ...], niveau: str, code: str) -> pl.DataFrame:
    return _dernieres_territoire(niveau, code).filter(pl.col("indicateur").is_in(list(indicateurs)))


@st.cache_data(show_spinner=False)
def _comparaisons_territoire(niveau: str, code: str) -> pl.DataFrame:
    return queries.comparaisons(connection(), niveau, code)


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


# ---------------------------------------------------------------- URL state
def _init_from_url(key: str, default: str, options: list[str] | None = None) -> None:
    """First run of a widget: take its value from the URL when valid, else the default."""
    if key in st.session_state:
        return
    value = st.query_params.get(key, default)
    if options is not None and value not in options:
        value = default
    st.session_state[key] = value


def _to_url(key: str, value: str | None, default: str | None = None) -> None:
    if value is None or value == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value


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


def territory_picker(container=None) -> tuple[str, str]:
    """The shared territory picker (level, then territory); owns ``niveau`` and ``code`` in the URL."""
    box = container or st.sidebar
    options = niveaux_options()
    _init_from_url("niveau", NIVEAU_EPCI, list(options))
    niveau = box.selectbox("Échelle", list(options), format_func=options.get, key="niveau")
    terr = territoires(niveau)
    codes = terr["code"].to_list()
    names = dict(zip(codes, terr["nom"].to_list(), strict=True))
    default = codes[0] if codes else ""
    if st.session_state.get("code") not in codes:
        st.session_state.pop("code", None)
    _init_from_url("code", default, codes)
    if len(codes) == 1:  # one territory at this level (the EPCI): say it, a disabled field is hard to read
        st.session_state["code"] = codes[0]
        box.markdown(f"**Territoire** : {names[codes[0]]}")
        code = codes[0]
    else:
        code = box.selectbox("Territoire", codes, format_func=lambda c: names.get(c, c), key="code")
    _to_url("niveau", niveau, NIVEAU_EPCI)
    _to_url("code", code, None if niveau != NIVEAU_EPCI else default)
    return niveau, code


def zonage_picker(container=None, key: str = "zonage") -> str:
    """Which zoning groups the communes (maps' outlines, equity between zones)."""
    box = container or st
    conf = territoire_config()
    options = {z.id: z.libelle for z in conf.zonages}
    for niveau in niveaux_options():
        if niveau not in options and niveau not in (NIVEAU_EPCI, NIVEAU_COMMUNE):
            options[niveau] = niveau
    first = next(iter(options))
    _init_from_url(key, first, list(options))
    value = box.selectbox("Découpage", list(options), format_func=options.get, key=key)
    _to_url(key, value, first)
    return value


def indicator_picker(indicateurs: list[Indicateur], key: str = "indicateur", label: str = "Indicateur",
                     container=None) -> Indicateur:
    box = container or st
    ids = [i.id for i in indicateurs]
    labels = {i.id: f"{i.libelle} ({i.unite})" for i in indicateurs}
    _init_from_url(key, ids[0], ids)
    chosen = box.selectbox(label, ids, format_func=labels.get, key=key)
    _to_url(key, chosen, ids[0])
    return next(i for i in indicateurs if i.id == chosen)


def year_picker(years: list[int], key: str = "annee", container=None) -> int | None:
    if not years:
        return None
    box = container or st
    options = [str(y) for y in years]
    _init_from_url(key, options[-1], options)
    if len(options) == 1:
        st.session_state[key] = options[0]
        box.caption(f"Millésime : {options[0]}")
        return years[0]
    chosen = box.select_slider("Année", options, key=key)
    _to_url(key, chosen, options[-1])
    return int(chosen)


def ventilation_picker(ind: Indicateur, key: str = "ventilation", container=None) -> str:
    options = ventilations(ind.id)
    if len(options) <= 1:
        return options[0] if options else ""
    box = container or st
    _init_from_url(key, options[0], options)
    chosen = box.selectbox("Détail", options, format_func=lambda v: v or "Ensemble", key=key)
    _to_url(key, chosen, options[0])
    return chosen


# ---------------------------------------------------------------- navigation
# A section of the sidebar menu is a real heading (screen readers list it, axe checks its order) drawn small:
# the page titles stay the eye's landmarks. #31333F is Streamlit's text colour (12.6:1 on the sidebar grey).
NAV_SECTION_HTML = ('<h2 style="font-size:0.8rem;font-weight:700;letter-spacing:0.02em;color:#31333F;'
                    'margin:0.6rem 0 -0.4rem 0.5rem;padding:0;line-height:1.2">{}</h2>')


def sidebar_navigation(sections: dict[str, list]) -> None:
    """The sidebar menu: each section's heading, then a link per page (``st.navigation`` itself is hidden so
    that the app's name sits above the menu and the territory picker below it)."""
    import html

    for section, pages in sections.items():
        st.sidebar.html(NAV_SECTION_HTML.format(html.escape(section)))
        for p in pages:
            st.sidebar.page_link(p, label=p.title)


# ---------------------------------------------------------------- projection mode
def projection_mode() -> bool:
    return st.query_params.get("mode") == "projection"


def apply_mode() -> bool:
    """Inject the CSS of the current mode; returns True in projection mode."""
    if projection_mode():
        st.html(PROJECTION_CSS)
        if st.button("Quitter le mode projection", key="quitter_projection", shortcut="Esc"):
            del st.query_params["mode"]
            st.rerun()
        return True
    st.html(BASE_CSS)
    return False


def projection_toggle(container=None) -> None:
    box = container or st.sidebar
    if box.button("Mode projection (séance du conseil)", key="entrer_projection",
                  help="Grands caractères, fort contraste, sans barre latérale. Échap pour quitter."):
        st.query_params["mode"] = "projection"
        st.rerun()


# ---------------------------------------------------------------- provenance, tables, downloads
def source_name(source_id: str) -> str:
    """« Producteur, jeu de données » of a source id (the id itself when the catalogue lacks it)."""
    try:
        src = catalogue().source(source_id)
        return f"{src.producteur}, {src.jeu_de_donnees}"
    except KeyError:
        return source_id or "–"


def source_line(ind: Indicateur, source_ids: list[str] | None = None, annees_vues: list[int] | None = None) -> str:
    cat = catalogue()
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


def display_table(df: pl.DataFrame, ind: Indicateur, columns: dict[str, str]) -> pl.DataFrame:
    """The table behind a chart, with French formatted values and secrecy spelled out."""
    out = df
    if "valeur" in df.columns:
        secret = df["secret"] if "secret" in df.columns else pl.Series([False] * df.height)
        out = df.with_columns(pl.Series("valeur", [
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
        export = df.select([c for c in columns if c in df.columns]).rename(
            {c: columns[c] for c in columns if c in df.columns})
        if "secret" in df.columns and "valeur" in df.columns:  # an empty cell must say why it is empty
            export = export.with_columns(
                pl.when(df["secret"]).then(pl.lit("secret statistique"))
                .when(df["valeur"].is_null()).then(pl.lit("non disponible"))
                .otherwise(pl.lit("")).alias("Statut"))
        cols = st.columns(4)
        cols[0].download_button("CSV (Excel)", formats.csv_excel(export), f"{ind.id}.csv", "text/csv",
                                key=f"{key}_csv")
        cols[1].download_button("XLSX", formats.xlsx(export), f"{ind.id}.xlsx",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                key=f"{key}_xlsx")
        if chart is not None:
            png, svg = chart_images(chart.to_json())
            if png:
                cols[2].download_button("Graphique PNG", png, f"{ind.id}.png", "image/png", key=f"{key}_png")
            if svg:
                cols[3].download_button("Graphique SVG", svg, f"{ind.id}.svg", "image/svg+xml", key=f"{key}_svg")


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
    dispo = disponibilite(ind.id)
    levels = {"commune": "communes", "epci": "agglomération", "departement": "département", "region": "région",
              "france": "France", "bv2022_insee": "bassins de vie INSEE entiers"}
    if dispo.is_empty() or dispo["n_valeurs"].sum() == 0 and dispo["n_secret"].sum() == 0:
        src = catalogue().source(ind.source) if ind.source else None
        st.info(
            f"**{ind.libelle}** : aucune donnée chargée pour l'instant. "
            + (f"Source à charger : {src.producteur}, {src.jeu_de_donnees} ({src.url}). " if src else "")
            + "Un agent la charge avec la commande `uv run barometre ingest FICHIER.csv` (fichier officiel tel que "
            "téléchargé), puis `uv run barometre validate`."
        )
        return
    published = ", ".join(f"{levels.get(r['niveau'], r['niveau'])} ({r['derniere_annee']})"
                          for r in dispo.iter_rows(named=True) if r["n_valeurs"] or r["n_secret"])
    reason = ""
    if ind.agregation == "aucune" and niveau != NIVEAU_COMMUNE:
        reason = ("C'est une médiane ou un taux non additif : il ne se calcule pas en additionnant ou en "
                  "moyennant des communes, et le producteur ne le publie pas pour ce territoire. ")
    st.info(f"**{ind.libelle}** : pas de valeur pour {nom}. {reason}Disponible pour : {published}.")
