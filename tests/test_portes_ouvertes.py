"""Issue 21 (« The secret ballot and the last open doors »): each finding beyond the secret ballot pinned by
a test that failed on the code before its fix. The ballot itself: tests/test_panel_store.py and
tests/test_pages_panel.py. Every crafted label, text and address below is test content.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from barometre.settings import PROJECT_ROOT, get_settings
from barometre.sources.csvread import IngestError

RAW = Path("/work/shared/data/raw")
EMPLOI = RAW / "insee_chiffres_detailles_epci" / "act_caracteristiques_emploi_2018_epci200042190.csv"
ORE = PROJECT_ROOT / "tests" / "fixtures" / "energie" / "ore_conso_elec_gaz_commune_2023.csv"
IMAGE = "![x](https://intrus.example/pixel.png)"


def _sans_progression(*_args) -> None:
    return None


# ---------------------------------------------------------------- breakdown labels of loaded files
@pytest.mark.skipif(not EMPLOI.is_file(), reason="extrait INSEE emploi absent")
def test_a_crafted_sex_label_is_refused_at_load_naming_file_line_and_column(tmp_path):
    from barometre.sources.ingest import lire

    lines = EMPLOI.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if ",ACT G1," in f",{line}" or line.startswith("ACT G1,"))
    lines[n] = lines[n].replace(",Femmes,", f",Femmes{IMAGE},").replace(",Hommes,", f",Hommes{IMAGE},")
    path = tmp_path / "emploi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        lire(path, get_settings(), _sans_progression)
    assert exc.value.fichier == "emploi.csv" and exc.value.ligne == n + 1 and exc.value.colonne == "sexe"


def test_a_crafted_ore_sector_label_is_refused(tmp_path):
    from barometre.sources.ingest import lire

    text = ORE.read_text(encoding="utf-8").replace(";Résidentiel;;;", ";<img src=https://intrus.example/p>;;;", 1)
    path = tmp_path / "ore.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        lire(path, get_settings(), _sans_progression)
    assert exc.value.colonne and "secteur" in exc.value.colonne.lower()


@pytest.mark.parametrize("label", [f"Femmes{IMAGE}", "<img src=x onerror=alert(1)>", "[lien](https://x.example)",
                                   "www.intrus.example", "a_b_", "Hommes :red[rouge]"])
def test_every_load_refuses_a_breakdown_label_that_is_not_plain_text(label):
    from barometre.catalogue import load_catalogue
    from barometre.sources.layouts import Valeur
    from barometre.sources.valeurs import check_values

    v = Valeur("part_temps_partiel_salaries", "epci", "200042190", 2018, 12.0, "insee_emploi_epci_2018",
               ventilation=label, ligne=7)
    with pytest.raises(IngestError, match="ventilation") as exc:
        check_values([v], load_catalogue(get_settings().catalogue_dir), "f.csv")
    assert exc.value.ligne == 7


def test_the_breakdown_labels_shipped_are_plain_text():
    import polars as pl

    from barometre.sources.valeurs import ventilation_refusee

    labels = pl.read_parquet(PROJECT_ROOT / "data" / "valeurs" / "*.parquet")["ventilation"].unique().to_list()
    assert [x for x in labels if ventilation_refusee(x or "")] == []


def test_cards_escape_every_text_they_show():
    from barometre.texte import Html
    from barometre.ui.panneaux import card

    out = card(f"Part{IMAGE}", "<b>12</b>", "%<i>", ["2018 · <img src=https://intrus.example/p>",
                                                   Html('<div class="ok">vérifié</div>')], 'aide" onmouseover="x')
    assert "<img" not in out and "<b>12" not in out and "<i>" not in out and 'onmouseover="x' not in out
    assert "&lt;img src=https://intrus.example/p&gt;" in out and '<div class="ok">vérifié</div>' in out


# ---------------------------------------------------------------- typed text on public pages
APP = PROJECT_ROOT / "app.py"
PAYLOAD = f"<img src=https://intrus.example/h.png> {IMAGE} **GRASINJECTE**"


def _rendu(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like").render(markdown)


@pytest.fixture
def base(tmp_path, monkeypatch, warm_server):
    from barometre.pilotage.store import Store, Utilisateur

    url = f"sqlite:///{tmp_path / 'pilotage.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url)
    s.initialiser_admin("admin", "Admin", "$argon2id$test-only")
    for role in ("agent", "panel"):
        s.creer_compte(Utilisateur("admin", "admin"), role, role, role.capitalize(), "$argon2id$test-only")
    yield s
    s.fermer()


def _page(page: str, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _markdowns(at) -> list[str]:
    return [m.value for m in (*at.markdown, *at.caption, *at.get("header"), *at.get("subheader"))]


def test_an_objectives_source_is_shown_as_text(base):
    from barometre.calculs.targets import OBJECTIFS_COLUMNS, load_objectifs
    from barometre.pilotage.objectifs import OBJECTIFS_FILE
    from barometre.pilotage.store import Utilisateur

    shipped = load_objectifs(get_settings().catalogue_dir / OBJECTIFS_FILE)
    obj = next(o for o in shipped if o.indicateur == "cae_1.a")  # a target with a trajectory drawn
    fields = {c: getattr(obj, c) for c in OBJECTIFS_COLUMNS if c != "id"}
    base.enregistrer_objectif(Utilisateur("agent", "agent"), obj.id, 0, **{**fields, "source": PAYLOAD})
    at = _page("pages/environnement.py", onglet_env="trajectoires")
    at.selectbox(key="traj_ind").set_value("cae_1.a").run()
    shown = [m for m in _markdowns(at) if "GRASINJECTE" in m]
    assert shown, "the source is shown"
    for m in shown:
        html = _rendu(m)
        assert "<img" not in html and "<strong>GRASINJECTE" not in html, m


def test_adopted_criteria_are_shown_as_text_in_the_method_section(base):
    from barometre.pilotage.panel import Panel
    from barometre.pilotage.store import Utilisateur

    agent = Utilisateur("agent", "agent")
    p = Panel(base)
    seance = p.creer(agent, "panel_seances", date="2027-03-12", lieu="Salle (test)", groupe="Groupe (test)")
    ok = p.creer(agent, "panel_criteres", famille="engagement", libelle="Avoir un emploi (test)",
                 indicateurs=["taux_chomage_15_64"], a_construire=False, commentaire="")
    bad = p.creer(agent, "panel_criteres", famille="services", libelle=PAYLOAD, indicateurs=[], a_construire=True,
                  commentaire="")
    p.adopter_criteres(agent, "Critères (test)", "2027-03-12", [ok, bad], seance)
    at = _page("pages/bien_etre.py")
    shown = [m for m in _markdowns(at) if "GRASINJECTE" in m]
    assert shown, "the adopted criterion is quoted in the method section"
    for m in shown:
        html = _rendu(m)
        assert "<img" not in html and "<strong>GRASINJECTE" not in html, m


# ---------------------------------------------------------------- built-in table export, error details
def test_tables_offer_no_builtin_export_and_visitors_see_no_error_details():
    """Issue 21: Streamlit's own « Download as CSV » exported public tables (Label list, recommendations) with
    their formulas untouched; the pages' own CSV / XLSX downloads are neutralised. Tracebacks named the
    PostgreSQL host and server paths."""
    import tomllib

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert "disableDataExport" not in (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")


# ---------------------------------------------------------------- security headers
def _reponse(query: bytes, monkeypatch=None) -> dict[bytes, bytes]:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from barometre.pilotage.sessions import EntetesSecurite

    sent = []

    async def page(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"<html></html>"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    app = EntetesSecurite(page)({"type": "http", "query_string": query, "path": "/"}, receive, send)
    # A thread of its own: a browser test's Playwright (sync API) may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app).result()
    return dict(sent[0]["headers"])


def test_every_response_carries_the_security_headers(monkeypatch):
    monkeypatch.delenv("BAROMETRE_CADRES_AUTORISES", raising=False)
    h = _reponse(b"")
    assert h[b"content-security-policy"] == b"frame-ancestors 'self'"
    assert h[b"x-content-type-options"] == b"nosniff" and h[b"referrer-policy"] == b"same-origin"
    assert _reponse(b"embed=true")[b"content-security-policy"] == b"frame-ancestors *"  # an embedded view
    monkeypatch.setenv("BAROMETRE_CADRES_AUTORISES", "https://www.agglo.example; script-src *")
    assert _reponse(b"vue=x&embed=true")[b"content-security-policy"] == (
        b"frame-ancestors https://www.agglo.example script-src *")  # one directive only: « ; » cannot add one
    app = (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")
    assert "middleware=sessions.middleware()" in app


def test_the_edit_database_is_private_to_the_server(tmp_path):
    """Issue 21: the edit database (password hashes, sessions, ballots) was created world-readable."""
    import os
    import stat

    from barometre.pilotage.store import Store

    old = os.umask(0o022)
    try:
        s = Store(f"sqlite:///{tmp_path / 'edits' / 'pilotage.sqlite'}")
        s.initialiser_admin("admin", "Admin", "$argon2id$test-only")
        s.fermer()
        shared = tmp_path / "partagee.sqlite"
        shared.write_bytes(b"")
        shared.chmod(0o644)
        Store(f"sqlite:///{shared}").fermer()
    finally:
        os.umask(old)
    for f in [*(tmp_path / "edits").iterdir(), shared]:
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, (f.name, oct(f.stat().st_mode))


@pytest.mark.parametrize("ident", ["99999999999999999999", "2147483648"])
def test_a_huge_id_in_the_address_is_not_found_not_an_error(base, ident):
    """Issue 21: ?seance=99999999999999999999 gave an error page (the engine's integer overflow)."""
    at = _page("pages/seance.py", seance=ident)
    assert any("Séance introuvable" in w.value for w in at.warning)
    assert base.seance(int(ident)) is None and base.ligne("panel_votes", int(ident)) is None


# ---------------------------------------------------------------- files written and fetched
def test_the_pack_is_written_atomically_without_following_links(tmp_path, monkeypatch):
    """Issue 21: ``rapport --sortie`` wrote through the predictable ``.<name>.tmp``, following a link there."""
    from barometre.pilotage import rapport

    monkeypatch.setattr(rapport, "rapport_pdf", lambda r: b"%PDF-test")
    victim = tmp_path / "victime.txt"
    victim.write_text("intact", encoding="utf-8")
    (tmp_path / ".dossier.pdf.tmp").symlink_to(victim)  # the old predictable temporary name
    (tmp_path / "dossier.pdf").symlink_to(victim)  # the output name itself is a link
    out = rapport.ecrire(None, "pdf", tmp_path / "dossier.pdf")
    assert victim.read_text(encoding="utf-8") == "intact"
    assert not out.is_symlink() and out.read_bytes() == b"%PDF-test"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()] == []


@pytest.mark.parametrize("entree", [
    {"url": "file:///etc/passwd"}, {"url": "ftp://intrus.example/f.csv"}, {"url": "http://intrus.example/f.csv"},
    {"url": "https://u:p@intrus.example/f.csv"}, {"nom": "../../pilotage.sqlite"}, {"nom": ".bashrc"},
    {"nom": "dossier/f.csv"}, {"nom": "f;rm -rf.csv"}])
def test_downloads_take_https_addresses_and_plain_names_only(entree, tmp_path, monkeypatch):
    """Issue 21: ``telecharger`` accepted any URL scheme and an unsanitised file name from the catalogue."""
    from barometre.sources import telechargement as t

    base = {"source": "insee_comparateur", "nom": "f.csv", "url": "https://www.insee.fr/f.csv"}
    bad = {**base, **entree}
    catalogue = tmp_path / "telechargements.toml"
    catalogue.write_text("[[fichier]]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in bad.items()),
                         encoding="utf-8")
    monkeypatch.setenv(t.ENV_CATALOGUE, str(catalogue))
    with pytest.raises(IngestError) as exc:
        t.fichiers(get_settings())
    assert exc.value.colonne in entree and "n° 1" in exc.value.message
    ok = tmp_path / "ok.toml"
    ok.write_text("[[fichier]]\n" + "".join(f'{k} = "{v}"\n' for k, v in base.items()), encoding="utf-8")
    monkeypatch.setenv(t.ENV_CATALOGUE, str(ok))
    assert [f.nom for f in t.fichiers(get_settings())] == ["f.csv"]


def test_a_lake_that_cannot_be_attached_never_prints_its_password(tmp_path, monkeypatch):
    """Issue 21: DuckLake ATTACH errors printed the PostgreSQL password (in the connection string)."""
    from barometre.sources import entrepot

    secret = "MotDePasseTresSecret42"
    monkeypatch.setenv(entrepot.ENV_URL, f"postgresql://baro:{secret}@127.0.0.1:1/lac")
    monkeypatch.setenv(entrepot.ENV_LAKE_DIR, str(tmp_path / "fichiers"))
    e = entrepot.Entrepot(get_settings())
    with pytest.raises(entrepot.ErreurEntrepot) as exc, e._ouvrir(ecriture=False):
        pass
    text = str(exc.value)
    assert secret not in text and "injoignable" in text
    assert exc.value.__cause__ is None and exc.value.__suppress_context__  # no chained engine message either
    assert entrepot.masquer(f"x password={secret} y postgresql://baro:{secret}@h/d", None).count(secret) == 0


@pytest.mark.parametrize("nom,contenu", [("a.xlsx", b"PK\x03\x04junk"), ("a.csv", b"\xff\xfe\x00\x00junk"),
                                         ("a.parquet", b"PAR1junk"), ("a.xls", b"\xd0\xcf\x11\xe0junk")])
def test_an_upload_refusal_never_names_the_servers_temporary_folder(nom, contenu, tmp_path):
    """Issue 21: upload refusals named /tmp/barometre-televersement-…/ (the server's temporary path)."""
    from barometre.pilotage.store import Store, Utilisateur
    from barometre.sources.ingest import ingest_televersement

    s = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    s.initialiser_admin("admin", "Admin", "$argon2id$test-only")
    with pytest.raises(IngestError) as exc:
        ingest_televersement(nom, contenu, get_settings(), Utilisateur("admin", "admin"), s, apercu_seul=True)
    s.fermer()
    assert exc.value.fichier == nom and "/tmp" not in str(exc.value) and "televersement-" not in str(exc.value)
