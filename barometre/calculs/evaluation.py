"""The evaluation the Projet de territoire promised (« Dispositif de suivi & de pilotage », « selon le principe
des poupées gigognes »), per engagement, orientation or emblematic project:

- **effectivité** — did the actions take place? Actions planned and done, milestones reached on time, reached
  late, late (due date passed, not reached), still ahead; « late » is computed from dates
  (:func:`barometre.pilotage.structure.jalons_avec_retard`), never entered;
- **efficacité** — does each action meet its operational objective? The services' result indicators against
  their objective, with the barometer's verdict rule (:func:`barometre.calculs.verdicts.verdict_objectif`,
  Open SDG ratio; :func:`~barometre.calculs.verdicts.verdict_tendance` without an objective);
- **utilité** — what changed for people and the territory: the barometer's impact indicators the actions are
  linked to, with their verdict (« trop tôt pour conclure » when fewer than two comparable vintages exist);
- **efficience** — resources committed and consumed (functional codes of the accounts) beside the results.
  A cost per unit is given only where it means something: one réalisation indicator counted in units for the
  action, its value and the consumption of the same year both known and positive; else the reason.

Illustrative rows (examples entered to show the page) are never computed: no verdict, no ratio, and they say
so. Pure functions over polars frames: no Streamlit, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from barometre.calculs import verdicts as v

# The service's declared confidence in reaching the action's objectives, after the State's PILOTE tool: four
# levels, from the worst to the best. Declared and dated, beside what is measured.
CONFIANCE: dict[str, str] = {
    "compromis": "Objectifs compromis",
    "menaces": "Objectifs menacés",
    "atteignables": "Objectifs atteignables",
    "securises": "Objectifs sécurisés",
}
NIVEAUX = {"realisation": "Réalisation", "resultat": "Résultat"}
SENS = ("hausse_favorable", "baisse_favorable")
ILLUSTRATIF = "exemple illustratif : rien n'est calculé"
QUESTIONS = {
    "effectivite": "Effectivité — les actions ont-elles eu lieu ?",
    "efficacite": "Efficacité — chaque action atteint-elle son objectif opérationnel ?",
    "utilite": "Utilité — qu'ont-elles changé pour les habitants et le territoire ?",
    "efficience": "Efficience — les résultats sont-ils à la mesure des moyens ?",
}

EFFECTIVITE_SCHEMA = {"groupe": pl.String, "actions": pl.Int64, "actions_realisees": pl.Int64,
                      "jalons": pl.Int64, "atteints_a_temps": pl.Int64, "atteints_en_retard": pl.Int64,
                      "en_retard": pl.Int64, "a_venir": pl.Int64, "abandonnes": pl.Int64}


def effectivite(actions: pl.DataFrame, jalons: pl.DataFrame, par: str, groupes: Iterable[str]) -> pl.DataFrame:
    """Per group (``par``: engagement, orientation or projet column of the actions): actions planned, actions
    done (every milestone closed and at least one reached), milestones reached on time / late, late, ahead.

    ``jalons`` carries ``retard`` (« », « en retard », « atteint en retard »: structure.jalons_avec_retard).
    Grain: one row per group, in the order given."""
    rows = []
    for g in groupes:
        ids = actions.filter(pl.col(par) == g)["id"].to_list() if actions.height else []
        mine = jalons.filter(pl.col("action_id").is_in(ids)) if jalons.height else jalons
        faites = 0
        for a in ids:
            ja = mine.filter(pl.col("action_id") == a) if mine.height else mine
            statuts = ja["statut"].to_list() if ja.height else []
            if statuts and all(s in ("atteint", "abandonne") for s in statuts) and "atteint" in statuts:
                faites += 1

        def n(expr: pl.Expr, mine: pl.DataFrame = mine) -> int:
            return mine.filter(expr).height if mine.height else 0

        rows.append({
            "groupe": g, "actions": len(ids), "actions_realisees": faites, "jalons": mine.height,
            "atteints_a_temps": n((pl.col("statut") == "atteint") & (pl.col("retard") == "")),
            "atteints_en_retard": n(pl.col("retard") == "atteint en retard"),
            "en_retard": n(pl.col("retard") == "en retard"),
            "a_venir": n(~pl.col("statut").is_in(["atteint", "abandonne"]) & (pl.col("retard") == "")),
            "abandonnes": n(pl.col("statut") == "abandonne"),
        })
    return pl.DataFrame(rows, schema=EFFECTIVITE_SCHEMA)


@dataclass(frozen=True)
class LectureIndicateur:
    """One indicator of an action read for the evaluation: its latest measure and, for a result indicator,
    the verdict against its objective (None for an illustrative one or a réalisation count)."""

    indicateur_id: int
    action_id: int
    niveau: str
    libelle: str
    unite: str
    annee: int | None
    valeur: float | None
    objectif: str  # « 80 % en 2030 (référence 62 % en 2024) », or « sans objectif chiffré »
    verdict: v.Verdict | None
    illustratif: bool
    texte: str  # the French line shown


def _nombre(x: float) -> str:
    text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def lire_indicateurs(indicateurs: pl.DataFrame, mesures: pl.DataFrame, annee_courante: int) -> list[LectureIndicateur]:
    """Every indicator of the actions with its latest measure; result indicators get the barometer's verdict
    (against the objective when one is set, else the direction of the last change). Illustrative indicators
    or measures are shown as such and never judged."""
    out = []
    for ind in indicateurs.iter_rows(named=True):
        ms = mesures.filter(pl.col("indicateur_id") == ind["id"]).sort("annee") if mesures.height else mesures
        illustratif = bool(ind["illustratif"]) or (ms.height > 0 and bool(ms["illustratif"].any()))
        serie = [(r["annee"], r["valeur"]) for r in ms.iter_rows(named=True)] if ms.height else []
        known = [(a, x) for a, x in serie if x is not None]
        annee, valeur = known[-1] if known else (None, None)
        objectif = "sans objectif chiffré"
        if ind["objectif_valeur"] is not None and ind["objectif_annee"] is not None:
            objectif = f"{_nombre(ind['objectif_valeur'])} {ind['unite']} en {ind['objectif_annee']}"
            if ind["reference_valeur"] is not None and ind["reference_annee"] is not None:
                objectif += (f" (référence {_nombre(ind['reference_valeur'])} {ind['unite']} "
                             f"en {ind['reference_annee']})")
        verdict = None
        if ind["niveau"] == "resultat" and not illustratif:
            hausse = ind["sens"] == "hausse_favorable"
            if ind["objectif_valeur"] is not None and ind["objectif_annee"] is not None:
                base = ((ind["reference_annee"], ind["reference_valeur"])
                        if ind["reference_valeur"] is not None and ind["reference_annee"] is not None else None)
                verdict = v.verdict_objectif(serie, ind["objectif_annee"], ind["objectif_valeur"], hausse,
                                             base=base, annee_courante=annee_courante)
            else:
                verdict = v.verdict_tendance(serie, ind["sens"], annee_courante=annee_courante, unite=ind["unite"])
        mesure = (f"{_nombre(valeur)} {ind['unite']} ({annee})" if valeur is not None else "aucune mesure saisie")
        texte = f"{ind['libelle']} : {mesure}"
        if ind["niveau"] == "resultat":
            texte += f" ; objectif : {objectif}"
        if illustratif:
            texte += f" — {ILLUSTRATIF}"
        elif verdict is not None:
            texte += f" — {verdict.libelle}" + (f" ({verdict.detail})" if verdict.detail else "")
        out.append(LectureIndicateur(ind["id"], ind["action_id"], ind["niveau"], ind["libelle"], ind["unite"],
                                     annee, valeur, objectif, verdict, illustratif, texte))
    return out


EFFICACITE_SCHEMA = {"groupe": pl.String, "resultats": pl.Int64, "favorables": pl.Int64,
                     "a_surveiller": pl.Int64, "defavorables": pl.Int64, "trop_tot": pl.Int64,
                     "illustratifs": pl.Int64}


def efficacite(lectures: list[LectureIndicateur], actions: pl.DataFrame, par: str,
               groupes: Iterable[str]) -> pl.DataFrame:
    """Per group: result indicators counted by the tone of their verdict (favourable: objective reached or on
    track, improving; to watch: « à accélérer »; unfavourable; too early), illustrative ones apart."""
    rows = []
    for g in groupes:
        ids = set(actions.filter(pl.col(par) == g)["id"].to_list()) if actions.height else set()
        mine = [r for r in lectures if r.action_id in ids and r.niveau == "resultat"]
        judged = [r.verdict for r in mine if r.verdict is not None]
        rows.append({"groupe": g, "resultats": len(mine),
                     "favorables": sum(x.tonalite == "favorable" for x in judged),
                     "a_surveiller": sum(x.tonalite == "a_surveiller" for x in judged),
                     "defavorables": sum(x.tonalite == "defavorable" for x in judged),
                     "trop_tot": sum(x.tonalite in ("incertain", "neutre") for x in judged),
                     "illustratifs": sum(r.illustratif for r in mine)})
    return pl.DataFrame(rows, schema=EFFICACITE_SCHEMA)


UTILITE_SCHEMA = {"action_id": pl.Int64, "indicateur": pl.String, "verdict": pl.String, "tonalite": pl.String,
                  "trop_tot": pl.Boolean, "detail": pl.String}


def utilite(actions: pl.DataFrame, verdicts_impact: Mapping[str, v.Verdict | None]) -> pl.DataFrame:
    """Each action × linked impact indicator of the barometer with its progression verdict (the barometer's
    own, for the agglomeration). No verdict: « trop tôt pour conclure » with the reason (no value)."""
    rows = []
    for a in actions.iter_rows(named=True):
        for ind in a["indicateurs_impact"] or []:
            verdict = verdicts_impact.get(ind)
            if verdict is None:
                rows.append({"action_id": a["id"], "indicateur": ind, "verdict": v.LIBELLES["trop_tot"],
                             "tonalite": "incertain", "trop_tot": True, "detail": "aucune valeur de l'agglomération"})
                continue
            rows.append({"action_id": a["id"], "indicateur": ind, "verdict": verdict.texte(),
                         "tonalite": verdict.tonalite, "trop_tot": verdict.code == "trop_tot",
                         "detail": verdict.detail})
    return pl.DataFrame(rows, schema=UTILITE_SCHEMA)


EFFICIENCE_SCHEMA = {"action_id": pl.Int64, "alloue": pl.Float64, "consomme": pl.Float64, "codes": pl.String,
                     "cout_unitaire": pl.Float64, "annee_ratio": pl.Int64, "unite_ratio": pl.String,
                     "pourquoi": pl.String}


def efficience(actions: pl.DataFrame, ressources: pl.DataFrame, indicateurs: pl.DataFrame,
               mesures: pl.DataFrame) -> pl.DataFrame:
    """Per action: resources allocated and consumed (€, every year; unknown stays unknown, never 0), the
    functional codes, and a cost per unit realised only where meaningful (see the module docstring)."""
    rows = []
    for a in actions.iter_rows(named=True):
        res = ressources.filter(pl.col("action_id") == a["id"]) if ressources.height else ressources
        alloue = float(res["alloue"].sum()) if res.height and res["alloue"].null_count() < res.height else None
        consomme = (float(res["consomme"].sum()) if res.height and res["consomme"].null_count() < res.height
                    else None)
        codes = ", ".join(sorted({c for c in (res["code_fonctionnel"].to_list() if res.height else []) if c}))
        real = (indicateurs.filter((pl.col("action_id") == a["id"]) & (pl.col("niveau") == "realisation"))
                if indicateurs.height else indicateurs)
        cout, annee, unite, pourquoi = None, None, "", ""
        if not res.height:
            pourquoi = "aucune ressource saisie ou importée pour cette action"
        elif real.height != 1:
            pourquoi = ("aucun indicateur de réalisation" if not real.height else
                        "plusieurs indicateurs de réalisation : un coût unitaire n'aurait pas de sens")
        elif bool(real["illustratif"][0]):
            pourquoi = ILLUSTRATIF
        else:
            ind = real.row(0, named=True)
            ms = (mesures.filter((pl.col("indicateur_id") == ind["id"]) & pl.col("valeur").is_not_null()
                                 & ~pl.col("illustratif")) if mesures.height else mesures)
            conso = res.filter(pl.col("consomme").is_not_null()).group_by("annee").agg(pl.col("consomme").sum())
            years = sorted(set(ms["annee"].to_list()) & set(conso["annee"].to_list())) if ms.height else []
            if not years:
                pourquoi = "pas d'année où la réalisation et la consommation sont toutes deux connues"
            else:
                annee = years[-1]
                qte = float(ms.filter(pl.col("annee") == annee)["valeur"][0])
                euros = float(conso.filter(pl.col("annee") == annee)["consomme"][0])
                if qte <= 0:
                    annee, pourquoi = None, "réalisation nulle : pas de coût unitaire"
                else:
                    cout, unite = euros / qte, ind["unite"]
        rows.append({"action_id": a["id"], "alloue": alloue, "consomme": consomme, "codes": codes,
                     "cout_unitaire": cout, "annee_ratio": annee, "unite_ratio": unite, "pourquoi": pourquoi})
    return pl.DataFrame(rows, schema=EFFICIENCE_SCHEMA)


def derniere_confiance(confiances: pl.DataFrame) -> dict[int, dict]:
    """The latest declared confidence of each action (by date, then entry): action id → row."""
    if not confiances.height:
        return {}
    last = confiances.sort(["date", "id"]).group_by("action_id", maintain_order=True).last()
    return {r["action_id"]: r for r in last.iter_rows(named=True)}


def _euros(x: float | None) -> str:
    if x is None:
        return "inconnu"
    return f"{x:,.0f}".replace(",", "\u202f") + "\u202f€"


def blocs(actions: pl.DataFrame, jalons: pl.DataFrame, lectures: list[LectureIndicateur], util: pl.DataFrame,
          cout: pl.DataFrame, par: str, groupes: list[str]) -> dict[str, dict[str, list[str]]]:
    """The four answers as short French lines, per group that has at least one action (group → question →
    lines): what the page, the grille's XLSX sheet and the meeting pack show."""
    eff = ev_rows(effectivite(actions, jalons, par, groupes))
    effic = ev_rows(efficacite(lectures, actions, par, groupes))
    out = {}
    for g in groupes:
        ids = actions.filter(pl.col(par) == g)["id"].to_list() if actions.height else []
        if not ids:
            continue
        e, f = eff[g], effic[g]
        u = util.filter(pl.col("action_id").is_in(ids)) if util.height else util
        r = cout.filter(pl.col("action_id").is_in(ids)) if cout.height else cout
        alloue = float(r["alloue"].sum()) if r.height and r["alloue"].null_count() < r.height else None
        consomme = float(r["consomme"].sum()) if r.height and r["consomme"].null_count() < r.height else None
        out[g] = {
            "effectivite": [f"{e['actions_realisees']} action(s) réalisée(s) sur {e['actions']}",
                            f"jalons : {e['atteints_a_temps']} atteint(s) à temps, {e['atteints_en_retard']} "
                            f"atteint(s) en retard, {e['en_retard']} en retard, {e['a_venir']} à venir"],
            "efficacite": [f"{f['resultats']} indicateur(s) de résultat",
                           f"{f['favorables']} favorable(s), {f['a_surveiller']} à accélérer, "
                           f"{f['defavorables']} défavorable(s), {f['trop_tot']} trop tôt pour conclure"]
            + ([f"{f['illustratifs']} exemple illustratif(s), non évalué(s)"] if f["illustratifs"] else []),
            "utilite": ([f"{u.height} indicateur(s) d'impact du baromètre",
                         f"{u.filter(pl.col('tonalite') == 'favorable').height} favorable(s), "
                         f"{u.filter(pl.col('tonalite') == 'defavorable').height} défavorable(s), "
                         f"{u.filter(pl.col('trop_tot')).height} trop tôt pour conclure"]
                        if u.height else ["aucun indicateur d'impact rattaché"]),
            "efficience": [f"alloué : {_euros(alloue)}", f"consommé : {_euros(consomme)}"],
        }
    return out


def ev_rows(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["groupe"]: r for r in frame.iter_rows(named=True)}


def tableau_synthese(bl: dict[str, dict[str, list[str]]], labels: Mapping[str, str]) -> pl.DataFrame:
    """One row per group, one column per question (lines joined): the grille's XLSX sheet."""
    schema = {"Groupe": pl.String, **{QUESTIONS[q].split(" — ")[0]: pl.String for q in QUESTIONS}}
    return pl.DataFrame([{"Groupe": labels.get(g, g), **{QUESTIONS[q].split(" — ")[0]: " ; ".join(lines)
                                                         for q, lines in b.items()}}
                         for g, b in bl.items()], schema=schema)
