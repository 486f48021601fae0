"""Accounts that hold (issue 13, finding 4), store side, on SQLite and PostgreSQL: sign-in throttling per
account and per client address kept in the store (a new Store — a restart — still refuses), the global
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


def test_account_throttling_survives_a_restart_and_refuses_even_the_right_password(db_url, store):
    for _ in range(auth.ECHECS_COMPTE_MAX):
        with pytest.raises(auth.ErreurConnexion, match="incorrect"):
            auth.authentifier(store, "agent", "mauvais mot de passe", adresse=f"10.0.0.{_}")
    restarted = Store(db_url, STRUCTURE)  # a reload, another tab, a restarted server: same store
    try:
        with pytest.raises(auth.ErreurConnexion, match="Trop d'essais"):
            auth.authentifier(restarted, "agent", MDP, adresse="10.9.9.9")
        assert 0 < auth.attente_connexion(restarted, "agent") <= auth.FENETRE.total_seconds()
        later = datetime.now(UTC) + auth.FENETRE + timedelta(seconds=1)
        assert auth.attente_connexion(restarted, "agent", maintenant=later) == 0
        assert auth.authentifier(restarted, "admin", MDP).login == "admin"  # other accounts unaffected
    finally:
        restarted.fermer()


def test_address_throttling_covers_many_logins(store):
    for i in range(auth.ECHECS_ADRESSE_MAX):
        with pytest.raises(auth.ErreurConnexion):
            auth.authentifier(store, f"inconnu{i}", "x" * 12, adresse="192.0.2.7")
    with pytest.raises(auth.ErreurConnexion, match="Trop d'essais"):
        auth.authentifier(store, "agent", MDP, adresse="192.0.2.7")
    assert auth.authentifier(store, "agent", MDP, adresse="192.0.2.8").login == "agent"


def test_a_success_clears_the_accounts_failures(store):
    for _ in range(auth.ECHECS_COMPTE_MAX - 1):
        with pytest.raises(auth.ErreurConnexion):
            auth.authentifier(store, "agent", "mauvais mot de passe")
    auth.authentifier(store, "agent", MDP)
    with pytest.raises(auth.ErreurConnexion, match="incorrect"):
        auth.authentifier(store, "agent", "mauvais mot de passe")


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


@pytest.mark.parametrize("faible", ["aaaaaaaaaaaa", "azertyuiop12", "motdepasse123", "agent-agent-agent", "court"])
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
