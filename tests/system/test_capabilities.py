"""CINC recomputed from the six components; capability shares; the extension past NMC."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import load_nmc
from ncrealism.errors import InputError
from ncrealism.system import NORTHEAST_ASIA
from ncrealism.system.capabilities import (
    capabilities,
    cinc_reproduction,
    recompute_cinc,
    shares,
)

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- reproduction
@pytest.mark.parametrize("version", ["6.0", "7.0"])
def test_cinc_reproduction_is_printed_and_complete(
    version: str, source: DataSource, capsys: pytest.CaptureFixture[str]
) -> None:
    rep = cinc_reproduction(version, source=source)  # type: ignore[arg-type]
    with capsys.disabled():
        print(f"\n{rep.summary()}")
        if rep.exceptions.height:
            print(rep.exceptions)
        else:
            print("exceptions: none")
    rows = load_nmc(version, source=source).height  # type: ignore[arg-type]
    assert rep.n_rows == rows
    # docs/system.md states the reproduction: every state-year within 1e-6 (100%), no
    # exception, the largest difference the rounding of the published nine decimals.
    doc = (REPO / "docs" / "system.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith(f"| {version} ("))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[1].replace(",", "")) == rows
    assert cells[2] == f"{rows:,} (100%)" and cells[4] == "none"
    assert rep.n_within == rows and rep.exceptions.height == 0 and rep.share_within == 1.0
    assert rep.max_abs_diff == pytest.approx(float(cells[3]), rel=0.01)


def test_reproduction_tolerance_is_real(source: DataSource) -> None:
    # The published values carry nine decimals, so a tolerance far below their rounding must
    # turn most state-years into listed exceptions: the comparison is not vacuous.
    rep = cinc_reproduction("6.0", source=source, tol=1e-12)
    assert rep.exceptions.height > rep.n_rows // 2
    assert rep.exceptions["reason"].str.contains("exceeds").all()
    with pytest.raises(InputError):
        cinc_reproduction("6.0", source=source, tol=0)


# --------------------------------------------------------------------------- recompute_cinc
def _toy() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ccode": [1, 2, 3],
            "year": [2000, 2000, 2000],
            "milex": [10.0, 30.0, None],
            "milper": [1.0, 1.0, 2.0],
            "irst": [0.0, 5.0, 5.0],
            "pec": [2.0, 2.0, 4.0],
            "tpop": [100.0, 100.0, 200.0],
            "upop": [10.0, 20.0, 10.0],
        }
    )


def test_recompute_cinc_by_hand() -> None:
    out = recompute_cinc(_toy())
    # State 3 lacks milex: its CINC is the mean of its five shares, and milex's total is 40.
    s3 = [2 / 4, 5 / 10, 4 / 8, 200 / 400, 10 / 40]
    s1 = [10 / 40, 1 / 4, 0 / 10, 2 / 8, 100 / 400, 10 / 40]
    assert out["n_components"].to_list() == [6, 6, 5]
    assert out["cinc_recomputed"][2] == pytest.approx(sum(s3) / 5)
    assert out["cinc_recomputed"][0] == pytest.approx(sum(s1) / 6)
    assert out["milex_share"][2] is None


def test_recompute_cinc_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="missing"):
        recompute_cinc(_toy().drop("pec"))
    with pytest.raises(InputError, match="more than once"):
        recompute_cinc(pl.concat([_toy(), _toy().head(1)]))
    with pytest.raises(InputError, match="negative milper"):
        recompute_cinc(_toy().with_columns(pl.lit(-9.0).alias("milper")))


def test_recompute_cinc_ignores_row_order(source: DataSource) -> None:
    nmc = load_nmc("6.0", source=source).filter(pl.col("year").is_between(1980, 2000))
    rng = np.random.default_rng(20261128)
    shuffled = nmc[rng.permutation(nmc.height)]
    a = recompute_cinc(nmc).select("ccode", "year", "cinc_recomputed").sort("ccode", "year")
    b = recompute_cinc(shuffled).select("ccode", "year", "cinc_recomputed").sort("ccode", "year")
    assert a.equals(b)


# --------------------------------------------------------------------------- shares
def test_shares_match_the_publisher_numbers(
    source: DataSource, raw_cinc: dict[tuple[int, int], float]
) -> None:
    # raw_cinc is the v6.0 publisher CSV, so v6.0 is asked for.
    df = shares(list(NORTHEAST_ASIA), (1985, 2016), version="6.0", source=source)
    for r in df.filter(pl.col("year").is_in([1985, 1994, 2016])).iter_rows(named=True):
        y = r["year"]
        total = sum(raw_cinc[(c, y)] for c in NORTHEAST_ASIA if (c, y) in raw_cinc)
        assert r["capability_share"] == pytest.approx(raw_cinc[(r["ccode"], y)] / total, abs=1e-6)


def test_dprk_share_of_northeast_asia_falls_1990_to_2000(
    source: DataSource, raw_cinc: dict[tuple[int, int], float]
) -> None:
    def raw_share(c: int, y: int) -> float:
        return raw_cinc[(c, y)] / sum(raw_cinc[(k, y)] for k in NORTHEAST_ASIA)

    df = shares(list(NORTHEAST_ASIA), [1990, 2000], version="6.0", source=source)
    got = {(r["ccode"], r["year"]): r["capability_share"] for r in df.iter_rows(named=True)}
    assert got[(731, 1990)] == pytest.approx(raw_share(731, 1990), abs=1e-6)
    assert got[(731, 2000)] == pytest.approx(raw_share(731, 2000), abs=1e-6)
    assert raw_share(731, 2000) < raw_share(731, 1990)
    assert got[(731, 2000)] < got[(731, 1990)]


def test_russia_share_drops_after_1991(source: DataSource) -> None:
    df = shares(list(NORTHEAST_ASIA), (1985, 1999), source=source).filter(pl.col("ccode") == 365)
    by_year = dict(zip(df["year"], df["capability_share"], strict=True))
    before = np.mean([by_year[y] for y in range(1985, 1991)])
    after = np.mean([by_year[y] for y in range(1992, 2000)])
    assert after < before
    assert by_year[1992] < by_year[1990]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from([2, 20, 200, 220, 255, 365, 710, 731, 732, 740, 750]),
        min_size=1,
        max_size=8,
    ),
    st.integers(1950, 2016),
    st.integers(0, 10),
)
def test_shares_are_cinc_over_the_set_in_any_set(
    source: DataSource, states: list[int], first: int, span: int
) -> None:
    last = min(first + span, 2016)
    try:
        df = shares(states, (first, last), source=source)
    except InputError:
        return  # a state of the draw was not in the system in those years (e.g. GMY 1950-1954)
    # the share of each state is its CINC over the set's CINC in the capability table
    caps = capabilities(source=source).filter(
        pl.col("ccode").is_in(states) & pl.col("year").is_between(first, last)
    )
    total = caps.group_by("year").agg(pl.col("cinc").sum().alias("total"))
    want = caps.join(total, on="year").select(
        "ccode", "year", (pl.col("cinc") / pl.col("total")).alias("want")
    )
    got = df.join(want, on=["ccode", "year"], how="inner")
    assert got.height == df.height == want.height
    assert np.allclose(got["capability_share"].to_numpy(), got["want"].to_numpy(), atol=1e-12)


def test_shares_ignore_the_order_of_states(source: DataSource) -> None:
    a = shares([731, 2, 710], (1990, 1995), source=source)
    b = shares(["China", 731, "USA"], (1990, 1995), source=source)
    assert a.equals(b)


def test_shares_accept_names(source: DataSource) -> None:
    df = shares(["DPRK", "South Korea", "PRC"], [1994], source=source)
    assert sorted(df["ccode"].to_list()) == [710, 731, 732]


@pytest.mark.parametrize(
    ("states", "years", "match"),
    [
        ([999], (1990, 1991), "unknown COW code"),
        ([], (1990, 1991), "empty"),
        ([731], (1800, 1990), "outside the data"),
        ([731], (2010, 2030), "outside the data"),
        ([732], (1900, 1910), "no capability data"),
        (["Atlantis"], (1990, 1991), "unknown state"),
        ([731], (1995, 1990), "reversed"),
    ],
)
def test_shares_reject_bad_input(
    source: DataSource, states: list[int | str], years: tuple[int, int], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        shares(states, years, source=source)


# --------------------------------------------------------------------------- extension
@pytest.fixture(scope="module")
def extended(source: DataSource) -> pl.DataFrame:
    return capabilities("6.0", extend_to=2022, source=source)


def test_extension_keeps_nmc_years_and_flags_new_ones(
    source: DataSource, extended: pl.DataFrame
) -> None:
    plain = capabilities("6.0", source=source)
    old = extended.filter(~pl.col("extended")).drop("extension", "extended")
    assert old.equals(plain.drop("extension", "extended"))
    new = extended.filter(pl.col("extended"))
    assert sorted(new["year"].unique().to_list()) == list(range(2017, 2023))
    assert new["cinc_published"].null_count() == new.height
    assert new["extension"].null_count() == 0
    states_2016 = set(plain.filter(pl.col("year") == 2016)["ccode"].to_list())
    for y in range(2017, 2023):
        assert set(new.filter(pl.col("year") == y)["ccode"].to_list()) == states_2016
    # Nothing is invented: the DPRK has no NMC milex in 2016, so none after.
    assert new.filter(pl.col("ccode") == 731)["milex"].null_count() == 6


def test_extended_milex_follows_sipri_current_dollars(
    source: DataSource, extended: pl.DataFrame
) -> None:
    from ncrealism.data.milex import load_sipri_milex

    sipri = load_sipri_milex("current_usd", source=source).filter(pl.col("ccode") == 2)
    s = dict(zip(sipri["year"], sipri["value"], strict=True))
    usa = extended.filter(pl.col("ccode") == 2)
    m = dict(zip(usa["year"], usa["milex"], strict=True))
    for y in range(2017, 2023):
        assert m[y] / m[y - 1] == pytest.approx(s[y] / s[y - 1], rel=1e-12)
    assert "milex=sipri_current" in usa.filter(pl.col("year") == 2020)["extension"][0]


def test_extension_tracks_nmc7(source: DataSource, extended: pl.DataFrame) -> None:
    """Validation against independent data: NMC v7.0 covers 2017-2022."""
    v7 = capabilities("7.0", source=source).select("ccode", "year", pl.col("cinc").alias("c7"))
    j = extended.filter(pl.col("extended")).join(v7, on=["ccode", "year"])
    by_year = j.group_by("year").agg(pl.corr("cinc", "c7", method="spearman").alias("rho"))
    assert by_year.height == 6
    assert by_year["rho"].min() > 0.99  # type: ignore[operator]


def test_extend_to_must_follow_the_data(source: DataSource) -> None:
    with pytest.raises(InputError, match="not after"):
        capabilities("6.0", extend_to=2010, source=source)
    df = shares(list(NORTHEAST_ASIA), (2015, 2020), version="6.0", extend_to=2022, source=source)
    assert df.filter(pl.col("year") > 2016)["extended"].all()
    # extended years: each share is the extended CINC over the set's extended CINC
    caps = capabilities("6.0", extend_to=2022, source=source).filter(
        pl.col("ccode").is_in(list(NORTHEAST_ASIA)) & (pl.col("year") == 2020)
    )
    want = dict(
        zip(caps["ccode"].to_list(), (caps["cinc"] / caps["cinc"].sum()).to_list(), strict=True)
    )
    for r in df.filter(pl.col("year") == 2020).iter_rows(named=True):
        assert r["capability_share"] == pytest.approx(want[r["ccode"]], abs=1e-12)
