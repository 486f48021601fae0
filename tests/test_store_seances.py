"""Séances saved in the store: role checks, ordered views, history, conflicts (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from barometre.pilotage.store import ConflitEdition, DonneesInvalides, RefusEcriture
from tests.comptes import AGENT, LECTEUR, PANEL


def test_agent_saves_a_seance_and_order_is_kept(store):
    sid = store.creer_seance(AGENT, titre="Conseil du 10 décembre", date_seance="2026-12-10", niveau="epci",
                             code="200042190", vues=["taux_pauvrete", "population", "taux_pauvrete"])
    row = store.seance(sid)
    assert row["vues"] == "taux_pauvrete,population" and row["date_seance"] == "2026-12-10"
    assert row["modifie_par"] == "agent" and row["version"] == 1
    assert store.seances()["id"].to_list() == [sid]
    hist = store.historique(["seances"])
    assert set(hist["champ"].to_list()) >= {"titre", "vues"} and set(hist["login"].to_list()) == {"agent"}
    v2 = store.modifier(AGENT, "seances", sid, 1, vues="population,cae_1.a")
    assert v2 == 2 and store.seance(sid)["vues"] == "population,cae_1.a"
    with pytest.raises(ConflitEdition):
        store.modifier(AGENT, "seances", sid, 1, titre="Autre")


@pytest.mark.parametrize("user", [PANEL, LECTEUR, None])
def test_only_agents_and_admins_save(store, user):  # noqa: F811
    with pytest.raises(RefusEcriture):
        store.creer_seance(user, titre="x", niveau="epci", code="200042190", vues="population")
    assert store.seances().is_empty()


def test_unknown_views_and_bad_input_are_refused(store):
    with pytest.raises(DonneesInvalides, match="vues inconnues du catalogue : nimporte"):
        store.creer_seance(AGENT, titre="x", niveau="epci", code="200042190", vues="population,nimporte")
    with pytest.raises(DonneesInvalides, match="titre"):
        store.creer_seance(AGENT, titre="", niveau="epci", code="200042190", vues="population")
    assert store.seances().is_empty()
