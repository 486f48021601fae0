"""The Streamlit side of data loads: the upload reviewed before it is written (preview, confirmation of
alerts, then « Charger »), the list of loads for agents with the undo for administrators, the producer
revisions for the Méthodologie page, and the check that other servers' loads are picked up.

Everything written goes through :func:`barometre.sources.ingest.ingest_televersement` and
:func:`barometre.sources.entrepot.annuler` (one versioned transaction each; the store checks the author's
rights inside it). File names and messages are shown as plain text (barometre.ui.texte).
"""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st  # noqa: TID251 - a ui module

from barometre import formats
from barometre.pilotage.store import ErreurStore, Utilisateur, date_lisible
from barometre.settings import get_settings
from barometre.sources.csvread import IngestError
from barometre.sources.entrepot import BUILD, CHARGEMENT, Chargement, Entrepot, ErreurEntrepot
from barometre.sources.ingest import TAILLE_MAX_TELEVERSEMENT, IngestReport, annuler_chargement, ingest_televersement
from barometre.sources.revue import nom_territoire
from barometre.texte import nom_fichier
from barometre.ui import etat, texte
from barometre.ui import pilotage as ui_pilotage

REFRAICHISSEMENT_S = 30  # how often a server checks whether another one loaded data (shared catalog)
CLE_RAPPORT = "chargement_rapport"
CLE_APERCU = "chargement_apercu"
APERCU_LIGNES_MAX = 500  # new values listed in the preview (all are counted)
COLONNES = ("N°", "Fichier", "Jeu de données", "Nouvelles", "Modifiées", "Supprimées", "Années",
            "Révision du producteur", "Par", "Le", "État")


# ---------------------------------------------------------------- freshness across servers
@st.cache_data(ttl=REFRAICHISSEMENT_S, show_spinner=False)
def version_donnees() -> int | None:
    """The value store's current version (cached a few seconds: a cheap read of the catalog)."""
    return Entrepot(get_settings()).version_courante()


@st.cache_resource(show_spinner=False)
def _version_servie() -> dict:
    return {}


def suivre_version() -> None:
    """When the values' version changed since this server built its connection (a load on another server
    sharing the catalog, or from the command line), drop the cached connection and queries."""
    from barometre.ui import cache

    try:
        version = version_donnees()
    except (ErreurEntrepot, OSError):
        return
    servie = _version_servie()
    if "version" in servie and servie["version"] != version:
        cache.connection.clear()
        st.cache_data.clear()
    servie["version"] = version


def recharger_donnees() -> None:
    """After a load or an undo on this server: drop the cached connection and every cached query."""
    from barometre.ui import cache

    cache.connection.clear()
    st.cache_data.clear()
    _version_servie().clear()


# ---------------------------------------------------------------- the list of loads
@st.cache_data(ttl=REFRAICHISSEMENT_S, show_spinner=False)
def chargements() -> list[Chargement]:
    return Entrepot(get_settings()).chargements()


def tableau_chargements(faits: list[Chargement]) -> pl.DataFrame:
    """The loads as a French table (every cell plain text)."""
    return pl.DataFrame({
        "N°": [str(c.id) for c in faits],
        "Fichier": [str(c.info.get("fichier", "")) for c in faits],
        "Jeu de données": [str(c.info.get("libelle") or c.info.get("source", "")) for c in faits],
        "Nouvelles": [formats.nombre(c.info.get("nouveaux", 0), 0) for c in faits],
        "Modifiées": [formats.nombre(c.info.get("modifies", 0), 0) for c in faits],
        "Supprimées": [formats.nombre(c.info.get("supprimes", 0), 0) for c in faits],
        "Années": [", ".join(str(a) for a in c.info.get("annees", [])) for c in faits],
        "Révision du producteur": ["oui" if c.info.get("revision") else "non" for c in faits],
        "Par": [c.auteur for c in faits],
        "Le": [date_lisible(c.quand) for c in faits],
        "État": [f"annulé (n° {c.info['annule_par']})" if c.info.get("annule_par") else "en vigueur" for c in faits],
    }, schema={k: pl.String for k in COLONNES})


def journal(user: Utilisateur | None) -> None:
    """For agents: every load (command line and dashboard), latest first; for administrators, the undo."""
    faits = [c for c in chargements() if c.type in (CHARGEMENT, BUILD)]
    if not faits:
        st.caption("Aucun fichier n'a encore été chargé.")
        return
    st.markdown("**Fichiers chargés**")
    st.dataframe(tableau_chargements(faits), hide_index=True, width="stretch")
    if not ui_pilotage.peut(user, "comptes"):
        return
    annulables = [c for c in faits if not c.info.get("annule_par")]
    if not annulables:
        return
    with st.form("chargement_annuler"):
        choix = st.selectbox("Annuler un chargement (administrateurs)", [c.id for c in annulables],
                             format_func=lambda i: _libelle(next(c for c in annulables if c.id == i)),
                             key="chargement_a_annuler")
        st.caption("Les valeurs reviennent exactement à leur état d'avant ce chargement ; refusé si un chargement "
                   "plus récent a modifié les mêmes valeurs (annulez-le d'abord).")
        if st.form_submit_button("Annuler ce chargement"):
            store = ui_pilotage.store()
            try:
                store.verifier_droit(user, "comptes")
                faite = annuler_chargement(get_settings(), int(choix), user.login,
                                avant_commit=lambda: store.verifier_droit(user, "comptes"))
            except ErreurEntrepot as exc:
                texte.erreur(str(exc))
            except ErreurStore as exc:
                ui_pilotage.erreur(exc)
            else:
                recharger_donnees()
                etat.ecrire(CLE_RAPPORT, [f"Chargement n° {choix} annulé (version n° {faite}) : les valeurs sont "
                                          "revenues à leur état d'avant ce chargement."])
                st.rerun()


def _libelle(c: Chargement) -> str:
    return f"n° {c.id} — {c.info.get('fichier', '')} — {date_lisible(c.quand)} — {c.auteur}"


# ---------------------------------------------------------------- revisions (Méthodologie)
def revisions_producteur() -> None:
    """The loads that changed already published values, by source and date."""
    try:
        faits = [c for c in chargements() if c.type in (CHARGEMENT, BUILD) and c.info.get("revision")]
    except (ErreurEntrepot, OSError):
        faits = []
    st.markdown("## Révisions des producteurs")
    if not faits:
        st.caption("Aucune révision : aucun chargement n'a modifié une valeur déjà publiée.")
        return
    st.caption("Chargements qui ont modifié des valeurs déjà publiées (le producteur a révisé ses chiffres).")
    st.dataframe(pl.DataFrame({
        "Source": [str(c.info.get("libelle") or c.info.get("source", "")) for c in faits],
        "Date": [date_lisible(c.quand) for c in faits],
        "Valeurs révisées": [", ".join(f"{r['indicateur']} {r['annee']} ({r['n']})"
                                       for r in c.info.get("revisions", [])) for c in faits],
        "Fichier": [str(c.info.get("fichier", "")) for c in faits],
        "État": ["annulé" if c.info.get("annule_par") else "en vigueur" for c in faits],
    }, schema={k: pl.String for k in ("Source", "Date", "Valeurs révisées", "Fichier", "État")}),
        hide_index=True, width="stretch")


# ---------------------------------------------------------------- the upload, reviewed before it is written
def televersement(user: Utilisateur | None, titre: str, ouvert: bool, cle: str) -> None:
    """For a signed-in agent: choose a file, see what it would change, confirm alerts, then load it."""
    if not ui_pilotage.peut(user, "donnees"):
        return
    rapport = etat.retirer(CLE_RAPPORT)
    if rapport:
        texte.succes("\n\n".join(rapport), icon="✅")
    with st.expander(titre, expanded=ouvert):
        st.caption("Le fichier passe exactement par les contrôles de `barometre ingest` : format reconnu par son "
                   "en-tête, chaque valeur vérifiée, puis un aperçu de ce qui changerait ; rien n'est enregistré "
                   "avant « Charger ». Un chargement s'annule. Taille maximale : "
                   f"{TAILLE_MAX_TELEVERSEMENT // (1024 * 1024)} Mo (au-delà, `barometre ingest`).")
        # A new key after each load empties the field: the loaded file is not offered again.
        fichier = st.file_uploader("Fichier officiel (CSV, ou ZIP qui en contient un, tel que téléchargé)",
                                   type=["csv", "txt", "tsv", "zip"],
                                   key=f"{cle}_fichier_{etat.lire(f'{cle}_envois', 0)}")
        remplacer = st.checkbox("Remplacer les millésimes du fichier (supprime les valeurs publiées que le fichier "
                                "ne donne plus)", key=f"{cle}_remplacer")
        if fichier is not None:
            _apercu_puis_charger(user, fichier, remplacer, cle)
        journal(user)


def _apercu_puis_charger(user: Utilisateur, fichier, remplacer: bool, cle: str) -> None:
    nom, avis = nom_fichier(fichier.name)  # NUL, path, length: never reach the file system nor the record
    if avis:
        texte.info(avis)
    empreinte = hashlib.sha256(fichier.getvalue()).hexdigest()
    key = (empreinte, nom, remplacer)
    memo = etat.lire(CLE_APERCU)
    if memo is None or memo[0] != key:
        barre = st.progress(0.0, text="Lecture du fichier")
        try:
            report = ingest_televersement(nom, fichier, get_settings(), user, ui_pilotage.store(),
                                          _progression(barre), apercu_seul=True, remplacer=remplacer)
        except IngestError as exc:
            barre.empty()
            texte.erreur(str(exc))
            return
        except ErreurStore as exc:
            barre.empty()
            ui_pilotage.erreur(exc)
            return
        barre.empty()
        memo = (key, report)
        etat.ecrire(CLE_APERCU, memo)
    report: IngestReport = memo[1]
    montrer_apercu(report)
    alertes = report.apercu.alertes if report.apercu else []
    confirme = True
    if alertes:
        confirme = st.checkbox(f"J'ai vérifié les {len(alertes)} valeur(s) signalée(s) : elles sont justes",
                               key=f"{cle}_confirmer")
    if st.button("Charger", key=f"{cle}_charger", type="primary", disabled=not confirme):
        barre = st.progress(0.0, text="Chargement")
        fichier.seek(0)
        try:
            fait = ingest_televersement(nom, fichier, get_settings(), user, ui_pilotage.store(),
                                        _progression(barre), confirmer=confirme, remplacer=remplacer)
        except IngestError as exc:
            barre.empty()
            texte.erreur(str(exc))
        except ErreurStore as exc:
            barre.empty()
            ui_pilotage.erreur(exc)
        else:
            etat.retirer(CLE_APERCU)
            etat.ecrire(f"{cle}_envois", etat.lire(f"{cle}_envois", 0) + 1)
            recharger_donnees()
            etat.ecrire(CLE_RAPPORT, fait.lines())
            st.rerun()


def _progression(barre):
    def progression(step: float, total: int, label: str) -> None:
        barre.progress(min(step / total, 1.0), text=f"Étape {int(step)}/{total} : {label}")

    return progression


def montrer_apercu(report: IngestReport) -> None:
    """What the file would change: counts, changed values (old → new, %), values that would disappear,
    followed territories absent from the file, alerts, producer revision."""
    a = report.apercu
    if a is None:
        return
    st.markdown("**Aperçu : ce que ce fichier changerait** (rien n'est encore enregistré)")
    texte.legende(f"« {a.fichier} » — {a.libelle} — années {', '.join(str(x) for x in a.annees)} — "
                  f"SHA-256 {a.sha256[:16]}…")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Nouvelles valeurs", formats.nombre(a.nouveaux.height, 0))
    c2.metric("Valeurs modifiées", formats.nombre(a.modifies.height, 0))
    c3.metric("Valeurs supprimées", formats.nombre(a.disparus.height, 0))
    c4.metric("Identiques", formats.nombre(a.identiques, 0))
    if a.alertes:
        texte.avertissement(f"{len(a.alertes)} valeur(s) varient fortement (plus de ×2 ou ÷2, ou plus de 20 points "
                            "pour un taux) : vérifiez-les avant de charger.", icon="⚠️")
        st.dataframe(pl.DataFrame({"Alerte": [x.texte(a.noms) for x in a.alertes]}, schema={"Alerte": pl.String}),
                     hide_index=True, width="stretch")
    if a.revisions:
        texte.info("Révision du producteur : des valeurs déjà publiées changent ("
                   + ", ".join(f"{r['indicateur']} {r['annee']} : {r['n']}" for r in a.revisions) + ").")
    if a.nouveaux.height:
        st.markdown("Valeurs nouvelles" + (f" ({APERCU_LIGNES_MAX} premières sur "
                                            f"{formats.nombre(a.nouveaux.height, 0)})"
                                            if a.nouveaux.height > APERCU_LIGNES_MAX else ""))
        st.dataframe(_table(a, a.nouveaux.head(APERCU_LIGNES_MAX), {"valeur": "Nouvelle valeur"}),
                     hide_index=True, width="stretch")
    if a.modifies.height:
        st.markdown("Valeurs modifiées")
        st.dataframe(_table_modifies(a), hide_index=True, width="stretch")
    if a.disparus.height:
        st.markdown("Valeurs qui disparaîtraient")
        st.dataframe(_table(a, a.disparus, {"ancienne": "Valeur publiée"}), hide_index=True, width="stretch")
    if a.absents:
        texte.legende(f"Territoires suivis absents du fichier ({len(a.absents)}) : {', '.join(a.absents)} ; leurs "
                      "valeurs publiées sont conservées.")


def _table_modifies(a) -> pl.DataFrame:
    df = _table(a, a.modifies, {"ancienne": "Ancienne valeur", "nouvelle": "Nouvelle valeur"})
    pct = ["–" if p is None else f"{'+' if p >= 0 else ''}{formats.nombre(p, 1)} %"
           for p in a.modifies["variation_pct"]]
    return df.with_columns(pl.Series("Variation", pct, dtype=pl.String))


def _table(a, df: pl.DataFrame, valeurs: dict[str, str]) -> pl.DataFrame:
    from barometre.ui import cache

    libelles = {i.id: i.libelle for i in cache.catalogue().indicateurs}
    out = {
        "Indicateur": [libelles.get(i, i) for i in df["indicateur"]],
        "Territoire": [nom_territoire(a.noms, n, c) for n, c in zip(df["niveau"], df["code"], strict=True)],
        "Niveau": df["niveau"].to_list(),
        "Année": [str(x) for x in df["annee"]],
        "Ventilation": df["ventilation"].to_list(),
    }
    secrets = df["secret"].fill_null(False).to_list() if "secret" in df.columns else [False] * df.height
    for col, nom in valeurs.items():
        out[nom] = [formats.SECRET_TEXT if s and v is None else "–" if v is None else formats.nombre(v, 3)
                    for v, s in zip(df[col], secrets, strict=True)]
    return pl.DataFrame(out, schema={k: pl.String for k in out})
