"""``barometre ingest FILE``: load an official file as an agent receives it.

The layout is recognised by the header (see ``layouts.py``); only the configured territory's rows are
kept; every value is checked (unknown codes, duplicates, non-numeric or impossible values) before
anything is written; the values file of the source is then replaced atomically, the new vintage beside
the old ones (re-ingesting a vintage replaces it). On any error nothing in ``data/`` changes.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from barometre.catalogue import load_catalogue
from barometre.settings import Settings, load_territoire
from barometre.sources.build import parse_context
from barometre.sources.csvread import IngestError, read_table
from barometre.sources.detection import detect_layout
from barometre.sources.valeurs import check_values, to_frame, write_source

UNKNOWN_LAYOUT_HINT = (
    "le fichier doit être un export officiel dans sa mise en page d'origine (INSEE comparateur ou dossier complet, "
    "DREES APL, ADEME IGT, ANCT QPV, INSEE Statistiques locales, Enedis, ODEMA, agence ORE, ODRÉ, Cerema, ADEME "
    "DPE) ; vérifiez la ligne d'en-tête."
)
if TYPE_CHECKING:
    from barometre.pilotage.store import Store, Utilisateur

STEPS = ("lecture", "reconnaissance", "analyse", "contrôles", "écriture")


@dataclass
class IngestReport:
    fichier: str
    source: str
    libelle: str
    n_valeurs: int
    annees: list[int]
    indicateurs: list[str]
    communes_absentes: list[str]

    def lines(self) -> list[str]:
        lines = [
            f"Fichier « {self.fichier} » reconnu : {self.libelle}.",
            f"{self.n_valeurs} valeurs chargées ({len(self.indicateurs)} indicateurs, "
            f"années {', '.join(str(a) for a in self.annees)}) dans data/valeurs/{self.source}.parquet.",
        ]
        if self.communes_absentes:
            lines.append(f"Attention : {len(self.communes_absentes)} commune(s) de l'agglomération absente(s) du "
                         f"fichier : {', '.join(self.communes_absentes[:10])}.")
        return lines


def text_progress(step: int, total: int, label: str, stream=None) -> None:
    stream = stream or sys.stderr  # looked up at each call: the current stderr, not the one at import
    width = 20
    done = int(width * step / total)
    stream.write(f"\r[{'#' * done}{'-' * (width - done)}] {step}/{total} {label:<16}")
    if step == total:
        stream.write("\n")
    stream.flush()


def ingest(path: Path, settings: Settings,
           progress: Callable[[int, int, str], None] | None = None) -> IngestReport:
    progress = progress or (lambda *_: None)
    total = len(STEPS)
    progress(1, total, STEPS[0])
    try:
        table = read_table(path, header_predicate=lambda header: detect_layout(header) is not None)
    except IngestError as exc:
        if "aucune ligne d'en-tête" not in exc.message:
            raise
        raise IngestError(path.name, exc.ligne, exc.colonne,
                          "format de fichier non reconnu (aucune ligne d'en-tête connue)", UNKNOWN_LAYOUT_HINT) from exc
    progress(2, total, STEPS[1])
    layout = detect_layout(table.header)
    if layout is None:
        raise IngestError(path.name, table.header_line, None, "format de fichier non reconnu", UNKNOWN_LAYOUT_HINT)
    progress(3, total, STEPS[2])
    territoire = load_territoire(settings)
    ctx = parse_context(settings, territoire)
    values = layout.parse(table, ctx)
    progress(4, total, STEPS[3])
    check_values(values, load_catalogue(settings.catalogue_dir), path.name)
    if not values:
        raise IngestError(path.name, None, None, "aucune valeur pour le territoire dans ce fichier",
                          "vérifiez que le fichier couvre l'agglomération, son département ou sa région.")
    progress(5, total, STEPS[4])
    write_source(to_frame(values), settings.valeurs_dir, layout.source, merge=True)
    recalculer_idh4(settings)  # the IDH-4 follows its inputs (an ICM, diploma counts, incomes…)
    found = {v.code for v in values if v.niveau == "commune"}
    absent = sorted(ctx.communes - found) if layout.niveau_commune else []
    return IngestReport(path.name, layout.source, layout.libelle, len(values), sorted({v.annee for v in values}),
                        sorted({v.indicateur for v in values}), absent)


# A name for the uploaded copy when the browser sends none usable (the messages name the file).
NOM_TELEVERSE_PAR_DEFAUT = "fichier_televerse.csv"


def ingest_televersement(nom: str, contenu: bytes, settings: Settings, user: Utilisateur | None, store: Store,
                         progress: Callable[[int, int, str], None] | None = None) -> IngestReport:
    """Load a file uploaded in the dashboard exactly as ``barometre ingest`` loads a file on disk.

    The store first checks that ``user`` may load data (domain ``donnees``: agent or administrator; a
    reader or an anonymous visitor gets :class:`barometre.pilotage.store.RefusEcriture`, nothing read). The bytes
    are written to a private temporary folder under the file's own name (so that an :class:`IngestError`
    names the file the agent chose), then :func:`ingest` recognises the layout, checks every value and
    replaces ``data/valeurs/<source>.parquet`` atomically; on any error the previous data stay as they
    were. The temporary copy is always removed. A success is recorded in the store (``chargements``: file,
    source, values, years; who and when in the history). The caller clears its caches after a success."""
    store.verifier_droit(user, "donnees")
    name = Path(nom.replace("\\", "/")).name.strip()
    if name in ("", ".", ".."):
        name = NOM_TELEVERSE_PAR_DEFAUT
    with tempfile.TemporaryDirectory(prefix="barometre-televersement-") as folder:
        path = Path(folder) / name
        path.write_bytes(contenu)
        report = ingest(path, settings, progress)
    store.noter_chargement(user, report.fichier, report.source, report.libelle, report.n_valeurs, report.annees)
    return report


def recalculer_idh4(settings: Settings) -> int:
    """Recompute the IDH-4 values from every stored values file and write them (``valeurs/idh4_calcul.parquet``)
    with their goalposts (``idh4_bornes.parquet``), atomically; the IDH-4 follows its inputs after every build
    and every load. Formulas and assembly: :mod:`barometre.calculs.idh4_valeurs`. Returns the values written."""
    import polars as pl

    from barometre.calculs import idh4_valeurs
    from barometre.sources.csvread import atomic_write_parquet
    from barometre.sources.layouts import Valeur

    data_dir = settings.data_dir
    epci = load_territoire(settings).epci.code
    source = idh4_valeurs.SOURCE_IDH4
    files = [p for p in sorted(settings.valeurs_dir.glob("*.parquet")) if p.stem != source]
    frame = pl.concat([pl.read_parquet(p) for p in files], how="diagonal_relaxed") if files else pl.DataFrame()
    values = [Valeur(r["indicateur"], r["niveau"], r["code"], r["annee"], r["valeur"], r["source"],
                     r["ventilation"] or "", r["periode"] or "", bool(r["secret"]), r["statut"] or "definitif")
              for r in frame.iter_rows(named=True)] if frame.height else []
    app = pl.read_parquet(data_dir / "appartenances.parquet")
    communes = app.filter((pl.col("zonage") == "epci") & (pl.col("zone") == epci))["commune"].to_list()
    canton_of = {r["commune"]: r["zone"] for r in app.filter(pl.col("zonage") == "canton").iter_rows(named=True)}
    out, bornes = idh4_valeurs.compute(values, communes, epci, canton_of)
    path = settings.valeurs_dir / f"{source}.parquet"
    if out:
        write_source(to_frame(out), settings.valeurs_dir, source, merge=False)
    elif path.exists():
        path.unlink()  # a published IDH-4 is loaded: nothing is computed any more
    atomic_write_parquet(pl.DataFrame([b.__dict__ for b in bornes], schema={
        "entree": pl.String, "indicateur": pl.String, "variable": pl.String, "annee": pl.Int32,
        "minimum": pl.Float64, "maximum": pl.Float64, "n_communes": pl.Int32, "description": pl.String}),
        data_dir / idh4_valeurs.BORNES_FILE)
    return len(out)
