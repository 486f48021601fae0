"""Composite indices as the pages show them: the panel-weighted well-being index and the IDH-4.

Longer than ~600 lines because both indices are assembled here with, for every commune, what is missing
and why (the pages show those explanations verbatim); the formulas are in :mod:`barometre.calculs.indices`.

Pure logic, no Streamlit (STYLE.md, rule 1): pages/bien_etre.py and pages/idh4.py give it plain values
read through barometre.ui.cache and render what it returns. The formulas themselves live in
:mod:`barometre.calculs.indices` (min-max normalisation, composite, ranks, rank sensitivity, IDH-4); this module
assembles them and says what is missing and why. The panel's weightings are store records
(:mod:`barometre.pilotage.store`, ``proposer_ponderation`` / ``adopter_ponderation``): nothing here writes.

Grain and units
- Territories are INSEE codes (communes) or zone codes of a zoning (bassins de vie, cantons…); a
  zoning's values come from ``mart_valeurs`` at that level (ratios computed from the summed counts of
  the communes, never an average of commune rates or scores).
- Indicator values are in their catalogue unit; normalised scores, dimension scores and the composite
  score are dimensionless, in [0, 1] (1 = best observed commune).
- Ratings (« notes ») are integers from 0 to 5, as in the OECD Better Life Index web tool (METHODS.md).

Missing inputs are never replaced: a commune whose input is secret or missing for a dimension has no
score on that dimension, hence no composite score as long as that dimension has a nonzero weight.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from barometre import formats
from barometre.calculs import indices
from barometre.catalogue import Catalogue

# --------------------------------------------------------------------------------------------------
# Constants (each with its reason)
# --------------------------------------------------------------------------------------------------

#: File of the dimension mapping, in the catalogue directory.
DIMENSIONS_FILE = "dimensions_bien_etre.toml"
#: Folder where weightings were once saved as JSON files (before the store; migrated by
#: ``barometre ponderations migrer``).
PONDERATIONS_DIR = "ponderations"
#: Rating scale of the sliders: 0–5 as in the OECD Better Life Index web tool (METHODS.md, "check").
NOTE_MIN = 0
NOTE_MAX = 5
#: Neutral starting point: every dimension at the middle of the scale, so that each can be moved up or
#: down. Equal ratings give equal weights whatever their value; it is a starting point, not a choice.
NOTE_NEUTRE = 3
#: Random weightings drawn for the rank sensitivity (Dirichlet(1, …, 1)); about 0.1 s for 47 communes.
#: The extreme ranks come from weightings near one single dimension, which few draws reach: the range
#: shown is a lower bound of the range over all weightings (on the shipped data, 50 000 draws widen the
#: median commune's range by one rank). The page says so.
N_TIRAGES = 1000
#: Seed of those draws, fixed so that the same data always give the same ranges (2044: the horizon of
#: the territorial project).
GRAINE = 2044
#: Aggregation rules of the indicators a dimension may use: intensive values only (see the TOML file).
AGREGATIONS_INTENSIVES = ("ratio", "moyenne_ponderee", "evolution", "aucune")
#: Reasons shown for a missing input.
RAISON_SECRET = "secret statistique"
RAISON_MANQUANTE = "non disponible"
#: A weighting's slug: its date then its name, lower-case ASCII letters, digits and hyphens.
SLUG_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_NOM = 60
NOM_MAX = 120


class BienEtreError(Exception):
    """A problem a user can fix (mapping file, saved weighting); the message is a French sentence."""


# --------------------------------------------------------------------------------------------------
# The dimension mapping (data/catalogue/dimensions_bien_etre.toml)
# --------------------------------------------------------------------------------------------------


class Dimension(BaseModel):
    """One dimension of the index: a well-being family of the project, its OECD topic, its indicators."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    libelle: str = Field(min_length=1)
    famille: str = Field(min_length=1)
    theme_ocde: str = Field(min_length=1)
    indicateurs: list[str] = Field(min_length=1)
    pourquoi: str = ""

    @property
    def etiquette(self) -> str:
        """The name shown on screen: the family, with the OECD topic in brackets."""
        return f"{self.libelle} (OCDE : {self.theme_ocde})"


class FamilleNonCouverte(BaseModel):
    famille: str
    theme_ocde: str
    raison: str


class Correspondance(BaseModel):
    """The whole mapping: 5 to 7 dimensions, and the families no loaded source covers yet."""

    dimension: list[Dimension] = Field(min_length=5, max_length=7)
    non_couverte: list[FamilleNonCouverte] = []

    @model_validator(mode="after")
    def _unique(self) -> Correspondance:
        ids = [d.id for d in self.dimension]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"dimension(s) définie(s) plusieurs fois : {', '.join(dup)}")
        used = [i for d in self.dimension for i in d.indicateurs]
        dup = sorted({i for i in used if used.count(i) > 1})
        if dup:
            raise ValueError(f"indicateur(s) utilisé(s) dans plusieurs dimensions : {', '.join(dup)}")
        return self

    @property
    def dimensions(self) -> list[Dimension]:
        return self.dimension

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.dimension]

    def indicateurs(self) -> list[str]:
        return [i for d in self.dimension for i in d.indicateurs]


def load_dimensions(path: Path, catalogue: Catalogue) -> Correspondance:
    """Read and check the mapping against the catalogue.

    Raises:
        BienEtreError: the file is missing or invalid, an indicator is unknown, has no favourable
            direction (``sens = "neutre"``) or is a count (``agregation = "somme"``).
    """
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError as exc:
        raise BienEtreError(f"Fichier « {path} » introuvable.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BienEtreError(f"Fichier « {path.name} » : syntaxe TOML invalide ({exc}).") from exc
    try:
        corr = Correspondance.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"« {'.'.join(str(p) for p in err['loc']) or '—'} » : {err['msg']}" for err in exc.errors()
        )
        raise BienEtreError(f"Fichier « {path.name} » : {details}.") from exc
    known = {i.id: i for i in catalogue.indicateurs}
    problems = []
    for dim in corr.dimension:
        for ind_id in dim.indicateurs:
            ind = known.get(ind_id)
            if ind is None:
                problems.append(f"dimension « {dim.id} » : indicateur inconnu du catalogue « {ind_id} »")
            elif ind.sens == "neutre":
                problems.append(f"dimension « {dim.id} » : l'indicateur « {ind_id} » n'a pas de sens "
                                "favorable dans le catalogue (sens = neutre)")
            elif ind.agregation not in AGREGATIONS_INTENSIVES:
                problems.append(f"dimension « {dim.id} » : l'indicateur « {ind_id} » est un effectif "
                                f"(agrégation « {ind.agregation} ») ; il comparerait la taille des communes")
    if problems:
        raise BienEtreError(f"Fichier « {path.name} » : " + " ; ".join(problems) + ".")
    return corr


def directions(corr: Correspondance, catalogue: Catalogue) -> dict[str, bool]:
    """``indicator -> higher_is_better``, from the catalogue's ``sens``."""
    return {i: catalogue.indicateur(i).sens == "hausse_favorable" for i in corr.indicateurs()}


# --------------------------------------------------------------------------------------------------
# Computing the index
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One input value of one territory, with its provenance. ``valeur`` is None when secret/missing."""

    valeur: float | None
    secret: bool = False
    annee: int | None = None
    source: str = ""
    methode: str = ""

    @property
    def manquante(self) -> bool:
        v = self.valeur
        return self.secret or v is None or (isinstance(v, float) and math.isnan(v))

    @property
    def raison(self) -> str:
        return RAISON_SECRET if self.secret else RAISON_MANQUANTE


#: ``indicator -> territory code -> Observation``
Valeurs = Mapping[str, Mapping[str, Observation]]


@dataclass(frozen=True)
class Bornes:
    """Min and max of an indicator observed among the communes (the normalisation's goalposts)."""

    minimum: float
    maximum: float
    n_communes: int
    commune_min: str
    commune_max: str


@dataclass(frozen=True)
class Manque:
    """An input a territory lacks: which dimension and indicator, and why."""

    dimension: str
    indicateur: str
    raison: str


@dataclass
class Niveau:
    """The index for one set of territories (the communes, or the zones of a zoning)."""

    normalises: dict[str, dict[str, float | None]]  # indicator -> territory -> score in [0, 1]
    scores_dimensions: dict[str, dict[str, float | None]]  # dimension -> territory -> score
    scores: dict[str, float | None]  # territory -> composite score in [0, 1]
    rangs: dict[str, int | None]  # territory -> rank, 1 = best
    manques: dict[str, list[Manque]]  # territory -> missing inputs (all dimensions)
    sans_score: dict[str, list[Manque]]  # territory without composite -> the missing inputs that count


@dataclass
class IndiceBienEtre:
    notes: dict[str, int]
    poids: dict[str, float]
    bornes: dict[str, Bornes | None]
    directions: dict[str, bool]
    communes: Niveau
    zones: Niveau = field(default_factory=lambda: Niveau({}, {}, {}, {}, {}, {}))


def bornes_communes(valeurs: Mapping[str, Observation]) -> Bornes | None:
    """Observed min/max among the communes that have a value (None if none has)."""
    observed = {c: float(o.valeur) for c, o in valeurs.items() if not o.manquante}
    if not observed:
        return None
    cmin = min(observed, key=observed.get)
    cmax = max(observed, key=observed.get)
    return Bornes(observed[cmin], observed[cmax], len(observed), cmin, cmax)


def normalise_sur_bornes(value: float | None, bornes: Bornes | None, higher_is_better: bool) -> float | None:
    """``(v − min)/(max − min)`` with the communes' goalposts, clipped to [0, 1], inverted when lower is
    better. Used for zones: a bassin is placed on the same scale as the communes (a ratio of summed counts
    lies between its communes' values; a zone with a secret member may fall slightly outside: clipped)."""
    if value is None or bornes is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if bornes.maximum == bornes.minimum:
        score = indices.MINMAX_ALL_EQUAL_SCORE
    else:
        score = min(1.0, max(0.0, (value - bornes.minimum) / (bornes.maximum - bornes.minimum)))
    return score if higher_is_better else 1.0 - score


def _niveau(corr: Correspondance, normalises: dict[str, dict[str, float | None]],
            valeurs: Valeurs, territoires: Sequence[str], poids: Mapping[str, float]) -> Niveau:
    manques: dict[str, list[Manque]] = {t: [] for t in territoires}
    scores_dimensions: dict[str, dict[str, float | None]] = {}
    for dim in corr.dimension:
        per_territory: dict[str, float | None] = {}
        for t in territoires:
            parts = []
            for ind in dim.indicateurs:
                obs = valeurs.get(ind, {}).get(t)
                score = normalises.get(ind, {}).get(t)
                if obs is None or obs.manquante or score is None:
                    raison = obs.raison if obs is not None else RAISON_MANQUANTE
                    manques[t].append(Manque(dim.id, ind, raison))
                else:
                    parts.append(score)
            # Strict: a dimension is scored only when all its indicators are there, so that its meaning
            # does not change from one commune to the next (indices.dimension_scores would average the rest).
            per_territory[t] = statistics.fmean(parts) if len(parts) == len(dim.indicateurs) else None
        scores_dimensions[dim.id] = per_territory
    scores = indices.composite_scores(scores_dimensions, poids)
    scores = {t: scores.get(t) for t in territoires}
    weighted = {d for d, w in poids.items() if w > 0}
    sans_score = {t: [m for m in manques[t] if m.dimension in weighted]
                  for t in territoires if scores[t] is None}
    return Niveau(normalises, scores_dimensions, scores, indices.ranks(scores), manques, sans_score)


def calculer(corr: Correspondance, sens: Mapping[str, bool], notes: Mapping[str, int],
             communes: Valeurs, codes_communes: Sequence[str],
             zones: Valeurs | None = None, codes_zones: Sequence[str] = ()) -> IndiceBienEtre:
    """The index for the communes and (optionally) the zones of a zoning.

    Args:
        corr: the dimension mapping.
        sens: ``indicator -> higher_is_better`` (see :func:`directions`).
        notes: ``dimension -> rating`` (0–5); weights = rating / Σ ratings (all 0: equal weights).
        communes: ``indicator -> commune -> Observation``; codes_communes: every commune to score.
        zones: same for the zones (values of the zoning level in mart_valeurs); codes_zones: the zones.

    Communes are normalised with :func:`barometre.calculs.indices.minmax_normalise` (goalposts = min/max observed
    among the communes); zones with the same goalposts (:func:`normalise_sur_bornes`), so a zone's score
    is on the communes' scale. Each set is ranked on its own.
    """
    poids = indices.normalise_weights({d: notes.get(d, NOTE_NEUTRE) for d in corr.ids})
    bornes: dict[str, Bornes | None] = {}
    norm_communes: dict[str, dict[str, float | None]] = {}
    norm_zones: dict[str, dict[str, float | None]] = {}
    for ind in corr.indicateurs():
        obs = communes.get(ind, {})
        values = {c: (None if (o := obs.get(c)) is None or o.manquante else float(o.valeur))
                  for c in codes_communes}
        bornes[ind] = bornes_communes({c: o for c, o in obs.items() if c in set(codes_communes)})
        norm_communes[ind] = indices.minmax_normalise(values, sens[ind])
        zobs = (zones or {}).get(ind, {})
        norm_zones[ind] = {z: normalise_sur_bornes(None if (o := zobs.get(z)) is None or o.manquante
                                                   else float(o.valeur), bornes[ind], sens[ind])
                           for z in codes_zones}
    return IndiceBienEtre(
        notes={d: int(notes.get(d, NOTE_NEUTRE)) for d in corr.ids},
        poids=poids,
        bornes=bornes,
        directions=dict(sens),
        communes=_niveau(corr, norm_communes, communes, list(codes_communes), poids),
        zones=_niveau(corr, norm_zones, zones or {}, list(codes_zones), poids),
    )


def dimensions_actives(poids: Mapping[str, float]) -> list[str]:
    """The dimensions that count in the current weighting (weight > 0)."""
    return [d for d, w in poids.items() if w > 0]


def sensibilite(niveau: Niveau, poids: Mapping[str, float], n_tirages: int = N_TIRAGES,
                graine: int = GRAINE) -> dict[str, indices.RankRange | None]:
    """Rank range of each territory over ``n_tirages`` random weightings of the active dimensions.

    The dimensions with weight 0 stay out of the draws (the panel has set them aside); the weights of the
    others are drawn uniformly on the simplex with a fixed seed (:func:`barometre.calculs.indices.rank_sensitivity`).
    """
    actives = dimensions_actives(poids)
    return indices.rank_sensitivity({d: niveau.scores_dimensions[d] for d in actives}, n_tirages, graine)


def tableau_sensibilite(niveau: Niveau, plages: Mapping[str, indices.RankRange | None],
                        noms: Mapping[str, str]) -> pl.DataFrame:
    """One row per scored territory: current rank and rank range (columns code, nom, rang, rang_min,
    rang_median, rang_max, ecart), sorted by current rank."""
    rows = []
    for code, rang in niveau.rangs.items():
        plage = plages.get(code)
        if rang is None or plage is None:
            continue
        rows.append({"code": code, "nom": noms.get(code, code), "rang": rang, "rang_min": plage.min_rank,
                     "rang_median": float(plage.median_rank), "rang_max": plage.max_rank,
                     "ecart": plage.max_rank - plage.min_rank})
    schema = {"code": pl.String, "nom": pl.String, "rang": pl.Int64, "rang_min": pl.Int64,
              "rang_median": pl.Float64, "rang_max": pl.Int64, "ecart": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["rang", "nom"])


def ranking_frame(niveau: Niveau, noms: Mapping[str, str],
                  zones: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Territories with their score (columns code, nom, valeur, rang, secret, nom_zone), for
    charts.ranking_chart and charts.choropleth; territories without score keep a null value."""
    rows = [{"code": c, "nom": noms.get(c, c), "valeur": s, "rang": niveau.rangs.get(c), "secret": False,
             "nom_zone": (zones or {}).get(c)} for c, s in niveau.scores.items()]
    schema = {"code": pl.String, "nom": pl.String, "valeur": pl.Float64, "rang": pl.Int64,
              "secret": pl.Boolean, "nom_zone": pl.String}
    return pl.DataFrame(rows, schema=schema).sort(["rang", "nom"], nulls_last=True)


# --------------------------------------------------------------------------------------------------
# Ratings in the URL (w=3,3,1,…) and weightings kept in the store (?ponderation=<slug>)
# --------------------------------------------------------------------------------------------------


def notes_neutres(ids: Sequence[str]) -> dict[str, int]:
    return dict.fromkeys(ids, NOTE_NEUTRE)


def format_notes(notes: Mapping[str, int], ids: Sequence[str]) -> str:
    """``{a: 2, b: 3}`` → ``"2,3"`` in the mapping's dimension order (the ``w`` URL parameter)."""
    return ",".join(str(int(notes[d])) for d in ids)


def parse_notes(text: object, ids: Sequence[str]) -> dict[str, int] | None:
    """The ``w`` URL parameter back to ratings; None for anything else than exactly one integer 0–5 per
    dimension (garbage, wrong count, negative, decimals, overflow…). Never raises."""
    if not isinstance(text, str) or len(text) > 4 * max(1, len(ids)) + 8:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != len(ids) or not all(re.fullmatch(r"[0-9]", p) for p in parts):
        return None
    values = [int(p) for p in parts]
    if not all(NOTE_MIN <= v <= NOTE_MAX for v in values):
        return None
    return dict(zip(ids, values, strict=True))


class DimensionFigee(BaseModel):
    """What a dimension was when a weighting was proposed (to tell when the mapping has changed since)."""

    id: str
    libelle: str = ""
    indicateurs: list[str] = []


STATUTS = {"proposee": "proposée", "adoptee": "adoptée", "retiree": "retirée"}


class Ponderation(BaseModel):
    """A named, dated weighting as the store keeps it (``Store.ponderation`` and friends, in
    :mod:`barometre.pilotage.store`): only an ``adoptee`` one is the panel's."""

    id: int | None = None
    slug: str
    nom: str = Field(min_length=1, max_length=NOM_MAX)
    date: dt.date
    enregistree_le: dt.datetime
    notes: dict[str, int]
    dimensions: list[DimensionFigee]
    commentaire: str = ""
    statut: Literal["proposee", "adoptee", "retiree"] = "proposee"
    adoptee_le: dt.datetime | None = None
    version: int = 1

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_PATTERN.match(v):
            raise ValueError("identifiant invalide")
        return v

    @field_validator("notes")
    @classmethod
    def _notes(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [d for d, n in v.items() if not NOTE_MIN <= n <= NOTE_MAX]
        if bad:
            raise ValueError(f"notes hors de l'échelle {NOTE_MIN}–{NOTE_MAX} : {', '.join(bad)}")
        return v

    @property
    def adoptee(self) -> bool:
        return self.statut == "adoptee"

    @classmethod
    def depuis_store(cls, row: Mapping[str, object]) -> Ponderation:
        """A row of the store's ``ponderations`` (as ``Store.ponderation`` returns it) → this model."""
        return cls(id=row["id"], slug=row["slug"], nom=row["nom"], date=row["date"],
                   enregistree_le=row["modifie_le"], notes=row["notes"], dimensions=row["dimensions"],
                   commentaire=row["commentaire"] or "", statut=row["statut"], adoptee_le=row["adoptee_le"],
                   version=row["version"])


def dimensions_figees(corr: Correspondance) -> list[dict]:
    """The mapping's dimensions as a weighting records them (``dimensions=`` of the store's API)."""
    return [{"id": d.id, "libelle": d.libelle, "indicateurs": list(d.indicateurs)} for d in corr.dimension]


def verifier_slug(slug: object) -> str:
    """The ``?ponderation=`` link parameter, checked before anything is looked up with it."""
    if not isinstance(slug, str) or len(slug) > 80 or not SLUG_PATTERN.match(slug):
        raise BienEtreError("Lien de pondération invalide : le paramètre « ponderation » ne désigne aucune "
                            "pondération (lien incomplet ou modifié ?).")
    return slug


def ecarts_correspondance(p: Ponderation, corr: Correspondance) -> tuple[list[str], list[str]]:
    """(blocking, warnings): blocking when the dimensions differ (the weighting cannot be reopened
    identically), a warning when a dimension's indicators have changed since it was saved."""
    saved = [d.id for d in p.dimensions] or list(p.notes)
    if saved != corr.ids or set(p.notes) != set(corr.ids):
        return ([f"La pondération « {p.nom} » a été enregistrée pour d'autres dimensions "
                 f"({', '.join(saved)}) que celles d'aujourd'hui ({', '.join(corr.ids)}) : elle ne peut "
                 "pas être rouverte à l'identique."], [])
    now = {d.id: d for d in corr.dimension}
    warnings = [f"La dimension « {now[d.id].libelle} » ne contient plus les mêmes indicateurs qu'au "
                f"{p.date:%d/%m/%Y} ({', '.join(d.indicateurs)} → {', '.join(now[d.id].indicateurs)}) : "
                "les poids sont les mêmes, les scores peuvent différer."
                for d in p.dimensions if d.indicateurs and d.indicateurs != now[d.id].indicateurs]
    return [], warnings


@dataclass(frozen=True)
class EtatInitial:
    """Where the sliders start: a saved weighting, the ``w`` URL parameter or the neutral default."""

    notes: dict[str, int]
    origine: Literal["ponderation", "url", "neutre"]
    ponderation: Ponderation | None = None
    erreurs: tuple[str, ...] = ()
    avertissements: tuple[str, ...] = ()


def etat_initial(corr: Correspondance, trouver: Callable[[str], Ponderation | None], slug: object = None,
                 w: object = None, adoptee: Ponderation | None = None) -> EtatInitial:
    """Ratings to open the page with: ``?ponderation=<slug>`` wins, then ``?w=…``, then the panel's adopted
    weighting (``adoptee``, when it was made for exactly these dimensions), else neutral.

    ``trouver(slug)`` looks a weighting up (in the store); it is only called with a well-formed slug. A
    broken link never raises: it falls back to the next source and says why in ``erreurs``.
    """
    erreurs: list[str] = []
    if slug:
        try:
            p = trouver(verifier_slug(slug))
            if p is None:
                raise BienEtreError(f"Aucune pondération enregistrée sous « {slug} » : le lien est peut-être "
                                    "incomplet.")
            if p.statut == "retiree":
                raise BienEtreError(f"La pondération « {p.nom} » a été retirée : elle n'est plus proposée.")
            blocking, warnings = ecarts_correspondance(p, corr)
            if not blocking:
                return EtatInitial(dict(p.notes), "ponderation", p, (), tuple(warnings))
            erreurs.extend(blocking)
        except BienEtreError as exc:
            erreurs.append(str(exc))
    if w:
        notes = parse_notes(w, corr.ids)
        if notes is not None:
            return EtatInitial(notes, "url", None, tuple(erreurs))
        erreurs.append("Le paramètre de pondération « w » du lien est illisible : "
                       "pondération neutre de départ.")
    if adoptee is not None and adoptee.adoptee and not ecarts_correspondance(adoptee, corr)[0]:
        return EtatInitial(dict(adoptee.notes), "ponderation", adoptee, tuple(erreurs))
    return EtatInitial(notes_neutres(corr.ids), "neutre", None, tuple(erreurs))


# --------------------------------------------------------------------------------------------------
# IDH-4: assembling the inputs that exist (formulas: barometre.calculs.indices)
# --------------------------------------------------------------------------------------------------

#: Catalogue ids of the three IDH-4 inputs (keys: barometre.calculs.indices.IDH4_INPUTS). The first two are not
#: in the shipped sources; the page looks them up in the catalogue and uses them as soon as they exist.
IDH4_INDICATEURS = {
    "icm": "icm_toutes_causes",
    "diploma_share": "part_diplomes_15_plus",
    "median_income": "revenu_median_uc",
}
#: Documented variants, used where an input's own indicator has no commune value: (indicator, what differs).
IDH4_VARIANTES = {
    "diploma_share": (
        "part_au_moins_bac_15_plus",
        "variante : part des 15 ans ou plus non scolarisés titulaires au moins du baccalauréat (RP 2022), et non "
        "de tout diplôme comme dans la définition régionale : les titulaires d'un CAP, d'un BEP ou du seul "
        "brevet n'y comptent pas (valeurs plus basses, classement proche)",
    ),
}
IDH4_LIBELLES = {"icm": "Santé", "diploma_share": "Éducation", "median_income": "Niveau de vie"}
IDH4_VARIABLES = {
    "icm": "indice comparatif de mortalité (ICM, toutes causes, OR2S), par canton",
    "diploma_share": "part des diplômés parmi les 15 ans ou plus sortis du système scolaire",
    "median_income": "revenu disponible médian par unité de consommation (Filosofi)",
}
#: What to load when an input is missing (shown on the IDH-4 page).
IDH4_A_CHARGER = {
    "icm": "l'ICM toutes causes de l'OR2S par canton (fichier de l'Observatoire régional de la santé et du "
           "social, indicateur « indice comparatif de mortalité générale »)",
    "diploma_share": "la base communale INSEE « Diplômes – Formation » du recensement (fichier "
                     "base-cc-diplomes-formation, colonnes P22_NSCOL15P et P22_NSCOL15P_DIPLMIN)",
    "median_income": "le fichier Filosofi de l'INSEE (comparateur de territoires, colonne MED21)",
}
IDH4_FORMULES = {
    "icm": "1 − (ICM − min) / (max − min)",
    "diploma_share": "(x − min) / (max − min)",
    "median_income": "(ln x − ln min) / (ln max − ln min)",
}


def idh4_ingestible(entree: str, catalogue: Catalogue) -> bool:
    """True when ``barometre ingest`` can load this IDH-4 input: its indicator is in the catalogue and a
    layout of barometre.sources.layouts writes its source. Says the truth on screen about "how to load it"."""
    from barometre.sources.detection import all_layouts  # imported here: only the IDH-4 page needs it

    try:
        source = catalogue.indicateur(IDH4_INDICATEURS[entree]).source
    except KeyError:
        return False
    return any(layout.source == source for layout in all_layouts())


def _sous_indice(entree: str, x: float, low: float, high: float) -> float:
    """The IDH-4 sub-index formulas of barometre.calculs.indices (idh4_health / _education / _income) for one
    input whose goalposts exist while another input's do not (indices.Goalposts needs all three);
    tests check they give the same values."""
    if entree == "median_income":
        s = (math.log(x) - math.log(low)) / (math.log(high) - math.log(low))
    else:
        s = (x - low) / (high - low)
    s = min(1.0, max(0.0, s))
    return 1.0 - s if entree == "icm" else s


@dataclass(frozen=True)
class BornesIdh4:
    minimum: float
    maximum: float
    n_communes: int
    description: str


@dataclass(frozen=True)
class LigneIdh4:
    """IDH-4 of one territory: inputs, sub-indices (None when not computable, with the reason), index."""

    code: str
    entrees: dict[str, Observation | None]
    sous_indices: dict[str, float | None]
    raisons: dict[str, str]  # input -> why its sub-index is missing
    index: float | None
    hors_bornes: tuple[str, ...]


def bornes_idh4(communes: Mapping[str, Mapping[str, Observation]]) -> dict[str, BornesIdh4 | None]:
    """Goalposts = min/max observed among the communes shown (not the region's: not in the shipped data).

    ``communes``: ``input -> commune -> Observation``. None for an input with fewer than two distinct
    observed values (or a non-positive income, where the logarithm is undefined).
    """
    result: dict[str, BornesIdh4 | None] = {}
    for entree in indices.IDH4_INPUTS:
        values = [float(o.valeur) for o in communes.get(entree, {}).values() if not o.manquante]
        if len(set(values)) < 2 or (entree == "median_income" and min(values) <= 0):
            result[entree] = None
            continue
        result[entree] = BornesIdh4(min(values), max(values), len(values),
                                    f"min/max observés parmi les {len(values)} communes affichées, pas les "
                                    "bornes régionales")
    return result


def idh4_ligne(code: str, entrees: Mapping[str, Observation | None], bornes: Mapping[str, BornesIdh4 | None],
               raisons_absence: Mapping[str, str]) -> LigneIdh4:
    """Sub-indices that can be computed for one territory, and the IDH-4 when all three can.

    ``raisons_absence``: ``input -> reason`` for inputs not loaded at all (shown instead of a value).
    When the three goalposts exist the computation is :func:`barometre.calculs.indices.idh4` itself.
    """
    raisons: dict[str, str] = {}
    sous: dict[str, float | None] = {}
    hors: list[str] = []
    for entree in indices.IDH4_INPUTS:
        obs = entrees.get(entree)
        b = bornes.get(entree)
        if entree in raisons_absence:
            raisons[entree] = raisons_absence[entree]
        elif obs is None or obs.manquante:
            raisons[entree] = obs.raison if obs is not None else "pas de valeur pour ce territoire"
        elif b is None:
            raisons[entree] = "bornes indisponibles (moins de deux communes avec une valeur)"
        sous[entree] = None
    if all(bornes.get(e) is not None for e in indices.IDH4_INPUTS):
        gp = indices.Goalposts(
            icm_min=bornes["icm"].minimum, icm_max=bornes["icm"].maximum,
            diploma_min=bornes["diploma_share"].minimum, diploma_max=bornes["diploma_share"].maximum,
            income_min=bornes["median_income"].minimum, income_max=bornes["median_income"].maximum,
            description=bornes["median_income"].description,
        )
        value = {e: (None if e in raisons else float(entrees[e].valeur)) for e in indices.IDH4_INPUTS}
        res = indices.idh4(value["icm"], value["diploma_share"], value["median_income"], gp)
        sous = {"icm": res.health, "diploma_share": res.education, "median_income": res.income}
        return LigneIdh4(code, dict(entrees), sous, raisons, res.index, res.out_of_range)
    for entree in indices.IDH4_INPUTS:
        if entree in raisons:
            continue
        x = float(entrees[entree].valeur)
        b = bornes[entree]
        if not b.minimum <= x <= b.maximum:
            hors.append(entree)
        sous[entree] = _sous_indice(entree, x, b.minimum, b.maximum)
    # Some goalposts are missing, so some input is missing everywhere: no index, never a partial mean.
    return LigneIdh4(code, dict(entrees), sous, raisons, None, tuple(hors))


def propager_zone(valeurs_zones: Mapping[str, Observation], appartenance: Mapping[str, str],
                  libelle_zone: str) -> dict[str, Observation]:
    """Give each commune the value of its zone (how the IDH-4 uses the ICM, published per canton)."""
    out = {}
    for commune, zone in appartenance.items():
        obs = valeurs_zones.get(zone)
        if obs is not None:
            out[commune] = Observation(obs.valeur, obs.secret, obs.annee, obs.source,
                                       f"valeur du {libelle_zone} {zone}")
    return out


def noms(rows: pl.DataFrame | Iterable[Mapping[str, object]]) -> dict[str, str]:
    """``code -> nom`` from rows (or a frame) with those keys."""
    if isinstance(rows, pl.DataFrame):
        rows = rows.iter_rows(named=True)
    return {str(r["code"]): str(r["nom"]) for r in rows}


def observations(rows: pl.DataFrame | Iterable[Mapping[str, object]]) -> dict[str, Observation]:
    """``code -> Observation`` from value rows (columns code, valeur, secret, annee, source, methode);
    rows without a year (no value loaded for that commune) are left out."""
    if isinstance(rows, pl.DataFrame):
        rows = rows.iter_rows(named=True)
    return {str(r["code"]): Observation(r["valeur"], bool(r["secret"]), r["annee"], r["source"] or "",
                                        r["methode"] or "")
            for r in rows if r["annee"] is not None}


def idh4_normalisation(entree: str, obs: Observation | None, b: BornesIdh4 | None,
                       decimales: int) -> str:
    """The normalisation of one IDH-4 input, written out with its figures (French number format)."""
    if obs is None or obs.manquante or b is None:
        return "–"
    x, lo, hi = (formats.nombre(v, decimales) for v in (obs.valeur, b.minimum, b.maximum))
    if entree == "median_income":
        return f"(ln {x} − ln {lo}) / (ln {hi} − ln {lo})"
    if entree == "icm":
        return f"1 − ({x} − {lo}) / ({hi} − {lo})"
    return f"({x} − {lo}) / ({hi} − {lo})"
