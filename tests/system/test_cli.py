"""``ncr system`` commands: output formats, plots and errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ncrealism.cli.system import app
from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.system import NORTHEAST_ASIA, shares

runner = CliRunner()
# Every command here reads the capability data: without the mirror, skip (fixture's reason).
pytestmark = pytest.mark.usefixtures("mirror")


def test_shares_csv_matches_the_api(source: DataSource, tmp_path: Path) -> None:
    png = tmp_path / "shares.png"
    res = runner.invoke(
        app,
        [
            "shares",
            "--states",
            "2,710,365,740,731,732",
            "--years",
            "1985:2016",
            "--format",
            "csv",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    got = pl.read_csv(io.StringIO(res.stdout))
    want = shares(list(NORTHEAST_ASIA), (1985, 2016), source=source)
    assert got.height == want.height
    assert got["capability_share"].to_list() == pytest.approx(want["capability_share"].to_list())
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_shares_past_nmc_are_extended_and_say_so() -> None:
    res = runner.invoke(
        app,
        ["shares", "--states", "DPRK,ROK", "--years", "2015:2022", "--nmc", "6.0", "-f", "json"],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["year"] for r in rows if r["extended"]} == set(range(2017, 2023))
    assert "extended" in res.stderr


def test_threat_by_source_and_summary(tmp_path: Path) -> None:
    res = runner.invoke(app, ["threat", "DPRK", "--year", "1994", "--top", "5", "-f", "csv"])
    assert res.exit_code == 0, res.output
    df = pl.read_csv(io.StringIO(res.stdout))
    assert df.height == 5
    assert df["threat"].to_list() == sorted(df["threat"].to_list(), reverse=True)
    png = tmp_path / "threat.png"
    res = runner.invoke(
        app,
        ["threat", "731", "--years", "1990:1995", "--summary", "-f", "csv", "--plot", str(png)],
    )
    assert res.exit_code == 0, res.output
    summ = pl.read_csv(io.StringIO(res.stdout))
    assert summ["year"].to_list() == list(range(1990, 1996))
    assert png.is_file()


def test_table_output_has_units_and_sources() -> None:
    res = runner.invoke(app, ["threat", "DPRK", "--year", "1994", "--top", "3"])
    assert res.exit_code == 0, res.output
    assert "CINC units" in res.stdout
    assert "share offset by allies" in res.stdout


def test_structure_and_transition(source: DataSource) -> None:
    from ncrealism.system import power_transition
    from ncrealism.system.structure import structure

    res = runner.invoke(app, ["structure", "--years", "1990:1995", "-f", "csv"])
    assert res.exit_code == 0, res.output
    got = pl.read_csv(io.StringIO(res.stdout))
    assert got["con"].to_list() == pytest.approx(
        structure((1990, 1995), source=source)["con"].to_list()
    )
    res = runner.invoke(app, ["transition", "USA", "China", "--years", "1990:1996", "-f", "csv"])
    assert res.exit_code == 0, res.output
    got = pl.read_csv(io.StringIO(res.stdout))
    want = power_transition(2, 710, (1990, 1996), source=source)
    assert got["overtaking"].to_list() == want["overtaking"].to_list()
    assert got["ratio"].to_list() == pytest.approx(want["ratio"].to_list())


@pytest.mark.parametrize(
    "args",
    [
        ["shares", "--states", "999", "--years", "1990:1991"],
        ["shares", "--states", ",", "--years", "1990"],
        ["shares", "--years", "1700:1710"],
        ["shares", "--years", "nineteen"],
        ["threat", "DPRK"],
        ["threat", "Atlantis", "--year", "1994"],
        ["structure", "--basis", "both"],
        ["shares", "--version", "5.0"],
    ],
)
def test_bad_input_is_an_input_error(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError), res.output


def test_nmc_7_is_the_default_and_is_named() -> None:
    # COW NMC v7.0 ends in 2022 (codebook v7.0), so 2017-2022 are measured, not extended.
    res = runner.invoke(
        app, ["shares", "--states", "DPRK,ROK", "--years", "2015:2022", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["year"] for r in rows} == set(range(2015, 2023))
    assert not any(r["extended"] for r in rows)
    table = runner.invoke(app, ["shares", "--states", "DPRK,ROK", "--years", "2016"])
    assert "COW NMC v7.0" in table.stdout
    old = runner.invoke(app, ["shares", "--states", "DPRK,ROK", "--years", "2016", "--nmc", "6.0"])
    assert "COW NMC v6.0" in old.stdout
    bad = runner.invoke(app, ["shares", "--years", "2016", "--nmc", "5.0"])
    assert bad.exit_code != 0
