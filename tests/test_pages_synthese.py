"""« Où en est le territoire ? » (issue 19) through app.py (AppTest): at the top of the home page, as the
séance's first view, and as the meeting pack's first page — the same statements from one computation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pptx import Presentation

from barometre.texte import echapper
from tests.test_pages import assert_ok, goto, start

EPCI = "200042190"


@pytest.fixture(autouse=True)
def _warm(warm_server):
    """As in tests/test_pages.py: a server that already served app.py."""


@pytest.fixture
def store_vide(tmp_path, monkeypatch):
    from barometre.pilotage.store import Store

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    return Store(url)


def _attendues(store) -> list[str]:
    from barometre.pilotage.synthese import depuis_par_defaut, synthese_du_territoire

    le = date.today()
    return synthese_du_territoire(le=le, depuis=depuis_par_defaut(store, le), store=store).phrases()


def _markdown(at) -> str:
    """The main area's Markdown, bold markers removed (a target and its status are set in bold)."""
    return "\n".join(m.value for m in at.main.markdown).replace("**", "")


def test_home_page_opens_on_where_the_territory_stands(store_vide):
    at = start()
    body = _markdown(at)
    assert "### Où en est le territoire ?" in body
    assert body.index("Où en est le territoire ?") < body.index("### Qualité de vie")  # at the top
    assert "Neutralité carbone en 2050" in body and "non suivi — donnée attendue" in body
    assert "Cibles du projet non renseignées" in body and "Par rapport au Nord" in body
    # what moved, never empty
    # money in constant euros (INSEE's price index shipped in data/raw), the nominal change beside it
    assert echapper("en euros constants de 2021 (+980 € en euros courants) entre 2019 et 2021") in body


def test_home_seance_and_pack_state_the_same_statements(store_vide):
    from barometre.pilotage import rapport

    phrases = _attendues(store_vide)
    assert len(phrases) >= 10
    home = _markdown(start())
    seance_at = goto(start(), "pages/seance.py")
    assert any("vue 1 / " in c.value and "les cibles du projet" in c.value for c in seance_at.caption)
    seance = _markdown(seance_at)
    for phrase in phrases:
        assert echapper(phrase) in home, phrase
        assert echapper(phrase) in seance, phrase
    r = rapport.construire(composition={"titre": "Séance", "niveau": "epci", "code": EPCI,
                                        "vues": ["taux_pauvrete"]}, le=date.today(), store=store_vide)
    assert [p for s in r.synthese for p in s["lignes"]] == phrases  # the pack's first page
    slides = Presentation(io.BytesIO(rapport.rapport_pptx(r))).slides
    # the synthesis's slides: « Où en est le territoire ? » and its « (suite) » (long lists are split)
    first = " ".join(sh.text_frame.text for sl in slides for sh in sl.shapes if sh.has_text_frame
                     and any(s.has_text_frame and s.text_frame.text.startswith("Où en est le territoire ?")
                             for s in sl.shapes))
    assert "Où en est le territoire ?" in first
    for phrase in phrases:
        assert phrase in first, phrase
    assert_ok(seance_at)


def test_volet_opens_on_neutrality_and_shows_the_budgets_choices_and_range(store_vide):
    at = goto(start(onglet_env="trajectoires"), "pages/environnement.py")
    assert at.selectbox(key="traj_ind").value == "cae_1.a"  # not a target without data
    body = _markdown(at)
    assert "Neutralité carbone en 2050" in body
    assert "de 11,00 à 17,40 Mt CO2e, épuisé entre 2034 et 2040" in body
    assert at.selectbox(key="budget_reference").value == 2016
    at.radio(key="budget_forme").set_value("lineaire").run()
    at.radio(key="budget_perimetre").set_value("brut").run()
    assert_ok(at)
    from tests.test_pages import cards

    assert cards(at)["Autorisé 2024–2050"].split("Autorisé 2024–2050")[1].strip().startswith("11,00")
    import json

    specs = [json.dumps(json.loads(el.proto.spec), ensure_ascii=False) for el in at.get("vega_lite_chart")]
    # the chart shows today and the age of the latest observation
    assert any("aujourd'hui" in s and "dernière observation : 2016 (donnée de" in s for s in specs)


def test_methodologie_shows_the_register_the_progress_rule_and_the_share_not_followed(store_vide):
    at = goto(start(), "pages/methodologie.py")
    body = _markdown(at)
    assert "## Registre des objectifs et règle de progrès" in body
    assert "95 % ou plus" in body and "+1,5 % par an" in body and "cinq dernières années" in body
    assert "Trois choix changent le budget" in body
    metric = next(m for m in at.metric if m.label == "Cibles du projet non renseignées")
    assert metric.value == "4 sur 7"
    frames = [df.value for df in at.dataframe if "Donnée attendue" in df.value.columns]
    assert frames, "register table"
    reg = frames[0]
    assert reg["Objectif"].iloc[0] == "Neutralité carbone en 2050" and reg["Confiance"].iloc[0] == "adopté"
    press = reg[reg["Objectif"] == "−80 % d'émissions de CO2 (chiffre de presse)"]
    assert press["Confiance"].iloc[0] == "à confirmer"
    assert "Équité : réduire les écarts entre communes et bassins de vie" in set(reg["Objectif"])
    assert_ok(at)


def test_a_commune_profile_compares_with_the_reference_the_user_picks():
    """Issue 19: a commune's profile compared with the agglomeration, the Nord, France or another territory;
    a total is never set beside another territory's total."""
    denain = "59172"
    at = goto(start(niveau="commune", code=denain), "pages/territoires.py")
    table = at.dataframe[-1].value
    assert "Agglomération" in table.columns  # the default reference
    population = table[table["Indicateur"] == "Population"]
    assert population["Agglomération"].tolist() == ["total : non comparable"]
    at.selectbox(key="profil_reference").set_value("france").run()
    assert_ok(at)
    table = at.dataframe[-1].value
    assert "France" in table.columns
    poverty = table[table["Indicateur"] == "Taux de pauvreté au seuil de 60 %"]["France"].tolist()
    assert poverty and poverty[0].endswith("%")
    at.selectbox(key="profil_reference").set_value("autre").run()
    at.selectbox(key="profil_reference_autre").set_value("commune|59002").run()  # Abscon
    assert_ok(at)
    assert any(c.startswith("Abscon") for c in at.dataframe[-1].value.columns)
