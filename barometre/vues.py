"""Composite views shared by several pages (Streamlit): an indicator's full panel, key-figure tiles."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import charts, formats, ui
from barometre.catalogue import Indicateur

NIVEAU_LABELS = {"commune": "Commune", "epci": "Agglomération", "departement": "Département", "region": "Région",
                 "france": "France", "bv2022": "Bassin de vie (partie agglomération)", "canton": "Canton",
                 "ze2020": "Zone d'emploi (partie agglomération)", "bv2022_insee": "Bassin de vie INSEE entier"}
SENS_TEXT = {"hausse_favorable": "une hausse est favorable", "baisse_favorable": "une baisse est favorable",
             "neutre": "indicateur de contexte, sans sens favorable"}


def nom_territoire(niveau: str, code: str) -> str:
    terr = ui.territoires(niveau).filter(pl.col("code") == code)
    nom = terr["nom"][0] if terr.height else code
    if niveau in ("bv2022", "canton", "ze2020"):
        return f"{NIVEAU_LABELS[niveau].split(' (')[0]} de {nom}" if niveau != "canton" else f"Canton de {nom}"
    return nom


def perimetre_note(niveau: str, code: str) -> str:
    terr = ui.territoires(niveau).filter(pl.col("code") == code)
    return terr["perimetre"][0] if terr.height and terr["perimetre"][0] else ""


def fmt(ind: Indicateur):
    return lambda v: formats.nombre(v, ind.decimales)


def metric_tile(container, ind: Indicateur, row: dict | None, comparaison: pl.DataFrame | None = None) -> None:
    """One key figure: value, change since the previous vintage, comparison with the Nord / region."""
    if row is None:
        container.metric(ind.nom_court, "non disponible", help=ind.definition)
        return
    value = formats.valeur_unite(row["valeur"], ind.unite, ind.decimales, row["secret"])
    delta = None
    if row.get("annee_precedente") is not None and row.get("evolution") is not None:
        delta = f"{formats.ecart(row['evolution'], ind.unite, ind.decimales)} depuis {row['annee_precedente']}"
    delta_color = {"hausse_favorable": "normal", "baisse_favorable": "inverse"}.get(ind.sens, "off")
    container.metric(f"{ind.nom_court} ({row['annee']})", value, delta=delta, delta_color=delta_color,
                     help=f"{ind.definition} ({SENS_TEXT[ind.sens]}).")
    if comparaison is not None and not comparaison.is_empty():
        others = [f"{r['nom']} {formats.valeur_unite(r['valeur'], ind.unite, ind.decimales, r['secret'])} "
                  f"({r['annee']})" for r in comparaison.iter_rows(named=True)
                  if r["ordre"] > 0 and r["valeur"] is not None and r["code"] != row["code"]]
        if others:
            container.caption("Repères : " + " · ".join(others))


def indicator_panel(ind: Indicateur, niveau: str, code: str, zonage: str, key: str) -> None:
    """Everything about one indicator for one territory: value, comparison, spread across communes."""
    nom = nom_territoire(niveau, code)
    ventilation = ui.ventilation_picker(ind, key=f"{key}_ventilation")
    st.subheader(ind.libelle + (f" — {ventilation}" if ventilation else ""))
    st.caption(f"{ind.definition} Unité : {ind.unite} ; {SENS_TEXT[ind.sens]}.")
    comp = ui.comparaison(ind.id, niveau, code, ventilation)
    own = comp.filter((pl.col("niveau") == niveau) & (pl.col("code") == code))
    if own.is_empty():
        ui.empty_state(ind, niveau, nom)
    else:
        row = own.to_dicts()[0]
        c1, c2 = st.columns([1, 2])
        latest = ui.dernieres_valeurs((ind.id,), niveau, code).filter(pl.col("ventilation") == ventilation)
        metric_tile(c1, ind, latest.to_dicts()[0] if latest.height else row)
        note = perimetre_note(niveau, code)
        if note:
            c1.caption(f"Périmètre : {note}.")
        if row["methode"] == "calculee" and niveau != "commune":
            c1.caption("Calculé à partir des effectifs additionnés des communes (jamais une moyenne de taux).")
        with c2:
            chart = charts.comparison_chart(comp, ind.unite, ind.decimales)
            st.altair_chart(chart, width="stretch",
                            alt=f"Comparaison de {ind.libelle} entre {nom} et les niveaux de référence")
        ui.caption_source(ind, comp)
        ui.table_and_downloads(comp, ind, {"nom": "Territoire", "annee": "Année", "valeur": "Valeur",
                                           "methode": "Méthode", "source": "Source"}, key=f"{key}_comp", chart=chart)
    equity_panel(ind, niveau, code, zonage, ventilation, key)


def equity_panel(ind: Indicateur, niveau: str, code: str, zonage: str, ventilation: str, key: str) -> None:
    """The distribution across communes: ranking, spread, max/min ratio, and across zones."""
    years = ui.annees(ind.id, "commune")
    if not years:
        st.caption("Pas de valeurs communales pour cet indicateur : la répartition entre communes n'est pas "
                   "disponible.")
        return
    annee = years[-1]
    st.markdown(f"#### Équité entre communes ({annee})")
    group_niveau, group_code = (niveau, code) if niveau not in ("commune",) else ("epci", ui.territoire_config().epci.code)
    dist = ui.distribution(ind.id, group_niveau, group_code, annee, ventilation)
    communes = ui.valeurs_communes(ind.id, annee, zonage, ventilation)
    if group_niveau != "epci":
        members = ui.connection()  # noqa: F841 - keep one connection
        zone_codes = set(communes.filter(pl.col("zone") == group_code)["code"].to_list()) if group_niveau == zonage \
            else None
        if zone_codes is not None:
            communes = communes.filter(pl.col("code").is_in(zone_codes))
    if not dist.is_empty():
        d = dist.to_dicts()[0]
        f = fmt(ind)
        cols = st.columns(4)
        cols[0].metric("Plus faible", f"{f(d['minimum'])} {ind.unite}", help=d["commune_min"])
        cols[1].metric("Médiane des communes", f"{f(d['mediane'])} {ind.unite}")
        cols[2].metric("Plus élevée", f"{f(d['maximum'])} {ind.unite}", help=d["commune_max"])
        cols[3].metric("Rapport max / min", formats.nombre(d["rapport_max_min"], 1) if d["rapport_max_min"] else "–")
        st.caption(f"Plus faible : {d['commune_min']} · plus élevée : {d['commune_max']} · "
                   f"{d['n_valeurs']} communes avec valeur, {d['n_secret']} sous secret statistique, "
                   f"{d['n_manquantes']} sans valeur. La médiane des communes n'est pas la valeur du territoire.")
    highlight = code if niveau == "commune" else None
    chart = charts.ranking_chart(communes, ind.unite, ind.decimales, highlight, ind.nom_court)
    st.altair_chart(chart, width="stretch", alt=f"Classement des communes pour {ind.libelle}")
    secrets = communes.filter(pl.col("secret"))["nom"].to_list()
    if secrets:
        st.caption(f"Secret statistique (non représentées) : {', '.join(secrets)}.")
    ui.caption_source(ind, communes.with_columns(pl.lit(annee).alias("annee")))
    ui.table_and_downloads(communes.sort("valeur", descending=True, nulls_last=True), ind,
                           {"nom": "Commune", "code": "Code", "nom_zone": "Zone", "valeur": "Valeur",
                            "source": "Source"}, key=f"{key}_rank", chart=chart)
    zones = ui.distribution_zones(ind.id, zonage, annee, ventilation)
    if zones.height > 1:
        st.markdown("#### Entre zones du découpage")
        zchart = charts.distribution_chart(zones, ind.unite, ind.decimales)
        st.altair_chart(zchart, width="stretch",
                        alt=f"Dispersion de {ind.libelle} entre les communes de chaque zone")
        st.caption("Trait : de la commune la plus faible à la plus élevée ; boîte : quartiles ; repère orange : "
                   "médiane des communes de la zone.")
