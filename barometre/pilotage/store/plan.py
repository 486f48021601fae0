"""The action plan: actions and their milestones (jalons), the resources spent on them, the council's
decisions (délibérations)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, field_validator, model_validator

from barometre.pilotage.store.base import (
    SPECS,
    TEXTE_COURT,
    TEXTE_LONG,
    DonneesInvalides,
    Utilisateur,
    _Entree,
    _frame,
    _Spec,
    _suivi,
    metadata,
)
from barometre.pilotage.structure import STATUTS_JALON
from barometre.texte import url_https

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


SPECS["actions"] = _Spec(t_actions, "jalons", ActionEntree, "l'action", "libelle",
                         listes=("indicateurs_realisation", "indicateurs_resultat", "indicateurs_impact"))
SPECS["jalons"] = _Spec(t_jalons, "jalons", JalonEntree, "le jalon", "libelle")
SPECS["ressources"] = _Spec(t_ressources, "ressources", RessourceEntree, "la ligne de ressources", "libelle", e="e")
SPECS["deliberations"] = _Spec(t_deliberations, "deliberations", DeliberationEntree, "la délibération", "numero",
                               e="e")


class Plan:
    """Actions, milestones, resources, decisions (a part of :class:`barometre.pilotage.store.Store`)."""

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

    def deliberations(self) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_deliberations).order_by(t_deliberations.c.date.desc())),
                      list(t_deliberations.c))

    # ------------------------------------------------------------ hooks of the generic machinery
    def _verifier_ligne(self, spec: _Spec, row: dict) -> None:
        """Any row naming an engagement, an orientation or a project names one of the structure's."""
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
        super()._verifier_ligne(spec, row)

    def _verifier_dependances(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict) -> None:
        if spec.table is t_actions:
            for table, genre in ((t_jalons, "jalon(s)"), (t_ressources, "ligne(s) de ressources")):
                n = conn.execute(sa.select(sa.func.count()).select_from(table)
                                 .where(table.c.action_id == key)).scalar_one()
                if n:
                    raise DonneesInvalides(f"L'action « {cur['libelle']} » a encore {n} {genre} : "
                                           "supprimez-les d'abord.")
        super()._verifier_dependances(conn, spec, key, cur)
