"""Accounts that hold (issue 13, finding 4; issue 21), store side, on SQLite and PostgreSQL: sign-in
throttling per account from one address and per client address, a delay that grows (never an account locked
for everybody), recorded before the password is checked, kept in the store (a new Store — a restart — still
refuses), the global
cap on concurrent password checks, password strength, server-side sessions revoked at sign-out, and the
délibération link that must be https."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from barometre.pilotage import auth
from barometre.pilotage.store import DonneesInvalides, Store, Utilisateur
from barometre.pilotage.structure import charger_structure

STRUCTURE = charger_structure()
MDP = "mot-de-passe-agent-solide"
ADMIN = Utilisateur("admin", "admin")


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    s = Store(db_url, STRUCTURE)
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    s.creer_compte(ADMIN, "agent", "agent", "Agent", auth.hacher(MDP))
    yield s
    s.fermer()


def test_failures_from_one_address_delay_that_address_and_survive_a_restart(db_url, store):
    for _ in range(auth.ECHECS_PAIRE_LIBRES):
        with pytest.raises(auth.ErreurConnexion, match="incorrect"):
            auth.authentifier(store, "agent", "mauvais mot de passe", adresse="10.0.0.1")
    restarted = Store(db_url, STRUCTURE)  # a reload, another tab, a restarted server: same store
    try:
        with pytest.raises(auth.ErreurConnexion, match="Trop d'essais"):  # the right password waits too
            auth.authentifier(restarted, "agent", MDP, adresse="10.0.0.1")
        wait = auth.attente_connexion(restarted, "agent", "10.0.0.1")
        assert 0 < wait <= auth.DELAI_BASE.total_seconds()
        later = datetime.now(UTC) + auth.DELAI_BASE + timedelta(seconds=1)
        assert auth.attente_connexion(restarted, "agent", "10.0.0.1", maintenant=later) == 0
    finally:
        restarted.fermer()


def test_nobody_locks_an_account_the_delay_grows_for_the_guesser_only(store):
    """Issue 21: anyone could lock any account (the admin's included) for 15 minutes, repeatably."""
    now = datetime.now(UTC)
    for _ in range(8):  # the guesser's failures, as if spread over time (each after its delay)
        store.noter_echec_connexion(["compte:admin|adresse:203.0.113.9", "adresse:203.0.113.9"])
    waits = [auth.delai(n, auth.ECHECS_PAIRE_LIBRES) for n in range(auth.ECHECS_PAIRE_LIBRES, 12)]
    assert waits == sorted(waits) and waits[0] == auth.DELAI_BASE and waits[-1] <= auth.DELAI_MAX
    assert auth.attente_connexion(store, "admin", "203.0.113.9", maintenant=now) > 0
    assert auth.authentifier(store, "admin", MDP, adresse="198.51.100.4").login == "admin"  # from elsewhere
    assert auth.authentifier(store, "admin", MDP).login == "admin"  # address unknown: the account's own key


def test_address_throttling_covers_many_logins(store):
    for i in range(auth.ECHECS_ADRESSE_LIBRES):
        with pytest.raises(auth.ErreurConnexion, match="incorrect"):
            auth.authentifier(store, f"inconnu{i}", "x" * 12, adresse="192.0.2.7")
    with pytest.raises(auth.ErreurConnexion, match="Trop d'essais"):
        auth.authentifier(store, "agent", MDP, adresse="192.0.2.7")
    assert auth.authentifier(store, "agent", MDP, adresse="192.0.2.8").login == "agent"


def test_a_success_clears_the_failures_of_that_account_from_that_address(store):
    for _ in range(auth.ECHECS_PAIRE_LIBRES - 1):
        with pytest.raises(auth.ErreurConnexion):
            auth.authentifier(store, "agent", "mauvais mot de passe", adresse="10.0.0.5")
    auth.authentifier(store, "agent", MDP, adresse="10.0.0.5")
    for _ in range(auth.ECHECS_PAIRE_LIBRES - 1):
        with pytest.raises(auth.ErreurConnexion, match="incorrect"):
            auth.authentifier(store, "agent", "mauvais mot de passe", adresse="10.0.0.5")


def test_parallel_wrong_passwords_are_not_all_checked(store, monkeypatch):
    """Issue 21: the throttle was check-then-act (30 parallel wrong passwords all checked against a limit
    of 5). Every attempt is now recorded before its password is checked."""
    checked, lock = [0], threading.Lock()
    barrier = threading.Barrier(30)

    def slow_check(hash_mdp, mot_de_passe):
        with lock:
            checked[0] += 1
        time.sleep(0.2)
        return False

    original_attente = auth.attente_connexion

    def aligned(*args, **kwargs):  # all 30 read the counters before any of them is checked
        result = original_attente(*args, **kwargs)
        barrier.wait(timeout=30)
        return result

    monkeypatch.setattr(auth, "verifier_mot_de_passe", slow_check)
    monkeypatch.setattr(auth, "attente_connexion", aligned)

    def attempt():
        try:
            auth.authentifier(store, "agent", "mauvais mot de passe", adresse="198.51.100.30")
        except auth.ErreurConnexion:
            pass

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert checked[0] <= auth.ECHECS_PAIRE_LIBRES


def test_concurrent_password_checks_are_capped(monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()

    class Slow:
        def hash(self, _):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return "h"

    monkeypatch.setattr(auth, "_hasher", Slow())
    threads = [threading.Thread(target=auth.verifier_mot_de_passe, args=(None, "x")) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == auth.VERIFICATIONS_SIMULTANEES


@pytest.mark.parametrize("faible", ["aaaaaaaaaaaa", "azertyuiop12", "motdepasse123", "agent-agent-agent", "court",
                                    # issue 21: French words, AZERTY walks, the territory's names
                                    "Azerty123456!", "Hainaut2024!!", "Porteduhainaut59", "Raismes2024!!"])
def test_weak_passwords_are_refused_in_french(faible):
    with pytest.raises(ValueError, match="trop facile|au moins 12"):
        auth.hacher(faible, ("agent", "Agent"))
    auth.hacher("cheval agrafe batterie correcte", ("agent",))  # a passphrase passes


def test_sessions_are_revoked_everywhere_at_sign_out(store):
    empreintes = [hashlib.sha256(t.encode()).hexdigest() for t in ("jeton-a", "jeton-b")]
    for e in empreintes:
        store.ouvrir_session("agent", e, datetime.now(UTC) + timedelta(hours=8))
    store.ouvrir_session("agent", "expiree", datetime.now(UTC) - timedelta(seconds=1))
    assert [store.session(e)["login"] for e in empreintes] == ["agent", "agent"]
    assert store.session("expiree") is None
    assert store.revoquer_sessions("agent") == 3
    assert [store.session(e) for e in empreintes] == [None, None]


@pytest.mark.parametrize("lien", ["javascript:alert(1)", "http://exemple.fr", "data:text/html,x",
                                  "https://u:p@exemple.fr", "exemple.fr"])
def test_deliberation_link_must_be_https(store, lien):
    agent = Utilisateur("agent", "agent")
    e1 = STRUCTURE.engagements[0].id
    with pytest.raises(DonneesInvalides, match="https"):
        store.creer_deliberation(agent, numero="1", date="2026-01-01", objet="x", engagement=e1, lien=lien)
    store.creer_deliberation(agent, numero="2", date="2026-01-01", objet="x", engagement=e1,
                             lien="https://www.agglo-porteduhainaut.fr/deliberation-2")


def test_a_password_change_signs_out_the_other_sessions(store):
    """Issue 21: changing one's password left the other sessions signed in."""
    agent = Utilisateur("agent", "agent")
    e = {k: hashlib.sha256(k.encode()).hexdigest() for k in ("ici", "telephone", "ancien-poste")}
    for h in e.values():
        store.ouvrir_session("agent", h, datetime.now(UTC) + timedelta(hours=8))
    store.definir_mot_de_passe(agent, "agent", store.compte("agent")["version"], auth.hacher("cheval agrafe batterie "
                               "correcte"), garder_session=e["ici"])
    assert store.session(e["ici"])["login"] == "agent"
    assert store.session(e["telephone"]) is None and store.session(e["ancien-poste"]) is None
    store.definir_mot_de_passe(ADMIN, "agent", store.compte("agent")["version"], auth.hacher(MDP))  # an admin
    assert store.session(e["ici"]) is None  # set by an administrator: signed out everywhere
