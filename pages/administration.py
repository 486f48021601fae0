"""Administration (administrators only): accounts, roles and rights. Parts: barometre.ui.administration."""

from barometre.ui import administration, etat
from barometre.ui import pilotage as ui_pilotage

etat.ensure_entrypoint()
administration.afficher(ui_pilotage.connexion())
