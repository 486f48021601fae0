"""What a load would change, before it is written: the preview (``barometre ingest --apercu``, the upload
form) and the plausibility alerts.

A file is **merged** into the published values by indicator × level × territory × year × breakdown: its
rows add or replace those keys; a published value the file does not carry stays, unless the load says
``remplacer`` (``--remplacer-millesime``): then the values of the indicator × level × year the file covers
that it does not carry disappear.

Alerts (they need an explicit confirmation, ``--confirmer`` or the form's check box): a new or changed
value that moves by more than ×2 or ÷2 — or by more than 20 points for a percentage — against the value it
replaces, or against the previous vintage of the same indicator, territory and breakdown. A changed
value that was already published is a **producer revision** (« révision du producteur »), recorded with
the load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from barometre import formats
from barometre.catalogue import Catalogue
from barometre.sources.valeurs import KEY

RATIO_ALERTE = 2.0  # a value multiplied or divided by more than this against its reference
POINTS_ALERTE = 20.0  # a percentage that moves by more than this many points
MAX_LIGNES_TEXTE = 15  # rows shown per section in the text preview


Noms = dict[tuple[str, str], str]  # (level, code) → name: a code alone is ambiguous (Denain, commune and bassin)


def nom_territoire(noms: Noms, niveau: str, code: str) -> str:
    """The name of a territory from its level and code together (the code itself when unknown)."""
    return noms.get((niveau, code), code)


@dataclass
class Alerte:
    indicateur: str
    niveau: str
    code: str
    annee: int
    ventilation: str
    valeur: float
    reference: float
    annee_reference: int
    motif: str

    def texte(self, noms: Noms) -> str:
        nom = nom_territoire(noms, self.niveau, self.code)
        vent = f" [{self.ventilation}]" if self.ventilation else ""
        quand = "valeur remplacée" if self.annee_reference == self.annee else f"millésime {self.annee_reference}"
        return (f"{self.indicateur}{vent} — {nom} ({self.niveau} {self.code}) {self.annee} : "
                f"{formats.nombre(self.reference, 3)} ({quand}) → {formats.nombre(self.valeur, 3)}, {self.motif}")


@dataclass
class Apercu:
    """The effect of a file on the published values (nothing written)."""

    fichier: str
    source: str
    libelle: str
    sha256: str
    nouveaux: pl.DataFrame
    modifies: pl.DataFrame  # KEY + ancienne + nouvelle + variation_pct
    disparus: pl.DataFrame  # KEY + ancienne
    identiques: int
    absents: list[str]  # "Nom (code)" of the followed territories the file should carry but does not
    alertes: list[Alerte]
    annees: list[int]
    remplacer: bool = False
    noms: Noms = field(default_factory=dict)

    @property
    def revisions(self) -> list[dict]:
        """Already published values changed, by indicator and year: the producer revised them."""
        pub = self.modifies.filter(pl.col("ancienne").is_not_null())
        if pub.is_empty():
            return []
        grouped = pub.group_by("indicateur", "annee").agg(pl.len().alias("n")).sort("indicateur", "annee")
        return grouped.to_dicts()

    def resume(self) -> dict:
        return {"fichier": self.fichier, "sha256": self.sha256, "source": self.source, "libelle": self.libelle,
                "nouveaux": self.nouveaux.height, "modifies": self.modifies.height,
                "supprimes": self.disparus.height, "identiques": self.identiques, "annees": self.annees,
                "alertes": len(self.alertes), "revision": bool(self.revisions), "revisions": self.revisions,
                "remplacer_millesime": self.remplacer}

    def as_json(self) -> dict:
        def rows(df: pl.DataFrame) -> list[dict]:
            return df.to_dicts()

        return {**self.resume(), "detail": {
            "nouveaux": rows(self.nouveaux), "modifies": rows(self.modifies), "disparus": rows(self.disparus),
            "territoires_absents": self.absents,
            "alertes": [a.__dict__ | {"texte": a.texte(self.noms)} for a in self.alertes]}}

    def lignes(self) -> list[str]:
        out = [f"Aperçu du chargement de « {self.fichier} » ({self.libelle}), SHA-256 {self.sha256[:16]}…",
               f"Années : {', '.join(str(a) for a in self.annees)}.",
               f"{self.nouveaux.height} valeur(s) nouvelle(s), {self.modifies.height} modifiée(s), "
               f"{self.disparus.height} qui disparaîtrai(en)t, {self.identiques} identique(s)."]
        if self.modifies.height:
            out.append("Valeurs modifiées (ancienne → nouvelle, variation) :")
            for r in self.modifies.head(MAX_LIGNES_TEXTE).iter_rows(named=True):
                out.append(f"  {self._cle(r)} : {_val(r['ancienne'])} → {_val(r['nouvelle'])}"
                           f"{_pct(r['variation_pct'])}")
            if self.modifies.height > MAX_LIGNES_TEXTE:
                out.append(f"  … et {self.modifies.height - MAX_LIGNES_TEXTE} autre(s) (--format json pour tout).")
        if self.disparus.height:
            out.append("Valeurs qui disparaîtraient (--remplacer-millesime) :")
            for r in self.disparus.head(MAX_LIGNES_TEXTE).iter_rows(named=True):
                out.append(f"  {self._cle(r)} : {_val(r['ancienne'])}")
        elif not self.remplacer:
            out.append("Aucune valeur publiée ne disparaît : les valeurs absentes du fichier sont conservées.")
        if self.revisions:
            out.append("Révision du producteur : des valeurs déjà publiées changent ("
                       + ", ".join(f"{r['indicateur']} {r['annee']} : {r['n']}" for r in self.revisions) + ").")
        if self.absents:
            out.append(f"Territoires suivis absents du fichier ({len(self.absents)}) : "
                       + ", ".join(self.absents[:MAX_LIGNES_TEXTE]) + ("…" if len(self.absents) > MAX_LIGNES_TEXTE
                                                                      else "") + " (leurs valeurs sont conservées).")
        if self.alertes:
            out.append(f"{len(self.alertes)} alerte(s) de plausibilité (à confirmer) :")
            out.extend(f"  {a.texte(self.noms)}" for a in self.alertes[:MAX_LIGNES_TEXTE])
            if len(self.alertes) > MAX_LIGNES_TEXTE:
                out.append(f"  … et {len(self.alertes) - MAX_LIGNES_TEXTE} autre(s).")
        return out

    def _cle(self, r: dict) -> str:
        vent = f" [{r['ventilation']}]" if r["ventilation"] else ""
        nom = nom_territoire(self.noms, r["niveau"], r["code"])
        return f"{r['indicateur']}{vent} {nom} ({r['niveau']}) {r['annee']}"


def _val(v: float | None) -> str:
    return "—" if v is None else formats.nombre(v, 3)


def _pct(p: float | None) -> str:
    return "" if p is None else f" ({'+' if p >= 0 else ''}{formats.nombre(p, 1)} %)"


def sha256_fichier(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _same(a: str, b: str) -> pl.Expr:
    return pl.col(a).eq_missing(pl.col(b))


def comparer(existant: pl.DataFrame, nouveau: pl.DataFrame, remplacer: bool) -> tuple[
        pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
    """(rows to insert, keys to delete, modifies, disparus, identical count) of merging ``nouveau``."""
    right = existant.rename({c: f"{c}_old" for c in existant.columns if c not in KEY})
    joined = nouveau.join(right, on=KEY, how="left", nulls_equal=True)
    present = pl.col("source_old").is_not_null() | pl.col("statut_old").is_not_null()
    same = (_same("valeur", "valeur_old") & _same("secret", "secret_old") & _same("statut", "statut_old")
            & _same("periode", "periode_old") & _same("source", "source_old"))
    new_rows = joined.filter(~present)
    changed = joined.filter(present & ~same)
    identical = joined.filter(present & same).height
    modifies = changed.select(*KEY, pl.col("valeur_old").alias("ancienne"), pl.col("valeur").alias("nouvelle"),
                              pl.when(pl.col("valeur_old").is_not_null() & (pl.col("valeur_old") != 0))
                              .then((pl.col("valeur") / pl.col("valeur_old") - 1) * 100).otherwise(None)
                              .alias("variation_pct"))
    if remplacer:
        covered = nouveau.select("indicateur", "niveau", "annee").unique()
        gone = (existant.join(covered, on=["indicateur", "niveau", "annee"], how="semi")
                .join(nouveau.select(KEY), on=KEY, how="anti", nulls_equal=True))
    else:
        gone = existant.head(0)
    disparus = gone.select(*KEY, pl.col("valeur").alias("ancienne"))
    inserer = pl.concat([new_rows.select(nouveau.columns), changed.select(nouveau.columns)])
    supprimer = pl.concat([changed.select(KEY), gone.select(KEY)])
    return inserer, supprimer, modifies, disparus, identical


def alertes(existant: pl.DataFrame, inserer: pl.DataFrame, modifies: pl.DataFrame,
            catalogue: Catalogue) -> list[Alerte]:
    """Alerts on the rows a load writes: against the value replaced, and against the previous vintage."""
    if inserer.is_empty():
        return []
    unites = {ind.id: ind.unite for ind in catalogue.indicateurs}
    serie = ["indicateur", "niveau", "code", "ventilation"]
    # The series after the load, to find each written value's previous vintage.
    gardees = existant.join(inserer.select(KEY), on=KEY, how="anti", nulls_equal=True)
    apres = pl.concat([gardees.select(existant.columns), inserer.select(existant.columns)])
    apres = apres.filter(pl.col("valeur").is_not_null()).sort([*serie, "annee"])
    prev = apres.with_columns(pl.col("annee").shift(1).over(serie).alias("annee_ref"),
                              pl.col("valeur").shift(1).over(serie).alias("ref")).select(*KEY, "annee_ref", "ref")
    written = inserer.filter(pl.col("valeur").is_not_null()).select(*KEY, "valeur")
    cand = written.join(prev, on=KEY, how="left", nulls_equal=True).join(
        modifies.select(*KEY, "ancienne"), on=KEY, how="left", nulls_equal=True)
    out: list[Alerte] = []
    for r in cand.iter_rows(named=True):
        pct = unites.get(r["indicateur"]) == "%"
        for ref, annee_ref in ((r["ancienne"], r["annee"]), (r["ref"], r["annee_ref"])):
            if ref is None or annee_ref is None:
                continue
            motif = _ecart(r["valeur"], ref, pct)
            if motif:
                out.append(Alerte(r["indicateur"], r["niveau"], r["code"], r["annee"], r["ventilation"],
                                  r["valeur"], ref, int(annee_ref), motif))
                break
    return out


def _ecart(valeur: float, ref: float, pct: bool) -> str | None:
    if pct:
        diff = valeur - ref
        if abs(diff) > POINTS_ALERTE:
            return f"écart de {formats.nombre(abs(diff), 1)} points (seuil {formats.nombre(POINTS_ALERTE, 0)})"
        return None
    if ref == 0 or valeur == 0:
        return None
    ratio = valeur / ref
    if ratio > RATIO_ALERTE or ratio < 1 / RATIO_ALERTE or ratio < 0:
        return f"valeur multipliée par {formats.nombre(ratio, 2)} (seuil ×2 ou ÷2)"
    return None
