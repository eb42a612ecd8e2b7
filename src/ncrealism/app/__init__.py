"""The dashboard (``ncr serve``): a Shiny for Python app over the library's objects.

:func:`ncrealism.app.dashboard.create_app` builds the app; :mod:`ncrealism.app.data` holds the
library calls behind it and :mod:`ncrealism.app.views` lays their results out. Shiny is an
optional dependency (the ``app`` extra); importing this package does not import it.
"""

from __future__ import annotations

from pathlib import Path


def asgi_env(
    *, context: Path | None, history: Path | None, state: int, year: int
) -> dict[str, str]:
    """The environment :mod:`ncrealism.app.asgi` builds the app from (``ncr serve
    --workers``): context file, history folder, opening state and year."""
    env = {"NCR_DASHBOARD_STATE": str(state), "NCR_DASHBOARD_YEAR": str(year)}
    if context is not None:
        env["NCR_CONTEXT_EVENTS"] = str(Path(context).resolve())
    if history is not None:
        env["NCR_HISTORY_DIR"] = str(Path(history).resolve())
    return env
