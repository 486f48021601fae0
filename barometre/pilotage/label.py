"""The « Porte du Hainaut 2044 » label's records in the store: calls for applications, applications and
the jury's decisions.

Split out of :mod:`barometre.pilotage.panel` (as :mod:`barometre.pilotage.store` is split, by what it
stores): the tables, their validated inputs and their registration in the store live here; the reads and
writes are the :class:`Label` part of :class:`barometre.pilotage.panel.Panel` (same store, same journal,
same guarantees). Who may do what: anyone reads the labelled projects; ``agent`` and ``admin`` manage calls,
applications and decisions, and alone read the applications not decided yet.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, model_validator

from barometre.calculs import panel as calc
from barometre.pilotage.store import (
    TEXTE_COURT,
    TEXTE_LONG,
    DonneesInvalides,
    RefusLecture,
    Utilisateur,
    _Entree,
    _Spec,
    _suivi,
    metadata,
)

if TYPE_CHECKING:
    from barometre.pilotage.store import Store
    from barometre.pilotage.structure import Structure

# ---------------------------------------------------------------- schema (in the store's metadata)
t_appels = sa.Table(
    "label_appels", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("libelle", sa.String(200), nullable=False, unique=True),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("date_ouverture", sa.String(10), nullable=False),
    sa.Column("date_cloture", sa.String(10), nullable=True),
    sa.Column("criteres", sa.Text, nullable=False),  # JSON list of texts
    *_suivi(),
)
t_candidatures = sa.Table(
    "label_candidatures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("appel_id", sa.Integer, sa.ForeignKey("label_appels.id"), nullable=False),
    sa.Column("porteur", sa.String(500), nullable=False),
    sa.Column("type_porteur", sa.String(20), nullable=False),
    sa.Column("commune", sa.String(10), nullable=False),
    sa.Column("lieu", sa.String(500), nullable=False),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("orientations", sa.Text, nullable=False),
    sa.Column("titre", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("effets", sa.Text, nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),  # "" while the jury has not decided
    sa.Column("date_decision", sa.String(10), nullable=True),
    sa.Column("motifs", sa.Text, nullable=False),
    *_suivi(),
)


# ---------------------------------------------------------------- validated inputs
class AppelEntree(_Entree):
    libelle: str = Field(min_length=1, max_length=200)
    annee: int = Field(ge=2020, le=2100)
    date_ouverture: date
    date_cloture: date | None = None
    criteres: list[str] = Field(min_length=1)


class CandidatureEntree(_Entree):
    appel_id: int
    porteur: str = Field(min_length=1, max_length=TEXTE_COURT)
    type_porteur: Literal[tuple(calc.TYPES_PORTEUR)]  # type: ignore[valid-type]
    commune: str = Field(pattern=r"^[0-9][0-9AB][0-9]{3}$")
    lieu: str = Field(default="", max_length=TEXTE_COURT)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    engagement: str
    orientations: list[str] = []
    titre: str = Field(min_length=1, max_length=TEXTE_COURT)
    description: str = Field(min_length=1, max_length=TEXTE_LONG)
    effets: str = Field(default="", max_length=TEXTE_LONG)
    indicateurs: list[str] = []
    decision: Literal["", *calc.DECISIONS_JURY] = ""  # type: ignore[valid-type]
    date_decision: date | None = None
    motifs: str = Field(default="", max_length=TEXTE_LONG)

    @model_validator(mode="after")
    def _decision(self) -> CandidatureEntree:
        if self.decision and (self.date_decision is None or not self.motifs.strip()):
            raise ValueError("une décision du jury porte une date et des motifs")
        return self


# ---------------------------------------------------------------- registration (merged by the panel's)
DOMAINES_LABEL = {"label": ("agent", "admin")}
ACTIONS_LABEL = {"label": "gérer le label « Porte du Hainaut 2044 »"}
SPECS_LABEL = {
    "label_appels": _Spec(t_appels, "label", AppelEntree, "l'appel à labellisation", "libelle",
                          listes=("criteres",)),
    "label_candidatures": _Spec(t_candidatures, "label", CandidatureEntree, "la candidature", "titre", e="e",
                                listes=("orientations", "indicateurs")),
}


def verifier_candidature(structure: Structure, row: dict) -> None:
    """An application's orientations belong to its engagement (of the grille's structure)."""
    mine = {o.id for o in structure.orientations_de(row["engagement"])}
    bad = [o for o in row.get("orientations", []) if o not in mine]
    if bad:
        raise DonneesInvalides(f"Orientation(s) {', '.join(bad)} hors de l'engagement {row['engagement']}.")


# ---------------------------------------------------------------- reads and writes (part of Panel)
class Label:
    """The label's reads and writes, mixed into :class:`barometre.pilotage.panel.Panel` (which gives
    ``store`` and ``_table``)."""

    store: Store

    def appels(self) -> pl.DataFrame:
        return self._table(t_appels, [t_appels.c.annee.desc(), t_appels.c.id.desc()])

    def candidatures(self, user: Utilisateur | None) -> pl.DataFrame:
        """Every application (undecided ones included): agents and administrators."""
        if not (isinstance(user, Utilisateur) and user.role in DOMAINES_LABEL["label"]):
            raise RefusLecture("Les candidatures en cours ne sont visibles que des agents : la liste publique "
                               "montre les projets labellisés.")
        with self.store.engine.connect() as conn:
            self.store._autoriser(conn, user, "label")
        return self._table(t_candidatures, [t_candidatures.c.id])

    def projets_labellises(self) -> pl.DataFrame:
        """The labelled projects (public list, map layer, commune profile)."""
        t = t_candidatures
        return self._table(t, [t.c.date_decision.desc(), t.c.id], t.c.decision == "labellise")

    def decider(self, user: Utilisateur, candidature_id: int, version: int, decision: str,
                date_decision: date | str, motifs: str) -> int:
        """The jury's decision on an application (labellisé / non labellisé / ajourné), dated and reasoned."""
        return self.store.modifier(user, "label_candidatures", candidature_id, version, decision=decision,
                                   date_decision=date_decision, motifs=motifs)
