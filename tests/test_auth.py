"""Sign-in tests: argon2 hashing, local accounts (right, wrong, unknown, disabled), the identity-provider
path (e-mail → role), a role change seen by a signed-in session, the first-administrator command, and
passwords (own vs someone else's)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from barometre.pilotage import auth
from barometre.pilotage.store import RefusEcriture, Store, Utilisateur
from barometre.pilotage.structure import charger_structure

STRUCTURE = charger_structure()
MDP_ADMIN = "mot-de-passe-admin-solide"
MDP_AGENT = "mot-de-passe-agent-solide"
ADMIN = Utilisateur("admin", "admin")


# Production parameters (OWASP's: 19 MiB, 2 passes, 1 lane) take a fraction of a second per hash on a CI
# runner; the tests use the same algorithm with minimal cost.
PRODUCTION_HASHER = auth._hasher
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)


def test_production_parameters_are_strong():
    assert PRODUCTION_HASHER.type.name == "ID"
    # OWASP Password Storage Cheat Sheet, first argon2id line: m = 19 MiB, t = 2, p = 1
    assert (PRODUCTION_HASHER.memory_cost, PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.parallelism) == (
        19_456, 2, 1)
    assert auth.VERIFICATIONS_SIMULTANEES * PRODUCTION_HASHER.memory_cost <= 40 * 1024  # ≤ 40 MiB at once


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'pilotage.sqlite'}", STRUCTURE)
    s.initialiser_admin("admin", "Administratrice", auth.hacher(MDP_ADMIN))
    s.creer_compte(ADMIN, "agent", "agent", "Agent", auth.hacher(MDP_AGENT))
    s.creer_compte(ADMIN, "prenom.nom@agglo-porteduhainaut.fr", "panel", "Panéliste")  # OIDC: no password
    yield s
    s.fermer()


def test_argon2id_hash_and_verify():
    h = auth.hacher("un mot de passe assez long")
    assert h.startswith("$argon2id$")
    assert auth.hacher("un mot de passe assez long") != h  # salted
    assert auth.verifier_mot_de_passe(h, "un mot de passe assez long")
    assert not auth.verifier_mot_de_passe(h, "un autre mot de passe")
    assert not auth.verifier_mot_de_passe(None, "un mot de passe assez long")
    assert not auth.verifier_mot_de_passe("pas-un-hash", "x")
    with pytest.raises(ValueError, match="12 caractères"):
        auth.hacher("court")


def test_local_sign_in(store):
    user = auth.authentifier(store, "agent", MDP_AGENT)
    assert (user.login, user.role, user.nom) == ("agent", "agent", "Agent")
    for login, mdp in (("agent", "mauvais mot de passe"), ("inconnu", MDP_AGENT),
                       ("prenom.nom@agglo-porteduhainaut.fr", "")):
        with pytest.raises(auth.ErreurConnexion) as exc:
            auth.authentifier(store, login, mdp)
        assert str(exc.value) == "Identifiant ou mot de passe incorrect (ou compte désactivé)."  # same for all
    store.modifier_compte(ADMIN, "agent", store.compte("agent")["version"], actif=False)
    with pytest.raises(auth.ErreurConnexion):
        auth.authentifier(store, "agent", MDP_AGENT)


def test_identity_provider_user_gets_the_role_of_their_account(store):
    assert auth.utilisateur_oidc(store, "Prenom.Nom@agglo-porteduhainaut.fr").role == "panel"
    stranger = auth.utilisateur_oidc(store, "quelquun@example.org", "Quelqu'un")
    assert stranger.role == "lecteur"
    with pytest.raises(RefusEcriture):  # a lecteur without account writes nothing
        store.creer_action(stranger, engagement="E1", libelle="x")


def test_session_sees_role_changes(store):
    session = auth.authentifier(store, "agent", MDP_AGENT)
    store.modifier_compte(ADMIN, "agent", store.compte("agent")["version"], role="panel")
    assert auth.rafraichir(store, session).role == "panel"
    with pytest.raises(RefusEcriture, match="rôle a changé"):  # a stale session cannot act with the old role
        store.creer_action(session, engagement="E1", libelle="x")
    store.modifier_compte(ADMIN, "agent", store.compte("agent")["version"], actif=False)
    assert auth.rafraichir(store, session) is None


def test_passwords_own_or_by_an_administrator(store):
    agent = auth.authentifier(store, "agent", MDP_AGENT)
    store.definir_mot_de_passe(agent, "agent", store.compte("agent")["version"], auth.hacher("nouveau mot de passe"))
    assert auth.authentifier(store, "agent", "nouveau mot de passe").login == "agent"
    with pytest.raises(RefusEcriture):
        store.definir_mot_de_passe(agent, "admin", store.compte("admin")["version"], auth.hacher("piratage-essai"))
    store.definir_mot_de_passe(ADMIN, "agent", store.compte("agent")["version"], auth.hacher("remis par l'admin"))
    assert auth.authentifier(store, "agent", "remis par l'admin")


def test_cli_creates_the_first_administrator_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv(auth.ENV_MOT_DE_PASSE_ADMIN, "mot-de-passe-du-premier-admin")
    assert auth.main(["creer-admin", "--login", "premier", "--nom", "Premier admin"]) == 0
    assert "créé" in capsys.readouterr().out
    assert auth.main(["creer-admin", "--login", "second"]) == 1
    assert "existe déjà" in capsys.readouterr().err
    s = Store(structure=STRUCTURE)
    try:
        assert auth.authentifier(s, "premier", "mot-de-passe-du-premier-admin").role == "admin"
    finally:
        s.fermer()
