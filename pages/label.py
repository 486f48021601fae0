"""Label 2044: the parts are in barometre.ui.label_page (see its docstring)."""

from barometre.ui import etat, label_page

etat.ensure_entrypoint()
label_page.page()
