"""The accounts every store test signs in as (one of each role), for the ``store`` fixture of
tests/conftest.py. The store stores hashes, it never checks them (barometre.pilotage.auth does)."""

from __future__ import annotations

from barometre.pilotage.store import Utilisateur
from barometre.pilotage.structure import charger_structure

STRUCTURE = charger_structure()
HASH = "$argon2id$test-only"
ADMIN = Utilisateur("admin", "admin", "Administratrice")
AGENT = Utilisateur("agent", "agent", "Agent")
PANEL = Utilisateur("panel", "panel", "Membre du panel")
LECTEUR = Utilisateur("lecteur", "lecteur", "Lecteur")
USERS = {"admin": ADMIN, "agent": AGENT, "panel": PANEL, "lecteur": LECTEUR}
