"""The evaluation of the Projet de territoire (issue 23, items 1-2): the four answers computed from the store's
rows (effectivité from milestones, efficacité with the barometer's verdict rule, utilité from the impact
indicators' verdicts, efficience only where a ratio means something), the services' spreadsheet import with
its French errors by line and column, and the records' roles and history on SQLite and PostgreSQL.

Every action, indicator and figure below is test content written here, not a service's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest

from barometre.calculs import evaluation as ev
from barometre.calculs import verdicts as v
from barometre.pilotage.evaluation import Evaluation, lire_import, modele_csv, modele_xlsx
from barometre.pilotage.store import RefusEcriture, Store, Utilisateur
from barometre.pilotage.structure import charger_structure, jalons_avec_retard
from barometre.sources.csvread import IngestError

STRUCTURE = charger_structure()
HASH = "$argon2id$test-only"
ADMIN = Utilisateur("admin", "admin", "Administratrice")
AGENT = Utilisateur("agent", "agent", "Agent")
PANEL = Utilisateur("panel", "panel", "Membre du panel")
TODAY = date(2027, 6, 1)


# ---------------------------------------------------------------- pure computations
def _actions() -> pl.DataFrame:
    return pl.DataFrame({"id": [1, 2, 3], "engagement": ["E1", "E1", "E2"], "orientation": ["E1_O1", "E1_O2", ""],
                         "projet": ["P1", "", ""], "indicateurs_impact": [["taux_chomage_15_64"], [], ["absent"]]})


def _jalons() -> pl.DataFrame:
    j = pl.DataFrame({
        "action_id": [1, 1, 2, 2, 3],
        "statut": ["atteint", "atteint", "atteint", "en_cours", "abandonne"],
        "date_prevue": ["2026-01-01", "2026-06-01", "2026-01-01", "2027-01-01", "2026-01-01"],
        "date_atteinte": ["2025-12-15", "2026-09-01", "2026-01-01", None, None],
    })
    return jalons_avec_retard(j, TODAY)


def test_effectivite_counts_actions_done_and_milestones_on_time_late_and_ahead():
    out = ev.effectivite(_actions(), _jalons(), "engagement", ["E1", "E2", "E3"])
    e1 = out.row(0, named=True)
    assert (e1["actions"], e1["actions_realisees"], e1["jalons"]) == (2, 1, 4)  # action 2 still has an open one
    assert (e1["atteints_a_temps"], e1["atteints_en_retard"], e1["en_retard"], e1["a_venir"]) == (2, 1, 1, 0)
    e2 = out.row(1, named=True)
    assert (e2["actions"], e2["actions_realisees"], e2["abandonnes"]) == (1, 0, 1)  # abandoned is not done
    assert out.row(2, named=True)["actions"] == 0


def _indicateurs(illustratif: bool = False) -> pl.DataFrame:
    return pl.DataFrame({
        "id": [10, 11, 12], "action_id": [1, 1, 2], "niveau": ["resultat", "realisation", "resultat"],
        "libelle": ["Part des jeunes formés", "Jeunes accompagnés", "Logements rénovés (part)"],
        "unite": ["%", "jeunes", "%"], "sens": ["hausse_favorable", "hausse_favorable", "hausse_favorable"],
        "objectif_valeur": [60.0, None, None], "objectif_annee": [2030, None, None],
        "reference_valeur": [35.0, None, None], "reference_annee": [2024, None, None],
        "illustratif": [illustratif, False, False]}, schema_overrides={"objectif_annee": pl.Int64,
                                                                     "reference_annee": pl.Int64})


def _mesures() -> pl.DataFrame:
    return pl.DataFrame({"indicateur_id": [10, 10, 11, 11, 12], "annee": [2025, 2026, 2025, 2026, 2026],
                         "valeur": [40.0, 46.0, 100.0, 120.0, 30.0], "illustratif": [False] * 5})


def test_efficacite_uses_the_barometer_rule_against_the_objective():
    lectures = {r.indicateur_id: r for r in ev.lire_indicateurs(_indicateurs(), _mesures(), 2027)}
    r = lectures[10]
    expected = v.verdict_objectif([(2025, 40.0), (2026, 46.0)], 2030, 60.0, True, base=(2024, 35.0),
                                  annee_courante=2027)
    assert r.verdict == expected and r.verdict.code == "sur_la_trajectoire"  # 35 → 46 in 2 years, 60 in 2030
    assert "60 % en 2030 (référence 35 % en 2024)" in r.texte
    assert lectures[11].verdict is None  # a réalisation count is not judged
    assert lectures[12].verdict.code == "trop_tot"  # one measure, no objective
    table = ev.efficacite(list(lectures.values()), _actions(), "engagement", ["E1"])
    assert table.row(0, named=True) == {"groupe": "E1", "resultats": 2, "favorables": 1, "a_surveiller": 0,
                                        "defavorables": 0, "trop_tot": 1, "illustratifs": 0}


def test_illustrative_indicators_are_never_judged():
    [r, *_] = ev.lire_indicateurs(_indicateurs(illustratif=True), _mesures(), 2027)
    assert r.verdict is None and r.illustratif and ev.ILLUSTRATIF in r.texte


def test_utilite_gives_the_barometer_verdict_or_too_early():
    verdict = v.Verdict("se_degrade", "progression", 2022, 5, "+1 point entre 2016 et 2022")
    out = ev.utilite(_actions(), {"taux_chomage_15_64": verdict})
    assert out.height == 2
    row = out.filter(pl.col("indicateur") == "taux_chomage_15_64").row(0, named=True)
    assert row["tonalite"] == "defavorable" and not row["trop_tot"]
    assert out.filter(pl.col("indicateur") == "absent")["trop_tot"][0]


def test_efficience_gives_a_unit_cost_only_where_it_means_something():
    ressources = pl.DataFrame({"action_id": [1, 1, 2], "annee": [2025, 2026, 2026],
                               "code_fonctionnel": ["422", "422", "72"], "alloue": [50_000.0, 60_000.0, None],
                               "consomme": [40_000.0, 48_000.0, None]})
    out = {r["action_id"]: r for r in ev.efficience(_actions(), ressources, _indicateurs(), _mesures()).iter_rows(
        named=True)}
    a1 = out[1]
    assert (a1["alloue"], a1["consomme"], a1["codes"]) == (110_000.0, 88_000.0, "422")
    assert (a1["cout_unitaire"], a1["annee_ratio"], a1["unite_ratio"]) == (400.0, 2026, "jeunes")  # 48 000 / 120
    assert out[2]["consomme"] is None and out[2]["cout_unitaire"] is None  # unknown is not zero
    assert out[2]["pourquoi"] == "aucun indicateur de réalisation"
    assert out[3]["pourquoi"].startswith("aucune ressource")


def test_latest_confidence_per_action():
    df = pl.DataFrame({"id": [1, 2, 3], "action_id": [1, 1, 2], "date": ["2026-01-10", "2026-09-01", "2026-02-01"],
                       "niveau": ["menaces", "atteignables", "compromis"]})
    last = ev.derniere_confiance(df)
    assert last[1]["niveau"] == "atteignables" and last[2]["niveau"] == "compromis"
    assert list(ev.CONFIANCE) == ["compromis", "menaces", "atteignables", "securises"]


# ---------------------------------------------------------------- import of the services' spreadsheet
ACTIONS = pl.DataFrame({"id": [1, 2]})
HEADER = "action;niveau;indicateur;unite;sens;annee;valeur;objectif;annee_objectif;reference;annee_reference\n"


def test_the_template_reads_back_and_its_examples_are_illustrative():
    for data in (modele_csv(), modele_xlsx()):
        lignes = lire_import(data, "modele.xlsx" if data[:2] == b"PK" else "modele.csv", ACTIONS)
        assert len(lignes) == 2 and all(li.illustratif for li in lignes)
        assert lignes[1].objectif_valeur == 60 and lignes[1].objectif_annee == 2030


@pytest.mark.parametrize(("body", "ligne", "colonne", "fragment"), [
    ("9;résultat;x;%;hausse;2025;1;;;;\n", 2, "action", "action inconnue"),
    ("1;impact;x;%;hausse;2025;1;;;;\n", 2, "niveau", "niveau inconnu"),
    ("1;résultat;x;%;monte;2025;1;;;;\n", 2, "sens", "sens inconnu"),
    ("1;résultat;x;%;hausse;2203;1;;;;\n", 2, "annee", "année invalide"),
    ("1;résultat;x;%;hausse;2025;douze;;;;\n", 2, "valeur", "douze"),
    ("1;résultat;x;%;hausse;2025;1;60;;;\n", 2, "annee_objectif", "objectif incomplet"),
    ("1;réalisation;x;jeunes;;2025;1;60;2030;;\n", 2, "objectif", "indicateur de réalisation"),
    ("1;résultat;x;;hausse;2025;1;;;;\n", 2, "unite", "case vide"),
    ("1;résultat;x;%;hausse;2025;1;;;;\n1;résultat;X;%;hausse;2025;2;;;;\n", 3, "annee", "ligne 2"),
])
def test_import_errors_name_the_line_and_the_column_in_french(body, ligne, colonne, fragment):
    with pytest.raises(IngestError) as err:
        lire_import((HEADER + body).encode("utf-8"), "feuille.csv", ACTIONS)
    assert (err.value.ligne, err.value.colonne) == (ligne, colonne)
    assert fragment in str(err.value) and "feuille.csv" in str(err.value)


def test_xlsx_errors_name_the_sheet_line_too():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(";"))
    ws.append([1, "résultat", "x", "%", "hausse", 2025, 1, None, None, None, None])
    ws.append([2, "résultat", "y", "%", "hausse", 1999, 1, None, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(IngestError) as err:
        lire_import(buf.getvalue(), "feuille.xlsx", ACTIONS)
    assert (err.value.ligne, err.value.colonne) == (3, "annee")


# ---------------------------------------------------------------- store: roles, history, all or nothing
@pytest.fixture
def store(db_url) -> Iterator[Store]:
    s = Store(db_url, STRUCTURE)
    s.initialiser_admin(ADMIN.login, ADMIN.nom, HASH)
    for u in (AGENT, PANEL):
        s.creer_compte(ADMIN, u.login, u.role, u.nom, HASH)
    yield s
    s.fermer()


def test_import_is_journaled_updates_in_place_and_refused_to_the_panel(store):
    action = store.creer_action(AGENT, engagement="E1", libelle="Action de test")
    e = Evaluation(store)
    body = (HEADER + f"{action};résultat;Part formée;%;hausse;2025;40;60;2030;35;2024\n"
            f"{action};réalisation;Jeunes accompagnés;jeunes;;2025;100;;;;\n").encode()
    lignes = lire_import(body, "f.csv", store.actions())
    with pytest.raises(RefusEcriture):
        e.importer(PANEL, lignes)
    assert e.indicateurs().height == 0
    assert e.importer(AGENT, lignes) == {"indicateurs": 2, "mesures_creees": 2, "mesures_modifiees": 0,
                                         "inchangees": 0}
    again = lire_import(body.replace(b";40;60", b";42;60"), "f.csv", store.actions())
    assert e.importer(AGENT, again) == {"indicateurs": 0, "mesures_creees": 0, "mesures_modifiees": 1,
                                        "inchangees": 1}
    assert e.mesures().filter(pl.col("annee") == 2025)["valeur"].sort().to_list() == [42.0, 100.0]
    hist = store.historique(["eval_mesures"])
    assert {"creation", "modification"} <= set(hist["nature"].to_list())
    e.declarer_confiance(AGENT, action_id=action, date="2026-05-01", niveau="menaces", commentaire="recrutement")
    assert e.confiances()["niveau"].to_list() == ["menaces"]


# ---------------------------------------------------------------- the grille's XLSX sheet and the edition pack
def test_the_sheet_and_the_pack_section_give_the_four_answers_per_engagement(tmp_path, monkeypatch):
    from barometre.calculs.evaluation import tableau_synthese
    from barometre.pilotage.evaluation import section_pack, synthese_engagements
    from barometre.pilotage.rapport import construire

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url, STRUCTURE)
    s.initialiser_admin(ADMIN.login, ADMIN.nom, HASH)
    s.creer_compte(ADMIN, AGENT.login, AGENT.role, AGENT.nom, HASH)
    assert section_pack(s, {}, TODAY)["lignes"][0].startswith("Aucune action saisie")
    a = s.creer_action(AGENT, engagement="E2", libelle="Action de test")
    s.creer_jalon(AGENT, action_id=a, libelle="Jalon de test", date_prevue="2026-01-01", statut="en_cours")
    bl, labels = synthese_engagements(s, {}, TODAY)
    assert list(bl) == ["E2"] and bl["E2"]["effectivite"][0] == "0 action(s) réalisée(s) sur 1"
    sheet = tableau_synthese(bl, labels)
    assert sheet.columns == ["Groupe", "Effectivité", "Efficacité", "Utilité", "Efficience"]
    assert "1 en retard" in sheet["Effectivité"][0]
    assert sheet["Efficience"][0] == "alloué : inconnu ; consommé : inconnu"
    r = construire(edition=2026, store=s, le=TODAY)
    section = next(x for x in r.synthese if x["titre"] == "Évaluation du projet de territoire")
    assert section["lignes"][0] == labels["E2"] and section["lignes"][1].startswith("Effectivité : 0 action(s)")
