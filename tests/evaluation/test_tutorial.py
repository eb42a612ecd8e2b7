"""The Koga tutorial (docs/tutorial-koga.md) runs as written: its outputs are the code's."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "tutorial-koga.md"


# The page runs as written; what it calls is measured for coverage by the unit tests, and the
# coverage tracer would slow this page's in-process fits by about half.
@pytest.fixture
def history_beside_repo() -> Path:
    """``../shared/history`` beside the repository, which the tutorial reads (else a skip)."""
    folder = REPO.parent / "shared" / "history"
    if not folder.is_dir():
        pytest.skip("the tutorial reads ../shared/history beside the repository")
    return folder


@pytest.mark.no_cover
def test_tutorial(monkeypatch: pytest.MonkeyPatch, mirror: Path, history_beside_repo: Path) -> None:
    """Run every example of the tutorial with doctest, from the repository folder."""
    monkeypatch.chdir(REPO)
    result = doctest.testfile(
        str(TUTORIAL),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
    )
    assert result.attempted > 30
    assert result.failed == 0, f"{result.failed} tutorial example(s) failed (see output above)"
