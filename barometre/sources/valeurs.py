"""Tidy values: the schema of ``data/valeurs/*.parquet``, their checks and their atomic storage.

One row per indicator × territory (niveau, code) × year × breakdown (ventilation). ``valeur`` is null
when the source gives nothing; ``secret`` is true where the producer withholds the value for
statistical secrecy (INSEE's ``s``): such a value is never shown as zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import polars as pl

from barometre.catalogue import Catalogue
from barometre.sources.csvread import IngestError, atomic_write_parquet
from barometre.sources.layouts import Valeur

SCHEMA: dict[str, pl.DataType] = {
    "indicateur": pl.String,
    "niveau": pl.String,
    "code": pl.String,
    "annee": pl.Int32,
    "periode": pl.String,
    "ventilation": pl.String,
    "valeur": pl.Float64,
    "secret": pl.Boolean,
    "statut": pl.String,
    "source": pl.String,
}
KEY = ["indicateur", "niveau", "code", "annee", "ventilation"]
PERCENT_MAX = 100.0
ANNEE_MIN = 1990  # no official series the barometer follows starts earlier


#: What a breakdown label (« Femmes », « 15-24 ans », « Gaz – Tertiaire », « C201 – collège ») may hold:
#: letters, digits, spaces and plain punctuation. No character that builds Markdown or HTML (``<>[]!*_`#|\{}``,
#: ``:``, ``@``, ``&``, ``=``) and no « www. »: a label read from a file is shown on every page.
VENTILATION_SURE = re.compile(r"[^\W_](?:[^\W_]|[ \-–—,.'’()/%+])*")  # one branch per character: linear
VENTILATION_MAX = 80


def ventilation_refusee(ventilation: str) -> str | None:
    """Why a breakdown label cannot be stored (French), or None when it is a plain label."""
    if not ventilation:
        return None
    if len(ventilation) > VENTILATION_MAX:
        return f"libellé de ventilation trop long ({len(ventilation)} caractères, au plus {VENTILATION_MAX})"
    if not VENTILATION_SURE.fullmatch(ventilation) or "www." in ventilation.lower():
        return (f"libellé de ventilation « {ventilation[:VENTILATION_MAX]} » inattendu (caractères de mise en "
                "forme ou adresse)")
    return None


def annee_max() -> int:
    """The latest plausible year: next year (a provisional figure may carry it), never a typo like 2203."""
    return date.today().year + 1


def check_values(values: list[Valeur], catalogue: Catalogue, fichier: str) -> None:
    """Refuse values that cannot be true: a breakdown label that is not plain text, unknown indicator,
    duplicate key, year outside 1990..next year, negative count, rate outside 0..100 %."""
    known = {ind.id: ind for ind in catalogue.indicateurs}
    seen: dict[tuple, int | None] = {}
    derniere = annee_max()
    for v in values:
        refus = ventilation_refusee(v.ventilation)
        if refus:
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne, message=refus,
                              conseil="un libellé de ventilation est un texte simple (lettres, chiffres, espaces, "
                                      "tirets, virgules, parenthèses) : corrigez la cellule ou reprenez le fichier "
                                      "publié par le producteur.")
        if not ANNEE_MIN <= v.annee <= derniere:
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne,
                              message=f"année {v.annee} impossible, attendue entre {ANNEE_MIN} et {derniere}",
                              conseil="vérifiez le millésime (une faute de frappe comme 2203 pour 2023 ?).")
        ind = known.get(v.indicateur)
        if ind is None:
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne,
                              message=f"indicateur « {v.indicateur} » absent du catalogue",
                              conseil="ajoutez-le à data/catalogue/indicateurs.toml.")
        if v.key in seen:
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne,
                              message=f"doublon : {v.indicateur} {v.code} {v.annee} déjà donné ligne {seen[v.key]}",
                              conseil="gardez une seule ligne par commune (ou territoire) et par année.")
        seen[v.key] = v.ligne
        if v.valeur is None:
            continue
        if ind.agregation in ("somme", "moyenne_ponderee") and v.valeur < 0:
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne,
                              message=f"valeur négative impossible ({v.valeur:g} {ind.unite})",
                              conseil="un effectif ou une quantité ne peut pas être négatif : vérifiez la cellule.")
        if (ind.unite == "%" and ind.agregation != "evolution" and not ind.peut_depasser_100
                and not 0 <= v.valeur <= PERCENT_MAX):
            raise IngestError(fichier=fichier, ligne=v.ligne, colonne=v.colonne,
                              message=f"taux impossible ({v.valeur:g} %), attendu entre 0 et 100",
                              conseil="vérifiez l'unité : un taux s'exprime en pourcentage (ex. 12,5).")


def to_frame(values: Iterable[Valeur]) -> pl.DataFrame:
    rows = [
        {"indicateur": v.indicateur, "niveau": v.niveau, "code": v.code, "annee": v.annee, "periode": v.periode,
         "ventilation": v.ventilation, "valeur": v.valeur, "secret": v.secret, "statut": v.statut,
         "source": v.source}
        for v in values
    ]
    return pl.DataFrame(rows, schema=SCHEMA)


def merge_vintages(existing: pl.DataFrame | None, new: pl.DataFrame) -> pl.DataFrame:
    """New rows replace the same indicator × level × year; other vintages stay beside them."""
    if existing is None or existing.is_empty():
        return new.sort(KEY)
    replaced = new.select("indicateur", "niveau", "annee").unique()
    kept = existing.join(replaced, on=["indicateur", "niveau", "annee"], how="anti")
    return pl.concat([kept, new.select(existing.columns)]).sort(KEY)


def write_source(df: pl.DataFrame, valeurs_dir: Path, source: str, *, merge: bool) -> Path:
    path = valeurs_dir / f"{source}.parquet"
    valeurs_dir.mkdir(parents=True, exist_ok=True)
    existing = pl.read_parquet(path) if merge and path.exists() else None
    atomic_write_parquet(merge_vintages(existing, df), path)
    return path
