"""Weightings of the well-being index as store records (issue 13, finding 1): who may propose, who adopts,
what visitors see as « the panel's », history and revert, and the migration of the old JSON files. On
SQLite and on PostgreSQL (``db_url``, tests/conftest.py)."""

from __future__ import annotations

import json

import pytest

from barometre.calculs import bien_etre as be
from barometre.pilotage.store import (
    ConflitEdition,
    DonneesInvalides,
    RefusEcriture,
    Utilisateur,
)
from tests.comptes import ADMIN, AGENT, LECTEUR, PANEL

NOTES = {"a": 2, "b": 5, "c": 0}
DIMS = [{"id": "a", "libelle": "A", "indicateurs": ["x"]}, {"id": "b", "libelle": "B", "indicateurs": []},
        {"id": "c", "libelle": "C", "indicateurs": []}]


def test_only_the_panel_and_agents_propose_and_only_agents_adopt(store):
    for anonyme in (None, Utilisateur("", "panel"), LECTEUR, Utilisateur("intrus", "panel")):
        with pytest.raises(RefusEcriture):
            store.proposer_ponderation(anonyme, "Panel de mars", NOTES, "2025-03-12", DIMS)
    assert store.ponderations(("proposee", "adoptee", "retiree")) == []
    p = store.proposer_ponderation(PANEL, "Panel de mars", NOTES, "2025-03-12", DIMS, "à l'unanimité")
    assert (p["slug"], p["statut"], p["modifie_par"], p["notes"]) == (
        "2025-03-12-panel-de-mars", "proposee", "panel", NOTES)
    assert list(p["notes"]) == ["a", "b", "c"]  # the dimension order is kept
    # a proposal is not the panel's: visitors see nothing announced
    assert store.ponderation_adoptee() is None and store.ponderations_adoptees() == []
    with pytest.raises(RefusEcriture, match="adoptée"):
        store.adopter_ponderation(PANEL, p["id"], p["version"])
    version = store.adopter_ponderation(AGENT, p["id"], p["version"])
    adoptee = store.ponderation_adoptee()
    assert (adoptee["slug"], adoptee["statut"], adoptee["adoptee_par"], adoptee["version_adoptee"]) == (
        p["slug"], "adoptee", "agent", 1)
    assert adoptee["version"] == version == 2
    assert [r["slug"] for r in store.ponderations_adoptees()] == [p["slug"]]
    assert store.ponderation(p["slug"]) == store.ponderation(p["id"]) == adoptee


def test_a_name_cannot_be_squatted(store):
    first = store.proposer_ponderation(PANEL, "Panel de mars", NOTES, "2025-03-12")
    second = store.proposer_ponderation(AGENT, "  PANEL de mars ! ", {"a": 1, "b": 1, "c": 1}, "2025-03-12")
    third = store.proposer_ponderation(PANEL, "panel-de-mars", NOTES, "2025-03-12")
    assert [first["slug"], second["slug"], third["slug"]] == [
        "2025-03-12-panel-de-mars", "2025-03-12-panel-de-mars-2", "2025-03-12-panel-de-mars-3"]
    store.adopter_ponderation(AGENT, second["id"], second["version"])
    assert store.ponderation_adoptee()["id"] == second["id"]


def test_an_adopted_weighting_is_frozen_and_a_stale_adoption_is_a_conflict(store):
    p = store.proposer_ponderation(PANEL, "Séance", NOTES, "2025-06-30", DIMS)
    v2 = store.modifier_ponderation(PANEL, p["id"], p["version"], notes={"a": 5, "b": 5, "c": 1})
    with pytest.raises(ConflitEdition):  # the agent looked at version 1: not what they would adopt
        store.adopter_ponderation(AGENT, p["id"], p["version"])
    store.adopter_ponderation(AGENT, p["id"], v2)
    cur = store.ponderation(p["id"])
    with pytest.raises(RefusEcriture, match="ne se modifie plus"):
        store.modifier_ponderation(PANEL, p["id"], cur["version"], notes=NOTES)
    assert store.ponderation(p["id"])["notes"] == {"a": 5, "b": 5, "c": 1}
    store.retirer_ponderation(AGENT, p["id"], cur["version"])
    assert store.ponderation_adoptee() is None


def test_history_and_revert_of_an_adoption_need_an_agent(store):
    p = store.proposer_ponderation(PANEL, "Séance", NOTES, "2025-06-30")
    store.adopter_ponderation(AGENT, p["id"], p["version"])
    h = store.historique(["ponderations"])
    adoption = h.filter(h["champ"] == "statut")["operation"][0]
    assert set(h.filter(h["operation"] == adoption)["login"]) == {"agent"}
    with pytest.raises(RefusEcriture):
        store.annuler(PANEL, adoption)
    assert store.ponderation_adoptee() is not None
    store.annuler(AGENT, adoption)
    assert store.ponderation_adoptee() is None
    assert store.ponderation(p["id"])["statut"] == "proposee"


@pytest.mark.parametrize("notes", [{"a": 6}, {"a": -1}, {}, {"a": 0, "b": 0}])
def test_invalid_notes_are_refused_in_french(store, notes):
    with pytest.raises(DonneesInvalides, match="Valeurs invalides"):
        store.proposer_ponderation(PANEL, "X", notes, "2025-01-01")
    with pytest.raises(DonneesInvalides, match="au moins une lettre"):
        store.proposer_ponderation(PANEL, "!!!", {"a": 1}, "2025-01-01")
    with pytest.raises(DonneesInvalides):
        store.proposer_ponderation(PANEL, "X", {"a": 1, "b": 2}, "2025-01-01", DIMS)  # notes ≠ dimensions


def test_old_json_files_are_migrated_as_proposals_once(store, tmp_path):
    old = {"format": 1, "slug": "2025-03-12-panel", "nom": "Panel", "date": "2025-03-12",
           "enregistree_le": "2025-03-12T18:30:00Z", "notes": NOTES,
           "dimensions": DIMS, "commentaire": "![x](https://exemple.invalid/x.png)"}
    path = tmp_path / "2025-03-12-panel.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(RefusEcriture):
        store.importer_ponderations_json(AGENT, tmp_path)
    assert store.importer_ponderations_json(ADMIN, tmp_path) == ["2025-03-12-panel"]
    assert store.importer_ponderations_json(ADMIN, tmp_path) == []  # idempotent
    row = store.ponderation("2025-03-12-panel")
    assert (row["statut"], row["notes"], row["modifie_par"]) == ("proposee", NOTES, "admin")
    assert "sans compte" in row["origine"]
    assert store.ponderation_adoptee() is None  # nobody adopted it: not announced as the panel's
    assert path.read_bytes() == before  # nothing lost
    p = be.Ponderation.depuis_store(row)
    assert (p.slug, p.adoptee, p.notes) == ("2025-03-12-panel", False, NOTES)
    (tmp_path / "casse.json").write_text("{pas du json", encoding="utf-8")
    with pytest.raises(DonneesInvalides, match="casse.json"):
        store.importer_ponderations_json(ADMIN, tmp_path)
