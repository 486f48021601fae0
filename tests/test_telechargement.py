"""``barometre telecharger``: against a local HTTP server on 127.0.0.1 serving the TEST fixtures of
tests/fixtures/energie/ (invented round numbers), the file is fetched, checked (size, SHA-256) and loaded by the
same reviewed ingest; a wrong checksum, an HTML page or an unreachable address are refused in French and write
nothing."""

from __future__ import annotations

import functools
import hashlib
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from barometre.cli import main
from barometre.settings import PROJECT_ROOT
from barometre.sources.entrepot import Entrepot

DATA_DIR = PROJECT_ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures" / "energie"
ENEDIS = FIXTURES / "enedis_production_filiere_commune_2023.csv"
ORE = FIXTURES / "ore_conso_elec_gaz_commune_2023.csv"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: ANN002 - keep pytest's output clean
        pass


@pytest.fixture
def serveur(tmp_path):
    """A local HTTP server on 127.0.0.1 (free port) serving a copy of the fixtures and an HTML page."""
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy2(ENEDIS, root / "enedis.csv")
    shutil.copy2(ORE, root / "ore.csv")
    (root / "page.html").write_text("<!doctype html><html><body>Maintenance</body></html>", encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def catalogue(tmp_path: Path, monkeypatch, entries: list[dict]) -> None:
    lines = []
    for e in entries:
        lines.append("[[fichier]]")
        lines += [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in e.items()]
    path = tmp_path / "telechargements.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("BAROMETRE_TELECHARGEMENTS", str(path))


def test_the_shipped_catalogue_names_known_sources(data_copy):
    from barometre.catalogue import load_catalogue
    from barometre.sources.telechargement import adresse, fichiers

    known = {s.id for s in load_catalogue(data_copy.catalogue_dir).sources}
    entries = fichiers(data_copy)
    assert entries and {f.source for f in entries} <= known
    assert all(adresse(f, data_copy).startswith("https://") and "200042190" in adresse(f, data_copy) for f in entries)


def test_files_are_fetched_checked_and_loaded(data_copy, serveur, tmp_path, monkeypatch, capsys):
    sha = hashlib.sha256(ENEDIS.read_bytes()).hexdigest()
    catalogue(tmp_path, monkeypatch, [
        {"source": "enedis_production_commune", "nom": "production.csv", "url": f"{serveur}/enedis.csv?epci={{epci}}",
         "sha256": sha},
        {"source": "ore_conso_commune", "nom": "conso.csv", "url": f"{serveur}/ore.csv"},
    ])
    assert main(["telecharger", "--apercu"]) == 0
    out = capsys.readouterr().out
    assert f"SHA-256 {sha}" in out and "rien n'a été enregistré" in out
    assert not Entrepot(data_copy).existe()
    assert main(["telecharger", "--auteur", "robot"]) == 0
    loads = {c.info["fichier"]: c for c in Entrepot(data_copy).chargements() if c.type == "chargement"}
    assert set(loads) == {"production.csv", "conso.csv"}
    assert loads["production.csv"].info["sha256"] == sha and loads["production.csv"].auteur == "robot"
    assert loads["conso.csv"].info["sha256"] == hashlib.sha256(ORE.read_bytes()).hexdigest()
    stored = Entrepot(data_copy).valeurs()
    assert {"enedis_production_commune", "ore_conso_commune"} <= set(stored["source"].to_list())


@pytest.mark.parametrize("cas", ["checksum", "html", "absent", "injoignable"])
def test_a_bad_download_is_refused_in_french_and_writes_nothing(data_copy, serveur, tmp_path, monkeypatch, capsys,
                                                               cas):
    url = {"checksum": f"{serveur}/enedis.csv", "html": f"{serveur}/page.html", "absent": f"{serveur}/nope.csv",
           "injoignable": f"http://127.0.0.1:{_free_port()}/enedis.csv"}[cas]
    entry = {"source": "enedis_production_commune", "nom": "production.csv", "url": url,
             "page": "https://exemple.invalid/jeu"}
    if cas == "checksum":
        entry["sha256"] = "0" * 64
    catalogue(tmp_path, monkeypatch, [entry])
    assert main(["telecharger", "enedis_production_commune"]) == 4
    err = capsys.readouterr().err
    expected = {"checksum": "SHA-256", "html": "page web", "absent": "a répondu 404",
                "injoignable": "impossible de joindre"}[cas]
    assert expected in err and "Aucune donnée n'a été modifiée" in err
    assert not Entrepot(data_copy).existe()


def test_an_unknown_source_is_named(data_copy, capsys):
    assert main(["telecharger", "inconnue"]) == 2
    assert "sources téléchargeables" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
