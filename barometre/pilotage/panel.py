"""The panel's records in the store: séances and SPIRAL contributions, criteria and their adopted versions,
the weighting a vote adopts, recommendations and the steering body's answers — and :class:`Panel`, the one
API over them, over the votes in séance (:mod:`barometre.pilotage.scrutin`: votes, one-time codes, secret
ballots) and over the « Porte du Hainaut 2044 » label (:mod:`barometre.pilotage.label`: calls,
applications, jury decisions). The modules are split by what they store, as :mod:`barometre.pilotage.store`
is; the names callers used stay importable from here.

Same guarantees as every table of :mod:`barometre.pilotage.store` (the tables below are registered in
its schema, specs and permission domains when it is imported): roles checked inside the store, a
``version`` per row against lost updates, every change journaled and revertable, one transaction per
write, on SQLite and PostgreSQL.

Who may do what (checked here, not by hiding buttons):

- anyone, signed out included: read the public results — adopted criteria, closed votes' results and the
  weighting they adopted, recommendations and their answers, labelled projects;
- ``panel``: contribute, propose criteria, recommend; vote (with a one-time code);
- ``agent``: facilitate (séances, adoption of criteria, votes and their codes), record the steering
  body's answers, manage the label;
- ``admin``: everything.

A vote is cast with a one-time code, not an account; the secret ballot is held by the storage itself
(keyed code digests, nothing journaled, nothing linking a ballot to its code): see
:mod:`barometre.pilotage.scrutin`.
"""

from __future__ import annotations

import json
import uuid
import weakref
from datetime import date
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, model_validator

from barometre.calculs import panel as calc
from barometre.pilotage import store as st_
from barometre.pilotage.label import (  # noqa: F401 - the label's names, re-exported as before the split
    ACTIONS_LABEL,
    DOMAINES_LABEL,
    SPECS_LABEL,
    AppelEntree,
    CandidatureEntree,
    Label,
    t_appels,
    t_candidatures,
    verifier_candidature,
)
from barometre.pilotage.scrutin import (  # noqa: F401 - re-exported: callers import them from here
    ALPHABET_CODE,
    CODES_ERRONES_LIBRES,
    CODES_MAX,
    NON_ANNULABLES,
    SCRUTIN_SECRET,
    SPECS_SCRUTIN,
    STATUTS_VOTE,
    TAILLE_CODE,
    VOTANT,
    BulletinEntree,
    CodeEntree,
    Scrutin,
    VoteEntree,
    empreinte_code,
    nouveau_code,
    t_bulletins,
    t_codes,
    t_votes,
)
from barometre.pilotage.store import (
    SPECS,
    TEXTE_COURT,
    TEXTE_LONG,
    DonneesInvalides,
    LigneIntrouvable,
    RefusLecture,
    Store,
    Utilisateur,
    _Entree,
    _frame,
    _json,
    _Spec,
    _suivi,
    metadata,
)

# ---------------------------------------------------------------- schema (in the store's metadata)
t_seances = sa.Table(
    "panel_seances", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("lieu", sa.String(500), nullable=False),
    sa.Column("groupe", sa.String(500), nullable=False),
    *_suivi(),
)
t_contributions = sa.Table(
    "panel_contributions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=False),
    sa.Column("nature", sa.String(20), nullable=False),
    sa.Column("texte", sa.Text, nullable=False),
    sa.Column("famille", sa.String(20), nullable=False),  # "" = not classified yet
    *_suivi(),
)
t_criteres = sa.Table(
    "panel_criteres", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("famille", sa.String(20), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),  # JSON list of catalogue ids
    sa.Column("a_construire", sa.Boolean, nullable=False),
    sa.Column("commentaire", sa.Text, nullable=False),
    *_suivi(),
)
t_versions = sa.Table(
    "panel_versions_criteres", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("libelle", sa.String(200), nullable=False),
    sa.Column("date_adoption", sa.String(10), nullable=False),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=True),
    sa.Column("criteres", sa.Text, nullable=False),  # JSON: the adopted criteria as they were adopted
    *_suivi(),
)
t_recos = sa.Table(
    "panel_recommandations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=True),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("texte", sa.Text, nullable=False),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("orientation", sa.String(20), nullable=False),
    sa.Column("critere", sa.String(80), nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),
    sa.Column("echeance_reponse", sa.String(10), nullable=True),
    *_suivi(),
)
t_reponses = sa.Table(
    "panel_reponses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recommandation_id", sa.Integer, sa.ForeignKey("panel_recommandations.id"), nullable=False,
              unique=True),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("motif", sa.Text, nullable=False),
    sa.Column("date_reponse", sa.String(10), nullable=False),
    sa.Column("deliberation", sa.String(200), nullable=False),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=True),
    sa.Column("jalon_id", sa.Integer, sa.ForeignKey("jalons.id"), nullable=True),
    *_suivi(),
)


# ---------------------------------------------------------------- validated inputs
class SeanceEntree(_Entree):
    date: date
    lieu: str = Field(min_length=1, max_length=TEXTE_COURT)
    groupe: str = Field(min_length=1, max_length=TEXTE_COURT)


class ContributionEntree(_Entree):
    seance_id: int
    nature: Literal[tuple(calc.NATURES)]  # type: ignore[valid-type]
    texte: str = Field(min_length=1, max_length=TEXTE_LONG)
    famille: Literal[("", *calc.FAMILLES)] = ""  # type: ignore[valid-type]


class CritereEntree(_Entree):
    famille: Literal[tuple(calc.FAMILLES)]  # type: ignore[valid-type]
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    indicateurs: list[str] = []
    a_construire: bool = False
    commentaire: str = Field(default="", max_length=TEXTE_LONG)

    @model_validator(mode="after")
    def _un_indicateur(self) -> CritereEntree:
        if not self.indicateurs and not self.a_construire:
            raise ValueError("choisissez au moins un indicateur du catalogue, ou cochez « indicateur à construire »")
        return self


class VersionEntree(_Entree):
    libelle: str = Field(min_length=1, max_length=200)
    date_adoption: date
    seance_id: int | None = None
    criteres: str


class RecommandationEntree(_Entree):
    seance_id: int | None = None
    date: date
    texte: str = Field(min_length=1, max_length=TEXTE_LONG)
    engagement: str
    orientation: str = ""
    critere: str = ""
    indicateurs: list[str] = []
    echeance_reponse: date | None = None

    @model_validator(mode="after")
    def _echeance(self) -> RecommandationEntree:
        if self.echeance_reponse and self.echeance_reponse < self.date:
            raise ValueError("la réponse attendue ne peut précéder la recommandation")
        return self


class ReponseEntree(_Entree):
    recommandation_id: int
    decision: Literal[tuple(calc.DECISIONS)]  # type: ignore[valid-type]
    motif: str = Field(min_length=1, max_length=TEXTE_LONG)
    date_reponse: date
    deliberation: str = Field(default="", max_length=200)
    action_id: int | None = None
    jalon_id: int | None = None


# ---------------------------------------------------------------- registration in the store
DOMAINES_PANEL = {
    "panel_contributions": ("panel", "agent", "admin"),
    "panel_recommandations": ("panel", "agent", "admin"),
    "panel_animation": ("agent", "admin"),
    "panel_reponses": ("agent", "admin"),
    **DOMAINES_LABEL,
}
ACTIONS_PANEL = {
    "panel_contributions": "saisir des contributions ou proposer des critères du panel",
    "panel_recommandations": "formuler des recommandations du panel",
    "panel_animation": "animer le panel (séances, adoption des critères, votes et codes)",
    "panel_reponses": "enregistrer la réponse des instances de pilotage",
    **ACTIONS_LABEL,
}
SPECS_PANEL = {
    "panel_seances": _Spec(t_seances, "panel_animation", SeanceEntree, "la séance", "date", e="e"),
    "panel_contributions": _Spec(t_contributions, "panel_contributions", ContributionEntree, "la contribution",
                                 "texte", e="e"),
    "panel_criteres": _Spec(t_criteres, "panel_contributions", CritereEntree, "le critère", "libelle",
                            listes=("indicateurs",)),
    "panel_versions_criteres": _Spec(t_versions, "panel_animation", VersionEntree, "la version des critères",
                                     "libelle", e="e"),
    **SPECS_SCRUTIN,  # votes, codes, ballots (barometre.pilotage.scrutin)
    "panel_recommandations": _Spec(t_recos, "panel_recommandations", RecommandationEntree, "la recommandation",
                                   "texte", e="e", listes=("indicateurs",)),
    "panel_reponses": _Spec(t_reponses, "panel_reponses", ReponseEntree, "la réponse", "decision", e="e"),
    **SPECS_LABEL,  # the label's tables (barometre.pilotage.label), written through the same Panel API
}
TABLES_PANEL = [spec.table for spec in SPECS_PANEL.values()]
_SCHEMAS_CREES: weakref.WeakSet = weakref.WeakSet()  # engines whose panel tables exist (checked once each)
st_.TABLES_DEDIEES.add("panel_versions_criteres")  # written by adopter_criteres only
st_.DOMAINES.update(DOMAINES_PANEL)
st_.ACTIONS_DOMAINE.update(ACTIONS_PANEL)
SPECS.update(SPECS_PANEL)
st_.CHAMPS_FR.update({"lieu": "lieu", "groupe": "groupe", "texte": "texte", "famille": "famille",
                      "nature": "nature", "date_adoption": "date d'adoption", "motif": "motif",
                      "decision": "décision", "date_reponse": "date de la réponse", "porteur": "porteur",
                      "type_porteur": "type de porteur", "commune": "commune", "titre": "titre",
                      "description": "description", "criteres": "critères", "echeance_reponse":
                      "réponse attendue le", "date_decision": "date de la décision", "motifs": "motifs"})


def _lecteur_interne(user: Utilisateur | None) -> bool:
    return isinstance(user, Utilisateur) and user.role in ("panel", "agent", "admin")


# ---------------------------------------------------------------- the panel's API over a store
class Panel(Label, Scrutin):
    """The panel's and the label's reads and writes over one :class:`Store` (same engine, same journal);
    the label's part is :class:`barometre.pilotage.label.Label`, the votes'
    :class:`barometre.pilotage.scrutin.Scrutin`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        if store.engine not in _SCHEMAS_CREES:  # a store opened before this module was imported
            metadata.create_all(store.engine, tables=TABLES_PANEL)
            self._effacer_traces_du_scrutin()
            _SCHEMAS_CREES.add(store.engine)

    # ------------------------------------------------------------ helpers
    def _verifier_lecture(self, user: Utilisateur | None, quoi: str) -> None:
        if not _lecteur_interne(user):
            raise RefusLecture(f"{quoi} ne sont visibles que des membres du panel et des agents : "
                               "connectez-vous. Les résultats publics restent consultables.")
        with self.store.engine.connect() as conn:  # the account must still be active with that role
            self.store._autoriser(conn, user, "panel_contributions")

    def _verifier_references(self, table: str, row: dict) -> None:
        s = self.store.structure
        if table == "panel_recommandations":
            if row.get("critere") and row["critere"] not in {c.id for c in s.criteres}:
                raise DonneesInvalides(f"Critère de la grille inconnu « {row['critere']} ».")
        if table == "label_candidatures":
            verifier_candidature(s, row)

    def creer(self, user: Utilisateur, table: str, **valeurs: Any) -> Any:
        """Create a row of one of the panel's tables (séances, contributions, critères, recommandations,
        réponses, appels, candidatures); returns its id. Votes, codes and ballots have their own methods."""
        if table not in SPECS_PANEL or table in {"panel_votes", "panel_codes", "panel_bulletins",
                                                 "panel_versions_criteres"}:
            raise DonneesInvalides(f"Utilisez la méthode dédiée pour la table « {table} ».")
        self._verifier_references(table, {**valeurs})
        return self.store.creer(user, table, **valeurs)

    def modifier(self, user: Utilisateur, table: str, key: int, version: int, **changes: Any) -> int:
        if table not in SPECS_PANEL or table in st_.TABLES_DEDIEES:
            raise DonneesInvalides(f"La table « {table} » ne se modifie pas ici.")
        cur = self.store.ligne(table, key)
        if cur is not None:
            full = {**self.store._depuis_stockage(SPECS[table], cur), **changes}
            self._verifier_references(table, full)
        return self.store.modifier(user, table, key, version, **changes)

    def supprimer(self, user: Utilisateur, table: str, key: int, version: int) -> None:
        if table in NON_ANNULABLES or table == "panel_votes":
            raise DonneesInvalides("Un vote, ses codes et ses bulletins ne se suppriment pas.")
        self.store.supprimer(user, table, key, version)

    def _lire(self, stmt) -> list[dict]:
        return self.store._lire(stmt)

    def _table(self, table: sa.Table, order, where=None) -> pl.DataFrame:
        stmt = sa.select(table).order_by(*order)
        if where is not None:
            stmt = stmt.where(where)
        rows = self._lire(stmt)
        spec = SPECS[table.name]
        for r in rows:
            for name in spec.listes:
                r[name] = json.loads(r[name]) if r[name] else []
        return _frame(rows, list(table.c), listes=spec.listes)

    # ------------------------------------------------------------ séances, contributions, criteria
    def seances(self) -> pl.DataFrame:
        """Séances are public (date, place, group: no personal data)."""
        return self._table(t_seances, [t_seances.c.date.desc(), t_seances.c.id.desc()])

    def contributions(self, user: Utilisateur | None, seance_id: int | None = None) -> pl.DataFrame:
        """The contributions' texts: members of the panel and agents only."""
        self._verifier_lecture(user, "Les contributions")
        where = t_contributions.c.seance_id == seance_id if seance_id is not None else None
        return self._table(t_contributions, [t_contributions.c.id], where)

    def comptes_contributions(self) -> pl.DataFrame:
        """Counts per family and nature (a public result: no text)."""
        rows = self._lire(sa.select(t_contributions.c.famille, t_contributions.c.nature))
        df = pl.DataFrame(rows, schema={"famille": pl.String, "nature": pl.String})
        return calc.comptes_par_famille(df)

    def criteres(self, user: Utilisateur | None) -> pl.DataFrame:
        """Proposed criteria (work in progress of the panel): members and agents only."""
        self._verifier_lecture(user, "Les critères proposés")
        return self._table(t_criteres, [t_criteres.c.famille, t_criteres.c.id])

    def adopter_criteres(self, user: Utilisateur, libelle: str, date_adoption: date | str,
                         critere_ids: list[int], seance_id: int | None = None) -> int:
        """Record the panel's adoption of a set of criteria: a frozen, dated version (the criteria as they
        are now). The latest version gives the well-being index its dimensions."""
        spec = SPECS["panel_versions_criteres"]
        if not critere_ids:
            raise DonneesInvalides("Choisissez au moins un critère à adopter.")
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(t_criteres).where(t_criteres.c.id.in_(critere_ids)).order_by(t_criteres.c.id))]
            if len(rows) != len(set(critere_ids)):
                raise LigneIntrouvable("Un des critères choisis n'existe plus : rechargez la page.")
            figes = [{"id": r["id"], "famille": r["famille"], "libelle": r["libelle"],
                      "indicateurs": json.loads(r["indicateurs"]), "a_construire": bool(r["a_construire"]),
                      "commentaire": r["commentaire"]} for r in rows]
            row = self.store._valider(spec, {"libelle": libelle, "date_adoption": date_adoption,
                                             "seance_id": seance_id, "criteres": _json(figes)})
            return self.store._inserer(conn, spec, row, user, str(uuid.uuid4()))

    def versions_criteres(self) -> pl.DataFrame:
        """Adopted versions, latest first (public)."""
        return self._table(t_versions, [t_versions.c.date_adoption.desc(), t_versions.c.id.desc()])

    def criteres_adoptes(self) -> tuple[dict | None, list[dict]]:
        """(the latest adopted version, its criteria) — (None, []) while none has been adopted."""
        v = self.versions_criteres()
        if v.is_empty():
            return None, []
        row = v.row(0, named=True)
        return row, json.loads(row["criteres"])

    # ------------------------------------------------------------ recommendations
    def recommandations(self) -> pl.DataFrame:
        """Recommendations are public (the panel's voice to the steering bodies)."""
        return self._table(t_recos, [t_recos.c.date.desc(), t_recos.c.id.desc()])

    def reponses(self) -> pl.DataFrame:
        return self._table(t_reponses, [t_reponses.c.id])

    def repondre(self, user: Utilisateur, recommandation_id: int, version: int = 0, **valeurs: Any) -> int:
        """Record (version 0) or change the steering body's answer to a recommendation; returns the
        answer's new version."""
        if valeurs.get("action_id") is not None and self.store.ligne("actions", valeurs["action_id"]) is None:
            raise DonneesInvalides("L'action choisie n'existe pas (ou plus).")
        if valeurs.get("jalon_id") is not None:
            jalon = self.store.ligne("jalons", valeurs["jalon_id"])
            if jalon is None:
                raise DonneesInvalides("Le jalon choisi n'existe pas (ou plus).")
            if valeurs.get("action_id") is not None and jalon["action_id"] != valeurs["action_id"]:
                raise DonneesInvalides("Le jalon choisi n'appartient pas à l'action choisie.")
        cur = self._lire(sa.select(t_reponses).where(t_reponses.c.recommandation_id == recommandation_id))
        if not cur:
            if version != 0:
                raise LigneIntrouvable("Cette réponse n'existe plus : rechargez la page.")
            if self.store.ligne("panel_recommandations", recommandation_id) is None:
                raise LigneIntrouvable("Cette recommandation n'existe pas.")
            self.store.creer(user, "panel_reponses", recommandation_id=recommandation_id, **valeurs)
            return 1
        return self.store.modifier(user, "panel_reponses", cur[0]["id"], version or -1, **valeurs)

    def suivi(self, aujourd_hui: date) -> pl.DataFrame:
        return calc.suivi_recommandations(self.recommandations(), self.reponses(), aujourd_hui)



# ---------------------------------------------------------------- exports (formula-neutralised)
def _neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """A table of user-written records ready to export: lists joined, formulas neutralised."""
    from barometre import formats

    return formats.neutraliser_df(df.with_columns(
        pl.col(c).list.join(", ") for c, t in df.schema.items() if isinstance(t, pl.List)))


def export_csv(df: pl.DataFrame) -> bytes:
    """CSV for French Excel of a table of user-written records, formulas neutralised."""
    from barometre import formats

    return formats.csv_excel(_neutralise(df))


def export_xlsx(df: pl.DataFrame, feuille: str) -> bytes:
    """XLSX of a table of user-written records, formulas neutralised."""
    from barometre import formats

    return formats.xlsx(_neutralise(df), feuille)


def exports(df: pl.DataFrame, feuille: str) -> tuple[bytes, bytes]:
    """(CSV for French Excel, XLSX) of a table of user-written records, formulas neutralised."""
    return export_csv(df), export_xlsx(df, feuille)


def _date_fr(value: str | None) -> str:
    return "" if not value else f"{value[8:10]}/{value[5:7]}/{value[:4]}"


def tableau_recommandations(suivi: pl.DataFrame, criteres: dict[str, str], actions: dict[int, str],
                            jalons: dict[int, str]) -> pl.DataFrame:
    """The follow-up of recommendations as people read it (Panel page, grille export): one row per
    recommendation with its state, late flag, answer and corrective action. ``suivi``:
    :meth:`Panel.suivi`; the dicts name criteria, actions and milestones by id."""
    def fr(col: str) -> pl.Expr:
        return pl.col(col).map_elements(_date_fr, return_dtype=pl.String)

    table = suivi.select(
        pl.col("id").alias("N°"), fr("date").alias("Date"), pl.col("texte").alias("Recommandation"),
        pl.col("engagement").alias("Engagement"),
        pl.col("critere").replace_strict(criteres, default="").alias("Critère de la grille"),
        pl.col("etat").alias("État"),
        pl.col("en_retard").replace_strict({True: "oui", False: "non"}, return_dtype=pl.String).alias("En retard"),
        fr("echeance_reponse").alias("Réponse attendue le"), pl.col("motif").alias("Motif de la réponse"),
        fr("date_reponse").alias("Répondu le"), pl.col("deliberation").alias("Délibération"),
        pl.col("action_id").replace_strict(actions, default=None, return_dtype=pl.String).alias("Action corrective"),
        pl.col("jalon_id").replace_strict(jalons, default=None, return_dtype=pl.String).alias("Jalon"))
    return table.with_columns(pl.col(c).fill_null("—") for c, t in table.schema.items() if t == pl.String)
