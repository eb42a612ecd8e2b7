"""The scenario commands end to end (in-process, as `ncr` mounts them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.scenario.schema import schema_text
from ncrealism.scenario.store import read_results
from scenario.clihelp import BACKEND, invoke
from scenario.conftest import BASE


def test_validate(write_scenario: Callable[..., Path]) -> None:
    path = write_scenario()
    r = invoke("scenario", "validate", str(path), "--backend", BACKEND)
    assert r.exit_code == 0, r.output
    assert "ok:" in r.output and "1 shock(s), 2 uncertain parameter(s)" in r.output
    r = invoke("scenario", "validate", str(path), "--schema-only")
    assert r.exit_code == 0 and "ok:" in r.output


def test_run_writes_results_and_resumes(
    write_scenario: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_scenario()
    out = tmp_path / "res.duckdb"
    args = ("scenario", "run", str(path), "--out", str(out), "-q", "--backend", BACKEND)
    r = invoke(*args, "--draws", "80", "--seed", "4", "--format", "csv")
    assert r.exit_code == 0, r.output
    first = r.stdout.splitlines()
    assert first[0].startswith("ccode,year,internal_balancing,engagement")
    runs = read_results(out)["runs"].row(0, named=True)
    assert (runs["draws"], runs["seed"], runs["chunk_size"]) == (80, 4, 40)
    r2 = invoke(*args, "--draws", "80", "--seed", "4", "--format", "csv")
    assert r2.exit_code == 0 and "already complete" in r2.stderr
    # the summary printed equals the stored means
    table = pl.read_csv("\n".join(line for line in first if "," in line).encode())
    s = read_results(out)["summary"].filter(
        (pl.col("quantity") == "posture_probability") & (pl.col("label") == "engagement")
    )
    assert table["engagement"].to_list() == pytest.approx(s["mean"].to_list(), rel=1e-12)
    # a different seed to the same file is refused (exit 2), --overwrite replaces it
    r3 = invoke(*args, "--draws", "80", "--seed", "5")
    assert r3.exit_code == 2 and "different sweep" in r3.output
    r4 = invoke(*args, "--draws", "80", "--seed", "5", "--overwrite")
    assert r4.exit_code == 0, r4.output


def test_run_on_a_local_cluster(write_scenario: Callable[..., Path], tmp_path: Path) -> None:
    path = write_scenario()
    out = tmp_path / "res"
    r = invoke(
        "scenario",
        "run",
        str(path),
        "--out",
        str(out),
        "-q",
        "--workers",
        "2",
        "--backend",
        BACKEND,
        "--draws",
        "80",
    )
    assert r.exit_code == 0, r.output
    assert (out / "summary.parquet").is_file()


def test_compare_and_sensitivity(write_scenario: Callable[..., Path], tmp_path: Path) -> None:
    a = write_scenario()
    b = write_scenario(BASE.replace("low = 0.3, high = 0.7", "low = 0.0, high = 0.1"), "b.toml")
    r = invoke(
        "scenario",
        "compare",
        str(a),
        str(b),
        "--backend",
        BACKEND,
        "--format",
        "json",
        "--draws",
        "60",
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert {row["quantity"] for row in rows} == {"posture_probability"}
    before = [row for row in rows if row["year"] < 2000]
    assert before and all(row["diff_mean"] == 0 for row in before)
    png = tmp_path / "t.png"
    r = invoke(
        "sensitivity",
        str(a),
        "--output",
        "posture:brinkmanship",
        "--n",
        "64",
        "--plot",
        str(png),
        "--backend",
        BACKEND,
        "--format",
        "csv",
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith("parameter,S1,S1_conf,ST,ST_conf,value_low")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_list_show_schema(tmp_path: Path) -> None:
    r = invoke("scenario", "list", "--format", "csv")
    assert r.exit_code == 0 and "dprk-baseline,baseline" in r.output
    r = invoke("scenario", "show", "dprk-china-halves")
    assert r.exit_code == 0 and 'kind = "patron_support"' in r.output
    out = tmp_path / "schema.json"
    r = invoke("scenario", "schema", "--out", str(out))
    assert r.exit_code == 0 and out.read_text(encoding="utf-8") == schema_text()


def test_builtin_baseline_end_to_end(
    source: DataSource, history_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCR_HISTORY_DIR", str(history_dir))
    out = tmp_path / "b.duckdb"
    r = invoke("scenario", "run", "dprk-baseline", "--draws", "100", "--out", str(out), "-q")
    assert r.exit_code == 0, r.output
    tables = read_results(out)
    s = tables["summary"].filter(pl.col("quantity") == "posture_probability")
    assert s.height == 20 * 5
    sums = s.group_by("year").agg(pl.col("mean").sum())
    assert sums["mean"].to_numpy() == pytest.approx(1.0, abs=1e-12)
    versions = json.loads(tables["runs"]["data_versions"][0])
    assert versions["context"]["file"] == "context_events_1990_2009.csv"
