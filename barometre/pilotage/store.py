"""The one store of what people enter: grille de positionnement, actions and their milestones (jalons),
resources, council decisions (délibérations), targets (objectifs) edited over the shipped file, and
accounts.

Guarantees, whatever the page or script that calls it:

- **Permissions are checked here.** Every write takes the acting :class:`Utilisateur` (login + role);
  the store refuses it (:class:`RefusEcriture`) unless the role may make that write *and* the login is
  an active account of the ``comptes`` table holding that same role. Hiding a button is not a check.
- **No lost update.** Every editable row has a ``version``; a write names the version it was based on
  and ``UPDATE … WHERE version = :lue`` applies it only if nobody changed the row meanwhile. Otherwise
  :class:`ConflitEdition` says, in French, who changed it and when; nothing is overwritten.
- **History of every change.** Each write is one *operation* (uuid) journaled field by field in
  ``historique`` (who, role, when, table, row, field, before, after), in the same transaction as the
  change. :meth:`Store.annuler` reverts an operation (itself journaled, so it can be reverted too),
  refusing when the row changed since.
- **Transactions.** One write = one database transaction: a crash mid-write leaves neither a half row
  nor a change without its history. SQLite runs in WAL mode with ``synchronous=FULL`` and takes the
  write lock at ``BEGIN IMMEDIATE``.

Where the data lives: ``BAROMETRE_DATABASE_URL`` (a SQLAlchemy URL; ``postgresql://user:pw@host/db``
for a shared deployment, driven by psycopg), else the embedded SQLite file
``<data_dir>/edits/pilotage.sqlite``, created on first use (``data/edits/`` is not versioned).

Values are stored as text/numbers portable across both engines: dates as ISO ``YYYY-MM-DD``, times as
ISO UTC, indicator lists as JSON text. No Streamlit here.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import polars as pl
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from barometre.calculs.targets import Objectif, message_validation_fr
from barometre.pilotage.structure import STATUTS_JALON, Structure, charger_structure
from barometre.settings import get_settings
from barometre.texte import url_https

ENV_URL = "BAROMETRE_DATABASE_URL"
FICHIER_SQLITE = "pilotage.sqlite"
SQLITE_BUSY_TIMEOUT_S = 30  # a writer waits this long for another writer before giving up (French error)
FUSEAU = ZoneInfo("Europe/Paris")  # times are stored in UTC and shown in French local time
MASQUE = "(masqué)"  # what the history shows instead of a password hash

ROLES: dict[str, str] = {
    "lecteur": "Lecteur",
    "panel": "Membre du panel",
    "agent": "Agent de l'agglomération",
    "admin": "Administrateur",
}
# Which roles may write in which domain. Browsing needs no account; "objectifs" (targets) and
# "donnees" (data loads) are checked through Store.verifier_droit by the modules that write them.
DOMAINES: dict[str, tuple[str, ...]] = {
    "grille": ("panel", "agent", "admin"),
    "editions": ("agent", "admin"),
    "jalons": ("agent", "admin"),
    "ressources": ("agent", "admin"),
    "deliberations": ("agent", "admin"),
    "objectifs": ("agent", "admin"),
    "donnees": ("agent", "admin"),
    "seances": ("agent", "admin"),
    "comptes": ("admin",),
    # Weightings of the well-being index: the panel proposes, an agent or an administrator adopts.
    "ponderations": ("panel", "agent", "admin"),
    "adoption": ("agent", "admin"),
}
ACTIONS_DOMAINE = {
    "grille": "renseigner la grille de positionnement",
    "editions": "créer, valider ou rouvrir une édition de la grille",
    "jalons": "modifier les actions et leurs jalons",
    "ressources": "saisir ou importer les ressources",
    "deliberations": "rattacher des délibérations",
    "objectifs": "fixer des objectifs",
    "donnees": "charger des données",
    "seances": "composer et enregistrer une séance",
    "comptes": "gérer les comptes",
    "ponderations": "proposer une pondération de l'indice de bien-être",
    "adoption": "marquer une pondération comme adoptée par le panel (ou la retirer)",
}


@dataclass(frozen=True)
class Utilisateur:
    """Who acts: an account login and the role it signed in with."""

    login: str
    role: str
    nom: str = ""

    @property
    def affichage(self) -> str:
        return self.nom or self.login


# ---------------------------------------------------------------- errors (French, shown as is)
class ErreurStore(Exception):
    """Any refusal of the store; ``str()`` is a French sentence for the user."""


class RefusEcriture(ErreurStore):
    """The acting user may not make this write."""


class ConflitEdition(ErreurStore):
    """Someone else changed the row since it was read: nothing was written."""


class LigneIntrouvable(ErreurStore):
    """The row (or operation) does not exist (any more)."""


class DonneesInvalides(ErreurStore):
    """The values do not validate."""


# ---------------------------------------------------------------- schema
metadata = sa.MetaData()


def _suivi() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False),
            sa.Column("modifie_par", sa.String(200), nullable=False),
            sa.Column("modifie_le", sa.String(40), nullable=False)]


t_comptes = sa.Table(
    "comptes", metadata,
    sa.Column("login", sa.String(200), primary_key=True),
    sa.Column("nom", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("hash_mdp", sa.Text, nullable=True),
    sa.Column("actif", sa.Boolean, nullable=False),
    *_suivi(),
)
t_editions = sa.Table(
    "editions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("libelle", sa.String(200), nullable=False, unique=True),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("date_seance", sa.String(10), nullable=True),
    sa.Column("statut", sa.String(20), nullable=False),
    sa.Column("situation_figee", sa.Text, nullable=True),
    *_suivi(),
)
t_grille = sa.Table(
    "grille_lignes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("edition_id", sa.Integer, sa.ForeignKey("editions.id"), nullable=False),
    sa.Column("critere", sa.String(80), nullable=False),
    sa.Column("positionnement", sa.Text, nullable=False),
    sa.Column("impacts", sa.Text, nullable=False),
    sa.Column("acquis", sa.Text, nullable=False),
    sa.Column("difficultes", sa.Text, nullable=False),
    sa.Column("objectifs", sa.Text, nullable=False),
    *_suivi(),
    sa.UniqueConstraint("edition_id", "critere", name="uq_grille_edition_critere"),
)
t_actions = sa.Table(
    "actions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("orientation", sa.String(20), nullable=False),
    sa.Column("projet", sa.String(10), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("responsable", sa.String(200), nullable=False),
    sa.Column("question_evaluative", sa.Text, nullable=False),
    sa.Column("feuille_de_route", sa.Text, nullable=False),
    sa.Column("code_fonctionnel", sa.String(50), nullable=False),
    sa.Column("indicateurs_realisation", sa.Text, nullable=False),
    sa.Column("indicateurs_resultat", sa.Text, nullable=False),
    sa.Column("indicateurs_impact", sa.Text, nullable=False),
    *_suivi(),
)
t_jalons = sa.Table(
    "jalons", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("date_debut", sa.String(10), nullable=True),
    sa.Column("date_prevue", sa.String(10), nullable=True),
    sa.Column("date_atteinte", sa.String(10), nullable=True),
    sa.Column("statut", sa.String(20), nullable=False),
    sa.Column("responsable", sa.String(200), nullable=False),
    sa.Column("commentaire", sa.Text, nullable=False),
    *_suivi(),
)
t_ressources = sa.Table(
    "ressources", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=True),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("code_fonctionnel", sa.String(50), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("alloue", sa.Float, nullable=True),
    sa.Column("consomme", sa.Float, nullable=True),
    sa.Column("origine", sa.String(10), nullable=False),
    *_suivi(),
)
t_deliberations = sa.Table(
    "deliberations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("numero", sa.String(50), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("objet", sa.Text, nullable=False),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("projet", sa.String(10), nullable=False),
    sa.Column("lien", sa.Text, nullable=False),
    *_suivi(),
)
t_historique = sa.Table(
    "historique", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("operation", sa.String(36), nullable=False, index=True),
    sa.Column("table_nom", sa.String(40), nullable=False),
    sa.Column("ligne", sa.String(200), nullable=False),
    sa.Column("champ", sa.String(80), nullable=False),
    sa.Column("avant", sa.Text, nullable=True),  # JSON of the value; NULL when the row did not exist
    sa.Column("apres", sa.Text, nullable=True),  # JSON of the value; NULL when the row no longer exists
    sa.Column("nature", sa.String(20), nullable=False),  # creation / modification / suppression
    sa.Column("login", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("horodatage", sa.String(40), nullable=False),
    sa.Column("annule", sa.String(36), nullable=True),  # the operation this one reverts, if any
    sa.Index("ix_historique_ligne", "table_nom", "ligne"),
)
# Files loaded from the dashboard (upload on the environment volet): which file, which source, how many
# values of which years, by whom and when. The data themselves are in data/valeurs/ (written by ingest);
# this log is a record, not an edit: it is never reverted (reloading an older file is the way back).
t_chargements = sa.Table(
    "chargements", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fichier", sa.String(500), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("n_valeurs", sa.Integer, nullable=False),
    sa.Column("annees", sa.Text, nullable=False),  # "2022, 2023"
    *_suivi(),
)
# Targets entered in the barometer, over the shipped file data/catalogue/objectifs.csv (see
# barometre/objectifs.py for the overlay). Grain: one row per target id that an agent added, changed or
# withdrew; the columns are those of the file (targets.OBJECTIFS_COLUMNS) plus ``retire`` (withdrawn:
# the target is no longer shown nor exported). A target never edited has no row here (version 0).
t_objectifs = sa.Table(
    "objectifs", metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("indicateur", sa.String, nullable=False),
    sa.Column("territoire", sa.String, nullable=False),
    sa.Column("annee_reference", sa.Integer, nullable=True),
    sa.Column("valeur_reference", sa.Float, nullable=True),
    sa.Column("annee_cible", sa.Integer, nullable=False),
    sa.Column("valeur_cible", sa.Float, nullable=True),
    sa.Column("variation_cible_pct", sa.Float, nullable=True),
    sa.Column("forme", sa.String(20), nullable=False),
    sa.Column("origine", sa.String(40), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("a_confirmer", sa.Boolean, nullable=False),
    sa.Column("illustratif", sa.Boolean, nullable=False),
    sa.Column("commentaire", sa.Text, nullable=False),
    sa.Column("retire", sa.Boolean, nullable=False),
    *_suivi(),
)
# Séances composed for the council room (pages/seance.py, ``barometre rapport --seance ID``): a title,
# the date of the meeting, the territory shown, and the views in the order they are presented (indicator
# ids, comma-separated: the order matters, unlike the JSON lists above which are sets).
t_seances = sa.Table(
    "seances", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("titre", sa.String(200), nullable=False),
    sa.Column("date_seance", sa.String(10), nullable=True),
    sa.Column("niveau", sa.String(20), nullable=False),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("vues", sa.Text, nullable=False),
    *_suivi(),
)
# Weightings of the well-being index (page « Indice de bien-être »). Grain: one weighting, named and dated,
# identified in links by its ``slug`` (``2025-03-12-panel-de-mars``). A panel member (or an agent) proposes
# it (statut ``proposee``); an agent or an administrator adopts one version of it (``adoptee``: only then is
# it announced as the panel's), or withdraws it (``retiree``). Notes are frozen once adopted.
t_ponderations = sa.Table(
    "ponderations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("nom", sa.String(200), nullable=False),
    sa.Column("date", sa.String(10), nullable=False),  # date of the panel's session / decision
    sa.Column("notes", sa.Text, nullable=False),  # JSON {dimension id: 0..5}
    sa.Column("dimensions", sa.Text, nullable=False),  # JSON [{id, libelle, indicateurs}] when proposed
    sa.Column("commentaire", sa.Text, nullable=False),
    sa.Column("origine", sa.String(300), nullable=False),  # "saisie", "vote …", "fichier …"
    sa.Column("statut", sa.String(20), nullable=False),  # proposee / adoptee / retiree
    sa.Column("adoptee_par", sa.String(200), nullable=True),
    sa.Column("adoptee_le", sa.String(40), nullable=True),
    sa.Column("version_adoptee", sa.Integer, nullable=True),  # the version whose notes were adopted
    *_suivi(),
)
# Security records (not edits: never journaled nor reverted). Failed sign-ins, per key (``compte:<login>`` or
# ``adresse:<client address>``), to slow password guessing across reloads, tabs and restarts; and signed-in
# sessions (the cookie holds a random token; only its SHA-256 is stored), revoked at sign-out.
t_echecs_connexion = sa.Table(
    "echecs_connexion", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cle", sa.String(300), nullable=False, index=True),
    sa.Column("horodatage", sa.String(40), nullable=False),
)
t_sessions = sa.Table(
    "sessions", metadata,
    sa.Column("empreinte", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token
    sa.Column("login", sa.String(200), nullable=False, index=True),
    sa.Column("cree_le", sa.String(40), nullable=False),
    sa.Column("expire_le", sa.String(40), nullable=False),
    sa.Column("revoquee_le", sa.String(40), nullable=True),
)
SUIVI = ("version", "modifie_par", "modifie_le")
# Tables whose rows are records that a revert must never touch (ballots of a vote, its used codes); filled by
# the modules that register them (barometre.pilotage.panel).
NON_ANNULABLES: set[str] = set()
# Tables written only through their own methods (votes, codes, ballots, adopted versions: barometre.pilotage.panel),
# never through the generic creer / modifier / supprimer.
TABLES_DEDIEES: set[str] = set()
STATUTS_PONDERATION = {"proposee": "proposée", "adoptee": "adoptée", "retiree": "retirée"}
NOTE_MIN, NOTE_MAX = 0, 5


# ---------------------------------------------------------------- validated inputs
class _Entree(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


TEXTE_COURT = 500
TEXTE_LONG = 10_000


class CompteEntree(_Entree):
    login: str = Field(min_length=2, max_length=200, pattern=r"^[^\s]+$")
    nom: str = Field(default="", max_length=200)
    role: Literal["lecteur", "panel", "agent", "admin"]
    hash_mdp: str | None = None
    actif: bool = True

    @field_validator("login")
    @classmethod
    def _email_en_minuscules(cls, login: str) -> str:
        # An e-mail login (identity provider) matches whatever case the provider sends.
        return login.lower() if "@" in login else login


class EditionEntree(_Entree):
    libelle: str = Field(min_length=1, max_length=200)
    annee: int = Field(ge=2020, le=2100)
    date_seance: date | None = None
    statut: Literal["ouverte", "validee"] = "ouverte"
    situation_figee: str | None = None


class LigneGrilleEntree(_Entree):
    edition_id: int
    critere: str
    positionnement: str = Field(default="", max_length=TEXTE_LONG)
    impacts: str = Field(default="", max_length=TEXTE_LONG)
    acquis: str = Field(default="", max_length=TEXTE_LONG)
    difficultes: str = Field(default="", max_length=TEXTE_LONG)
    objectifs: str = Field(default="", max_length=TEXTE_LONG)


class ActionEntree(_Entree):
    engagement: str
    orientation: str = ""
    projet: str = ""
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    responsable: str = Field(default="", max_length=200)
    question_evaluative: str = Field(default="", max_length=TEXTE_LONG)
    feuille_de_route: str = Field(default="", max_length=TEXTE_LONG)
    code_fonctionnel: str = Field(default="", max_length=50)
    indicateurs_realisation: list[str] = []
    indicateurs_resultat: list[str] = []
    indicateurs_impact: list[str] = []


class JalonEntree(_Entree):
    action_id: int
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    date_debut: date | None = None
    date_prevue: date | None = None
    date_atteinte: date | None = None
    statut: Literal[tuple(STATUTS_JALON)] = "a_renseigner"  # type: ignore[valid-type]
    responsable: str = Field(default="", max_length=200)
    commentaire: str = Field(default="", max_length=TEXTE_LONG)

    @model_validator(mode="after")
    def _dates(self) -> JalonEntree:
        if self.date_debut and self.date_prevue and self.date_debut > self.date_prevue:
            raise ValueError("la date de début est postérieure à l'échéance")
        return self


class RessourceEntree(_Entree):
    engagement: str
    action_id: int | None = None
    annee: int = Field(ge=2000, le=2100)
    code_fonctionnel: str = Field(default="", max_length=50)
    libelle: str = Field(default="", max_length=TEXTE_COURT)
    alloue: float | None = Field(default=None, ge=0)
    consomme: float | None = Field(default=None, ge=0)
    origine: Literal["saisie", "import"] = "saisie"


class DeliberationEntree(_Entree):
    numero: str = Field(min_length=1, max_length=50)
    date: date
    objet: str = Field(min_length=1, max_length=TEXTE_LONG)
    engagement: str
    projet: str = ""
    lien: str = Field(default="", max_length=2000)

    @field_validator("lien")
    @classmethod
    def _lien_https(cls, lien: str) -> str:
        if lien and url_https(lien) is None:
            raise ValueError("adresse https:// attendue (par exemple https://www.agglo-porteduhainaut.fr/…) ; "
                             "aucune autre forme de lien n'est acceptée")
        return lien


class ChargementEntree(_Entree):
    fichier: str = Field(min_length=1, max_length=500)
    source: str = Field(min_length=1, max_length=100)
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    n_valeurs: int = Field(ge=0)
    annees: str = Field(default="", max_length=TEXTE_COURT)


class SeanceEntree(_Entree):
    titre: str = Field(min_length=1, max_length=200)
    date_seance: date | None = None
    niveau: str = Field(default="epci", pattern=r"^[a-z0-9_]{2,20}$")
    code: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z]+$")
    vues: str = Field(min_length=1, max_length=TEXTE_LONG)

    @field_validator("vues", mode="before")
    @classmethod
    def _vues_ordonnees(cls, value: Any) -> str:
        """A list or comma-separated text → ``id1,id2`` in the given order, duplicates dropped."""
        items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
        return ",".join(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


class DimensionPonderee(BaseModel):
    """A dimension as it was when a weighting was proposed (to tell when the mapping changed since)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    libelle: str = Field(default="", max_length=200)
    indicateurs: list[str] = []


class PonderationEntree(_Entree):
    slug: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    nom: str = Field(min_length=1, max_length=120)
    date: date
    notes: dict[str, int] = Field(min_length=1, max_length=40)
    dimensions: list[DimensionPonderee] = Field(default=[], max_length=40)
    commentaire: str = Field(default="", max_length=TEXTE_COURT)
    origine: str = Field(default="saisie", min_length=1, max_length=300)
    statut: Literal["proposee", "adoptee", "retiree"] = "proposee"
    adoptee_par: str | None = None
    adoptee_le: str | None = None
    version_adoptee: int | None = None

    @field_validator("notes")
    @classmethod
    def _notes(cls, notes: dict[str, int]) -> dict[str, int]:
        bad = [d for d, n in notes.items() if not NOTE_MIN <= n <= NOTE_MAX]
        if bad:
            raise ValueError(f"notes hors de l'échelle {NOTE_MIN}–{NOTE_MAX} : {', '.join(bad)}")
        if not any(notes.values()):
            raise ValueError("toutes les notes sont nulles : au moins une dimension doit compter")
        return notes

    @model_validator(mode="after")
    def _dimensions(self) -> PonderationEntree:
        if self.dimensions and [d.id for d in self.dimensions] != list(self.notes):
            raise ValueError("les notes ne correspondent pas aux dimensions")
        return self


class ObjectifEntree(Objectif):
    """A target as entered: the very model of the targets file (same fields, same checks, same French
    errors), plus ``retire`` (withdrawn)."""

    retire: bool = False


CHAMPS_FR = {
    "login": "identifiant", "nom": "nom", "role": "rôle", "libelle": "libellé", "annee": "année",
    "date_seance": "date de séance", "engagement": "engagement", "orientation": "orientation",
    "projet": "projet", "date_debut": "date de début", "date_prevue": "échéance",
    "date_atteinte": "date d'atteinte", "statut": "statut", "alloue": "montant alloué",
    "consomme": "montant consommé", "numero": "numéro", "date": "date", "objet": "objet",
    "code_fonctionnel": "code fonctionnel", "responsable": "responsable", "notes": "notes",
    "commentaire": "commentaire", "origine": "origine", "lien": "lien", "titre": "titre", "vues": "vues",
    "niveau": "niveau", "code": "code du territoire",
}


@dataclass(frozen=True)
class _Spec:
    """How the store handles one table: its domain (permission), input model and how rows are named."""

    table: sa.Table
    domaine: str
    modele: type[_Entree]
    genre: str  # "l'action", used in messages
    titre: str  # column naming a row in messages
    e: str = ""  # "e" when genre is feminine (agreement of past participles in messages)
    pk: str = "id"
    listes: tuple[str, ...] = ()  # columns holding JSON lists
    documents: tuple[str, ...] = ()  # columns holding other JSON (objects, lists of objects)
    # French message of a validation error; None: the store's generic wording (_message_validation).
    messages: Callable[[ValidationError], str] | None = None


SPECS: dict[str, _Spec] = {
    "comptes": _Spec(t_comptes, "comptes", CompteEntree, "le compte", "login", pk="login"),
    "editions": _Spec(t_editions, "editions", EditionEntree, "l'édition", "libelle", e="e"),
    "grille_lignes": _Spec(t_grille, "grille", LigneGrilleEntree, "la ligne de la grille", "critere", e="e"),
    "actions": _Spec(t_actions, "jalons", ActionEntree, "l'action", "libelle",
                     listes=("indicateurs_realisation", "indicateurs_resultat", "indicateurs_impact")),
    "jalons": _Spec(t_jalons, "jalons", JalonEntree, "le jalon", "libelle"),
    "ressources": _Spec(t_ressources, "ressources", RessourceEntree, "la ligne de ressources", "libelle",
                        e="e"),
    "deliberations": _Spec(t_deliberations, "deliberations", DeliberationEntree, "la délibération", "numero",
                           e="e"),
    "chargements": _Spec(t_chargements, "donnees", ChargementEntree, "le chargement", "fichier"),
    "objectifs": _Spec(t_objectifs, "objectifs", ObjectifEntree, "l'objectif", "id",
                       messages=message_validation_fr),
    "seances": _Spec(t_seances, "seances", SeanceEntree, "la séance", "titre", e="e"),
    "ponderations": _Spec(t_ponderations, "ponderations", PonderationEntree, "la pondération", "nom", e="e",
                          documents=("notes", "dimensions")),
}


# ---------------------------------------------------------------- helpers
def _maintenant() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def date_lisible(horodatage: str | None) -> str:
    """ISO UTC → ``26/11/2025 à 14:03`` in French local time."""
    if not horodatage:
        return ""
    moment = datetime.fromisoformat(horodatage).astimezone(FUSEAU)
    return moment.strftime("%d/%m/%Y à %H:%M")


def _maj(text: str) -> str:
    return text[:1].upper() + text[1:]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# French wording of pydantic's error types (the ones the inputs above can raise).
ERREURS_FR = {
    "missing": "obligatoire",
    "string_too_short": "à renseigner",
    "string_too_long": "trop long ({max_length} caractères au plus)",
    "string_pattern_mismatch": "sans espace",
    "greater_than_equal": "doit être supérieur ou égal à {ge:g}",
    "less_than_equal": "doit être inférieur ou égal à {le:g}",
    "literal_error": "valeur inconnue (attendu : {expected})",
    "int_parsing": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_type": "date attendue",
}


def _message_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        champ = ".".join(str(p) for p in err["loc"])
        label = CHAMPS_FR.get(champ, champ)
        template = ERREURS_FR.get(err["type"])
        msg = template.format(**err.get("ctx", {})) if template else err["msg"].removeprefix("Value error, ")
        msg = msg.replace("' or '", "' ou '")
        parts.append(f"{label} : {msg}" if label else msg)
    return "Valeurs invalides — " + " ; ".join(parts) + "."


def url_base(url: str | None = None) -> str:
    """The database URL: the argument, else ``BAROMETRE_DATABASE_URL``, else the embedded SQLite file.

    ``postgres://`` and ``postgresql://`` URLs are driven by psycopg (version 3)."""
    url = url or os.environ.get(ENV_URL, "").strip()
    if not url:
        return f"sqlite:///{get_settings().data_dir / 'edits' / FICHIER_SQLITE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


ID_MAX = 2**31 - 1  # ids are 32-bit INTEGER on both engines: a larger number names no row


def _fichier_prive(path: Path) -> None:
    """The edit database holds password hashes, sessions and ballots: created readable by the server's user
    only (0600; SQLite gives its -wal and -shm files the same mode), and an existing one tightened."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _creer_moteur(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # data/edits/ on first run
        _fichier_prive(Path(parsed.database))
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S,
                                                 "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it, see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" recipe for pysqlite).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor the reverse
        cur.execute("PRAGMA synchronous=FULL")  # a committed write survives a power cut
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        # Writers take the write lock at once, so two writers never both read a row then both upgrade
        # (which SQLite answers with "database is locked" instead of waiting).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ecriture") else "BEGIN")

    return engine


# ---------------------------------------------------------------- the store
class Store:
    """Read and write the pilotage data (see the module docstring for the guarantees)."""

    def __init__(self, url: str | None = None, structure: Structure | None = None,
                 sens_indicateurs: dict[str, str] | None = None) -> None:
        self.url = url_base(url)
        self.engine = _creer_moteur(self.url)
        self.structure = structure or charger_structure()
        # Indicator id → catalogue ``sens``, to check targets; read from the catalogue on first need.
        self._sens_indicateurs = sens_indicateurs
        # Test hook called inside write transactions (after each row is written, before its history
        # and the commit): the crash test kills the process there.
        self._crochet_test: Callable[[str], None] | None = None
        self._creer_schema()

    @property
    def moteur(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def fermer(self) -> None:
        self.engine.dispose()

    def _creer_schema(self) -> None:
        try:
            metadata.create_all(self.engine)
        except sa.exc.DBAPIError:  # two processes creating the tables at once: the other one won
            metadata.create_all(self.engine)

    # ------------------------------------------------------------ transactions
    @contextmanager
    def _ecriture(self) -> Iterator[sa.Connection]:
        """One write transaction: committed entirely, or not at all."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(ecriture=True)
                with conn.begin():
                    yield conn
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise ErreurStore("La base est occupée par une autre modification : réessayez dans un "
                                  "instant (rien n'a été enregistré).") from exc
            raise

    def _lire(self, stmt: sa.Executable) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def _crochet(self, point: str) -> None:
        if self._crochet_test is not None:
            self._crochet_test(point)

    # ------------------------------------------------------------ permissions
    def _autoriser(self, conn: sa.Connection, user: Utilisateur | None, domaine: str) -> None:
        if not isinstance(user, Utilisateur) or not user.login:
            raise RefusEcriture("Connectez-vous pour modifier : la consultation est libre, la saisie demande "
                                "un compte.")
        allowed = DOMAINES[domaine]
        if user.role not in allowed:
            noms = ", ".join(ROLES[r].lower() for r in allowed)
            raise RefusEcriture(f"Votre rôle « {ROLES.get(user.role, user.role)} » ne permet pas de "
                                f"{ACTIONS_DOMAINE[domaine]} (rôles autorisés : {noms}). Rien n'a été "
                                "enregistré.")
        compte = conn.execute(sa.select(t_comptes.c.role, t_comptes.c.actif)
                              .where(t_comptes.c.login == user.login)).first()
        if compte is None or not compte.actif:
            raise RefusEcriture(f"Le compte « {user.login} » n'existe pas ou est désactivé : rien n'a été "
                                "enregistré. Demandez à un administrateur de vérifier votre compte.")
        if compte.role != user.role:
            raise RefusEcriture(f"Votre rôle a changé depuis votre connexion (rôle actuel : "
                                f"« {ROLES.get(compte.role, compte.role)} ») : déconnectez-vous puis "
                                "reconnectez-vous. Rien n'a été enregistré.")

    def verifier_droit(self, user: Utilisateur | None, domaine: str) -> None:
        """Raise :class:`RefusEcriture` unless ``user`` may write in ``domaine`` (for other modules:
        targets, data loads). Same rule as the store's own writes."""
        with self.engine.connect() as conn:
            self._autoriser(conn, user, domaine)

    def peut_ecrire(self, user: Utilisateur | None, domaine: str) -> bool:
        try:
            self.verifier_droit(user, domaine)
        except RefusEcriture:
            return False
        return True

    # ------------------------------------------------------------ generic row operations
    def _ligne(self, conn: sa.Connection, spec: _Spec, key: Any) -> dict | None:
        t = spec.table
        if isinstance(t.c[spec.pk].type, sa.Integer) and not (isinstance(key, int) and 0 < key <= ID_MAX):
            return None  # an id from an address (?seance=99999999999999999999): not found, not an engine error
        row = conn.execute(sa.select(t).where(t.c[spec.pk] == key)).first()
        return dict(row._mapping) if row else None

    def _nommer(self, spec: _Spec, row: dict | None, key: Any) -> str:
        titre = (row or {}).get(spec.titre) or key
        if spec.table is t_grille and row:
            try:
                titre = self.structure.critere(row["critere"]).libelle
            except StopIteration:
                pass
        return f"{spec.genre} « {titre} »"

    def _conflit(self, conn: sa.Connection, spec: _Spec, row: dict, key: Any) -> ConflitEdition:
        qui = self._nom_compte(conn, row["modifie_par"])
        return ConflitEdition(
            f"Conflit de modification : {self._nommer(spec, row, key)} a été modifié{spec.e} par {qui} le "
            f"{date_lisible(row['modifie_le'])}, après que vous l'avez ouvert{spec.e}. Vos changements "
            "n'ont pas été "
            "enregistrés, pour ne pas écraser les siens : rechargez la page pour voir la version actuelle, "
            "puis reportez vos modifications.")

    def _nom_compte(self, conn: sa.Connection, login: str) -> str:
        nom = conn.execute(sa.select(t_comptes.c.nom).where(t_comptes.c.login == login)).scalar()
        return f"{nom} ({login})" if nom else login

    def _valider(self, spec: _Spec, valeurs: dict) -> dict:
        """Validate a whole row through the spec's model; return it as stored (ISO dates, JSON lists)."""
        try:
            model = spec.modele.model_validate(valeurs)
        except ValidationError as exc:
            raise DonneesInvalides((spec.messages or _message_validation)(exc)) from exc
        out = {}
        for name, value in model.model_dump().items():
            if isinstance(value, date):
                value = value.isoformat()
            elif name in spec.listes:
                value = _json(sorted(dict.fromkeys(v.strip() for v in value if v.strip())))
            elif name in spec.documents:
                value = json.dumps(value, ensure_ascii=False)  # key order kept (dimension order)
            out[name] = value
        self._verifier_structure(spec, out)
        return out

    def _verifier_structure(self, spec: _Spec, row: dict) -> None:
        s = self.structure
        engagements = {e.id for e in s.engagements}
        if "engagement" in row and row["engagement"] not in engagements:
            raise DonneesInvalides(f"Engagement inconnu « {row['engagement']} » (attendu : "
                                   f"{', '.join(sorted(engagements))}).")
        if row.get("orientation"):
            orientation = next((o for o in s.orientations if o.id == row["orientation"]), None)
            if orientation is None or orientation.engagement != row["engagement"]:
                raise DonneesInvalides(f"L'orientation « {row['orientation']} » n'appartient pas à "
                                       f"l'engagement {row['engagement']}.")
        if row.get("projet") and row["projet"] not in {p.id for p in s.projets}:
            raise DonneesInvalides(f"Projet emblématique inconnu « {row['projet']} ».")
        if spec.table is t_grille and row["critere"] not in {c.id for c in s.criteres}:
            raise DonneesInvalides(f"Critère de la grille inconnu « {row['critere']} ».")
        if spec.table is t_objectifs:
            self._verifier_indicateur_objectif(row["indicateur"])
        if spec.table is t_seances:
            inconnues = [v for v in row["vues"].split(",") if v not in self.sens_indicateurs]
            if inconnues:
                raise DonneesInvalides(f"Séance refusée — vues inconnues du catalogue : {', '.join(inconnues)}. "
                                       "Correction : choisissez des indicateurs de la liste.")

    @property
    def sens_indicateurs(self) -> dict[str, str]:
        if self._sens_indicateurs is None:
            from barometre.catalogue import load_catalogue

            catalogue = load_catalogue(get_settings().catalogue_dir)
            self._sens_indicateurs = {i.id: i.sens for i in catalogue.indicateurs}
        return self._sens_indicateurs

    def _verifier_indicateur_objectif(self, indicateur: str) -> None:
        sens = self.sens_indicateurs.get(indicateur)
        if sens is None:
            raise DonneesInvalides(
                f"Objectif refusé — « Indicateur » (indicateur) : l'indicateur « {indicateur} » n'est pas dans "
                "le catalogue. Correction : choisissez un indicateur de data/catalogue/indicateurs.toml.")
        if sens not in ("hausse_favorable", "baisse_favorable"):
            raise DonneesInvalides(
                f"Objectif refusé — « Indicateur » (indicateur) : le catalogue ne dit pas si une hausse de "
                f"« {indicateur} » est favorable (sens « {sens} »), donc le statut d'une trajectoire ne se "
                "calcule pas. Correction : choisissez un autre indicateur, ou donnez-lui un sens dans le "
                "catalogue.")

    def _depuis_stockage(self, spec: _Spec, row: dict) -> dict:
        """A stored row → the input model's field values (JSON lists decoded)."""
        out = {k: v for k, v in row.items() if k not in SUIVI and k in spec.modele.model_fields}
        for name in spec.listes:
            out[name] = json.loads(out[name]) if out.get(name) else []
        for name in spec.documents:
            out[name] = json.loads(out[name]) if out.get(name) else None
        return out

    def _journal(self, conn: sa.Connection, operation: str, spec: _Spec, key: Any,
                 changes: dict[str, tuple[Any, Any]], nature: str, user: Utilisateur, now: str,
                 annule: str | None = None) -> None:
        rows = []
        for champ, (avant, apres) in changes.items():
            if champ == "hash_mdp":
                avant = MASQUE if avant is not None else None
                apres = MASQUE if apres is not None else None
            rows.append({
                "operation": operation, "table_nom": spec.table.name, "ligne": str(key), "champ": champ,
                "avant": None if nature == "creation" else _json(avant),
                "apres": None if nature == "suppression" else _json(apres),
                "nature": nature, "login": user.login, "role": user.role, "horodatage": now, "annule": annule,
            })
        if rows:
            conn.execute(t_historique.insert(), rows)

    def _inserer(self, conn: sa.Connection, spec: _Spec, valeurs: dict, user: Utilisateur, operation: str,
                 annule: str | None = None, version: int = 1) -> Any:
        now = _maintenant()
        row = {**valeurs, "version": version, "modifie_par": user.login, "modifie_le": now}
        try:
            result = conn.execute(spec.table.insert().values(**row))
        except sa.exc.IntegrityError as exc:
            raise self._erreur_integrite(spec, valeurs, exc) from exc
        key = valeurs[spec.pk] if spec.pk in valeurs else result.inserted_primary_key[0]
        self._crochet(f"insertion {spec.table.name}")
        self._journal(conn, operation, spec, key, {k: (None, v) for k, v in valeurs.items()}, "creation",
                      user, now, annule)
        return key

    def _erreur_integrite(self, spec: _Spec, valeurs: dict, exc: Exception) -> ErreurStore:
        text = str(exc).lower()
        if spec.table is t_grille and ("unique" in text or "duplicate" in text):
            return ConflitEdition(
                f"Conflit de modification : {self._nommer(spec, valeurs, '')} vient d'être renseignée par "
                "quelqu'un d'autre. Vos changements n'ont pas été enregistrés : rechargez la page, puis "
                "reportez vos modifications.")
        if "unique" in text or "duplicate" in text:
            return DonneesInvalides(f"{_maj(self._nommer(spec, valeurs, ''))} existe déjà.")
        return DonneesInvalides(f"Écriture refusée par la base (référence inconnue ou doublon) : {exc.orig}")

    def _modifier(self, conn: sa.Connection, spec: _Spec, key: Any, version: int, changes: dict,
                  user: Utilisateur, operation: str, annule: str | None = None,
                  valider: bool = True) -> int:
        """Apply ``changes`` to the row if it is still at ``version``; journal the fields that changed."""
        t = spec.table
        cur = self._ligne(conn, spec, key)
        if cur is None:
            raise LigneIntrouvable(f"{_maj(self._nommer(spec, None, key))} n'existe plus : quelqu'un "
                                   f"l'a supprimé{spec.e}. Rechargez la page.")
        if cur["version"] != version:
            raise self._conflit(conn, spec, cur, key)
        if valider:
            unknown = set(changes) - set(spec.modele.model_fields)
            if unknown:
                raise DonneesInvalides(f"Champ(s) non modifiable(s) : {', '.join(sorted(unknown))}.")
            new = self._valider(spec, {**self._depuis_stockage(spec, cur), **changes})
            changes = {k: new[k] for k in changes}
        diff = {k: (cur[k], v) for k, v in changes.items() if cur[k] != v}
        if not diff:
            return version
        now = _maintenant()
        result = conn.execute(
            t.update().where(t.c[spec.pk] == key, t.c.version == version)
            .values(**{k: v for k, (_, v) in diff.items()}, version=version + 1, modifie_par=user.login,
                    modifie_le=now))
        if result.rowcount != 1:  # changed between our read and our update (PostgreSQL, read committed)
            latest = self._ligne(conn, spec, key)
            if latest is None:
                raise LigneIntrouvable(f"{_maj(self._nommer(spec, cur, key))} vient d'être supprimé{spec.e}.")
            raise self._conflit(conn, spec, latest, key)
        self._crochet(f"modification {t.name}")
        self._journal(conn, operation, spec, key, diff, "modification", user, now, annule)
        return version + 1

    def _supprimer(self, conn: sa.Connection, spec: _Spec, key: Any, version: int, user: Utilisateur,
                   operation: str, annule: str | None = None) -> None:
        t = spec.table
        cur = self._ligne(conn, spec, key)
        if cur is None:
            raise LigneIntrouvable(f"{_maj(self._nommer(spec, None, key))} n'existe plus.")
        if cur["version"] != version:
            raise self._conflit(conn, spec, cur, key)
        self._verifier_dependances(conn, spec, key, cur)
        result = conn.execute(t.delete().where(t.c[spec.pk] == key, t.c.version == version))
        if result.rowcount != 1:
            latest = self._ligne(conn, spec, key)
            if latest is None:
                raise LigneIntrouvable(f"{_maj(self._nommer(spec, cur, key))} vient d'être supprimé{spec.e}.")
            raise self._conflit(conn, spec, latest, key)
        now = _maintenant()
        fields = {k: (v, None) for k, v in cur.items() if k not in ("modifie_par", "modifie_le")}
        self._journal(conn, operation, spec, key, fields, "suppression", user, now, annule)

    def _verifier_dependances(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict) -> None:
        if spec.table is t_actions:
            for table, genre in ((t_jalons, "jalon(s)"), (t_ressources, "ligne(s) de ressources")):
                n = conn.execute(sa.select(sa.func.count()).select_from(table)
                                 .where(table.c.action_id == key)).scalar_one()
                if n:
                    raise DonneesInvalides(f"L'action « {cur['libelle']} » a encore {n} {genre} : "
                                           "supprimez-les d'abord.")
        if spec.table is t_editions:
            n = conn.execute(sa.select(sa.func.count()).select_from(t_grille)
                             .where(t_grille.c.edition_id == key)).scalar_one()
            if n:
                raise DonneesInvalides(f"L'édition « {cur['libelle']} » contient {n} ligne(s) renseignée(s) "
                                       ": "
                                       "elle ne peut pas être supprimée.")

    # ------------------------------------------------------------ generic public writes
    def creer(self, user: Utilisateur, table: str, **valeurs: Any) -> Any:
        """Create a row of ``table`` (actions, jalons, ressources, deliberations); returns its id."""
        spec = SPECS[table]
        if table in ("comptes", "editions", "grille_lignes", "ponderations") or table in TABLES_DEDIEES:
            raise DonneesInvalides(f"Utilisez la méthode dédiée pour la table « {table} ».")
        operation = str(uuid.uuid4())
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            row = self._valider(spec, valeurs)
            return self._inserer(conn, spec, row, user, operation)

    def modifier(self, user: Utilisateur, table: str, key: Any, version: int, **changes: Any) -> int:
        """Change fields of a row read at ``version``; returns the new version (conflict otherwise)."""
        spec = SPECS[table]
        if table in ("comptes", "grille_lignes", "ponderations") or table in TABLES_DEDIEES:
            raise DonneesInvalides(f"Utilisez la méthode dédiée pour la table « {table} ».")
        operation = str(uuid.uuid4())
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            if table == "editions" and set(changes) & {"statut", "situation_figee"}:
                raise DonneesInvalides("Utilisez « valider_edition » ou « rouvrir_edition ».")
            return self._modifier(conn, spec, key, version, changes, user, operation)

    def supprimer(self, user: Utilisateur, table: str, key: Any, version: int) -> None:
        spec = SPECS[table]
        if table in ("comptes", "grille_lignes", "ponderations") or table in TABLES_DEDIEES:
            raise DonneesInvalides("Un compte se désactive, une ligne de grille se vide, une pondération se "
                                   "retire : ils ne se suppriment pas.")
        operation = str(uuid.uuid4())
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            self._supprimer(conn, spec, key, version, user, operation)

    # ------------------------------------------------------------ named writes
    def creer_action(self, user: Utilisateur, **valeurs: Any) -> int:
        return self.creer(user, "actions", **valeurs)

    def modifier_action(self, user: Utilisateur, action_id: int, version: int, **changes: Any) -> int:
        return self.modifier(user, "actions", action_id, version, **changes)

    def creer_jalon(self, user: Utilisateur, **valeurs: Any) -> int:
        return self.creer(user, "jalons", **valeurs)

    def modifier_jalon(self, user: Utilisateur, jalon_id: int, version: int, **changes: Any) -> int:
        return self.modifier(user, "jalons", jalon_id, version, **changes)

    def creer_ressource(self, user: Utilisateur, **valeurs: Any) -> int:
        return self.creer(user, "ressources", **valeurs)

    def creer_deliberation(self, user: Utilisateur, **valeurs: Any) -> int:
        return self.creer(user, "deliberations", **valeurs)

    def creer_edition(self, user: Utilisateur, libelle: str, annee: int,
                      date_seance: date | str | None = None) -> int:
        """A new edition (point d'étape) of the grille: every row starts empty, « à renseigner »."""
        spec = SPECS["editions"]
        operation = str(uuid.uuid4())
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            row = self._valider(spec, {"libelle": libelle, "annee": annee, "date_seance": date_seance})
            exists = conn.execute(sa.select(t_editions.c.id)
                                  .where(t_editions.c.libelle == row["libelle"])).first()
            if exists:
                raise DonneesInvalides(f"Une édition s'appelle déjà « {row['libelle']} ».")
            return self._inserer(conn, spec, row, user, operation)

    def valider_edition(self, user: Utilisateur, edition_id: int, version: int, situation: dict) -> int:
        """Validate an edition (by the Conseil communautaire, line 3312): its grille is then read-only and
        the barometer's situation at that date is frozen with it (``situation``: criterion → text)."""
        spec = SPECS["editions"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            return self._modifier(conn, spec, edition_id, version,
                                  {"statut": "validee", "situation_figee": _json(situation)}, user,
                                  str(uuid.uuid4()))

    def rouvrir_edition(self, user: Utilisateur, edition_id: int, version: int) -> int:
        spec = SPECS["editions"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            return self._modifier(conn, spec, edition_id, version,
                                  {"statut": "ouverte", "situation_figee": None}, user, str(uuid.uuid4()))

    def enregistrer_ligne_grille(self, user: Utilisateur, edition_id: int, critere: str, version: int,
                                 **champs: str) -> int:
        """Fill one criterion of an edition's grille. ``version`` is the row's version as read, 0 when the
        row did not exist yet (nothing entered). Returns the new version."""
        spec = SPECS["grille_lignes"]
        operation = str(uuid.uuid4())
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            self._edition_ouverte(conn, edition_id)
            cur = conn.execute(sa.select(t_grille).where(t_grille.c.edition_id == edition_id,
                                                         t_grille.c.critere == critere)).first()
            if cur is None:
                if version != 0:
                    raise LigneIntrouvable("Cette ligne de la grille n'existe plus : rechargez la page.")
                row = self._valider(spec, {"edition_id": edition_id, "critere": critere, **champs})
                self._inserer(conn, spec, row, user, operation)
                return 1
            if version == 0:
                raise self._conflit(conn, spec, dict(cur._mapping), cur.id)
            return self._modifier(conn, spec, cur.id, version, champs, user, operation)

    def _edition_ouverte(self, conn: sa.Connection, edition_id: int) -> dict:
        ed = self._ligne(conn, SPECS["editions"], edition_id)
        if ed is None:
            raise LigneIntrouvable("Cette édition de la grille n'existe pas.")
        if ed["statut"] != "ouverte":
            raise RefusEcriture(f"L'édition « {ed['libelle']} » est validée : sa grille ne se modifie plus. "
                                "Un "
                                "agent peut la rouvrir si le conseil le décide.")
        return ed

    def importer_ressources(self, user: Utilisateur, lignes: list) -> dict[str, int]:
        """Import accounting rows (:class:`barometre.pilotage.structure.LigneComptable`) in one transaction: a row
        (code fonctionnel, année) already imported is updated, otherwise created. All or nothing."""
        spec = SPECS["ressources"]
        operation = str(uuid.uuid4())
        counts = {"creees": 0, "modifiees": 0, "inchangees": 0}
        t = t_ressources
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            for ligne in lignes:
                valeurs = {"engagement": ligne.engagement, "action_id": ligne.action_id, "annee": ligne.annee,
                           "code_fonctionnel": ligne.code_fonctionnel, "libelle": ligne.libelle,
                           "alloue": ligne.alloue, "consomme": ligne.consomme, "origine": "import"}
                cur = conn.execute(sa.select(t).where(
                    t.c.code_fonctionnel == ligne.code_fonctionnel, t.c.annee == ligne.annee,
                    t.c.origine == "import")).first()
                if cur is None:
                    self._inserer(conn, spec, self._valider(spec, valeurs), user, operation)
                    counts["creees"] += 1
                    continue
                new = self._modifier(conn, spec, cur.id, cur.version, valeurs, user, operation)
                counts["modifiees" if new != cur.version else "inchangees"] += 1
        return counts

    # ------------------------------------------------------------ targets (objectifs)
    def enregistrer_objectif(self, user: Utilisateur, objectif_id: str, version: int, **valeurs: Any) -> int:
        """Write a whole target over the shipped file (a change, or ``retire=True`` to withdraw it).

        ``version`` is the target's version as read: 0 for a row of the file never edited in the
        barometer (no row here yet), else the stored row's version. Someone else's write since then is a
        :class:`ConflitEdition`. Returns the new version. Adding a brand-new target is :meth:`creer`
        (``creer(user, "objectifs", id=…, …)``), refused if the id exists."""
        spec = SPECS["objectifs"]
        operation = str(uuid.uuid4())
        valeurs = {**valeurs, "id": objectif_id}
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            cur = self._ligne(conn, spec, objectif_id)
            if cur is None:
                if version != 0:
                    raise ConflitEdition(
                        f"Conflit de modification : l'objectif « {objectif_id} » a été rétabli dans sa version "
                        "d'origine (annulation) après que vous l'avez ouvert. Vos changements n'ont pas été "
                        "enregistrés : rechargez la page, puis reportez vos modifications.")
                self._inserer(conn, spec, self._valider(spec, valeurs), user, operation)
                return 1
            if version == 0:
                raise self._conflit(conn, spec, cur, objectif_id)
            return self._modifier(conn, spec, objectif_id, version, valeurs, user, operation)

    def objectifs_saisis(self) -> pl.DataFrame:
        """Targets entered in the barometer (one row per target id, withdrawn ones included)."""
        return _frame(self._lire(sa.select(t_objectifs).order_by(t_objectifs.c.id)), list(t_objectifs.c))

    # ------------------------------------------------------------ weightings of the well-being index
    # The API the pages (bien-être, panel) call. A weighting is returned as a dict: id, slug, nom, date
    # (ISO), notes {dimension: 0..5} (dimension order kept), dimensions [{id, libelle, indicateurs}],
    # commentaire, origine, statut (proposee / adoptee / retiree), adoptee_par, adoptee_le,
    # version_adoptee, version, modifie_par, modifie_le.
    def proposer_ponderation(self, user: Utilisateur, nom: str, notes: dict[str, int], date_decision: date | str,
                             dimensions: list[dict] | None = None, commentaire: str = "",
                             origine: str = "saisie") -> dict:
        """Propose a weighting (roles panel, agent, admin). Its link name (slug) is its date then its name;
        a name already used that day gets a suffix (``-2``…), so nobody can squat a name. Returns the row."""
        spec = SPECS["ponderations"]
        nom = " ".join(str(nom or "").split())
        try:
            jour = date.fromisoformat(date_decision) if isinstance(date_decision, str) else date_decision
        except ValueError as exc:
            raise DonneesInvalides("Date de la décision invalide (attendu : AAAA-MM-JJ).") from exc
        base = slug_ponderation(nom, jour)
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            pris = set(conn.execute(sa.select(t_ponderations.c.slug)
                                    .where(t_ponderations.c.slug.like(f"{base}%"))).scalars())
            slug = base if base not in pris else next(f"{base}-{i}" for i in range(2, len(pris) + 3)
                                                      if f"{base}-{i}" not in pris)
            row = self._valider(spec, {"slug": slug, "nom": nom, "date": jour, "notes": notes,
                                       "dimensions": dimensions or [], "commentaire": commentaire,
                                       "origine": origine})
            key = self._inserer(conn, spec, row, user, str(uuid.uuid4()))
            return self._ponderation(conn, key)

    def modifier_ponderation(self, user: Utilisateur, ponderation_id: int, version: int, **changes: Any) -> int:
        """Change a proposal's name, notes, dimensions or comment (read at ``version``); an adopted or
        withdrawn weighting is frozen (propose a new one). Returns the new version."""
        spec = SPECS["ponderations"]
        if set(changes) - {"nom", "notes", "dimensions", "commentaire"}:
            raise DonneesInvalides("Seuls le nom, les notes, les dimensions et le commentaire d'une proposition "
                                   "se modifient.")
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            cur = self._ligne(conn, spec, ponderation_id)
            if cur is not None and cur["statut"] != "proposee":
                raise RefusEcriture(f"La pondération « {cur['nom']} » est {STATUTS_PONDERATION[cur['statut']]} : "
                                    "elle ne se modifie plus. Proposez-en une nouvelle.")
            return self._modifier(conn, spec, ponderation_id, version, changes, user, str(uuid.uuid4()))

    def adopter_ponderation(self, user: Utilisateur, ponderation_id: int, version: int) -> int:
        """Adopt the weighting as read at ``version`` (roles agent, admin): from then on it is announced as
        the panel's. Someone's change since that version is a :class:`ConflitEdition`. Returns the new
        version."""
        spec = SPECS["ponderations"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, "adoption")
            cur = self._ligne(conn, spec, ponderation_id)
            if cur is not None and cur["statut"] == "adoptee":
                raise DonneesInvalides(f"La pondération « {cur['nom']} » est déjà adoptée.")
            return self._modifier(conn, spec, ponderation_id, version,
                                  {"statut": "adoptee", "adoptee_par": user.login, "adoptee_le": _maintenant(),
                                   "version_adoptee": version}, user, str(uuid.uuid4()))

    def retirer_ponderation(self, user: Utilisateur, ponderation_id: int, version: int) -> int:
        """Withdraw a weighting (roles agent, admin): no longer offered nor announced; kept in history."""
        spec = SPECS["ponderations"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, "adoption")
            return self._modifier(conn, spec, ponderation_id, version, {"statut": "retiree"}, user,
                                  str(uuid.uuid4()))

    def _ponderation(self, conn: sa.Connection, key: Any) -> dict:
        return _decoder_ponderation(self._ligne(conn, SPECS["ponderations"], key))

    def ponderation(self, ref: int | str) -> dict | None:
        """One weighting by id or by slug (the ``?ponderation=`` link), whatever its status; None if none."""
        t = t_ponderations
        cond = t.c.id == ref if isinstance(ref, int) else t.c.slug == str(ref)
        rows = self._lire(sa.select(t).where(cond))
        return _decoder_ponderation(rows[0]) if rows else None

    def ponderations(self, statuts: tuple[str, ...] = ("proposee", "adoptee")) -> list[dict]:
        """Weightings with these statuses, latest decision date first."""
        t = t_ponderations
        rows = self._lire(sa.select(t).where(t.c.statut.in_(statuts)).order_by(t.c.date.desc(), t.c.id.desc()))
        return [_decoder_ponderation(r) for r in rows]

    def ponderations_adoptees(self) -> list[dict]:
        """What every visitor may see as the panel's: adopted weightings, latest decision date first."""
        return self.ponderations(("adoptee",))

    def ponderation_adoptee(self) -> dict | None:
        """The panel's current weighting: the adopted one with the latest decision date (then adoption)."""
        t = t_ponderations
        rows = self._lire(sa.select(t).where(t.c.statut == "adoptee")
                          .order_by(t.c.date.desc(), t.c.adoptee_le.desc()).limit(1))
        return _decoder_ponderation(rows[0]) if rows else None

    def importer_ponderations_json(self, user: Utilisateur, directory: Path) -> list[str]:
        """Migrate the weightings once saved as ``data/ponderations/<slug>.json`` (by anyone, without an
        account) into the store, as *proposals* an agent may then adopt. Files already imported (same slug)
        are skipped; files are left in place. Administrators only. Returns the slugs imported."""
        with self.engine.connect() as conn:
            self._autoriser(conn, user, "comptes")
        faits = []
        for path in sorted(Path(directory).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                slug, nom, jour = str(data["slug"]), str(data["nom"]), date.fromisoformat(data["date"])
                notes = {str(k): int(v) for k, v in dict(data["notes"]).items()}
                dims = [{"id": str(d["id"]), "libelle": str(d.get("libelle", "")),
                         "indicateurs": [str(i) for i in d.get("indicateurs", [])]}
                        for d in data.get("dimensions", [])]
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise DonneesInvalides(f"Fichier de pondération illisible : {path} ({exc}). Corrigez-le ou "
                                       "retirez-le du dossier, puis relancez l'import (rien n'a été importé "
                                       "depuis ce fichier).") from exc
            if self.ponderation(slug) is not None:
                continue
            spec = SPECS["ponderations"]
            enregistree = str(data.get("enregistree_le", ""))[:19].replace("T", " à ")
            with self._ecriture() as conn:
                self._autoriser(conn, user, "comptes")
                row = self._valider(spec, {
                    "slug": slug, "nom": nom, "date": jour, "notes": notes, "dimensions": dims,
                    "commentaire": str(data.get("commentaire", ""))[:TEXTE_COURT],
                    "origine": f"fichier {path.name} (enregistré sans compte le {enregistree} UTC)"})
                self._inserer(conn, spec, row, user, str(uuid.uuid4()))
            faits.append(slug)
        return faits

    # ------------------------------------------------------------ sign-in throttling and sessions (security)
    def noter_echec_connexion(self, cles: list[str]) -> list[int]:
        """Record one failed sign-in under each key (``compte:…``, ``adresse:…``); returns the records' ids
        (a sign-in attempt is recorded as a failure *before* its password is checked, and withdrawn with
        :meth:`retirer_echecs_connexion` if it succeeds: no check-then-act window)."""
        now = _maintenant()
        veille = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="microseconds")
        with self._ecriture() as conn:
            ids = [conn.execute(t_echecs_connexion.insert().values(cle=c[:300], horodatage=now)).inserted_primary_key[0]
                   for c in cles]
            # housekeeping: failures older than a day count for nothing
            conn.execute(t_echecs_connexion.delete().where(t_echecs_connexion.c.horodatage < veille))
        return ids

    def retirer_echecs_connexion(self, ids: list[int]) -> None:
        """Withdraw the failure records of an attempt that succeeded."""
        with self._ecriture() as conn:
            conn.execute(t_echecs_connexion.delete().where(t_echecs_connexion.c.id.in_(ids)))

    def echecs_connexion(self, cle: str, depuis: datetime) -> list[str]:
        """Times (ISO UTC, oldest first) of the failed sign-ins under ``cle`` since ``depuis``."""
        t = t_echecs_connexion
        rows = self._lire(sa.select(t.c.horodatage).where(t.c.cle == cle[:300], t.c.horodatage >= depuis.isoformat(
            timespec="microseconds")).order_by(t.c.horodatage))
        return [r["horodatage"] for r in rows]

    def effacer_echecs_connexion(self, cle: str, avant: datetime | None = None) -> None:
        """Forget the failures under ``cle`` (after a successful sign-in), or every failure older than
        ``avant`` whatever the key (housekeeping)."""
        t = t_echecs_connexion
        cond = (t.c.horodatage < avant.isoformat(timespec="microseconds")) if avant else (t.c.cle == cle[:300])
        with self._ecriture() as conn:
            conn.execute(t.delete().where(cond))

    def ouvrir_session(self, login: str, empreinte: str, expire_le: datetime) -> None:
        with self._ecriture() as conn:
            conn.execute(t_sessions.insert().values(empreinte=empreinte, login=login, cree_le=_maintenant(),
                                                    expire_le=expire_le.isoformat(timespec="microseconds")))

    def session(self, empreinte: str) -> dict | None:
        """The session of this token hash if it is neither expired nor revoked, else None."""
        t = t_sessions
        rows = self._lire(sa.select(t).where(t.c.empreinte == empreinte, t.c.revoquee_le.is_(None),
                                             t.c.expire_le > _maintenant()))
        return rows[0] if rows else None

    def revoquer_sessions(self, login: str) -> int:
        """Sign a person out everywhere: every open session of ``login`` is revoked. Returns how many."""
        t = t_sessions
        with self._ecriture() as conn:
            return conn.execute(t.update().where(t.c.login == login, t.c.revoquee_le.is_(None))
                                .values(revoquee_le=_maintenant())).rowcount


    # ------------------------------------------------------------ accounts
    def initialiser_admin(self, login: str, nom: str, hash_mdp: str) -> None:
        """Create the first administrator; refused once an active administrator exists."""
        spec = SPECS["comptes"]
        systeme = Utilisateur("(initialisation)", "admin")
        with self._ecriture() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(t_comptes)
                             .where(t_comptes.c.role == "admin", t_comptes.c.actif)).scalar_one()
            if n:
                raise RefusEcriture("Un administrateur existe déjà : c'est lui qui crée les autres comptes.")
            row = self._valider(spec, {"login": login, "nom": nom, "role": "admin", "hash_mdp": hash_mdp})
            if self._ligne(conn, spec, row["login"]) is not None:
                raise DonneesInvalides(f"Le compte « {row['login']} » existe déjà.")
            self._inserer(conn, spec, row, systeme, str(uuid.uuid4()))

    def creer_compte(self, user: Utilisateur, login: str, role: str, nom: str = "",
                     hash_mdp: str | None = None) -> str:
        """A new account. ``hash_mdp`` is an argon2 hash (:func:`barometre.pilotage.auth.hacher`); None for an
        account that signs in through the organisation's identity provider (login = e-mail)."""
        spec = SPECS["comptes"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            row = self._valider(spec, {"login": login, "nom": nom, "role": role, "hash_mdp": hash_mdp})
            if self._ligne(conn, spec, row["login"]) is not None:
                raise DonneesInvalides(f"Le compte « {row['login']} » existe déjà.")
            return self._inserer(conn, spec, row, user, str(uuid.uuid4()))

    def modifier_compte(self, user: Utilisateur, login: str, version: int, **changes: Any) -> int:
        """Change an account's name, role or active flag (administrators only)."""
        spec = SPECS["comptes"]
        if set(changes) - {"nom", "role", "actif"}:
            raise DonneesInvalides("Seuls le nom, le rôle et l'activation d'un compte se modifient ici.")
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            cur = self._ligne(conn, spec, login)
            demoted = cur is not None and cur["role"] == "admin" and (
                changes.get("role", "admin") != "admin" or changes.get("actif", True) is False)
            if demoted:
                self._garder_un_admin(conn, login)
            return self._modifier(conn, spec, login, version, changes, user, str(uuid.uuid4()))

    def _garder_un_admin(self, conn: sa.Connection, login: str) -> None:
        n = conn.execute(sa.select(sa.func.count()).select_from(t_comptes).where(
            t_comptes.c.role == "admin", t_comptes.c.actif, t_comptes.c.login != login)).scalar_one()
        if not n:
            raise RefusEcriture("C'est le dernier administrateur actif : nommez-en un autre avant de le "
                                "retirer.")

    def definir_mot_de_passe(self, user: Utilisateur, login: str, version: int, hash_mdp: str,
                             garder_session: str | None = None) -> int:
        """Set an account's password hash: the account holder for their own, or an administrator. In the same
        transaction every open session of that account is revoked (whoever knew the old password is signed
        out everywhere), except ``garder_session`` (the token hash of the holder's own session)."""
        spec = SPECS["comptes"]
        with self._ecriture() as conn:
            if user.login != login:
                self._autoriser(conn, user, "comptes")
                garder_session = None
            else:
                compte = self._ligne(conn, spec, login)
                if compte is None or not compte["actif"] or compte["role"] != user.role:
                    raise RefusEcriture("Compte inconnu, désactivé ou rôle changé : reconnectez-vous.")
            version = self._modifier(conn, spec, login, version, {"hash_mdp": hash_mdp}, user, str(uuid.uuid4()))
            t = t_sessions
            conn.execute(t.update().where(t.c.login == login, t.c.revoquee_le.is_(None),
                                          t.c.empreinte != (garder_session or ""))
                         .values(revoquee_le=_maintenant()))
            return version

    def remplacer_hash(self, login: str, hash_mdp: str) -> None:
        """Replace a password hash by a hash of the *same* password with today's argon2 parameters, right
        after a successful sign-in (not an edit: no history; the password does not change)."""
        with self._ecriture() as conn:
            conn.execute(t_comptes.update().where(t_comptes.c.login == login).values(hash_mdp=hash_mdp))

    def compte(self, login: str) -> dict | None:
        """One account with its password hash (for signing in); None when unknown."""
        rows = self._lire(sa.select(t_comptes).where(t_comptes.c.login == login))
        return rows[0] if rows else None

    def comptes(self) -> pl.DataFrame:
        cols = [c for c in t_comptes.c if c.name != "hash_mdp"]
        rows = self._lire(sa.select(*cols).order_by(t_comptes.c.login))
        return _frame(rows, cols)

    def nombre_comptes(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t_comptes)).scalar_one()

    # ------------------------------------------------------------ reads
    def editions(self) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_editions).order_by(t_editions.c.annee, t_editions.c.id)),
                      list(t_editions.c))

    def edition(self, edition_id: int) -> dict | None:
        if not (isinstance(edition_id, int) and 0 < edition_id <= ID_MAX):
            return None
        rows = self._lire(sa.select(t_editions).where(t_editions.c.id == edition_id))
        return rows[0] if rows else None

    def lignes_grille(self, edition_id: int) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_grille).where(t_grille.c.edition_id == edition_id)
                                 .order_by(t_grille.c.id)), list(t_grille.c))

    def actions(self) -> pl.DataFrame:
        rows = self._lire(sa.select(t_actions).order_by(t_actions.c.engagement, t_actions.c.id))
        spec = SPECS["actions"]
        for r in rows:
            for name in spec.listes:
                r[name] = json.loads(r[name]) if r[name] else []
        return _frame(rows, list(t_actions.c), listes=spec.listes)

    def jalons(self, action_id: int | None = None) -> pl.DataFrame:
        stmt = sa.select(t_jalons).order_by(t_jalons.c.date_prevue, t_jalons.c.id)
        if action_id is not None:
            stmt = stmt.where(t_jalons.c.action_id == action_id)
        return _frame(self._lire(stmt), list(t_jalons.c))

    def ressources(self) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_ressources).order_by(t_ressources.c.annee, t_ressources.c.id)),
                      list(t_ressources.c))

    def noter_chargement(self, user: Utilisateur, fichier: str, source: str, libelle: str, n_valeurs: int,
                         annees: list[int]) -> int:
        """Record a file loaded from the dashboard (who, when: the history); checked like any write."""
        return self.creer(user, "chargements", fichier=fichier, source=source, libelle=libelle,
                          n_valeurs=n_valeurs, annees=", ".join(str(a) for a in sorted(annees)))

    def chargements(self) -> pl.DataFrame:
        """The files loaded from the dashboard, latest first."""
        return _frame(self._lire(sa.select(t_chargements).order_by(t_chargements.c.id.desc())),
                      list(t_chargements.c))

    def creer_seance(self, user: Utilisateur, **valeurs: Any) -> int:
        """Save a séance (title, date, territory, ordered views); agents and administrators only."""
        return self.creer(user, "seances", **valeurs)

    def seances(self) -> pl.DataFrame:
        """The saved séances, latest meeting first (undated last)."""
        rows = self._lire(sa.select(t_seances).order_by(t_seances.c.date_seance.desc().nulls_last(),
                                                        t_seances.c.id.desc()))
        return _frame(rows, list(t_seances.c))

    def seance(self, seance_id: int) -> dict | None:
        if not (isinstance(seance_id, int) and 0 < seance_id <= ID_MAX):
            return None  # an id from an address: not found, not an engine error
        rows = self._lire(sa.select(t_seances).where(t_seances.c.id == seance_id))
        return rows[0] if rows else None

    def deliberations(self) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_deliberations).order_by(t_deliberations.c.date.desc())),
                      list(t_deliberations.c))

    def ligne(self, table: str, key: Any) -> dict | None:
        spec = SPECS[table]
        with self.engine.connect() as conn:
            return self._ligne(conn, spec, key)

    def historique(self, tables: list[str] | None = None, ligne: Any = None,
                   limite: int = 500) -> pl.DataFrame:
        """The journal, newest first. Grain: one row per changed field of an operation; ``avant`` and
        ``apres`` are the values as JSON text (null: the row did not exist / no longer exists)."""
        h = t_historique
        stmt = sa.select(h).order_by(h.c.id.desc()).limit(limite)
        if tables:
            stmt = stmt.where(h.c.table_nom.in_(tables))
        if ligne is not None:
            stmt = stmt.where(h.c.ligne == str(ligne))
        return _frame(self._lire(stmt), list(h.c))

    # ------------------------------------------------------------ revert
    def annuler(self, user: Utilisateur, operation: str) -> str:
        """Revert an operation (restore the 'before' values, delete what it created, restore what it
        deleted), as a new journaled operation whose id is returned. Refused, with nothing changed, when
        a row has been changed since (revert the later operation first)."""
        h = t_historique
        entries = self._lire(sa.select(h).where(h.c.operation == operation).order_by(h.c.id))
        if not entries:
            raise LigneIntrouvable("Opération inconnue dans l'historique.")
        nouvelle = str(uuid.uuid4())
        par_ligne: dict[tuple[str, str], list[dict]] = {}
        for e in entries:
            par_ligne.setdefault((e["table_nom"], e["ligne"]), []).append(e)
        with self._ecriture() as conn:
            for table_nom in dict.fromkeys(t for t, _ in par_ligne):
                self._autoriser(conn, user, SPECS[table_nom].domaine)
                if table_nom == "ponderations" and any(
                        e["champ"] == "statut" and e["nature"] == "modification" for e in entries):
                    self._autoriser(conn, user, "adoption")  # undoing an adoption is an adoption decision
                if table_nom == "chargements":
                    raise RefusEcriture("Un chargement de fichier est un relevé : il ne s'annule pas. Pour revenir "
                                        "aux données précédentes, rechargez le fichier de l'ancien millésime.")
                if table_nom in NON_ANNULABLES:
                    raise RefusEcriture("Un vote exprimé (bulletin, code utilisé) est un relevé : il ne s'annule "
                                        "pas.")
            for (table_nom, ligne), champs in reversed(par_ligne.items()):
                self._annuler_ligne(conn, SPECS[table_nom], ligne, champs, user, nouvelle, operation)
        return nouvelle

    def _annuler_ligne(self, conn: sa.Connection, spec: _Spec, ligne: str, champs: list[dict],
                       user: Utilisateur, nouvelle: str, operation: str) -> None:
        key: Any = int(ligne) if isinstance(spec.table.c[spec.pk].type, sa.Integer) else ligne
        nature = champs[0]["nature"]
        cur = self._ligne(conn, spec, key)
        if any(c["champ"] == "hash_mdp" for c in champs) and nature != "creation":
            raise DonneesInvalides("Un mot de passe ne se restaure pas : définissez-en un nouveau.")
        if spec.table is t_grille:
            edition_id = cur["edition_id"] if cur else json.loads(
                next(c["avant"] for c in champs if c["champ"] == "edition_id"))
            self._edition_ouverte(conn, edition_id)
        if nature == "suppression":
            if cur is not None:
                raise ConflitEdition(f"{_maj(self._nommer(spec, cur, key))} existe de nouveau : rien à "
                                     "restaurer.")
            valeurs = {c["champ"]: json.loads(c["avant"]) for c in champs}
            version = valeurs.pop("version", 0) + 1
            self._inserer(conn, spec, valeurs, user, nouvelle, annule=operation, version=version)
            return
        if cur is None:
            raise LigneIntrouvable(f"{_maj(self._nommer(spec, None, key))} n'existe plus : rien à annuler.")
        for c in champs:
            if c["champ"] == "hash_mdp":
                continue
            if _json(cur[c["champ"]]) != c["apres"]:
                qui = self._nom_compte(conn, cur["modifie_par"])
                raise ConflitEdition(
                    f"Impossible d'annuler : {self._nommer(spec, cur, key)} a été modifié{spec.e} depuis, "
                    f"par {qui} le "
                    f"{date_lisible(cur['modifie_le'])}. Annulez d'abord les modifications plus récentes. "
                    "Rien "
                    "n'a été changé.")
        if nature == "creation":
            if spec.table is t_comptes:
                raise DonneesInvalides("Un compte ne se supprime pas : désactivez-le.")
            self._supprimer(conn, spec, key, cur["version"], user, nouvelle, annule=operation)
            return
        restore = {c["champ"]: json.loads(c["avant"]) for c in champs}
        if spec.table is t_comptes and cur["role"] == "admin" and (
                restore.get("role", "admin") != "admin" or restore.get("actif", True) is False):
            self._garder_un_admin(conn, key)
        self._modifier(conn, spec, key, cur["version"], restore, user, nouvelle, annule=operation,
                       valider=False)


def slug_nom(nom: str) -> str:
    """``"Panel du 12 mars — séance n°2"`` → ``"panel-du-12-mars-seance-n-2"`` (ASCII, ≤ 60 chars)."""
    ascii_text = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:60].strip("-")


def slug_ponderation(nom: str, jour: date) -> str:
    """The link name of a weighting: its date, then its name (``2025-03-12-panel``)."""
    name = slug_nom(nom)
    if not name:
        raise DonneesInvalides("Le nom de la pondération doit contenir au moins une lettre ou un chiffre "
                               "(par exemple « Panel du 12 mars 2025 »).")
    return f"{jour.isoformat()}-{name}"


def _decoder_ponderation(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {**row, "notes": json.loads(row["notes"]), "dimensions": json.loads(row["dimensions"])}


def _type_polars(col: sa.Column) -> pl.DataType:
    if isinstance(col.type, sa.Boolean):
        return pl.Boolean
    if isinstance(col.type, sa.Integer):
        return pl.Int64
    if isinstance(col.type, sa.Float):
        return pl.Float64
    return pl.String


def _frame(rows: list[dict], cols: list[sa.Column], listes: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows → a DataFrame with the table's column types, also when empty."""
    schema = {c.name: (pl.List(pl.String) if c.name in listes else _type_polars(c)) for c in cols}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
