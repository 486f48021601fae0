"""Méthodologie page sections drawn from the computations' own rule texts (Streamlit)."""

from __future__ import annotations

import streamlit as st

from barometre.calculs import verdicts
from barometre.calculs.budget_carbone import METHODE_FR as BUDGET_CARBONE


def verdicts_et_budget() -> None:
    """The verdict rule (progression / situation, Open SDG thresholds) and the carbon budget's method."""
    st.markdown("## Verdicts : progression et situation")
    st.markdown(verdicts.RULE_FR)
    st.markdown("## Budget carbone")
    st.markdown(BUDGET_CARBONE)
