"""Typed content for the browser tests: every text field of the store seeded with a payload of markup (HTML, markdown
image and link, bold, heading, colour), as an attacker — or a careless paste — would type it. The texte walk
(test_texte_browser.py) checks it is shown as text; the accessibility scans (test_accessibility.py) scan the pages
with this content in them (grille rows, actions and milestones, délibérations, the panel's and the label's lists)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher

from barometre.pilotage.store import Store, Utilisateur

from .conftest import running_streamlit

HOTE = "attaquant.invalid"
PAYLOAD = (f"<img src=https://{HOTE}/html.png onerror=alert(1)> ![x](https://{HOTE}/md.png) "
           f"[cliquez ici](javascript:alert(1)) **GRASINJECTE** # TITREINJECTE :red[ROUGEINJECTE]")
AGENT = Utilisateur("agent", "agent")
PANEL = Utilisateur("panel", "panel")
MDP = "cheval agrafe batterie correcte"


def semer(url: str) -> tuple[str, int, int]:
    """Fill the empty store at ``url`` (accounts admin / agent / panel, the admin's password MDP); returns the adopted
    weighting's slug, the séance's id and the panel vote's id."""
    s = Store(url)
    # the administrator's name is plain: signed in, the sidebar's « Connecté·e : … » is on every page, and a typed
    # name there would meet the texte walk's « seen on » checks whatever the page shows (the agent's and the panel
    # member's names carry the payload: the histories show them)
    s.initialiser_admin("admin", "Administratrice (test)",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(MDP))
    admin = Utilisateur("admin", "admin")
    s.creer_compte(admin, "agent", "agent", PAYLOAD[:200], "$argon2id$test-only")
    s.creer_compte(admin, "panel", "panel", PAYLOAD[:200], "$argon2id$test-only")
    edition = s.creer_edition(AGENT, PAYLOAD[:200], 2027)
    critere = s.structure.criteres[0].id
    s.enregistrer_ligne_grille(PANEL, edition, critere, 0, positionnement=PAYLOAD, impacts=PAYLOAD, acquis=PAYLOAD,
                               difficultes=PAYLOAD, objectifs=PAYLOAD)
    e1 = s.structure.engagements[0].id
    action = s.creer_action(AGENT, engagement=e1, libelle=PAYLOAD, responsable=PAYLOAD[:200],
                            question_evaluative=PAYLOAD, feuille_de_route=PAYLOAD)
    s.creer_jalon(AGENT, action_id=action, libelle=PAYLOAD, responsable=PAYLOAD[:200], commentaire=PAYLOAD,
                  date_prevue="2027-01-01")
    s.creer_deliberation(AGENT, numero=PAYLOAD[:50], date="2026-01-01", objet=PAYLOAD, engagement=e1,
                         lien=f"https://{HOTE}/deliberation")
    from barometre.calculs import bien_etre as be
    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    corr = be.load_dimensions(get_settings().catalogue_dir / be.DIMENSIONS_FILE, cat)
    p = s.proposer_ponderation(PANEL, "Panel " + PAYLOAD[:100], be.notes_neutres(corr.ids), "2026-03-12",
                               be.dimensions_figees(corr), PAYLOAD[:400])
    s.adopter_ponderation(AGENT, p["id"], p["version"])
    vues = "taux_chomage_15_64,population"
    seance = s.creer_seance(AGENT, titre=PAYLOAD[:200], date_seance="2026-12-10", niveau="epci",
                            code="200042190", vues=vues)
    vote = _semer_panel_label_objectif(s)
    s.fermer()
    return p["slug"], seance, vote


def _semer_panel_label_objectif(s: Store) -> int:
    """The panel's, the label's and a target's texts (issue 21: adopted criteria on the index page's method
    section, an objective's source on the environment page)."""
    from barometre.calculs.targets import OBJECTIFS_COLUMNS, load_objectifs
    from barometre.pilotage.objectifs import OBJECTIFS_FILE
    from barometre.pilotage.panel import Panel
    from barometre.settings import get_settings

    p = Panel(s)
    seance = p.creer(AGENT, "panel_seances", date="2027-03-12", lieu=PAYLOAD[:400], groupe=PAYLOAD[:400])
    p.creer(PANEL, "panel_contributions", seance_id=seance, nature="bien_etre", texte=PAYLOAD)
    ok = p.creer(PANEL, "panel_criteres", famille="engagement", libelle=PAYLOAD,
                 indicateurs=["taux_chomage_15_64"], a_construire=False, commentaire=PAYLOAD)
    vide = p.creer(PANEL, "panel_criteres", famille="services", libelle=PAYLOAD, a_construire=True)
    p.adopter_criteres(AGENT, PAYLOAD[:200], "2027-03-12", [ok, vide], seance)
    p.creer(PANEL, "panel_recommandations", date="2027-03-12", texte=PAYLOAD, engagement="E2")
    vote = p.creer_vote(AGENT, seance, "grille", PAYLOAD[:200], [{"id": "x", "libelle": PAYLOAD[:200]}])
    appel = p.creer(AGENT, "label_appels", libelle=PAYLOAD[:200], annee=2027, date_ouverture="2027-01-10",
                    criteres=[PAYLOAD[:200]])
    p.creer(AGENT, "label_candidatures", appel_id=appel, porteur=PAYLOAD[:200], type_porteur="association",
            commune="59172", engagement="E1", titre=PAYLOAD[:200], description=PAYLOAD)
    # the trajectories section opens on the first indicator (autonomie énergétique): its target gets a reference
    # (so that its trajectory, and the source under it, are drawn) and the payload as source
    obj = next(o for o in load_objectifs(get_settings().catalogue_dir / OBJECTIFS_FILE)
               if o.indicateur == "autonomie_energetique")
    s.enregistrer_objectif(AGENT, obj.id, 0, **{**{c: getattr(obj, c) for c in OBJECTIFS_COLUMNS if c != "id"},
                                                "annee_reference": 2018, "valeur_reference": 20.0,
                                                "source": PAYLOAD, "commentaire": PAYLOAD})
    return vote


@contextmanager
def serveur_seme(dossier: Path) -> Iterator[tuple[str, str, int, int]]:
    """`streamlit run app.py` on a store in ``dossier`` filled by :func:`semer`: (base URL, the weighting's slug, the
    séance's id, the vote's id)."""
    url = f"sqlite:///{dossier / 'pilotage.sqlite'}"
    slug, seance, vote = semer(url)
    with running_streamlit({"BAROMETRE_DATABASE_URL": url}) as base:
        yield base, slug, seance, vote
