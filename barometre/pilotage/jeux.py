"""The expected datasets and their status, for the « Données » page (no Streamlit).

Grain of :func:`statuts`: one row per source of ``data/catalogue/sources.toml``: what is stored (levels,
years), whether the producer revised published values (a load flagged ``revision`` and not undone), and
whether ``barometre telecharger`` knows an address for it. :func:`regionaux` lists the indicators published
here for the département or the région only, with the file that would give the agglomeration's value
(``data/catalogue/fichiers_locaux.toml``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl

from barometre.catalogue import Catalogue

FICHIERS_LOCAUX = "fichiers_locaux.toml"
NIVEAUX_LOCAUX = {"commune", "epci", "bv2022", "bv2022_insee", "canton", "ze2020"}
NIVEAUX_FR = {"commune": "communes", "epci": "agglomération", "departement": "département", "region": "région",
              "france": "France", "bv2022": "bassins de vie", "bv2022_insee": "bassins de vie INSEE entiers",
              "canton": "cantons", "ze2020": "zones d'emploi"}
COLONNES = ("Statut", "Jeu de données", "Producteur", "Niveaux", "Révision du producteur", "Téléchargement",
            "Adresse")


def statuts(cat: Catalogue, stockees: pl.DataFrame, chargements: list, telechargeables: set[str]) -> pl.DataFrame:
    """Every source with its status. ``stockees``: :func:`barometre.donnees.queries.sources_chargees`;
    ``chargements``: the loads (:class:`barometre.sources.entrepot.Chargement`), latest first."""
    par_source = {r["source"]: r for r in stockees.iter_rows(named=True)}
    revisions: dict[str, str] = {}
    for c in chargements:
        sid = c.info.get("source")
        if sid and c.info.get("revision") and not c.info.get("annule_par") and sid not in revisions:
            revisions[sid] = f"oui (chargement n° {c.id})"
    rows = []
    for s in cat.sources:
        r = par_source.get(s.id)
        if r is None:
            statut = ("à charger" if "charger" in s.millesime
                      else "livré (référentiel, sans valeur d'indicateur)" if s.dossier_brut else "manquant")
        elif r["premiere_annee"] == r["derniere_annee"]:
            statut = f"chargé : {r['derniere_annee']}"
        else:
            statut = f"chargé : {r['premiere_annee']}–{r['derniere_annee']}"
        rows.append({
            "Jeu de données": s.jeu_de_donnees, "Producteur": s.producteur, "Statut": statut,
            "Niveaux": ", ".join(NIVEAUX_FR.get(n, n) for n in r["niveaux"]) if r else "–",
            "Révision du producteur": revisions.get(s.id, "non"),
            "Téléchargement": "barometre telecharger" if s.id in telechargeables else "à la main",
            "Adresse": s.url})
    out = pl.DataFrame(rows, schema={k: pl.String for k in COLONNES})
    rang = pl.when(pl.col("Statut").str.starts_with("chargé")).then(1).otherwise(0)
    return out.with_columns(rang.alias("_r")).sort("_r", "Producteur", maintain_order=True).drop("_r")


def fichiers_locaux(catalogue_dir: Path) -> dict[str, dict]:
    path = catalogue_dir / FICHIERS_LOCAUX
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {e["id"]: e for e in tomllib.load(f).get("indicateur", [])}


def regionaux(cat: Catalogue, disponibilites: pl.DataFrame, locaux: dict[str, dict]) -> pl.DataFrame:
    """Indicators with values only above the agglomeration (département, région, France), each with the file
    that would give the agglomeration's value, or « aucun fichier connu »."""
    filled = disponibilites.filter((pl.col("n_valeurs") + pl.col("n_secret")) > 0)
    niveaux = filled.group_by("indicateur").agg(pl.col("niveau").unique().sort())
    rows = []
    for ind_id, nivs in niveaux.sort("indicateur").iter_rows():
        if set(nivs) & NIVEAUX_LOCAUX:
            continue
        try:
            libelle = cat.indicateur(ind_id).libelle
        except KeyError:
            libelle = ind_id
        e = locaux.get(ind_id)
        rows.append({
            "Indicateur": libelle, "Publié pour": ", ".join(NIVEAUX_FR.get(n, n) for n in nivs),
            "Fichier qui donnerait la valeur de l'agglomération": e["fichier"] if e else "aucun fichier connu",
            "Se charge ici": ("oui" if e.get("chargeable") else "non (mise en page à ajouter)") if e else "–",
            "Adresse": e.get("page", "") if e else "", "Note": e.get("note", "") if e else ""})
    cols = ("Indicateur", "Publié pour", "Fichier qui donnerait la valeur de l'agglomération", "Se charge ici",
            "Adresse", "Note")
    return pl.DataFrame(rows, schema={k: pl.String for k in cols})
