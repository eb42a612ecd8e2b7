"""Shared fixtures: every test reads data from the local mirror, never from the network.

``NCR_DATA_MIRROR`` points at the mirror (CI sets it to ../shared/data); when it is unset and
that folder exists beside the repository, it is used. Tests needing the mirror are skipped with a
clear reason when there is none. Tests marked ``network`` run only with ``NCR_TEST_NETWORK=1``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ncrealism.data.fetch import DataSource

REPO = Path(__file__).resolve().parents[1]
_DEFAULT_SHARED = REPO.parent / "shared"


def shared_dir() -> Path | None:
    """The shared folder beside the repository (data, history, anchors), if present."""
    env = os.environ.get("NCR_SHARED_DIR")
    p = Path(env) if env else _DEFAULT_SHARED
    return p if p.is_dir() else None


def mirror_dir() -> Path | None:
    env = os.environ.get("NCR_DATA_MIRROR")
    if env:
        return Path(env)
    shared = shared_dir()
    return shared / "data" if shared is not None and (shared / "data").is_dir() else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("NCR_TEST_NETWORK") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet; set NCR_TEST_NETWORK=1 to run")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _offline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the data layer at the mirror and a throw-away cache; forbid downloads."""
    old = {k: os.environ.get(k) for k in ("NCR_DATA_MIRROR", "NCR_CACHE_DIR", "NCR_OFFLINE")}
    mirror = mirror_dir()
    if mirror is not None:
        os.environ["NCR_DATA_MIRROR"] = str(mirror)
    os.environ["NCR_CACHE_DIR"] = str(tmp_path_factory.mktemp("ncr-cache"))
    if os.environ.get("NCR_TEST_NETWORK") != "1":
        os.environ["NCR_OFFLINE"] = "1"
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def mirror() -> Path:
    m = mirror_dir()
    if m is None or not m.is_dir():
        pytest.skip("no data mirror: set NCR_DATA_MIRROR to the shared data folder")
    return m


@pytest.fixture(scope="session")
def source(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> DataSource:
    """A data source reading the mirror only (shared across the session; loaders are pure)."""
    return DataSource(
        mirror=mirror, cache_root=tmp_path_factory.mktemp("cache"), allow_download=False
    )


@pytest.fixture(scope="session")
def history_dir() -> Path:
    s = shared_dir()
    if s is None or not (s / "history").is_dir():
        pytest.skip("no shared history folder beside the repository (NCR_SHARED_DIR)")
    return s / "history"
