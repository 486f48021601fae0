"""The meeting pack (`barometre rapport`): a PDF and a PPTX, a source footnote under every figure, and the
same bytes from the same inputs."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile

import pytest
from pptx import Presentation

from barometre.cli import main as cli_main
from barometre.pilotage.store import Store, Utilisateur

VUES = "taux_chomage_15_64,population,autonomie_energetique,part_logements_vacants"


@pytest.fixture
def seance(tmp_path, monkeypatch) -> int:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url)
    s.initialiser_admin("admin", "Admin", "x")
    s.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent", "x")
    agent = Utilisateur("agent", "agent")
    s.creer_seance(agent, titre="Séance précédente", date_seance="2026-09-01", niveau="epci", code="200042190",
                   vues="population")
    # A title typed by a person: shown as text, never read as markup by the PDF compiler.
    return s.creer_seance(agent, titre="Conseil #1 — *pas* du gras [x] $y$", date_seance="2026-12-10",
                          niveau="epci", code="200042190", vues=VUES)


def _run(*args: str) -> None:
    assert cli_main(["rapport", *args]) == 0


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_pdf_footnote_under_every_figure_and_same_bytes(seance, tmp_path, capsys):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    _run("--seance", str(seance), "--format", "pdf", "--sortie", str(a))
    _run("--seance", str(seance), "--format", "pdf", "--sortie", str(b))
    assert a.read_bytes()[:5] == b"%PDF-" and _sha(a) == _sha(b)
    text = subprocess.run(["pdftotext", "-layout", str(a), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "Conseil #1 — *pas* du gras [x] $y$" in pages[0] and "10 décembre 2026" in pages[0]
    assert "Où en est le territoire ?" in pages[1] and "Neutralité carbone en 2050" in pages[1]  # first page
    assert "Ce qui a bougé depuis le 1er septembre 2026" in pages[2]
    figures = [p for p in pages if "Taux de chômage des 15-64 ans" in p or p.lstrip().startswith("Population")
               or "Part des logements vacants" in p.split("\n", 2)[0]]
    assert len(figures) == 3
    for page in figures:
        # the footnote in plain French: producer, dataset, vintage — no command, no internal id (issue 20)
        assert "Source : INSEE" in page and "données 20" in page
        assert page.index("Source :") > page.index("Progression")
        assert "barometre build" not in page and "base_cc_comparateur" not in page and "SHA-256" not in page
    assert "Données attendues" in text and "Autonomie énergétique" in text and "Sources" in text
    assert "uv run" not in text
    assert "barometre build" not in text


def test_pptx_slides_native_charts_and_same_bytes(seance, tmp_path):
    a, b = tmp_path / "a.pptx", tmp_path / "b.pptx"
    _run("--seance", str(seance), "--format", "pptx", "--sortie", str(a))
    _run("--seance", str(seance), "--format", "pptx", "--sortie", str(b))
    assert _sha(a) == _sha(b)
    prs = Presentation(str(a))
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    slides = list(prs.slides)
    titles = [next((sh.text_frame.text for sh in sl.shapes if sh.has_text_frame), "") for sl in slides]
    # title, « où en est le territoire ? » (targets; verdicts; what moved — cut to fit), digest, 3 views with
    # data, expected data, sources
    first = " ".join(sh.text_frame.text for sh in slides[1].shapes if sh.has_text_frame)
    assert first.startswith("Où en est le territoire ?") and "Neutralité carbone en 2050" in first
    views = [sl for sl in slides if any(sh.has_chart for sh in sl.shapes)]
    assert len(views) == 3
    assert titles[-2].startswith("Données attendues") and titles[-1].startswith("Sources")
    assert all(t.startswith("Où en est le territoire ?") for t in titles[1:titles.index(next(
        t for t in titles if t.startswith("Ce qui a bougé")))])
    for slide in views:
        charts = [sh for sh in slide.shapes if sh.has_chart]
        assert len(charts) == 1 and len(charts[0].chart.plots[0].categories) >= 2  # never a lone bar
        texts = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert "Source : INSEE" in texts and "données 20" in texts
        # French numbers whatever the presenter's computer says (issue 20)
        assert charts[0].chart.plots[0].data_labels.number_format.startswith("[$-40C]")
    with zipfile.ZipFile(a) as z:  # declared French throughout: masters, layouts, slides, properties
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    assert b'lang="en-US"' not in xml and b'lang="fr-FR"' in xml and b"<dc:language>fr-FR" in xml


def test_errors_are_french(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", f"sqlite:///{tmp_path / 'vide.sqlite'}")
    assert cli_main(["rapport", "--seance", "99", "--sortie", str(tmp_path / "x.pdf")]) == 2
    assert "séance 99 introuvable" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
    assert cli_main(["rapport", "--edition", "2026", "--date", "10/12/2026", "--sortie", str(tmp_path / "x.pdf")]) == 2
    assert "AAAA-MM-JJ" in capsys.readouterr().err


def test_panel_recommendations_in_what_moved(seance, monkeypatch):
    """A recommendation of the panel made, then answered, since the previous séance is in « ce qui a bougé »
    (test content)."""
    import os

    from barometre.pilotage.panel import Panel
    from barometre.pilotage.rapport import construire

    s = Store(os.environ["BAROMETRE_DATABASE_URL"])
    p = Panel(s)
    s.creer_compte(Utilisateur("admin", "admin"), "panel", "panel", "Panel", "x")
    reco = p.creer(Utilisateur("panel", "panel"), "panel_recommandations", date="2026-10-01",
                   texte="Recommandation *de test*", engagement="E1", echeance_reponse="2026-11-30")
    p.repondre(Utilisateur("agent", "agent"), reco, 0, decision="retenue", motif="Motif de test",
               date_reponse="2026-11-15")
    digest = construire(seance_id=seance, store=s).digest
    mine = [(d["genre"], d["titre"], d["date"]) for d in digest if "ecommandation" in d["genre"]]
    assert mine == [("Recommandation du panel", "Recommandation *de test*", "1er octobre 2026"),
                    ("Réponse à une recommandation", "Recommandation *de test*", "15 novembre 2026")]


def test_annual_pack_what_moved_is_never_empty_on_the_shipped_data(tmp_path, monkeypatch):
    """Issue 19: the shipped data has no load record, yet the pack shows the median income up, the poverty
    rate up 0.5 pt…: what moved is read from the data itself (each indicator's latest two vintages)."""
    from barometre.pilotage.rapport import construire

    monkeypatch.setenv("BAROMETRE_DATABASE_URL", f"sqlite:///{tmp_path / 'vide.sqlite'}")
    r = construire(edition=2026, store=Store(f"sqlite:///{tmp_path / 'vide.sqlite'}"))
    moved = {d["titre"]: d["detail"] for d in r.digest}
    assert moved["Taux de pauvreté au seuil de 60 %"].startswith("+0,5 pt entre 2019 et 2021")
    assert "Revenu disponible médian par unité de consommation" in moved
    assert r.synthese[0]["lignes"][0].startswith("Neutralité carbone en 2050 : ")


def test_annual_edition_is_curated():
    """Issue 20: one chart for GHG by sector, no second definition of the same measure, no memo item."""
    from barometre.catalogue import load_catalogue
    from barometre.pilotage.rapport import SOUS_TOTAUX_GES, VOLETS_EDITION, _par_diapo, edition_retenue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    ids = [i.id for i in cat.indicateurs if i.volet in VOLETS_EDITION]
    kept = edition_retenue(cat, ids)
    assert not set(kept) & (set(cat.groupes.secteurs_ges) | set(SOUS_TOTAUX_GES))
    assert "taux_chomage_15_64" in kept and "taux_chomage_15_64_c_act" not in kept  # 17,6 % and 17,5 %
    assert "part_familles_monoparentales" in kept and "part_menages_monoparentaux" not in kept
    assert not [i for i in kept if "pour mémoire" in cat.indicateur(i).libelle]
    # a long list is cut so that no slide runs off: every slide holds at most its height of wrapped lines
    parts = _par_diapo(["x" * 250] * 9 + ["court"] * 30, 16)
    assert len(parts) > 2 and all(sum(-(-len(x) // 108) for x in p) <= 18 for p in parts)
