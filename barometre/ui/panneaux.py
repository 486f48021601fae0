"""Panels shared by several pages: an indicator's full panel (value, comparison, equity between communes),
key-figure cards and tiles. Each takes the run's :class:`~barometre.ui.etat.Selection` as a value."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import verdicts as v
from barometre.catalogue import Indicateur
from barometre.charts import indicateurs as charts
from barometre.texte import Html, echapper, html_sur
from barometre.ui import cache, etat, graphiques, provenance
from barometre.ui import equite as ui_equite
from barometre.ui import femmes_hommes as ui_fh
from barometre.ui import verdicts as verdicts_ui
from barometre.ui.etat import Selection

SENS_TEXT = {"hausse_favorable": "une hausse est favorable", "baisse_favorable": "une baisse est favorable",
             "neutre": "indicateur de contexte, sans sens favorable"}


def chart_font(sel: Selection) -> int:
    """Chart text size for the current mode (larger in projection, for the back of the council room)."""
    return charts.font_size(sel.projection)


def fmt(ind: Indicateur):
    return lambda v: formats.nombre(v, ind.decimales)


def metric_tile(container, ind: Indicateur, row: dict | None, comparaison: pl.DataFrame | None = None,
                verdicts: bool = True) -> None:
    """One figure: value, change since the previous vintage, comparison with the Nord / region / France."""
    if row is None:
        container.html(card(ind.nom_court, "—", "", ["non disponible"], ind.definition))
        return
    value = "secret statistique" if row["secret"] else formats.nombre(row["valeur"], ind.decimales)
    lines = [str(row["annee"]) + (f" · {row['ventilation']}" if row.get("ventilation") else "")]
    delta = delta_html(ind, row) if "evolution" in row else ""
    if delta:
        lines.append(delta)
    if comparaison is not None and not comparaison.is_empty():
        others = [f"{r['nom']} {formats.valeur_unite(r['valeur'], ind.unite, ind.decimales, r['secret'])} "
                  f"({r['annee']})" for r in comparaison.iter_rows(named=True)
                  if r["ordre"] > 0 and r["valeur"] is not None and r["code"] != row["code"]]
        if others:
            lines.append("Repères : " + " · ".join(others))
    if verdicts and not row.get("ventilation"):
        lines.extend(verdicts_ui.lignes(ind.id, row["niveau"], row["code"]))
    container.html(card(ind.nom_court, value, "" if row["secret"] else ind.unite, lines,
                         f"{ind.definition} ({SENS_TEXT[ind.sens]})."))


def indicator_panel(ind: Indicateur, sel: Selection, key: str) -> None:
    """Everything about one indicator for the selected territory: value, comparison, spread across communes
    (``sel.zonage`` groups the communes); its breakdown picker is its own."""
    niveau, code, nom = sel.niveau, sel.code, sel.nom
    ventilation = etat.ventilation_picker(ind, key=f"{key}_ventilation")
    sel = sel.avec(indicateur=ind.id, ventilation=ventilation)
    st.header(ind.libelle + (f" — {echapper(ventilation)}" if ventilation else ""))  # h2: the page title's child
    st.caption(f"{ind.definition} Unité : {ind.unite} ; {SENS_TEXT[ind.sens]}.")
    ui_fh.femmes_hommes(ind, court=True)
    comp = cache.comparaison(ind.id, niveau, code, ventilation)
    own = comp.filter((pl.col("niveau") == niveau) & (pl.col("code") == code))
    if own.is_empty():
        provenance.empty_state(ind, niveau, nom)
        published = comp.filter(pl.col("valeur").is_not_null())
        if published.height:
            st.markdown("Valeurs publiées pour les niveaux de comparaison :")
            graphiques.afficher("comparison_chart", published, ind.unite, ind.decimales, font_size=chart_font(sel),
                                alt=f"{ind.libelle} : valeurs publiées des niveaux de référence")
            provenance.caption_source(ind, published)
    else:
        row = own.to_dicts()[0]
        c1, c2 = st.columns([1, 2])
        latest = cache.dernieres_valeurs((ind.id,), niveau, code).filter(pl.col("ventilation") == ventilation)
        metric_tile(c1, ind, latest.to_dicts()[0] if latest.height else row)
        note = cache.perimetre_note(niveau, code)
        if note:
            c1.caption(f"Périmètre : {note}.")
        if row.get("methode"):  # every value says how it was made: producer, named third party, or here
            c1.caption("Méthode : " + cache.catalogue().methode_libelle(row["methode"], row.get("source"), ind,
                                                                      niveau) + ".")
        with c2:
            chart = graphiques.afficher(
                "comparison_chart", comp, ind.unite, ind.decimales, font_size=chart_font(sel),
                alt=f"Comparaison de {ind.libelle} entre {nom} et les niveaux de référence")
        provenance.caption_source(ind, comp)
        provenance.table_and_downloads(comp, ind, {"nom": "Territoire", "annee": "Année", "valeur": "Valeur",
                                           "methode": "Méthode", "source": "Source"}, key=f"{key}_comp", chart=chart)
    equity_panel(ind, sel, key)


def equity_panel(ind: Indicateur, sel: Selection, key: str) -> None:
    """The distribution across communes: ranking, spread, max/min ratio, and across zones."""
    niveau, code, zonage, ventilation = sel.niveau, sel.code, sel.zonage, sel.ventilation
    years = cache.annees(ind.id, "commune")
    if ventilation:  # the vintages of the chosen breakdown (an election, an age group) only
        years = sorted(set(cache.valeurs(ind.id, "commune", ventilation=ventilation)["annee"].to_list()))
    if not years:
        st.caption("Pas de valeurs communales pour cet indicateur : la répartition entre communes n'est pas "
                   "disponible.")
        return
    annee = years[-1]
    st.markdown(f"### Équité entre communes ({annee})")
    group_niveau, group_code = (niveau, code) if niveau != "commune" else ("epci", sel.epci)
    dist = cache.distribution(ind.id, group_niveau, group_code, annee, ventilation)
    if group_niveau == "epci":
        communes = cache.valeurs_communes(ind.id, annee, zonage, ventilation)
    else:  # the communes of the chosen zone only, so that ranking and spread describe the same group
        communes = cache.valeurs_communes(ind.id, annee, group_niveau, ventilation).filter(pl.col("zone") == group_code)
    if not dist.is_empty():
        d = dist.to_dicts()[0]
        f = fmt(ind)
        cols = st.columns(4)
        cols[0].html(card("Plus faible", f(d["minimum"]), ind.unite, [d["commune_min"] or ""], ""))
        cols[1].html(card("Médiane des communes", f(d["mediane"]), ind.unite, [], ""))
        cols[2].html(card("Plus élevée", f(d["maximum"]), ind.unite, [d["commune_max"] or ""], ""))
        cols[3].html(card("Rapport max / min", formats.nombre(d["rapport_max_min"], 1) if d["rapport_max_min"]
                           else "–", "", ["écart entre extrêmes"], ""))
        st.caption(f"Plus faible : {d['commune_min']} · plus élevée : {d['commune_max']} · "
                   f"{d['n_valeurs']} communes avec valeur, {d['n_secret']} sous secret statistique, "
                   f"{d['n_manquantes']} sans valeur. La médiane des communes n'est pas la valeur du territoire.")
    highlight = sel.commune
    refs = cache.comparaison(ind.id, group_niveau, group_code, ventilation)
    references = [(r["nom"], r["valeur"]) for r in refs.iter_rows(named=True)
                  if r["valeur"] is not None and r["annee"] == annee and ind.grandeur != "total"]
    chart = graphiques.afficher("ranking_chart", communes, ind.unite, ind.decimales, highlight, ind.nom_court,
                                references, font_size=chart_font(sel),
                                alt=f"Classement des communes pour {ind.libelle}")
    secrets = communes.filter(pl.col("secret"))["nom"].to_list()
    if secrets:
        st.caption(f"Secret statistique (non représentées) : {', '.join(secrets)}.")
    provenance.caption_source(ind, communes.with_columns(pl.lit(annee).alias("annee")))
    provenance.table_and_downloads(communes.sort("valeur", descending=True, nulls_last=True), ind,
                           {"nom": "Commune", "code": "Code", "nom_zone": "Zone", "valeur": "Valeur",
                            "source": "Source"}, key=f"{key}_rank", chart=chart)
    zones = cache.distribution_zones(ind.id, zonage, annee, ventilation)
    if zones.height > 1:
        st.markdown("### Entre zones du découpage")
        graphiques.afficher("distribution_chart", zones, ind.unite, ind.decimales, font_size=chart_font(sel),
                            alt=f"Dispersion de {ind.libelle} entre les communes de chaque zone")
        st.caption("Trait : de la commune la plus faible à la plus élevée ; boîte : quartiles ; repère orange : "
                   "médiane des communes de la zone.")
    ui_equite.equite_dans_le_temps(ind, zonage, ventilation)


# ---------------------------------------------------------------- key figures (home page, séance)
FAVOURABLE = "#1a7f37"
UNFAVOURABLE = "#b42318"
NEUTRAL_TEXT = "#444"


def delta_html(ind: Indicateur, row: dict) -> str:
    """The change since the previous vintage, judged with the indicator's margin (inside it: « stable »);
    an amount in euros after inflation (INSEE's price index) with its current-euro change beside it, or
    said to be in current euros when the index is missing."""
    if row.get("annee_precedente") is None or row.get("evolution") is None:
        return ""
    change, money_note = row["evolution"], ""
    base = row.get("valeur_precedente")
    if v.est_monnaie(ind.unite) and base is not None and row.get("valeur") is not None:
        reel, _ = v.montants_constants([(row["annee_precedente"], base), (row["annee"], row["valeur"])],
                                       verdicts_ui.ipc())
        courant = formats.ecart(change, ind.unite, ind.decimales)
        if reel is None:
            money_note = " en euros courants (inflation non déduite : indice des prix non chargé)"
        else:
            change, base = row["valeur"] - reel[0][1], reel[0][1]
            money_note = f" en euros constants de {row['annee']} · {courant} en euros courants"
    marge = cache.catalogue().marge(ind)
    stable = v.dans_la_marge(change, marge, base)
    arrow = "▶" if stable else ("▲" if change > 0 else "▼")
    good = None if stable else (change > 0) == (ind.sens == "hausse_favorable")
    colour = NEUTRAL_TEXT if ind.sens == "neutre" or good is None else (FAVOURABLE if good else UNFAVOURABLE)
    if money_note.startswith(" en euros courants"):  # not judged without inflation
        colour, verdict = NEUTRAL_TEXT, ""
    elif stable:
        verdict = " (stable : dans la marge de l'indicateur)" if change else " (stable)"
    else:
        verdict = "" if ind.sens == "neutre" else (" (favorable)" if good else " (défavorable)")
    if money_note.startswith(" en euros constants"):  # the verdict is on the constant-euro change
        constant, _, current = money_note.partition(" · ")
        money_note = f"{constant}{verdict} · {current}"
        verdict = ""
    return Html(f'<div style="color:{colour};font-size:.95rem">{arrow} '
                f'{html_sur(formats.ecart(change, ind.unite, ind.decimales))} depuis {row["annee_precedente"]}'
                f'{html_sur(money_note)}{html_sur(verdict)}</div>')


def card(label: str, value: str, unit: str, lines: list[str], help_text: str) -> str:
    """A figure card for ``st.html``. Every argument is text and is escaped (territory names, breakdown labels
    read from loaded files…); only :class:`~barometre.texte.Html` lines built by our code stay markup."""
    label, value, unit, help_text = (html_sur(x) for x in (label, value, unit, help_text))
    body = "".join(f'<div style="font-size:.9rem;color:#333;margin-top:.25rem">{html_sur(line)}</div>'
                   for line in lines)
    return (f'<div role="group" aria-label="{label}" title="{help_text}" style="border:1px solid #c9c9c9;'
            f'border-radius:.5rem;padding:.8rem 1rem;min-height:9.5rem;background:#fff">'
            f'<div style="font-size:1rem;font-weight:600;color:#111">{label}</div>'
            f'<div style="font-size:2.1rem;font-weight:700;color:#111;line-height:1.2;margin-top:.3rem">{value}'
            f'<span style="font-size:1rem;font-weight:500;color:#333"> {unit}</span></div>{body}</div>')


def reference_lines(ind: Indicateur, niveau: str, code: str, comp: pl.DataFrame) -> list[str]:
    """The card's comparison lines: the EPCI (for a commune or zone), Nord, région and France with the same
    definition; a reference with another definition only with that definition named beside it; for a
    published non-additive value of a group, the range across its communes as a secondary line."""
    lines = []
    refs = [f"{r['nom']} : {formats.valeur_unite(r['valeur'], ind.unite, ind.decimales)} ({r['annee']})"
            for r in comp.iter_rows(named=True)
            if r["ordre"] >= 1 and r["valeur"] is not None and (r["niveau"], r["code"]) != (niveau, code)]
    if refs:
        lines.append("Repères : " + " · ".join(refs))
    if ind.repere_autre_definition:
        other = cache.catalogue().indicateur(ind.repere_autre_definition)
        others = cache.comparaison(other.id, niveau, code, "")
        shown = [f"{r['nom']} : {formats.valeur_unite(r['valeur'], other.unite, other.decimales)} ({r['annee']})"
                 for r in others.iter_rows(named=True) if r["ordre"] >= 1 and r["valeur"] is not None]
        if shown:
            lines.append(f"Autre définition ({ind.repere_autre_definition_note}) : " + " · ".join(shown))
    if ind.agregation == "aucune" and niveau != "commune":
        dist = cache.distribution(ind.id, niveau, code)
        if not dist.is_empty() and dist["n_valeurs"][0] > 0:
            d = dist.to_dicts()[0]
            secret_note = f", {d['n_secret']} sous secret statistique" if d["n_secret"] else ""
            lines.append(f"Entre communes ({d['annee']}) : {formats.nombre(d['minimum'], ind.decimales)} à "
                         f"{formats.valeur_unite(d['maximum'], ind.unite, ind.decimales)}{secret_note}")
    return lines


def reference_levels_lines(ind: Indicateur, niveau: str, code: str) -> list[str]:
    """One line per reference level with a value (« Nord (département), 2024 : Femmes 84,4 · Hommes 78,4
    ans »), every breakdown of the latest year; the chosen territory itself excluded."""
    rows = [r for r in _comparaisons_toutes_ventilations(ind.id, niveau, code)
            if r["ordre"] >= 1 and r["valeur"] is not None and (r["niveau"], r["code"]) != (niveau, code)]
    out = []
    for key in dict.fromkeys((r["niveau"], r["code"]) for r in rows):
        mine = [r for r in rows if (r["niveau"], r["code"]) == key]
        annee = max(r["annee"] for r in mine)
        mine = sorted((r for r in mine if r["annee"] == annee), key=lambda r: r["ventilation"])
        parts = " · ".join((f"{r['ventilation']} " if r["ventilation"] else "") + formats.nombre(r["valeur"],
                           ind.decimales) for r in mine)
        niveau_nom = "" if key[0] == "france" else f" ({cache.niveau_libelle(key[0]).lower()})"
        out.append(f"{mine[0]['nom']}{niveau_nom}, {annee} : {parts} {ind.unite}")  # text: card() escapes it
    return out


def other_definition_lines(ind: Indicateur, niveau: str, code: str) -> list[str]:
    """The catalogue's reference of another definition for this territory (every breakdown), named so:
    for life expectancy, the OR2S gap with France of the agglomeration's territory."""
    if not ind.repere_autre_definition:
        return []
    other = cache.catalogue().indicateur(ind.repere_autre_definition)
    rows = [r for r in _comparaisons_toutes_ventilations(other.id, niveau, code) if r["valeur"] is not None]
    if not rows:
        return []
    by_place: dict[str, list[dict]] = {}
    for r in rows:
        by_place.setdefault(r["nom"], []).append(r)
    shown = []
    for nom, mine in by_place.items():
        parts = " · ".join((f"{r['ventilation']} " if r["ventilation"] else "")
                           + formats.valeur_unite(r["valeur"], other.unite, other.decimales)
                           for r in sorted(mine, key=lambda r: r["ventilation"]))
        periode = mine[0].get("periode") or mine[0]["annee"]
        shown.append(f"{nom} ({periode}) : {parts}")  # text: card() escapes it
    return [f"Autre définition ({ind.repere_autre_definition_note}) : " + " ; ".join(shown)]


def _comparaisons_toutes_ventilations(indicateur: str, niveau: str, code: str) -> list[dict]:
    frame = cache.comparaisons_territoire(niveau, code)
    return frame.filter(pl.col("indicateur") == indicateur).to_dicts()


def key_figure(container, ind: Indicateur, sel: Selection, verdicts: bool = True) -> None:
    """A key figure card: the territory's value, its change and its references; where the value is not
    published for the territory, the range across its communes or the nearest published level, said so."""
    niveau, code = sel.niveau, sel.code
    latest = cache.dernieres_valeurs((ind.id,), niveau, code)
    rows = latest.filter(pl.col("ventilation") == "")
    row = rows.to_dicts()[0] if rows.height else None
    f = fmt(ind)
    label = ind.nom_court
    if row is not None:
        comp = cache.comparaison(ind.id, niveau, code, "")
        value = "secret" if row["secret"] else f(row["valeur"])
        lines = [f"{row['annee']}" + (f" · {row['periode']}" if row["periode"] else "")
                 + f" · Source : {provenance.producteur(row.get('source') or ind.source)}"]
        delta = delta_html(ind, row)
        if delta:
            lines.append(delta)
        lines.extend(reference_lines(ind, niveau, code, comp))
        if verdicts:
            lines.extend(verdicts_ui.lignes(ind.id, niveau, code))
        container.html(card(label, value, "" if row["secret"] else ind.unite, lines, ind.definition))
        return
    if latest.height:  # published only by breakdown (life expectancy by sex)
        parts = [f"{r['ventilation']} {f(r['valeur'])}" for r in latest.iter_rows(named=True)]
        source = provenance.producteur(latest["source"][0] if "source" in latest.columns else ind.source)
        container.html(card(label, " · ".join(parts), ind.unite,
                            [f"{latest['annee'].max()} · Source : {source}"], ind.definition))
        return
    group = (niveau, code) if niveau != "commune" else None
    dist = cache.distribution(ind.id, *group) if group else pl.DataFrame()
    comp = cache.comparaison(ind.id, niveau, code, "")
    published = [r for r in comp.iter_rows(named=True) if r["valeur"] is not None]
    if not dist.is_empty() and dist["n_valeurs"][0] > 0:
        d = dist.to_dicts()[0]
        secret_note = f", {d['n_secret']} communes sous secret statistique" if d["n_secret"] else ""
        lines = [f"{d['annee']} · écart entre communes : pas de valeur publiée pour ce territoire "
                 f"(indicateur non additif){secret_note} · Source : {provenance.producteur(ind.source)}"]
        if published:
            lines.append("Repères : " + " · ".join(
                f"{r['nom']} {formats.valeur_unite(r['valeur'], ind.unite, ind.decimales)} ({r['annee']})"
                for r in published))
        container.html(card(label, f"{f(d['minimum'])} à {f(d['maximum'])}", ind.unite, lines, ind.definition))
        return
    other_levels = reference_levels_lines(ind, niveau, code)
    if other_levels:  # never the territory's own figure: the other levels' values, each named with its level
        lines = ["Pas de valeur publiée pour ce territoire. Repères d'autres niveaux (ce ne sont pas les "
                 "valeurs du territoire) :", *other_levels]
        lines.extend(other_definition_lines(ind, niveau, code))
        lines.append(f"Source : {provenance.producteur(ind.source)}")
        container.html(card(label, "non publié", "", lines, ind.definition))
        return
    container.html(card(label, "—", "", ["Donnée pas encore chargée : voir Volet environnemental."],
                         ind.definition))
