"""Pilotage of the Projet de Territoire: its structure (engagements, orientations, emblematic projects,
criteria of the grille de positionnement) and the pure computations behind the grille and jalons pages.

The structure comes from ``data/pilotage/structure.toml``, which cites the lines of the project's text.
What people enter (grille rows, actions, milestones, resources, council decisions) lives in the store
(:mod:`barometre.pilotage.store`); the functions here take those rows as polars DataFrames and return frames
ready to show. No Streamlit here.
"""

from __future__ import annotations

import tempfile
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, ValidationError, model_validator

from barometre import formats
from barometre.catalogue import Catalogue
from barometre.settings import Settings, get_settings
from barometre.sources.csvread import SECRET, IngestError, parse_number, read_table
from barometre.texte import nom_fichier as nom_fichier_sur

A_RENSEIGNER = "à renseigner"

# Columns of the grille filled by the panel (lines 3612-3631 of the project's text), in order.
COLONNES_GRILLE: dict[str, str] = {
    "positionnement": "Positionnement du territoire",
    "impacts": "Impacts imputables au projet de territoire",
    "acquis": "Acquis consolidés",
    "difficultes": "Difficultés, retards, échecs",
    "objectifs": "Objectifs d'amélioration",
}
VOLETS = {"environnement": "Volet environnemental", "qualite_de_vie": "Volet qualité de vie et bien-être"}
GROUPES = {"": "", "gouvernance": "Gouvernance", "cadre_de_vie": "Cadre de vie"}

# Milestone statuses. A new milestone is "à renseigner" until its owner says otherwise.
STATUTS_JALON: dict[str, str] = {
    "a_renseigner": "À renseigner",
    "prevu": "Prévu",
    "en_cours": "En cours",
    "atteint": "Atteint",
    "reporte": "Reporté",
    "abandonne": "Abandonné",
}
STATUTS_CLOS = ("atteint", "abandonne")  # a closed milestone is never "late"
# The three evaluation levels of the project (lines 3407-3436): réalisation, résultat, impact.
NIVEAUX_INDICATEUR: dict[str, str] = {"realisation": "Réalisation", "resultat": "Résultat",
                                      "impact": "Impact"}

RETARD_NON = ""
RETARD_EN_COURS = "en retard"
RETARD_ATTEINT = "atteint en retard"


# ---------------------------------------------------------------- structure
class Engagement(BaseModel):
    id: str
    numero: int
    libelle: str
    ligne: str


class Orientation(BaseModel):
    id: str
    engagement: str
    libelle: str
    ligne: str


class Projet(BaseModel):
    id: str
    numero: int
    engagement: str
    libelle: str
    ligne: str
    ligne_texte: str = ""


class Critere(BaseModel):
    id: str
    volet: Literal["environnement", "qualite_de_vie"]
    groupe: Literal["", "gouvernance", "cadre_de_vie"] = ""
    libelle: str
    enonce: str
    catalogue: list[str] = []
    ligne: str

    @property
    def noms_catalogue(self) -> list[str]:
        """The ``critere_grille`` values of the indicator catalogue that belong to this criterion."""
        return self.catalogue or [self.libelle]


class Structure(BaseModel):
    engagements: list[Engagement]
    orientations: list[Orientation]
    projets: list[Projet]
    criteres: list[Critere]

    @model_validator(mode="after")
    def _coherente(self) -> Structure:
        for kind in ("engagements", "orientations", "projets", "criteres"):
            ids = [x.id for x in getattr(self, kind)]
            dups = sorted({i for i in ids if ids.count(i) > 1})
            if dups:
                raise ValueError(f"{kind} : identifiant(s) en double {', '.join(dups)}")
        known = {e.id for e in self.engagements}
        for x in [*self.orientations, *self.projets]:
            if x.engagement not in known:
                raise ValueError(f"« {x.id} » : engagement inconnu « {x.engagement} »")
        return self

    def engagement(self, engagement_id: str) -> Engagement:
        return next(e for e in self.engagements if e.id == engagement_id)

    def orientations_de(self, engagement_id: str) -> list[Orientation]:
        return [o for o in self.orientations if o.engagement == engagement_id]

    def projets_de(self, engagement_id: str) -> list[Projet]:
        return [p for p in self.projets if p.engagement == engagement_id]

    def critere(self, critere_id: str) -> Critere:
        return next(c for c in self.criteres if c.id == critere_id)

    def libelles(self) -> dict[str, str]:
        """Every id (engagement, orientation, project, criterion) → its label, for display."""
        out = {e.id: f"Engagement {e.numero} — {e.libelle}" for e in self.engagements}
        out |= {o.id: o.libelle for o in self.orientations}
        out |= {p.id: f"Projet {p.numero} — {p.libelle}" for p in self.projets}
        out |= {c.id: c.libelle for c in self.criteres}
        return out


class StructureError(Exception):
    """structure.toml does not validate; the message is French."""


def chemin_structure(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "pilotage" / "structure.toml"


def charger_structure(path: Path | None = None) -> Structure:
    path = path or chemin_structure()
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
        return Structure(engagements=raw.get("engagement", []), orientations=raw.get("orientation", []),
                         projets=raw.get("projet", []), criteres=raw.get("critere", []))
    except FileNotFoundError as exc:
        raise StructureError(f"Fichier « {path} » introuvable.") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise StructureError(f"Fichier « {path.name} » invalide : {exc}") from exc


# ---------------------------------------------------------------- grille: situation from the barometer
def indicateurs_par_critere(structure: Structure, catalogue: Catalogue) -> dict[str, list[str]]:
    """Criterion id → ids of the catalogue's indicators linked to it (by ``critere_grille``)."""
    out: dict[str, list[str]] = {c.id: [] for c in structure.criteres}
    by_name = {n: c.id for c in structure.criteres for n in c.noms_catalogue}
    for ind in catalogue.indicateurs:
        if ind.critere_grille in by_name and not ind.illustratif:
            out[by_name[ind.critere_grille]].append(ind.id)
    return out


def criteres_catalogue_hors_grille(structure: Structure, catalogue: Catalogue) -> dict[str, list[str]]:
    """``critere_grille`` values of the catalogue that name no criterion of the grille → their indicators.

    The project lists the grille's criteria; a catalogue value outside them (e.g. a well-being dimension
    of lines 3676-3690) is reported, never silently attached to a criterion."""
    names = {n for c in structure.criteres for n in c.noms_catalogue}
    out: dict[str, list[str]] = {}
    for ind in catalogue.indicateurs:
        if ind.critere_grille and ind.critere_grille not in names:
            out.setdefault(ind.critere_grille, []).append(ind.id)
    return out


SITUATION_SCHEMA = {
    "critere": pl.String, "indicateur": pl.String, "libelle": pl.String, "unite": pl.String,
    "decimales": pl.Int64, "annee": pl.Int64, "valeur": pl.Float64, "secret": pl.Boolean,
    "annee_precedente": pl.Int64, "valeur_precedente": pl.Float64, "evolution": pl.Float64,
    "sens": pl.String, "tendance": pl.String, "texte": pl.String,
}


def tendance(evolution: float | None, sens: str) -> str:
    """Reading of a change given the indicator's direction: favorable / défavorable / stable / neutre."""
    if evolution is None:
        return ""
    if evolution == 0:
        return "stable"
    if sens == "neutre":
        return "neutre"
    good = (evolution > 0) == (sens == "hausse_favorable")
    return "favorable" if good else "défavorable"


def situation_grille(structure: Structure, catalogue: Catalogue, dernieres: pl.DataFrame) -> pl.DataFrame:
    """Situation T vs baromètre T−1 for every (criterion, linked indicator).

    ``dernieres`` has the columns of ``mart_dernieres_valeurs`` for one territory. The whole population
    (``ventilation = ''``) is read when published; otherwise each breakdown published (age band, type of
    facility…) gets its own row. Grain: one row per criterion × linked indicator × breakdown shown; an
    indicator without any value keeps one row (annee null), so the grille says what is missing."""
    liens = indicateurs_par_critere(structure, catalogue)
    by_id: dict[str, list[dict]] = {}
    for r in dernieres.iter_rows(named=True):
        by_id.setdefault(r["indicateur"], []).append(r)
    rows = []
    for crit in structure.criteres:
        for ind_id in liens[crit.id]:
            ind = catalogue.indicateur(ind_id)
            found = by_id.get(ind_id, [])
            whole = [r for r in found if not r.get("ventilation")]
            for r in whole or sorted(found, key=lambda r: r.get("ventilation") or "") or [{}]:
                evo = None if r.get("secret") else r.get("evolution")
                t = tendance(evo, ind.sens)
                label = ind.nom_court + (f" – {r['ventilation']}" if r.get("ventilation") else "")
                rows.append({
                    "critere": crit.id, "indicateur": ind_id, "libelle": label, "unite": ind.unite,
                    "decimales": ind.decimales, "annee": r.get("annee"), "valeur": r.get("valeur"),
                    "secret": bool(r.get("secret") or False), "annee_precedente": r.get("annee_precedente"),
                    "valeur_precedente": r.get("valeur_precedente"), "evolution": evo, "sens": ind.sens,
                    "tendance": t, "texte": texte_situation(label, ind.unite, ind.decimales, r, t),
                })
    return pl.DataFrame(rows, schema=SITUATION_SCHEMA)


def texte_situation(libelle: str, unite: str, decimales: int, r: dict, tendance_lue: str) -> str:
    """One line: ``Libellé : valeur (année) ; T−1 : valeur (année), écart, lecture``."""
    if not r or (r.get("valeur") is None and not r.get("secret")):
        return f"{libelle} : {formats.MISSING_TEXT} à cette échelle"
    now = formats.valeur_unite(r.get("valeur"), unite, decimales, bool(r.get("secret")))
    text = f"{libelle} : {now} ({r.get('annee')})"
    if r.get("annee_precedente") is None:
        return text + " ; pas de millésime antérieur"
    before = formats.valeur_unite(r.get("valeur_precedente"), unite, decimales)
    text += f" ; {before} ({r.get('annee_precedente')})"
    if r.get("evolution") is not None and not r.get("secret"):
        text += f", {formats.ecart(r.get('evolution'), unite, decimales)}"
    return text + (f" — {tendance_lue}" if tendance_lue else "")


def resume_situation(structure: Structure, situation: pl.DataFrame) -> dict[str, str]:
    """Criterion id → the lines of its situation column (one per linked indicator)."""
    out = {}
    for crit in structure.criteres:
        mine = situation.filter(pl.col("critere") == crit.id)
        if not mine.height:
            out[crit.id] = "Aucun indicateur du baromètre rattaché à ce critère."
            continue
        known = mine.filter(pl.col("annee").is_not_null())
        lines = known["texte"].to_list()
        missing = mine.filter(pl.col("annee").is_null())["libelle"].to_list()
        if missing:  # one line for all the indicators not published at this level, to keep the cell short
            lines.append(f"{formats.MISSING_TEXT.capitalize()} à cette échelle : {', '.join(missing)}")
        out[crit.id] = "\n".join(lines)
    return out


def tableau_grille(structure: Structure, lignes: pl.DataFrame, situation: dict[str, str]) -> pl.DataFrame:
    """The grille of one edition, in the project's order. Grain: one row per criterion.

    ``lignes`` are the store's grille rows of the edition (columns critere + COLONNES_GRILLE); an empty
    cell reads « à renseigner »."""
    by_crit = {r["critere"]: r for r in lignes.iter_rows(named=True)} if lignes.height else {}
    rows = []
    for crit in structure.criteres:
        r = by_crit.get(crit.id, {})
        row = {"critere": crit.id, "Volet": VOLETS[crit.volet], "Groupe": GROUPES[crit.groupe],
               "Critère": crit.libelle, "Situation T / baromètre T−1": situation.get(crit.id, "")}
        for col, label in COLONNES_GRILLE.items():
            row[label] = (r.get(col) or "").strip() or A_RENSEIGNER
        rows.append(row)
    return pl.DataFrame(rows)


def comparaison_editions(structure: Structure, lignes_par_edition: dict[str, pl.DataFrame],
                         colonne: str) -> pl.DataFrame:
    """One column of the grille across editions, side by side. Grain: one row per criterion; one
    column per edition (its label), in the order given."""
    rows = []
    for crit in structure.criteres:
        row = {"Critère": crit.libelle}
        for edition, lignes in lignes_par_edition.items():
            match = lignes.filter(pl.col("critere") == crit.id) if lignes.height else lignes
            value = (match[colonne][0] or "").strip() if match.height else ""
            row[edition] = value or A_RENSEIGNER
        rows.append(row)
    return pl.DataFrame(rows)


# ---------------------------------------------------------------- jalons
def etat_retard(date_prevue: str | date | None, date_atteinte: str | date | None, statut: str,
                aujourd_hui: date) -> str:
    """Late flag computed from dates, never entered: a milestone whose due date has passed and that is
    neither reached nor abandoned is late; one reached after its due date was reached late."""
    prevue = _as_date(date_prevue)
    if prevue is None:
        return RETARD_NON
    if statut == "atteint":
        atteinte = _as_date(date_atteinte)
        return RETARD_ATTEINT if atteinte is not None and atteinte > prevue else RETARD_NON
    if statut in STATUTS_CLOS:
        return RETARD_NON
    return RETARD_EN_COURS if prevue < aujourd_hui else RETARD_NON


def _as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def jalons_avec_retard(jalons: pl.DataFrame, aujourd_hui: date) -> pl.DataFrame:
    """Adds ``retard`` (the flag's text, "" when on time) and ``en_retard`` (bool) to the jalons."""
    flags = [etat_retard(r["date_prevue"], r["date_atteinte"], r["statut"], aujourd_hui)
             for r in jalons.iter_rows(named=True)]
    late = [f == RETARD_EN_COURS for f in flags]
    return jalons.with_columns(pl.Series("retard", flags, dtype=pl.String),
                               pl.Series("en_retard", late, dtype=pl.Boolean))


AVANCEMENT_SCHEMA = {"id": pl.String, "libelle": pl.String, "actions": pl.Int64, "jalons": pl.Int64,
                     "atteints": pl.Int64, "en_retard": pl.Int64, "a_renseigner": pl.Int64,
                     "part_atteints": pl.Float64}


def avancement(structure: Structure, actions: pl.DataFrame, jalons: pl.DataFrame, aujourd_hui: date,
               par: Literal["engagement", "projet"] = "engagement") -> pl.DataFrame:
    """Progress per engagement (or per emblematic project): counts of actions and milestones, reached,
    late, not yet filled, and the share reached (% of milestones, null when there is none)."""
    groups = structure.engagements if par == "engagement" else structure.projets
    labels = structure.libelles()
    j = jalons_avec_retard(jalons, aujourd_hui) if jalons.height else jalons
    rows = []
    for g in groups:
        action_ids = actions.filter(pl.col(par) == g.id)["id"].to_list() if actions.height else []
        mine = j.filter(pl.col("action_id").is_in(action_ids)) if j.height else j
        n = mine.height
        atteints = mine.filter(pl.col("statut") == "atteint").height if n else 0
        rows.append({
            "id": g.id, "libelle": labels[g.id], "actions": len(action_ids), "jalons": n,
            "atteints": atteints,
            "en_retard": int(mine["en_retard"].sum()) if n else 0,
            "a_renseigner": mine.filter(pl.col("statut") == "a_renseigner").height if n else 0,
            "part_atteints": round(100 * atteints / n, 1) if n else None,
        })
    return pl.DataFrame(rows, schema=AVANCEMENT_SCHEMA)


ATTRIBUTION_SCHEMA = {
    "engagement": pl.String, "projet": pl.String, "action_id": pl.Int64, "action": pl.String,
    "indicateur": pl.String, "libelle_indicateur": pl.String, "situation": pl.String, "tendance": pl.String,
    "jalons_atteints": pl.Int64, "jalons": pl.Int64, "jalons_en_retard": pl.Int64,
}


def attribution(actions: pl.DataFrame, jalons: pl.DataFrame, catalogue: Catalogue, dernieres: pl.DataFrame,
                aujourd_hui: date) -> pl.DataFrame:
    """Impact indicators that moved, beside the milestones of the actions meant to move them.

    Grain: one row per action × impact indicator. Juxtaposition, not proof: the page says so."""
    totals = dernieres
    if "ventilation" in dernieres.columns:
        totals = dernieres.filter(pl.col("ventilation") == "")
    by_id = {r["indicateur"]: r for r in totals.iter_rows(named=True)}
    j = jalons_avec_retard(jalons, aujourd_hui) if jalons.height else jalons
    rows = []
    for a in actions.iter_rows(named=True):
        mine = j.filter(pl.col("action_id") == a["id"]) if j.height else j
        for ind_id in a["indicateurs_impact"] or []:
            try:
                ind = catalogue.indicateur(ind_id)
            except KeyError:
                label, r, t, text = ind_id, {}, "", f"{ind_id} : indicateur absent du catalogue"
            else:
                label, r = ind.nom_court, by_id.get(ind_id, {})
                t = tendance(None if r.get("secret") else r.get("evolution"), ind.sens)
                text = texte_situation(ind.nom_court, ind.unite, ind.decimales, r, t)
            rows.append({
                "engagement": a["engagement"], "projet": a["projet"] or "", "action_id": a["id"],
                "action": a["libelle"], "indicateur": ind_id, "libelle_indicateur": label, "situation": text,
                "tendance": t, "jalons": mine.height,
                "jalons_atteints": mine.filter(pl.col("statut") == "atteint").height if mine.height else 0,
                "jalons_en_retard": int(mine["en_retard"].sum()) if mine.height else 0,
            })
    return pl.DataFrame(rows, schema=ATTRIBUTION_SCHEMA)


def indicateurs_inconnus(ids: list[str], catalogue: Catalogue) -> list[str]:
    known = {i.id for i in catalogue.indicateurs}
    return [i for i in ids if i not in known]


# ---------------------------------------------------------------- resources
RESSOURCES_SCHEMA = {"id": pl.String, "libelle": pl.String, "alloue": pl.Float64, "consomme": pl.Float64,
                     "taux_consommation": pl.Float64}


def ressources_par(structure: Structure, ressources: pl.DataFrame, actions: pl.DataFrame,
                   par: Literal["engagement", "action"] = "engagement",
                   annee: int | None = None) -> pl.DataFrame:
    """Resources allocated and consumed (€) per engagement or per action, and the consumption rate (%).

    Sums of entered or imported amounts; a missing amount counts as unknown, not as zero: the sum is
    null when every amount of the group is missing."""
    r = ressources.filter(pl.col("annee") == annee) if annee is not None and ressources.height else ressources
    if par == "engagement":
        keys = [(e.id, structure.libelles()[e.id]) for e in structure.engagements]
        col = "engagement"
    else:
        keys = [(str(a["id"]), a["libelle"]) for a in actions.iter_rows(named=True)]
        r = r.with_columns(pl.col("action_id").cast(pl.String)) if r.height else r
        col = "action_id"
    rows = []
    for key, label in keys:
        mine = r.filter(pl.col(col) == key) if r.height else r
        alloue, consomme = (_somme_connue(mine, c) for c in ("alloue", "consomme"))
        rows.append({"id": key, "libelle": label, "alloue": alloue, "consomme": consomme,
                     "taux_consommation": round(100 * consomme / alloue, 1) if alloue and consomme is not None
                     else None})
    return pl.DataFrame(rows, schema=RESSOURCES_SCHEMA)


def _somme_connue(df: pl.DataFrame, col: str) -> float | None:
    """Sum of a column, or None when every value is missing (unknown is not zero)."""
    if not df.height or df[col].null_count() == df.height:
        return None
    return float(df[col].sum())


class LigneComptable(BaseModel):
    """One row of an accounting export by functional code (« codes fonctionnels », line 3335)."""

    ligne: int
    code_fonctionnel: str
    annee: int
    alloue: float | None = None
    consomme: float | None = None
    libelle: str = ""
    engagement: str = ""
    action_id: int | None = None


COLONNES_CSV_COMPTABLE = ("code_fonctionnel", "annee", "alloue", "consomme")


def lire_csv_comptable(data: bytes, nom_fichier: str, structure: Structure,
                       actions: pl.DataFrame) -> list[LigneComptable]:
    """Read an accounting CSV (``code_fonctionnel;annee;alloue;consomme`` and optional ``libelle``,
    ``engagement``), as French Excel writes it (``;``, decimal commas, Windows-1252 or UTF-8).

    Each code is matched to the action that carries it (``code_fonctionnel`` of the action), which
    gives its engagement; a code that no action carries needs an ``engagement`` column (E1, E2, E3).
    Raises :class:`IngestError` (French, with the line) for anything that cannot be imported: nothing
    is imported from a file with an error."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / nom_fichier_sur(nom_fichier, "import.csv")[0]  # NUL, path, length
        path.write_bytes(data)
        table = read_table(path, expected_columns=COLONNES_CSV_COMPTABLE)
    codes = {}
    for a in actions.iter_rows(named=True):
        if a["code_fonctionnel"]:
            codes[a["code_fonctionnel"].strip()] = a
    engagements = {e.id for e in structure.engagements}
    optional = {"libelle", "engagement"}
    header = {name: table.column(name) for name in COLONNES_CSV_COMPTABLE}
    header |= {name: table.column(name) for name in optional
               if any(h.strip().casefold() == name for h in table.header)}
    out: list[LigneComptable] = []
    for row in table.rows:
        def cell(name: str, row=row) -> str:
            h = header.get(name)
            return (row.cells.get(h) or "").strip() if h else ""

        code = cell("code_fonctionnel")
        if not code:
            raise IngestError(nom_fichier, row.line, "code_fonctionnel", "code fonctionnel vide",
                              "renseignez le code fonctionnel de chaque ligne")
        annee_txt = cell("annee")
        if not annee_txt.isdigit() or not 2000 <= int(annee_txt) <= 2100:
            raise IngestError(nom_fichier, row.line, "annee", f"année invalide « {annee_txt} »",
                              "écrivez l'exercice sur quatre chiffres, par exemple 2025")
        amounts = {}
        for col in ("alloue", "consomme"):
            value = parse_number(cell(col), fichier=nom_fichier, ligne=row.line, colonne=col)
            if value is SECRET:
                raise IngestError(nom_fichier, row.line, col, "montant marqué secret",
                                  "un montant comptable n'est jamais secret : écrivez-le ou laissez la case "
                                  "vide")
            amounts[col] = value
        action = codes.get(code)
        engagement = action["engagement"] if action else cell("engagement").upper()
        if engagement not in engagements:
            raise IngestError(nom_fichier, row.line, "code_fonctionnel",
                              f"le code « {code} » n'est porté par aucune action et la ligne ne dit pas son "
                              "engagement",
                              "renseignez ce code fonctionnel dans la fiche de l'action, ou ajoutez une "
                              "colonne "
                              "« engagement » (E1, E2 ou E3)")
        out.append(LigneComptable(ligne=row.line, code_fonctionnel=code, annee=int(annee_txt),
                                  libelle=cell("libelle"), engagement=engagement,
                                  action_id=action["id"] if action else None, **amounts))
    return out
