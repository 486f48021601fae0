"""The generic history and version machinery of the store: one transaction per write, permissions checked
against the ``comptes`` table, a ``version`` per row against lost updates, every change journaled field by
field in ``historique``, and the revert of an operation. The modules owning the tables add their checks through
the hooks below (``_titre``, ``_verifier_ligne``, ``_erreur_integrite``, ``_verifier_dependances``,
``_verifier_annulation``, ``_avant_retour``), each calling ``super()``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from pydantic import ValidationError

from barometre.pilotage.store.base import (
    ACTIONS_DOMAINE,
    DOMAINES,
    MASQUE,
    NON_ANNULABLES,
    ROLES,
    SPECS,
    SUIVI,
    TABLES_DEDIEES,
    ConflitEdition,
    DonneesInvalides,
    ErreurStore,
    LigneIntrouvable,
    RefusEcriture,
    Utilisateur,
    _creer_moteur,
    _frame,
    _json,
    _maintenant,
    _maj,
    _message_validation,
    _Spec,
    date_lisible,
    id_valide,
    metadata,
    url_base,
)
from barometre.pilotage.store.comptes import t_comptes
from barometre.pilotage.structure import Structure, charger_structure
from barometre.settings import get_settings

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


class Versions:
    """The generic part of :class:`barometre.pilotage.store.Store`."""

    def __init__(self, url: str | None = None, structure: Structure | None = None,
                 sens_indicateurs: dict[str, str] | None = None) -> None:
        self.url = url_base(url)
        self.engine = _creer_moteur(self.url)
        self._structure = structure  # the project's structure, read on first need (accounts need none)
        # Indicator id → catalogue ``sens``, to check targets; read from the catalogue on first need.
        self._sens_indicateurs = sens_indicateurs
        # Test hook called inside write transactions (after each row is written, before its history
        # and the commit): the crash test kills the process there.
        self._crochet_test: Callable[[str], None] | None = None
        self._creer_schema()

    @property
    def structure(self) -> Structure:
        """The projet de territoire's structure (data/pilotage/structure.toml), read when a write or a name
        needs it: signing in, or a territory without that file, never does."""
        if self._structure is None:
            self._structure = charger_structure()
        return self._structure

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
        if isinstance(t.c[spec.pk].type, sa.Integer) and not id_valide(key):
            return None  # an id from an address (?seance=99999999999999999999): not found, not an engine error
        row = conn.execute(sa.select(t).where(t.c[spec.pk] == key)).first()
        return dict(row._mapping) if row else None

    def _nommer(self, spec: _Spec, row: dict | None, key: Any) -> str:
        return f"{spec.genre} « {self._titre(spec, row) or key} »"

    # ------------------------------------------------------------ hooks of the tables' modules (each calls super())
    def _titre(self, spec: _Spec, row: dict | None) -> Any:
        """What names a row in messages."""
        return (row or {}).get(spec.titre)

    def _verifier_ligne(self, spec: _Spec, row: dict) -> None:
        """Checks of a validated row against the structure or the catalogue (raise DonneesInvalides)."""

    def _verifier_dependances(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict) -> None:
        """Refuse deleting a row that other rows still name."""

    def _verifier_annulation(self, conn: sa.Connection, spec: _Spec, cur: dict | None, champs: list[dict]) -> None:
        """Refuse reverting an operation on this row before anything is compared."""

    def _avant_retour(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict, nature: str,
                      restore: dict) -> None:
        """Refuse the revert of a creation (``nature``) or of a change (back to ``restore``) of ``cur``."""

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
        self._verifier_ligne(spec, out)
        return out

    @property
    def sens_indicateurs(self) -> dict[str, str]:
        if self._sens_indicateurs is None:
            from barometre.catalogue import load_catalogue

            catalogue = load_catalogue(get_settings().catalogue_dir)
            self._sens_indicateurs = {i.id: i.sens for i in catalogue.indicateurs}
        return self._sens_indicateurs

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

    # ------------------------------------------------------------ reads and revert
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
        self._verifier_annulation(conn, spec, cur, champs)
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
            self._avant_retour(conn, spec, key, cur, nature, {})
            self._supprimer(conn, spec, key, cur["version"], user, nouvelle, annule=operation)
            return
        restore = {c["champ"]: json.loads(c["avant"]) for c in champs}
        self._avant_retour(conn, spec, key, cur, nature, restore)
        self._modifier(conn, spec, key, cur["version"], restore, user, nouvelle, annule=operation,
                       valider=False)
