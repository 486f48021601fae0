"""The panel's own voice, as pure computations: the SPIRAL families of well-being, counts of contributions
per family, the well-being index's dimensions built from the criteria the panel adopted, vote tallies
(the full distribution, not only the mean) and the weighting that results, and the follow-up of
recommendations (state, late answers, what the linked indicators did since).

No Streamlit and no database here: frames and dicts in, frames and dicts out (tested with plain pytest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from barometre.calculs import bien_etre
from barometre.catalogue import Catalogue

# The six families of "dimensions et facteurs de bien-être pour tous" of the territorial project (partie
# « Dispositif de suivi & de pilotage », after the Council of Europe's SPIRAL method), in the project's
# order, with the nearest OECD Better Life topic (shown in brackets, as on the index page).
FAMILLES: dict[str, tuple[str, str]] = {
    "moyens_de_vie": ("Accès aux moyens de vie et de subsistance", "revenu et patrimoine"),
    "relations": ("Qualité des relations interpersonnelles et du lien social", "liens sociaux"),
    "engagement": ("Engagement et implication (emploi, vie locale, dynamiques familiales)",
                   "emploi ; engagement civique"),
    "sentiment": ("Sentiment de bien/mal-être et équilibre personnel (santé dans toutes ses composantes)",
                  "santé ; satisfaction à l'égard de la vie"),
    "cadre_de_vie": ("Cadre général de vie (habitat, nature, services, mobilité)", "logement ; environnement"),
    "services": ("Accès et relation aux services (de proximité, commerciaux, publics)", "accès aux services"),
}
# Short names for tables and charts.
FAMILLES_COURTES = {
    "moyens_de_vie": "Moyens de vie", "relations": "Relations et liens sociaux", "engagement": "Engagement",
    "sentiment": "Bien-/mal-être et santé", "cadre_de_vie": "Cadre de vie", "services": "Accès aux services",
}
# The four SPIRAL questions a contribution answers.
NATURES: dict[str, str] = {
    "bien_etre": "Ce qui fait mon bien-être",
    "mal_etre": "Ce qui fait mon mal-être",
    "je_peux": "Ce que je peux faire",
    "agglo_peut": "Ce que l'agglomération peut faire",
}
NON_CLASSEE = "(à classer)"

# Votes: each member rates each object 0 (ne compte pas) to 5 (compte beaucoup), the scale of the index page.
NOTE_MIN, NOTE_MAX = bien_etre.NOTE_MIN, bien_etre.NOTE_MAX
OBJETS_VOTE = {"ponderation_bien_etre": "Poids des familles du bien-être",
               "grille": "Appréciation de la situation, critère par critère (grille)"}

# Recommendations: the steering body's answers, and the follow-up states.
DECISIONS = {"retenue": "Retenue", "a_l_etude": "À l'étude", "non_retenue": "Non retenue"}
ETAT_PROPOSEE = "Proposée, sans réponse"
ETAT_EN_RETARD = "Sans réponse, en retard"


# ---------------------------------------------------------------- contributions and criteria
def comptes_par_famille(contributions: pl.DataFrame) -> pl.DataFrame:
    """One row per family (the six, in the project's order, then the unclassified) and per nature:
    the number of contributions. Columns: famille (id or ""), Famille, one column per nature, Total."""
    rows = []
    fams = [*FAMILLES, ""]
    for fam in fams:
        sub = contributions.filter(pl.col("famille").fill_null("") == fam) if contributions.height else contributions
        row = {"famille": fam, "Famille": FAMILLES_COURTES.get(fam, NON_CLASSEE)}
        for nature, label in NATURES.items():
            row[label] = int(sub.filter(pl.col("nature") == nature).height) if sub.height else 0
        row["Total"] = int(sub.height)
        rows.append(row)
    return pl.DataFrame(rows, schema={"famille": pl.String, "Famille": pl.String,
                                      **{label: pl.Int64 for label in NATURES.values()}, "Total": pl.Int64})


def indicateur_utilisable(catalogue: Catalogue, ind_id: str) -> str | None:
    """None when the indicator may enter the index (known, a favourable direction, intensive); else why not."""
    known = {i.id: i for i in catalogue.indicateurs}
    ind = known.get(ind_id)
    if ind is None:
        return "inconnu du catalogue"
    if ind.sens == "neutre":
        return "sans sens favorable dans le catalogue"
    if ind.agregation not in bien_etre.AGREGATIONS_INTENSIVES:
        return "effectif (comparerait la taille des communes)"
    return None


def correspondance_adoptee(criteres: Sequence[Mapping], catalogue: Catalogue,
                           avec_valeurs: set[str] | None = None) -> bien_etre.Correspondance:
    """The index's dimensions from the criteria of an adopted version: one dimension per family that has at
    least one usable candidate indicator (known, favourable direction, intensive, and — when
    ``avec_valeurs`` is given — with commune values loaded); the families left without one are listed as
    not covered, with the adopted criteria and why their indicators cannot be used.

    ``criteres``: dicts with famille, libelle, indicateurs (list of catalogue ids), a_construire (bool).
    Raises BienEtreError when no family has a usable indicator (the default mapping then stays in force).
    """
    dims, non_couvertes, used = [], [], set()
    for fam, (libelle, theme) in FAMILLES.items():
        crits = [c for c in criteres if c["famille"] == fam]
        if not crits:
            non_couvertes.append(bien_etre.FamilleNonCouverte(
                famille=libelle, theme_ocde=theme, raison="Aucun critère adopté par le panel pour cette famille."))
            continue
        inds, rejets = [], []
        for c in crits:
            for ind_id in c.get("indicateurs") or []:
                why = indicateur_utilisable(catalogue, ind_id)
                if why is None and avec_valeurs is not None and ind_id not in avec_valeurs:
                    why = "aucune valeur communale chargée"
                if why is None and ind_id not in used:
                    inds.append(ind_id)
                    used.add(ind_id)
                elif why:
                    rejets.append(f"{ind_id} : {why}")
        noms = "; ".join(c["libelle"] for c in crits)
        if inds:
            dims.append(bien_etre.Dimension(
                id=fam, libelle=FAMILLES_COURTES[fam], famille=libelle, theme_ocde=theme, indicateurs=inds,
                pourquoi=f"Critères adoptés par le panel : {noms}."
                         + (f" Indicateurs écartés : {'; '.join(rejets)}." if rejets else "")))
        else:
            a_construire = [c["libelle"] for c in crits if c.get("a_construire")]
            raison = f"Critères adoptés : {noms}. " + (
                f"Indicateur à construire ({'; '.join(a_construire)})." if a_construire else
                "Aucun indicateur communal utilisable" + (f" ({'; '.join(rejets)})." if rejets else "."))
            non_couvertes.append(bien_etre.FamilleNonCouverte(famille=libelle, theme_ocde=theme, raison=raison))
    if not dims:
        raise bien_etre.BienEtreError("Aucune famille des critères adoptés n'a d'indicateur communal utilisable : "
                                      "l'indice garde ses dimensions par défaut.")
    # model_construct: the adopted version may cover fewer than the default file's 5 dimensions (the
    # panel's choice); uniqueness is guaranteed above (one dimension per family, each indicator once).
    return bien_etre.Correspondance.model_construct(dimension=dims, non_couverte=non_couvertes)


# ---------------------------------------------------------------- votes
@dataclass(frozen=True)
class ResultatObjet:
    """The tally of one voted object: the full distribution of the ratings, mean, median and the rating
    retained (the mean rounded to the nearest unit, half up)."""

    objet: str
    libelle: str
    distribution: dict[int, int]  # rating → number of ballots (every rating of the scale, zeros included)
    n: int
    moyenne: float | None
    mediane: float | None
    note_retenue: int | None


def arrondi(x: float) -> int:
    """Half up (2,5 → 3), not banker's rounding: the rule the room is told."""
    return int(math.floor(x + 0.5))


def depouiller(objets: Sequence[Mapping], bulletins: Sequence[Mapping[str, int]]) -> list[ResultatObjet]:
    """Tally the ballots: per object, every rating's count (0 to 5), mean, median and the retained rating.

    ``objets``: dicts with id and libelle; ``bulletins``: one dict object → rating per ballot (a ballot
    that skips an object does not count for that object)."""
    out = []
    for o in objets:
        notes = sorted(int(b[o["id"]]) for b in bulletins if b.get(o["id"]) is not None)
        dist = {k: 0 for k in range(NOTE_MIN, NOTE_MAX + 1)}
        for v in notes:
            dist[v] += 1
        n = len(notes)
        moyenne = sum(notes) / n if n else None
        mediane = (notes[(n - 1) // 2] + notes[n // 2]) / 2 if n else None
        out.append(ResultatObjet(o["id"], o["libelle"], dist, n, moyenne,
                                 mediane, arrondi(moyenne) if moyenne is not None else None))
    return out


def ponderation_resultante(resultats: Sequence[ResultatObjet]) -> dict[str, float]:
    """Weights = retained rating ÷ sum of retained ratings (the index page's rule); all zero → equal."""
    notes = {r.objet: (r.note_retenue or 0) for r in resultats}
    total = sum(notes.values())
    if total == 0:
        return {k: 1 / len(notes) for k in notes} if notes else {}
    return {k: v / total for k, v in notes.items()}


def distribution_frame(resultats: Sequence[ResultatObjet]) -> pl.DataFrame:
    """Long frame for the distribution chart and its table: objet, libelle, note, votes."""
    return pl.DataFrame([{"objet": r.objet, "libelle": r.libelle, "note": k, "votes": v}
                         for r in resultats for k, v in r.distribution.items()],
                        schema={"objet": pl.String, "libelle": pl.String, "note": pl.Int64, "votes": pl.Int64})


def tableau_resultats(resultats: Sequence[ResultatObjet], poids: Mapping[str, float] | None = None) -> pl.DataFrame:
    """One row per object: votes, each rating's count, mean, median, retained rating (and weight)."""
    rows = []
    for r in resultats:
        row: dict = {"Objet": r.libelle, "Votes": r.n}
        for k, v in r.distribution.items():
            row[f"Note {k}"] = v
        row["Moyenne"] = None if r.moyenne is None else round(r.moyenne, 2)
        row["Médiane"] = r.mediane
        row["Note retenue"] = r.note_retenue
        if poids is not None:
            row["Poids"] = round(100 * poids.get(r.objet, 0.0), 1)
        rows.append(row)
    return pl.DataFrame(rows)


# ---------------------------------------------------------------- recommendations
def etat_recommandation(echeance: str | date | None, decision: str | None, date_reponse: str | date | None,
                        aujourd_hui: date) -> tuple[str, bool]:
    """(state, late): « Proposée, sans réponse » or the decision's label; late when no answer after the
    expected date, or an answer given after it."""
    ech = _d(echeance)
    rep = _d(date_reponse)
    if not decision:
        late = ech is not None and aujourd_hui > ech
        return (ETAT_EN_RETARD if late else ETAT_PROPOSEE), late
    return DECISIONS.get(decision, decision), bool(ech and rep and rep > ech)


def _d(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def evolution_depuis(series: pl.DataFrame, annee_depart: int, sens: str) -> dict:
    """What an indicator did since a recommendation: the value of the last year ≤ ``annee_depart`` (or
    the first year after, when none) and the latest value. ``series``: annee, valeur, secret (one
    territory, one breakdown). Returns annee_avant, valeur_avant, annee_apres, valeur_apres, ecart, tendance
    (« favorable », « défavorable », « stable », « neutre », or "" when not computable)."""
    s = series.filter(pl.col("valeur").is_not_null() & ~pl.col("secret").fill_null(False)).sort("annee")
    empty = {"annee_avant": None, "valeur_avant": None, "annee_apres": None, "valeur_apres": None,
             "ecart": None, "tendance": ""}
    if s.is_empty():
        return empty
    before = s.filter(pl.col("annee") <= annee_depart)
    start = before.row(-1, named=True) if before.height else s.row(0, named=True)
    end = s.row(-1, named=True)
    if end["annee"] == start["annee"]:
        return {**empty, "annee_avant": start["annee"], "valeur_avant": start["valeur"]}
    ecart = end["valeur"] - start["valeur"]
    return {"annee_avant": start["annee"], "valeur_avant": start["valeur"], "annee_apres": end["annee"],
            "valeur_apres": end["valeur"], "ecart": ecart, "tendance": _tendance(ecart, sens)}


def _tendance(ecart: float, sens: str) -> str:
    """The grille's reading of a change (same rule as barometre.pilotage.structure.tendance, which sits in
    a later layer)."""
    if ecart == 0:
        return "stable"
    if sens == "neutre":
        return "neutre"
    return "favorable" if (ecart > 0) == (sens == "hausse_favorable") else "défavorable"


def suivi_recommandations(recos: pl.DataFrame, reponses: pl.DataFrame, aujourd_hui: date) -> pl.DataFrame:
    """One row per recommendation with its answer (if any), state and late flag.

    ``recos``: id, date, texte, engagement, orientation, critere, indicateurs, echeance_reponse;
    ``reponses``: recommandation_id, decision, motif, date_reponse, deliberation, action_id, jalon_id."""
    rep = {r["recommandation_id"]: r for r in reponses.iter_rows(named=True)} if reponses.height else {}
    rows = []
    for r in recos.iter_rows(named=True):
        a = rep.get(r["id"], {})
        etat, late = etat_recommandation(r["echeance_reponse"], a.get("decision"), a.get("date_reponse"),
                                         aujourd_hui)
        rows.append({"id": r["id"], "date": r["date"], "texte": r["texte"], "engagement": r["engagement"],
                     "critere": r["critere"], "indicateurs": list(r["indicateurs"] or []),
                     "echeance_reponse": r["echeance_reponse"], "etat": etat, "en_retard": late,
                     "decision": a.get("decision"), "motif": a.get("motif"), "date_reponse": a.get("date_reponse"),
                     "deliberation": a.get("deliberation"), "action_id": a.get("action_id"),
                     "jalon_id": a.get("jalon_id")})
    schema = {"id": pl.Int64, "date": pl.String, "texte": pl.String, "engagement": pl.String, "critere": pl.String,
              "indicateurs": pl.List(pl.String), "echeance_reponse": pl.String, "etat": pl.String,
              "en_retard": pl.Boolean, "decision": pl.String, "motif": pl.String, "date_reponse": pl.String,
              "deliberation": pl.String, "action_id": pl.Int64, "jalon_id": pl.Int64}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def faits_recommandations(suivi: pl.DataFrame, depuis: date, jusqu_au: date) -> list[dict]:
    """What happened to the panel's recommendations between two dates, for the meeting pack's « ce qui a
    bougé »: each recommendation made, each answer given (date, kind, title, detail), oldest first.
    ``suivi``: :func:`suivi_recommandations`. The texts are data (the pack renders them as text)."""
    faits = []
    for r in suivi.iter_rows(named=True):
        d = _d(r["date"])
        if d and depuis <= d <= jusqu_au:
            faits.append({"date": d, "genre": "Recommandation du panel", "titre": r["texte"],
                          "detail": f"Réponse attendue le {_d(r['echeance_reponse']):%d/%m/%Y}"
                                    if r["echeance_reponse"] else "Sans échéance de réponse"})
        rep = _d(r["date_reponse"])
        if r["decision"] and rep and depuis <= rep <= jusqu_au:
            detail = f"{DECISIONS.get(r['decision'], r['decision'])} — {r['motif'] or ''}".rstrip(" —")
            if r["deliberation"]:
                detail += f" (délibération {r['deliberation']})"
            faits.append({"date": rep, "genre": "Réponse à une recommandation", "titre": r["texte"],
                          "detail": detail + (" ; réponse tardive" if r["en_retard"] else "")})
    return sorted(faits, key=lambda f: (f["date"], f["genre"], f["titre"]))


# ---------------------------------------------------------------- label
TYPES_PORTEUR = {"commune": "Commune", "association": "Association", "entreprise": "Entreprise"}
DECISIONS_JURY = {"labellise": "Labellisé", "non_labellise": "Non labellisé", "ajourne": "Ajourné"}


def position_projet(latitude: float | None, longitude: float | None, centroide: tuple[float, float] | None
                    ) -> tuple[float, float, str] | None:
    """Where to draw a labelled project: its own location when given, else its commune's centroid."""
    if latitude is not None and longitude is not None:
        return latitude, longitude, "lieu du projet"
    if centroide is not None:
        return centroide[0], centroide[1], "centre de la commune"
    return None
