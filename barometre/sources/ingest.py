"""``barometre ingest FILE``: load an official file as an agent receives it.

The layout is recognised by the header (see ``layouts.py``); only the configured territory's rows are
kept; every value is checked (unknown codes, duplicates, years outside 1990..next year, non-numeric or
impossible values) before anything is written; what would change is compared with the published values
(``revue.py``: new, changed, disappearing values, alerts); the load is then one transaction of the
versioned value store (``entrepot.py``), recorded with its author, and undoable. On any refusal nothing
is written.
"""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from barometre.catalogue import load_catalogue
from barometre.settings import Settings, load_territoire
from barometre.sources.build import parse_context
from barometre.sources.csvread import IngestError, atomic_write_parquet, csv_du_zip, read_table
from barometre.sources.detection import detect_layout
from barometre.sources.entrepot import BUILD, CHARGEMENT, Entrepot, annuler, auteur_systeme, normaliser
from barometre.sources.flux import SEUIL_FLUX, prefiltrer
from barometre.sources.layouts import Layout, Valeur
from barometre.sources.revue import Apercu, Noms, alertes, comparer, nom_territoire, sha256_fichier
from barometre.sources.valeurs import KEY, check_values, to_frame, write_source

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
    apercu: Apercu | None = None
    chargement: int | None = None  # the load's id (the lake's snapshot), None for a preview

    def lines(self) -> list[str]:
        if self.chargement is None and self.apercu is not None:
            return self.apercu.lignes() + ["Aperçu seulement : rien n'a été enregistré."]
        lines = [f"Fichier « {self.fichier} » reconnu : {self.libelle}."]
        if self.apercu is not None:
            a = self.apercu
            lines.append(f"Chargement n° {self.chargement} enregistré : {a.nouveaux.height} valeur(s) nouvelle(s), "
                         f"{a.modifies.height} modifiée(s), {a.disparus.height} supprimée(s), {a.identiques} "
                         f"identique(s) ({len(self.indicateurs)} indicateurs, années "
                         f"{', '.join(str(x) for x in self.annees)}).")
            if a.revisions:
                lines.append("Révision du producteur : " + ", ".join(f"{r['indicateur']} {r['annee']} ({r['n']})"
                                                                    for r in a.revisions) + ".")
            if a.alertes:
                lines.append(f"{len(a.alertes)} alerte(s) de plausibilité confirmée(s).")
            lines.append(f"Pour revenir en arrière : barometre annuler {self.chargement}")
        if self.communes_absentes:
            lines.append(f"Attention : {len(self.communes_absentes)} commune(s) de l'agglomération absente(s) du "
                         f"fichier : {', '.join(self.communes_absentes[:10])} (valeurs publiées conservées).")
        return lines


class AlertesAConfirmer(IngestError):
    """The file is valid but some values move implausibly: nothing written until the agent confirms."""

    def __init__(self, apercu: Apercu):
        self.apercu = apercu
        n = len(apercu.alertes)
        premiere = apercu.alertes[0].texte(apercu.noms)
        super().__init__(apercu.fichier, None, None,
                         f"{n} valeur(s) varient fortement ({premiere}{' …' if n > 1 else ''})",
                         "vérifiez ces valeurs dans l'aperçu (--apercu) ; si elles sont justes, relancez avec "
                         "--confirmer (ou cochez la confirmation du formulaire)")


def text_progress(step: int, total: int, label: str, stream=None) -> None:
    stream = stream or sys.stderr  # looked up at each call: the current stderr, not the one at import
    width = 20
    done = int(width * step / total)
    stream.write(f"\r[{'#' * done}{'-' * (width - done)}] {int(step)}/{total} {label:<16}")
    if step == total:
        stream.write("\n")
    stream.flush()


@dataclass
class Lecture:
    """A file read, recognised, parsed and checked: what a load would write."""

    path: Path
    layout: Layout
    frame: pl.DataFrame
    values: list[Valeur]
    absent: list[str]
    noms: Noms
    sha256: str


def lire(path: Path, settings: Settings, progress: Callable[[int, int, str], None]) -> Lecture:
    """Steps 1–4: read, recognise, parse, check (every refusal raised here, before anything is written).
    A file of :data:`~barometre.sources.flux.SEUIL_FLUX` bytes or more is first streamed through the territory
    filter (``flux.py``), so that its memory stays bounded whatever its size."""
    total = len(STEPS)
    progress(1, total, STEPS[0])
    territoire = load_territoire(settings)
    ctx = parse_context(settings, territoire)
    with tempfile.TemporaryDirectory(prefix="barometre-flux-") as folder:
        dossier_zip = Path(folder) / "zip"
        dossier_zip.mkdir()
        extrait = csv_du_zip(path, dossier_zip)  # a zipped export: its CSV file, read as such
        lu = source = extrait or path
        if source.stat().st_size >= SEUIL_FLUX:
            lu = Path(folder) / source.name
            prefiltrer(source, lu, [*ctx.communes, ctx.epci, ctx.departement, ctx.region],
                       lambda f: progress(1 + f * 0.9, total, STEPS[0]))
        table = _lire_table(lu, path if extrait is None else Path(f"{path.name} › {extrait.name}"))
    progress(2, total, STEPS[1])
    layout = detect_layout(table.header)
    if layout is None:
        raise IngestError(path.name, table.header_line, None, "format de fichier non reconnu", UNKNOWN_LAYOUT_HINT)
    progress(3, total, STEPS[2])
    try:
        values = layout.parse(table, ctx)
    except IngestError as exc:
        if exc.message.startswith("aucune") and ("agglomération" in exc.message or "EPCI" in exc.message):
            # Recognised, but not a file of this territory: say which dataset it is; nothing is written.
            raise IngestError(exc.fichier, exc.ligne, exc.colonne,
                              f"fichier reconnu ({layout.libelle}), mais {exc.message}", exc.conseil) from exc
        raise
    del table
    progress(4, total, STEPS[3])
    check_values(values, load_catalogue(settings.catalogue_dir), path.name)
    if not values:
        raise IngestError(path.name, None, None, "aucune valeur pour le territoire dans ce fichier",
                          "vérifiez que le fichier couvre l'agglomération, son département ou sa région.")
    noms = territory_names(settings)
    found = {v.code for v in values if v.niveau == "commune"}
    absent = sorted(ctx.communes - found) if layout.niveau_commune else []
    return Lecture(path, layout, normaliser(to_frame(values)), values, absent, noms, sha256_fichier(path))


def _lire_table(lu: Path, path: Path):
    try:
        return read_table(lu, header_predicate=lambda header: detect_layout(header) is not None)
    except IngestError as exc:
        # name the agent's file by its name only: never the filtered copy nor the server's temporary folder
        # of an upload (/tmp/barometre-televersement-…/), which a refusal showed on the page
        exc.fichier = path.name
        if "aucune ligne d'en-tête" not in exc.message:
            raise
        raise IngestError(path.name, exc.ligne, exc.colonne,
                          "format de fichier non reconnu (aucune ligne d'en-tête connue)", UNKNOWN_LAYOUT_HINT) from exc


def territory_names(settings: Settings) -> Noms:
    """(level, code) → name of every followed territory: a code alone is ambiguous (59172 is the commune of
    Denain and the bassins de vie of Denain)."""
    path = settings.data_dir / "territoires.parquet"
    if not path.exists():
        return {}
    df = pl.read_parquet(path, columns=["niveau", "code", "nom"])
    return {(n, c): nom for n, c, nom in df.iter_rows()}


def _apercu(lecture: Lecture, existant: pl.DataFrame, remplacer: bool, settings: Settings
            ) -> tuple[Apercu, pl.DataFrame, pl.DataFrame]:
    inserer, supprimer, modifies, disparus, identiques = comparer(existant, lecture.frame, remplacer)
    alertes_ = alertes(existant, inserer, modifies, load_catalogue(settings.catalogue_dir))
    absents = [f"{nom_territoire(lecture.noms, 'commune', c)} ({c})" for c in lecture.absent]
    nouveaux = inserer.join(modifies.select(KEY), on=KEY, how="anti", nulls_equal=True).select(*KEY, "valeur",
                                                                                                "secret")
    apercu = Apercu(lecture.path.name, lecture.layout.source, lecture.layout.libelle, lecture.sha256, nouveaux,
                    modifies, disparus, identiques, absents, alertes_,
                    sorted(lecture.frame["annee"].unique().to_list()), remplacer, lecture.noms)
    return apercu, inserer, supprimer


def _report(lecture: Lecture, apercu: Apercu, chargement: int | None) -> IngestReport:
    return IngestReport(lecture.path.name, lecture.layout.source, lecture.layout.libelle, len(lecture.values),
                        apercu.annees, sorted(lecture.frame["indicateur"].unique().to_list()), lecture.absent,
                        apercu, chargement)


def ingest(path: Path, settings: Settings,
           progress: Callable[[int, int, str], None] | None = None, *, apercu_seul: bool = False,
           confirmer: bool = False, remplacer: bool = False, auteur: str | None = None,
           avant_commit: Callable[[], None] | None = None) -> IngestReport:
    """Load an official file as one versioned transaction of the value store (see ``entrepot.py``).

    Merge by key: the file adds or replaces values, never removes one it does not carry unless
    ``remplacer``. Plausibility alerts refuse the load (:class:`AlertesAConfirmer`) unless ``confirmer``.
    ``apercu_seul``: compute what would change and write nothing. ``avant_commit`` runs inside the
    transaction just before it commits (the upload re-checks its author there): raising aborts it all."""
    progress = progress or (lambda *_: None)
    lecture = lire(path, settings, progress)
    entrepot = Entrepot(settings)
    indicateurs = sorted(lecture.frame["indicateur"].unique().to_list())
    if apercu_seul:
        apercu, _, _ = _apercu(lecture, entrepot.valeurs(indicateurs), remplacer, settings)
        return _report(lecture, apercu, None)
    progress(5, len(STEPS), STEPS[4])
    with entrepot.transaction() as con:  # the writers' lock: the diff is computed on what is really there
        tout = entrepot._lire(con, None)
        existant = tout.filter(pl.col("indicateur").is_in(indicateurs))
        apercu, inserer, supprimer = _apercu(lecture, existant, remplacer, settings)
        if apercu.alertes and not confirmer:
            raise AlertesAConfirmer(apercu)
        # The computed IDH-4 follows its inputs, in the same transaction (so an undo restores it too).
        apres = pl.concat([tout.join(supprimer, on=KEY, how="anti", nulls_equal=True).select(tout.columns),
                           inserer.select(tout.columns)])
        ins_idh4, sup_idh4, bornes = _changements_idh4(settings, tout, apres)
        info = {"type": CHARGEMENT, **apercu.resume(), "alertes_confirmees": [a.texte(apercu.noms)
                                                                              for a in apercu.alertes],
                "idh4_recalcule": ins_idh4.height + sup_idh4.height}
        sid = entrepot.appliquer(con, pl.concat([supprimer, sup_idh4]), pl.concat([inserer, ins_idh4]),
                                 auteur or auteur_systeme(), info, avant_commit)
    _ecrire_bornes(settings, bornes)
    return _report(lecture, apercu, sid)


# A name for the uploaded copy when the browser sends none usable (the messages name the file).
NOM_TELEVERSE_PAR_DEFAUT = "fichier_televerse.csv"


TAILLE_MAX_TELEVERSEMENT = 200 * 1024 * 1024  # bytes: above, the upload is refused (use the command line)


def ingest_televersement(nom: str, contenu: bytes | BinaryIO, settings: Settings, user: Utilisateur | None,
                         store: Store, progress: Callable[[int, int, str], None] | None = None, *,
                         apercu_seul: bool = False, confirmer: bool = False,
                         remplacer: bool = False) -> IngestReport:
    """Load a file uploaded in the dashboard exactly as ``barometre ingest`` loads a file on disk.

    The store first checks that ``user`` may load data (domain ``donnees``: agent or administrator; a
    reader or an anonymous visitor gets :class:`barometre.pilotage.store.RefusEcriture`, nothing read), and
    checks it again inside the load's transaction, just before it commits: an account deactivated
    meanwhile writes nothing. The bytes are copied (by blocks) to a private temporary folder under the
    file's own name, so that an :class:`IngestError` names the file the agent chose; a file above
    :data:`TAILLE_MAX_TELEVERSEMENT` is refused. The load is then :func:`ingest`'s, recorded with the
    login as author. The temporary copy is always removed. The caller clears its caches after a success."""
    store.verifier_droit(user, "donnees")
    assert user is not None
    name = Path(nom.replace("\\", "/")).name.strip()
    if name in ("", ".", ".."):
        name = NOM_TELEVERSE_PAR_DEFAUT
    with tempfile.TemporaryDirectory(prefix="barometre-televersement-") as folder:
        path = Path(folder) / name
        copier_borne(contenu, path, TAILLE_MAX_TELEVERSEMENT)
        return ingest(path, settings, progress, apercu_seul=apercu_seul, confirmer=confirmer, remplacer=remplacer,
                      auteur=user.login, avant_commit=lambda: store.verifier_droit(user, "donnees"))


def copier_borne(contenu: bytes | BinaryIO, path: Path, taille_max: int) -> None:
    """Write ``contenu`` to ``path`` by blocks, refusing (French :class:`IngestError`) beyond ``taille_max``."""
    source = io.BytesIO(contenu) if isinstance(contenu, bytes | bytearray) else contenu
    total = 0
    with path.open("wb") as out:
        for block in iter(lambda: source.read(1 << 20), b""):
            total += len(block)
            if total > taille_max:
                raise IngestError(path.name, None, None,
                                  f"fichier trop volumineux (plus de {taille_max // (1024 * 1024)} Mo)",
                                  "chargez ce fichier en ligne de commande (`barometre ingest FICHIER`), qui le lit "
                                  "par blocs, ou ne gardez que les lignes utiles.")
            out.write(block)


def idh4_apres(settings: Settings, valeurs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The IDH-4 values computed from ``valeurs`` (every stored value but the computed IDH-4 itself), and
    their goalposts. Formulas and assembly: :mod:`barometre.calculs.idh4_valeurs`."""
    from barometre.calculs import idh4_valeurs

    epci = load_territoire(settings).epci.code
    frame = valeurs.filter(pl.col("source") != idh4_valeurs.SOURCE_IDH4)
    values = [Valeur(r["indicateur"], r["niveau"], r["code"], r["annee"], r["valeur"], r["source"],
                     r["ventilation"] or "", r["periode"] or "", bool(r["secret"]), r["statut"] or "definitif")
              for r in frame.iter_rows(named=True)] if frame.height else []
    app = pl.read_parquet(settings.data_dir / "appartenances.parquet")
    communes = app.filter((pl.col("zonage") == "epci") & (pl.col("zone") == epci))["commune"].to_list()
    canton_of = {r["commune"]: r["zone"] for r in app.filter(pl.col("zonage") == "canton").iter_rows(named=True)}
    out, bornes = idh4_valeurs.compute(values, communes, epci, canton_of)
    return normaliser(to_frame(out)), pl.DataFrame([b.__dict__ for b in bornes], schema={
        "entree": pl.String, "indicateur": pl.String, "variable": pl.String, "annee": pl.Int32,
        "minimum": pl.Float64, "maximum": pl.Float64, "n_communes": pl.Int32, "description": pl.String})


def _changements_idh4(settings: Settings, existant: pl.DataFrame, apres: pl.DataFrame
                      ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(rows to insert, keys to delete) that bring the stored computed IDH-4 to what ``apres`` gives, and
    the goalposts."""
    from barometre.calculs.idh4_valeurs import SOURCE_IDH4

    idh4, bornes = idh4_apres(settings, apres)
    stored = existant.filter(pl.col("source") == SOURCE_IDH4)
    inserer, supprimer, _, _, _ = comparer(stored, idh4, remplacer=False)
    gone = stored.join(idh4.select(KEY), on=KEY, how="anti", nulls_equal=True).select(KEY)
    return inserer, pl.concat([supprimer, gone]), bornes


def _ecrire_bornes(settings: Settings, bornes: pl.DataFrame) -> None:
    from barometre.calculs.idh4_valeurs import BORNES_FILE

    atomic_write_parquet(bornes, settings.data_dir / BORNES_FILE)


def recalculer_idh4(settings: Settings) -> int:
    """Recompute the IDH-4 values from the current values and store them with their goalposts
    (``idh4_bornes.parquet``): before the first load into ``valeurs/idh4_calcul.parquet`` (atomically), after
    it as one more version of the value store. The IDH-4 follows its inputs after every build and every load
    (a load does it inside its own transaction). Returns the number of IDH-4 values."""
    from barometre.calculs.idh4_valeurs import SOURCE_IDH4

    entrepot = Entrepot(settings)
    if not entrepot.existe():
        idh4, bornes = idh4_apres(settings, entrepot.valeurs())
        path = settings.valeurs_dir / f"{SOURCE_IDH4}.parquet"
        if idh4.height:
            write_source(idh4, settings.valeurs_dir, SOURCE_IDH4, merge=False)
        elif path.exists():
            path.unlink()  # a published IDH-4 is loaded: nothing is computed any more
        _ecrire_bornes(settings, bornes)
        return idh4.height
    with entrepot.transaction() as con:
        existant = entrepot._lire(con, None)
        inserer, supprimer, bornes = _changements_idh4(settings, existant, existant)
        if inserer.height or supprimer.height:
            info = {"type": BUILD, "fichier": "recalcul de l'IDH-4", "source": SOURCE_IDH4,
                    "nouveaux": inserer.height, "modifies": 0, "supprimes": supprimer.height, "annees": []}
            entrepot.appliquer(con, supprimer, inserer, auteur_systeme(), info)
        n = entrepot._lire(con, None).filter(pl.col("source") == SOURCE_IDH4).height
    _ecrire_bornes(settings, bornes)
    return n


def annuler_chargement(settings: Settings, chargement: int, auteur: str | None = None,
                       avant_commit: Callable[[], None] | None = None) -> int:
    """:func:`barometre.sources.entrepot.annuler`, then the IDH-4 goalposts of the restored values (the IDH-4
    values themselves were part of the load, so the undo restored them)."""
    faite = annuler(settings, chargement, auteur, avant_commit)
    _, bornes = idh4_apres(settings, Entrepot(settings).valeurs())
    _ecrire_bornes(settings, bornes)
    return faite
