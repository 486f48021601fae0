"""The Grille de positionnement page's parts (pages/grille.py): the criterion-per-screen projection, and the
tabs (grid, comparison of editions, the panel's form, history, editions). Each takes the page's
:class:`Contexte` (store, structure, signed-in user, the edition shown and its rows, read once per run)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from barometre.pilotage import exports as exports_pilotage
from barometre.pilotage import structure as pilotage
from barometre.pilotage.store import Store, Utilisateur
from barometre.pilotage.structure import A_RENSEIGNER, COLONNES_GRILLE, GROUPES, VOLETS
from barometre.texte import echapper, texte_sur
from barometre.ui import cache, etat
from barometre.ui import evaluation as ui_eval
from barometre.ui import panel as ui_panel
from barometre.ui import pilotage as ui_pilotage
from barometre.ui.etat import Selection

SITUATION = "Situation T / baromètre T−1"


@dataclass(frozen=True)
class Contexte:
    s: Store
    structure: object
    projection: bool
    user: Utilisateur | None
    cat: object
    epci: object
    situation: pl.DataFrame
    editions: pl.DataFrame
    edition_id: int | None
    edition: dict | None
    lignes: pl.DataFrame
    figee: bool
    resume: dict
    tableau: pl.DataFrame
    titre: str


def contexte(sel: Selection, user: Utilisateur | None) -> Contexte:
    """The edition shown (``?edition=``, picker drawn except in projection) and its grid, with the
    barometer's situation per criterion (frozen in a validated edition)."""
    s = ui_pilotage.store()
    structure = s.structure
    cat = cache.catalogue()
    epci = cache.territoire_config().epci
    liens = pilotage.indicateurs_par_critere(structure, cat)
    ids = tuple(sorted({i for v in liens.values() for i in v}))
    situation = pilotage.situation_grille(structure, cat, cache.dernieres_valeurs(ids, "epci", epci.code))
    editions = s.editions()
    edition_id = ui_pilotage.edition_picker(editions, widget=not sel.projection) if editions.height else None
    edition = s.edition(edition_id) if edition_id else None
    lignes = s.lignes_grille(edition_id or -1)
    figee = bool(edition and edition["statut"] == "validee" and edition["situation_figee"])
    resume = json.loads(edition["situation_figee"]) if figee else pilotage.resume_situation(structure, situation)
    tableau = pilotage.tableau_grille(structure, lignes, resume)
    titre = f"Grille de positionnement — {edition['libelle'] if edition else 'critères du projet de territoire'}"
    return Contexte(s, structure, sel.projection, user, cat, epci, situation, editions, edition_id, edition,
                    lignes, figee, resume, tableau, titre)


def projection_critere(c: Contexte) -> None:
    """Projection: one criterion per screen, ← → to move (``?critere=N`` in the URL)."""
    structure, edition, tableau = c.structure, c.edition, c.tableau
    n = len(structure.criteres)
    step = etat.etape("critere", n)
    crit = structure.criteres[step - 1]
    row = tableau.row(step - 1, named=True)
    where_col = etat.step_buttons("critere", step, n, key="grille",
                                  labels=("◀ Critère précédent", "Critère suivant ▶"), middle=4)
    nom_edition = echapper(edition["libelle"]) if edition else "aucune édition"
    where_col.markdown(f"**Grille de positionnement** · {nom_edition} · "
                       f"{VOLETS[crit.volet]}{' — ' + GROUPES[crit.groupe] if crit.groupe else ''} · "
                       f"critère {step}/{n}")
    st.header(crit.libelle)
    st.markdown(f"*{crit.enonce}*")
    left, right = st.columns(2, gap="large")
    left.markdown(f"**{SITUATION}**")
    left.markdown("\n".join(f"- {line}" for line in row[SITUATION].split("\n")))
    for label in COLONNES_GRILLE.values():
        right.markdown(f"**{label}** : {texte_sur(row[label])}")


def grille(c: Contexte) -> None:
    """The grid per volet, one criterion read in full, exports."""
    structure, cat, epci, situation, figee, tableau, titre = (
        c.structure, c.cat, c.epci, c.situation, c.figee, c.tableau, c.titre)
    shown = tableau.drop("critere")
    for volet, label in VOLETS.items():
        st.header(label)
        part = shown.filter(pl.col("Volet") == label).drop("Volet").with_columns(
            pl.col(SITUATION).str.replace_all("\n", " • "))  # a table cell shows one line
        if volet == "environnement":
            part = part.drop("Groupe")
        st.dataframe(part, hide_index=True, width="stretch", row_height=70)
    n_vides = sum(1 for c in COLONNES_GRILLE.values() for v in tableau[c].to_list() if v == A_RENSEIGNER)
    st.caption(f"{n_vides} case(s) sur {tableau.height * len(COLONNES_GRILLE)} « à renseigner ».")
    crit_ids = [c.id for c in structure.criteres]
    libelles = {c.id: c.libelle for c in structure.criteres}
    chosen = st.selectbox("Lire un critère en entier", crit_ids, format_func=libelles.get,
                          key="grille_detail")
    crit = structure.critere(chosen)
    row = tableau.filter(pl.col("critere") == chosen).row(0, named=True)
    with st.container(border=True):
        st.markdown(f"**{crit.libelle}** — *{crit.enonce}* (projet de territoire, l. {crit.ligne})")
        st.markdown(f"**{SITUATION}**")
        st.markdown("\n".join(f"- {line}" for line in row[SITUATION].split("\n")))
        for label in COLONNES_GRILLE.values():
            st.markdown(f"**{label}** : {texte_sur(row[label])}")
    detail = situation.select(
        pl.col("critere").replace(libelles).alias("Critère"), pl.col("libelle").alias("Indicateur"),
        pl.col("texte").alias("Situation"), pl.col("tendance").alias("Lecture"))
    hors = pilotage.criteres_catalogue_hors_grille(structure, cat)
    if hors:
        st.caption("Indicateurs du catalogue rattachés à un critère qui n'est pas dans la grille du projet : "
                   + " ; ".join(f"« {k} » ({', '.join(v)})" for k, v in hors.items()) + ".")
    c1, c2 = st.columns(2)
    export = tableau.drop("critere")

    def xlsx() -> bytes:
        feuilles = {"Grille": export, "Indicateurs": detail} if not figee else {"Grille": export}
        feuilles["Recommandations du panel"] = ui_panel.feuille_recommandations(structure)  # formulas neutralised
        feuilles["Évaluation"] = ui_eval.feuille()  # the four answers per engagement (issue 23)
        return exports_pilotage.grille_xlsx(feuilles, titre)

    # The files are made when a button is clicked, not on every run (a workbook of four sheets and a PDF
    # cost more than the page's tables); a click downloads without a rerun.
    c1.download_button("Grille (XLSX)", xlsx,
        "grille_positionnement.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="grille_xlsx", on_click="ignore")
    c2.download_button("Grille (PDF)", lambda: exports_pilotage.grille_pdf(
        export.drop("Volet", "Groupe"), titre,
        f"{epci.nom} — export du {date.today().strftime('%d/%m/%Y')}"),
        "grille_positionnement.pdf", "application/pdf", key="grille_pdf", on_click="ignore")


def comparer(c: Contexte) -> None:
    """One column of the grid across editions."""
    s, structure, editions = c.s, c.structure, c.editions
    if editions.height < 1:
        st.info("Aucune édition à comparer pour l'instant.")
    else:
        labels = {str(r["id"]): r["libelle"] for r in editions.iter_rows(named=True)}
        chosen_eds = st.multiselect("Éditions", list(labels), default=list(labels)[-3:],
                                    format_func=labels.get, key="grille_comparer",
                                        select_all=False, placeholder="Choisir")
        colonne = st.selectbox("Colonne", list(COLONNES_GRILLE), format_func=COLONNES_GRILLE.get,
                               key="grille_colonne")
        par_edition = {labels[e]: s.lignes_grille(int(e)) for e in chosen_eds}
        comp = pilotage.comparaison_editions(structure, par_edition, colonne)
        st.dataframe(comp, hide_index=True, width="stretch", row_height=70)
        st.download_button("Comparaison (XLSX)", lambda: exports_pilotage.grille_xlsx(
            {COLONNES_GRILLE[colonne]: comp}, "Comparaison des éditions"), "grille_comparaison.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="grille_comp_xlsx",
            on_click="ignore")


def renseigner(c: Contexte) -> None:
    """The panel's form for one criterion of the open edition."""
    (s, structure, user, edition_id, edition, lignes, figee, resume) = (
        c.s, c.structure, c.user, c.edition_id, c.edition, c.lignes, c.figee, c.resume)
    if user is None:
        st.info("Connectez-vous (barre latérale) pour renseigner la grille : membres du panel et agents.")
    elif not ui_pilotage.peut(user, "grille"):
        st.info("Votre rôle permet de consulter la grille, pas de la renseigner.")
    elif edition is None:
        st.info("Ouvrez d'abord une édition (onglet « Éditions », agents).")
    elif figee or edition["statut"] != "ouverte":
        st.info("Cette édition est validée : elle ne se modifie plus.")
    else:
        st.caption("Avant de renseigner « impacts imputables » et « acquis », lisez la page « Évaluation » (menu "
                   "Piloter) : par engagement, ce qui a été fait, si les objectifs sont atteints, ce que disent les "
                   "indicateurs d'impact, à quel coût — aussi dans la feuille « Évaluation » de l'export XLSX.")
        crit_ids = [c.id for c in structure.criteres]
        libelles = {c.id: c.libelle for c in structure.criteres}
        chosen = st.selectbox("Critère", crit_ids, format_func=libelles.get, key="grille_saisie_critere")
        crit = structure.critere(chosen)
        st.caption(crit.enonce)
        st.markdown("\n".join(f"- {line}" for line in resume[chosen].split("\n")))
        current = lignes.filter(pl.col("critere") == chosen)
        stored = current.row(0, named=True) if current.height else {}
        key = f"grille_{edition_id}_{chosen}"
        version = ui_pilotage.version_lue(key, stored.get("version", 0), list(COLONNES_GRILLE))
        with st.form(key):
            values = {c: st.text_area(label, value=stored.get(c, ""), key=f"{key}_{c}", height=110)
                      for c, label in COLONNES_GRILLE.items()}
            saved = st.form_submit_button("Enregistrer")
        if saved:
            def relire() -> tuple[int, dict[str, str]]:
                now = s.lignes_grille(edition_id).filter(pl.col("critere") == chosen)
                row = now.row(0, named=True) if now.height else {}
                return row.get("version", 0), {label: row.get(c, "") for c, label in COLONNES_GRILLE.items()}

            ui_pilotage.enregistrer_version(
                key, lambda: s.enregistrer_ligne_grille(user, edition_id, chosen, version, **values),
                "Ligne de la grille enregistrée.", relire)
        if st.button("Recharger la version enregistrée", key=f"{key}_recharger"):
            ui_pilotage.oublier(key, list(COLONNES_GRILLE))
            st.rerun()
        if stored:
            st.caption(f"Dernière modification : {echapper(stored['modifie_par'])}, "
                       f"{ui_pilotage.date_lisible(stored['modifie_le'])} (version {stored['version']}).")


def historique(c: Contexte) -> None:
    """Every change of this edition's rows, with its revert button."""
    user, edition_id, edition, lignes = c.user, c.edition_id, c.edition, c.lignes
    if edition is None:
        st.caption("Aucune édition : pas d'historique.")
    else:
        row_ids = [str(i) for i in lignes["id"].to_list()]
        ui_pilotage.historique(
            user, ["grille_lignes", "editions"], key="grille_hist",
            filtre=((pl.col("table_nom") == "grille_lignes") & pl.col("ligne").is_in(row_ids))
            | ((pl.col("table_nom") == "editions") & (pl.col("ligne") == str(edition_id))))


def editions(c: Contexte) -> None:
    """The editions; agents open one, validate it after the council's vote, reopen it."""
    s, user, editions, edition_id, edition, resume = c.s, c.user, c.editions, c.edition_id, c.edition, c.resume
    if editions.height:
        st.dataframe(editions.select(
            pl.col("libelle").alias("Édition"), pl.col("annee").alias("Année"),
            pl.col("date_seance").str.to_date("%Y-%m-%d", strict=False).dt.strftime("%d/%m/%Y").fill_null("")
            .alias("Séance"),
            pl.col("statut").replace({"ouverte": "ouverte", "validee": "validée"}).alias("Statut")),
            hide_index=True, width="stretch")
    if not ui_pilotage.peut(user, "editions"):
        st.caption("Les agents ouvrent une édition à chaque point d'étape et la marquent validée après le "
                   "vote "
                   "du Conseil communautaire.")
    else:
        with st.form("grille_nouvelle_edition"):
            st.markdown("**Ouvrir une édition**")
            libelle = st.text_input("Libellé", placeholder="Point d'étape …", key="nouvelle_edition_libelle")
            annee = st.number_input("Année", min_value=2024, max_value=2100, value=date.today().year, step=1,
                                    key="nouvelle_edition_annee")
            seance = st.date_input("Date de la séance du panel (facultatif)", value=None, format="DD/MM/YYYY")
            if st.form_submit_button("Ouvrir l'édition"):
                if ui_pilotage.ecrire(lambda: s.creer_edition(user, libelle, int(annee), seance),
                                      "Édition ouverte."):
                    st.rerun()
        if edition is not None:
            ekey = f"edition_{edition_id}"
            version = ui_pilotage.version_lue(ekey, edition["version"])
            if edition["statut"] == "ouverte":
                st.markdown(f"**Valider « {echapper(edition['libelle'])} »** : la grille passe en lecture seule et la "
                            "situation actuelle du baromètre y est figée.")
                if st.button("Valider l'édition (après le vote du conseil)", key="grille_valider"):
                    if ui_pilotage.ecrire(lambda: s.valider_edition(user, edition_id, version, resume),
                                          "Édition validée."):
                        ui_pilotage.oublier(ekey)
                        st.rerun()
            elif st.button(f"Rouvrir « {echapper(edition['libelle'])} »", key="grille_rouvrir"):
                if ui_pilotage.ecrire(lambda: s.rouvrir_edition(user, edition_id, version),
                                      "Édition rouverte."):
                    ui_pilotage.oublier(ekey)
                    st.rerun()
