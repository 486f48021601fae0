"""The Streamlit layer of the targets' edits (volet environnemental, tab « Objectifs et trajectoires »):
the table of targets in force with their provenance, and — for a signed-in agent or administrator — the
form that adds, changes, withdraws or restores a target, with the history and its revert button.

The shipped file data/catalogue/objectifs.csv stays the base; every edit goes through the store
(:meth:`barometre.pilotage.store.Store.enregistrer_objectif`, :meth:`~barometre.pilotage.store.Store.creer`),
which checks the role, validates the target with the file's own model, journals it (who, when, before, after) and
refuses a write based on a version someone else changed meanwhile.
"""

from __future__ import annotations

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre.calculs.targets import FORMES, LIBELLES_COLONNES_FR, ORIGINES, STATUS_LABELS_FR, Objectif
from barometre.catalogue import Catalogue
from barometre.pilotage.objectifs import (
    PROVENANCES_FR,
    ObjectifSaisi,
    depuis_formulaire,
    objectifs_rows,
    vers_formulaire,
)
from barometre.pilotage.store import DonneesInvalides, Store, Utilisateur, date_lisible
from barometre.settings import get_settings
from barometre.texte import echapper
from barometre.ui import cache, etat
from barometre.ui import pilotage as ui_pilotage
from barometre.ui.etat import Selection

NOUVEAU = "__nouveau__"
CLE_CHOIX = "objectif_choisi"
CLE_NOUVEAU = "objectif_nouveau"
CLE_SUIVANT = "objectif_choisi__suivant"
FORMES_FR = {"lineaire": "Linéaire", "snbc": "Profil SNBC (approximation : lente jusqu'en 2030, rapide ensuite)"}
ORIGINES_FR = {"PCAET": "PCAET de l'agglomération", "projet_de_territoire": "Projet de territoire",
               "loi_energie_climat": "Loi Énergie-Climat", "SNBC": "SNBC (stratégie nationale bas-carbone)",
               "PREPA": "PREPA (plan de réduction des polluants atmosphériques)", "SRADDET": "SRADDET"}
TEXTES = ("annee_reference", "valeur_reference", "annee_cible", "valeur_cible", "variation_cible_pct")
CHAMPS = ("indicateur", "territoire", *TEXTES, "forme", "origine", "source", "a_confirmer", "illustratif",
          "commentaire")


def territoires_cibles() -> dict[str, str]:
    """Territories a target can name (those whose observations the trajectories read): code → name."""
    conf = cache.territoire_config()
    return {conf.epci.code: conf.epci.nom, conf.departement.code: conf.departement.nom,
            conf.region.code: conf.region.nom, "FR": "France"}


def tableau(saisis: list[ObjectifSaisi], rows: list[dict], cat: Catalogue) -> pl.DataFrame:
    """The targets in force as people read them: one row per target, status of its trajectory, provenance."""
    noms = territoires_cibles()
    libelles = {i.id: i.libelle for i in cat.indicateurs}
    par_id = {s.objectif.id: s for s in saisis}
    return pl.DataFrame({
        "Objectif": [r.get("intitule") or r["id"] for r in rows],  # the register's headline, not its id
        "Indicateur": [libelles.get(r["indicateur"], r["indicateur"]) for r in rows],
        "Territoire": [noms.get(r["territoire"], r["territoire"]) for r in rows],
        "Échéance": [str(r["annee_cible"]) for r in rows],
        "Statut": [r["statut_libelle"] or STATUS_LABELS_FR[r["statut"]] for r in rows],
        "À confirmer": ["oui" if r["a_confirmer"] else "non" for r in rows],
        "Provenance": [PROVENANCES_FR[par_id[r["id"]].provenance] for r in rows],
    }, schema={c: pl.String for c in ("Objectif", "Indicateur", "Territoire", "Échéance", "Statut",
                                      "À confirmer", "Provenance")})


def _libelle_choix(saisi: ObjectifSaisi) -> str:
    marque = " — retiré" if saisi.retire else ("" if saisi.provenance == "fichier"
                                               else f" — {PROVENANCES_FR[saisi.provenance]}")
    return f"{saisi.objectif.id}{marque}"


def _champs_formulaire(key: str, obj: Objectif | None, cat: Catalogue) -> dict:
    """The form's widgets, filled with ``obj`` (a new target when None); returns the values as typed."""
    noms = territoires_cibles()
    inds = [i for i in cat.indicateurs if i.sens in ("hausse_favorable", "baisse_favorable")]
    ind_ids = [i.id for i in inds]
    unite = {i.id: i.unite for i in inds}
    libelles = {i.id: f"{i.libelle} ({i.unite})" for i in inds}
    if obj is not None and obj.indicateur not in ind_ids:
        ind_ids.append(obj.indicateur)
    terr = list(noms)
    if obj is not None and obj.territoire not in terr:
        terr.append(obj.territoire)
    lab = LIBELLES_COLONNES_FR
    v: dict = {}
    v["indicateur"] = st.selectbox(lab["indicateur"], ind_ids, format_func=lambda i: libelles.get(i, i),
                                   index=ind_ids.index(obj.indicateur) if obj else 0, key=f"{key}_indicateur")
    v["territoire"] = st.selectbox(lab["territoire"], terr, format_func=lambda c: f"{noms.get(c, c)} ({c})",
                                   index=terr.index(obj.territoire) if obj else 0, key=f"{key}_territoire")
    aide_valeur = ("Dans l'unité de l'indicateur (entre parenthèses ci-dessus) ; virgule décimale acceptée. "
                   + (f"Unité actuelle : {unite.get(obj.indicateur, '')}." if obj else ""))
    c1, c2 = st.columns(2)
    v["annee_reference"] = c1.text_input(lab["annee_reference"], vers_formulaire(obj.annee_reference if obj else None),
                                         key=f"{key}_annee_reference",
                                         help="Vide si elle n'est pas connue : l'objectif est alors « à confirmer ».")
    v["valeur_reference"] = c2.text_input(lab["valeur_reference"],
                                          vers_formulaire(obj.valeur_reference if obj else None),
                                          key=f"{key}_valeur_reference",
                                          help="Vide : la valeur observée l'année de référence. " + aide_valeur)
    c1, c2, c3 = st.columns(3)
    v["annee_cible"] = c1.text_input(lab["annee_cible"], vers_formulaire(obj.annee_cible if obj else None),
                                     key=f"{key}_annee_cible")
    v["valeur_cible"] = c2.text_input(lab["valeur_cible"], vers_formulaire(obj.valeur_cible if obj else None),
                                      key=f"{key}_valeur_cible",
                                      help="Valeur à atteindre, ou bien une variation (pas les deux). " + aide_valeur)
    v["variation_cible_pct"] = c3.text_input(lab["variation_cible_pct"],
                                             vers_formulaire(obj.variation_cible_pct if obj else None),
                                             key=f"{key}_variation_cible_pct",
                                             help="Variation par rapport à la référence, par exemple -50.")
    c1, c2 = st.columns(2)
    formes = list(FORMES)
    v["forme"] = c1.selectbox(lab["forme"], formes, format_func=FORMES_FR.get,
                              index=formes.index(obj.forme) if obj else 0, key=f"{key}_forme")
    origines = list(ORIGINES)
    v["origine"] = c2.selectbox(lab["origine"], origines, format_func=ORIGINES_FR.get,
                                index=origines.index(obj.origine) if obj else 0, key=f"{key}_origine")
    v["source"] = st.text_area(lab["source"], obj.source if obj else "", key=f"{key}_source", height=68,
                               help="Document, date et lien d'où vient le chiffre.")
    c1, c2 = st.columns(2)
    v["a_confirmer"] = c1.checkbox("À confirmer avec l'agglomération", obj.a_confirmer if obj else True,
                                   key=f"{key}_a_confirmer")
    v["illustratif"] = c2.checkbox("Illustratif (objectif national transposé)", obj.illustratif if obj else False,
                                   key=f"{key}_illustratif")
    v["commentaire"] = st.text_area(lab["commentaire"], obj.commentaire if obj else "", key=f"{key}_commentaire",
                                    height=68)
    return depuis_formulaire(v)


def edition(s: Store, user: Utilisateur | None, saisis: list[ObjectifSaisi], cat: Catalogue) -> None:
    """The edit section: the form for who may set targets, the history (with revert) for everyone."""
    st.markdown("## Modifier les objectifs")
    if not ui_pilotage.peut(user, "objectifs"):
        st.caption("Les objectifs viennent du fichier data/catalogue/objectifs.csv. Un agent de l'agglomération "
                   "connecté (barre latérale, « Se connecter pour saisir ») peut en ajouter, en modifier ou en "
                   "retirer ici ; chaque modification est conservée (qui, quand, avant, après) et peut être "
                   "annulée.")
    else:
        _formulaire(s, user, saisis, cat)
    with st.expander("Historique des modifications des objectifs"):
        ui_pilotage.historique(user, ["objectifs"], key="objectifs_historique")


def _formulaire(s: Store, user: Utilisateur, saisis: list[ObjectifSaisi], cat: Catalogue) -> None:
    par_id = {x.objectif.id: x for x in saisis}
    options = [NOUVEAU, *par_id]
    if etat.present(CLE_SUIVANT):  # the target just added (set before the picker is drawn)
        etat.ecrire(CLE_CHOIX, etat.retirer(CLE_SUIVANT))
    if etat.lire(CLE_CHOIX) not in options:
        etat.retirer(CLE_CHOIX)
    choix = st.selectbox("Objectif à modifier, retirer ou rétablir", options, key=CLE_CHOIX,
                         format_func=lambda i: "— Nouvel objectif —" if i == NOUVEAU else _libelle_choix(par_id[i]))
    if choix == NOUVEAU:
        with st.form(CLE_NOUVEAU):
            ident = st.text_input(LIBELLES_COLONNES_FR["id"], key=f"{CLE_NOUVEAU}_id",
                                  help="Minuscules, chiffres et tirets, par exemple pcaet-energie-moins-30-2030-caph.")
            champs = _champs_formulaire(CLE_NOUVEAU, None, cat)
            ajouter = st.form_submit_button("Ajouter l'objectif")
        if ajouter:
            ident = ident.strip()

            def _ajouter() -> None:
                if ident in par_id:
                    raise DonneesInvalides(f"L'objectif « {ident} » existe déjà : choisissez-le dans la liste pour "
                                           "le modifier, ou donnez un autre identifiant.")
                s.creer(user, "objectifs", id=ident, retire=False, **champs)

            if ui_pilotage.ecrire(_ajouter, "Objectif ajouté (il figure dans l'historique)."):
                ui_pilotage.oublier(CLE_NOUVEAU, ["id", *CHAMPS])
                etat.ecrire(CLE_SUIVANT, ident)
                st.rerun()
        return

    saisi = par_id[choix]
    key = f"objectif_{choix}"
    version = ui_pilotage.version_lue(key, saisi.version, list(CHAMPS))
    if saisi.version:
        st.caption(f"Provenance : {PROVENANCES_FR[saisi.provenance]} — dernière modification par "
                   f"{echapper(saisi.modifie_par)} le {date_lisible(saisi.modifie_le)} (version {saisi.version})"
                   + (" — **retiré** : ni affiché ni exporté." if saisi.retire else "."))
    else:
        st.caption("Provenance : fichier des objectifs (jamais modifié dans le baromètre).")
    with st.form(key):
        champs = _champs_formulaire(key, saisi.objectif, cat)
        b1, b2 = st.columns(2)
        enregistrer = b1.form_submit_button("Enregistrer l'objectif")
        basculer = b2.form_submit_button("Rétablir l'objectif" if saisi.retire else "Retirer l'objectif")
    if enregistrer or basculer:
        retire = (not saisi.retire) if basculer else saisi.retire
        # Withdrawing or restoring keeps the target as stored: only the flag changes.
        valeurs = ({c: getattr(saisi.objectif, c) for c in CHAMPS} if basculer else champs)
        message = ("Objectif retiré." if basculer and retire else "Objectif rétabli." if basculer
                   else "Objectif enregistré.")
        if ui_pilotage.ecrire(lambda: s.enregistrer_objectif(user, choix, version, retire=retire, **valeurs),
                              message):
            ui_pilotage.oublier(key, list(CHAMPS))
            st.rerun()
    if st.button("Recharger la version enregistrée", key=f"{key}_recharger"):
        ui_pilotage.oublier(key, list(CHAMPS))
        st.rerun()


ORIGINES_COURTES = {"PCAET": "PCAET", "projet_de_territoire": "Projet de territoire",
                    "loi_energie_climat": "Loi Énergie-Climat", "SNBC": "SNBC", "PREPA": "PREPA",
                    "SRADDET": "SRADDET"}


def resume_accueil(sel: Selection) -> None:
    """The agglomeration's own targets (home page): origin, deadline, status; the illustrative national
    targets are only counted here (detailed in the volet environnemental)."""
    try:
        rows = pl.DataFrame(objectifs_rows(get_settings(), cache.connection()), infer_schema_length=None)
    except Exception as exc:  # the targets file is human-edited: show its error rather than crash the page
        st.error(f"Fichier des objectifs invalide : {exc}")
        return
    if not rows.height:
        return
    epci_rows = rows.filter(pl.col("territoire") == sel.epci)
    shown = epci_rows.filter(~pl.col("illustratif"))
    labels = {i.id: i.nom_court for i in cache.catalogue().indicateurs}
    table = shown.select(
        pl.col("indicateur").replace(labels).alias("Indicateur"),
        pl.col("origine").replace(ORIGINES_COURTES).alias("Origine"),
        pl.col("annee_cible").alias("Échéance"),
        pl.col("statut_libelle").alias("Statut"),
        pl.when(pl.col("a_confirmer")).then(pl.lit("à confirmer")).otherwise(pl.lit("")).alias("Remarque"),
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Objectifs de l'agglomération (PCAET, projet de territoire). {epci_rows.height - shown.height} "
               "objectifs nationaux ou régionaux transposés à titre illustratif sont détaillés, avec la règle de "
               "statut et les trajectoires, dans la page Volet environnemental.")


# ---------------------------------------------------------------- trajectories of the communes and zones
NIVEAUX_COMPARAISON = ("epci", "departement", "region", "france")


def trajectoires_territoire(rows: list[dict], ind_id: str, niveau: str, code: str, nom: str,
                            font_size: int) -> None:
    """The agglomeration's targets of ``ind_id`` applied to the territory picked in the sidebar (a commune
    or a zone: its own reference value, method written), and the same for every territory of its level."""
    from barometre import formats
    from barometre.charts import indicateurs as charts
    from barometre.pilotage.objectifs import METHODE_TERRITOIRES, objectifs_par_territoire

    st.markdown("### Trajectoires des communes et des bassins")
    st.caption(METHODE_TERRITOIRES)
    if niveau in NIVEAUX_COMPARAISON:
        st.caption("Choisissez une commune ou une zone (bassin de vie, canton…) dans la barre latérale pour voir "
                   "sa propre trajectoire.")
        return
    cat = cache.catalogue()
    ind = cat.indicateur(ind_id)
    epci = cache.territoire_config().epci.code
    tous = [r for r in objectifs_par_territoire(cache.connection(), cat, rows, epci, niveau)
            if r["indicateur"] == ind_id]
    for r in [r for r in tous if r["code"] == code]:
        st.markdown(f"**{nom} — {r.get('intitule') or r['id']}** : statut **{r['statut_libelle']}**"
                    + (" — *objectif illustratif*" if r["illustratif"] else ""))
        if not r["trajectoire"]:
            st.caption("Pas de trajectoire : valeur de référence du territoire ou valeur cible inconnue.")
            continue
        obs = cache.valeurs(ind_id, niveau, (code,)).filter(pl.col("ventilation") == "").select("annee", "valeur")
        gap = f"écart : {formats.ecart(r['ecart'], ind.unite, ind.decimales)}" if r["ecart"] is not None else ""
        chart = charts.trajectory_chart(obs, pl.DataFrame(r["trajectoire"], schema=["annee", "valeur"], orient="row"),
                                        ind.unite, r["annee_observation"] or r["annee_reference"], ind.decimales,
                                        gap, font_size=font_size)
        st.altair_chart(chart, width="stretch", alt=f"Trajectoire de {nom} : {r.get('intitule') or r['id']}")
    if tous:
        table = pl.DataFrame([{
            "Territoire": r["nom"], "Objectif": r.get("intitule") or r["id"],
            "Référence": (f"{formats.valeur_unite(r['valeur_reference'], ind.unite, ind.decimales)} "
                          f"({r['annee_reference']})" if r["valeur_reference"] is not None else "inconnue"),
            "Cible": (f"{formats.valeur_unite(r['valeur_cible'], ind.unite, ind.decimales)} ({r['annee_cible']})"
                      if r["valeur_cible"] is not None else "inconnue"),
            "Dernière observation": (f"{formats.valeur_unite(r['valeur_observation'], ind.unite, ind.decimales)} "
                                     f"({r['annee_observation']})" if r["valeur_observation"] is not None else "–"),
            "Statut": r["statut_libelle"]} for r in tous])
        st.dataframe(table, hide_index=True, width="stretch")
