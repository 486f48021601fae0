"""Panel: the parts are in barometre.ui.panel_page (see its docstring)."""

from barometre.ui import etat, panel_page

etat.ensure_entrypoint()
panel_page.page()
