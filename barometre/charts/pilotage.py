"""Charts of the pilotage pages as pure functions (no Streamlit): the milestones' timeline (Gantt)."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl

from barometre.charts.indicateurs import HIGHLIGHT, configure_text
from barometre.pilotage.structure import RETARD_ATTEINT, RETARD_EN_COURS, STATUTS_JALON, jalons_avec_retard

# Colour of each state of a milestone on the timeline (Okabe-Ito, colour-blind safe); "en retard"
# is the vermillion used for emphasis elsewhere in the barometer. The shape repeats the state so that
# colour is never the only cue (RGAA).
ETATS = {
    "Atteint": ("#009E73", "circle"),
    "Atteint en retard": ("#E69F00", "circle"),
    "En retard": (HIGHLIGHT, "triangle-up"),
    "En cours": ("#0072B2", "diamond"),
    "Prévu": ("#56B4E9", "diamond"),
    "Reporté": ("#CC79A7", "square"),
    "Abandonné": ("#999999", "cross"),
    "À renseigner": ("#BBBBBB", "square"),
}


ROW_STEP_PX = 36


def etat_affiche(statut: str, retard: str) -> str:
    if retard == RETARD_EN_COURS:
        return "En retard"
    if retard == RETARD_ATTEINT:
        return "Atteint en retard"
    return STATUTS_JALON.get(statut, statut)


def donnees_gantt(jalons: pl.DataFrame, actions: pl.DataFrame, aujourd_hui: date) -> pl.DataFrame:
    """Milestones with a due date, with their action's label and their displayed state.

    Grain: one row per milestone that has a due date (``date_prevue``); ``debut`` is its start date,
    or its due date when none was given (drawn as a point only)."""
    if not jalons.height:
        return pl.DataFrame(schema={"action": pl.String, "engagement": pl.String, "jalon": pl.String,
                                    "debut": pl.String, "echeance": pl.String, "etat": pl.String,
                                    "responsable": pl.String, "ordre": pl.Int64})
    labels = {a["id"]: (a["libelle"], a["engagement"]) for a in actions.iter_rows(named=True)}
    j = jalons_avec_retard(jalons.filter(pl.col("date_prevue").is_not_null()), aujourd_hui)
    rows = []
    for r in j.iter_rows(named=True):
        libelle, engagement = labels.get(r["action_id"], (str(r["action_id"]), ""))
        rows.append({"action": f"{engagement} · {libelle}", "engagement": engagement, "jalon": r["libelle"],
                     "debut": r["date_debut"] or r["date_prevue"], "echeance": r["date_prevue"],
                     "etat": etat_affiche(r["statut"], r["retard"]), "responsable": r["responsable"],
                     "ordre": r["action_id"]})
    return pl.DataFrame(rows).sort(["engagement", "ordre", "echeance"])


def gantt_chart(data: pl.DataFrame, aujourd_hui: date) -> alt.Chart:
    """Timeline of milestones: a bar from start to due date, a mark at the due date coloured and shaped
    by state, a rule for today. One line per action (engagement first)."""
    etats = [e for e in ETATS if e in set(data["etat"].to_list())] or list(ETATS)
    colours = alt.Scale(domain=etats, range=[ETATS[e][0] for e in etats])
    shapes = alt.Scale(domain=etats, range=[ETATS[e][1] for e in etats])
    color = alt.Color("etat:N", title="État", scale=colours)
    shape = alt.Shape("etat:N", title="État", scale=shapes)
    order = list(dict.fromkeys(data["action"].to_list()))
    y = alt.Y("action:N", title=None, sort=order, axis=alt.Axis(labelLimit=360))
    tooltip = [alt.Tooltip("action:N", title="Action"), alt.Tooltip("jalon:N", title="Jalon"),
               alt.Tooltip("debut:T", title="Début", format="%d/%m/%Y"),
               alt.Tooltip("echeance:T", title="Échéance", format="%d/%m/%Y"),
               alt.Tooltip("etat:N", title="État"), alt.Tooltip("responsable:N", title="Responsable")]
    base = alt.Chart(alt.Data(values=data.to_dicts()))
    bars = base.mark_bar(height=8, opacity=0.45).encode(
        x=alt.X("debut:T", title="Date", axis=alt.Axis(format="%m/%Y")), x2="echeance:T", y=y, color=color,
        tooltip=tooltip)
    points = base.mark_point(size=140, filled=True).encode(x="echeance:T", y=y, color=color, shape=shape,
                                                            tooltip=tooltip)
    today = alt.Chart(alt.Data(values=[{"jour": aujourd_hui.isoformat()}])).mark_rule(
        strokeDash=[4, 4], color="#333").encode(x="jour:T")
    # A step height (one band per action): a fixed pixel height collapses inside Streamlit's container.
    chart = alt.layer(bars, points, today).properties(width="container", height=alt.Step(ROW_STEP_PX))
    return configure_text(chart, orient="bottom")
