"""Targets (objectifs) entered in the barometer over the shipped file, and the séances composed for the
council room (both name catalogue indicators, checked here)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from pydantic import Field, field_validator

from barometre.calculs.targets import Objectif, message_validation_fr
from barometre.pilotage.store.base import (
    SPECS,
    TEXTE_LONG,
    ConflitEdition,
    DonneesInvalides,
    Utilisateur,
    _Entree,
    _frame,
    _Spec,
    _suivi,
    id_valide,
    metadata,
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


class ObjectifEntree(Objectif):
    """A target as entered: the very model of the targets file (same fields, same checks, same French
    errors), plus ``retire`` (withdrawn)."""

    retire: bool = False


SPECS["objectifs"] = _Spec(t_objectifs, "objectifs", ObjectifEntree, "l'objectif", "id",
                           messages=message_validation_fr)
SPECS["seances"] = _Spec(t_seances, "seances", SeanceEntree, "la séance", "titre", e="e")


class Objectifs:
    """Targets and séances (a part of :class:`barometre.pilotage.store.Store`)."""

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

    def creer_seance(self, user: Utilisateur, **valeurs: Any) -> int:
        """Save a séance (title, date, territory, ordered views); agents and administrators only."""
        return self.creer(user, "seances", **valeurs)

    def seances(self) -> pl.DataFrame:
        """The saved séances, latest meeting first (undated last)."""
        rows = self._lire(sa.select(t_seances).order_by(t_seances.c.date_seance.desc().nulls_last(),
                                                        t_seances.c.id.desc()))
        return _frame(rows, list(t_seances.c))

    def seance(self, seance_id: int) -> dict | None:
        if not id_valide(seance_id):
            return None  # an id from an address: not found, not an engine error
        rows = self._lire(sa.select(t_seances).where(t_seances.c.id == seance_id))
        return rows[0] if rows else None

    # ------------------------------------------------------------ hooks of the generic machinery
    def _verifier_ligne(self, spec: _Spec, row: dict) -> None:
        if spec.table is t_objectifs:
            self._verifier_indicateur_objectif(row["indicateur"])
        if spec.table is t_seances:
            inconnues = [v for v in row["vues"].split(",") if v not in self.sens_indicateurs]
            if inconnues:
                raise DonneesInvalides(f"Séance refusée — vues inconnues du catalogue : {', '.join(inconnues)}. "
                                       "Correction : choisissez des indicateurs de la liste.")
        super()._verifier_ligne(spec, row)
