"""The panel's and the label's records in the store, on SQLite and PostgreSQL (``db_url``,
tests/conftest.py): each role's allowed and refused writes and reads (checked by the store itself),
contributions → criteria → adopted version, a vote with 40 one-time codes (all counted, a reused code
refused, no vote outside the opening), its adopted weighting, a recommendation answered with a linked
action, a labelled project, history and revert.

Every séance, contribution, criterion, recommendation and project below is test content written here,
not the panel's.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from barometre.calculs import panel as calc
from barometre.pilotage.panel import CODES_MAX, Panel, RefusLecture, empreinte_code
from barometre.pilotage.store import (
    DOMAINES,
    ROLES,
    ConflitEdition,
    DonneesInvalides,
    RefusEcriture,
    Store,
    Utilisateur,
)
from tests.comptes import ADMIN, AGENT, LECTEUR, PANEL, USERS

DIMS = [{"id": "moyens_de_vie", "libelle": "Moyens de vie"}, {"id": "engagement", "libelle": "Engagement"},
        {"id": "services", "libelle": "Services"}]


@pytest.fixture
def panel(store) -> Panel:
    return Panel(store)


def _seance(p: Panel, user: Utilisateur = AGENT) -> int:
    return p.creer(user, "panel_seances", date="2027-03-12", lieu="Salle de test", groupe="Groupe de test")


def _n_historique(s: Store) -> int:
    return s.historique(limite=100_000).height


# ---------------------------------------------------------------- roles
def _ecritures(p: Panel) -> dict[str, tuple[str, callable]]:
    seance = _seance(p, ADMIN)
    reco = p.creer(ADMIN, "panel_recommandations", date="2027-03-12", texte="Recommandation de test",
                   engagement="E1")
    appel = p.creer(ADMIN, "label_appels", libelle="Appel de test", annee=2027, date_ouverture="2027-01-10",
                    criteres=["Critère de test"])
    return {
        "séance": ("panel_animation", lambda u: _seance(p, u)),
        "contribution": ("panel_contributions", lambda u: p.creer(
            u, "panel_contributions", seance_id=seance, nature="bien_etre", texte="Texte de test")),
        "critère": ("panel_contributions", lambda u: p.creer(
            u, "panel_criteres", famille="relations", libelle="Critère de test", a_construire=True)),
        "vote": ("panel_animation", lambda u: p.creer_vote(u, seance, "ponderation_bien_etre", "Vote", DIMS)),
        "recommandation": ("panel_recommandations", lambda u: p.creer(
            u, "panel_recommandations", date="2027-03-12", texte="Autre recommandation", engagement="E2")),
        "réponse": ("panel_reponses", lambda u: p.repondre(
            u, reco, 0, decision="a_l_etude", motif="Motif de test", date_reponse="2027-04-01")),
        "appel": ("label", lambda u: p.creer(u, "label_appels", libelle=f"Appel {uuid.uuid4().hex[:6]}",
                                             annee=2028, date_ouverture="2028-01-10", criteres=["c"])),
        "candidature": ("label", lambda u: p.creer(
            u, "label_candidatures", appel_id=appel, porteur="Porteur de test", type_porteur="association",
            commune="59172", engagement="E1", titre="Projet de test", description="Description de test")),
    }


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_allowed_and_refused_writes(store, panel, role):
    user = USERS[role]
    for name, (domaine, write) in _ecritures(panel).items():
        before = _n_historique(store)
        if role in DOMAINES[domaine]:
            write(user)
            assert _n_historique(store) > before, f"{role} / {name}: allowed write not journaled"
        else:
            with pytest.raises(RefusEcriture, match="ne permet pas"):
                write(user)
            assert _n_historique(store) == before, f"{role} / {name}: refused write left a trace"


def test_domains_are_those_of_the_issue():
    assert DOMAINES["panel_contributions"] == ("panel", "agent", "admin")
    assert DOMAINES["panel_recommandations"] == ("panel", "agent", "admin")
    for d in ("panel_animation", "panel_reponses", "label"):
        assert DOMAINES[d] == ("agent", "admin")


def test_reads_signed_out_see_public_results_only(store, panel):
    seance = _seance(panel)
    panel.creer(PANEL, "panel_contributions", seance_id=seance, nature="mal_etre", texte="Texte privé de test",
                famille="relations")
    for user in (None, LECTEUR, Utilisateur("inconnu", "panel")):
        with pytest.raises((RefusLecture, RefusEcriture)):
            panel.contributions(user)
        with pytest.raises((RefusLecture, RefusEcriture)):
            panel.criteres(user)
        with pytest.raises((RefusLecture, RefusEcriture)):
            panel.candidatures(user)
    with pytest.raises(RefusLecture):
        panel.candidatures(PANEL)
    assert panel.contributions(PANEL)["texte"].to_list() == ["Texte privé de test"]
    counts = panel.comptes_contributions()  # public: counts, no text
    assert "texte" not in counts.columns
    row = counts.filter(counts["famille"] == "relations").row(0, named=True)
    assert row["Total"] == 1 and row[calc.NATURES["mal_etre"]] == 1


# ---------------------------------------------------------------- contributions → criteria → adopted version
def test_contributions_criteria_and_adoption(store, panel):
    seance = _seance(panel)
    ids = [panel.creer(AGENT, "panel_contributions", seance_id=seance, nature=n, texte=f"Contribution {i}")
           for i, n in enumerate(["bien_etre", "mal_etre", "je_peux", "agglo_peut"])]
    v = store.ligne("panel_contributions", ids[0])["version"]
    panel.modifier(PANEL, "panel_contributions", ids[0], v, famille="engagement")  # the panel groups it
    with pytest.raises(DonneesInvalides, match="famille"):
        panel.modifier(PANEL, "panel_contributions", ids[1], 1, famille="inconnue")
    with pytest.raises(DonneesInvalides, match="indicateur"):
        panel.creer(PANEL, "panel_criteres", famille="engagement", libelle="Sans indicateur")
    c1 = panel.creer(PANEL, "panel_criteres", famille="engagement", libelle="Avoir un emploi",
                     indicateurs=["taux_chomage_15_64"])
    c2 = panel.creer(PANEL, "panel_criteres", famille="relations", libelle="Se sentir entouré",
                     a_construire=True)
    assert panel.criteres_adoptes() == (None, [])
    with pytest.raises(RefusEcriture):
        panel.adopter_criteres(PANEL, "Version 1", "2027-03-12", [c1, c2])
    panel.adopter_criteres(AGENT, "Version 1", "2027-03-12", [c1, c2], seance)
    version, crits = panel.criteres_adoptes()
    assert version["libelle"] == "Version 1"
    assert [c["libelle"] for c in crits] == ["Avoir un emploi", "Se sentir entouré"]
    # the version is frozen: changing a criterion afterwards does not change what was adopted
    panel.modifier(PANEL, "panel_criteres", c1, 1, libelle="Avoir un emploi stable")
    assert panel.criteres_adoptes()[1][0]["libelle"] == "Avoir un emploi"


# ---------------------------------------------------------------- votes
def _vote_ouvert(p: Panel, n_codes: int) -> tuple[int, list[str]]:
    seance = _seance(p)
    vote_id = p.creer_vote(AGENT, seance, "ponderation_bien_etre", "Pondération du panel (test)", DIMS)
    codes = p.generer_codes(AGENT, vote_id, n_codes)
    p.ouvrir_vote(AGENT, vote_id, p.vote(vote_id)["version"])
    return vote_id, codes


def test_forty_voters_all_counted_reused_code_refused_weighting_adopted(store, panel):
    vote_id, codes = _vote_ouvert(panel, 40)
    assert len(set(codes)) == 40
    ballots = [{"moyens_de_vie": i % 6, "engagement": 3, "services": 5 - (i % 2)} for i in range(40)]
    for code, ballot in zip(codes, ballots, strict=True):
        panel.voter(vote_id, code.lower().replace("-", " "), ballot)  # case, dashes, spaces ignored
    assert panel.nombre_votes(vote_id) == 40
    assert panel.nombre_codes(vote_id) == (40, 40)
    with pytest.raises(RefusEcriture, match="déjà servi"):
        panel.voter(vote_id, codes[0], ballots[0])
    with pytest.raises(RefusEcriture, match="inconnu"):
        panel.voter(vote_id, "AAAA-AAAA", ballots[0])
    assert panel.nombre_votes(vote_id) == 40
    with pytest.raises(RefusEcriture):
        panel.clore_vote(PANEL, vote_id, panel.vote(vote_id)["version"], "2027-03-12")
    panel.clore_vote(AGENT, vote_id, panel.vote(vote_id)["version"], "2027-03-12")
    vote = panel.vote(vote_id)
    assert vote["statut"] == "close" and vote["resultat"]["n"] == 40
    res = {o["objet"]: o for o in vote["resultat"]["objets"]}
    # moyens_de_vie: ratings 0..5 cycling over 40 ballots → 7,7,7,7,6,6 ballots; mean 96 / 40 = 2.4 → 2
    assert res["moyens_de_vie"]["distribution"] == {"0": 7, "1": 7, "2": 7, "3": 7, "4": 6, "5": 6}
    assert res["moyens_de_vie"]["moyenne"] == pytest.approx(96 / 40)
    assert res["moyens_de_vie"]["note_retenue"] == 2
    assert res["services"]["distribution"]["5"] == 20 and res["services"]["distribution"]["4"] == 20
    assert res["services"]["note_retenue"] == 5  # mean 4.5, half up
    p = panel.ponderation_du_vote(vote_id)  # the store's weighting record, adopted by the vote
    assert p["notes"] == {"moyens_de_vie": 2, "engagement": 3, "services": 5} and p["date"] == "2027-03-12"
    assert p["statut"] == "adoptee" and p["adoptee_par"] == "agent" and p["origine"] == f"vote n° {vote_id}"
    assert store.ponderation_adoptee()["id"] == p["id"]  # the index page's default from now on
    assert vote["resultat"]["poids"]["services"] == pytest.approx(0.5)
    # closed: no more ballots, no more codes
    fresh = codes[-1]
    with pytest.raises(RefusEcriture, match="clos"):
        panel.voter(vote_id, fresh, ballots[0])
    with pytest.raises(RefusEcriture, match="clos"):
        panel.generer_codes(AGENT, vote_id, 1)


def test_codes_valid_only_during_the_vote_and_only_digests_stored(store, panel):
    seance = _seance(panel)
    vote_id = panel.creer_vote(AGENT, seance, "grille", "Situation (test)",
                               [{"id": "neutralite_carbone", "libelle": "Neutralité carbone"}])
    codes = panel.generer_codes(AGENT, vote_id, 3)
    with pytest.raises(RefusEcriture, match="pas encore ouvert"):
        panel.voter(vote_id, codes[0], {"neutralite_carbone": 3})
    panel.ouvrir_vote(AGENT, vote_id, panel.vote(vote_id)["version"])
    with pytest.raises(DonneesInvalides):
        panel.voter(vote_id, codes[0], {"neutralite_carbone": 9})
    with pytest.raises(DonneesInvalides):
        panel.voter(vote_id, codes[0], {})
    panel.voter(vote_id, codes[0], {"neutralite_carbone": 4})  # the refused attempts did not use the code
    assert panel.nombre_votes(vote_id) == 1
    with pytest.raises(DonneesInvalides):
        panel.generer_codes(AGENT, vote_id, CODES_MAX + 1)
    panel.clore_vote(AGENT, vote_id, panel.vote(vote_id)["version"], "2027-03-12")
    assert store.ponderation_adoptee() is None  # a grille vote adopts no weighting


def _toutes_les_valeurs(s: Store, sauf: set[str]) -> str:
    """Every value of every table of the database (history included), as one text, except ``sauf``."""
    import sqlalchemy as sa

    from barometre.pilotage.store import metadata

    out = []
    with s.engine.connect() as conn:
        for t in metadata.sorted_tables:
            if t.name not in sauf:
                out += [" ".join(str(v) for v in r) for r in conn.execute(sa.select(t))]
    return "\n".join(out)


def test_secret_ballot_nothing_links_a_ballot_to_its_code(store, panel):
    """Issue 21 (high): no history row, export or shared field links a ballot to the code that cast it,
    and a stored code digest cannot be searched offline without the server secret."""
    import hashlib

    import sqlalchemy as sa

    from barometre.pilotage.panel import t_bulletins, t_codes

    vote_id, codes = _vote_ouvert(panel, 3)
    panel.voter(vote_id, codes[2], {"moyens_de_vie": 5, "engagement": 0, "services": 1})
    panel.voter(vote_id, codes[0], {"moyens_de_vie": 2, "engagement": 4, "services": 3})
    # codes and ballots never reach the journal: nothing to show in « Historique », nothing to export
    h = store.historique(limite=100_000)
    assert not set(h["table_nom"].to_list()) & {"panel_codes", "panel_bulletins"}
    with store.engine.connect() as conn:
        code_rows = [dict(r._mapping) for r in conn.execute(sa.select(t_codes).order_by(t_codes.c.id))]
        ballots = [dict(r._mapping) for r in conn.execute(sa.select(t_bulletins))]
    digests = [r["empreinte"] for r in code_rows]
    everything = _toutes_les_valeurs(store, sauf={"panel_codes"})
    assert not any(d in everything for d in digests)  # a digest lives in its own table only
    assert '"moyens_de_vie": 5' not in " ".join(h["apres"].drop_nulls().to_list())
    # stored keyed: not the plain SHA-256 of the vote and the code (searchable offline over ~40 bits)
    plain = hashlib.sha256(f"{vote_id}:{codes[1].replace('-', '')}".encode()).hexdigest()
    assert plain not in digests and empreinte_code(vote_id, codes[1]) in digests
    # no shared time, order or operation: used codes and ballots carry only the vote's opening time
    ouvert = panel.vote(vote_id)["ouvert_le"]
    used = [r for r in code_rows if r["utilise_le"] is not None]
    assert len(used) == 2 and {r["utilise_le"] for r in used} == {ouvert}
    assert {r["modifie_le"] for r in used} == {r["modifie_le"] for r in code_rows if r["utilise_le"] is None}
    assert {r["version"] for r in code_rows} == {1}
    assert {b["modifie_le"] for b in ballots} == {ouvert}
    assert {b["modifie_par"] for b in ballots} == {"(code de vote)"}
    # ballot ids are random, not the casting order (1, 2, …)
    assert sorted(b["id"] for b in ballots) != [1, 2]
    # and a vote still cannot reuse a code
    with pytest.raises(RefusEcriture, match="déjà servi"):
        panel.voter(vote_id, codes[0], {"moyens_de_vie": 1, "engagement": 1, "services": 1})


def test_old_databases_lose_their_ballot_traces(store, panel):
    """Rows journaled by earlier versions (a digest, a ballot's scores, a shared operation) are purged when
    the panel's tables are opened."""
    import sqlalchemy as sa

    from barometre.pilotage import panel as panel_mod
    from barometre.pilotage.store import t_historique

    vote_id, codes = _vote_ouvert(panel, 1)
    panel.voter(vote_id, codes[0], {"moyens_de_vie": 5, "engagement": 0, "services": 1})
    with store.engine.begin() as conn:
        conn.execute(t_historique.insert(), [
            {"operation": "x" * 36, "table_nom": t, "ligne": "1", "champ": "notes", "avant": None,
             "apres": '"secret"', "nature": "creation", "login": "(code de vote)", "role": "panel",
             "horodatage": "2027-03-12T10:00:00", "annule": None} for t in ("panel_codes", "panel_bulletins")])
        conn.execute(panel_mod.t_bulletins.update().values(modifie_le="2027-03-12T10:03:17"))
    panel_mod._SCHEMAS_CREES.discard(store.engine)
    Panel(store)
    assert not set(store.historique(limite=1000)["table_nom"].to_list()) & {"panel_codes", "panel_bulletins"}
    with store.engine.connect() as conn:
        assert set(conn.execute(sa.select(panel_mod.t_bulletins.c.modifie_le)).scalars()) == {
            panel.vote(vote_id)["ouvert_le"]}


def test_closing_is_revertable_and_reopens_the_vote(store, panel):
    vote_id, codes = _vote_ouvert(panel, 2)
    panel.voter(vote_id, codes[0], {"moyens_de_vie": 1, "engagement": 2, "services": 3})
    panel.clore_vote(AGENT, vote_id, panel.vote(vote_id)["version"], "2027-03-12")
    assert store.ponderation_adoptee() is not None
    op = store.historique(["panel_votes"], limite=1)["operation"][0]
    store.annuler(AGENT, op)
    assert panel.vote(vote_id)["statut"] == "ouverte" and store.ponderation_adoptee() is None
    panel.voter(vote_id, codes[1], {"moyens_de_vie": 5, "engagement": 2, "services": 3})
    assert panel.nombre_votes(vote_id) == 2


def test_concurrent_close_is_a_conflict(store, panel):
    vote_id, codes = _vote_ouvert(panel, 1)
    panel.voter(vote_id, codes[0], {"moyens_de_vie": 1, "engagement": 2, "services": 3})
    v = panel.vote(vote_id)["version"]
    panel.clore_vote(AGENT, vote_id, v, "2027-03-12")
    with pytest.raises(RefusEcriture):
        panel.clore_vote(ADMIN, vote_id, v, "2027-03-12")


# ---------------------------------------------------------------- recommendations
def test_recommendation_answered_with_linked_action(store, panel):
    reco = panel.creer(PANEL, "panel_recommandations", date="2027-03-12", texte="Recommandation de test",
                       engagement="E2", orientation="E2_O4", critere="neutralite_carbone",
                       indicateurs=["cae_1.b"], echeance_reponse="2027-06-30")
    with pytest.raises(DonneesInvalides, match="Critère"):
        panel.creer(PANEL, "panel_recommandations", date="2027-03-12", texte="x", engagement="E2",
                    critere="inconnu")
    with pytest.raises(DonneesInvalides):
        panel.creer(PANEL, "panel_recommandations", date="2027-03-12", texte="x", engagement="E2",
                    echeance_reponse="2027-01-01")
    suivi = panel.suivi(date(2027, 7, 1))
    assert suivi["etat"].to_list() == [calc.ETAT_EN_RETARD] and suivi["en_retard"].to_list() == [True]
    action = store.creer_action(AGENT, engagement="E2", orientation="E2_O4", libelle="Action corrective (test)")
    jalon = store.creer_jalon(AGENT, action_id=action, libelle="Jalon (test)")
    with pytest.raises(RefusEcriture):
        panel.repondre(PANEL, reco, 0, decision="retenue", motif="m", date_reponse="2027-07-02")
    with pytest.raises(DonneesInvalides, match="action"):
        panel.repondre(AGENT, reco, 0, decision="retenue", motif="m", date_reponse="2027-07-02", action_id=9999)
    panel.repondre(AGENT, reco, 0, decision="retenue", motif="Motif de test", date_reponse="2027-07-02",
                   deliberation="D-2027-042", action_id=action, jalon_id=jalon)
    row = panel.suivi(date(2027, 8, 1)).row(0, named=True)
    assert row["etat"] == "Retenue" and row["en_retard"] is True  # answered after the expected date
    assert row["action_id"] == action and row["jalon_id"] == jalon and row["deliberation"] == "D-2027-042"
    with pytest.raises(ConflitEdition):
        panel.repondre(AGENT, reco, 0, decision="non_retenue", motif="m", date_reponse="2027-07-03")
    panel.repondre(ADMIN, reco, 1, decision="a_l_etude", motif="Motif révisé", date_reponse="2027-07-03")
    assert panel.reponses()["decision"].to_list() == ["a_l_etude"]


# ---------------------------------------------------------------- label
def test_label_application_decision_and_public_list(store, panel):
    appel = panel.creer(AGENT, "label_appels", libelle="Appel 2027 (test)", annee=2027,
                        date_ouverture="2027-01-10", criteres=["Sobriété (E1)", "Cohésion (E3)"])
    cand = panel.creer(AGENT, "label_candidatures", appel_id=appel, porteur="Association de test",
                       type_porteur="association", commune="59172", lieu="Rue de test", engagement="E1",
                       orientations=["E1_O1"], titre="Projet de test", description="Description de test",
                       effets="Effets attendus de test", indicateurs=["cae_1.b"])
    with pytest.raises(DonneesInvalides, match="Orientation"):
        panel.creer(AGENT, "label_candidatures", appel_id=appel, porteur="P", type_porteur="commune",
                    commune="59172", engagement="E1", orientations=["E2_O4"], titre="T", description="D")
    with pytest.raises(DonneesInvalides):
        panel.creer(AGENT, "label_candidatures", appel_id=appel, porteur="P", type_porteur="club",
                    commune="59172", engagement="E1", titre="T", description="D")
    assert panel.projets_labellises().is_empty()
    with pytest.raises(DonneesInvalides, match="date"):
        panel.decider(AGENT, cand, 1, "labellise", None, "")
    with pytest.raises(RefusEcriture):
        panel.decider(PANEL, cand, 1, "labellise", "2027-05-01", "Motifs de test")
    panel.decider(AGENT, cand, 1, "labellise", "2027-05-01", "Motifs de test")
    lab = panel.projets_labellises()
    assert lab["titre"].to_list() == ["Projet de test"] and lab["orientations"].to_list() == [["E1_O1"]]
    # revert the decision: the project leaves the public list
    op = store.historique(["label_candidatures"], limite=1)["operation"][0]
    store.annuler(AGENT, op)
    assert panel.projets_labellises().is_empty()


def test_history_records_who_did_what(store, panel):
    seance = _seance(panel)
    cid = panel.creer(PANEL, "panel_contributions", seance_id=seance, nature="je_peux", texte="Texte (test)")
    h = store.historique(["panel_contributions"], ligne=cid)
    assert set(h["login"]) == {"panel"} and json.loads(h.filter(h["champ"] == "texte")["apres"][0]) == "Texte (test)"


def test_recommendations_in_the_grille_export_with_formulas_neutralised(store, panel):
    import io

    from openpyxl import load_workbook

    from barometre.formats import neutraliser_df
    from barometre.pilotage.exports import grille_xlsx
    from barometre.pilotage.panel import tableau_recommandations

    panel.creer(PANEL, "panel_recommandations", date="2027-03-12", texte="=HYPERLINK(\"https://x\";\"y\")",
                engagement="E1", critere="neutralite_carbone")
    table = tableau_recommandations(panel.suivi(date(2027, 3, 13)), {"neutralite_carbone": "Neutralité carbone"},
                                    {}, {})
    assert table.row(0, named=True)["Critère de la grille"] == "Neutralité carbone"
    assert table.row(0, named=True)["État"] == calc.ETAT_PROPOSEE
    data = grille_xlsx({"Recommandations du panel": neutraliser_df(table)}, "Grille — test")
    sheet = load_workbook(io.BytesIO(data))["Recommandations du panel"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "'=HYPERLINK(\"https://x\";\"y\")" in values and not any(str(v).startswith("=") for v in values)


def test_votes_and_adopted_versions_only_through_their_own_methods(store, panel):
    vote_id, _ = _vote_ouvert(panel, 1)
    with pytest.raises(DonneesInvalides, match="méthode dédiée"):
        store.modifier(ADMIN, "panel_votes", vote_id, panel.vote(vote_id)["version"], statut="close")
    with pytest.raises(DonneesInvalides, match="méthode dédiée"):
        store.creer(ADMIN, "panel_bulletins", vote_id=vote_id, notes="{}")
    with pytest.raises(DonneesInvalides):
        panel.modifier(ADMIN, "panel_versions_criteres", 1, 1, libelle="x")
    assert panel.vote(vote_id)["statut"] == "ouverte" and panel.nombre_votes(vote_id) == 0


def test_a_ballot_cast_while_the_vote_closes_is_counted_or_refused(store, panel, monkeypatch):
    """Issue 21 (medium): casting and closing serialise on the vote. The closing is started while a ballot
    is between its checks and its write; the ballot is then either refused or counted in the frozen result,
    never told « enregistré » and left out (PostgreSQL, read committed, before the row lock)."""
    import threading

    from barometre.pilotage import panel as panel_mod

    vote_id, codes = _vote_ouvert(panel, 2)
    panel.voter(vote_id, codes[0], {"moyens_de_vie": 1, "engagement": 2, "services": 3})
    version = panel.vote(vote_id)["version"]
    closing = threading.Thread(target=lambda: panel.clore_vote(AGENT, vote_id, version, "2027-03-12"))
    original = panel_mod.Panel._id_bulletin

    def close_meanwhile(conn):
        closing.start()
        closing.join(timeout=3)  # with the lock the closing waits for this ballot; without, it ends first
        return original(conn)

    monkeypatch.setattr(panel_mod.Panel, "_id_bulletin", staticmethod(close_meanwhile))
    panel.voter(vote_id, codes[1], {"moyens_de_vie": 5, "engagement": 5, "services": 5})  # told: recorded
    closing.join()
    vote = panel.vote(vote_id)
    assert vote["statut"] == "close"
    assert vote["resultat"]["n"] == panel.nombre_votes(vote_id) == 2


def test_guessing_codes_from_one_address_is_slowed(store, panel):
    """Issue 21: the ballot form was unthrottled (codes could be guessed online at any rate)."""
    from barometre.pilotage.panel import CODES_ERRONES_LIBRES

    vote_id, codes = _vote_ouvert(panel, 1)
    ballot = {"moyens_de_vie": 1, "engagement": 2, "services": 3}
    for _ in range(CODES_ERRONES_LIBRES):
        with pytest.raises(RefusEcriture, match="inconnu"):
            panel.voter(vote_id, "AAAA-AAAA", ballot, adresse="203.0.113.50")
    with pytest.raises(RefusEcriture, match="Trop de codes erronés"):  # even a right code waits its turn
        panel.voter(vote_id, codes[0], ballot, adresse="203.0.113.50")
    panel.voter(vote_id, codes[0], ballot, adresse="203.0.113.51")  # another phone in the room is not held up
    assert panel.nombre_votes(vote_id) == 1
