"""The volet environnemental's energy tab in a real browser, without and with energy data loaded.

Without: the shipped data (session server): the tab defines the autonomy and what it leaves out, says the
energy data are not loaded yet (the datasets themselves are named for agents); no upload field (files load
on the « Données » page). With: a second server on a copy of
data/ (``BAROMETRE_DATA_DIR``) into which the TEST fixtures of tests/fixtures/energie/ (invented round
numbers) are ingested: the agglomeration's autonomy is shown, equal to the fixtures' production ÷
consumption summed here with the csv module, and the table by commune and bassin de vie is drawn.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from barometre.formats import nombre
from barometre.settings import PROJECT_ROOT, Settings
from barometre.sources.ingest import ingest

from .conftest import pages_on, running_streamlit
from .streamlit_page import DESKTOP, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "energie"
ORE = FIXTURES / "ore_conso_elec_gaz_commune_2023.csv"
ENEDIS = FIXTURES / "enedis_production_filiere_commune_2023.csv"
RENOUVELABLES = [f"energie_produite_annuelle_{f}_enedis_mwh"
                 for f in ("photovoltaique", "eolien", "hydraulique", "bio_energie")]
TAB = "Énergie et autonomie"


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def _epci_autonomy() -> float:
    communes = set(pl.read_parquet(PROJECT_ROOT / "data" / "territoires.parquet")
                   .filter(pl.col("niveau") == "commune")["code"].to_list())
    conso_mwh = math.fsum(float(r["conso"]) for r in _rows(ORE) if r["code_commune"] in communes)
    prod_mwh = math.fsum(float(r[c]) for r in _rows(ENEDIS) if r["code_commune"] in communes for c in RENOUVELABLES)
    return prod_mwh / conso_mwh * 100


def _energy_tab(page):
    """Choose the page's « Énergie et autonomie » section (a radio: only the chosen section is drawn)."""
    wait_for_app(page)
    page.get_by_role("radiogroup").get_by_text(TAB, exact=True).click()
    wait_for_app(page)
    panel = page.locator('[data-testid="stMain"]')
    assert_no_exception(page)
    return panel


def test_energy_tab_without_data_names_datasets_and_command(page_at):
    page = page_at("/environnement", viewport=DESKTOP)
    panel = _energy_tab(page)
    text = panel.inner_text()
    assert "pas encore chargée" in text and "Ce qu'elle laisse de côté" in text
    assert "agence ORE" in text and "Enedis" in text
    assert page.locator('input[type="file"]').count() == 0, "files load on the Données page"
    assert "par commune et par bassin de vie" not in text
    screenshot(page, "environnement_energie_sans_donnees")


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("energie") / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("edits"))
    settings = Settings(data_dir=data)
    for path in (ORE, ENEDIS):
        ingest(path, settings)
    with running_streamlit({"BAROMETRE_DATA_DIR": str(data)}) as url:
        yield url


def test_energy_tab_with_data_loaded_shows_autonomy(browser, loaded_server):
    opener = pages_on(browser, loaded_server)
    open_page = next(opener)
    try:
        page = open_page("/environnement", viewport=DESKTOP)
        panel = _energy_tab(page)
        text = panel.inner_text()
        assert "pas encore chargée" not in text
        assert f"{nombre(_epci_autonomy(), 1)}" in text, text[:2000]
        assert "Autonomie énergétique par commune et par bassin de vie (2023)" in text
        assert panel.locator('[data-testid="stDataFrame"]').count() >= 1
        screenshot(page, "environnement_energie_chargee")
    finally:
        opener.close()
