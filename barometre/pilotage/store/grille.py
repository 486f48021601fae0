"""The grille de positionnement: its editions (points d'étape, validated by the council then read-only, with
the barometer's situation frozen) and one row per criterion of an edition."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field

from barometre.pilotage.store.base import (
    SPECS,
    TEXTE_LONG,
    ConflitEdition,
    DonneesInvalides,
    ErreurStore,
    LigneIntrouvable,
    RefusEcriture,
    Utilisateur,
    _Entree,
    _frame,
    _json,
    _Spec,
    _suivi,
    id_valide,
    metadata,
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


SPECS["editions"] = _Spec(t_editions, "editions", EditionEntree, "l'édition", "libelle", e="e")
SPECS["grille_lignes"] = _Spec(t_grille, "grille", LigneGrilleEntree, "la ligne de la grille", "critere", e="e")


class Grille:
    """Editions and rows of the grille (a part of :class:`barometre.pilotage.store.Store`)."""

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

    def editions(self) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_editions).order_by(t_editions.c.annee, t_editions.c.id)),
                      list(t_editions.c))

    def edition(self, edition_id: int) -> dict | None:
        if not id_valide(edition_id):
            return None
        rows = self._lire(sa.select(t_editions).where(t_editions.c.id == edition_id))
        return rows[0] if rows else None

    def lignes_grille(self, edition_id: int) -> pl.DataFrame:
        return _frame(self._lire(sa.select(t_grille).where(t_grille.c.edition_id == edition_id)
                                 .order_by(t_grille.c.id)), list(t_grille.c))

    # ------------------------------------------------------------ hooks of the generic machinery
    def _titre(self, spec: _Spec, row: dict | None) -> Any:
        if spec.table is t_grille and row:
            try:
                return self.structure.critere(row["critere"]).libelle
            except StopIteration:
                pass
        return super()._titre(spec, row)

    def _verifier_ligne(self, spec: _Spec, row: dict) -> None:
        if spec.table is t_grille and row["critere"] not in {c.id for c in self.structure.criteres}:
            raise DonneesInvalides(f"Critère de la grille inconnu « {row['critere']} ».")
        super()._verifier_ligne(spec, row)

    def _erreur_integrite(self, spec: _Spec, valeurs: dict, exc: Exception) -> ErreurStore:
        text = str(exc).lower()
        if spec.table is t_grille and ("unique" in text or "duplicate" in text):
            return ConflitEdition(
                f"Conflit de modification : {self._nommer(spec, valeurs, '')} vient d'être renseignée par "
                "quelqu'un d'autre. Vos changements n'ont pas été enregistrés : rechargez la page, puis "
                "reportez vos modifications.")
        return super()._erreur_integrite(spec, valeurs, exc)

    def _verifier_dependances(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict) -> None:
        if spec.table is t_editions:
            n = conn.execute(sa.select(sa.func.count()).select_from(t_grille)
                             .where(t_grille.c.edition_id == key)).scalar_one()
            if n:
                raise DonneesInvalides(f"L'édition « {cur['libelle']} » contient {n} ligne(s) renseignée(s) "
                                       ": "
                                       "elle ne peut pas être supprimée.")
        super()._verifier_dependances(conn, spec, key, cur)

    def _verifier_annulation(self, conn: sa.Connection, spec: _Spec, cur: dict | None, champs: list[dict]) -> None:
        if spec.table is t_grille:
            edition_id = cur["edition_id"] if cur else json.loads(
                next(c["avant"] for c in champs if c["champ"] == "edition_id"))
            self._edition_ouverte(conn, edition_id)
        super()._verifier_annulation(conn, spec, cur, champs)
