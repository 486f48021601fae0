"""Server entry point: ``uv run streamlit run serveur.py``. The same app as ``app.py`` (navigation, pages),
served by Streamlit's ``st.App`` with two more HTTP routes, the sign-in and sign-out that set and clear the
session cookie (barometre/pilotage/sessions.py): a signed-in agent stays signed in after a reload.
``streamlit run app.py`` still works (browsing; a sign-in then lasts as long as the browser tab)."""

import streamlit as st

from barometre.pilotage import sessions

app = st.App("app.py", routes=sessions.routes())
