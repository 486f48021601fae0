"""Streamlit's floor on this machine: the smallest app that looks like one of our pages.

One page per page of the real app (same url paths, read from its app.py), each with one select box, one
metric and one 47-bar Altair chart (one bar per commune of the agglomeration). ``barometre bench --browser``
starts it exactly as the real app and measures both in the same run: what is left above this floor is ours.
"""

import ast
import os
import random
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

N_BARRES = 47
APP = Path(os.environ.get("BAROMETRE_APP_PY", Path(__file__).resolve().parents[2] / "app.py"))


def _chemins() -> list[tuple[str, str, bool]]:
    """(url_path, title, default) of each st.Page of the real app.py, in order (ast, nothing imported)."""
    out = []
    for node in ast.walk(ast.parse(APP.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            target = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "page"
            out.append((kw.get("url_path", Path(target).stem), kw.get("title", ""), bool(kw.get("default"))))
    return out


def _page(titre: str):
    def page() -> None:
        st.title(titre or "Page")
        choix = st.selectbox("Indicateur", [f"Indicateur {i}" for i in range(1, 11)], key="plancher_choix")
        rng = random.Random(choix)
        df = pl.DataFrame({"commune": [f"Commune {i:02d}" for i in range(1, N_BARRES + 1)],
                           "valeur": [round(rng.uniform(10, 100), 1) for _ in range(N_BARRES)]})
        st.metric(choix, f"{df['valeur'].mean():.1f}")
        st.altair_chart(alt.Chart(df).mark_bar().encode(x="valeur:Q", y=alt.Y("commune:N", sort="-x")),
                        width="stretch")
    return page


pages = [st.Page(_page(t), title=t or u, url_path=u, default=d) for u, t, d in _chemins()]
st.navigation(pages).run()
