"""Pilotage tests: the structure taken from the project's text, the pure functions behind the grille and
jalons pages (situation T vs T−1, late flags, progress, resources, accounting CSV, exports, timeline), and
both pages through ``AppTest``, signed out and signed in (panel, agent, lecteur, admin), including a
conflict shown to the second editor and the projection view.

Each page test gets its own empty SQLite database (``BAROMETRE_DATABASE_URL``); the actions, milestones
and texts written here are test examples, not the project's content.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from argon2 import PasswordHasher
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from barometre.catalogue import load_catalogue
from barometre.charts import pilotage as charts_pilotage
from barometre.charts.indicateurs import HIGHLIGHT
from barometre.pilotage import auth
from barometre.pilotage import exports as exports_pilotage
from barometre.pilotage import structure as pilotage
from barometre.pilotage.store import Store, Utilisateur
from barometre.settings import PROJECT_ROOT, get_settings
from barometre.sources.csvread import IngestError

STRUCTURE = pilotage.charger_structure()
CATALOGUE = load_catalogue(get_settings().catalogue_dir)
SEED = PROJECT_ROOT.parent / "shared" / "seed" / "projet-de-territoire-2044.txt"
PAGES = PROJECT_ROOT / "pages"
TIMEOUT_S = 60
MDP = "mot-de-passe-de-test"
TODAY = date(2026, 1, 15)

# The nine emblematic projects, in the project's numbering (its lines 1658-1671 and 3933-3946).
PROJETS = ["Pôle de référence du rail", "Reconstruire la ville à l'échelle du Bassin Minier",
           "Fabrique des savoirs et de la citoyenneté",
           "Réseau communautaire des restaurations scolaires et collectives", "Pôle de référence du vélo",
           "Espaces de nature et de loisirs communautaires", "Station thermale", "Zones d'activités premium",
           "Ouverture du Site Minier Arenberg Porte du Hainaut"]


# ---------------------------------------------------------------- structure from the project's text
def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


STOP = {"de", "la", "le", "les", "des", "et", "du", "au", "aux", "en", "pour", "par", "un", "une", "notre", "nos",
        "entre", "est"}


def test_structure_is_the_projects():
    s = STRUCTURE
    assert [e.id for e in s.engagements] == ["E1", "E2", "E3"]
    assert [len(s.orientations_de(e)) for e in ("E1", "E2", "E3")] == [5, 7, 5]
    assert [p.libelle for p in sorted(s.projets, key=lambda p: p.numero)] == PROJETS
    assert [len(s.projets_de(e)) for e in ("E1", "E2", "E3")] == [3, 3, 3]
    volets = [c.volet for c in s.criteres]
    assert volets.count("environnement") == 7 and volets.count("qualite_de_vie") == 12
    assert {c.groupe for c in s.criteres if c.volet == "qualite_de_vie"} == {"gouvernance", "cadre_de_vie"}


@pytest.mark.skipif(not SEED.exists(), reason=f"texte du projet absent ({SEED})")
def test_structure_cites_the_lines_it_comes_from():
    """Every entry's cited lines of the project's text contain its label (OCR'd text: accents and case
    ignored; an engagement's section heading is « ENGAGEMENT n »)."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    entries = [*STRUCTURE.engagements, *STRUCTURE.orientations, *STRUCTURE.projets, *STRUCTURE.criteres]
    for entry in entries:
        words = {w for w in re.findall(r"[a-z0-9]+", _norm(entry.libelle)) if w not in STOP and len(w) > 2}
        for part in entry.ligne.split(","):
            first, _, last = part.strip().partition("-")
            text = _norm(" ".join(lines[int(first) - 1:int(last or first)]))
            numero = getattr(entry, "numero", None)
            ok = any(w in text for w in words) or (entry.id.startswith("E") and f"engagement {numero}" in text)
            assert ok, (entry.id, part, text[:120])


def test_criteria_link_to_catalogue_names_that_exist():
    names = {i.critere_grille for i in CATALOGUE.indicateurs if i.critere_grille}
    for crit in STRUCTURE.criteres:
        if crit.catalogue:
            assert set(crit.catalogue) <= names, (crit.id, crit.catalogue)
    linked = pilotage.indicateurs_par_critere(STRUCTURE, CATALOGUE)
    assert linked["neutralite_carbone"] and linked["esperance_vie"]


# ---------------------------------------------------------------- pure functions
def test_late_flag_is_computed_from_dates():
    f = pilotage.etat_retard
    assert f("2026-01-14", None, "en_cours", TODAY) == "en retard"
    assert f("2026-01-14", None, "a_renseigner", TODAY) == "en retard"
    assert f("2026-01-15", None, "prevu", TODAY) == ""
    assert f("2026-01-14", "2026-01-20", "atteint", TODAY) == "atteint en retard"
    assert f("2026-01-14", "2026-01-10", "atteint", TODAY) == ""
    assert f("2025-01-01", None, "abandonne", TODAY) == ""
    assert f(None, None, "en_cours", TODAY) == ""


def test_tendance_reads_the_direction():
    assert pilotage.tendance(-2.0, "baisse_favorable") == "favorable"
    assert pilotage.tendance(-2.0, "hausse_favorable") == "défavorable"
    assert pilotage.tendance(1.0, "neutre") == "neutre"
    assert pilotage.tendance(0.0, "hausse_favorable") == "stable"
    assert pilotage.tendance(None, "hausse_favorable") == ""


def _dernieres(rows: list[dict]) -> pl.DataFrame:
    base = {"ventilation": "", "secret": False, "annee_precedente": None, "valeur_precedente": None,
            "evolution": None}
    return pl.DataFrame([base | r for r in rows])


def test_situation_from_linked_indicators_with_vintages():
    ind = CATALOGUE.indicateur("taux_chomage_15_64")
    d = _dernieres([{"indicateur": ind.id, "annee": 2022, "valeur": 17.6, "annee_precedente": 2016,
                     "valeur_precedente": 19.0, "evolution": -1.4}])
    sit = pilotage.situation_grille(STRUCTURE, CATALOGUE, d)
    row = sit.filter(pl.col("indicateur") == ind.id).row(0, named=True)
    assert row["critere"] == "acces_emploi" and row["tendance"] == "favorable"
    assert "(2022)" in row["texte"] and "(2016)" in row["texte"] and "−1,4 pt" in row["texte"]
    missing = sit.filter(pl.col("indicateur") == "taux_activite_15_64")["texte"][0]
    assert "non disponible" in missing  # an indicator without values says so
    resume = pilotage.resume_situation(STRUCTURE, sit)
    assert resume["cooperation_acteurs"] == "Aucun indicateur du baromètre rattaché à ce critère."


def test_tableau_and_comparison_start_a_renseigner():
    lignes = pl.DataFrame([{"critere": "handicap", "positionnement": "", "impacts": "Texte d'exemple",
                            "acquis": "", "difficultes": "", "objectifs": ""}])
    tab = pilotage.tableau_grille(STRUCTURE, lignes, {})
    assert tab.height == 19
    row = tab.filter(pl.col("critere") == "handicap").row(0, named=True)
    assert row["Impacts imputables au projet de territoire"] == "Texte d'exemple"
    assert row["Acquis consolidés"] == pilotage.A_RENSEIGNER
    comp = pilotage.comparaison_editions(STRUCTURE, {"2027": lignes, "2030": lignes.clear()}, "impacts")
    assert comp.columns == ["Critère", "2027", "2030"]
    assert comp.filter(pl.col("Critère") == "Inclusion des personnes en situation de handicap").row(0) == (
        "Inclusion des personnes en situation de handicap", "Texte d'exemple", pilotage.A_RENSEIGNER)


def _actions_jalons() -> tuple[pl.DataFrame, pl.DataFrame]:
    actions = pl.DataFrame([
        {"id": 1, "engagement": "E2", "projet": "P5", "libelle": "Action A", "code_fonctionnel": "F-01",
         "indicateurs_impact": ["part_domicile_travail_velo"]},
        {"id": 2, "engagement": "E1", "projet": "", "libelle": "Action B", "code_fonctionnel": "",
         "indicateurs_impact": []},
    ])
    jalons = pl.DataFrame([
        {"id": 1, "action_id": 1, "libelle": "J1", "date_debut": "2025-01-01", "date_prevue": "2025-06-30",
         "date_atteinte": "2025-06-01", "statut": "atteint", "responsable": "X"},
        {"id": 2, "action_id": 1, "libelle": "J2", "date_debut": None, "date_prevue": "2025-12-31",
         "date_atteinte": None, "statut": "en_cours", "responsable": "X"},
        {"id": 3, "action_id": 2, "libelle": "J3", "date_debut": None, "date_prevue": None,
         "date_atteinte": None, "statut": "a_renseigner", "responsable": ""},
    ])
    return actions, jalons


def test_progress_per_engagement_and_project():
    actions, jalons = _actions_jalons()
    eng = {r["id"]: r for r in pilotage.avancement(STRUCTURE, actions, jalons, TODAY).iter_rows(named=True)}
    assert (eng["E2"]["jalons"], eng["E2"]["atteints"], eng["E2"]["en_retard"], eng["E2"]["part_atteints"]) == (
        2, 1, 1, 50.0)
    assert (eng["E1"]["a_renseigner"], eng["E3"]["jalons"], eng["E3"]["part_atteints"]) == (1, 0, None)
    proj = pilotage.avancement(STRUCTURE, actions, jalons, TODAY, "projet")
    assert proj.height == 9 and proj.filter(pl.col("id") == "P5")["actions"][0] == 1


def test_attribution_puts_impacts_beside_milestones():
    actions, jalons = _actions_jalons()
    d = _dernieres([{"indicateur": "part_domicile_travail_velo", "annee": 2022, "valeur": 2.0,
                     "annee_precedente": 2016, "valeur_precedente": 1.5, "evolution": 0.5}])
    attr = pilotage.attribution(actions, jalons, CATALOGUE, d, TODAY)
    assert attr.height == 1
    row = attr.row(0, named=True)
    assert (row["jalons_atteints"], row["jalons"], row["jalons_en_retard"], row["tendance"]) == (1, 2, 1,
                                                                                                "favorable")


def test_resources_sum_and_unknown_is_not_zero():
    actions, _ = _actions_jalons()
    r = pl.DataFrame([{"engagement": "E2", "action_id": 1, "annee": 2025, "alloue": 1000.0, "consomme": 250.0},
                      {"engagement": "E2", "action_id": None, "annee": 2025, "alloue": 500.0, "consomme": None},
                      {"engagement": "E1", "action_id": 2, "annee": 2024, "alloue": None, "consomme": None}],
                     schema_overrides={"action_id": pl.Int64})
    by_eng = {x["id"]: x for x in pilotage.ressources_par(STRUCTURE, r, actions).iter_rows(named=True)}
    assert (by_eng["E2"]["alloue"], by_eng["E2"]["consomme"], by_eng["E2"]["taux_consommation"]) == (
        1500.0, 250.0, 16.7)
    assert by_eng["E1"]["alloue"] is None and by_eng["E3"]["alloue"] is None
    by_action = pilotage.ressources_par(STRUCTURE, r, actions, "action", 2025)
    assert by_action.filter(pl.col("id") == "1")["alloue"][0] == 1000.0


def test_accounting_csv_as_french_excel_writes_it():
    actions, _ = _actions_jalons()
    text = "code_fonctionnel;annee;alloue;consomme;engagement\r\nF-01;2025;12 500,50;3 000;\r\nZ-9;2025;100;;e3\r\n"
    lignes = pilotage.lire_csv_comptable(text.encode("cp1252"), "export.csv", STRUCTURE, actions)
    assert [(x.code_fonctionnel, x.engagement, x.action_id, x.alloue, x.consomme) for x in lignes] == [
        ("F-01", "E2", 1, 12500.5, 3000.0), ("Z-9", "E3", None, 100.0, None)]
    bad = "code_fonctionnel;annee;alloue;consomme\nF-01;2025;1;1\nINCONNU;2025;1;1\n"
    with pytest.raises(IngestError) as exc:
        pilotage.lire_csv_comptable(bad.encode(), "export.csv", STRUCTURE, actions)
    assert exc.value.ligne == 3 and "aucune action" in str(exc.value)


def test_exports_xlsx_and_pdf():
    tab = pilotage.tableau_grille(STRUCTURE, pl.DataFrame(), {c.id: "Ligne 1\nLigne 2" for c in STRUCTURE.criteres})
    data = exports_pilotage.grille_xlsx({"Grille": tab.drop("critere")}, "Grille — test")
    sheet = load_workbook(io.BytesIO(data))["Grille"]
    assert sheet.cell(3, 3).value == "Critère" and sheet.max_row == 3 + 19
    assert sheet.cell(4, 3).value == "Neutralité carbone"
    pdf = exports_pilotage.grille_pdf(tab.drop("critere", "Volet", "Groupe"), "Grille — œuvre « test »", "sous-titre")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_gantt_chart_marks_late_milestones():
    actions, jalons = _actions_jalons()
    data = charts_pilotage.donnees_gantt(jalons, actions, TODAY)
    assert data.height == 2  # the milestone without a due date is not drawn (it is in the tables)
    assert set(data["etat"]) == {"Atteint", "En retard"}
    spec = charts_pilotage.gantt_chart(data, TODAY).to_dict()
    assert len(spec["layer"]) == 3
    colour = spec["layer"][1]["encoding"]["color"]["scale"]
    assert colour["range"][colour["domain"].index("En retard")] == HIGHLIGHT
    assert spec["config"]["locale"]["time"]["months"][0] == "janvier"


# ---------------------------------------------------------------- pages through AppTest
@pytest.fixture(autouse=True)
def navigation_mode(warm_server):
    """Every AppTest run of this module as on a server that already served app.py (tests/conftest.py)."""


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty database for the page, with one account per role (cheap argon2 parameters)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    url = f"sqlite:///{tmp_path / 'pilotage.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url, STRUCTURE)
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    for role in ("agent", "panel", "lecteur"):
        s.creer_compte(Utilisateur("admin", "admin"), role, role, role.capitalize(), auth.hacher(MDP))
    yield s
    s.fermer()


def open_page(name: str, **query_params: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=TIMEOUT_S)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def sign_in(at: AppTest, login: str) -> AppTest:
    at.sidebar.text_input(key="connexion_login").input(login)
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    assert_ok(at)
    assert any("Connecté·e" in m.value for m in at.sidebar.markdown), "signed in"
    return at


def plain(markdown: str) -> str:
    """Text of a message as read on screen (user text in it is shown escaped: barometre.texte)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def labels_of(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


@pytest.mark.parametrize("page", ["grille.py", "jalons.py"])
def test_pages_signed_out(store, page):
    """Browsing is open: the page shows its content, a sign-in box, and no editing control."""
    at = open_page(page)
    assert at.title[0].value in ("Grille de positionnement", "Jalons et feuilles de route")
    assert "Se connecter" in [b.label for b in at.sidebar.button]
    editing = {"Enregistrer", "Créer l'action", "Ouvrir l'édition", "Annuler cette opération", "Rattacher"}
    assert not editing & set(labels_of(at))
    assert at.dataframe, "the grille / progress tables are shown to everyone"


def test_grille_signed_out_shows_every_criterion_a_renseigner(store):
    at = open_page("grille.py")
    grille = pl.concat([pl.from_pandas(df.value) for df in at.dataframe[:2]], how="diagonal")
    assert grille.height == 19
    assert set(grille["Acquis consolidés"]) == {pilotage.A_RENSEIGNER}
    assert any("Connectez-vous" in i.value for i in at.info)
    assert {d.label for d in at.get("download_button")} >= {"Grille (XLSX)", "Grille (PDF)"}


def test_grille_files_are_made_on_click_not_on_every_run(store, monkeypatch):
    """The grid's XLSX (four sheets) and PDF are built when their button is clicked (issue #24: a select
    change on the grille reran them every time), never while the page is drawn."""
    made: list[str] = []
    monkeypatch.setattr(exports_pilotage, "grille_xlsx", lambda *a, **k: made.append("xlsx") or b"x")
    monkeypatch.setattr(exports_pilotage, "grille_pdf", lambda *a, **k: made.append("pdf") or b"x")
    at = open_page("grille.py")
    at.selectbox(key="grille_detail").set_value(STRUCTURE.criteres[1].id).run()
    assert_ok(at)
    assert {d.label for d in at.get("download_button")} >= {"Grille (XLSX)", "Grille (PDF)"}
    assert made == []


def test_grille_panel_fills_a_row_then_sees_it(store):
    edition_id = store.creer_edition(Utilisateur("agent", "agent"), "Point d'étape (test)", 2027)
    at = sign_in(open_page("grille.py"), "panel")
    key = f"grille_{edition_id}_neutralite_carbone"
    at.text_area(key=f"{key}_acquis").input("Acquis d'exemple saisi par le panel")
    button(at, "Enregistrer").click().run()
    assert_ok(at)
    lignes = store.lignes_grille(edition_id)
    assert lignes["acquis"].to_list() == ["Acquis d'exemple saisi par le panel"]
    assert lignes["modifie_par"].to_list() == ["panel"]
    shown = pl.from_pandas(at.dataframe[0].value)
    assert shown.filter(pl.col("Critère") == "Neutralité carbone")["Acquis consolidés"][0].startswith("Acquis")


def test_grille_second_editor_gets_the_conflict_message(store):
    """The panel member opens a criterion; an agent saves it first; the panel member's save is refused with
    the French conflict message, and the agent's text stays."""
    edition_id = store.creer_edition(Utilisateur("agent", "agent"), "Point d'étape (test)", 2027)
    at = sign_in(open_page("grille.py"), "panel")
    store.enregistrer_ligne_grille(Utilisateur("agent", "agent"), edition_id, "neutralite_carbone", 0,
                                   impacts="Texte de l'agent")
    at.text_area(key=f"grille_{edition_id}_neutralite_carbone_impacts").input("Texte du panel")
    button(at, "Enregistrer").click().run()
    assert not at.exception
    assert any("Conflit de modification" in plain(e.value) and "Agent (agent)" in plain(e.value) for e in at.error)
    assert store.lignes_grille(edition_id)["impacts"].to_list() == ["Texte de l'agent"]


def test_grille_lecteur_signed_in_cannot_fill(store):
    store.creer_edition(Utilisateur("agent", "agent"), "Point d'étape (test)", 2027)
    at = sign_in(open_page("grille.py"), "lecteur")
    assert any("permet de consulter" in i.value for i in at.info)
    assert "Enregistrer" not in labels_of(at)


def test_grille_agent_opens_and_validates_an_edition(store):
    at = sign_in(open_page("grille.py"), "agent")
    at.text_input(key="nouvelle_edition_libelle").input("Point d'étape (test)")
    button(at, "Ouvrir l'édition").click().run()
    assert_ok(at)
    assert store.editions()["libelle"].to_list() == ["Point d'étape (test)"]
    button(at, "Valider l'édition (après le vote du conseil)").click().run()
    assert_ok(at)
    edition = store.edition(store.editions()["id"][0])
    assert edition["statut"] == "validee" and "neutralite_carbone" in edition["situation_figee"]


def test_grille_projection_one_criterion_per_screen(store):
    at = open_page("grille.py", mode="projection", critere="2")
    assert at.header[0].value == STRUCTURE.criteres[1].libelle
    button(at, "Critère suivant ▶").click().run()
    assert_ok(at)
    assert at.header[0].value == STRUCTURE.criteres[2].libelle


def test_jalons_agent_creates_action_and_milestone(store):
    at = sign_in(open_page("jalons.py"), "agent")
    at.selectbox(key="nouvelle_action_engagement").select("E2")
    at.selectbox(key="nouvelle_action_orientation").select("E2_O4")
    at.selectbox(key="nouvelle_action_projet").select("P5")
    at.text_input(key="nouvelle_action_libelle").input("Action d'exemple (test)")
    at.multiselect(key="nouvelle_action_impact").select("part_domicile_travail_velo")
    button(at, "Créer l'action").click().run()
    assert_ok(at)
    actions = store.actions()
    assert actions["libelle"].to_list() == ["Action d'exemple (test)"]
    assert actions["indicateurs_impact"].to_list() == [["part_domicile_travail_velo"]]
    at.text_input(key="nouveau_jalon_libelle").input("Jalon d'exemple")
    at.date_input(key="nouveau_jalon_echeance").set_value(date(2020, 1, 1))
    button(at, "Ajouter le jalon").click().run()
    assert_ok(at)
    jalons = store.jalons()
    assert jalons["statut"].to_list() == ["a_renseigner"] and jalons["date_prevue"].to_list() == ["2020-01-01"]
    progress = pl.from_pandas(at.dataframe[0].value)
    assert progress.filter(pl.col("Engagement").str.starts_with("Engagement 2"))["En retard"][0] == 1
    assert at.get("vega_lite_chart"), "the timeline is drawn"
    assert "Comptes" not in [t.label for t in at.tabs]


def test_jalons_agent_edits_twice_then_deletes(store):
    """Each save keeps the row's new version for the form, so a second save in a row is accepted (no false
    conflict); deleting forgets it. Milestone first, then its action."""
    agent = Utilisateur("agent", "agent")
    action_id = store.creer_action(agent, engagement="E2", orientation="E2_O4", projet="P5",
                                   libelle="Action d'exemple (test)")
    jid = store.creer_jalon(agent, action_id=action_id, libelle="Jalon d'exemple", date_prevue=date(2030, 1, 1))
    at = sign_in(open_page("jalons.py"), "agent")
    for commentaire in ("Premier point", "Deuxième point"):
        at.text_area(key=f"jalon_{jid}_commentaire").input(commentaire)
        button(at, "Enregistrer le jalon").click().run()
        assert_ok(at)
        assert store.jalons()["commentaire"].to_list() == [commentaire]
    for libelle in ("Action renommée", "Action renommée deux fois"):
        at.text_input(key=f"action_{action_id}_libelle").input(libelle)
        button(at, "Enregistrer l'action").click().run()
        assert_ok(at)
        assert store.actions()["libelle"].to_list() == [libelle]
    button(at, "Supprimer le jalon").click().run()
    assert_ok(at)
    assert store.jalons().is_empty()
    button(at, "Supprimer l'action").click().run()
    assert_ok(at)
    assert store.actions().is_empty()


def test_jalons_panel_and_lecteur_see_no_forms(store):
    for login in ("panel", "lecteur"):
        at = sign_in(open_page("jalons.py"), login)
        assert "Créer l'action" not in labels_of(at) and "Rattacher" not in labels_of(at)


def test_administration_page_is_the_admins(store):
    """Accounts are managed on their own page (no longer under Jalons › Comptes), by administrators only;
    a weak initial password is refused in French."""
    at = sign_in(open_page("administration.py"), "admin")
    assert "Comptes" in [t.label for t in at.tabs] and "Rôles et droits" in [t.label for t in at.tabs]
    form = [t for t in at.text_input if t.label in ("Identifiant", "Nom") or t.label.startswith("Mot de passe initial")]
    form[0].input("nouvel.agent")
    form[1].input("Nouvel Agent")
    form[2].input("aaaaaaaaaaaa")
    button(at, "Créer le compte").click().run()
    assert any("trop facile" in e.value for e in at.error)
    assert store.compte("nouvel.agent") is None
    form = [t for t in at.text_input if t.label in ("Identifiant", "Nom") or t.label.startswith("Mot de passe initial")]
    form[2].input("cheval agrafe batterie correcte")
    button(at, "Créer le compte").click().run()
    assert not at.exception
    assert store.compte("nouvel.agent")["role"] == "lecteur"
    jalons = sign_in(open_page("jalons.py"), "admin")
    assert "Comptes" not in [t.label for t in jalons.tabs]


@pytest.mark.parametrize("login", [None, "agent", "panel"])
def test_administration_page_refuses_others(store, login):
    at = open_page("administration.py")
    if login:
        sign_in(at, login)
    assert "réservée aux administrateurs" in " ".join(i.value for i in at.info)
    assert "Créer le compte" not in labels_of(at) and not at.tabs


def test_administration_is_listed_in_piloter_for_admins_only(store):
    app = str(PAGES.parent / "app.py")
    anonyme = AppTest.from_file(app, default_timeout=TIMEOUT_S)
    anonyme.switch_page("pages/jalons.py")
    anonyme.run()
    liens = [p.proto.label for p in anonyme.sidebar.get("page_link")]
    assert "Jalons et feuilles de route" in liens and "Administration" not in liens
    admin = AppTest.from_file(app, default_timeout=TIMEOUT_S)
    admin.switch_page("pages/jalons.py")
    admin.run()
    sign_in(admin, "admin")
    liens = [p.proto.label for p in admin.sidebar.get("page_link")]
    # last of the « Piloter » section, just before « À propos »
    assert liens.index("Administration") == liens.index("Méthodologie & sources") - 1
    assert liens.index("Administration") > liens.index("Jalons et feuilles de route")


def test_jalons_history_and_revert_from_the_page(store):
    agent = Utilisateur("agent", "agent")
    action_id = store.creer_action(agent, engagement="E1", libelle="Action d'exemple (test)")
    store.modifier_action(agent, action_id, 1, libelle="Libellé modifié")
    at = sign_in(open_page("jalons.py"), "agent")
    history = [pl.from_pandas(df.value) for df in at.dataframe if "Avant" in df.value.columns][0]
    assert "Libellé modifié" in history["Après"].to_list()
    button(at, "Annuler cette opération").click().run()  # the newest operation is selected
    assert_ok(at)
    assert store.ligne("actions", action_id)["libelle"] == "Action d'exemple (test)"


def test_embedded_database_file_is_not_versioned():
    patterns = Path(PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/edits/" in patterns
    # secrets and runtime data (OIDC keys; weightings once saved as files)
    assert {".streamlit/secrets.toml", "data/ponderations/*.json"} <= set(patterns)


def test_identity_provider_mode_offers_its_sign_in_only(store):
    """With an ``[auth]`` section in secrets, sign-in goes through Streamlit's OIDC (st.login); the local
    password form is not offered."""
    at = AppTest.from_file(str(PAGES / "grille.py"), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "t" * 32,
                          "client_id": "test", "client_secret": "test",
                          "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration"}
    at.run()
    assert_ok(at)
    assert "Se connecter (compte de l'agglomération)" in [b.label for b in at.sidebar.button]
    assert not [t for t in at.sidebar.text_input if t.key == "connexion_login"]


def test_an_incomplete_auth_section_is_reported_and_local_sign_in_stays(store):
    """An ``[auth]`` section without its provider keys once removed local sign-in and made the OIDC button
    raise: it is now reported in French, and local accounts still sign in."""
    at = AppTest.from_file(str(PAGES / "grille.py"), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "court"}
    at.run()
    assert not at.exception
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "section [auth]" in plain(warning) and "client_id" in plain(warning) and "cookie_secret" in plain(warning)
    assert "Se connecter (compte de l'agglomération)" not in [b.label for b in at.sidebar.button]
    sign_in(at, "agent")


def test_oidc_configuration_check_names_each_problem():
    ok = {"redirect_uri": "https://b.fr/oauth2callback", "cookie_secret": "s" * 32,
          "annuaire": {"client_id": "a", "client_secret": "b",
                       "server_metadata_url": "https://idp.fr/.well-known/openid-configuration"}}
    assert auth.problemes_config_oidc(ok) == []
    bad = {**ok, "redirect_uri": "https://b.fr/", "annuaire": {"client_id": "a",
                                                                "server_metadata_url": "http://idp.fr/x"}}
    problems = " | ".join(auth.problemes_config_oidc(bad))
    assert "/oauth2callback" in problems and "client_secret" in problems and "https://" in problems
    assert auth.problemes_config_oidc("pas une table")


@pytest.mark.parametrize("verifie", [False, None, True])
def test_oidc_users_need_a_verified_email(store, verifie):
    store.creer_compte(Utilisateur("admin", "admin"), "prenom.nom@agglo.fr", "agent", "Prénom Nom")
    at = AppTest.from_file(str(PAGES / "grille.py"), default_timeout=TIMEOUT_S)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "t" * 32,
                          "client_id": "test", "client_secret": "test",
                          "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": "prenom.nom@agglo.fr", "name": "Prénom Nom",
               **({} if verifie is None else {"email_verified": verifie})}
    at.run()
    assert not at.exception
    connecte = any("Connecté·e" in m.value for m in at.sidebar.markdown)
    assert connecte is (verifie is True)
    if verifie is not True:
        assert "n'est pas vérifiée" in " ".join(w.value for w in at.sidebar.warning)


def test_a_database_outage_shows_a_french_message_and_a_reference_never_the_host(store, monkeypatch, caplog):
    """A page's unexpected error once showed visitors a traceback naming the database host and user."""
    monkeypatch.setenv("BAROMETRE_ERREURS_DETAILLEES", "0")
    monkeypatch.setenv("BAROMETRE_DATABASE_URL",
                       "postgresql://utilisateur_secret:mdp@hote-secret.invalid:5432/base_secrete")
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=TIMEOUT_S)
    at.switch_page("pages/grille.py")
    at.run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.caption, *at.warning, *at.info])
    assert "erreur inattendue" in shown
    reference = re.search(r"référence \*\*([0-9a-f]{8})\*\*", shown).group(1)
    assert "hote-secret" not in shown and "utilisateur_secret" not in shown and "Traceback" not in shown
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)  # details in the log


def test_signed_out_visitors_see_the_history_without_logins(store):
    agent = Utilisateur("agent", "agent")
    action_id = store.creer_action(agent, engagement="E1", libelle="Action d'exemple (test)")
    store.modifier_action(agent, action_id, 1, libelle="Libellé modifié")
    at = open_page("jalons.py")
    table = next(df.value for df in at.dataframe if "Qui" in df.value.columns)
    assert len(table) and set(table["Qui"]) == {"Agent de l'agglomération"}
    signed_in = sign_in(open_page("jalons.py"), "lecteur")
    table = next(df.value for df in signed_in.dataframe if "Qui" in df.value.columns)
    assert set(table["Qui"]) == {"agent (agent de l'agglomération)"}


def test_grille_switching_rows_rereads_the_version_no_false_conflict(store):
    """A form once kept the version it first read: back on a row someone saved meanwhile, it showed their
    text yet refused the save as a conflict. A form shown afresh now reads the row's version again."""
    agent = Utilisateur("agent", "agent")
    edition_id = store.creer_edition(agent, "Point d'étape (test)", 2027)
    a, b = STRUCTURE.criteres[0].id, STRUCTURE.criteres[1].id
    at = sign_in(open_page("grille.py"), "panel")
    at.selectbox(key="grille_saisie_critere").set_value(a).run()
    at.selectbox(key="grille_saisie_critere").set_value(b).run()
    store.enregistrer_ligne_grille(agent, edition_id, a, 0, impacts="Texte de l'agent")
    at.selectbox(key="grille_saisie_critere").set_value(a).run()
    champ = at.text_area(key=f"grille_{edition_id}_{a}_impacts")
    assert champ.value == "Texte de l'agent"
    champ.input("Texte de l'agent, complété par le panel")
    button(at, "Enregistrer").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert store.lignes_grille(edition_id)["impacts"].to_list() == ["Texte de l'agent, complété par le panel"]


def test_grille_real_conflict_keeps_the_typed_text_beside_the_other_version(store):
    agent = Utilisateur("agent", "agent")
    edition_id = store.creer_edition(agent, "Point d'étape (test)", 2027)
    critere = STRUCTURE.criteres[0].id
    at = sign_in(open_page("grille.py"), "panel")
    at.selectbox(key="grille_saisie_critere").set_value(critere).run()
    store.enregistrer_ligne_grille(agent, edition_id, critere, 0, impacts="Texte de l'agent")
    key = f"grille_{edition_id}_{critere}_impacts"
    at.text_area(key=key).input("Texte du panel")
    button(at, "Enregistrer").click().run()
    assert any("Conflit de modification" in plain(e.value) for e in at.error)
    assert at.text_area(key=key).value == "Texte du panel"  # nothing typed is lost
    beside = " ".join(plain(m.value) for m in at.markdown)
    assert "version enregistrée entre-temps" in beside and "Texte de l'agent" in beside
    assert store.lignes_grille(edition_id)["impacts"].to_list() == ["Texte de l'agent"]
    at.text_area(key=key).input("Texte du panel et de l'agent")
    button(at, "Enregistrer").click().run()  # having seen the other version, the second save is deliberate
    assert not at.error, [e.value for e in at.error]
    assert store.lignes_grille(edition_id)["impacts"].to_list() == ["Texte du panel et de l'agent"]


def test_the_sign_in_box_is_back_on_the_page_after_a_vote_screen(store):
    """The vote's screen ends its run with ``st.stop()``: the next page reached by the menu drew no sign-in box (the
    mark « box drawn in this run » survived the stopped run; seen in Chromium, walking the pages signed in)."""
    app = str(PAGES.parent / "app.py")
    at = AppTest.from_file(app, default_timeout=TIMEOUT_S)
    at.switch_page("pages/jalons.py")
    at.run()
    sign_in(at, "admin")
    at.query_params["vote"] = "1"  # no such vote: the screen says so, then stops
    at.switch_page("pages/panel.py").run()
    assert "Ce vote n'existe pas" in " ".join(e.value for e in at.error)
    del at.query_params["vote"]
    at.switch_page("pages/label.py").run()
    assert_ok(at)
    assert any("Connecté·e" in m.value for m in at.sidebar.markdown), [m.value for m in at.sidebar.markdown]
