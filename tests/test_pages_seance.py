"""Pages of issue 15 through app.py (AppTest): verdicts on the cards and the method on Méthodologie,
the séance made for the room, its saved compositions."""

from __future__ import annotations

import pytest

from tests.test_pages import assert_ok, cards, goto, start


@pytest.fixture(autouse=True)
def _warm(warm_server):
    """As in tests/test_pages.py: a server that already served app.py."""


def test_cards_carry_verdicts_with_vintage():
    at = start()
    texts = cards(at)
    with_verdict = [t for t in texts.values() if "Progression :" in t]
    assert with_verdict, texts
    assert all("millésime" in t for t in with_verdict)


def test_methodologie_states_the_verdict_rule():
    at = goto(start(), "pages/methodologie.py")
    body = " ".join(m.value for m in at.markdown)
    assert "0,95" in body and "Trop tôt pour conclure" in body and "Situation" in body
    assert_ok(at)


def test_methodologie_explains_margins_and_like_for_like():
    """Issue 19: each kind of source's margin rule with its reason, each indicator's margin, the
    like-for-like rule, constant euros and how every value was made."""
    at = goto(start(), "pages/methodologie.py")
    body = " ".join(m.value for m in at.markdown)
    assert "Marges, comparaisons et méthodes" in body and "« stable »" in body and "« comparable »" in body
    assert "jamais placé à côté du total d'un autre territoire" in body and "euros constants" in body
    assert "calculée par le baromètre" in body and "PTOD" in body
    rules = next(df.value for df in at.dataframe if "Règle" in df.value.columns and "Origine" in df.value.columns)
    assert {"Taux et parts du recensement", "Niveaux de vie et effectifs Filosofi",
            "Comptages administratifs et mesures de réseau", "Inventaires et indicateurs modélisés"} <= set(
        rules["Règle"].to_list())
    assert "±0,5" in " ".join(rules["Marge"].to_list())
    assert "cinq années de collecte" in body  # each rule's reason, in full
    assert_ok(at)


def test_environment_volet_shows_the_carbon_budget_and_target_verdicts():
    at = goto(start(onglet_env="trajectoires"), "pages/environnement.py")  # the targets' section
    texts = cards(at)
    assert "Autorisé 2024–2050" in texts and "Restant" in texts and "Épuisé en" in texts
    assert texts["Autorisé 2024–2050"].split("Autorisé 2024–2050")[1].strip()[0].isdigit()
    assert any(c.value.startswith("Méthode : Budget autorisé") for c in at.caption)
    body = " ".join(h.proto.body for h in at.get("html"))
    for section in ("ges", "energie", "indicateurs"):  # one section is drawn at a time
        at.radio(key="onglet_env").set_value(section).run()
        body += " ".join(h.proto.body for h in at.get("html"))
    assert "Progression : " in body  # the Open SDG verdict under each target


# ------------------------------------------------------------------------------------ the séance
def _chart_rows(at) -> list[tuple[str, int]]:
    """(alt text, number of distinct things drawn) of each chart of the page."""
    import json

    import pyarrow as pa

    from tests.test_pages import chart_rows

    out = []
    for el in at.get("vega_lite_chart"):
        rows = chart_rows(json.loads(el.proto.spec))
        if el.proto.HasField("data") and el.proto.data.data:  # top-level data Streamlit moved out of the spec
            rows += pa.ipc.open_stream(el.proto.data.data).read_all().to_pylist()
        alt_text = el.proto.alt
        keys = {(r.get("nom"), r.get("annee"), r.get("etiquette")) for r in rows if r.get("valeur") is not None}
        out.append((alt_text, len(keys)))
    return out


def _page_text(at) -> str:
    """The text of the main area (what the room sees; the sidebar is hidden in projection mode)."""
    m = at.main
    parts = [x.value for x in m.markdown] + [c.value for c in m.caption] + [i.value for i in m.info]
    parts += [h.proto.body for h in m.get("html")] + [w.value for w in m.warning]
    return "\n".join(str(p) for p in parts)


def test_default_seance_never_shows_a_lone_bar_nor_a_shell_command():
    at = goto(start(), "pages/seance.py")
    caption = next(c.value for c in at.caption if "vue 1 / " in c.value)
    n = int(caption.split("vue 1 / ")[1].split(" ")[0])
    assert n >= 2
    assert "Les cibles du projet de territoire" in _page_text(at)  # the first view: the synthesis (issue 19)
    for _step in range(2, n + 1):
        at.button(key="seance_next").click().run()
        assert_ok(at)
        drawn = _chart_rows(at)
        assert len(drawn) == 1, drawn  # one idea per screen
        assert drawn[0][1] >= 2, drawn  # never a lone bar
        text = _page_text(at)
        assert "uv run" not in text and "barometre ingest" not in text
    assert at.button(key="seance_next").disabled


def test_views_without_data_are_listed_as_expected_data():
    from barometre.calculs.plan_seance import genre_de_vue  # noqa: F401 - the rule under test

    # autonomie_energetique has no value loaded for the EPCI in the shipped data (energy files not loaded)
    at = goto(start(vues="autonomie_energetique,population", etape="2"), "pages/seance.py")
    assert any("vue 2 / 2" in c.value for c in at.caption)  # the synthesis, then the one view with data
    assert any(m.value == "#### Données attendues" for m in at.markdown)
    assert any("Autonomie énergétique" in m.value for m in at.markdown)


def test_saved_seance_reopens_by_link(tmp_path, monkeypatch):
    from barometre.pilotage.store import Store, Utilisateur

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url)
    s.initialiser_admin("admin", "Admin", "x")
    agent = Utilisateur("agent", "agent")
    s.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent", "x")
    sid = s.creer_seance(agent, titre="Conseil communautaire", date_seance="2026-12-10", niveau="epci",
                         code="200042190", vues="taux_chomage_15_64,population")
    at = goto(start(seance=str(sid)), "pages/seance.py")
    caption = next(c.value for c in at.caption if "vue 1 / " in c.value)
    assert caption.startswith("Conseil communautaire — 10 décembre 2026 — vue 1 / 3")
    assert at.query_params["seance"] == str(sid)
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Dossier de séance (PDF)", "Diaporama (PowerPoint)"} <= labels
    at.button(key="seance_next").click().run()
    assert_ok(at)
    assert any("vue 2 / 3" in c.value for c in at.caption)


# ------------------------------------------------------------------------------------- explorer
def test_explorer_names_chosen_territories_without_a_value_and_shows_labels(con):
    """A commune has no value for an EPCI-only indicator: the explorer says so instead of dropping it;
    levels, methods and sources read as words, not ids."""
    from barometre.donnees import queries

    rows = queries.valeurs(con, "population", niveau="epci")
    assert rows.height  # population is published for the EPCI
    at = goto(start(t=["epci:200042190", "commune:59172"], ind_explo="population"), "pages/explorateur.py")
    table = at.dataframe[0].value
    assert "departement" not in set(table["Niveau"]) and "epci" not in set(table["Niveau"])
    assert "calculee" not in set(table["Méthode"]) and not any(s.startswith("insee_") for s in table["Source"])
    at = goto(start(t=["epci:200042190", "region:32"], ind_explo="pcaet_actions"), "pages/explorateur.py")
    said = [c.value for c in at.caption if c.value.startswith("Aucune valeur de même définition pour")]
    assert said and "Hauts-de-France" in said[0]


@pytest.fixture(scope="module")
def con():
    from barometre.donnees.db import connect

    return connect()
