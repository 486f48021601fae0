"""Targets (objectifs), their trajectories and the status of the territory against them.

Longer than ~600 lines because the targets' model (one pydantic model, its French errors), the
trajectories and the status rule form one contract that the register, the pages and ``barometre objectifs``
read together.

Grain: one ``Objectif`` is one target of one indicator, for one territory and one target year, as written
in the human-edited file ``data/catalogue/objectifs.csv`` (UTF-8, comma-separated, one header line, columns
``OBJECTIFS_COLUMNS``). Values are in the unit of the indicator: kteq CO2 for ``cae_1.a``, GWh for
``cae_2.a``, MWh for ``cae_3.a``, tonnes for ``cae_4.*``, % for ``autonomie_energetique``.

A trajectory is a list of ``(year, value)`` from the reference year to the target year. After the target
year the target value is held (a ceiling reached in 2020 still applies in 2022); before the reference year
there is no path.

Status rule (``STATUS_RULE_FR`` is the text the UI shows verbatim): the latest observation is compared with
the value of the path for the same year. Within ±``DEFAULT_TOLERANCE_PCT`` % of that value (bounds
included): "dans la trajectoire"; better than that: "en avance"; worse: "en retard"; no observation at or
after the reference year, or no reference value to draw the path from: "sans donnée". "Better" is lower for
emissions and consumption, higher for renewable production and energy autonomy (``higher_is_better``).

This module never imports streamlit: it is used by the pages, by ``barometre objectifs`` and by plain pytest.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from barometre.formats import neutraliser

# --- vocabulary ---------------------------------------------------------------------------------------

Origine = Literal["PCAET", "projet_de_territoire", "loi_energie_climat", "SNBC", "PREPA", "SRADDET"]
Forme = Literal["lineaire", "snbc"]
Statut = Literal["en_avance", "dans_la_trajectoire", "en_retard", "sans_donnee"]
ReferenceSource = Literal["fichier", "observation", "premiere_observation", "inconnue"]

ORIGINES: tuple[str, ...] = get_args(Origine)
FORMES: tuple[str, ...] = get_args(Forme)
STATUTS: tuple[str, ...] = get_args(Statut)

# Columns of data/catalogue/objectifs.csv, in file order.
OBJECTIFS_COLUMNS: tuple[str, ...] = (
    "id",
    "indicateur",
    "territoire",
    "annee_reference",
    "valeur_reference",
    "annee_cible",
    "valeur_cible",
    "variation_cible_pct",
    "forme",
    "origine",
    "source",
    "a_confirmer",
    "illustratif",
    "commentaire",
)

# The register's columns (optional in the file, after OBJECTIFS_COLUMNS): what a council member needs to
# weigh a target — its headline, whether it is a figure or a direction, whether it is the headline target
# of its indicator, its scope, where it was written and how sure we are of it, and what data it awaits.
# They describe the target and are read from the file only (the edits stored in the barometer change the
# figures, OBJECTIFS_COLUMNS; a target added in the barometer gets the defaults of ``Registre``).
REGISTRE_COLUMNS: tuple[str, ...] = (
    "intitule",
    "nature",
    "principal",
    "perimetre",
    "document",
    "date_document",
    "localisation",
    "confiance",
    "donnee_attendue",
)
Nature = Literal["cible", "orientation"]
Confiance = Literal["adopte", "a_confirmer"]
NATURES: tuple[str, ...] = get_args(Nature)
CONFIANCES: tuple[str, ...] = get_args(Confiance)
CONFIANCES_FR: dict[str, str] = {"adopte": "adopté", "a_confirmer": "à confirmer"}
NATURES_FR: dict[str, str] = {"cible": "cible chiffrée", "orientation": "orientation sans cible chiffrée"}

# ±5 % of the path value: the margin the brief of the barometer asks for; a parameter of `status`.
DEFAULT_TOLERANCE_PCT = 5.0

STATUS_LABELS_FR: dict[str, str] = {
    "en_avance": "En avance",
    "dans_la_trajectoire": "Dans la trajectoire",
    "en_retard": "En retard",
    "sans_donnee": "Sans donnée",
}

REFERENCE_SOURCE_LABELS_FR: dict[str, str] = {
    "fichier": "valeur de référence du fichier des objectifs",
    "observation": "valeur observée l'année de référence",
    "premiere_observation": "première valeur observée (année de référence inconnue, provisoire)",
    "inconnue": "référence inconnue",
}


def _format_pct_fr(value: float) -> str:
    text = f"{value:g}"
    return text.replace(".", ",")


def status_rule_fr(tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> str:
    """The status rule in French, for the methodology page and the tooltips (shown verbatim)."""
    tol = _format_pct_fr(tolerance_pct)
    return (
        "La dernière valeur observée est comparée à la valeur de la trajectoire pour la même année. "
        "La trajectoire va de l'année de référence à l'année cible ; au-delà de l'année cible, la valeur "
        "cible reste l'objectif. "
        f"« Dans la trajectoire » : l'écart est compris entre −{tol} % et +{tol} % de la valeur de la "
        "trajectoire (bornes incluses). "
        f"« En avance » : la valeur observée fait mieux que la trajectoire de plus de {tol} % (plus basse "
        "pour les émissions et les consommations, plus haute pour la production d'énergie renouvelable "
        "et l'autonomie énergétique). "
        f"« En retard » : elle fait moins bien que la trajectoire de plus de {tol} %. "
        "« Sans donnée » : aucune observation à partir de l'année de référence, ou pas de valeur de "
        "référence pour tracer la trajectoire."
    )


STATUS_RULE_FR = status_rule_fr()

# --- SNBC-shaped path -------------------------------------------------------------------------------
# APPROXIMATION of the national profile of the SNBC 2 (national low-carbon strategy, 2020), kept to the
# two legal milestones of Code de l'énergie art. L100-4 (loi Énergie-Climat, 8 November 2019; see
# METHODS.md "National and regional targets"): GHG emissions −40 % in 2030 vs 1990, carbon neutrality in
# 2050 (net emissions 0). Values are national emissions as a share of 1990, linear between milestones.
# The real SNBC profile (carbon budgets by period and sector) is not reproduced; only its shape (slower
# until 2030, faster after) is borrowed and rescaled to the local reference and target.
SNBC_BASE_YEAR = 1990
SNBC_PROFILE: tuple[tuple[int, float], ...] = (
    (SNBC_BASE_YEAR, 1.00),  # base year of the law
    (2030, 0.60),  # −40 % vs 1990 (L100-4)
    (2050, 0.00),  # carbon neutrality, net emissions (L100-4)
)


def _snbc_profile_share(year: float) -> float:
    """National emissions at `year` as a share of 1990 (SNBC_PROFILE, held flat outside 1990–2050)."""
    return _interpolate(SNBC_PROFILE, year)


# --- errors ---------------------------------------------------------------------------------------------


class ObjectifsError(ValueError):
    """A problem in the targets file, with where it is and how to fix it (message in French)."""

    def __init__(self, path: Path | str, line: int | None, column: str | None, reason: str, fix: str) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.reason = reason
        self.fix = fix
        where = [f"fichier {self.path}"]
        if line is not None:
            where.append(f"ligne {line}")
        if column is not None:
            where.append(f"colonne « {column} »")
        super().__init__(f"{', '.join(where)} : {reason}. Correction : {fix}.")


def _inconsistent(column: str, message: str, fix: str) -> PydanticCustomError:
    # The column is carried in the context so that load_objectifs can point at it.
    return PydanticCustomError(
        "objectif_incoherent", "{message}", {"column": column, "message": message, "fix": fix}
    )


# --- the model ------------------------------------------------------------------------------------------


class Objectif(BaseModel):
    """One target row of objectifs.csv (see OBJECTIFS_COLUMNS)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    id: str = Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
    indicateur: str = Field(pattern=r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
    # FR, a région (2 digits), a département (2-3 characters, 2A/2B), a commune (5), an EPCI SIREN (9).
    territoire: str = Field(pattern=r"^(?:FR|\d{2,3}|2[AB]|\d[\dAB]\d{3}|\d{9})$")
    annee_reference: int | None = Field(default=None, ge=1900, le=2100)
    valeur_reference: float | None = None
    annee_cible: int = Field(ge=1900, le=2100)
    valeur_cible: float | None = None
    # −100 at most: a quantity cannot fall below zero.
    variation_cible_pct: float | None = Field(default=None, ge=-100)
    forme: Forme = "lineaire"
    origine: Origine
    source: str = Field(min_length=1)
    a_confirmer: bool
    illustratif: bool
    commentaire: str = ""

    @field_validator(
        "annee_reference", "valeur_reference", "valeur_cible", "variation_cible_pct", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace("\u2212", "-")  # a typographic minus pasted from a document
            if value == "":
                return None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Objectif:
        if self.annee_reference is not None and self.annee_cible <= self.annee_reference:
            raise _inconsistent(
                "annee_cible",
                f"l'année cible ({self.annee_cible}) doit être postérieure à l'année de référence "
                f"({self.annee_reference})",
                "corrigez annee_cible ou annee_reference",
            )
        if self.valeur_reference is not None and self.annee_reference is None:
            raise _inconsistent(
                "annee_reference",
                "une valeur de référence est donnée sans année de référence",
                "indiquez l'année de la valeur de référence, ou videz valeur_reference",
            )
        if (self.valeur_cible is None) == (self.variation_cible_pct is None):
            both = self.valeur_cible is not None
            raise _inconsistent(
                "valeur_cible",
                "valeur_cible et variation_cible_pct sont toutes deux renseignées"
                if both
                else "ni valeur_cible ni variation_cible_pct n'est renseignée",
                "renseignez une seule des deux colonnes : valeur_cible (valeur à atteindre) ou "
                "variation_cible_pct (variation en % par rapport à la référence, par exemple -50)",
            )
        if self.annee_reference is None and not self.a_confirmer:
            raise _inconsistent(
                "a_confirmer",
                "l'année de référence est inconnue mais l'objectif n'est pas marqué à confirmer",
                "mettez a_confirmer à true, ou renseignez annee_reference",
            )
        return self


class Registre(BaseModel):
    """The register's description of one row of objectifs.csv (columns REGISTRE_COLUMNS, all optional).

    ``nature = "orientation"``: an aim of the Projet de territoire without a figure (« rapprocher
    l'espérance de vie de la moyenne nationale »): no target value, no path; its progress is read from the
    direction of its indicator (``indicateur`` may then be empty when no indicator measures it yet, and
    ``donnee_attendue`` names the producer's dataset that would).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
    intitule: str = ""
    nature: Nature = "cible"
    principal: bool = False
    perimetre: str = ""
    document: str = ""
    date_document: str = ""
    localisation: str = ""
    confiance: Confiance = "a_confirmer"
    donnee_attendue: str = ""

    @field_validator("nature", "confiance", "principal", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and value.strip() == "":
            return {"nature": "cible", "confiance": "a_confirmer", "principal": False}[info.field_name]
        return value


@dataclass(frozen=True)
class Orientation:
    """An aim without a figure (``Registre.nature == "orientation"``): what it follows and where."""

    id: str
    indicateur: str  # "" when no indicator of the catalogue measures it yet
    territoire: str
    annee_cible: int | None
    origine: str
    source: str
    commentaire: str


@dataclass(frozen=True)
class EntreeRegistre:
    """One entry of the register of targets: a target with a figure (``objectif``) or an aim
    (``orientation``), with its description (``registre``)."""

    registre: Registre
    objectif: Objectif | None = None
    orientation: Orientation | None = None

    @property
    def id(self) -> str:
        return self.registre.id

    @property
    def indicateur(self) -> str:
        return self.objectif.indicateur if self.objectif else self.orientation.indicateur  # type: ignore[union-attr]

    @property
    def territoire(self) -> str:
        return self.objectif.territoire if self.objectif else self.orientation.territoire  # type: ignore[union-attr]


def registre_par_defaut(obj: Objectif) -> Registre:
    """The description of a target that has none in the file (added in the barometer)."""
    return Registre(id=obj.id, intitule=obj.id, confiance="a_confirmer" if obj.a_confirmer else "adopte")


def _orientation(path: Path, line: int, row: Mapping[str, str]) -> Orientation:
    """An aim's core columns: no target value; an indicator of the catalogue or none."""
    indicateur = (row.get("indicateur") or "").strip()
    if indicateur and not re.fullmatch(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*", indicateur):
        raise ObjectifsError(path, line, "indicateur", f"« {indicateur} » n'a pas le format attendu",
                             "écrivez " + _PATTERN_HINTS_FR["indicateur"] + ", ou laissez vide")
    for column in ("valeur_cible", "variation_cible_pct", "valeur_reference"):
        if (row.get(column) or "").strip():
            raise ObjectifsError(path, line, column, "une orientation n'a pas de valeur chiffrée",
                                 "videz cette colonne, ou mettez nature à cible")
    annee = (row.get("annee_cible") or "").strip()
    if annee and not (annee.isdigit() and 1900 <= int(annee) <= 2100):
        raise ObjectifsError(path, line, "annee_cible", f"« {annee} » n'est pas une année",
                             "écrivez une année entière sur quatre chiffres, par exemple 2044, ou laissez vide")
    origine = (row.get("origine") or "").strip()
    if origine not in ORIGINES:
        raise ObjectifsError(path, line, "origine", f"« {origine} » n'est pas une valeur admise",
                             "choisissez parmi : " + ", ".join(ORIGINES))
    return Orientation(row["id"].strip(), indicateur, (row.get("territoire") or "").strip(),
                       int(annee) if annee else None, origine, (row.get("source") or "").strip(),
                       (row.get("commentaire") or "").strip())


# --- loading --------------------------------------------------------------------------------------------

_PATTERN_HINTS_FR = {
    "id": "un identifiant en minuscules, chiffres et tirets, par exemple pcaet-energie-moins-50-2050-caph",
    "indicateur": "l'identifiant de l'indicateur du catalogue, par exemple cae_1.a ou autonomie_energetique",
    "territoire": "un code de territoire : le SIREN de l'agglomération, 32 (région), FR (France), "
    "ou un code commune",
}


def _describe(err: Mapping[str, Any]) -> tuple[str | None, str, str]:
    """(column, reason, fix) in French for one pydantic error."""
    ctx = err.get("ctx") or {}
    if err["type"] == "objectif_incoherent":
        return ctx["column"], ctx["message"], ctx["fix"]
    loc = err.get("loc") or ()
    column = str(loc[0]) if loc else None
    value = err.get("input")
    shown = f"« {value} »" if value not in (None, "") else "une valeur vide"
    kind = err["type"]
    if kind == "missing" or (kind == "string_too_short" and not value):
        return column, "valeur manquante", "renseignez cette colonne"
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return (
            column,
            f"{shown} n'est pas une année",
            "écrivez une année entière sur quatre chiffres, par exemple 2030",
        )
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return (
            column,
            f"{shown} n'est pas un nombre",
            "écrivez un nombre avec un point décimal et sans unité, par exemple -12.5",
        )
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bounds = {"annee_reference": "entre 1900 et 2100", "annee_cible": "entre 1900 et 2100"}
        allowed = bounds.get(column or "", "supérieure ou égale à -100 (une baisse ne dépasse pas 100 %)")
        return column, f"{shown} est hors des valeurs admises", f"indiquez une valeur {allowed}"
    if kind == "literal_error":
        choices = {"forme": FORMES, "origine": ORIGINES, "nature": NATURES, "confiance": CONFIANCES}.get(
            column or "", ())
        return column, f"{shown} n'est pas une valeur admise", "choisissez parmi : " + ", ".join(choices)
    if kind == "bool_parsing":
        return column, f"{shown} n'est pas un booléen", "écrivez true ou false"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS_FR.get(column or "", "une valeur au format attendu")
        return column, f"{shown} n'a pas le format attendu", f"écrivez {hint}"
    if kind == "extra_forbidden":
        return column, "colonne inconnue", "supprimez cette colonne"
    return column, str(err.get("msg", "valeur invalide")), "corrigez la valeur"


# French labels of the columns, as the edit form shows them (the error names both label and column).
LIBELLES_COLONNES_FR: dict[str, str] = {
    "id": "Identifiant",
    "indicateur": "Indicateur",
    "territoire": "Territoire",
    "annee_reference": "Année de référence",
    "valeur_reference": "Valeur de référence",
    "annee_cible": "Année cible",
    "valeur_cible": "Valeur cible",
    "variation_cible_pct": "Variation cible (%)",
    "forme": "Forme de la trajectoire",
    "origine": "Origine",
    "source": "Source",
    "a_confirmer": "À confirmer",
    "illustratif": "Illustratif",
    "commentaire": "Commentaire",
}


def message_validation_fr(exc: ValidationError) -> str:
    """Every problem of one target (``Objectif`` validation) in French: the field, what is wrong, the fix.

    The same wording as the file's errors (:class:`ObjectifsError`), for a target typed in a form.
    """
    parts = []
    for err in exc.errors():
        column, reason, fix = _describe(err)
        where = f"« {LIBELLES_COLONNES_FR.get(column, column)} » ({column}) : " if column else ""
        parts.append(f"{where}{reason}. Correction : {fix}.")
    return "Objectif refusé — " + " ".join(parts)


def load_objectifs(path: Path | str, indicateurs_connus: Collection[str] | None = None) -> list[Objectif]:
    """Read and validate objectifs.csv; raise ObjectifsError (file, line, column, fix) on the first problem.

    `indicateurs_connus`, when given (the ids of the indicator catalogue), also rejects unknown indicators.
    Line numbers are those of the file as seen in a text editor (the header is line 1). The targets with a
    figure only: the aims without one (``nature = orientation``) are in :func:`load_registre`.
    """
    return [e.objectif for e in load_registre(path, indicateurs_connus) if e.objectif is not None]


def load_registre(path: Path | str, indicateurs_connus: Collection[str] | None = None) -> list[EntreeRegistre]:
    """The register of targets: every row of objectifs.csv (targets with a figure and aims), in file order,
    each with its description (REGISTRE_COLUMNS). Same checks and errors as :func:`load_objectifs`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM that Excel writes
    except FileNotFoundError:
        raise ObjectifsError(
            path, None, None, "fichier introuvable", "vérifiez le chemin du fichier des objectifs"
        ) from None
    except UnicodeDecodeError as exc:
        raise ObjectifsError(
            path, None, None, "le fichier n'est pas encodé en UTF-8", "enregistrez-le en « CSV UTF-8 »"
        ) from exc

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ObjectifsError(
            path,
            1,
            None,
            "le fichier est vide",
            "ajoutez la ligne d'en-tête : " + ",".join(OBJECTIFS_COLUMNS),
        ) from None
    expected = ", ".join(OBJECTIFS_COLUMNS)
    for name in OBJECTIFS_COLUMNS:
        if name not in header:
            hint = " (le fichier semble séparé par des points-virgules)" if ";" in "".join(header) else ""
            raise ObjectifsError(
                path,
                1,
                name,
                f"colonne absente de l'en-tête{hint}",
                f"la ligne d'en-tête doit contenir, séparées par des virgules : {expected}",
            )
    seen_names: set[str] = set()
    for name in header:
        if name not in OBJECTIFS_COLUMNS and name not in REGISTRE_COLUMNS:
            raise ObjectifsError(
                path,
                1,
                name,
                "colonne inconnue",
                f"supprimez-la ou renommez-la ; colonnes attendues : {expected}",
            )
        if name in seen_names:
            raise ObjectifsError(path, 1, name, "colonne en double", "gardez une seule colonne de ce nom")
        seen_names.add(name)

    entries: list[EntreeRegistre] = []
    first_line: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(field.strip() for field in record):
            continue  # blank line
        if len(record) != len(header):
            column = header[len(record)] if len(record) < len(header) else "(au-delà de la dernière colonne)"
            raise ObjectifsError(
                path,
                line,
                column,
                f"{len(record)} valeurs au lieu de {len(header)}",
                "vérifiez les virgules de la ligne ; mettez entre guillemets un texte contenant une virgule",
            )
        row = dict(zip(header, record, strict=True))
        try:
            registre = Registre.model_validate(row)
        except ValidationError as exc:
            column, reason, fix = _describe(exc.errors()[0])
            raise ObjectifsError(path, line, column, reason, fix) from None
        if registre.nature == "orientation":
            orientation = _orientation(path, line, row)
            if orientation.indicateur == "" and not registre.donnee_attendue:
                raise ObjectifsError(path, line, "donnee_attendue", "une orientation sans indicateur doit nommer "
                                     "la donnée attendue", "indiquez le producteur et le jeu de données qui la "
                                     "mesureraient")
            if orientation.id in first_line:
                raise ObjectifsError(path, line, "id", f"l'identifiant « {orientation.id} » est déjà utilisé ligne "
                                     f"{first_line[orientation.id]}", "donnez un identifiant unique à chaque objectif")
            if (indicateurs_connus is not None and orientation.indicateur
                    and orientation.indicateur not in indicateurs_connus):
                raise ObjectifsError(path, line, "indicateur", f"l'indicateur « {orientation.indicateur} » n'est "
                                     "pas dans le catalogue", "utilisez un identifiant de "
                                     "data/catalogue/indicateurs.toml, ou laissez vide")
            first_line[orientation.id] = line
            entries.append(EntreeRegistre(registre, orientation=orientation))
            continue
        try:
            objectif = Objectif.model_validate({c: row[c] for c in OBJECTIFS_COLUMNS})
        except ValidationError as exc:
            column, reason, fix = _describe(exc.errors()[0])
            raise ObjectifsError(path, line, column, reason, fix) from None
        if objectif.id in first_line:
            raise ObjectifsError(
                path,
                line,
                "id",
                f"l'identifiant « {objectif.id} » est déjà utilisé ligne {first_line[objectif.id]}",
                "donnez un identifiant unique à chaque objectif",
            )
        if indicateurs_connus is not None and objectif.indicateur not in indicateurs_connus:
            raise ObjectifsError(
                path,
                line,
                "indicateur",
                f"l'indicateur « {objectif.indicateur} » n'est pas dans le catalogue",
                "utilisez un identifiant de data/catalogue/indicateurs.toml, ou ajoutez-y l'indicateur",
            )
        first_line[objectif.id] = line
        entries.append(EntreeRegistre(registre, objectif=objectif))
    return entries


# --- targets and trajectories ---------------------------------------------------------------------------


def target_value(obj: Objectif, reference_value: float | None) -> float | None:
    """The value to reach: `valeur_cible`, or reference × (1 + variation_cible_pct / 100); None if unknown."""
    if obj.valeur_cible is not None:
        return obj.valeur_cible
    if reference_value is None or obj.variation_cible_pct is None:
        return None
    return reference_value * (1 + obj.variation_cible_pct / 100)


def _interpolate(points: Sequence[tuple[int, float]], year: float) -> float:
    """Linear interpolation in sorted points, held flat outside their range."""
    years = [p[0] for p in points]
    if year <= years[0]:
        return points[0][1]
    if year >= years[-1]:
        return points[-1][1]
    i = bisect.bisect_right(years, year)
    (y0, v0), (y1, v1) = points[i - 1], points[i]
    if year == y0:
        return v0
    return v0 + (v1 - v0) * (year - y0) / (y1 - y0)


def trajectory(
    ref_year: int,
    ref_value: float,
    target_year: int,
    target_value: float,
    shape: str = "lineaire",
    years: Iterable[int] | None = None,
) -> list[tuple[int, float]]:
    """The path from (ref_year, ref_value) to (target_year, target_value), one point per year.

    Grain: one ``(year, value)`` per year of `years` (default: every year from `ref_year` to `target_year`
    included), sorted, in the unit of the indicator. Both ends are exact.

    Shapes:
    - ``"lineaire"``: a straight line.
    - ``"snbc"``: an APPROXIMATION of the national SNBC 2 profile, not the territorialised SNBC of
      Territoires en Transitions. The national profile ``SNBC_PROFILE`` (share of 1990 emissions: 1.00 in
      1990, 0.60 in 2030 i.e. −40 %, 0.00 in 2050 i.e. carbon neutrality; Code de l'énergie L100-4, loi
      Énergie-Climat 2019) is linear between those milestones. The local path covers, each year, the same
      fraction of its own way from reference to target as the national profile covers of its way between
      the same two years: ``value(y) = ref + (target − ref) × (P(ref_year) − P(y)) / (P(ref_year) −
      P(target_year))``. From 2015 to 2050, for example, 20 % of the reduction is due by 2030 (a straight
      line would ask for 43 %). When the profile is flat between the two years (both outside 1990–2050,
      or both after 2050) the path falls back to a straight line.
    """
    if shape not in FORMES:
        raise ValueError(f"forme de trajectoire inconnue : « {shape} » (attendu : {', '.join(FORMES)})")
    if target_year <= ref_year:
        raise ValueError(
            f"l'année cible ({target_year}) doit être postérieure à l'année de référence ({ref_year})"
        )
    if not (math.isfinite(ref_value) and math.isfinite(target_value)):
        raise ValueError("les valeurs de référence et cible doivent être des nombres finis")
    wanted = range(ref_year, target_year + 1) if years is None else sorted(set(years))
    outside = [y for y in wanted if not ref_year <= y <= target_year]
    if outside:
        raise ValueError(f"années hors de la trajectoire {ref_year}–{target_year} : {outside}")

    span = target_year - ref_year
    p_ref, p_target = _snbc_profile_share(ref_year), _snbc_profile_share(target_year)
    use_snbc = shape == "snbc" and p_ref != p_target

    path: list[tuple[int, float]] = []
    for year in wanted:
        if year == ref_year:
            value = ref_value
        elif year == target_year:
            value = target_value
        else:
            if use_snbc:
                share = (p_ref - _snbc_profile_share(year)) / (p_ref - p_target)
            else:
                share = (year - ref_year) / span
            value = ref_value + (target_value - ref_value) * share
        path.append((year, float(value)))
    return path


def expected_value(traj: Sequence[tuple[int, float]], year: int) -> float | None:
    """The value of the path at `year`: interpolated between its points, the target value after its
    last year, None before its first year (or for an empty path)."""
    if not traj:
        return None
    points = sorted(traj)
    if year < points[0][0]:
        return None
    return _interpolate(points, year)


@dataclass(frozen=True)
class Gap:
    """Observed value against the path, for one year (unit of the indicator)."""

    year: int
    observed: float
    expected: float
    absolute: float  # observed − expected
    relative_pct: float | None  # absolute / |expected| × 100; None when the path value is 0
    favourable: bool  # True when the observation is on the path or on its good side


def gap(
    observed_year: int, observed_value: float, traj: Sequence[tuple[int, float]], higher_is_better: bool
) -> Gap | None:
    """Absolute and relative gap of an observation to the path; None when the path has no value that year."""
    expected = expected_value(traj, observed_year)
    if expected is None:
        return None
    absolute = observed_value - expected
    relative = absolute / abs(expected) * 100 if expected != 0 else None
    favourable = absolute >= 0 if higher_is_better else absolute <= 0
    return Gap(observed_year, observed_value, expected, absolute, relative, favourable)


def status(
    observed_year: int | None,
    observed_value: float | None,
    traj: Sequence[tuple[int, float]],
    higher_is_better: bool,
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
) -> Statut:
    """The status of an observation against the path; the rule is STATUS_RULE_FR.

    The band is ±tolerance_pct % of the path value, bounds included (a tiny relative slack absorbs float
    rounding). When the path value is 0 the band is empty: any non-zero gap is ahead or behind.
    """
    if tolerance_pct < 0:
        raise ValueError("la tolérance doit être positive ou nulle")
    if observed_year is None or observed_value is None or not math.isfinite(observed_value):
        return "sans_donnee"
    found = gap(observed_year, observed_value, traj, higher_is_better)
    if found is None:
        return "sans_donnee"
    band = abs(found.expected) * tolerance_pct / 100
    distance = abs(found.absolute)
    if distance <= band or math.isclose(distance, band, rel_tol=1e-12):
        return "dans_la_trajectoire"
    return "en_avance" if found.favourable else "en_retard"


# --- the table of targets -------------------------------------------------------------------------------

# Columns of objectifs_table rows, in the order of the CSV export of `barometre objectifs`.
OBJECTIFS_TABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "indicateur",
    "territoire",
    "origine",
    "forme",
    "annee_reference",
    "valeur_reference",
    "reference_source",
    "annee_cible",
    "valeur_cible",
    "variation_cible_pct",
    "annee_observation",
    "valeur_observation",
    "valeur_attendue",
    "ecart",
    "ecart_pct",
    "statut",
    "statut_libelle",
    "a_confirmer",
    "illustratif",
    "source",
)


def _clean(value: float | None) -> float | None:
    # 12 significant digits: drops float noise (60.00000000000001) and keeps any real precision.
    return None if value is None else float(f"{value:.12g}")


def _observed_points(points: Iterable[tuple[int, float | None]]) -> list[tuple[int, float]]:
    return sorted(
        (int(year), float(value))
        for year, value in points
        if value is not None and math.isfinite(float(value))
    )


def higher_is_better_from_sens(sens: str) -> bool | None:
    """Map the catalogue's `sens` (hausse_favorable / baisse_favorable / neutre) to a direction."""
    return {"hausse_favorable": True, "baisse_favorable": False}.get(sens)


def objectifs_table(
    objectifs: Iterable[Objectif],
    observations: Mapping[tuple[str, str], Sequence[tuple[int, float | None]]],
    directions: Mapping[str, bool],
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    reference_si_inconnue: Literal["premiere_observation", "aucune"] = "premiere_observation",
) -> list[dict[str, Any]]:
    """One row per target with its reference, target, latest observation, path value, gap and status.

    `observations` maps (indicateur, territoire) to (year, value) points in the unit of the indicator;
    `directions` maps an indicator to True when a higher value is better. When an indicator has no
    direction it is inferred from the target (below the reference: lower is better).

    Reference value: the file's `valeur_reference`, else the observation of the reference year. When the
    reference year itself is unknown (a_confirmer), `reference_si_inconnue="premiere_observation"` (default,
    configurable because it is a provisional reading) starts the path from the earliest observation before
    the target year; `"aucune"` leaves the target without a path. `reference_source` says which was used.
    """
    rows: list[dict[str, Any]] = []
    for obj in objectifs:
        points = _observed_points(observations.get((obj.indicateur, obj.territoire), ()))
        by_year = dict(points)

        ref_year: int | None = obj.annee_reference
        ref_value: float | None = None
        ref_source: ReferenceSource = "inconnue"
        if ref_year is not None:
            if obj.valeur_reference is not None:
                ref_value, ref_source = obj.valeur_reference, "fichier"
            elif ref_year in by_year:
                ref_value, ref_source = by_year[ref_year], "observation"
        elif reference_si_inconnue == "premiere_observation":
            earlier = [p for p in points if p[0] < obj.annee_cible]
            if earlier:
                (ref_year, ref_value), ref_source = earlier[0], "premiere_observation"

        cible = target_value(obj, ref_value)
        traj: list[tuple[int, float]] = []
        if ref_year is not None and ref_value is not None and cible is not None:
            traj = trajectory(ref_year, ref_value, obj.annee_cible, cible, obj.forme)

        obs_year, obs_value = points[-1] if points else (None, None)
        statut: Statut = "sans_donnee"
        found: Gap | None = None
        if traj and obs_year is not None and obs_value is not None:
            higher = directions.get(obj.indicateur)
            if higher is None and ref_value is not None and cible is not None and cible != ref_value:
                higher = cible > ref_value
            if higher is None:
                raise ValueError(
                    f"sens de l'indicateur « {obj.indicateur} » inconnu (objectif « {obj.id} ») : "
                    "indiquez dans le catalogue si une hausse est favorable"
                )
            found = gap(obs_year, obs_value, traj, higher)
            statut = status(obs_year, obs_value, traj, higher, tolerance_pct)

        rows.append(
            {
                "id": obj.id,
                "indicateur": obj.indicateur,
                "territoire": obj.territoire,
                "origine": obj.origine,
                "forme": obj.forme,
                "annee_reference": ref_year,
                "valeur_reference": _clean(ref_value),
                "reference_source": ref_source,
                "annee_cible": obj.annee_cible,
                "valeur_cible": _clean(cible),
                "variation_cible_pct": obj.variation_cible_pct,
                "annee_observation": obs_year,
                "valeur_observation": _clean(obs_value),
                "valeur_attendue": _clean(found.expected) if found else None,
                "ecart": _clean(found.absolute) if found else None,
                "ecart_pct": _clean(found.relative_pct) if found else None,
                "statut": statut,
                "statut_libelle": STATUS_LABELS_FR[statut],
                "a_confirmer": obj.a_confirmer,
                "illustratif": obj.illustratif,
                "source": obj.source,
            }
        )
    return rows


def _csv_cell(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}".replace(".", decimal)
    if isinstance(value, str):
        return neutraliser(value)  # a text typed by an agent never runs as a spreadsheet formula
    return str(value)


def objectifs_to_csv(rows: Sequence[Mapping[str, Any]], *, sep: str = ",", decimal: str = ".") -> str:
    """The table as CSV text (header + one line per target, columns OBJECTIFS_TABLE_COLUMNS).

    Defaults are machine-readable (comma, decimal point, true/false, empty cell for no value); for Excel
    in French use ``sep=";", decimal=","``.
    """
    buffer = io.StringIO()
    # every field quoted: a text holding the other separator (« Asso;=1+2 ») never splits into a formula cell
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(OBJECTIFS_TABLE_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column), decimal) for column in OBJECTIFS_TABLE_COLUMNS])
    return buffer.getvalue()


def objectifs_to_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """The table as a JSON array of objects (null for no value), UTF-8 text, keys OBJECTIFS_TABLE_COLUMNS."""
    ordered = [{column: row.get(column) for column in OBJECTIFS_TABLE_COLUMNS} for row in rows]
    return json.dumps(ordered, ensure_ascii=False, indent=2)


def indicateurs_par_priorite(rows: Sequence[Mapping[str, Any]], territoire: str) -> list[str]:
    """The indicators of the targets rows, the territory's headline targets (register ``principal``) with an
    observation first — carbon neutrality opens the volet, not a target still without data —, then the
    headline targets without data, then the others; the register's order otherwise."""
    rank: dict[str, tuple] = {}
    for i, r in enumerate(rows):
        key = (not (r.get("principal") and r.get("territoire") == territoire), r.get("annee_observation") is None, i)
        rank[r["indicateur"]] = min(rank.get(r["indicateur"], key), key)
    return sorted(rank, key=rank.__getitem__)
