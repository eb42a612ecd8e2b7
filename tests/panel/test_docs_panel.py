"""The panel page (docs/panel.md) runs as written: every number on it is the code's."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "panel.md"


# The page runs as written; what it calls is measured for coverage by the unit tests, and the
# coverage tracer would slow this page's in-process fits by about half.
@pytest.mark.no_cover
def test_panel_page(monkeypatch: pytest.MonkeyPatch, mirror: Path) -> None:
    """Run every example of the page with doctest (the full panel backtest, in this process)."""
    monkeypatch.chdir(REPO)
    result = doctest.testfile(
        str(PAGE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
    )
    assert result.attempted >= 10
    assert result.failed == 0, f"{result.failed} example(s) of docs/panel.md failed (see above)"
