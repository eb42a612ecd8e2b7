"""``python -m ncrealism.app``: the same as ``ncr serve`` (see :mod:`ncrealism.cli.serve`)."""

from __future__ import annotations

import typer

from ncrealism.cli.serve import serve


def main() -> None:
    """Run ``serve`` as a one-command program, printing ncrealism errors without a traceback."""
    import sys

    from ncrealism.errors import NcrError

    try:
        typer.run(serve)
    except NcrError as exc:  # pragma: no cover - typer.run exits on its own
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
