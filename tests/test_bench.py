"""The benchmark machinery (``barometre bench``) on a tiny generated dataset (200 communes × 2 years), run
in-process: the generated data has the shipped files' schemas and is deterministic; materialising the
views gives exactly the views' rows; the report has its keys, positive numbers, and our queries return the
same rows as the pandas baseline. Behaviour only: no timing is asserted.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from barometre.donnees.db import connect, query
from barometre.settings import PROJECT_ROOT, Settings
from benchmarks.bench import MARTS, Reglages, generate, run_bench, texte

DATA_DIR = PROJECT_ROOT / "data"
EPCI = "200042190"
KEYS = {
    "mart_valeurs": ["indicateur", "niveau", "code", "annee", "ventilation"],
    "mart_dernieres_valeurs": ["indicateur", "niveau", "code", "ventilation"],
    "mart_distribution": ["niveau", "code", "indicateur", "annee", "ventilation"],
    "mart_disponibilite": ["indicateur", "niveau", "annee", "ventilation"],
}


@pytest.fixture(scope="module")
def report() -> dict:
    reglages = Reglages(n_communes=200, n_annees=2, reps_livre=1, reps_national=1, reps_baseline=1,
                        apptest=False, isoler=False, strategies_livre=("tables",), vues_national=False,
                        data_dir=str(DATA_DIR))
    return run_bench(reglages)


def test_generated_files_have_the_shipped_schemas_and_are_deterministic(tmp_path):
    a = generate(tmp_path / "a", source_dir=DATA_DIR, n_communes=120, annees=(2023, 2024))
    b = generate(tmp_path / "b", source_dir=DATA_DIR, n_communes=120, annees=(2023, 2024))
    for name in ("territoires.parquet", "appartenances.parquet", "geometries.parquet"):
        shipped = pl.read_parquet(DATA_DIR / name)
        made = pl.read_parquet(a.data_dir / name)
        assert made.schema == shipped.schema, name
        assert made.equals(pl.read_parquet(b.data_dir / name)), name
    values = pl.read_parquet(a.data_dir / "valeurs" / "*.parquet")
    assert values.schema == pl.read_parquet(DATA_DIR / "valeurs" / "*.parquet").schema
    assert values.sort(values.columns).equals(
        pl.read_parquet(b.data_dir / "valeurs" / "*.parquet").sort(values.columns))
    communes = values.filter(pl.col("niveau") == "commune")
    assert communes["code"].n_unique() == a.n_communes == 120
    assert sorted(communes["annee"].unique()) == [2023, 2024]
    shipped_ids = set(pl.read_parquet(DATA_DIR / "valeurs" / "*.parquet")
                      .filter(pl.col("niveau") == "commune")["indicateur"])
    assert set(communes["indicateur"]) == shipped_ids
    # the followed EPCI keeps its communes, so the pages' default state is the shipped one
    app = pl.read_parquet(a.data_dir / "appartenances.parquet")
    shipped_app = pl.read_parquet(DATA_DIR / "appartenances.parquet")
    members = set(shipped_app.filter(pl.col("zone") == EPCI)["commune"])
    assert set(app.filter(pl.col("zone") == EPCI)["commune"]) == members
    assert app.group_by("commune", "zonage").len()["len"].max() == 1  # one zone per commune and zoning


def assert_app_marts_are_the_views(settings: Settings) -> tuple[int, int]:
    """Every mart of the app's connection (the ``tables`` strategy: the marts computed once, whole, into tables) holds
    the views' rows; returns the number of stored values each connection's stg_valeurs holds (views, app)."""
    views = connect(settings, materialise=False)
    app = connect(settings)
    for mart in [*MARTS, "mart_comparaison"]:
        key = KEYS.get(mart, ["indicateur", "ventilation", "niveau", "code"])
        expected = query(views, f"select * from {mart}").sort(key)
        got = query(app, f"select * from {mart}").sort(key)
        assert got.columns == expected.columns, mart
        assert got.height == expected.height > 0, mart
        # ties for the lowest / highest commune go to the first name: the same in every strategy
        # sums of doubles are added in a thread-dependent order: equal to the last bits
        assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12)
    return tuple(query(c, "select count(*) as n from stg_valeurs")["n"][0] for c in (views, app))


def test_materialised_marts_are_exactly_the_views():
    assert_app_marts_are_the_views(Settings(data_dir=DATA_DIR))


def test_the_apps_marts_on_a_national_like_set_are_exactly_the_views(tmp_path):
    """On a generated set holding other communes, EPCI, départements and régions with their values (as a national
    file does), the app's connection — stg_valeurs kept to the followed territories, then the marts — gives the
    same rows as the views computed over every stored value."""
    jeu = generate(tmp_path / "jeu", source_dir=DATA_DIR, n_communes=150, annees=(2022, 2023))
    stockees_vues, stockees_app = assert_app_marts_are_the_views(Settings(data_dir=jeu.data_dir))
    assert stockees_vues > stockees_app


def test_report_keys_and_positive_numbers(report):
    json.dumps(report)  # one JSON object
    assert report["p95_ms_national"] > 0
    assert report["p95_ms_livre"] > 0
    assert report["speedup_vs_baseline"] > 0
    assert report["strategie"] in ("tables", "parquet")
    assert report["jeu_national"]["n_communes"] == 200
    assert report["jeu_national"]["n_annees"] == 2
    assert report["materialisation_national_s"] > 0
    for name, page in report["pages"].items():
        assert page["requetes_national"] > 0, name
        for part in (page["livre"]["tables"], page["national"]["tables"], page["national"]["parquet"],
                     page["baseline_national"]):
            assert 0 < part["p50_ms"] <= part["p95_ms"], name
    assert all(v > 0 for v in report["memoire_max_mo"].values() if v is not None)
    assert all(v > 0 for v in report["memoire_demarrage_mo"].values() if v is not None)
    assert report["memoire_demarrage_mo"]["livre_tables"] > 0
    assert "Stratégie retenue" in texte(report)


def test_our_queries_return_the_baselines_rows(report):
    assert report["coherence_lignes"]["identique"], report["coherence_lignes"]["ecarts"]


def test_the_honest_baseline_is_restricted_once_and_returns_the_same_rows(report, tmp_path):
    """The baseline restricted once to the followed territories (issue #24: not one that re-filters the nation
    on every call) is reported beside the other, and answers every call with the same rows as ours."""
    assert report["coherence_lignes_restreinte"]["identique"], report["coherence_lignes_restreinte"]["ecarts"]
    assert report["coherence_lignes_restreinte"]["appels_compares"] > 0
    assert report["speedup_vs_baseline_restreinte"] > 0
    for name, page in report["pages"].items():
        part = page["baseline_restreinte_national"]
        assert 0 < part["p50_ms"] <= part["p95_ms"], name
    assert "baseline pandas restreinte" in texte(report)

    from benchmarks.bench import RequetesPandas, RequetesPandasRestreintes, exporter_csv

    gen = generate(tmp_path / "nat", source_dir=DATA_DIR, n_communes=150, annees=(2024,))
    con = connect(Settings(data_dir=gen.data_dir))
    exporter_csv(con, tmp_path / "csv")
    whole, restricted = RequetesPandas(tmp_path / "csv"), RequetesPandasRestreintes(tmp_path / "csv")
    assert len(restricted.mv) < len(whole.mv)  # the nation's other communes are gone from the frame itself
    assert (restricted.mv["niveau"] + "|" + restricted.mv["code"]).isin(restricted.suivis).all()
    assert len(restricted.mv) == len(whole._suivi(whole.mv))


def test_a_baseline_out_of_budget_is_reported_not_dropped(tmp_path):
    from benchmarks.bench import exporter_csv, phase_baseline

    con = connect(Settings(data_dir=DATA_DIR))
    exporter_csv(con, tmp_path / "csv")
    result = phase_baseline(str(DATA_DIR), str(tmp_path / "csv"), reps=3, budget_page_s=0.002)
    for name, page in result["pages"].items():
        assert page["runs_ms"] or page["complet"] is False, name
        assert page["requetes"] == len(page["appels"]), name


def test_browser_bench_summary_medians_ratios_and_aims():
    """The browser bench's summary (benchmarks/navigateur.py): medians of the passes, ratio and gap to the
    floor's same figure; the séance's arrow is compared with the floor's select change; the aims are read
    against the issue's thresholds (first content ≤ floor + 0.5 s, open ≤ floor + 1 s, changes ≤ 1.5 ×)."""
    from benchmarks import navigateur

    app = [{"premier_contenu_ms": 1000.0, "ouverture_ms": 3000.0, "changement_ms": 600.0, "fleche_ms": 500.0},
           {"premier_contenu_ms": 1200.0, "ouverture_ms": 2000.0, "changement_ms": 400.0, "fleche_ms": 700.0},
           {"premier_contenu_ms": 1100.0, "ouverture_ms": 2500.0, "changement_ms": None, "fleche_ms": 600.0}]
    floor = [{"premier_contenu_ms": 800.0, "ouverture_ms": 1000.0, "changement_ms": 400.0}] * 3
    res = navigateur.resume({"app": {"seance": app}, "plancher": {"seance": floor}}, 3)
    ligne = res["pages"]["seance"]
    assert ligne["premier_contenu_ms"] == 1100.0 and ligne["premier_contenu_ecart_ms"] == 300.0
    assert ligne["ouverture_ms"] == 2500.0 and ligne["ouverture_ratio"] == 2.5
    assert ligne["changement_ms"] == 500.0  # median of the two measured
    assert ligne["fleche_plancher_ms"] == 400.0 and ligne["fleche_ratio"] == 1.5
    assert res["objectifs"]["seance"] == {"premier_contenu": True, "ouverture": False, "changement": True,
                                          "fleche": True}


def test_browser_bench_reports_a_missed_floor_interaction_as_missed():
    """When the floor's select change never completed (a loaded machine), the summary keeps the field with no
    value and no ratio, its aim is unknown, and the text says « non mesuré » (it showed ×0.0 before)."""
    from benchmarks import navigateur

    app = [{"premier_contenu_ms": 1000.0, "ouverture_ms": 2000.0, "changement_ms": 500.0, "fleche_ms": 400.0}]
    floor = [{"premier_contenu_ms": 800.0, "ouverture_ms": 1000.0, "changement_ms": None}]
    res = navigateur.resume({"app": {"seance": app}, "plancher": {"seance": floor}}, 1)
    ligne = res["pages"]["seance"]
    assert ligne["changement_ms"] == 500.0 and ligne["changement_plancher_ms"] is None
    assert "changement_ratio" not in ligne and "fleche_ratio" not in ligne
    assert res["objectifs"]["seance"]["changement"] is None
    texte = navigateur.texte(res)
    assert "non mesuré" in texte and "×0.0" not in texte


def test_browser_bench_first_content_of_a_page_without_figures():
    """A page that shows no chart, map, table nor figure card (Évaluation, Label, Administration on the
    shipped data) gets as first content the first block of its body (a message, a form, a tab's content),
    marked « texte »; a page with a figure keeps the figure even if text came before; a bare title gives
    nothing, reported as missing, never a made-up time."""
    from benchmarks import navigateur

    assert navigateur.premier_contenu({"premier": 900.0, "premierTexte": 400.0}) == (900.0, "figure")
    assert navigateur.premier_contenu({"premier": None, "premierTexte": 400.0}) == (400.0, "texte")
    assert navigateur.premier_contenu({"premier": None, "premierTexte": None}) == (None, None)
    app = [{"premier_contenu_ms": 400.0, "premier_contenu_nature": "texte", "ouverture_ms": 900.0}]
    floor = [{"premier_contenu_ms": 300.0, "premier_contenu_nature": "figure", "ouverture_ms": 800.0}]
    res = navigateur.resume({"app": {"evaluation": app}, "plancher": {"evaluation": floor}}, 1)
    assert res["pages"]["evaluation"]["premier_contenu_ms"] == 400.0
    assert res["pages"]["evaluation"]["premier_contenu_nature"] == "texte"
    assert "(texte)" in navigateur.texte(res)


def test_browser_bench_names_a_lost_interaction_without_waiting_out_the_step():
    """An option chosen (or an arrow pressed) that starts no run — the input lost while the widget was redrawn —
    is a miss named in the report after REPRISE_MS, not a 90 s wait for a run that never comes; a run that did
    start is then waited for as before."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from benchmarks import navigateur

    class Page:
        def __init__(self, starts: bool):
            self.starts, self.waits = starts, []

        def wait_for_function(self, expression, arg=None, timeout=None, polling=None):
            self.waits.append(timeout)
            if not self.starts and timeout == navigateur.REPRISE_MS:
                raise PlaywrightTimeout("Timeout exceeded")

        def evaluate(self, expression):
            return 1234.0

    lost = Page(starts=False)
    navigateur.ERREURS.clear()
    assert navigateur._essayer(lambda page: navigateur._attendre_calme(page, 10.0), lost, "app x : changement") is None
    assert lost.waits == [navigateur.REPRISE_MS]
    assert navigateur.ERREURS == ["app x : changement : aucune exécution de la page dans les 20 s après l'action "
                                  "(action perdue)"]
    started = Page(starts=True)
    assert navigateur._attendre_calme(started, 10.0) == 1234.0
    assert started.waits == [navigateur.REPRISE_MS, navigateur.DELAI_MS]
    opening = Page(starts=False)  # a page's opening (from 0) is not an interaction: no start bound
    assert navigateur._attendre_calme(opening, 0) == 1234.0 and opening.waits == [navigateur.DELAI_MS]
    navigateur.ERREURS.clear()
