"""ncrealism.scenario: counterfactual scenarios with uncertainty, run locally or on Dask.

A scenario (a TOML file, :mod:`ncrealism.scenario.schema`) names states and years, data
versions, a perception profile, shocks to the model's inputs, negotiation cases and
distributions over any parameter. :func:`~ncrealism.scenario.loader.load_scenario` validates
it (errors name the file, line and key), :func:`~ncrealism.scenario.loader.resolve` checks it
against the decision and negotiation layers and the data and returns a
:class:`~ncrealism.scenario.engine.Plan`; :func:`~ncrealism.scenario.sweep.run_sweep` runs
the plan's Monte Carlo sweep (resumable, deterministic, on a Dask cluster if asked) into a
DuckDB or Parquet results database (:mod:`ncrealism.scenario.results`).
:func:`~ncrealism.scenario.compare.compare_plans` compares two scenarios with common random
numbers and :mod:`ncrealism.scenario.sensitivity` gives Sobol indices and tornado diagrams.
See ``docs/scenarios.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ncrealism.scenario._toml import ScenarioError
    from ncrealism.scenario.builtins import builtin_scenarios, locate
    from ncrealism.scenario.loader import LoadedScenario, load_scenario, loads_scenario, resolve
    from ncrealism.scenario.schema import Scenario, json_schema

# Imported on first use: ``import ncrealism.scenario.limits`` (a size check) stays instant.
_EXPORTS = {
    "ScenarioError": "ncrealism.scenario._toml",
    "builtin_scenarios": "ncrealism.scenario.builtins",
    "locate": "ncrealism.scenario.builtins",
    "LoadedScenario": "ncrealism.scenario.loader",
    "load_scenario": "ncrealism.scenario.loader",
    "loads_scenario": "ncrealism.scenario.loader",
    "resolve": "ncrealism.scenario.loader",
    "Scenario": "ncrealism.scenario.schema",
    "json_schema": "ncrealism.scenario.schema",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ncrealism.scenario' has no attribute '{name}'")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = [
    "LoadedScenario",
    "Scenario",
    "ScenarioError",
    "builtin_scenarios",
    "json_schema",
    "load_scenario",
    "loads_scenario",
    "locate",
    "resolve",
]
