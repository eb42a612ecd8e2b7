"""``ncr serve``: the dashboard, a Shiny for Python app on this machine.

The app (:mod:`ncrealism.app.dashboard`) reads data through the same data source as every
other command (``NCR_DATA_MIRROR``, ``NCR_CACHE_DIR``, ``NCR_OFFLINE``). It listens on the
loopback interface unless ``--host`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    context: Annotated[
        Path | None,
        typer.Option(
            help="Context-event CSV: outside shocks (sanctions, inducements, patrons' "
            "defection, leadership changes). Default: context_events_*.csv in --history."
        ),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the coded record (context events, yearly record): the default "
            "outside shocks and the Evidence tab's record.",
            envvar="NCR_HISTORY_DIR",
        ),
    ] = None,
    state: Annotated[int, typer.Option(help="COW code the page opens on.")] = 731,
    year: Annotated[int, typer.Option(help="Year the page opens on.")] = 2003,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes (each reads its own copy of the data; 2 or more use "
            "several processor cores)."
        ),
    ] = 1,
    launch_browser: Annotated[
        bool, typer.Option("--launch-browser", help="Open the page in a web browser.")
    ] = False,
) -> None:
    """Start the dashboard: choose a state and year, move the perception sliders, run
    negotiation what-ifs, see the distribution of power, the backtest evidence and scenario
    sweeps. Stop it with Ctrl+C.

    The outside shocks come from the coded record's context events (--context, else the
    context_events_*.csv of --history / NCR_HISTORY_DIR); without them a banner says that the
    shocks are off.

    Example: ncr serve --history ../shared/history --port 8000
    """
    from ncrealism.errors import InputError, NcrError

    try:
        if not 0 <= port <= 65535:
            raise InputError(f"--port {port} is not a TCP port (0-65535)")
        if context is not None and not context.is_file():
            raise InputError(f"--context {context}: no such file")
        if history is not None and not history.is_dir():
            raise InputError(f"--history {history}: not a folder")
        if not 1 <= workers <= 32:
            raise InputError(f"--workers {workers}: give 1 to 32 processes")
        try:
            import shiny
        except ImportError:
            raise InputError(
                "ncr serve needs Shiny for Python: install the 'app' extra "
                "(pip install 'ncrealism[app]')"
            ) from None
        run_app = shiny.run_app
        if run_app is None:  # Shiny in a browser (Pyodide) runs no server
            raise InputError("this Shiny installation cannot run a web server")
        if workers > 1:
            _serve_workers(host, port, workers, context, history, state, year)
            return
        from ncrealism.app.dashboard import create_app
        from ncrealism.data.fetch import DataSource

        app = create_app(
            DataSource.from_env(), context=context, state=state, year=year, history=history
        )
    except NcrError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(f"ncrealism dashboard on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    run_app(app, host=host, port=port, launch_browser=launch_browser)


def _serve_workers(
    host: str,
    port: int,
    workers: int,
    context: Path | None,
    history: Path | None,
    state: int,
    year: int,
) -> None:
    """Serve ``ncrealism.app.asgi:app`` from ``workers`` processes (uvicorn); each builds the
    app from the environment set here. A browser session lives in one process (its
    websocket), so no session state is shared between them."""
    import os

    import uvicorn

    from ncrealism.app import asgi_env

    os.environ.update(asgi_env(context=context, history=history, state=state, year=year))
    typer.echo(
        f"ncrealism dashboard on http://{host}:{port}/ ({workers} processes; Ctrl+C to stop)",
        err=True,
    )
    uvicorn.run("ncrealism.app.asgi:app", host=host, port=port, workers=workers)
