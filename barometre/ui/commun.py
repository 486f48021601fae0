"""Deprecated: the former UI module, kept as re-exports while the pages written against it are ported.

Use :mod:`barometre.ui.etat` (Selection, pickers, URL state), :mod:`barometre.ui.cache` (cached data),
:mod:`barometre.ui.provenance` (sources, tables, downloads) and :mod:`barometre.ui.cadre` (app frame).
Remove this module once no page imports it.
"""

from barometre.ui.cache import *  # noqa: F403
from barometre.ui.cadre import (  # noqa: F401,E501
    BASE_CSS,
    NAV_SECTION_HTML,
    PROJECTION_CSS,
    apply_mode,
    projection_toggle,
    sidebar_navigation,
)
from barometre.ui.etat import (  # noqa: F401
    ensure_entrypoint,
    indicator_picker,
    projection_mode,
    territory_picker,
    ventilation_picker,
    year_picker,
    zonage_picker,
)
from barometre.ui.etat import init_depuis_url as _init_from_url  # noqa: F401
from barometre.ui.etat import vers_url as _to_url  # noqa: F401
from barometre.ui.provenance import *  # noqa: F403
