"""Shared fixtures for the negotiation tests: reference data and the loop baseline."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ncrealism.negotiation.eum import ActorTable, read_actors_csv

REPO_ROOT = Path(__file__).resolve().parents[2]


def anchors_dir() -> Path:
    """The EUM reference directory: $NCR_ANCHORS_DIR(/eum) or <repo>/../shared/anchors/eum."""
    env = os.environ.get("NCR_ANCHORS_DIR")
    if env:
        base = Path(env)
        return base / "eum" if (base / "eum").is_dir() else base
    return REPO_ROOT.parent / "shared" / "anchors" / "eum"


@pytest.fixture(scope="session")
def eum_anchors() -> Path:
    path = anchors_dir()
    if not (path / "ec_emissions_actors.csv").is_file():
        pytest.skip(
            f"EUM reference data not found at {path} (set NCR_ANCHORS_DIR to the directory "
            "holding ec_emissions_actors.csv and reference_10_rounds*.)"
        )
    return path


@pytest.fixture(scope="session")
def ec_actors(eum_anchors: Path) -> ActorTable:
    return read_actors_csv(eum_anchors / "ec_emissions_actors.csv")


def load_loop_reference() -> ModuleType | None:
    """Import benchmarks/eum_loop_reference.py (the nested-loop baseline) if present."""
    path = REPO_ROOT / "benchmarks" / "eum_loop_reference.py"
    if not path.is_file():
        return None
    name = "eum_loop_reference"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def loop_reference() -> ModuleType:
    module = load_loop_reference()
    if module is None:
        pytest.skip("benchmarks/eum_loop_reference.py not found")
    return module
