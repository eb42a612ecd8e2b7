"""The scenario in docs/scenarios.md is valid and runs; the documented error format holds;
the real `ncr` entry point reports a bad file with exit code 2 and no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.scenario.compare import variant_draws
from ncrealism.scenario.loader import load_scenario, resolve

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def _block() -> str:
    m = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert m is not None
    return m.group(1)


def test_documented_scenario_resolves_and_runs(
    source: DataSource, history_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCR_HISTORY_DIR", str(history_dir))
    path = tmp_path / "mine.toml"
    path.write_text(_block(), encoding="utf-8")
    plan = resolve(load_scenario(path), source=source, draws=4, chunk_size=2)
    assert plan.name == "china-cut-and-assurance"
    assert [s.id for s in plan.shocks] == ["china_cut", "assurance"]
    neg = plan.negotiations[0]
    # both shocks are in force when the 2005 talks open: they carry over to the case
    assert neg.shocks == (
        ("patron.China.support", "scale", "shock.china_cut"),
        ("patron.Russia.support", "scale", "shock.china_cut"),
        ("survival.offer_credibility", "union", "shock.assurance"),
    )
    v = variant_draws(plan)
    assert v.agreement.shape == (4, 1)


def test_documented_error_message(tmp_path: Path) -> None:
    text = _block().replace('kind = "patron_support"', 'kind = "patron_suport"')
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index('kind = "patron_suport"          # scales allied support') + 1
    r = subprocess.run(
        [sys.executable, "-m", "ncrealism.cli.main", "scenario", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert f"{path}, line {line}, key 'shocks[0].kind': 'patron_suport' is not allowed" in r.stderr
    assert "did you mean 'patron_support'?" in r.stderr
