"""The indicator and source catalogues: human-edited TOML files validated by pydantic.

``data/catalogue/indicateurs.toml`` holds one ``[[indicateur]]`` table per indicator and
``data/catalogue/sources.toml`` one ``[[source]]`` table per official source. Both are edited by
hand by the agglomeration's agents; ``barometre validate`` checks them.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

GROUPES_FILE = "groupes.toml"
Volet = Literal["environnement", "qualite_de_vie", "contexte"]
Sens = Literal["hausse_favorable", "baisse_favorable", "neutre"]
TypeIndicateur = Literal["contexte", "realisation", "resultat", "impact"]
# How a value is obtained for a group of communes (bassin, EPCI, any zoning):
# - somme: the sum of the communes' counts;
# - ratio: sum(numerateur) / sum(denominateur) × facteur, never a mean of commune rates;
# - moyenne_ponderee: sum(valeur × poids) / sum(poids) (the DREES rule for APL);
# - evolution: (sum(numerateur at year) / sum(numerateur at annee_reference) − 1) × 100;
# - aucune: not computable from communes (medians, poverty rates): only published levels.
Agregation = Literal["somme", "ratio", "moyenne_ponderee", "evolution", "aucune"]
OrigineMarge = Literal["producteur", "regle"]
# What a value measures, for like-for-like references: a « total » (a count, a tonnage, a surface: it grows
# with the territory's size) is never set beside another territory's total; a « taux » (a share, a rate, an
# amount per inhabitant, a median, an index, a number of years) is comparable across scales.
Grandeur = Literal["total", "taux"]
_INTENSIVE_UNITS = ("%", "‰", "/", "pour ", "€", "indice")


def grandeur_par_defaut(agregation: str, unite: str) -> Grandeur:
    """« total » for what is summed over communes or counted in units that grow with size, else « taux »."""
    if agregation == "somme":
        return "total"
    if agregation in ("ratio", "moyenne_ponderee", "evolution"):
        return "taux"
    u = unite.strip().lower()
    return "taux" if any(k in u for k in _INTENSIVE_UNITS) or u in ("ans", "années") else "total"


class RegleMarge(BaseModel):
    """A documented margin rule for one kind of source (``[marges.<id>]`` in indicateurs.toml): a change or
    a gap within it is not read as a change or a difference. ``absolue`` is in the indicator's unit
    (points for a percentage); ``relative`` in % of the compared value; the larger applies."""

    libelle: str
    absolue: float | None = Field(default=None, ge=0)
    relative: float | None = Field(default=None, ge=0)
    origine: OrigineMarge = "regle"
    texte: str  # the rule and its reason, shown verbatim on Méthodologie

    @model_validator(mode="after")
    def _has_a_threshold(self) -> RegleMarge:
        if self.absolue is None and self.relative is None and self.origine != "producteur":
            raise ValueError("une règle de marge donne « absolue », « relative » ou les deux")
        return self


@dataclass(frozen=True)
class Marge:
    """The margin that applies to one indicator, resolved from its rule and its own overrides."""

    regle: str = ""
    absolue: float | None = None  # indicator's unit (points for a percentage)
    relative: float | None = None  # % of the compared value
    origine: OrigineMarge = "regle"
    note: str = ""

    def seuil(self, reference: float | None = None) -> float:
        """The largest change or gap still inside the margin, around ``reference`` (for a relative rule)."""
        rel = (self.relative or 0.0) / 100 * abs(reference) if reference is not None else 0.0
        return max(self.absolue or 0.0, rel)


CalculSource = Literal["producteur", "tiers", "barometre"]


class Source(BaseModel):
    id: str
    producteur: str
    jeu_de_donnees: str
    millesime: str
    licence: str
    url: str
    date_extraction: str = ""
    dossier_brut: str = ""
    note: str = ""
    # Who made the values of this file: the producer itself (« publiée par le producteur »), a named third
    # party that computed them from the producer's data (« calculée par … »), or the barometer. In a
    # third party's file, ``publies_tels_quels`` lists the indicators it copies as the producer published
    # them (Filosofi medians in the PTOD file).
    calcul: CalculSource = "producteur"
    calcule_par: str = ""
    publies_tels_quels: list[str] = []

    @model_validator(mode="after")
    def _third_party_is_named(self) -> Source:
        if self.calcul == "tiers" and not self.calcule_par.strip():
            raise ValueError("une source « tiers » nomme qui a calculé ses valeurs (calcule_par)")
        return self


class Indicateur(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9_.]+$")
    libelle: str
    libelle_court: str = ""
    volet: Volet
    theme: str
    unite: str
    sens: Sens
    type: TypeIndicateur = "contexte"
    definition: str
    methode: str = ""
    agregation: Agregation
    numerateur: str | None = None
    denominateur: str | None = None
    facteur: float = 1.0
    poids: str | None = None
    annee_reference: int | None = None
    agregation_partielle: bool = False
    source: str
    millesime: str
    critere_grille: str = ""
    engagement: str = ""
    projets: list[str] = []
    id_tet: str = ""
    decimales: int = 1
    cle: bool = False  # shown among the key indicators of the home page
    peut_depasser_100: bool = False  # a percentage that may exceed 100 (energy autonomy of a producing commune)
    illustratif: bool = False
    # The breakdown the well-being index reads for an indicator whose values are all broken down (turnout:
    # one election, never several mixed): empty = the indicator's total.
    ventilation_indice: str = ""
    # A reference with another definition, shown beside this indicator only with that difference named:
    # the other indicator's id and a short note of what differs.
    repere_autre_definition: str = ""
    repere_autre_definition_note: str = ""
    # The margin within which a change or a gap is not read as one: a rule of [marges.<id>] (by kind of
    # source), or the producer's own published margin given here (``marge`` in the indicator's unit,
    # ``marge_relative`` in %), which then replaces the rule's values; ``marge_note`` says where it comes from.
    grandeur: Grandeur | None = None  # default from agregation and unite (grandeur_par_defaut)
    marge_regle: str = ""
    marge: float | None = Field(default=None, ge=0)
    marge_relative: float | None = Field(default=None, ge=0)
    marge_note: str = ""

    @model_validator(mode="after")
    def _computation_is_complete(self) -> Indicateur:
        if self.grandeur is None:
            self.grandeur = grandeur_par_defaut(self.agregation, self.unite)
        if self.agregation == "ratio" and not (self.numerateur and self.denominateur):
            raise ValueError("un indicateur « ratio » doit avoir un numérateur et un dénominateur")
        if self.agregation == "moyenne_ponderee" and not self.poids:
            raise ValueError("un indicateur « moyenne_ponderee » doit avoir un poids")
        if self.agregation == "evolution" and not (self.numerateur and self.annee_reference):
            raise ValueError("un indicateur « evolution » doit avoir un numérateur et une annee_reference")
        return self

    @property
    def nom_court(self) -> str:
        return self.libelle_court or self.libelle


class Groupes(BaseModel):
    """Indicator groupings the pages show together (``data/catalogue/groupes.toml``)."""

    ordre_themes: dict[str, list[str]] = {}
    secteurs_ges: dict[str, str] = {}  # indicator id → sector label
    energie: list[str] = []
    niveaux: dict[str, str] = {}  # level id → French label

    @model_validator(mode="before")
    @classmethod
    def _tables(cls, raw: dict) -> dict:
        if isinstance(raw, dict) and isinstance(raw.get("energie"), dict):
            raw = {**raw, "energie": raw["energie"].get("indicateurs", [])}
        return raw


class CatalogueError(Exception):
    """A catalogue file does not validate; the message is French and names the file and entry."""


class Catalogue(BaseModel):
    indicateurs: list[Indicateur]
    sources: list[Source]
    groupes: Groupes = Groupes()
    marges: dict[str, RegleMarge] = {}

    def marge(self, indicateur: str | Indicateur) -> Marge | None:
        """The indicator's margin: its own published values if any, else its rule's; None without either."""
        ind = self.indicateur(indicateur) if isinstance(indicateur, str) else indicateur
        regle = self.marges.get(ind.marge_regle)
        if ind.marge is not None or ind.marge_relative is not None:
            return Marge(ind.marge_regle, ind.marge, ind.marge_relative,
                         regle.origine if regle else "producteur", ind.marge_note)
        if regle is None:
            return None
        return Marge(ind.marge_regle, regle.absolue, regle.relative, regle.origine, ind.marge_note)

    def themes(self, volet: str) -> list[str]:
        """The themes of a volet's indicators, in the catalogue's order (unlisted ones after, by name)."""
        ordre = self.groupes.ordre_themes.get(volet, [])
        themes = {i.theme for i in self.indicateurs if i.volet == volet}
        return sorted(themes, key=lambda t: (ordre.index(t) if t in ordre else len(ordre), t))

    def indicateur(self, indicateur_id: str) -> Indicateur:
        for ind in self.indicateurs:
            if ind.id == indicateur_id:
                return ind
        raise KeyError(indicateur_id)

    def source(self, source_id: str) -> Source:
        for src in self.sources:
            if src.id == source_id:
                return src
        raise KeyError(source_id)

    def formule(self, ind: Indicateur) -> str:
        """How the barometer computes the indicator from its inputs, in French (« logements vacants ÷
        logements × 100 »), for the method label of every computed value."""
        def nom(ref: str | None) -> str:
            try:
                return self.indicateur(ref or "").nom_court.lower()
            except KeyError:
                return ref or "?"
        if ind.agregation == "ratio":
            facteur = f" × {ind.facteur:g}" if ind.facteur != 1 else ""
            return f"{nom(ind.numerateur)} ÷ {nom(ind.denominateur)}{facteur}"
        if ind.agregation == "somme":
            return "somme des valeurs des communes"
        if ind.agregation == "moyenne_ponderee":
            return f"moyenne des valeurs des communes pondérée par {nom(ind.poids)}"
        if ind.agregation == "evolution":
            return f"({nom(ind.numerateur)} de l'année ÷ {nom(ind.numerateur)} {ind.annee_reference} − 1) × 100"
        return ind.definition

    def methode_libelle(self, methode: str | None, source: str | None, ind: Indicateur, niveau: str = "") -> str:
        """What a value's method column means, in French, true for every value: « publiée par le producteur
        (INSEE) », « calculée par l'observatoire PTOD (…) », « calculée par le baromètre : formula »."""
        try:
            src = self.source(source or "")
        except KeyError:
            src = None
        if methode == "tiers":
            return f"calculée par {src.calcule_par if src else 'un tiers'}, recopiée telle quelle"
        if methode == "calculee":
            sur = (" sur les effectifs additionnés des communes (jamais une moyenne de taux)"
                   if niveau not in ("commune", "") and ind.agregation in ("ratio", "evolution") else "")
            return f"calculée par le baromètre : {self.formule(ind)}{sur}"
        return f"publiée par le producteur ({src.producteur})" if src else "publiée par le producteur"

    def problems(self) -> list[str]:
        """Cross-entry checks: unique ids, known sources, computations over known indicators."""
        found: list[str] = []
        ids = [i.id for i in self.indicateurs]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            found.append(f"indicateur « {dup} » défini plusieurs fois")
        source_ids = {s.id for s in self.sources}
        known = set(ids)
        for ind in self.indicateurs:
            if ind.source not in source_ids:
                found.append(f"indicateur « {ind.id} » : source inconnue « {ind.source} »")
            for role in ("numerateur", "denominateur", "poids", "repere_autre_definition"):
                ref = getattr(ind, role)
                if ref and ref not in known:
                    found.append(f"indicateur « {ind.id} » : {role} inconnu « {ref} »")
            if ind.marge_regle and ind.marge_regle not in self.marges:
                found.append(f"indicateur « {ind.id} » : règle de marge inconnue « {ind.marge_regle} » "
                             f"(règles : {', '.join(sorted(self.marges)) or 'aucune'})")
            if not ind.definition.strip():
                found.append(f"indicateur « {ind.id} » : définition vide")
        for ref in [*self.groupes.secteurs_ges, *self.groupes.energie]:
            if ref not in known:
                found.append(f"groupes.toml : indicateur inconnu « {ref} »")
        return found


def _load_toml(path: Path) -> dict:
    """The file's TOML, parsed once per version of the file (path, size, modification time): the catalogue is
    read by every new connection and command, and its 2 300 lines of TOML cost more than the models built
    from them. The dict returned is shared: read it, never change it."""
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise CatalogueError(f"Fichier « {path} » introuvable.") from exc
    return _toml_lu(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _toml_lu(path: Path, _taille: int, _modifie_ns: int) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise CatalogueError(f"Fichier « {path} » introuvable.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(
            f"Fichier « {path.name} » : syntaxe TOML invalide ({exc}). "
            "Comment corriger : vérifiez les guillemets et les crochets à la ligne indiquée."
        ) from exc


def _validate(model: type[BaseModel], raw: dict, path: Path, kind: str, index: int) -> BaseModel:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(
            f"champ « {'.'.join(str(p) for p in err['loc']) or '—'} » : {err['msg']}" for err in exc.errors()
        )
        name = raw.get("id", f"n°{index + 1}")
        raise CatalogueError(
            f"Fichier « {path.name} », {kind} « {name} » : {details}. "
            "Comment corriger : complétez ou corrigez ce champ puis relancez `barometre validate`."
        ) from exc


def load_catalogue(catalogue_dir: Path) -> Catalogue:
    ind_path = catalogue_dir / "indicateurs.toml"
    src_path = catalogue_dir / "sources.toml"
    raw_ind = _load_toml(ind_path)
    indicateurs = [
        _validate(Indicateur, raw, ind_path, "indicateur", i)
        for i, raw in enumerate(raw_ind.get("indicateur", []))
    ]
    marges = {key: _validate(RegleMarge, {"id": key, **raw}, ind_path, "règle de marge", i)
              for i, (key, raw) in enumerate(raw_ind.get("marges", {}).items())}
    sources = [
        _validate(Source, raw, src_path, "source", i)
        for i, raw in enumerate(_load_toml(src_path).get("source", []))
    ]
    grp_path = catalogue_dir / GROUPES_FILE
    groupes = _validate(Groupes, _load_toml(grp_path), grp_path, "groupes", 0) if grp_path.exists() else Groupes()
    return Catalogue(indicateurs=indicateurs, sources=sources, groupes=groupes, marges=marges)
