"""ASGI entry point: ``app``, the dashboard built from the environment.

For ASGI servers and ``shiny run``, e.g. ``uvicorn ncrealism.app.asgi:app``. Importing this
module builds the app (it reads data), so the package never imports it itself. Settings:

* ``NCR_DATA_MIRROR``, ``NCR_CACHE_DIR``, ``NCR_OFFLINE``: the data source
  (:meth:`ncrealism.data.fetch.DataSource.from_env`);
* ``NCR_CONTEXT_EVENTS``: a context-event file (outside shocks); by default the
  ``context_events_*.csv`` of ``NCR_HISTORY_DIR`` (the coded record's folder, which also gives
  the Evidence tab its record);
* ``NCR_DASHBOARD_STATE``, ``NCR_DASHBOARD_YEAR``: what the page opens on (default 731, 2003);
* ``NCR_DASHBOARD_WARM=1``: run the Evidence tab's backtest on a background thread at start-up
  (it takes tens of seconds), so that the tab is ready when first shown.
"""

from __future__ import annotations

import os

from ncrealism.app.dashboard import create_app
from ncrealism.app.data import DEFAULT_STATE, DEFAULT_YEAR
from ncrealism.data.fetch import DataSource

CONTEXT_ENV = "NCR_CONTEXT_EVENTS"
STATE_ENV = "NCR_DASHBOARD_STATE"
YEAR_ENV = "NCR_DASHBOARD_YEAR"

WARM_ENV = "NCR_DASHBOARD_WARM"

app = create_app(
    DataSource.from_env(),
    context=os.environ.get(CONTEXT_ENV) or None,
    state=int(os.environ.get(STATE_ENV, DEFAULT_STATE)),
    year=int(os.environ.get(YEAR_ENV, DEFAULT_YEAR)),
    warm=os.environ.get(WARM_ENV) == "1",
)
