"""French and keyboard everywhere (issue 24), through app.py as a visitor arrives: no raw id reaches the
reader (sources on the commune profile, targets by their headline), the sign-in box on every page (Accueil
included), the Accueil cards name their source beside the year, the label's name and the PCAET's adoption
date read from territoire.toml (not written in page code), multiselects without Streamlit's English
« Select all », and a visible keyboard focus on the menu's links."""

from __future__ import annotations

import re
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from barometre.catalogue import load_catalogue
from barometre.settings import PROJECT_ROOT, get_settings
from barometre.ui import cadre

APP = PROJECT_ROOT / "app.py"
TIMEOUT_S = 90
DENAIN = "59172"


@pytest.fixture(autouse=True)
def _warm(warm_server):
    """As on a server that already served app.py (tests/conftest.py)."""


def start(**query_params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def cards_text(at: AppTest) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", el.proto.body) for el in at.get("html") if 'role="group"' in el.proto.body]


def test_accueil_has_the_sign_in_box_and_cards_name_their_source():
    at = start()
    assert any(e.label == "Se connecter pour saisir" for e in at.sidebar.expander), "sign-in on Accueil"
    cards = cards_text(at)
    assert cards and all("Source :" in c for c in cards if "Donnée pas encore chargée" not in c), cards[:3]
    producteurs = {s.producteur for s in load_catalogue(get_settings().catalogue_dir).sources}
    assert any(p in c for c in cards for p in producteurs)


@pytest.mark.parametrize("page", ["pages/territoires.py", "pages/methodologie.py", "pages/grille.py"])
def test_every_page_offers_sign_in_once(page):
    """Drawn by app.py on every page; a page that asks for the user itself (grille) gets no second box."""
    at = goto(start(), page)
    assert [e.label for e in at.sidebar.expander].count("Se connecter pour saisir") == 1


def test_commune_profile_names_sources_not_their_ids():
    at = goto(start(niveau="commune", code=DENAIN), "pages/territoires.py")
    profile = at.dataframe[-1].value
    ids = {s.id for s in load_catalogue(get_settings().catalogue_dir).sources}
    shown = set(profile["Source"].to_list())
    assert not shown & ids, shown & ids
    assert any("," in s for s in shown)  # « Producteur, jeu de données »


def test_targets_are_named_by_their_headline():
    at = goto(start(), "pages/environnement.py")
    ids = set()
    with (PROJECT_ROOT / "data" / "catalogue" / "objectifs.csv").open(encoding="utf-8") as f:
        next(f)
        ids = {line.split(",", 1)[0] for line in f if line.strip()}
    for df in at.dataframe:
        if "Objectif" in df.value.columns:
            assert not set(df.value["Objectif"].to_list()) & ids


def test_label_name_and_pcaet_date_come_from_territoire_toml(data_copy):
    path = data_copy.catalogue_dir / "territoire.toml"
    docs = tomllib.loads(path.read_text(encoding="utf-8"))["documents"]
    text = path.read_text(encoding="utf-8")
    text = text.replace(docs["label"], "Horizon Test 2099").replace(docs["pcaet_adopte_le"], "1er avril 2030")
    path.write_text(text, encoding="utf-8")
    at = goto(start(), "pages/label.py")
    assert at.title[0].value == "Label « Horizon Test 2099 »"
    at = goto(at, "pages/methodologie.py")
    pcaet = next(m.value for m in at.markdown if m.value.startswith("**PCAET**"))
    assert "1er avril 2030" in pcaet


def test_multiselects_offer_no_english_select_all():
    at = goto(start(), "pages/bien_etre.py")
    boxes = at.get("multiselect")
    assert boxes, "the well-being page has a multiselect"
    for box in boxes:
        assert box.proto.placeholder and "Choose" not in box.proto.placeholder
        assert not box.proto.select_all, box.proto.label


def test_file_uploader_speaks_french():
    """Issue 24: Streamlit's uploader says « Upload » and « 200MB per file • CSV, TXT » and no parameter
    replaces them (streamlit/streamlit#13500). The one CSS removes the English words (display: none, so
    screen readers skip them too) and draws French ones as generated content, counted in the button's
    accessible name (checked in Chromium by tests/browser/test_chargement_browser.py); the size limit and the
    types are then said by each uploader's label."""
    css = " ".join(cadre.BASE_CSS.split())
    assert 'button [data-testid="stMarkdownContainer"] p { display: none; }' in css
    assert 'content: "Choisir un fichier";' in css
    assert '[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }' in css
    assert '[data-testid="stFileUploaderDropzoneInput"] { visibility: hidden; }' in css  # named « file upload »
    assert cadre.taille_max_televersement() == "200 Mo au plus"
    sources = {p.name: p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "barometre" / "ui").glob("*.py")}
    uploaders = [(n, m.group(1)) for n, text in sources.items()
                 for m in re.finditer(r"st\.file_uploader\(\s*(f?\"[^\"]*\")", text)]
    assert len(uploaders) == 3, uploaders
    for name, label in uploaders:  # types and limit in the label, or in the caption just above (chargements)
        assert ("CSV" in label and "taille_max_televersement" in label) or "Taille maximale" in sources[name], name


def test_menu_focus_ring_is_visible():
    """A 3 px ring on the sidebar's links, at ≥ 3:1 against the sidebar's background (WCAG 2.4.11/1.4.11)."""
    def lum(h: str) -> float:
        c = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    assert "a:focus-visible" in cadre.BASE_CSS and cadre.FOCUS_COLOUR in cadre.BASE_CSS
    hi, lo = sorted((lum(cadre.FOCUS_COLOUR), lum("#F0F2F6")), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 3


def test_register_texts_shown_to_readers_name_no_catalogue_id():
    """The register's texts that the synthesis (Accueil, séance, pack) and the methodology show as they are
    (headline, scope, awaited data, document, place) speak French: no catalogue id (cae_2.a,
    atmo_hdf_inventaire_epci) in them."""
    import csv

    cat = load_catalogue(get_settings().catalogue_dir)
    ids = {s.id for s in cat.sources} | {i.id for i in cat.indicateurs if "." in i.id}
    with (get_settings().catalogue_dir / "objectifs.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = sorted({(r["id"], champ, i) for r in rows
                    for champ in ("intitule", "perimetre", "donnee_attendue", "document", "localisation")
                    for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", r.get(champ) or "")})
    assert not found, found
