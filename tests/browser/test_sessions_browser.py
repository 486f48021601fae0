"""Sessions that survive a reload (issue 13, finding 4), in Chromium against `streamlit run app.py`:
an agent signs in through the HTTP form, gets an HttpOnly + SameSite cookie, stays signed in after a
reload and on another page, and « Se déconnecter » signs them out everywhere (another browser too, and the
old cookie no longer works). A wrong password and a cross-site post are refused."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from barometre.pilotage import sessions
from barometre.pilotage.store import Store, Utilisateur

from .conftest import pages_on, running_streamlit
from .streamlit_page import assert_no_exception, sign_in, submit_form, wait_for_app

MDP = "cheval agrafe batterie correcte"


@pytest.fixture(scope="module")
def serveur(tmp_path_factory, browser):
    db = tmp_path_factory.mktemp("sessions") / "pilotage.sqlite"
    url = f"sqlite:///{db}"
    s = Store(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    s.initialiser_admin("admin", "Admin", cheap.hash(MDP))
    s.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent Test", cheap.hash(MDP))
    s.fermer()
    env = {"BAROMETRE_DATABASE_URL": url, "BAROMETRE_CLE_SESSION": "cle-de-test-" + "x" * 20}
    with running_streamlit(env) as base:
        yield base, url


def _connecte(page) -> bool:
    return "Connecté·e :" in page.inner_text('[data-testid="stSidebar"]')


def test_signed_in_agent_stays_signed_in_then_signs_out_everywhere(serveur, browser):
    base, url = serveur
    ouvrir = pages_on(browser, base)
    opener = next(ouvrir)
    page = opener("/jalons")
    sign_in(page, "agent", MDP)
    assert_no_exception(page)
    assert _connecte(page), page.inner_text('[data-testid="stSidebar"]')
    assert page.url.endswith("/jalons")
    [cookie] = [c for c in page.context.cookies() if c["name"] == sessions.COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    assert page.evaluate("document.cookie").find(sessions.COOKIE) == -1  # no script can read it

    page.reload()
    wait_for_app(page)
    assert _connecte(page), "still signed in after a reload"
    other = page.context.new_page()
    other.goto(base + "/grille")
    wait_for_app(other)
    assert _connecte(other), "signed in on an opened link"

    second = opener("/jalons")  # another browser (device) of the same agent
    sign_in(second, "agent", MDP)
    assert _connecte(second)

    sidebar = page.locator('[data-testid="stSidebar"]')
    submit_form(page, sidebar.get_by_role("button", name="Se déconnecter"))
    assert not _connecte(page)
    assert "déconnecté" in page.inner_text('[data-testid="stSidebar"]')
    for p in (other, second):
        p.reload()
        wait_for_app(p)
        assert not _connecte(p), "signed out everywhere"

    replay = opener("/jalons")  # the old cookie, replayed, opens nothing
    replay.context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": base}])
    replay.reload()
    wait_for_app(replay)
    assert not _connecte(replay)
    s = Store(url)
    try:
        assert s.session(sessions.empreinte(cookie["value"].split(".")[0])) is None
    finally:
        s.fermer()


def test_wrong_password_and_cross_site_post_are_refused(serveur, browser):
    base, _ = serveur
    page = next(pages_on(browser, base))("/jalons")
    sign_in(page, "agent", "mauvais mot de passe")
    assert not _connecte(page)
    assert "Identifiant ou mot de passe incorrect" in page.inner_text('[data-testid="stSidebar"]')
    assert "connexion=" not in page.url  # the message is shown once, then the parameter is dropped
    response = page.request.post(base + sessions.CHEMIN_CONNEXION, max_redirects=0,
                                 form={"identifiant": "agent", "mot_de_passe": MDP, "retour": "/jalons"},
                                 headers={"Origin": "https://attaquant.invalid"})
    assert response.status == 303 and "connexion=refus" in response.headers["location"]
    assert sessions.COOKIE not in response.headers.get("set-cookie", "")
    response = page.request.post(base + sessions.CHEMIN_CONNEXION, max_redirects=0,
                                 form={"identifiant": "agent", "mot_de_passe": MDP,
                                       "retour": "https://attaquant.invalid/"},
                                 headers={"Origin": base})
    assert response.status == 303 and response.headers["location"] == "/"  # never sent to another site
