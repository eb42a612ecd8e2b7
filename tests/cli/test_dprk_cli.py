"""``ncr dprk``: the README's main command, end to end on the mirror and the coded record."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ncrealism.cli.dprk import find_history_files
from ncrealism.cli.main import main
from ncrealism.errors import InputError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_find_history_files(history_dir: Path, tmp_path: Path) -> None:
    found = find_history_files(history_dir)
    assert found["record"] is not None and found["record"].name.startswith("dprk_yearly_")
    assert found["context"] is not None and found["negotiations"] is not None
    assert find_history_files(tmp_path) == dict.fromkeys(found)
    with pytest.raises(InputError, match="not a folder"):
        find_history_files(tmp_path / "missing")


def test_readme_main_command_writes_the_report(
    mirror: Path, history_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- main-command -->\n```bash\n(.*?)\n```", text, re.S)
    assert block is not None
    args = block.group(1).split("uv run --frozen ncr ", 1)[1].split()
    assert args[:1] == ["dprk"]
    # Same command, with this checkout's paths; its report is the one the session's
    # ``dprk_report`` fixture and the documented commands share (one derived-cache entry).
    args[args.index("--history") + 1] = str(history_dir)
    args[args.index("--out") + 1] = str(tmp_path / "report")
    try:
        main([*args, "--quiet"])
    except SystemExit as exc:  # pragma: no cover - a failure shows the message
        assert exc.code in (0, None), capsys.readouterr().err
    out = capsys.readouterr().out
    assert "DPRK share of Northeast Asian capabilities" in out
    assert "Backtest 2005-2009" in out
    folder = tmp_path / "report"
    assert (folder / "report.html").stat().st_size > 10_000
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["backtest"] is not None and summary["negotiation"]
