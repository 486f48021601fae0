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

The package, by what it stores: :mod:`.base` (who acts, errors, schema bookkeeping, engine), :mod:`.versions`
(the generic history/version machinery: writes, journal, revert), :mod:`.comptes` (accounts, sign-in
records), :mod:`.grille` (editions of the grille), :mod:`.plan` (actions, milestones, resources, decisions),
:mod:`.objectifs` (targets, séances), :mod:`.ponderations` (weightings of the well-being index). The panel's
tables register themselves from :mod:`barometre.pilotage.panel`, its votes' from :mod:`barometre.pilotage.scrutin`,
the label's from :mod:`barometre.pilotage.label`. Everything is re-exported
here: ``from barometre.pilotage.store import Store, Utilisateur, …``.
"""

from __future__ import annotations

# The re-exports below are this package's interface (every caller imports from here).
# ruff: noqa: F401
from barometre.pilotage.store.base import (
    ACTIONS_DOMAINE,
    CHAMPS_FR,
    DOMAINES,
    ENV_URL,
    ERREURS_FR,
    FICHIER_SQLITE,
    FUSEAU,
    ID_MAX,
    MASQUE,
    NON_ANNULABLES,
    ROLES,
    SPECS,
    SQLITE_BUSY_TIMEOUT_S,
    SUIVI,
    TABLES_DEDIEES,
    TEXTE_COURT,
    TEXTE_LONG,
    ConflitEdition,
    DonneesInvalides,
    ErreurStore,
    LigneIntrouvable,
    RefusEcriture,
    RefusLecture,
    Utilisateur,
    _creer_moteur,
    _Entree,
    _frame,
    _json,
    _maintenant,
    _maj,
    _message_validation,
    _Spec,
    _suivi,
    _type_polars,
    date_lisible,
    id_valide,
    metadata,
    url_base,
)
from barometre.pilotage.store.comptes import CompteEntree, Comptes, t_comptes, t_echecs_connexion, t_sessions
from barometre.pilotage.store.grille import EditionEntree, Grille, LigneGrilleEntree, t_editions, t_grille
from barometre.pilotage.store.objectifs import (
    ObjectifEntree,
    Objectifs,
    SeanceEntree,
    t_objectifs,
    t_seances,
)
from barometre.pilotage.store.plan import (
    ActionEntree,
    DeliberationEntree,
    JalonEntree,
    Plan,
    RessourceEntree,
    t_actions,
    t_deliberations,
    t_jalons,
    t_ressources,
)
from barometre.pilotage.store.ponderations import (
    NOTE_MAX,
    NOTE_MIN,
    STATUTS_PONDERATION,
    DimensionPonderee,
    PonderationEntree,
    Ponderations,
    _decoder_ponderation,
    slug_nom,
    slug_ponderation,
    t_ponderations,
)
from barometre.pilotage.store.versions import Versions, t_historique


class Store(Comptes, Grille, Plan, Objectifs, Ponderations, Versions):
    """Read and write the pilotage data (see the package docstring for the guarantees)."""


