"""Balance of threat: components in range, the index as their product, totals and offsets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.unga import load_ideal_points
from ncrealism.errors import InputError
from ncrealism.system.threat import ThreatParams, threat_faced, threat_matrix, threat_summary


@pytest.fixture(scope="module")
def m1994(source: DataSource) -> pl.DataFrame:
    return threat_matrix(1994, source=source)


def test_components_lie_in_range_and_multiply(
    m1994: pl.DataFrame, raw_cinc: dict[tuple[int, int], float]
) -> None:
    n = sum(1 for _, y in raw_cinc if y == 1994)  # states in the system in 1994 (raw NMC)
    assert m1994.height == n * (n - 1)
    for c in ("aggregate_power", "proximity", "offensive", "intentions"):
        vals = m1994[c].drop_nulls()
        assert vals.len() > 0.9 * m1994.height, c
        assert vals.is_between(0, 1).all(), c
    full = m1994.drop_nulls(["aggregate_power", "proximity", "offensive", "intentions"])
    prod = full["aggregate_power"] * full["proximity"] * full["offensive"] * full["intentions"]
    assert np.allclose(full["threat"], prod)
    assert np.allclose(full["projected_power"], full["aggregate_power"] * full["proximity"])


def test_proximity_is_one_at_home_and_falls_with_distance(m1994: pl.DataFrame) -> None:
    usa = m1994.filter(pl.col("ccode2") == 2).drop_nulls("miles").sort("miles")
    assert (usa["proximity"].diff().drop_nulls() <= 1e-12).all()
    x0 = math.log10(10 - math.e)
    r = usa.row(0, named=True)
    expected = r["aggregate_power"] ** (math.log10(r["miles"] / 500 + 10 - math.e) - x0)
    assert r["proximity"] == pytest.approx(expected)


def test_unga_distance_uses_the_ideal_points(source: DataSource, m1994: pl.DataFrame) -> None:
    ip = load_ideal_points(source=source)
    span = float(ip["idealpoint_all"].max()) - float(ip["idealpoint_all"].min())  # type: ignore[arg-type]
    y = ip.filter(pl.col("year") == 1994)
    point = dict(zip(y["ccode"], y["idealpoint_all"], strict=True))
    r = m1994.filter((pl.col("ccode1") == 731) & (pl.col("ccode2") == 2)).row(0, named=True)
    assert r["unga_distance"] == pytest.approx(abs(point[731] - point[2]) / span)


def test_nuclear_status_follows_the_file(source: DataSource) -> None:
    from ncrealism.data.nuclear import load_nuclear_status

    nuc = load_nuclear_status(source=source)
    prk = dict(
        zip(*nuc.filter(pl.col("ccode") == 731).select("year", "nuclear_possession"), strict=True)
    )
    faced = threat_faced(732, (2004, 2008), source=source).filter(pl.col("source_ccode") == 731)
    for y, flag in zip(faced["year"], faced["nuclear"], strict=True):
        assert flag == bool(prk[y])


def test_threat_faced_and_summary_agree(source: DataSource) -> None:
    faced = threat_faced("DPRK", (1990, 2000), source=source)
    summ = threat_summary("North Korea", (1990, 2000), source=source)
    assert summ.height == 11
    assert (faced["target"] == 731).all()
    assert (faced["target_abb"] == "PRK").all()
    hostile = (
        faced.filter(~pl.col("allied"))
        .group_by("year")
        .agg(pl.col("threat").sum().alias("t"), pl.col("threat").arg_max().alias("i"))
        .sort("year")
    )
    assert np.allclose(summ["total_threat"], hostile["t"])
    tops = (
        faced.filter(~pl.col("allied"))
        .sort("threat", descending=True, nulls_last=True)
        .group_by("year", maintain_order=True)
        .first()
        .sort("year")
    )
    assert summ["top_source"].to_list() == tops["source_ccode"].to_list()
    assert summ["offset_share"].is_between(0, 1).all()
    support = faced.filter(pl.col("allied"))
    assert set(support["source_ccode"].unique().to_list()) >= {710}  # 1961 PRC-DPRK treaty


def test_allied_means_defense_pact_or_entente_by_default(source: DataSource) -> None:
    default = threat_faced(731, [1994], source=source)
    wide = threat_faced(
        731,
        [1994],
        source=source,
        params=ThreatParams(ally_types=("defense_pact", "neutrality", "nonaggression", "entente")),
    )
    rok = lambda df: df.filter(pl.col("source_ccode") == 732)["allied"][0]  # noqa: E731
    # COW codes the 1991 inter-Korean agreement as a non-aggression pact only.
    assert rok(default) is False
    assert rok(wide) is True


def test_boulding_gradient_option(source: DataSource) -> None:
    m = threat_matrix(1994, source=source, params=ThreatParams(gradient="boulding"))
    row = m.filter((pl.col("ccode1") == 731) & (pl.col("ccode2") == 2)).row(0, named=True)
    expected = (
        max(0.0, row["aggregate_power"] - 0.01 * row["miles"] / 1000) / row["aggregate_power"]
    )
    assert row["proximity"] == pytest.approx(expected)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"power_exponent": -1.0},
        {"nuclear_weight": 1.5},
        {"gradient": "flat"},
        {"ally_types": ("friendship",)},
        {"boulding_slope": -0.1},
    ],
)
def test_threat_params_are_checked(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        ThreatParams(**kwargs)  # type: ignore[arg-type]


def test_threat_rejects_bad_input(source: DataSource) -> None:
    with pytest.raises(InputError, match="not in the system"):
        threat_faced(732, [1900], source=source)
    with pytest.raises(InputError, match="unknown"):
        threat_faced("Atlantis", [1994], source=source)
    with pytest.raises(InputError, match="outside the data"):
        threat_matrix(2050, source=source)


def test_plots_are_written(source: DataSource, tmp_path: Path) -> None:
    from ncrealism.report.figures_system import plot_threat

    many = plot_threat(threat_faced(731, (1990, 1995), source=source), tmp_path / "t.png")
    one = plot_threat(threat_faced(731, [1994], source=source), tmp_path / "one.png")
    for p in (many, one):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("nuclear", "unga"), [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)])
def test_columns_taken_without_a_nan_scan_hold_none(
    source: DataSource, monkeypatch: pytest.MonkeyPatch, nuclear: float, unga: float
) -> None:
    """The threat frame's columns said complete (taken without a pass that turns NaN into null)
    give the same frame as one built with every float column scanned, in years with and
    without UNGA ideal points (before and after 1946) and with the 2012 alliances carried."""
    import ncrealism.system.dyads as dyads
    from ncrealism.system.threat import dyad_threat_frame

    params = ThreatParams(nuclear_weight=nuclear, unga_weight=unga)
    years = [1944, 1947, 2014]
    fast = dyad_threat_frame(years, params=params, source=source)
    scan_all = dyads.to_frame
    monkeypatch.setattr(dyads, "to_frame", lambda blocks, cols, complete=(): scan_all(blocks, cols))
    scanned = dyad_threat_frame(years, params=params, source=source)
    assert fast.height > 0 and fast.equals(scanned)
