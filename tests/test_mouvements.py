"""« Ce qui a bougé »: fixtures with known answers, tolerant of load records without new fields."""

from datetime import date, timedelta

from barometre.calculs import mouvements as m
from barometre.calculs import verdicts as v
from barometre.calculs.bilan import Lecture

DEPUIS, AUJ = date(2026, 6, 1), date(2026, 12, 2)
CHARGEMENTS = [
    {"fichier": "old.csv", "source": "odema", "annees": "2021", "modifie_le": "2026-03-01T10:00:00+00:00"},
    {"fichier": "enedis.csv", "source": "enedis_consommation", "annees": "2022, 2023",
     "modifie_le": "2026-09-14T08:30:00.000001+00:00"},  # old record: no sha256, no revisions
    {"fichier": "igt.csv", "source": "ademe_igt", "annees": "2021", "modifie_le": "2026-10-01T09:00:00+00:00",
     "sha256": "ab" * 32, "revisions": 3},
]
PAR_SOURCE = {"enedis_consommation": ["conso_elec"], "ademe_igt": ["cae_1.a"], "odema": ["prod_enr"]}
LIBELLES = {"conso_elec": "Consommation d'électricité", "cae_1.a": "Émissions de GES"}


def test_new_vintages_revisions_targets_and_milestones():
    lectures = {"cae_1.a": Lecture("cae_1.a", v.Verdict("s_ameliore", "progression", 2021, 5, "−40 kteq CO2"))}
    historique = [
        {"table_nom": "objectifs", "ligne": "pcaet-ges", "champ": "valeur_cible", "nature": "modification",
         "horodatage": "2026-07-02T12:00:00+00:00", "apres": "0"},
        {"table_nom": "objectifs", "ligne": "pcaet-ges", "champ": "version", "nature": "modification",
         "horodatage": "2026-07-02T12:00:00+00:00"},
        {"table_nom": "objectifs", "ligne": "ancien", "champ": "valeur_cible", "nature": "modification",
         "horodatage": "2026-01-02T12:00:00+00:00"},
    ]
    jalons = [
        {"libelle": "Plan vélo voté", "date_prevue": "2026-09-30", "date_atteinte": "2026-09-15", "statut": "atteint"},
        {"libelle": "Réseau de chaleur", "date_prevue": "2026-11-30", "date_atteinte": None, "statut": "en_cours"},
        {"libelle": "Abandonné", "date_prevue": "2026-07-01", "date_atteinte": None, "statut": "abandonne"},
        {"libelle": "À venir", "date_prevue": "2027-03-01", "date_atteinte": None, "statut": "prevu"},
    ]
    out = m.ce_qui_a_bouge(DEPUIS, AUJ, chargements=CHARGEMENTS, historique_objectifs=historique, jalons=jalons,
                           indicateurs_par_source=PAR_SOURCE, libelles=LIBELLES, lectures=lectures)
    assert [(x.genre, x.titre) for x in out] == [
        ("millesime", "Consommation d'électricité"),
        ("millesime", "Émissions de GES"),
        ("revision", "ademe_igt : 3 valeurs révisées par le producteur"),
        ("objectif", "Objectif « pcaet-ges » modifié"),
        ("jalon_atteint", "Plan vélo voté"),
        ("jalon_en_retard", "Réseau de chaleur"),
    ]
    ges = out[1]
    assert "millésime 2021" in ges.detail and "s'améliore (−40 kteq CO2)" in ges.detail
    assert "SHA-256 abababababab" in ges.detail
    assert "millésimes 2022, 2023" in out[0].detail and "SHA-256" not in out[0].detail
    assert out[3].detail == "champs : valeur_cible"
    assert out[5].detail == "échéance dépassée de 2 jours"


def test_deterministic_and_empty():
    a = m.ce_qui_a_bouge(DEPUIS, AUJ, chargements=CHARGEMENTS, indicateurs_par_source=PAR_SOURCE)
    b = m.ce_qui_a_bouge(DEPUIS, AUJ, chargements=list(reversed(CHARGEMENTS)), indicateurs_par_source=PAR_SOURCE)
    assert a == b
    assert m.ce_qui_a_bouge(date(2027, 1, 1), AUJ, chargements=CHARGEMENTS) == []


def test_previous_seance():
    seances = [{"date_seance": "2026-03-10"}, {"date_seance": "2026-10-05"}, {"date_seance": None},
               {"date_seance": "2026-12-10"}]
    assert m.seance_precedente(seances, date(2026, 12, 2)) == date(2026, 10, 5)
    assert m.seance_precedente(seances, date(2026, 1, 1)) is None


def test_what_happened_after_the_reading_date_is_left_out():
    # A report dated 1 October does not list a load of 14 September… nor one of 1 October's future.
    out = m.ce_qui_a_bouge(DEPUIS, date(2026, 9, 30), chargements=CHARGEMENTS, indicateurs_par_source=PAR_SOURCE)
    assert [x.titre for x in out] == ["conso_elec"]


def test_a_load_shows_in_what_moved_right_after_it(tmp_path, monkeypatch):
    """Issue 19: loads record themselves in the versioned store (the lake), no longer in the store's
    ``chargements`` table: the digest read that table and said « Rien de nouveau » right after a load."""
    import shutil

    import polars as pl

    from barometre.catalogue import load_catalogue
    from barometre.cli import format_number
    from barometre.pilotage.store import Store
    from barometre.pilotage.synthese import digest
    from barometre.settings import PROJECT_ROOT, get_settings
    from barometre.sources.entrepot import Entrepot
    from barometre.sources.ingest import ingest

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    settings = get_settings()
    apl = Entrepot(settings).valeurs().filter((pl.col("source") == "drees_apl") & (pl.col("annee") == 2023))
    cell = {(r["indicateur"], r["code"]): r["valeur"] for r in apl.iter_rows(named=True)}
    codes = sorted({c for _, c in cell})
    head = ("millesime;Code commune INSEE;APL aux médecins généralistes;"
            "APL aux médecins généralistes de moins de 65 ans;Population standardisée pour la médecine générale")
    lines = [head]
    for year in (2023, 2024):
        for i, c in enumerate(codes):
            bump = 0.5 if (year == 2023 and i == 0) else 0.0  # the producer revises one published 2023 value
            lines.append(";".join([str(year), c,
                                   format_number(cell[("apl_medecins_generalistes", c)] + bump).replace(".", ","),
                                   format_number(cell[("apl_medecins_generalistes_65", c)]).replace(".", ","),
                                   format_number(cell[("population_standardisee_mg", c)]).replace(".", ",")]))
    path = tmp_path / "apl_2024.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    ingest(path, settings)

    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    today = date.today()
    found = digest(settings, load_catalogue(settings.catalogue_dir), store, today - timedelta(days=1), today)
    new = [m for m in found if m.genre == "millesime" and m.indicateur == "apl_medecins_generalistes"]
    assert new and "millésimes 2023, 2024" in new[0].detail and "apl_2024.csv" in new[0].detail
    revised = [m for m in found if m.genre == "revision"]
    assert revised and revised[0].titre == "drees_apl : 1 valeur révisée par le producteur"
