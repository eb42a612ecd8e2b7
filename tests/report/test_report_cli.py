"""``ncr report dprk`` and ``ncr cite`` through their Typer apps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from ncrealism.cli.cite import cite
from ncrealism.cli.report import app as report_app
from ncrealism.errors import InputError
from ncrealism.report.dprk import ReportResult

runner = CliRunner()


def _cite_app() -> typer.Typer:
    app = typer.Typer()
    app.command("cite")(cite)
    app.command("unused")(lambda: None)  # keep 'cite' a sub-command
    return app


def test_cite_prints_what_the_run_read(dprk_report: ReportResult) -> None:
    app = _cite_app()
    res = runner.invoke(app, ["cite", "--run", str(dprk_report.out)])
    assert res.exit_code == 0, res.output
    for c in dprk_report.citations:
        if c.kind == "dataset":
            assert f"[{c.name};" in res.output and str(c.sha256) in res.output
    res = runner.invoke(app, ["cite", "--run", str(dprk_report.out), "--style", "bibtex"])
    assert res.exit_code == 0
    assert res.output == dprk_report.citations_bib.read_text("utf-8")
    res = runner.invoke(app, ["cite", "--run", str(dprk_report.out), "--style", "json"])
    assert json.loads(res.output) == [c.to_dict() for c in dprk_report.citations]


def test_cite_bib_only_folder_and_default_pipeline(tmp_path: Path) -> None:
    app = _cite_app()
    (tmp_path / "citations.bib").write_text("@misc{k,\n  note = {n}\n}\n", encoding="utf-8")
    res = runner.invoke(app, ["cite", "--run", str(tmp_path), "--style", "bibtex"])
    assert res.exit_code == 0 and res.output.startswith("@misc{k,")
    res = runner.invoke(app, ["cite", "--run", str(tmp_path)])
    assert isinstance(res.exception, InputError) and "--format bibtex" in str(res.exception)
    res = runner.invoke(app, ["cite"])
    assert res.exit_code == 0 and "default DPRK pipeline" in res.output
    assert re.search(r"\[nmc7; not read; available: (mirror|cached|missing)", res.output)


def test_cite_refuses_bad_arguments(tmp_path: Path) -> None:
    app = _cite_app()
    res = runner.invoke(app, ["cite", "--run", str(tmp_path / "nope")])
    assert isinstance(res.exception, InputError) and "nope" in str(res.exception)
    res = runner.invoke(app, ["cite", "--style", "apa"])
    assert isinstance(res.exception, InputError) and "apa" in str(res.exception)


def test_report_dprk_refuses_a_missing_record(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    res = runner.invoke(
        report_app, ["dprk", "--out", str(tmp_path / "r"), "--record", str(missing), "-q"]
    )
    assert isinstance(res.exception, InputError)
    assert str(missing) in str(res.exception)


def test_report_help_lists_the_options() -> None:
    res = runner.invoke(report_app, ["dprk", "--help"])
    assert res.exit_code == 0
    for opt in ("--record", "--context", "--negotiations", "--out", "--seed", "--quiet"):
        assert opt in res.output
