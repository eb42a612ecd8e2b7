"""The dashboard's tabs: one module per tab, each with its UI and its server logic.

The pattern (follow it to add a tab):

* A module ``ncrealism/app/tabs/<name>.py`` defines

  - ``ID``: the tab's value in the navigation (``input.tabs()``), a short identifier;
  - ``TITLE``: the tab's label;
  - ``OUTPUTS``: the ids of its outputs (the load benchmark and the browser tests read them;
    Shiny computes an output only while its tab is shown);
  - ``panel(data, start) -> NavPanel``: the tab's UI, built from the
    :class:`~ncrealism.app.data.DashboardData` and the
    :class:`~ncrealism.app.shared.Start` (what the page opens on);
  - ``server(input, shared) -> None``: registers the tab's outputs and effects (called when the
    session starts for the first tab, when the tab is first shown for the others). It reads its own
    inputs through ``input`` and everything shared (the data, the state and year chosen on the
    Decision tab, the data line) through the :class:`~ncrealism.app.shared.Shared` object,
    never another tab's inputs directly;
  - optionally ``ALWAYS_COMPUTED``: outputs computed even while hidden once the tab has been
    shown (Shiny's ``suspend_when_hidden=False``), e.g. controls in a sidebar that a phone
    starts closed;
  - optionally ``start_inputs(data, start) -> dict``: the values its inputs have when the page
    opens, as a browser sends them (the load benchmark opens sessions with them; the Decision
    and Negotiation tabs' are in :func:`ncrealism.app.dashboard.initial_inputs`).

* Input and output ids start with the tab's ``ID`` (``power_states``, ``evidence_scores``), so
  that tabs never collide; the Decision and Negotiation tabs keep their historical ids
  (``state``, ``year``, ``p_<parameter>``, ``case``, ``neg_<key>``), on which the load benchmark
  and saved bookmarks rely.
* Every number comes from a :class:`~ncrealism.app.data.DashboardData` method (which calls
  the library and memoises on the data source); tables and figures are laid out by
  :mod:`ncrealism.app.views`, :mod:`ncrealism.app.charts` and
  :func:`ncrealism.app.shared.plotly_figure`.
* Work longer than a few hundred milliseconds (a backtest, a sweep, a dynamic fit; a state's
  series) runs on a worker thread through :func:`ncrealism.app.shared.polled` (one future per
  computation, shared by every session, :meth:`~ncrealism.app.data.DashboardData.background`),
  the output polling it until it is done and showing a :func:`~ncrealism.app.shared.note`
  meanwhile, so that other users' moves are not held up.
* Name every ``reactive.value`` (``reactive.value(x, name="...")``): Shiny inspects the call
  stack to name an unnamed one, which costs a fraction of a second per session.
* Add the module to :data:`TABS` below, in the order of the navigation.
"""

from __future__ import annotations

from types import ModuleType

from ncrealism.app.shared import Start
from ncrealism.app.tabs import (
    decision,
    evidence,
    negotiation,
    panel,
    power,
    scenarios,
    sources,
)

__all__ = ["TABS", "Start"]

#: The tab modules, in the order of the navigation.
TABS: tuple[ModuleType, ...] = (
    decision,
    negotiation,
    power,
    evidence,
    panel,
    scenarios,
    sources,
)
