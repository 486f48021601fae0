"""Baromètre social & environnemental of the EPCI named in territoire.toml — the one entry point:
``uv run streamlit run app.py``.

This file is read twice, by design:
- ``streamlit run app.py`` finds ``app = st.App(...)`` below and serves it (Streamlit's ASGI mode): imported
  as the module ``app``, it builds the server with its two HTTP routes, the sign-in and sign-out that set and
  clear the session cookie (barometre/pilotage/sessions.py, so a sign-in survives a reload), and the error
  policy (visitors never see Streamlit's error details: barometre/ui/erreurs.py);
- for each browser session, Streamlit runs this same file as the script (``__main__``): page setup and
  navigation. AppTest runs it the same way.
"""

import streamlit as st

if __name__ != "__main__":  # imported by the ASGI server that `streamlit run app.py` starts
    from streamlit import config

    from barometre.pilotage import sessions
    from barometre.ui import erreurs

    # .streamlit/config.toml already says "none"; developers and tests (BAROMETRE_ERREURS_DETAILLEES=1) see
    # the traceback, everybody else the French message and a reference.
    config.set_option("client.showErrorDetails", "full" if erreurs.details_visibles() else "none")
    app = st.App(__file__, routes=sessions.routes(), middleware=sessions.middleware())  # + security headers
else:
    from barometre.ui import cache, cadre, chargements, erreurs, etat
    from barometre.ui import pilotage as ui_pilotage

    EPCI = cache.territoire_config().epci
    st.set_page_config(page_title=f"Baromètre — {EPCI.nom_court or EPCI.nom}", page_icon="📊", layout="wide",
                       initial_sidebar_state="auto")  # "auto": folded on a phone (ballot of a vote)

    # The menu in sections a council member recognises: the barometer itself, the tools to dig into it, the
    # project's steering (panel's grid, milestones, council session), and how the figures are made.
    PAGES = {
        "Le baromètre": [
            st.Page("pages/accueil.py", title="Accueil", default=True),  # the default page is served at /
            st.Page("pages/environnement.py", title="Volet environnemental", url_path="environnement"),
            st.Page("pages/qualite_de_vie.py", title="Volet qualité de vie & bien-être", url_path="qualite_de_vie"),
        ],
        "Analyser": [
            st.Page("pages/territoires.py", title="Territoires", url_path="territoires"),
            st.Page("pages/explorateur.py", title="Explorateur", url_path="explorateur"),
            st.Page("pages/idh4.py", title="IDH-4", url_path="idh4"),
            st.Page("pages/bien_etre.py", title="Indice de bien-être (panel)", url_path="bien_etre"),
        ],
        "Piloter": [
            st.Page("pages/seance.py", title="Séance (projection)", url_path="seance"),
            st.Page("pages/grille.py", title="Grille de positionnement", url_path="grille"),
            st.Page("pages/jalons.py", title="Jalons et feuilles de route", url_path="jalons"),
            st.Page("pages/evaluation.py", title="Évaluation", url_path="evaluation"),
            st.Page("pages/panel.py", title="Panel", url_path="panel"),
            st.Page("pages/label.py", title="Label 2044", url_path="label"),
            st.Page("pages/donnees.py", title="Données", url_path="donnees"),
            st.Page("pages/administration.py", title="Administration", url_path="administration"),
        ],
        "À propos": [
            st.Page("pages/methodologie.py", title="Méthodologie & sources", url_path="methodologie"),
        ],
    }

    page = st.navigation(PAGES, position="hidden")
    cadre.document_en_francais()
    if cadre.embed_mode():  # a view set in another site's page: no menu, no picker, only the view
        cadre.apply_embed()
    elif not cadre.apply_mode():
        st.sidebar.markdown(f"**Baromètre social & environnemental**  \n{EPCI.nom_court or EPCI.nom}")
        # the Administration page is listed for administrators only (it tells others it is theirs alone)
        admin = ui_pilotage.admin_connecte()
        cadre.sidebar_navigation({section: [p for p in pages if admin or p.url_path != "administration"]
                                  for section, pages in PAGES.items()})
        st.sidebar.divider()
        etat.territory_picker()  # the run's Selection, read by the page with etat.selection()
        cadre.projection_toggle()
    else:  # projection: the picker folds away so that the room sees the figures
        with st.container(key="projection-territoire"), st.expander("Changer de territoire"):  # shown on hover
            etat.territory_picker(container=st.container())
    saisie = not cadre.embed_mode() and not etat.projection_mode()  # the room's screen shows no sign-in

    def avant_la_page() -> None:
        chargements.suivre_version()
        if saisie:  # the sign-in box, in the sidebar of every page (Accueil included)
            ui_pilotage.connexion_partout()

    # first the data version (a load made elsewhere — command line, another server on the catalog — shows here)
    # and the sign-in box, then the page; a failure of any: a French message and a reference, details in the log
    try:
        erreurs.executer(page, avant=avant_la_page)
    finally:
        ui_pilotage.fin_de_page()
