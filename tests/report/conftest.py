"""Fixtures of the report tests: the DPRK report is built once per session on the mirror
(``dprk_report`` in tests/conftest.py, shared with the README's main command)."""

from __future__ import annotations

YEARLY = "dprk_yearly_1990_2009.csv"
CONTEXT = "context_events_1990_2009.csv"
NEGOTIATIONS = "negotiations_1993_2009.csv"
