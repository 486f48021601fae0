"""Séance: an ordered list of views a presenter steps through with the arrow keys, as one link (or a
séance saved by an agent, ``?seance=ID``); each view compared or over time, never a lone bar; the meeting
pack to download; ``?embed=true`` shows one view for another site. Logic in barometre/ui/seance.py."""

from barometre.ui import etat
from barometre.ui import seance as ui_seance

etat.ensure_entrypoint()
ui_seance.page(etat.selection())
