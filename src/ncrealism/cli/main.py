"""The ``ncr`` command line.

Sub-commands live in their own modules, which import only Typer at module level; the scientific
stack (Polars, NumPy, Matplotlib) is imported inside the commands, so ``ncr --help`` is quick.
Errors that ncrealism raises on purpose (:class:`ncrealism.errors.NcrError`) are printed as one
clear message without a traceback; exit codes: 0 ok, 1 failure, 2 usage or input error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from ncrealism.cli import data as data_cli
from ncrealism.cli import panel as panel_cli
from ncrealism.cli import report as report_cli
from ncrealism.cli import scenario as scenario_cli
from ncrealism.cli import system as system_cli
from ncrealism.cli._common import QUIET_HELP, hoist_quiet, silence_stderr
from ncrealism.cli._paths import install_path_checks
from ncrealism.cli.backtest import backtest
from ncrealism.cli.calibrate import calibrate
from ncrealism.cli.cite import cite
from ncrealism.cli.dprk import dprk
from ncrealism.cli.explain import explain
from ncrealism.cli.negotiate import negotiate
from ncrealism.cli.serve import serve

app = typer.Typer(
    name="ncr",
    help=(
        "ncrealism: neoclassical realism made computable. The distribution of power (system), "
        "read through domestic perception (perception), explains foreign-policy decisions "
        "(decision) and the fate of negotiations (negotiation).\n\n"
        "Example: ncr system shares --states 2,710,365,740,731,732 --years 1990:2016"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


@app.callback()
def _root(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Options common to every command (``ncr -q COMMAND ...`` or ``ncr COMMAND ... -q``)."""
    if quiet:
        silence_stderr(ctx)


app.command("dprk")(dprk)
app.add_typer(data_cli.app, name="data")
app.add_typer(system_cli.app, name="system")
app.command("explain")(explain)
app.command("calibrate")(calibrate)
app.command("negotiate")(negotiate)
app.command("backtest")(backtest)
app.add_typer(scenario_cli.app, name="scenario")
app.add_typer(panel_cli.app, name="panel")
app.command("sensitivity")(scenario_cli.sensitivity)
app.add_typer(report_cli.app, name="report")
app.command("cite")(cite)
app.command("serve")(serve)
# Every --out/--plot is checked writable and every input path readable before a command runs.
install_path_checks(app)


def main(argv: list[str] | None = None, *, command: Callable[..., Any] | None = None) -> None:
    """Console-script entry point: run the app, turning ncrealism errors into messages.

    ``command`` is the app built once as a click command (``typer.main.get_command(app)``),
    for callers that run many command lines in one process; by default the app is built here.
    """
    from ncrealism.errors import NcrError

    try:
        # Without standalone mode, click returns the code of a ``typer.Exit`` instead of exiting.
        args = hoist_quiet(sys.argv[1:] if argv is None else list(argv))
        code = (command or app)(args=args, standalone_mode=False)
    except NcrError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
    except OSError as exc:
        # A file-system fault no check foresaw (a file removed or made unreadable mid-run, a
        # full disk): one message naming the file. Exit 2 when it names a path the user gave.
        where = f"{exc.filename}: " if exc.filename else ""
        typer.secho(f"error: {where}{exc.strerror or exc}", err=True, fg=typer.colors.RED)
        sys.exit(2 if exc.filename else 1)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except typer.Abort:
        typer.secho("aborted", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.BadParameter as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):  # click's usage errors
            show()
            sys.exit(code)
        raise
    if isinstance(code, int) and code != 0:
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
