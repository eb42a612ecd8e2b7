# ruff: noqa: PTH100
# (os-level paths on purpose: pathlib itself is patched by the fixtures below)
"""Helpers of the bad-input catalogue: run ``ncr`` in this process, make bad files, simulate
unreadable and unwritable paths (also as root, who ignores permission bits)."""

from __future__ import annotations

import builtins
import io
import os
import pathlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "src" / "ncrealism" / "scenario" / "scenarios"
CASES = REPO / "src" / "ncrealism" / "negotiation" / "cases"
PROFILES = REPO / "src" / "ncrealism" / "perception" / "profiles"

#: A small valid yearly record (schema of the shared history folder).
YEARLY = (
    "year,nuclear_tests,missile_tests,missile_test_events,csis_missile_events,in_talks,"
    "agreements,provocations,dominant_posture,justification,in_talks_basis,"
    "missile_count_confidence,posture_confidence\n"
    "1990,0,2,2,2,0,0,1,internal_balancing,loss of patron,none,medium,medium\n"
    "1991,0,1,1,1,1,1,0,engagement,talks with Seoul,basic agreement,high,high\n"
)
#: A small valid context-event file.
CONTEXT = (
    "date,date_precision,event,type,actor,source_url,confidence,notes\n"
    "1990-09-30,day,USSR recognises ROK,systemic_stimulus,USSR,http://example.org,high,\n"
    "1992-08,month,China recognises ROK,systemic_stimulus,China,http://example.org,high,\n"
)


@dataclass(frozen=True)
class Result:
    """What one in-process run of ``ncr`` did."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def ncr(ncr_main: Callable[[list[str]], tuple[int, str, str]]) -> Callable[..., Result]:
    """Run ``ncr ARGS`` in this process (the suite's ``ncr_main``), as a :class:`Result`."""

    def run(*argv: str | Path) -> Result:
        return Result(*ncr_main([str(a) for a in argv]))

    return run


def assert_input_error(res: Result, *names: str, code: int = 2) -> None:
    """Exit ``code``, one message (no traceback) that names each of ``names``."""
    assert "Traceback" not in res.text, res.text
    assert res.code == code, (res.code, res.text)
    errors = [line for line in res.err.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1, res.err
    message = res.err if "Usage:" in res.err else errors[0]
    for name in names:
        assert name in message, (name, res.err)


def random_bytes(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make reading ``path`` (or anything under it) fail with PermissionError, as ``chmod 000``
    does for an ordinary user; works as root too, who ignores permission bits."""
    blocked: list[str] = []
    real_open = builtins.open
    real_read_bytes = pathlib.Path.read_bytes
    real_path_open = pathlib.Path.open
    real_access = os.access
    real_is_file = pathlib.Path.is_file

    def hit(p: object) -> bool:
        try:
            s = os.path.abspath(os.fspath(p))  # type: ignore[arg-type]
        except TypeError:
            return False
        return any(s == b or s.startswith(b + os.sep) for b in blocked)

    def deny(p: object) -> PermissionError:
        return PermissionError(13, "Permission denied", os.fspath(p))  # type: ignore[arg-type]

    def fake_open(file: object, *a: object, **k: object) -> object:
        if hit(file):
            raise deny(file)
        return real_open(file, *a, **k)  # type: ignore[call-overload]

    def fake_read_bytes(self: pathlib.Path) -> bytes:
        if hit(self):
            raise deny(self)
        return real_read_bytes(self)

    def fake_path_open(self: pathlib.Path, *a: object, **k: object) -> object:
        if hit(self):
            raise deny(self)
        return real_path_open(self, *a, **k)  # type: ignore[call-overload]

    def fake_access(p: object, mode: int, *a: object, **k: object) -> bool:
        if hit(p) and mode & os.R_OK:
            return False
        return real_access(p, mode, *a, **k)  # type: ignore[arg-type]

    def fake_is_file(self: pathlib.Path) -> bool:
        # stat() inside a folder that may not be searched fails with EACCES
        if any(os.path.abspath(self).startswith(b + os.sep) for b in blocked):
            raise deny(self)
        return real_is_file(self)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", fake_read_bytes)
    monkeypatch.setattr(pathlib.Path, "open", fake_path_open)
    monkeypatch.setattr(pathlib.Path, "is_file", fake_is_file)
    monkeypatch.setattr(os, "access", fake_access)
    return lambda path: blocked.append(os.path.abspath(path))


@pytest.fixture
def unwritable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make ``folder`` refuse new files, as a read-only folder does for an ordinary user."""
    import tempfile

    blocked: list[str] = []
    real_access = os.access
    real_mkstemp = tempfile.mkstemp

    def fake_access(p: object, mode: int, *a: object, **k: object) -> bool:
        s = os.path.abspath(os.fspath(p))  # type: ignore[arg-type]
        if s in blocked and mode & os.W_OK:
            return False
        return real_access(p, mode, *a, **k)  # type: ignore[arg-type]

    def fake_mkstemp(*a: object, dir: object = None, **k: object) -> tuple[int, str]:
        if dir is not None and os.path.abspath(os.fspath(dir)) in blocked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(dir))  # type: ignore[arg-type]
        return real_mkstemp(*a, dir=dir, **k)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(os, "access", fake_access)
    monkeypatch.setattr(tempfile, "mkstemp", fake_mkstemp)
    return lambda path: blocked.append(os.path.abspath(path))


@pytest.fixture
def permissions_enforced(tmp_path: Path) -> Iterator[None]:
    """Skip unless this user is stopped by permission bits (root is not: CI runs as root)."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        probe.read_text()
    except PermissionError:
        yield
        return
    finally:
        probe.chmod(0o600)
    pytest.skip("this user ignores permission bits (root): the simulated cases cover it")


class WorkStarted(BaseException):
    """Raised when a command resolves a dataset where it should have refused its input first
    (a BaseException, so that no error handler of the command turns it into an exit code)."""


@pytest.fixture
def no_data_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test at the first dataset a command resolves, other than the code lists that
    checking a state's name needs (COW codes; the UNGA and capitals names of the crosswalk):
    the checks of ``--out`` and of argument values must come before any work, whatever the
    machine's speed."""
    from ncrealism.data.fetch import DataSource

    real = DataSource.resolve

    def refuse(self: DataSource, name: str) -> object:
        if name in {"cow_codes", "unga", "capitals"}:
            return real(self, name)
        raise WorkStarted(f"dataset {name!r} resolved before the input was refused")

    monkeypatch.setattr(DataSource, "resolve", refuse)
