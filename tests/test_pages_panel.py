"""The Panel and Label 2044 pages through ``AppTest``, entered as a user arrives (app.py, then
``switch_page``), each test on its own empty SQLite database with one account per role:

- signed out: public results only, no editing control;
- a facilitator (agent) opens a séance and enters contributions; the panel proposes criteria; the agent
  records their adoption; the well-being index page then computes on the adopted families;
- a vote of 40 members with one-time codes ends in an adopted weighting, the index page's default;
- a recommendation goes from proposed to answered with a linked corrective action;
- a labelled project shows in the public list, on the Territoires map layer and in its commune's profile.

Everything written here is test content, not the panel's.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from barometre.pilotage import auth
from barometre.pilotage.panel import Panel
from barometre.pilotage.store import Store, Utilisateur
from barometre.pilotage.structure import charger_structure
from barometre.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app.py"
TIMEOUT_S = 60
MDP = "mot-de-passe-de-test"
AGENT = Utilisateur("agent", "agent")
PANEL = Utilisateur("panel", "panel")
DENAIN = "59172"
NOUVELLES_SESSIONS = 5  # voters of the 40 who each open a new session (see the vote test)


@pytest.fixture(autouse=True)
def navigation_mode(warm_server):
    """As on a server that already served app.py (tests/conftest.py)."""


@pytest.fixture
def store(tmp_path, monkeypatch):
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    url = f"sqlite:///{tmp_path / 'pilotage.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    monkeypatch.setenv("BAROMETRE_URL_PUBLIQUE", "https://barometre.example")
    s = Store(url, charger_structure())
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    for role in ("agent", "panel", "lecteur"):
        s.creer_compte(Utilisateur("admin", "admin"), role, role, role.capitalize(), auth.hacher(MDP))
    yield s
    s.fermer()


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def goto(page: str, **query_params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert_ok(at)
    return at


def sign_in(at: AppTest, login: str) -> AppTest:
    at.sidebar.text_input(key="connexion_login").input(login)
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    assert_ok(at)
    assert any("Connecté·e" in m.value for m in at.sidebar.markdown)
    return at


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert_ok(at)
    return at


def texts(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(t.value for t in at.get("text")),
                     *(c.value for c in at.caption), *(i.value for i in at.info), *(s.value for s in at.success)])


def test_menu_has_panel_and_label_under_piloter():
    src = APP.read_text(encoding="utf-8")
    piloter = src[src.index('"Piloter"'):src.index('"À propos"')]
    assert 'pages/panel.py", title="Panel"' in piloter and 'pages/label.py", title="Label 2044"' in piloter


@pytest.mark.parametrize("page", ["pages/panel.py", "pages/label.py"])
def test_signed_out_sees_public_results_only(store, page):
    p = Panel(store)
    seance = p.creer(AGENT, "panel_seances", date="2027-03-12", lieu="Salle (test)", groupe="Groupe (test)")
    p.creer(PANEL, "panel_contributions", seance_id=seance, nature="bien_etre", texte="Texte privé (test)")
    at = goto(page)
    assert at.title[0].value in ("Panel « baromètre d'impact »", "Label « Porte du Hainaut 2044 »")
    assert "Texte privé (test)" not in json.dumps([df.value.to_dict() for df in at.dataframe], default=str)
    editing = {"Créer la séance", "Ajouter la contribution", "Proposer le critère", "Préparer le vote",
               "Enregistrer la recommandation", "Créer l'appel", "Enregistrer la candidature"}
    assert not editing & {b.label for b in at.button}
    if page == "pages/panel.py":
        counts = pl.from_pandas(at.dataframe[1].value)  # counts per family are public
        assert counts["Total"].sum() == 1


def test_contributions_criteria_adopted_and_used_by_the_index(store):
    at = sign_in(goto("pages/panel.py"), "agent")
    at.text_input(key="seance_lieu").input("Salle du conseil (test)")
    at.text_input(key="seance_groupe").input("Conseil de développement (test)")
    submit(at, "Créer la séance")
    for nature, texte in [("bien_etre", "Avoir un travail près de chez moi (test)"),
                          ("agglo_peut", "Des médecins plus proches (test)")]:
        at.selectbox(key="contrib_nature").set_value(nature)
        at.text_area(key="contrib_texte").input(texte)
        at.selectbox(key="contrib_famille").set_value("engagement" if nature == "bien_etre" else "services")
        submit(at, "Ajouter la contribution")
    p = Panel(store)
    assert p.contributions(AGENT)["modifie_par"].to_list() == ["agent", "agent"]
    counts = p.comptes_contributions()
    assert counts.filter(pl.col("famille") == "engagement")["Total"][0] == 1
    # criteria proposed by the panel (through the page, as the agent here), then adopted
    at.selectbox(key="critere_famille").set_value("engagement")
    at.text_input(key="critere_libelle").input("Avoir un emploi (test)")
    at.multiselect(key="critere_indicateurs").set_value(["taux_chomage_15_64"])
    submit(at, "Proposer le critère")
    at.selectbox(key="critere_famille").set_value("services")
    at.text_input(key="critere_libelle").input("Voir un médecin (test)")
    at.multiselect(key="critere_indicateurs").set_value(["apl_medecins_generalistes"])
    submit(at, "Proposer le critère")
    at.text_input(key="adopter_libelle").input("Critères 2027 (test)")
    submit(at, "Adopter ces critères")
    assert p.criteres_adoptes()[0]["libelle"] == "Critères 2027 (test)"
    # the index page now computes on the two adopted families
    be = goto("pages/bien_etre.py")
    labels = [s.label for s in be.slider]
    assert len(labels) == 2 and labels[0].startswith("Engagement") and labels[1].startswith("Accès aux services")
    assert "Critères 2027" in texts(be)


def test_vote_of_forty_members_ends_in_the_adopted_weighting(store):
    p = Panel(store)
    seance = p.creer(AGENT, "panel_seances", date="2027-03-12", lieu="Salle (test)", groupe="Groupe (test)")
    at = sign_in(goto("pages/panel.py"), "agent")
    at.text_input(key="vote_libelle").input("Pondération du panel (test)")
    submit(at, "Préparer le vote")
    vote_id = int(p.votes()["id"][0])
    assert p.vote(vote_id)["seance_id"] == seance
    at.number_input(key="vote_n_codes").set_value(40)
    submit(at, "Générer les codes")
    shown = " ".join(h.proto.body for h in at.get("html"))
    codes = sorted(set(__import__("re").findall(r">([A-Z2-9]{4}-[A-Z2-9]{4})<", shown)))
    assert len(codes) == 40
    assert "https://barometre.example/panel?vote=" in shown or "<svg" in shown
    submit(at, "Ouvrir le vote")
    dims = [o["id"] for o in p.vote(vote_id)["objets"]]
    # 40 members vote on the ballot link of their QR code: the first ones each in a new session (a phone);
    # the others, to keep the test short, one after the other on the last phone (a shared phone: the
    # page's memory of "already voted" is reset, the code is the one of the new link).
    voter = None
    for i, code in enumerate(codes):
        if i < NOUVELLES_SESSIONS:
            voter = goto("pages/panel.py", vote=str(vote_id), jeton=code)
        else:
            voter.query_params["jeton"] = code
            voter.session_state[f"a_vote_{vote_id}"] = False
            voter.run()
            assert_ok(voter)
        for j, dim in enumerate(dims):
            voter.slider(key=f"bulletin_{dim}").set_value((i + j) % 6)
        submit(voter, "Voter")
        assert any("enregistré" in s.value for s in voter.success), i
    again = goto("pages/panel.py", vote=str(vote_id), jeton=codes[0])
    next(b for b in again.button if b.label == "Voter").click().run()
    assert any("déjà servi" in w.value for w in again.warning)
    assert p.nombre_votes(vote_id) == 40
    # the room's screen during the vote: the count, not the distribution
    room = goto("pages/panel.py", vote=str(vote_id), mode="projection")
    assert "40 votes" in " ".join(h.proto.body for h in room.get("html"))
    assert not room.get("vega_lite_chart")
    at.date_input(key="vote_date").set_value(__import__("datetime").date(2027, 3, 12))
    submit(at, "Clore le vote et adopter le résultat")
    room = goto("pages/panel.py", vote=str(vote_id), mode="projection")
    assert room.get("vega_lite_chart"), "the full distribution and the weighting are shown once closed"
    table = pl.from_pandas(room.dataframe[0].value)
    assert table["Votes"].to_list() == [40] * len(dims)
    assert sum(table[f"Note {k}"].sum() for k in range(6)) == 40 * len(dims)
    # the index page opens on the adopted weighting
    adopted = store.ponderation_adoptee()
    assert adopted["origine"] == f"vote n° {vote_id}"
    be = goto("pages/bien_etre.py")
    assert [s.value for s in be.slider] == [adopted["notes"][d] for d in dims]
    assert any("Pondération du panel" in s.value and "adoptée le" in s.value for s in be.success)


def test_recommendation_answered_with_a_linked_action(store):
    action = store.creer_action(AGENT, engagement="E2", orientation="E2_O4", libelle="Action corrective (test)")
    at = sign_in(goto("pages/panel.py"), "panel")
    at.text_area(key="reco_texte").input("Renforcer le covoiturage (test)")
    at.selectbox(key="reco_eng").set_value("E2")
    at.selectbox(key="reco_crit").set_value("neutralite_carbone")
    at.multiselect(key="reco_inds").set_value(["cae_1.b"])
    submit(at, "Enregistrer la recommandation")
    p = Panel(store)
    assert p.suivi(__import__("datetime").date.today())["etat"].to_list() == ["Proposée, sans réponse"]
    assert "Enregistrer la réponse" not in {b.label for b in at.button}  # the panel does not answer
    ag = sign_in(goto("pages/panel.py"), "agent")
    ag.selectbox(key="rep_decision").set_value("retenue")
    ag.text_area(key="rep_motif").input("Motif (test)")
    ag.text_input(key="rep_delib").input("D-2027-001")
    ag.selectbox(key="rep_action").set_value(action)
    submit(ag, "Enregistrer la réponse")
    row = p.suivi(__import__("datetime").date.today()).row(0, named=True)
    assert row["etat"] == "Retenue" and row["action_id"] == action
    shown = json.dumps([df.value.to_dict() for df in ag.dataframe], default=str, ensure_ascii=False)
    assert "Action corrective (test)" in shown and "Retenue" in shown
    grille = goto("pages/grille.py")  # the grille page builds its export with the recommendations sheet
    assert {d.label for d in grille.get("download_button")} >= {"Grille (XLSX)"}
    assert {d.label for d in ag.get("download_button")} >= {"Suivi des recommandations (CSV)",
                                                              "Suivi des recommandations (XLSX)"}


def test_labelled_project_in_list_on_map_and_in_profile(store):
    at = sign_in(goto("pages/label.py"), "agent")
    at.text_input(key="appel_libelle").input("Appel 2027 (test)")
    at.multiselect(key="appel_orientations").set_value(["E1_O1"])
    submit(at, "Créer l'appel")
    at.text_input(key="cand_porteur").input("=HYPERLINK(\"x\") association (test)")
    at.text_input(key="cand_titre").input("Jardin partagé <b>(test)</b>")
    at.selectbox(key="cand_type").set_value("association")
    at.selectbox(key="cand_commune").set_value(DENAIN)
    at.selectbox(key="cand_eng").set_value("E1")
    at.text_area(key="cand_description").input("Description (test)")
    submit(at, "Enregistrer la candidature")
    at.text_area(key="jury_motifs").input("Motifs du jury (test)")
    submit(at, "Enregistrer la décision")
    p = Panel(store)
    assert p.projets_labellises()["titre"].to_list() == ["Jardin partagé <b>(test)</b>"]
    public = goto("pages/label.py")
    table = pl.from_pandas(public.dataframe[0].value)
    assert table["Projet"].to_list() == ["Jardin partagé <b>(test)</b>"]  # shown as typed, as text
    csv = next(d for d in public.get("download_button") if d.label == "Projets labellisés (CSV)")
    assert csv is not None
    # the Territoires map: a switchable layer, and the commune's profile
    terr = goto("pages/territoires.py", niveau="commune", code=DENAIN)
    carte = _carte(terr)
    assert "projets_labellises" not in json.dumps([layer.get("name") for layer in carte["layer"]])
    terr.toggle(key="carte_projets_label").set_value(True).run()
    assert_ok(terr)
    projets = next(layer for layer in _carte(terr)["layer"] if layer.get("name") == "projets_labellises")
    # the typed title is data, as typed: Vega's tooltip escapes it (no HTML escaping beforehand, which would show
    # « &lt;b&gt; » to the reader)
    assert [p["titre"] for p in projets["data"]["values"]] == ["Jardin partagé <b>(test)</b>"]
    assert {t["field"] for t in projets["encoding"]["tooltip"]} >= {"titre", "porteur", "commune"}
    profile = json.dumps([df.value.to_dict() for df in terr.dataframe], default=str, ensure_ascii=False)
    assert "Jardin partagé <b>(test)</b>" in profile


def _carte(at) -> dict:
    """The spec of the commune map drawn by a page (the Vega-Lite chart with the commune selection)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if any(p.get("name") == "commune" for layer in spec.get("layer", []) for p in layer.get("params", [])):
            return spec
    raise AssertionError("aucune carte des communes sur la page")


@pytest.mark.parametrize("vote", ["abc", "999999", "-1", "99999999999999999999", "2147483648"])  # huge: issue 21
def test_a_broken_vote_link_says_so(store, vote):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params["vote"] = vote
    at.query_params["jeton"] = "<b>**x**</b>"
    at.run()
    at.switch_page("pages/panel.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] in (["Lien de vote invalide : ce vote est introuvable."],
                                           ["Ce vote n'existe pas : vérifiez le lien."])


def test_panel_history_holds_no_code_and_no_ballot(store):
    """Issue 21 (high): a panel member's « Historique » tab lists the vote, never its codes' digests nor
    the ballots (their scores beside the code that cast them, under one operation)."""
    p = Panel(store)
    seance = p.creer(AGENT, "panel_seances", date="2027-03-12", lieu="Salle (test)", groupe="Groupe (test)")
    vote_id = p.creer_vote(AGENT, seance, "grille", "Situation (test)",
                           [{"id": "neutralite_carbone", "libelle": "Neutralité carbone"}])
    codes = p.generer_codes(AGENT, vote_id, 2)
    p.ouvrir_vote(AGENT, vote_id, p.vote(vote_id)["version"])
    p.voter(vote_id, codes[0], {"neutralite_carbone": 4})
    digest = __import__("barometre.pilotage.panel", fromlist=["x"]).empreinte_code(vote_id, codes[1])
    at = sign_in(goto("pages/panel.py"), "panel")
    shown = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "Situation (test)" in shown  # the history is there, with the vote
    assert digest not in shown and digest[:16] not in shown
    assert "neutralite_carbone\": 4" not in shown and "code de vote" not in shown.lower()
