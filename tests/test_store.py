"""Store tests, on the embedded SQLite file and on PostgreSQL: every role's allowed and refused writes
(checked by the store itself), no lost update under concurrent edits (two store instances, threads), a
write killed mid-transaction (SIGKILL) leaves nothing half-written and loses nothing committed, history
and revert.

PostgreSQL runs when ``BAROMETRE_TEST_POSTGRES_URL`` names a database the tests may create schemas in
(``postgresql://user:password@localhost:5432/db``); each test gets its own schema, dropped afterwards.
Without it the PostgreSQL half is skipped locally (CI sets it: .ci/run installs Debian's postgresql).
The example actions, milestones and amounts below are test content, not the project's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import polars as pl
import pytest

from barometre.pilotage.store import (
    DOMAINES,
    ROLES,
    ConflitEdition,
    DonneesInvalides,
    LigneIntrouvable,
    RefusEcriture,
    Store,
    Utilisateur,
)
from barometre.pilotage.structure import LigneComptable
from barometre.settings import PROJECT_ROOT
from tests.comptes import ADMIN, AGENT, HASH, LECTEUR, PANEL, STRUCTURE, USERS

SUBPROCESS_TIMEOUT_S = 30


# ---------------------------------------------------------------- databases: db_url, store (tests/conftest.py)


def _action(s: Store, user: Utilisateur = AGENT, **extra) -> int:
    values = {"engagement": "E2", "orientation": "E2_O4", "projet": "P5", "libelle": "Action d'exemple (test)",
              "indicateurs_impact": ["part_domicile_travail_velo"]} | extra
    return s.creer_action(user, **values)


def _n_historique(s: Store) -> int:
    return s.historique(limite=100_000).height


# ---------------------------------------------------------------- roles: allowed and refused writes
def _ecritures(s: Store) -> dict[str, tuple[str, callable]]:
    """One write per domain, each as (domain, function of the acting user)."""
    action_id = _action(s, ADMIN)
    jalon_id = s.creer_jalon(ADMIN, action_id=action_id, libelle="Jalon d'exemple")
    edition_id = s.creer_edition(ADMIN, "Édition de test", 2027)
    ligne = LigneComptable(ligne=2, code_fonctionnel="TEST-01", annee=2025, alloue=1000.0, engagement="E1")
    return {
        "grille": ("grille", lambda u: s.enregistrer_ligne_grille(u, edition_id, "neutralite_carbone", 0,
                                                                  impacts="texte d'exemple")),
        "edition": ("editions", lambda u: s.creer_edition(u, f"Édition {uuid.uuid4().hex[:6]}", 2030)),
        "action": ("jalons", lambda u: _action(s, u)),
        "jalon": ("jalons", lambda u: s.modifier_jalon(u, jalon_id, s.ligne("jalons", jalon_id)["version"],
                                                       statut="en_cours")),
        "ressource": ("ressources", lambda u: s.creer_ressource(u, engagement="E1", annee=2025, alloue=10.0)),
        "import": ("ressources", lambda u: s.importer_ressources(u, [ligne])),
        "deliberation": ("deliberations", lambda u: s.creer_deliberation(
            u, numero=f"D-{uuid.uuid4().hex[:4]}", date="2025-03-01", objet="Délibération d'exemple",
            engagement="E3")),
        "compte": ("comptes", lambda u: s.creer_compte(u, f"c{uuid.uuid4().hex[:6]}", "lecteur")),
    }


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_allowed_and_refused_writes(store, role):
    """The store itself enforces DOMAINES: a refused write raises RefusEcriture and writes nothing."""
    user = USERS[role]
    for name, (domaine, write) in _ecritures(store).items():
        before = _n_historique(store)
        if role in DOMAINES[domaine]:
            write(user)
            assert _n_historique(store) > before, f"{role} / {name}: allowed write not journaled"
        else:
            with pytest.raises(RefusEcriture) as exc:
                write(user)
            assert "ne permet pas" in str(exc.value), str(exc.value)
            assert _n_historique(store) == before, f"{role} / {name}: refused write left a trace"


def test_refused_without_a_genuine_account(store):
    """Signed out, a forged role, an unknown login or a disabled account: refused by the store."""
    with pytest.raises(RefusEcriture, match="Connectez-vous"):
        _action(store, None)
    with pytest.raises(RefusEcriture, match="rôle a changé"):
        _action(store, Utilisateur(PANEL.login, "agent"))  # the panel member claims the agent role
    with pytest.raises(RefusEcriture, match="n'existe pas"):
        _action(store, Utilisateur("inconnu", "agent"))
    store.modifier_compte(ADMIN, AGENT.login, store.compte(AGENT.login)["version"], actif=False)
    with pytest.raises(RefusEcriture, match="désactivé"):
        _action(store, AGENT)
    assert store.actions().is_empty()


def test_verifier_droit_for_other_writers(store):
    """Targets and data loads are written elsewhere; they ask the store with the same rule."""
    assert store.peut_ecrire(AGENT, "objectifs") and store.peut_ecrire(AGENT, "donnees")
    assert not store.peut_ecrire(PANEL, "objectifs") and not store.peut_ecrire(None, "donnees")
    with pytest.raises(RefusEcriture):
        store.verifier_droit(LECTEUR, "donnees")


def test_last_admin_stays(store):
    with pytest.raises(RefusEcriture, match="dernier administrateur"):
        store.modifier_compte(ADMIN, ADMIN.login, store.compte(ADMIN.login)["version"], role="agent")
    with pytest.raises(RefusEcriture, match="existe déjà"):
        store.initialiser_admin("autre", "", HASH)


def test_invalid_values_are_refused_in_french(store):
    with pytest.raises(DonneesInvalides, match="Engagement inconnu"):
        _action(store, engagement="E9", orientation="")
    with pytest.raises(DonneesInvalides, match="n'appartient pas"):
        _action(store, engagement="E1", orientation="E2_O4")
    action_id = _action(store)
    with pytest.raises(DonneesInvalides, match="début est postérieure"):
        store.creer_jalon(AGENT, action_id=action_id, libelle="J", date_debut="2026-01-01", date_prevue="2025-01-01")
    with pytest.raises(DonneesInvalides, match="montant alloué"):
        store.creer_ressource(AGENT, engagement="E1", annee=2025, alloue=-5)
    with pytest.raises(DonneesInvalides, match="statut"):
        store.creer_jalon(AGENT, action_id=action_id, libelle="J", statut="fini")
    with pytest.raises(DonneesInvalides, match="Critère de la grille inconnu"):
        store.enregistrer_ligne_grille(PANEL, store.creer_edition(AGENT, "E", 2027), "inconnu", 0, impacts="x")


# ---------------------------------------------------------------- concurrency: no lost update
def test_second_editor_gets_a_conflict_not_an_overwrite(db_url, store):
    """Two people (two store instances, as two server processes) edit the same milestone read at the
    same version: the first write wins, the second gets a French conflict naming the first editor."""
    jalon_id = store.creer_jalon(AGENT, action_id=_action(store), libelle="Jalon partagé")
    store.creer_compte(ADMIN, "agent2", "agent", "Deuxième agent", HASH)
    other = Store(db_url, STRUCTURE)
    try:
        version = store.ligne("jalons", jalon_id)["version"]
        assert other.ligne("jalons", jalon_id)["version"] == version
        store.modifier_jalon(AGENT, jalon_id, version, commentaire="premier")
        with pytest.raises(ConflitEdition) as exc:
            other.modifier_jalon(Utilisateur("agent2", "agent"), jalon_id, version, commentaire="second")
        message = str(exc.value)
        assert "Conflit de modification" in message and "Agent (agent)" in message
        assert "n'ont pas été enregistrés" in message
    finally:
        other.fermer()
    row = store.ligne("jalons", jalon_id)
    assert row["commentaire"] == "premier" and row["version"] == version + 1
    changes = store.historique(["jalons"], jalon_id).filter(pl.col("nature") == "modification")
    assert changes.height == 1


def test_concurrent_threads_exactly_one_wins(db_url, store):
    """Eight threads, each with its own store instance, write the same row read at the same version at
    the same moment: exactly one succeeds, the seven others get a conflict; the winner's text is kept."""
    jalon_id = store.creer_jalon(AGENT, action_id=_action(store), libelle="Jalon disputé")
    n = 8
    barrier = threading.Barrier(n)
    outcomes: dict[int, str] = {}
    stores = [Store(db_url, STRUCTURE) for _ in range(n)]

    def edit(i: int) -> None:
        barrier.wait()
        try:
            stores[i].modifier_jalon(AGENT, jalon_id, 1, commentaire=f"écrit par {i}")
            outcomes[i] = "ok"
        except ConflitEdition:
            outcomes[i] = "conflit"

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.fermer()
    winners = [i for i, o in outcomes.items() if o == "ok"]
    assert len(outcomes) == n and len(winners) == 1, outcomes
    row = store.ligne("jalons", jalon_id)
    assert row["commentaire"] == f"écrit par {winners[0]}" and row["version"] == 2


def test_no_lost_update_under_retries(db_url, store):
    """Read-modify-write with retry on conflict from 4 threads × 5 increments: the total is exact, so no
    update was lost (the classic lost-update scenario that a version column prevents)."""
    ressource_id = store.creer_ressource(AGENT, engagement="E1", annee=2025, alloue=0.0)
    n_threads, n_increments = 4, 5

    def work() -> None:
        s = Store(db_url, STRUCTURE)
        try:
            for _ in range(n_increments):
                while True:
                    row = s.ligne("ressources", ressource_id)
                    try:
                        s.modifier(AGENT, "ressources", ressource_id, row["version"], alloue=row["alloue"] + 1)
                        break
                    except ConflitEdition:
                        continue
        finally:
            s.fermer()

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    row = store.ligne("ressources", ressource_id)
    assert row["alloue"] == n_threads * n_increments
    assert row["version"] == 1 + n_threads * n_increments


def test_first_entry_of_a_grille_row_races(store):
    """Two panel members both open an empty criterion (version 0): the second save is a conflict, not a
    database error and not an overwrite."""
    edition_id = store.creer_edition(AGENT, "Point d'étape (test)", 2027)
    store.enregistrer_ligne_grille(PANEL, edition_id, "emancipation", 0, acquis="premier texte")
    with pytest.raises(ConflitEdition, match="Conflit"):
        store.enregistrer_ligne_grille(AGENT, edition_id, "emancipation", 0, acquis="second texte")
    lignes = store.lignes_grille(edition_id)
    assert lignes.height == 1 and lignes["acquis"][0] == "premier texte"


# ---------------------------------------------------------------- crash mid-transaction
CRASH_SCRIPT = textwrap.dedent("""
    import sys, time
    from barometre.pilotage.structure import LigneComptable
    from barometre.pilotage.store import Store, Utilisateur

    store = Store(sys.argv[1])
    agent = Utilisateur("agent", "agent")
    committed = store.creer_action(agent, engagement="E1", libelle="Action validée avant la panne")
    print(f"COMMITTED {committed}", flush=True)
    calls = []

    def pause(point):
        calls.append(point)
        if len(calls) == 2:  # two rows written, their history and the commit not yet
            print("MID-TRANSACTION", flush=True)
            time.sleep(120)

    store._crochet_test = pause
    lines = [LigneComptable(ligne=i, code_fonctionnel=f"K{i}", annee=2025, alloue=1.0, engagement="E2")
             for i in range(2, 6)]
    store.importer_ressources(agent, lines)
    print("NOT REACHED", flush=True)
""")


def test_write_killed_mid_transaction_leaves_no_half_row(db_url, store):
    """A process that dies (SIGKILL) in the middle of a multi-row write: afterwards the database opens,
    holds what was committed before, none of the interrupted rows, no orphan history, and takes writes."""
    before_history = _n_historique(store)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, db_url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT_ROOT)
    try:
        committed = None
        for line in proc.stdout:
            if line.startswith("COMMITTED"):
                committed = int(line.split()[1])
            if line.startswith("MID-TRANSACTION"):
                break
        else:
            pytest.fail(f"the writer never reached the middle of its transaction: {proc.stderr.read()}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=SUBPROCESS_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    reopened = Store(db_url, STRUCTURE)
    try:
        assert reopened.ligne("actions", committed)["libelle"] == "Action validée avant la panne"
        assert reopened.ressources().is_empty(), "rows of the interrupted transaction are visible"
        history = reopened.historique(limite=100_000)
        assert history.height == before_history + history.filter(pl.col("table_nom") == "actions").height
        assert history.filter(pl.col("table_nom") == "ressources").is_empty(), "orphan history"
        if reopened.moteur == "sqlite":
            with reopened.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # the lock of the dead writer is gone: the same rows can be written now
        ligne = LigneComptable(ligne=2, code_fonctionnel="K2", annee=2025, alloue=1.0, engagement="E2")
        assert reopened.importer_ressources(AGENT, [ligne])["creees"] == 1
    finally:
        reopened.fermer()


# ---------------------------------------------------------------- history and revert
def test_history_records_who_when_field_before_after(store):
    action_id = _action(store)
    store.modifier_action(AGENT, action_id, 1, libelle="Nouveau libellé", responsable="Direction test")
    h = store.historique(["actions"], action_id)
    modif = {r["champ"]: r for r in h.to_dicts() if r["nature"] == "modification"}
    assert set(modif) == {"libelle", "responsable"}  # only the fields that changed
    assert modif["libelle"]["avant"] == '"Action d\'exemple (test)"'
    assert modif["libelle"]["apres"] == '"Nouveau libellé"'
    assert modif["libelle"]["login"] == "agent" and modif["libelle"]["role"] == "agent"
    assert modif["libelle"]["horodatage"].endswith("+00:00")
    assert len({r["operation"] for r in modif.values()}) == 1
    store.creer_compte(ADMIN, "x.y", "panel", "X", HASH)
    shown = store.historique(["comptes"], "x.y").to_dicts()
    assert all(r["apres"] != f'"{HASH}"' for r in shown), "password hashes never reach the history"


def test_revert_update_creation_and_deletion(store):
    action_id = _action(store)
    jalon_id = store.creer_jalon(AGENT, action_id=action_id, libelle="Jalon", date_prevue="2025-06-30")
    store.modifier_jalon(AGENT, jalon_id, 1, statut="atteint", date_atteinte="2025-07-02")
    op = store.historique(["jalons"], jalon_id)["operation"][0]
    store.annuler(AGENT, op)
    row = store.ligne("jalons", jalon_id)
    assert (row["statut"], row["date_atteinte"], row["version"]) == ("a_renseigner", None, 3)
    # reverting the same operation again: the row no longer holds its "after" values
    with pytest.raises(ConflitEdition, match="modifié depuis"):
        store.annuler(AGENT, op)
    # delete, then restore through the history (same id, version moves on)
    store.supprimer(AGENT, "jalons", jalon_id, 3)
    assert store.ligne("jalons", jalon_id) is None
    deletion = store.historique(["jalons"], jalon_id)["operation"][0]
    store.annuler(AGENT, deletion)
    restored = store.ligne("jalons", jalon_id)
    assert restored["libelle"] == "Jalon" and restored["version"] == 4
    # revert a creation: the row goes away
    delib = store.creer_deliberation(AGENT, numero="D1", date="2025-01-01", objet="Objet", engagement="E1")
    creation = store.historique(["deliberations"], delib)["operation"][0]
    store.annuler(AGENT, creation)
    assert store.ligne("deliberations", delib) is None


def test_revert_is_checked_like_a_write(store):
    action_id = _action(store)
    op = store.historique(["actions"], action_id)["operation"][0]
    with pytest.raises(RefusEcriture):
        store.annuler(PANEL, op)
    with pytest.raises(LigneIntrouvable):
        store.annuler(AGENT, "00000000-0000-0000-0000-000000000000")
    assert store.ligne("actions", action_id) is not None


def test_validated_edition_is_read_only(store):
    edition_id = store.creer_edition(AGENT, "Point d'étape (test)", 2027)
    store.enregistrer_ligne_grille(PANEL, edition_id, "handicap", 0, difficultes="texte")
    op = store.historique(["grille_lignes"])["operation"][0]
    store.valider_edition(AGENT, edition_id, 1, {"handicap": "situation figée"})
    with pytest.raises(RefusEcriture, match="validée"):
        store.enregistrer_ligne_grille(PANEL, edition_id, "handicap", 1, difficultes="autre")
    with pytest.raises(RefusEcriture, match="validée"):
        store.annuler(PANEL, op)
    with pytest.raises(RefusEcriture):
        store.valider_edition(PANEL, edition_id, 2, {})
    store.rouvrir_edition(AGENT, edition_id, 2)
    assert store.enregistrer_ligne_grille(PANEL, edition_id, "handicap", 1, difficultes="autre") == 2


def test_embedded_database_created_on_first_run(tmp_path, monkeypatch):
    """Without BAROMETRE_DATABASE_URL the store creates data/edits/pilotage.sqlite under the data dir."""
    monkeypatch.delenv("BAROMETRE_DATABASE_URL", raising=False)
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(tmp_path))
    s = Store(structure=STRUCTURE)
    try:
        assert s.moteur == "sqlite"
        assert Path(tmp_path / "edits" / "pilotage.sqlite").exists()
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        s.fermer()
