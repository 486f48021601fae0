"""Server entry point: ``uv run streamlit run serveur.py``. The same app as ``app.py`` (navigation, pages),
served by Streamlit's ``st.App`` with two more HTTP routes, the sign-in and sign-out that set and clear the
session cookie (barometre/pilotage/sessions.py): a signed-in agent stays signed in after a reload.
``streamlit run app.py`` still works (browsing; a sign-in then lasts as long as the browser tab)."""

import streamlit as st
from streamlit import config

from barometre.pilotage import sessions
from barometre.ui import erreurs

if not erreurs.details_visibles():  # visitors never see Streamlit's error details (barometre/ui/erreurs.py)
    config.set_option("client.showErrorDetails", "none")
app = st.App("app.py", routes=sessions.routes())
