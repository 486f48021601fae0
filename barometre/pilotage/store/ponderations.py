"""Weightings of the well-being index: proposed by the panel, adopted (or withdrawn) by an agent; frozen
once adopted."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from barometre.pilotage.store.base import (
    SPECS,
    TEXTE_COURT,
    DonneesInvalides,
    RefusEcriture,
    Utilisateur,
    _Entree,
    _maintenant,
    _Spec,
    _suivi,
    metadata,
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
STATUTS_PONDERATION = {"proposee": "proposée", "adoptee": "adoptée", "retiree": "retirée"}
NOTE_MIN, NOTE_MAX = 0, 5


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


SPECS["ponderations"] = _Spec(t_ponderations, "ponderations", PonderationEntree, "la pondération", "nom", e="e",
                              documents=("notes", "dimensions"))


class Ponderations:
    """Weightings of the well-being index (a part of :class:`barometre.pilotage.store.Store`)."""

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

