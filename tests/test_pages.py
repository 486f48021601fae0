"""Page tests: every page of app.py's navigation through ``streamlit.testing.v1.AppTest``, entered as a
user arrives (app.py first, then ``switch_page``), on the shipped data; plus the interactions that
matter: the territory picker and its key figures, an indicator change, URL state that survives a shared
link, projection mode, stepping through a séance, the downloads under the charts, honest empty states
and statistical secrecy.

Expected numbers are computed from the command line (``barometre values``), never hard-coded.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import os
import re
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from barometre.catalogue import load_catalogue
from barometre.cli import main as cli_main
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.settings import PROJECT_ROOT, get_settings

APP = PROJECT_ROOT / "app.py"
TIMEOUT_S = 60
EPCI = "200042190"
DENAIN = "59172"
SECRET_COMMUNE = "59038"  # Avesnes-le-Sec: taux de pauvreté under statistical secrecy (Filosofi)
NNBSP = "\u202f"


def page_files() -> list[str]:
    """The page files of app.py's ``PAGES`` (each ``st.Page("pages/….py", …)``), in menu order."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets):
            calls = sorted((n for n in ast.walk(node.value) if isinstance(n, ast.Call)
                            and isinstance(n.func, ast.Attribute) and n.func.attr == "Page"),
                           key=lambda n: (n.lineno, n.col_offset))
            return [c.args[0].value for c in calls if c.args and isinstance(c.args[0], ast.Constant)]
    raise AssertionError("app.py has no PAGES list")


PAGE_FILES = page_files()


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(get_settings().catalogue_dir)


@pytest.fixture(scope="module")
def con():
    return connect()


@pytest.fixture(autouse=True)
def navigation_mode(request):
    """Every test runs as on a server that already served app.py (``warm_server``, tests/conftest.py),
    except those that request ``cold_server``: they keep Streamlit's own behaviour (a fresh server)."""
    if "cold_server" not in request.fixturenames:
        request.getfixturevalue("warm_server")


@pytest.fixture
def cold_server():
    """A server process that has not run app.py yet (see ``warm_server``)."""


# ------------------------------------------------------------------------------------ helpers
def start(**query_params: str) -> AppTest:
    """A new session that opens the app at ``/?query_params`` (the default page, through app.py)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    assert_ok(at)
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def cards(at: AppTest) -> dict[str, str]:
    """Key-figure cards (``<div role="group" aria-label=…>``): label → visible text, tags stripped."""
    out = {}
    for el in at.get("html"):
        body = el.proto.body
        m = re.search(r'role="group" aria-label="([^"]*)"', body)
        if m:
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()
            out[html.unescape(m.group(1))] = text
    return out


def card_value(text: str, label: str) -> str:
    """The text of a card after its label (value first, then unit and lines)."""
    assert text.startswith(label), (label, text)
    return text[len(label):].strip()


def cli_value(capsys, indicateur: str, niveau: str, code: str) -> dict[str, str]:
    """`barometre values IND --level L --territory C --format csv`: the row the dashboard shows."""
    assert cli_main(["values", indicateur, "--level", niveau, "--territory", code, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1, rows
    return rows[0]


def french(value: str, decimales: int) -> str:
    """A decimal-point number from the CLI, rounded and written the French way (tests' own formatter)."""
    text = f"{float(value):,.{decimales}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def sidebar_widgets(at: AppTest) -> list:
    sb = at.sidebar
    return [*sb.selectbox, *sb.button, *sb.multiselect, *sb.get("page_link")]


def charts_by_alt(at: AppTest) -> dict[str, dict]:
    import json

    return {el.proto.alt: json.loads(el.proto.spec) for el in at.get("vega_lite_chart")}


def chart_rows(spec: dict) -> list[dict]:
    rows = []
    for layer in [spec, *spec.get("layer", [])]:
        values = (layer.get("data") or {}).get("values")
        if isinstance(values, list):
            rows.extend(values)
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


# ----------------------------------------------------------------------------- every page runs
def test_every_page_file_is_registered():
    """app.py's PAGES lists exactly the files of pages/ (a new page is in the menu and in these tests)."""
    on_disk = sorted(f"pages/{p.name}" for p in (PROJECT_ROOT / "pages").glob("*.py") if not p.name.startswith("_"))
    assert sorted(PAGE_FILES) == on_disk
    assert len(PAGE_FILES) == len(set(PAGE_FILES)) >= 7
    assert PAGE_FILES[0] == "pages/accueil.py"


def menu_sections() -> dict[str, list[str]]:
    """app.py's ``PAGES`` as written: section heading → titles of its pages, in menu order."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in n.targets))
    assert isinstance(node.value, ast.Dict), "PAGES is a dict: section heading → pages"
    return {key.value: [next(k.value.value for k in call.keywords if k.arg == "title") for call in pages.elts]
            for key, pages in zip(node.value.keys, node.value.values, strict=True)}


def sidebar_menu(at: AppTest) -> list[tuple[str, str]]:
    """The sidebar's menu in reading order: ("section", heading text) and ("page", link label) entries."""
    menu = []
    for node in at.sidebar.children.values():
        if node.type == "html" and (m := re.fullmatch(r"\s*<h2[^>]*>(.*)</h2>\s*", node.proto.body, re.S)):
            menu.append(("section", html.unescape(m.group(1))))
        elif node.type == "page_link":
            menu.append(("page", node.proto.label))
    return menu


def test_sidebar_menu_groups_pages_under_section_headings():
    """Every page of app.py sits under its section's heading (an <h2>, announced by screen readers), in the
    order of app.py, and no page is listed twice or left out."""
    sections = menu_sections()
    assert len(sections) >= 3 and all(sections.values()), sections
    # the Administration page is listed for administrators only (tests/test_pages_pilotage.py)
    expected = [entry for section, titles in sections.items()
                for entry in [("section", section), *(("page", t) for t in titles if t != "Administration")]]
    assert sidebar_menu(start()) == expected
    assert sum(len(titles) for titles in sections.values()) == len(PAGE_FILES)
    # the same menu on every page, and none in projection mode (the sidebar is hidden there)
    assert sidebar_menu(goto(start(), "pages/methodologie.py")) == expected
    assert sidebar_menu(start(mode="projection")) == []


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_runs(page):
    """Each page runs without exception or error box, through app.py (sidebar picker present), and
    shows a title; then again for a commune, arriving by a shared link."""
    at = start()
    goto(at, page)
    assert not at.error, [e.value for e in at.error]
    # app.py's shared picker: the level, and (only one territory at the EPCI level) its name as plain text
    assert [s.key for s in at.sidebar.selectbox][:1] == ["niveau"], "app.py's shared picker"
    assert any(m.value.startswith("**Territoire**") for m in at.sidebar.markdown), "the EPCI is named"
    assert at.title or at.header, "the page shows a heading"
    at = start(niveau="commune", code=DENAIN)
    goto(at, page)
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.selectbox(key="code").value == DENAIN


def test_deep_link_on_fresh_server(cold_server):
    """The first visit after a restart lands on a deep link: the page still runs through app.py (shared
    picker in the sidebar, territory from the URL)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.query_params["niveau"] = "commune"
    at.query_params["code"] = DENAIN
    at.switch_page("pages/seance.py").run()
    assert_ok(at)
    assert [s.key for s in at.sidebar.selectbox][:2] == ["niveau", "code"]
    assert at.sidebar.selectbox(key="code").value == DENAIN
    assert any("Denain" in c.value for c in at.caption)


# --------------------------------------------------------------------------- territory picker
def test_territory_picker_denain(capsys, catalogue):
    at = start()
    assert at.sidebar.selectbox(key="niveau").value == "epci"
    at.sidebar.selectbox(key="niveau").set_value("commune").run()
    assert_ok(at)
    at.sidebar.selectbox(key="code").set_value(DENAIN).run()
    assert_ok(at)
    assert "## Denain" in [m.value for m in at.markdown]
    assert at.query_params["niveau"] == "commune" and at.query_params["code"] == DENAIN

    ind = catalogue.indicateur("taux_chomage_15_64")
    row = cli_value(capsys, ind.id, "commune", DENAIN)
    expected = french(row["valeur"], ind.decimales)
    assert re.fullmatch(r"\d+,\d", expected)
    shown = cards(at)
    assert ind.nom_court in shown, list(shown)
    value = card_value(shown[ind.nom_court], ind.nom_court)
    assert re.match(rf"{re.escape(expected)}\s*%", value), (expected, value)
    assert row["annee"] in value, "the card says which vintage it shows"


def test_back_to_agglomeration_drops_url_params(con):
    at = start(niveau="commune", code=DENAIN)
    at.sidebar.selectbox(key="niveau").set_value("epci").run()
    assert_ok(at)
    assert at.session_state["code"] == EPCI
    assert "niveau" not in at.query_params and "code" not in at.query_params
    assert f"## {queries.territoires(con, 'epci')['nom'][0]}" in [m.value for m in at.markdown]


def test_invalid_url_falls_back_to_defaults():
    at = start(niveau="planete", code="00000")
    assert at.sidebar.selectbox(key="niveau").value == "epci"
    assert at.session_state["code"] == EPCI


# ------------------------------------------------------------------------ qualité de vie page
def test_indicator_change_changes_heading(catalogue):
    at = goto(start(), "pages/qualite_de_vie.py")
    theme = at.selectbox(key="theme_qv").value
    ind_box = at.selectbox(key="ind_qv")
    first = catalogue.indicateur(ind_box.value)
    assert at.header[0].value.startswith(first.libelle)
    same_theme = [i for i in catalogue.indicateurs if i.volet == "qualite_de_vie" and i.theme == theme]
    assert len(ind_box.options) == len(same_theme) >= 2
    other_id = next(i.id for i in same_theme if i.libelle != first.libelle)
    ind_box.set_value(other_id).run()
    assert_ok(at)
    assert at.header[0].value.startswith(catalogue.indicateur(other_id).libelle)
    assert at.header[0].value != first.libelle
    assert at.query_params["ind_qv"] == other_id


# ----------------------------------------------------------------------------- URL round trip
def test_url_round_trip(catalogue):
    at = start()
    at.sidebar.selectbox(key="niveau").set_value("commune").run()
    at.sidebar.selectbox(key="code").set_value(DENAIN).run()
    goto(at, "pages/qualite_de_vie.py")
    themes = at.selectbox(key="theme_qv").options
    at.selectbox(key="theme_qv").set_value(themes[1]).run()
    assert_ok(at)
    inds = [i for i in catalogue.indicateurs if i.volet == "qualite_de_vie" and i.theme == themes[1]]
    chosen = inds[-1] if len(inds) > 1 else inds[0]
    at.selectbox(key="ind_qv").set_value(chosen.id).run()
    assert_ok(at)
    heading = at.header[0].value
    shared = {k: at.query_params[k] for k in at.query_params}
    assert shared["niveau"] == "commune" and shared["code"] == DENAIN
    assert shared["theme_qv"] == themes[1]
    if chosen is not inds[0]:
        assert shared["ind_qv"] == chosen.id

    fresh = goto(start(**shared), "pages/qualite_de_vie.py")
    assert fresh.sidebar.selectbox(key="niveau").value == "commune"
    assert fresh.sidebar.selectbox(key="code").value == DENAIN
    assert fresh.selectbox(key="theme_qv").value == themes[1]
    assert fresh.selectbox(key="ind_qv").value == chosen.id
    assert fresh.header[0].value == heading
    assert {k: fresh.query_params[k] for k in fresh.query_params} == shared


def test_explorateur_territories_from_url():
    shared = ["commune:" + DENAIN, "epci:" + EPCI]
    at = goto(start(t=shared), "pages/explorateur.py")
    assert at.multiselect(key="terr_explo").value == shared
    assert at.query_params["t"] == shared, "the choice stays in the URL (repeated t=…)"
    table = at.dataframe[0].value
    assert set(table["Territoire"]) == {"Denain", "CA de La Porte du Hainaut"}


# ---------------------------------------------------------------------------- projection mode
def test_projection_mode():
    at = start(mode="projection", niveau="commune", code=DENAIN)
    assert [b.label for b in at.main.button][:1] == ["Quitter le mode projection"]
    assert sidebar_widgets(at) == [], "no sidebar in projection mode"
    assert not at.sidebar.markdown
    assert at.main.selectbox(key="niveau").value == "commune", "the picker moves to the main area"
    assert at.main.selectbox(key="code").value == DENAIN
    assert "## Denain" in [m.value for m in at.markdown]

    at.button(key="quitter_projection").click().run()
    assert_ok(at)
    assert "mode" not in at.query_params
    assert [s.key for s in at.sidebar.selectbox][:2] == ["niveau", "code"]
    assert not [b for b in at.main.button if b.label == "Quitter le mode projection"]
    assert at.sidebar.selectbox(key="code").value == DENAIN


def test_projection_toggle_enters_mode():
    at = start()
    at.sidebar.button(key="entrer_projection").click().run()
    assert_ok(at)
    assert at.query_params["mode"] == "projection"
    assert sidebar_widgets(at) == []


# ---------------------------------------------------------------------------------------- séance
def vue(at) -> str:
    """The indicator of the séance's view on screen: its name under the active title (« Pauvreté : 23,0 %, … »)."""
    assert len(at.header) == 1, [h.value for h in at.header]
    names = [m.value[2:-2] for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert names, "no indicator name under the title"
    return names[0].replace("\\", "")


def test_seance_steps(catalogue):
    # step 1 is « Où en est le territoire ? » (issue 19), then the views in the order chosen
    at = goto(start(vues="population,cae_1.a", etape="3"), "pages/seance.py")
    assert vue(at) == catalogue.indicateur("cae_1.a").libelle
    assert any("vue 3 / 3" in c.value for c in at.caption)
    assert at.button(key="seance_next").disabled and not at.button(key="seance_prev").disabled

    at.button(key="seance_prev").click().run()
    assert_ok(at)
    assert at.query_params["etape"] == "2"
    assert vue(at) == catalogue.indicateur("population").libelle

    at.button(key="seance_prev").click().run()
    assert_ok(at)
    assert at.query_params["etape"] == "1"
    assert [h.value for h in at.header] == ["Où en est le territoire ?"]
    assert at.button(key="seance_prev").disabled and not at.button(key="seance_next").disabled

    at.button(key="seance_next").click().run()
    assert_ok(at)
    assert at.query_params["etape"] == "2"
    assert vue(at) == catalogue.indicateur("population").libelle
    assert at.query_params["vues"] == "population,cae_1.a"


def test_seance_compose(catalogue):
    at = goto(start(), "pages/seance.py")
    at.multiselect(key="seance_vues").set_value(["taux_pauvrete", "population"]).run()
    at.button(key="seance_appliquer").click().run()
    assert_ok(at)
    assert at.query_params["vues"] == "taux_pauvrete,population" and at.query_params["etape"] == "1"
    assert [h.value for h in at.header] == ["Où en est le territoire ?"]  # the séance opens on the synthesis
    at.button(key="seance_next").click().run()
    assert vue(at) == catalogue.indicateur("taux_pauvrete").libelle


def test_seance_in_projection_mode_has_no_composer():
    at = goto(start(mode="projection", vues="population,cae_1.a"), "pages/seance.py")
    # the only expander is the folded territory picker; the séance composer is not there
    assert [e.label for e in at.expander] == ["Changer de territoire"] and not at.multiselect
    assert {b.key for b in at.button} >= {"quitter_projection", "seance_prev", "seance_next"}
    assert sidebar_widgets(at) == []


def test_seance_ignores_unknown_views_and_steps(catalogue):
    at = goto(start(vues="inconnu,population", etape="99"), "pages/seance.py")
    assert vue(at) == catalogue.indicateur("population").libelle
    assert any("vue 2 / 2" in c.value for c in at.caption)  # the synthesis, then the one known view


# ------------------------------------------------------------------------------------- downloads
@pytest.fixture
def media(monkeypatch) -> dict[str, tuple[bytes, str]]:
    """Bytes of every file handed to Streamlit's media storage, by file id (the URL's file name)."""
    stored: dict[str, tuple[bytes, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        data = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        stored[file_id] = (data, mimetype)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)

    from streamlit.runtime.media_file_manager import MediaFileManager

    original_deferred = MediaFileManager.add_deferred

    def recording_deferred(self, data_callable, mimetype, *args, **kwargs):  # made when the button is clicked
        file_id = original_deferred(self, data_callable, mimetype, *args, **kwargs)
        stored[file_id] = (data_callable, mimetype)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)
    return stored


def download(at: AppTest, media: dict, key: str) -> tuple[bytes, str]:
    """The file behind a download button: stored at render time, or made on click (deferred: the
    registered callable is run, as the server does when the button is clicked)."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}"))
    if button.proto.deferred_file_id:
        make, mimetype = media[button.proto.deferred_file_id]
        data = make()
        return (data.encode("utf-8") if isinstance(data, str) else data), mimetype
    file_id = os.path.splitext(os.path.basename(button.proto.url))[0]
    assert file_id in media, button.proto.url
    return media[file_id]


def test_downloads_explorateur(media, con):
    at = goto(start(), "pages/explorateur.py")
    ind_id = at.selectbox(key="ind_explo").value
    chosen = at.multiselect(key="terr_explo").value
    expected = queries.series(con, ind_id, [tuple(k.split(":", 1)) for k in chosen], "")
    assert expected.height > 0

    data, mimetype = download(at, media, "explo_csv")
    assert mimetype.startswith("text/csv")
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]  # every field quoted (issue 21)
    assert header.split(";")[:2] == ['"Territoire"', '"Niveau"'] and '"Valeur"' in header.split(";")
    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True,
                       schema_overrides={"Code": pl.String, "Valeur": pl.Float64, "Année": pl.Int64})
    assert back.height == expected.height
    assert back["Valeur"].dtype.is_float()
    got = dict(zip(zip(back["Code"], back["Année"], strict=True), back["Valeur"], strict=True))
    want = dict(zip(zip(expected["code"], expected["annee"], strict=True), expected["valeur"], strict=True))
    assert got == pytest.approx(want)

    data, mimetype = download(at, media, "explo_xlsx")
    assert "spreadsheetml" in mimetype
    rows = list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
    assert list(rows[0]) == [h.strip('"') for h in header.split(";")]
    col = {name: i for i, name in enumerate(rows[0])}
    xgot = {(r[col["Code"]], r[col["Année"]]): r[col["Valeur"]] for r in rows[1:]}
    assert xgot == pytest.approx(want)

    png, _ = download(at, media, "explo_png")
    assert png.startswith(b"\x89PNG")
    svg, _ = download(at, media, "explo_svg")
    assert b"<svg" in svg[:500]


def test_downloads_say_which_values_are_secret(media, catalogue):
    ind = catalogue.indicateur("taux_pauvrete")
    at = goto(start(niveau="commune", code=SECRET_COMMUNE, ind_qv=ind.id), "pages/qualite_de_vie.py")
    assert at.header[0].value.startswith(ind.libelle)
    data, _ = download(at, media, "qv_rank_csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    line = next(r for r in rows if r["Code"] == SECRET_COMMUNE)
    assert any("secret" in (v or "").lower() for v in line.values()), line


# -------------------------------------------------------------------------------- empty states
def test_energy_tab_says_what_is_not_loaded(con, catalogue):
    """A visitor reads which energy figures are not loaded yet (never a 0,0); the datasets to load, their
    producers and addresses are for signed-in agents (tests/test_environnement.py)."""
    at = goto(start(onglet_env="energie"), "pages/environnement.py")
    body = "\n".join(m.value for m in at.main.markdown) + "\n".join(i.value for i in at.main.info)
    for ind_id in ("autonomie_energetique", "cae_2.a", "cae_3.a"):
        said = "pas encore chargée" in body.split(catalogue.indicateur(ind_id).libelle, 1)[-1].split("\n", 1)[0] \
            if catalogue.indicateur(ind_id).libelle in body else False
        if queries.disponibilite(con, ind_id).is_empty():
            assert said, (ind_id, body[:800])
        else:
            assert not said, f"{ind_id} has data but the page says it is not loaded"
    assert "barometre ingest" not in body  # no command for a visitor
    assert "0,0" not in body


# ---------------------------------------------------------------------------- statistical secret
def test_secret_value_never_shown_as_zero(capsys, catalogue):
    ind = catalogue.indicateur("taux_pauvrete")
    row = cli_value(capsys, ind.id, "commune", SECRET_COMMUNE)
    assert row["statut"] == "secret" and row["valeur"] == ""

    at = start(niveau="commune", code=SECRET_COMMUNE, theme_qv=ind.theme, ind_qv=ind.id)
    nom = at.sidebar.selectbox(key="code").format_func(SECRET_COMMUNE)
    assert f"## {nom}" in [m.value for m in at.markdown]
    card = card_value(cards(at)[ind.nom_court], ind.nom_court)
    assert card.startswith("secret")
    assert not re.match(r"[\d–-]", card) and "0,0" not in card.split("Repères")[0]

    goto(at, "pages/qualite_de_vie.py")
    assert at.header[0].value.startswith(ind.libelle)
    tile = card_value(cards(at)[ind.nom_court], ind.nom_court)
    assert tile.startswith("secret statistique")
    assert "0,0" not in tile.split("Repères")[0]
    comparison_table = at.dataframe[0].value
    own = comparison_table[comparison_table["Territoire"] == nom]
    assert own["Valeur"].tolist() == ["secret statistique"]
    ranking = next(spec for alt_text, spec in charts_by_alt(at).items() if alt_text.startswith("Classement"))
    drawn = {r.get("code") for r in chart_rows(ranking)}
    assert SECRET_COMMUNE not in drawn and DENAIN in drawn
    assert any(nom in c.value and "Secret statistique" in c.value for c in at.caption)

    goto(at, "pages/territoires.py")
    profile = at.dataframe[-1].value
    line = profile[profile["Indicateur"] == ind.libelle]
    assert line["Valeur"].tolist() == ["secret statistique"]
