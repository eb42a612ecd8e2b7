"""Running the scenario commands in-process, as `ncr` mounts them."""

from __future__ import annotations

import typer
from typer.testing import CliRunner, Result

from ncrealism.cli.scenario import app as scenario_app
from ncrealism.cli.scenario import sensitivity

BACKEND = "scenario.synthetic:Everything"


def root() -> typer.Typer:
    r = typer.Typer(pretty_exceptions_enable=False)
    r.add_typer(scenario_app, name="scenario")
    r.command("sensitivity")(sensitivity)
    return r


def invoke(*args: str) -> Result:
    return CliRunner().invoke(root(), list(args))
