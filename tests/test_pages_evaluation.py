"""The Évaluation page through app.py (AppTest): the four answers per engagement from the store's rows, the
illustrative rows marked and not judged, the agent's confidence declaration, nothing offered to visitors.

Each test gets its own empty SQLite database; the action, milestones, indicators and figures written here are
test content, not a service's."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from barometre.pilotage import auth
from barometre.pilotage.evaluation import Evaluation, lire_import
from barometre.pilotage.store import Store, Utilisateur
from barometre.pilotage.structure import charger_structure
from barometre.settings import PROJECT_ROOT

MDP = "mot-de-passe-de-test"
AGENT = Utilisateur("agent", "agent", "Agent")
HEADER = ("action;niveau;indicateur;unite;sens;annee;valeur;objectif;annee_objectif;reference;annee_reference;"
          "illustratif\n")


@pytest.fixture(autouse=True)
def navigation_mode(warm_server):
    """As on a server that already served app.py (tests/conftest.py)."""


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    url = f"sqlite:///{tmp_path / 'pilotage.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url, charger_structure())
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    s.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent", auth.hacher(MDP))
    a = s.creer_action(AGENT, engagement="E1", orientation="E1_O1", libelle="Action de test",
                       indicateurs_impact=["taux_chomage_15_64"])
    s.creer_jalon(AGENT, action_id=a, libelle="Jalon de test", date_prevue="2025-01-01", statut="atteint",
                  date_atteinte="2025-03-01")
    body = HEADER + (f"{a};résultat;Part formée (test);%;hausse;2025;40;60;2030;35;2024;non\n"
                     f"{a};résultat;Exemple;%;hausse;2025;10;20;2030;;;oui\n")
    Evaluation(s).importer(AGENT, lire_import(body.encode(), "test.csv", s.actions()))
    yield s
    s.fermer()


def open_page() -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/evaluation.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    text = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.error, *at.success])
    return re.sub(r"\\(.)", r"\1", text)


def test_the_four_answers_per_engagement_signed_out(store):
    at = open_page()
    assert at.title[0].value == "Évaluation du projet de territoire"
    # each engagement opens a section right under the page's title: a level-2 heading (an h3 there skipped a level,
    # which axe reports as heading-order once actions are entered)
    assert len(at.header) == 1 and at.header[0].value.startswith("Engagement 1 — "), [h.value for h in at.header]
    assert not at.subheader
    text = shown(at)
    assert ("**Effectivité**  \n1 action(s) réalisée(s) sur 1  \njalons : 0 atteint(s) à temps, 1 atteint(s) en "
            "retard") in text
    assert "2 indicateur(s) de résultat  \n1 favorable(s), 0 à accélérer, 0 défavorable(s), 0 trop tôt" in text
    assert "1 exemple illustratif(s), non évalué(s)" in text
    assert "**Utilité**  \n1 indicateur(s) d'impact du baromètre" in text
    assert "alloué : inconnu  \nconsommé : inconnu" in text  # no resource entered: unknown, never 0
    assert "Sans action saisie : Engagement 2" in text
    assert "Exemple : 10 % (2025) ; objectif : 20 % en 2030 — exemple illustratif : rien n'est calculé" in (
        text)
    assert ("Part formée (test) : 40 % (2025) ; objectif : 60 % en 2030 (référence 35 % en 2024) — sur la "
            "trajectoire") in text
    assert "Confiance : pas encore déclarée" in text
    assert not any(b.label == "Déclarer" for b in at.button)  # visitors get no form


def test_an_agent_declares_the_services_confidence(store):
    at = open_page()
    at.sidebar.text_input(key="connexion_login").input("agent")
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    assert not at.exception
    form_selects = [s for s in at.selectbox if s.label == "Confiance"]
    form_selects[0].set_value("menaces")
    next(t for t in at.text_input if t.label == "Commentaire").input("retard de recrutement")
    next(b for b in at.button if b.label == "Déclarer").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Confiance déclarée par le service : **Objectifs menacés** le " in shown(at)
    assert Evaluation(store).confiances()["niveau"].to_list() == ["menaces"]
