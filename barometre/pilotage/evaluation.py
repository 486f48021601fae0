"""The services' evaluation records in the store: the réalisation and résultat indicators attached to an
action (unit, direction, operational objective: level, year, reference), their measures by year, and the
service's declared confidence (four levels, dated), imported from the services' spreadsheets (CSV or XLSX
template) or entered one by one.

Same guarantees as every table of :mod:`barometre.pilotage.store` (the tables below are registered in its
schema, specs and permission domains when this module is imported): agents and administrators write, roles
checked inside the store, a ``version`` per row, every change journaled and revertable, one transaction per
write (an import is all or nothing). Reading is public, like the jalons. Example rows carry ``illustratif``:
the page marks them and computes nothing from them.
"""

from __future__ import annotations

import io
import tempfile
import uuid
import weakref
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field

from barometre.calculs.evaluation import CONFIANCE, NIVEAUX
from barometre.pilotage import store as st_
from barometre.pilotage.store import (
    SPECS,
    TEXTE_COURT,
    TEXTE_LONG,
    Store,
    Utilisateur,
    _Entree,
    _frame,
    _Spec,
    _suivi,
    metadata,
)
from barometre.sources.csvread import SECRET, IngestError, parse_number, read_table
from barometre.texte import nom_fichier as nom_fichier_sur

# ---------------------------------------------------------------- schema (in the store's metadata)
t_indicateurs = sa.Table(
    "eval_indicateurs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=False),
    sa.Column("niveau", sa.String(20), nullable=False),  # realisation / resultat
    sa.Column("libelle", sa.String(500), nullable=False),
    sa.Column("unite", sa.String(100), nullable=False),
    sa.Column("sens", sa.String(20), nullable=False),
    sa.Column("objectif_valeur", sa.Float, nullable=True),
    sa.Column("objectif_annee", sa.Integer, nullable=True),
    sa.Column("reference_valeur", sa.Float, nullable=True),
    sa.Column("reference_annee", sa.Integer, nullable=True),
    sa.Column("illustratif", sa.Boolean, nullable=False),
    *_suivi(),
    sa.UniqueConstraint("action_id", "niveau", "libelle", name="uq_eval_indicateur"),
)
t_mesures = sa.Table(
    "eval_mesures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("indicateur_id", sa.Integer, sa.ForeignKey("eval_indicateurs.id"), nullable=False),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("valeur", sa.Float, nullable=True),
    sa.Column("illustratif", sa.Boolean, nullable=False),
    *_suivi(),
    sa.UniqueConstraint("indicateur_id", "annee", name="uq_eval_mesure"),
)
t_confiance = sa.Table(
    "eval_confiance", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("niveau", sa.String(20), nullable=False),
    sa.Column("commentaire", sa.Text, nullable=False),
    sa.Column("illustratif", sa.Boolean, nullable=False),
    *_suivi(),
)


class IndicateurEntree(_Entree):
    action_id: int
    niveau: Literal[tuple(NIVEAUX)]  # type: ignore[valid-type]
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    unite: str = Field(min_length=1, max_length=100)
    sens: Literal["hausse_favorable", "baisse_favorable"] = "hausse_favorable"
    objectif_valeur: float | None = None
    objectif_annee: int | None = Field(default=None, ge=2000, le=2100)
    reference_valeur: float | None = None
    reference_annee: int | None = Field(default=None, ge=2000, le=2100)
    illustratif: bool = False


class MesureEntree(_Entree):
    indicateur_id: int
    annee: int = Field(ge=2000, le=2100)
    valeur: float | None = None
    illustratif: bool = False


class ConfianceEntree(_Entree):
    action_id: int
    date: date
    niveau: Literal[tuple(CONFIANCE)]  # type: ignore[valid-type]
    commentaire: str = Field(default="", max_length=TEXTE_LONG)
    illustratif: bool = False


SPECS_EVAL = {
    "eval_indicateurs": _Spec(t_indicateurs, "evaluation", IndicateurEntree, "l'indicateur", "libelle"),
    "eval_mesures": _Spec(t_mesures, "evaluation", MesureEntree, "la mesure", "annee", e="e"),
    "eval_confiance": _Spec(t_confiance, "evaluation", ConfianceEntree, "la confiance déclarée", "date", e="e"),
}
TABLES_EVAL = [spec.table for spec in SPECS_EVAL.values()]
_SCHEMAS_CREES: weakref.WeakSet = weakref.WeakSet()
SPECS.update(SPECS_EVAL)
st_.DOMAINES.update({"evaluation": ("agent", "admin")})
st_.ACTIONS_DOMAINE.update({"evaluation": "renseigner les indicateurs de réalisation et de résultat des actions"})
st_.CHAMPS_FR.update({"niveau": "niveau", "unite": "unité", "sens": "sens", "objectif_valeur": "objectif",
                      "objectif_annee": "année de l'objectif", "reference_valeur": "référence",
                      "reference_annee": "année de référence", "valeur": "valeur", "illustratif": "illustratif",
                      "indicateur_id": "indicateur", "action_id": "action"})


# ---------------------------------------------------------------- the import template
COLONNES = ("action", "niveau", "indicateur", "unite", "sens", "annee", "valeur", "objectif", "annee_objectif",
            "reference", "annee_reference", "illustratif")
OBLIGATOIRES = ("action", "niveau", "indicateur", "unite", "annee", "valeur")
EXEMPLE = [  # the template's example lines: marked illustrative, as every example
    ("1", "réalisation", "Jeunes accompagnés", "jeunes", "", "2025", "120", "", "", "", "", "oui"),
    ("1", "résultat", "Part des 16-18 ans formés", "%", "hausse", "2025", "41", "60", "2030", "35", "2024", "oui"),
]
NIVEAUX_TEXTE = {"realisation": "realisation", "réalisation": "realisation", "resultat": "resultat",
                 "résultat": "resultat"}
SENS_TEXTE = {"": "hausse_favorable", "hausse": "hausse_favorable", "baisse": "baisse_favorable",
              "hausse_favorable": "hausse_favorable", "baisse_favorable": "baisse_favorable"}
OUI_NON = {"": False, "non": False, "oui": True}


def modele_csv() -> bytes:
    """The template as French Excel reads it (``;``, UTF-8 with BOM), with its two illustrative lines."""
    lines = [";".join(COLONNES), *(";".join(r) for r in EXEMPLE)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def modele_xlsx() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Indicateurs")
    for j, name in enumerate(COLONNES):
        ws.write_string(0, j, name)
    for i, row in enumerate(EXEMPLE, start=1):
        for j, cell in enumerate(row):
            ws.write_string(i, j, cell)
    wb.close()
    return buf.getvalue()


@dataclass(frozen=True)
class LigneImport:
    ligne: int
    action_id: int
    niveau: str
    libelle: str
    unite: str
    sens: str
    annee: int
    valeur: float | None
    objectif_valeur: float | None
    objectif_annee: int | None
    reference_valeur: float | None
    reference_annee: int | None
    illustratif: bool


def _lignes_xlsx(data: bytes, fichier: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise IngestError(fichier, None, None, "classeur XLSX illisible",
                          "enregistrez le fichier depuis Excel au format « Classeur Excel (.xlsx) », ou en "
                          "CSV.") from exc
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    if not rows:
        raise IngestError(fichier, None, None, "feuille vide", "remplissez le modèle (première feuille).")

    def txt(x: object) -> str:
        if x is None:
            return ""
        if isinstance(x, float) and x.is_integer():
            return str(int(x))
        return str(x).strip()

    header = [txt(h) for h in rows[0]]
    body = [(i, {h: txt(c) for h, c in zip(header, r, strict=False) if h})
            for i, r in enumerate(rows[1:], start=2) if any(c not in (None, "") for c in r)]
    return header, body


def lire_import(data: bytes, nom: str, actions: pl.DataFrame) -> list[LigneImport]:
    """Read the services' spreadsheet (CSV as Excel writes it, or XLSX: first sheet). One line per indicator ×
    year. Raises :class:`IngestError` (French, naming the file, the line, the column and how to fix it) at the
    first problem: nothing is imported from a file with an error."""
    fichier = nom_fichier_sur(nom, "import.csv")[0]
    if data[:2] == b"PK":
        header, body = _lignes_xlsx(data, fichier)
        missing = [c for c in COLONNES if c in OBLIGATOIRES and c not in [h.casefold() for h in header]]
        if missing:
            raise IngestError(fichier, 1, None, f"colonne(s) manquante(s) : {', '.join(missing)}",
                              f"gardez la ligne d'en-tête du modèle : {', '.join(COLONNES)}.")
        lower = {h: h.casefold() for h in header}
        body = [(i, {lower.get(k, k): val for k, val in cells.items()}) for i, cells in body]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / fichier
            path.write_bytes(data)
            table = read_table(path, expected_columns=OBLIGATOIRES)
        names = {c: table.column(c) for c in COLONNES if any(h.strip().casefold() == c for h in table.header)}
        body = [(r.line, {c: (r.cells.get(h) or "").strip() for c, h in names.items()}) for r in table.rows]
    if not body:
        raise IngestError(fichier, None, None, "aucune ligne de données", "une ligne par indicateur et par année.")
    known = {int(a["id"]): a for a in actions.iter_rows(named=True)}
    out, seen = [], {}
    for line, cells in body:
        def cell(c: str, cells: dict = cells) -> str:
            return (cells.get(c) or "").strip()

        def err(col: str, message: str, conseil: str, line: int = line) -> IngestError:
            return IngestError(fichier, line, col, message, conseil)

        for c in OBLIGATOIRES:
            if c != "valeur" and not cell(c):
                raise err(c, "case vide", f"renseignez la colonne « {c} » sur chaque ligne.")
        if not cell("action").isdigit() or int(cell("action")) not in known:
            raise err("action", f"action inconnue « {cell('action')} »",
                      "indiquez le numéro de l'action tel que la page « Jalons et feuilles de route » le montre "
                      "(colonne n°).")
        niveau = NIVEAUX_TEXTE.get(cell("niveau").casefold())
        if niveau is None:
            raise err("niveau", f"niveau inconnu « {cell('niveau')} »", "écrivez « réalisation » ou « résultat ».")
        sens = SENS_TEXTE.get(cell("sens").casefold())
        if sens is None:
            raise err("sens", f"sens inconnu « {cell('sens')} »", "écrivez « hausse » ou « baisse » (ce qui est "
                      "favorable), ou laissez vide pour « hausse ».")
        illustratif = OUI_NON.get(cell("illustratif").casefold())
        if illustratif is None:
            raise err("illustratif", f"valeur inattendue « {cell('illustratif')} »", "écrivez « oui » ou « non ».")
        years = {}
        for c in ("annee", "annee_objectif", "annee_reference"):
            t = cell(c)
            if t and (not t.isdigit() or not 2000 <= int(t) <= 2100):
                raise err(c, f"année invalide « {t} »", "écrivez l'année sur quatre chiffres, par exemple 2025.")
            years[c] = int(t) if t else None
        nums = {}
        for c in ("valeur", "objectif", "reference"):
            x = parse_number(cell(c), fichier=fichier, ligne=line, colonne=c)
            if x is SECRET:
                raise err(c, "valeur marquée secrète", "une mesure de service n'est pas secrète : écrivez-la "
                          "ou laissez la case vide.")
            nums[c] = x
        if (nums["objectif"] is None) != (years["annee_objectif"] is None):
            raise err("annee_objectif" if nums["objectif"] is not None else "objectif",
                      "objectif incomplet", "un objectif a une valeur et une année (ex. 60 et 2030), ou aucune.")
        if (nums["reference"] is None) != (years["annee_reference"] is None):
            raise err("annee_reference" if nums["reference"] is not None else "reference",
                      "référence incomplète", "une référence a une valeur et une année, ou aucune.")
        if niveau == "realisation" and nums["objectif"] is not None:
            raise err("objectif", "objectif sur un indicateur de réalisation",
                      "un objectif opérationnel se fixe sur un indicateur de résultat : mettez niveau « résultat ».")
        key = (int(cell("action")), niveau, cell("indicateur").casefold(), years["annee"])
        if key in seen:
            raise err("annee", f"même indicateur et même année qu'à la ligne {seen[key]}",
                      "une ligne par indicateur et par année : supprimez le doublon.")
        seen[key] = line
        out.append(LigneImport(line, int(cell("action")), niveau, cell("indicateur"), cell("unite"), sens,
                               years["annee"], nums["valeur"], nums["objectif"], years["annee_objectif"],
                               nums["reference"], years["annee_reference"], illustratif))
    return out


# ---------------------------------------------------------------- the API over a store
class Evaluation:
    """Reads and writes of the evaluation records over one :class:`Store` (same engine, same journal)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        if store.engine not in _SCHEMAS_CREES:  # a store opened before this module was imported
            metadata.create_all(store.engine, tables=TABLES_EVAL)
            _SCHEMAS_CREES.add(store.engine)

    def indicateurs(self) -> pl.DataFrame:
        return _frame(self.store._lire(sa.select(t_indicateurs).order_by(t_indicateurs.c.action_id,
                                                                        t_indicateurs.c.id)), list(t_indicateurs.c))

    def mesures(self) -> pl.DataFrame:
        return _frame(self.store._lire(sa.select(t_mesures).order_by(t_mesures.c.indicateur_id, t_mesures.c.annee)),
                      list(t_mesures.c))

    def confiances(self) -> pl.DataFrame:
        return _frame(self.store._lire(sa.select(t_confiance).order_by(t_confiance.c.date, t_confiance.c.id)),
                      list(t_confiance.c))

    def declarer_confiance(self, user: Utilisateur, **valeurs: Any) -> int:
        return self.store.creer(user, "eval_confiance", **valeurs)

    def importer(self, user: Utilisateur, lignes: list[LigneImport]) -> dict[str, int]:
        """Import the lines in one transaction (all or nothing): an indicator (action, niveau, libellé) is
        created or updated, a measure (indicator, year) created or updated; each change journaled."""
        counts = {"indicateurs": 0, "mesures_creees": 0, "mesures_modifiees": 0, "inchangees": 0}
        s, spec_i, spec_m = self.store, SPECS["eval_indicateurs"], SPECS["eval_mesures"]
        operation = str(uuid.uuid4())
        with s._ecriture() as conn:
            s._autoriser(conn, user, "evaluation")
            for li in lignes:
                ind = {"action_id": li.action_id, "niveau": li.niveau, "libelle": li.libelle, "unite": li.unite,
                       "sens": li.sens, "objectif_valeur": li.objectif_valeur, "objectif_annee": li.objectif_annee,
                       "reference_valeur": li.reference_valeur, "reference_annee": li.reference_annee,
                       "illustratif": li.illustratif}
                cur = conn.execute(sa.select(t_indicateurs).where(
                    t_indicateurs.c.action_id == li.action_id, t_indicateurs.c.niveau == li.niveau,
                    t_indicateurs.c.libelle == li.libelle)).first()
                if cur is None:
                    ind_id = s._inserer(conn, spec_i, s._valider(spec_i, ind), user, operation)
                    counts["indicateurs"] += 1
                else:
                    ind_id = cur.id
                    s._modifier(conn, spec_i, cur.id, cur.version, ind, user, operation)
                mes = {"indicateur_id": ind_id, "annee": li.annee, "valeur": li.valeur, "illustratif": li.illustratif}
                cur_m = conn.execute(sa.select(t_mesures).where(t_mesures.c.indicateur_id == ind_id,
                                                                t_mesures.c.annee == li.annee)).first()
                if cur_m is None:
                    s._inserer(conn, spec_m, s._valider(spec_m, mes), user, operation)
                    counts["mesures_creees"] += 1
                else:
                    new = s._modifier(conn, spec_m, cur_m.id, cur_m.version, mes, user, operation)
                    counts["mesures_modifiees" if new != cur_m.version else "inchangees"] += 1
        return counts


# ---------------------------------------------------------------- the four answers, for exports and the pack
def synthese_engagements(store: Store, verdicts_impact: dict, aujourd_hui: date,
                         par: str = "engagement") -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """The four answers per engagement (or orientation, project) from the store's rows: (group → question →
    lines, id → label). ``verdicts_impact``: indicator id → the barometer's verdict for the agglomeration."""
    from barometre.calculs import evaluation as ev
    from barometre.pilotage.structure import jalons_avec_retard

    e = Evaluation(store)
    actions, jalons = store.actions(), store.jalons()
    jalons = jalons_avec_retard(jalons, aujourd_hui) if jalons.height else jalons
    s = store.structure
    groupes = [x.id for x in {"engagement": s.engagements, "orientation": s.orientations, "projet": s.projets}[par]]
    indicateurs, mesures = e.indicateurs(), e.mesures()
    lectures = ev.lire_indicateurs(indicateurs, mesures, aujourd_hui.year)
    util = ev.utilite(actions, verdicts_impact)
    cout = ev.efficience(actions, store.ressources(), indicateurs, mesures)
    return ev.blocs(actions, jalons, lectures, util, cout, par, groupes), s.libelles()


def section_pack(store: Store, verdicts_impact: dict, aujourd_hui: date) -> dict:
    """The pack's section « Évaluation du projet de territoire »: one line per engagement and question."""
    from barometre.calculs.evaluation import QUESTIONS

    bl, labels = synthese_engagements(store, verdicts_impact, aujourd_hui)
    lignes = []
    for g, b in bl.items():
        lignes.append(labels.get(g, g))
        lignes += [f"{QUESTIONS[q].split(' — ')[0]} : {' ; '.join(x)}" for q, x in b.items()]
    if not lignes:
        lignes = ["Aucune action saisie : l'évaluation (effectivité, efficacité, utilité, efficience) se remplira "
                  "avec les feuilles de route des services."]
    return {"titre": "Évaluation du projet de territoire", "lignes": lignes}
