"""The Territoires page's two parts: the map of the communes for one indicator, and the profile of the
selected territory beside the agglomeration."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.catalogue import Catalogue
from barometre.charts import indicateurs as charts
from barometre.ui import cache, etat, graphiques, panneaux, provenance
from barometre.ui import panel as ui_panel
from barometre.ui import verdicts as verdicts_ui
from barometre.ui.etat import Selection


def legende(legend: list[tuple[str, tuple[int, int, int]]]) -> None:
    """A map's quantile classes as coloured swatches (text, so that it reads without the map)."""
    st.markdown("**Légende** (classes par quantiles)")
    for label, rgb in legend:
        st.html(f'<div style="display:flex;align-items:center;gap:.5rem;margin:.2rem 0">'
                f'<span style="display:inline-block;width:1.4rem;height:1rem;border:1px solid #555;'
                f'background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></span><span>{label}</span></div>')


def carte(sel: Selection) -> None:
    """The communes coloured by ``sel.indicateur`` for ``sel.annee``; a click opens the commune's profile."""
    ind = cache.catalogue().indicateur(sel.indicateur)
    communes = cache.valeurs_communes(ind.id, sel.annee, sel.zonage, sel.ventilation)
    spec, legend = charts.choropleth(communes, cache.geometries("commune"), cache.geometries(sel.zonage),
                                     panneaux.fmt(ind), ind.unite)
    avec_projets = ui_panel.couche_label(spec)
    st.markdown(f"## {ind.libelle} ({ind.unite}), {sel.annee}")
    left, right = st.columns([3, 1])
    with left:
        event = graphiques.carte(spec, key="carte", alt=f"Carte des communes : {ind.libelle}")
    with right:
        legende(legend)
        st.caption("Traits noirs épais : contours des zones du découpage choisi. Cliquer une commune ouvre son "
                   "profil.")
        if avec_projets:
            ui_panel.legende_label()
    provenance.caption_source(ind, communes.with_columns(pl.lit(sel.annee).alias("annee")))
    selected = charts.commune_cliquee(event)
    if etat.selection_nouvelle("carte", selected) and (sel.niveau, sel.code) != ("commune", selected):
        etat.aller_au_territoire("commune", selected)
    provenance.table_and_downloads(communes, ind, {"nom": "Commune", "code": "Code", "nom_zone": "Zone",
                                                   "valeur": "Valeur", "source": "Source"}, key="carte_table")


def profil_table(latest: pl.DataFrame, reference: pl.DataFrame, cat: Catalogue,
                 nom_reference: str = "Agglomération") -> pl.DataFrame:
    """Each indicator's latest value for the territory beside the reference's (the agglomeration, the Nord,
    the région, France or another territory the user picked), formatted in French. Like for like: a total
    (``agregation = somme``) is never set beside another territory's total, and a reference of another
    year says its year."""
    joined = latest.join(reference.select("indicateur", "ventilation", pl.col("valeur").alias("valeur_ref"),
                                          pl.col("annee").alias("annee_ref")),
                         on=["indicateur", "ventilation"], how="left")
    inds = {i.id: i for i in cat.indicateurs}
    rows = list(joined.iter_rows(named=True))

    def ref(r: dict) -> str:
        ind = inds[r["indicateur"]]
        if r["valeur_ref"] is None:
            return "–"
        if ind.agregation == "somme":
            return "total : non comparable"
        text = formats.valeur_unite(r["valeur_ref"], ind.unite, ind.decimales)
        return text if r["annee_ref"] == r["annee"] else f"{text} ({r['annee_ref']})"

    return pl.DataFrame({
        "Indicateur": [r["libelle"] + (f" — {r['ventilation']}" if r["ventilation"] else "") for r in rows],
        "Année": joined["annee"].to_list(),
        "Valeur": [formats.valeur_unite(r["valeur"], inds[r["indicateur"]].unite, inds[r["indicateur"]].decimales,
                                        r["secret"]) for r in rows],
        nom_reference: [ref(r) for r in rows],
        "Source": [provenance.source_name(s) if s else "–" for s in joined["source"].to_list()],
    }, schema={"Indicateur": pl.String, "Année": pl.Int64, "Valeur": pl.String, nom_reference: pl.String,
               "Source": pl.String})


AUTRE = "autre"


def choix_reference(sel: Selection) -> tuple[str, str, str]:
    """The reference the user picks for the profile: (niveau, code, name) — the agglomeration by default,
    the Nord, the région, France, or another territory (a commune, a bassin…)."""
    conf = cache.territoire_config()
    france = next(c for n, c in verdicts_ui.references() if n == "france")
    options = {"epci": ("epci", sel.epci, "Agglomération"),
               "departement": ("departement", conf.departement.code, conf.departement.nom),
               "region": ("region", conf.region.code, conf.region.nom),
               "france": ("france", france, "France")}
    c1, c2 = st.columns([1, 2])
    choix = c1.selectbox("Comparer avec", [*options, AUTRE], key="profil_reference",
                         format_func=lambda k: options[k][2] if k in options else "un autre territoire")
    if choix != AUTRE:
        return options[choix]
    autres = cache.territoires().filter(~pl.col("niveau").is_in(["departement", "region", "france"])
                                        & ~((pl.col("niveau") == sel.niveau) & (pl.col("code") == sel.code)))
    cles = [f"{r['niveau']}|{r['code']}" for r in autres.iter_rows(named=True)]
    noms = {f"{r['niveau']}|{r['code']}": f"{r['nom']} ({cache.niveau_libelle(r['niveau'])})"
            for r in autres.iter_rows(named=True)}
    cle = c2.selectbox("Territoire de comparaison", cles, format_func=noms.get, key="profil_reference_autre")
    niveau, code = cle.split("|", 1)
    return niveau, code, cache.nom_territoire(niveau, code)


def profil(sel: Selection) -> None:
    """The selected territory's latest values of every indicator (context ones only if key), beside the
    reference the user picks."""
    st.markdown(f"## Profil : {sel.nom}")
    note = cache.perimetre_note(sel.niveau, sel.code)
    if note:
        st.caption(f"Périmètre : {note}.")
    cat = cache.catalogue()
    ids = tuple(i.id for i in cat.indicateurs if i.volet != "contexte" or i.cle)
    latest = cache.dernieres_valeurs(ids, sel.niveau, sel.code)
    if sel.niveau == "commune":
        ui_panel.projets_de_la_commune(sel.code)
    if latest.is_empty():
        st.info("Aucune valeur pour ce territoire.")
        return
    niveau, code, nom = choix_reference(sel)
    table = profil_table(latest, cache.dernieres_valeurs(ids, niveau, code), cat, nom)
    st.dataframe(table, hide_index=True, width="stretch", height=500)
    st.caption("Une valeur de référence d'une autre année porte son année entre parenthèses ; un total (population, "
               "émissions…) n'est jamais comparé au total d'un autre territoire.")
