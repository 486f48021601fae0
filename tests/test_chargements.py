"""Versioned, reviewed, undoable loads (issue 12), in both modes of the value store: embedded (DuckLake
catalog in a local DuckDB file) and shared (DuckLake catalog in PostgreSQL, one schema per test).

Each test works on a copy of ``data/`` (without the raw extracts) under tmp_path. The cases are those a
new user ran into: a partial file for 2023, Abscon's APL typed 99.9 instead of 5.354, a year 2203, two
loads at the same time, an undo, an author deactivated while the file is checked.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import polars as pl
import pytest

from barometre.cli import main
from barometre.pilotage.store import RefusEcriture, Store, Utilisateur
from barometre.pilotage.structure import charger_structure
from barometre.settings import PROJECT_ROOT, Settings
from barometre.sources.csvread import IngestError
from barometre.sources.entrepot import Entrepot, ErreurEntrepot, annuler
from barometre.sources.ingest import AlertesAConfirmer, ingest, ingest_televersement
from barometre.sources.valeurs import KEY

DATA_DIR = PROJECT_ROOT / "data"
APL = "apl_medecins_generalistes"
ABSCON = "59002"
N_COMMUNES = 47
HEADER = ("millesime,Code commune INSEE,APL aux médecins généralistes,APL aux médecins généralistes de moins "
          "de 65 ans,Population standardisée pour la médecine générale")


@pytest.fixture
def data_copy(data_copy_db) -> Settings:
    """Every test here runs on SQLite and on PostgreSQL (tests/conftest.py: data_copy_db)."""
    return data_copy_db


def apl_rows(settings: Settings, annee: int) -> pl.DataFrame:
    return Entrepot(settings).valeurs([APL]).filter(pl.col("annee") == annee).sort(KEY)


def apl_file(tmp_path: Path, name: str, rows: list[tuple[int, str, float]], settings: Settings) -> Path:
    """An APL file in DREES's layout: (year, commune, APL) rows; the two other columns from the stored 2023."""
    stored = Entrepot(settings).valeurs(["apl_medecins_generalistes_65", "population_standardisee_mg"])
    other = {(r["indicateur"], r["code"]): r["valeur"] for r in stored.filter(pl.col("annee") == 2023).to_dicts()}
    lines = [HEADER] + [f"{a},{c},{v!r},{other[('apl_medecins_generalistes_65', c)]!r},"
                        f"{other[('population_standardisee_mg', c)]!r}" for a, c, v in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_checksum(capsys, *args: str, min_lines: int = N_COMMUNES + 1) -> str:
    """SHA-256 of `barometre values apl_medecins_generalistes --all-years [args]`."""
    capsys.readouterr()
    assert main(["values", APL, "--all-years", *args]) == 0
    out, _ = capsys.readouterr()
    assert out.count("\n") >= min_lines
    return hashlib.sha256(out.encode()).hexdigest()


def values_cli(capsys, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["values", APL, "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def communes_2023(settings: Settings) -> list[str]:
    return sorted(apl_rows(settings, 2023).filter(pl.col("niveau") == "commune")["code"].to_list())


# ------------------------------------------------------------------------------- merge, not replace
def test_a_partial_file_leaves_the_2023_vintage_whole(data_copy, tmp_path, capsys):
    before = apl_rows(data_copy, 2023)
    codes = communes_2023(data_copy)
    assert len(codes) == N_COMMUNES
    first10 = {r["code"]: r["valeur"] for r in before.filter(pl.col("niveau") == "commune").head(10).to_dicts()}
    path = apl_file(tmp_path, "apl_partiel.csv", [(2023, c, v * 1.01) for c, v in first10.items()], data_copy)
    report = ingest(path, data_copy)
    assert report.chargement is not None
    assert report.apercu.modifies.height == 10 and report.apercu.disparus.height == 0
    after = apl_rows(data_copy, 2023)
    assert after.filter(pl.col("niveau") == "commune").height == N_COMMUNES
    changed = after.join(before, on=KEY, suffix="_avant").filter(pl.col("valeur") != pl.col("valeur_avant"))
    assert sorted(changed["code"].to_list()) == sorted(first10)
    # What the dashboard shows: 47 communes for 2023, the EPCI's 2023 value, 2023 still the latest year.
    shown = values_cli(capsys, "--level", "commune", "--year", "2023")
    assert len(shown) == N_COMMUNES
    latest = values_cli(capsys, "--level", "epci")
    assert [r["annee"] for r in latest] == [2023] and latest[0]["valeur"] is not None


def test_remplacer_millesime_removes_what_the_file_no_longer_carries(data_copy, tmp_path):
    before = apl_rows(data_copy, 2023).filter(pl.col("niveau") == "commune")
    one = before.filter(pl.col("code") == ABSCON)["valeur"][0]
    path = apl_file(tmp_path, "apl_abscon.csv", [(2023, ABSCON, one)], data_copy)
    preview = ingest(path, data_copy, apercu_seul=True, remplacer=True)
    assert preview.chargement is None and preview.apercu.disparus.height == 3 * (N_COMMUNES - 1)
    assert apl_rows(data_copy, 2023).filter(pl.col("niveau") == "commune").height == N_COMMUNES
    ingest(path, data_copy, remplacer=True)
    assert communes_2023(data_copy) == [ABSCON]


# ------------------------------------------------------------------------------- plausibility
def test_a_x20_change_is_an_alert_that_needs_confirmer(data_copy, tmp_path, capsys):
    path = apl_file(tmp_path, "apl_abscon.csv", [(2023, ABSCON, 99.9)], data_copy)
    before = apl_rows(data_copy, 2023)
    with pytest.raises(AlertesAConfirmer) as exc:
        ingest(path, data_copy)
    assert "Abscon" in str(exc.value) and "--confirmer" in str(exc.value)
    assert apl_rows(data_copy, 2023).equals(before)
    assert main(["ingest", str(path)]) == 3
    assert "Aucune donnée n'a été modifiée" in capsys.readouterr().err
    assert apl_rows(data_copy, 2023).equals(before)
    assert [c.type for c in Entrepot(data_copy).chargements()] in ([], ["initial"])
    assert main(["ingest", str(path), "--confirmer", "--auteur", "alice"]) == 0
    abscon = apl_rows(data_copy, 2023).filter((pl.col("code") == ABSCON) & (pl.col("indicateur") == APL))
    assert abscon["valeur"].to_list() == [99.9]
    record = Entrepot(data_copy).chargements()[0]
    assert record.auteur == "alice" and record.info["alertes"] == 1 and record.info["revision"] is True
    assert "Abscon" in record.info["alertes_confirmees"][0]


def test_the_preview_shows_old_new_and_change_in_percent(data_copy, tmp_path, capsys):
    path = apl_file(tmp_path, "apl_abscon.csv", [(2023, ABSCON, 99.9), (2024, ABSCON, 5.0)], data_copy)
    before = sorted(p.name for p in data_copy.data_dir.rglob("*"))
    assert main(["ingest", str(path), "--apercu", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in data_copy.data_dir.rglob("*")) == before  # nothing written
    assert out["chargement"] is None and out["nouveaux"] == 3 and out["modifies"] == 1
    (mod,) = out["detail"]["modifies"]
    old = apl_rows(data_copy, 2023).filter((pl.col("code") == ABSCON) & (pl.col("indicateur") == APL))["valeur"][0]
    assert mod["code"] == ABSCON and mod["ancienne"] == old and mod["nouvelle"] == 99.9
    assert mod["variation_pct"] == pytest.approx((99.9 / old - 1) * 100)
    assert len(out["detail"]["territoires_absents"]) == N_COMMUNES - 1
    assert out["alertes"] == 2 and out["revision"] is True  # 99.9 vs 5.4, and 2024 (5.0) vs 2023 (99.9)
    assert main(["ingest", str(path), "--apercu"]) == 0
    text = capsys.readouterr().out
    assert "→" in text and "Abscon" in text and "rien n'a été enregistré" in text


@pytest.mark.parametrize("annee", [2203, 1000, 43070])
def test_an_impossible_year_is_refused_and_nothing_written(data_copy, tmp_path, annee):
    path = apl_file(tmp_path, "apl_typo.csv", [(annee, ABSCON, 5.4)], data_copy)
    files = sorted(p.name for p in data_copy.data_dir.rglob("*"))
    with pytest.raises(IngestError, match=f"année {annee} impossible"):
        ingest(path, data_copy, confirmer=True)
    assert sorted(p.name for p in data_copy.data_dir.rglob("*")) == files
    assert not Entrepot(data_copy).existe() or annee not in Entrepot(data_copy).valeurs([APL])["annee"].to_list()


def test_a_negative_count_is_refused(data_copy, tmp_path):
    path = tmp_path / "apl_neg.csv"
    path.write_text(f"{HEADER}\n2023,{ABSCON},5.4,4.8,-12\n", encoding="utf-8")
    with pytest.raises(IngestError, match="négative"):
        ingest(path, data_copy, confirmer=True)


# ------------------------------------------------------------------------------- concurrency
def test_two_concurrent_loads_both_land(data_copy, tmp_path):
    base = apl_rows(data_copy, 2023).filter((pl.col("niveau") == "commune") & (pl.col("indicateur") == APL))
    files = {a: apl_file(tmp_path, f"apl_{a}.csv", [(a, r["code"], r["valeur"]) for r in base.to_dicts()],
                         data_copy) for a in (2024, 2025)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def load(path: Path) -> None:
        try:
            barrier.wait()
            ingest(path, data_copy)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(p,)) for p in files.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    years = set(Entrepot(data_copy).valeurs([APL]).filter(pl.col("niveau") == "commune")["annee"].to_list())
    assert {2022, 2023, 2024, 2025} <= years
    assert sorted(c.type for c in Entrepot(data_copy).chargements()) == ["chargement", "chargement", "initial"]


# ------------------------------------------------------------------------------- undo
def test_annuler_restores_the_exact_previous_values(data_copy, tmp_path, capsys):
    # Every level byte for byte: the sums of sql/ add the communes in a fixed order, so the same values give
    # the same bits whatever the order DuckDB reads them in.
    before = export_checksum(capsys, "--level", "commune")
    before_all = {level: export_checksum(capsys, "--level", level, min_lines=3)
                  for level in ("epci", "bv2022", "canton")}
    before_epci = values_cli(capsys, "--level", "epci", "--all-years")
    path = apl_file(tmp_path, "apl_mix.csv", [(2023, ABSCON, 99.9), (2024, ABSCON, 5.0)], data_copy)
    assert main(["ingest", str(path), "--confirmer", "--remplacer-millesime"]) == 0
    loaded = export_checksum(capsys, "--level", "commune")
    assert loaded != before
    (load,) = [c for c in Entrepot(data_copy).chargements() if c.type == "chargement"]
    assert main(["annuler", str(load.id)]) == 0
    assert export_checksum(capsys, "--level", "commune") == before
    after_epci = values_cli(capsys, "--level", "epci", "--all-years")
    assert [(r["annee"], r["code"]) for r in after_epci] == [(r["annee"], r["code"]) for r in before_epci]
    assert [r["valeur"] for r in after_epci] == [r["valeur"] for r in before_epci]
    assert {level: export_checksum(capsys, "--level", level, min_lines=3) for level in before_all} == before_all
    assert main(["chargements", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["type"] == "annulation" and listed[0]["annule"] == load.id
    assert listed[1]["annule_par"] == listed[0]["id"]
    assert main(["annuler", str(load.id)]) == 2
    assert "déjà annulé" in capsys.readouterr().err


def test_annuler_refuses_when_a_later_load_changed_the_same_values(data_copy, tmp_path, capsys):
    first = ingest(apl_file(tmp_path, "a.csv", [(2024, ABSCON, 5.0)], data_copy), data_copy)
    second = ingest(apl_file(tmp_path, "b.csv", [(2024, ABSCON, 5.5)], data_copy), data_copy)
    with pytest.raises(ErreurEntrepot, match=f"chargement n° {second.chargement}"):
        annuler(data_copy, first.chargement)
    annuler(data_copy, second.chargement)
    annuler(data_copy, first.chargement)  # once the later one is undone, the earlier one can be
    assert 2024 not in Entrepot(data_copy).valeurs([APL])["annee"].to_list()


def test_previous_versions_stay_readable(data_copy, tmp_path, capsys):
    report = ingest(apl_file(tmp_path, "a.csv", [(2024, ABSCON, 5.0)], data_copy), data_copy)
    entrepot = Entrepot(data_copy)
    assert 2024 in entrepot.valeurs([APL])["annee"].to_list()
    assert 2024 not in entrepot.valeurs([APL], version=report.chargement - 1)["annee"].to_list()
    # the same at the command line: `barometre values … --version N` (what the dashboard showed then)
    before = values_cli(capsys, "--level", "commune", "--all-years", "--version", str(report.chargement - 1))
    now = values_cli(capsys, "--level", "commune", "--all-years")
    assert 2024 not in {r["annee"] for r in before} and 2024 in {r["annee"] for r in now}


# ------------------------------------------------------------------------------- the upload's author
def test_an_author_deactivated_during_the_checks_writes_nothing(data_copy, tmp_path, db_url):
    store = Store(db_url, charger_structure())
    admin = Utilisateur("admin", "admin", "Administratrice")
    agent = Utilisateur("agent", "agent", "Agent")
    store.initialiser_admin(admin.login, admin.nom, "$argon2id$test-only")
    store.creer_compte(admin, agent.login, agent.role, agent.nom, "$argon2id$test-only")
    path = apl_file(tmp_path, "apl_2024.csv", [(2024, ABSCON, 5.0)], data_copy)
    before = Entrepot(data_copy).valeurs()

    def progress(step: int, total: int, label: str) -> None:
        if label == "contrôles":  # the administrator deactivates the agent while the file is checked
            store.modifier_compte(admin, agent.login, store.compte(agent.login)["version"], actif=False)

    try:
        with pytest.raises(RefusEcriture):
            ingest_televersement(path.name, path.read_bytes(), data_copy, agent, store, progress)
        assert Entrepot(data_copy).valeurs().sort(KEY).equals(before.sort(KEY))
        assert [c for c in Entrepot(data_copy).chargements() if c.type == "chargement"] == []
    finally:
        store.fermer()


def test_an_upload_is_recorded_with_its_author_and_checksum(data_copy, tmp_path, db_url):
    store = Store(db_url, charger_structure())
    admin = Utilisateur("admin", "admin", "Administratrice")
    store.initialiser_admin(admin.login, admin.nom, "$argon2id$test-only")
    path = apl_file(tmp_path, "apl_2024.csv", [(2024, ABSCON, 5.0)], data_copy)
    try:
        report = ingest_televersement(path.name, path.read_bytes(), data_copy, admin, store)
    finally:
        store.fermer()
    record = Entrepot(data_copy).chargements()[0]
    assert record.id == report.chargement and record.auteur == "admin"
    assert record.info["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.info["fichier"] == "apl_2024.csv" and record.info["source"] == "drees_apl"
    assert record.info["nouveaux"] == 3 and record.info["annees"] == [2024]


def test_an_upload_above_the_size_cap_is_refused(data_copy, tmp_path, db_url, monkeypatch):
    import barometre.sources.ingest as ingest_module

    store = Store(db_url, charger_structure())
    admin = Utilisateur("admin", "admin", "Administratrice")
    store.initialiser_admin(admin.login, admin.nom, "$argon2id$test-only")
    monkeypatch.setattr(ingest_module, "TAILLE_MAX_TELEVERSEMENT", 1024)
    try:
        with pytest.raises(IngestError, match="trop volumineux"):
            ingest_televersement("gros.csv", b"x" * 2048, data_copy, admin, store)
    finally:
        store.fermer()
    assert not Entrepot(data_copy).existe()


def test_the_meeting_pack_footnote_names_the_load_recorded_with_the_values(data_copy, tmp_path):
    from barometre.pilotage.rapport import _chargement
    from barometre.pilotage.synthese import chargements_enregistres

    path = apl_file(tmp_path, "apl_2024.csv", [(2024, ABSCON, 5.0)], data_copy)
    report = ingest(path, data_copy)
    note = _chargement(chargements_enregistres(data_copy), "drees_apl")
    # in plain French for the pack's sources annex (issue 20): when, and the file's SHA-256 to trace it
    assert note.startswith("fichier chargé le ") and report.apercu.sha256 in note
    annuler(data_copy, report.chargement)
    # an undone load no longer counts: the values are the shipped file's, named by its producer and vintage
    assert _chargement(chargements_enregistres(data_copy), "drees_apl") == ""


# ------------------------------------------------------------------------------- one database per use, reused
def test_reads_reuse_a_database_with_the_extensions_loaded_and_still_see_new_loads(data_copy, tmp_path,
                                                                                    monkeypatch):
    """The extension's signature is checked at each `load` (a fresh database per read cost 0.2-0.7 s): each
    use takes a database already loaded, attaches the lake afresh and detaches it, so what was written in
    between is read (another process: tests/test_chargements_pages.py)."""
    from barometre.sources import entrepot as module

    ingest(apl_file(tmp_path, "a.csv", [(2024, ABSCON, 5.0)], data_copy), data_copy)  # the lake exists
    loads: list[bool] = []
    real = module.load_extensions
    monkeypatch.setattr(module, "load_extensions", lambda con, postgres: (loads.append(postgres), real(con, postgres)))
    monkeypatch.setattr(module, "_LIBRES", {})
    entrepot = Entrepot(data_copy)
    first = entrepot.version_courante()
    ingest(apl_file(tmp_path, "b.csv", [(2025, ABSCON, 5.5)], data_copy), data_copy)
    assert entrepot.version_courante() == first + 1
    assert 2025 in entrepot.valeurs([APL])["annee"].to_list()
    assert len(entrepot.chargements()) == 3
    assert len(loads) == 1  # one database, loaded once, for the reads, the load and the reads after it
