"""Shared fixtures: every test reads data from the local mirror, never from the network.

``NCR_DATA_MIRROR`` points at the mirror (CI sets it to ../shared/data); when it is unset and
that folder exists beside the repository, it is used. Tests needing the mirror are skipped with a
clear reason when there is none. Tests marked ``network`` run only with ``NCR_TEST_NETWORK=1``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ncrealism.data.fetch import DataSource

if TYPE_CHECKING:
    from ncrealism.report.dprk import ReportResult

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


#: Tests that share one expensive result through the run's cache (:func:`session_cache_dir`):
#: the README's DPRK report (``ncr dprk``, ``ncr report dprk`` with the record, the
#: ``dprk_report`` fixture) and the panel backtest (docs/panel.md's doctest, the README and
#: docs/panel.md). With pytest-xdist (``scripts/test.sh`` runs ``-n 3 --dist loadgroup``) they
#: run on one worker, so the first computes and the others restore, instead of two workers
#: computing the same result at once.
SHARED_RESULT_TESTS = (
    "tests/cli/test_dprk_cli.py::",
    "tests/report/",
    "tests/panel/test_docs_panel.py::",
)
#: Run first: the panel page's doctest fits the panel backtest in its own process (no Dask
#: cluster) and keeps the finished tasks in the run's cache, which ``ncr panel backtest``
#: (README, docs/panel.md) then reads instead of starting a cluster to fit them again.
SHARED_RESULT_FIRST = ("tests/panel/test_docs_panel.py::",)
SHARED_RESULT_PAGES = ("README.md", "getting-started.md", "report.md", "panel.md")
_DOC_COMMANDS = "tests/docs/test_commands.py::test_documented_commands_run["


#: The work units that take longest, started first (the others follow pytest-xdist's order).
LONGEST_FIRST = (
    "shared-results",
    "tests/app/test_dashboard_e2e.py",
    "tests/evaluation/test_tutorial.py",
)


def xdist_group(nodeid: str) -> str:
    """The pytest-xdist work unit of a test: the shared-result tests together; each other
    documented page alone (they share nothing); else the test's module (its fixtures)."""
    if "@" in nodeid.rpartition("]")[2]:  # an explicit xdist_group mark
        return nodeid.rpartition("@")[2]
    if nodeid.startswith(SHARED_RESULT_TESTS):
        return "shared-results"
    if nodeid.startswith(_DOC_COMMANDS):
        shared = any(nodeid.endswith((f"[{p}]", f"-{p}]")) for p in SHARED_RESULT_PAGES)
        return "shared-results" if shared else nodeid
    return nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` groups by :func:`xdist_group` (pytest-xdist's own grouping by
    ``xdist_group`` marks does not reach the scheduler with pytest 9: it renames a node id
    through an attribute pytest no longer reads)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            # The longest work units first, so that no worker starts one near the end.
            for scope in reversed(LONGEST_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The same order on every pytest-xdist worker (the collections must match).
    items.sort(key=lambda item: not item.nodeid.startswith(SHARED_RESULT_FIRST))
    if os.environ.get("NCR_TEST_NETWORK") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet; set NCR_TEST_NETWORK=1 to run")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


def session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one throw-away data cache of this test run (``NCR_CACHE_DIR`` of every test).

    Every test and every command a test starts shares it, so a derived result (the DPRK
    report, the panel backtest; :mod:`ncrealism.data.derived`, keyed by content) is computed
    once per run. With pytest-xdist the workers share it too (the folder beside their own
    temporary folders); a run never sees the cache of an earlier run.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / "ncr-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True, scope="session")
def _offline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the data layer at the mirror and the run's throw-away cache; forbid downloads."""
    old = {k: os.environ.get(k) for k in ("NCR_DATA_MIRROR", "NCR_CACHE_DIR", "NCR_OFFLINE")}
    mirror = mirror_dir()
    if mirror is not None:
        os.environ["NCR_DATA_MIRROR"] = str(mirror)
    os.environ["NCR_CACHE_DIR"] = str(session_cache_dir(tmp_path_factory))
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
    """A data source reading the mirror only (shared across the session; loaders are pure).

    Its cache is the run's cache (:func:`session_cache_dir`), the one the commands run by the
    tests use, so derived results computed in-process and by a command are shared.
    """
    return DataSource(
        mirror=mirror, cache_root=session_cache_dir(tmp_path_factory), allow_download=False
    )


@pytest.fixture(scope="session")
def history_dir() -> Path:
    s = shared_dir()
    if s is None or not (s / "history").is_dir():
        pytest.skip("no shared history folder beside the repository (NCR_SHARED_DIR)")
    return s / "history"


#: The coded record files of the DPRK case, as ``ncr dprk --history`` finds them.
DPRK_RECORD = "dprk_yearly_1990_2009.csv"
DPRK_CONTEXT = "context_events_1990_2009.csv"
DPRK_NEGOTIATIONS = "negotiations_1993_2009.csv"


@pytest.fixture(scope="session")
def dprk_report(
    source: DataSource, history_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> ReportResult:
    """The full DPRK report, exactly as the README's main command writes it.

    ``ncr dprk --history ../shared/history`` with its defaults (seed 0, 200 Monte Carlo draws
    per negotiation case, the backtest with its ablations) and the derived-data cache on: the
    first of this fixture, the README test and the documented commands computes it, the
    others restore the same cache entry.
    """
    from ncrealism.cli.dprk import find_history_files
    from ncrealism.report.dprk import build_dprk_report

    found = find_history_files(history_dir)
    assert found == {
        "record": history_dir / DPRK_RECORD,
        "context": history_dir / DPRK_CONTEXT,
        "negotiations": history_dir / DPRK_NEGOTIATIONS,
    }
    return build_dprk_report(
        tmp_path_factory.mktemp("dprk-report"),
        record=found["record"],
        context=found["context"],
        negotiations=found["negotiations"],
        source=source,
        quiet=True,
        cache=True,
    )


@pytest.fixture(scope="session")
def ncr_command() -> object:
    """The ``ncr`` app built once as a click command (building it takes ~0.1 s per run)."""
    import typer

    from ncrealism.cli.main import app

    return typer.main.get_command(app)


@pytest.fixture
def ncr_main(capsys: pytest.CaptureFixture[str], ncr_command: object) -> Any:
    """Run ``ncr ARGV`` in this process through the console entry point ``main``; returns
    ``(exit code, standard output, standard error)`` of that run alone (a non-numeric exit,
    as ``sys.exit("message")``, counts 1)."""
    from ncrealism.cli.main import main

    def run(argv: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(argv, command=ncr_command)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
