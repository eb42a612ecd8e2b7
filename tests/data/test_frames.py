"""State-year and dyad-year frames: sizes from the raw system files, joins checked by value."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncrealism.data.fetch import DataSource
from ncrealism.data.frames import (
    UnitFrame,
    add_alliances,
    add_contiguity,
    add_distance,
    add_major_powers,
    add_nmc,
    create_dyadyears,
    create_stateyears,
)
from ncrealism.errors import InputError

NMC_COLS = ["milex", "milper", "irst", "pec", "tpop", "upop", "cinc"]
ALLIANCE_COLS = ["defense_pact", "neutrality", "nonaggression", "entente", "n_alliances"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def system_counts(mirror: Path) -> Counter[int]:
    return Counter(int(r["year"]) for r in _rows(mirror / "cow-states/system2016.csv"))


@pytest.fixture(scope="module")
def directed(source: DataSource) -> UnitFrame:
    return create_dyadyears(True, source=source)


# --------------------------------------------------------------------------- universes
def test_cow_stateyears(source: DataSource, system_counts: Counter[int]) -> None:
    frame = create_stateyears(source=source)
    assert frame.height == sum(system_counts.values()) == 15951
    assert frame.unit == "state-year" and frame.system == "cow" and frame.directed is None
    assert frame.data.columns == ["ccode", "stateabb", "year"]
    assert frame.sources == ("cow_system 2016",)


def test_cow_directed_dyadyears_size(directed: UnitFrame, system_counts: Counter[int]) -> None:
    want = sum(n * (n - 1) for n in system_counts.values())
    assert directed.height == want
    assert directed.data.columns == ["ccode1", "ccode2", "year"]
    assert directed.data.select(pl.struct("ccode1", "ccode2", "year").is_unique().all()).item()
    assert (directed.data["ccode1"] != directed.data["ccode2"]).all()


def test_cow_nondirected_is_half(source: DataSource, system_counts: Counter[int]) -> None:
    frame = create_dyadyears(False, source=source)
    assert frame.height == sum(n * (n - 1) for n in system_counts.values()) // 2
    assert (frame.data["ccode1"] < frame.data["ccode2"]).all()
    assert frame.directed is False


def test_gw_frames(source: DataSource, mirror: Path) -> None:
    lines = (mirror / "gw-states/iisystem.dat").read_text(encoding="utf-8").splitlines()
    per_year: Counter[int] = Counter()
    for ln in lines:
        f = ln.split("\t")
        start = dt.datetime.strptime(f[3], "%d:%m:%Y").date()
        end = dt.datetime.strptime(f[4], "%d:%m:%Y").date()
        per_year.update(range(start.year, end.year + 1))
    sy = create_stateyears("gw", source=source)
    assert sy.height == sum(per_year.values())
    assert sy.data.columns == ["gwcode", "gwabb", "year"]
    assert sy.sources[0].startswith("gw_states 2017")
    dy = create_dyadyears(False, years=(1990, 1992), system="gw", source=source)
    assert dy.height == sum(per_year[y] * (per_year[y] - 1) // 2 for y in (1990, 1991, 1992))
    assert dy.keys == ("gwcode1", "gwcode2", "year")
    with_cap = add_distance(dy, "capital", source=source)
    prk_rok = with_cap.data.filter((pl.col("gwcode1") == 731) & (pl.col("gwcode2") == 732))
    raw = next(
        r
        for r in _rows(mirror / "distance/capdist.csv")
        if (r["numa"], r["numb"]) == ("731", "732")
    )
    assert prk_rok["capdist"].to_list() == [int(raw["kmdist"])] * 3
    for add in (add_nmc, add_alliances, add_contiguity, add_major_powers):
        with pytest.raises(InputError, match="COW"):
            add(dy, source=source)  # type: ignore[operator]
    with pytest.raises(InputError, match="COW"):
        add_distance(dy, "minimum", source=source)


def test_year_selection(source: DataSource, system_counts: Counter[int]) -> None:
    a = create_stateyears(years=(1990, 1992), source=source)
    b = create_stateyears(years=range(1990, 1993), source=source)
    c = create_stateyears(years=[1992, 1990, 1991], source=source)
    assert a.data.equals(b.data) and b.data.equals(c.data)
    assert a.height == sum(system_counts[y] for y in (1990, 1991, 1992))
    with pytest.raises(InputError, match="1816-2016"):
        create_stateyears(years=(2010, 2020), source=source)
    with pytest.raises(InputError, match="first, last"):
        create_stateyears(years=(1990, 1991, 1992), source=source)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        create_dyadyears(years="1990", source=source)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- values
def test_korean_dyad_values(source: DataSource, mirror: Path) -> None:
    frame = create_dyadyears(True, years=[1950, 1990, 2000, 2013, 2016], source=source)
    # v6.0 asked for: its publisher CSV is the independent reference read below.
    frame = add_nmc(frame, "6.0", source=source)
    for add in (add_alliances, add_contiguity, add_major_powers):
        frame = add(frame, source=source)  # type: ignore[operator]
    frame = add_distance(add_distance(frame, "capital", source=source), "minimum", source=source)
    df = frame.data

    def row(a: int, b: int, y: int) -> dict[str, object]:
        return df.filter(
            (pl.col("ccode1") == a) & (pl.col("ccode2") == b) & (pl.col("year") == y)
        ).row(0, named=True)

    # NMC v6.0 values of both states, from the publisher's CSV.
    nmc = {
        (int(r["ccode"]), int(r["year"])): r for r in _rows(mirror / "cow-nmc/NMC-60-abridged.csv")
    }
    r = row(731, 732, 1990)
    for col in NMC_COLS:
        for side, c in (("1", 731), ("2", 732)):
            raw = nmc[(c, 1990)][col]
            assert r[f"{col}_{side}"] == (None if raw == "-9" else float(raw)), (col, side)
    # Alliances from the dyad spell file: the US-ROK defence pact is in force in 1990.
    dyads = _rows(mirror / "cow-alliance/alliance_v4.1_by_dyad.csv")
    us_rok = [d for d in dyads if (d["ccode1"], d["ccode2"]) == ("2", "732")]
    assert any(
        int(d["dyad_st_year"]) <= 1990 <= int(d["dyad_end_year"] or 2012) and d["defense"] == "1"
        for d in us_rok
    )
    assert row(2, 732, 1990)["defense_pact"] == 1 == row(732, 2, 1990)["defense_pact"]
    assert row(731, 732, 1990)["n_alliances"] == 0  # the first DPRK-ROK agreement is 1991
    # alliance data end in 2012; later years carry the 2012 values (no DPRK-ROK pact in 2012)
    assert row(731, 732, 2013)["defense_pact"] == 0
    assert row(2, 732, 2016)["defense_pact"] == 1
    # Contiguity from contdird.csv.
    cont = {
        (int(x["state1no"]), int(x["state2no"]), int(x["year"])): int(x["conttype"])
        for x in _rows(mirror / "cow-contiguity/contdird.csv")
    }
    assert cont[(731, 732, 1990)] == 1
    assert row(731, 732, 1990)["conttype"] == 1 and row(731, 732, 1990)["contiguous_land"] == 1
    assert (2, 731, 1990) not in cont and row(2, 731, 1990)["conttype"] == 0
    assert row(731, 740, 1990)["conttype"] == cont[(731, 740, 1990)]
    # Capital distance from capdist.csv; minimum distance present from 1886 on.
    capdist = {
        (int(x["numa"]), int(x["numb"])): int(x["kmdist"])
        for x in _rows(mirror / "distance/capdist.csv")
    }
    assert row(731, 732, 1990)["capdist"] == capdist[(731, 732)]
    assert row(2, 731, 2000)["capdist"] == capdist[(2, 731)]
    assert row(731, 732, 2000)["mindist"] == 0.0
    # Major powers from majors2016.csv.
    majors = _rows(mirror / "cow-states/majors2016.csv")
    us_major_1990 = any(
        r["ccode"] == "2" and int(r["styear"]) <= 1990 <= int(r["endyear"]) for r in majors
    )
    assert row(2, 731, 1990)["major_power_1"] == int(us_major_1990) == 1
    assert row(2, 731, 1990)["major_power_2"] == 0


def test_stateyear_values(source: DataSource, mirror: Path) -> None:
    frame = create_stateyears(years=(1990, 2016), source=source)
    for add in (add_nmc, add_alliances, add_contiguity, add_major_powers):
        frame = add(frame, source=source)  # type: ignore[operator]
    df = frame.data
    prk = df.filter((pl.col("ccode") == 731) & (pl.col("year") == 1990)).row(0, named=True)
    # DPRK's alliances in 1990 (treaties of 1961 with the USSR and China), from the member
    # spell file (publisher's alliance_v4.1_by_member.csv).
    members = _rows(mirror / "cow-alliance/alliance_v4.1_by_member.csv")
    in_force = [
        m
        for m in members
        if m["ccode"] == "731" and int(m["mem_st_year"]) <= 1990 <= int(m["mem_end_year"] or 2012)
    ]
    assert prk["n_alliances"] == len(in_force) > 0
    assert prk["defense_pact"] == max(int(m["defense"]) for m in in_force) == 1
    land = {
        x["state2no"]
        for x in _rows(mirror / "cow-contiguity/contdird.csv")
        if x["state1no"] == "731" and x["year"] == "1990" and x["conttype"] == "1"
    }
    assert prk["n_land"] == len(land) > 0
    unknown = add_alliances(
        create_stateyears(years=(2013, 2016), source=source), carry_forward=False, source=source
    ).data
    assert unknown["n_alliances"].null_count() == unknown.height > 0
    with pytest.raises(InputError, match="dyad-years"):
        add_distance(frame, source=source)
    with pytest.raises(InputError, match="already has"):
        add_nmc(frame, source=source)


def test_to_pandas_and_validation(source: DataSource) -> None:
    frame = add_major_powers(
        create_dyadyears(False, years=(2000, 2000), source=source), source=source
    )
    pdf = frame.to_pandas()
    assert len(pdf) == frame.height
    assert pdf.attrs["unit"] == "dyad-year" and pdf.attrs["system"] == "cow"
    assert pdf.attrs["directed"] is False
    assert pdf.attrs["sources"] == ["cow_system 2016", "cow_majors 2016"]
    with pytest.raises(InputError, match="key columns"):
        UnitFrame(pl.DataFrame({"ccode": [2], "year": [1990]}), "dyad-year", "cow", True)
    with pytest.raises(InputError, match="directed"):
        UnitFrame(pl.DataFrame({"ccode": [2], "year": [1990]}), "state-year", "cow", True)


def test_coverage_rules_on_a_user_frame(source: DataSource) -> None:
    """0 = no alliance/contiguity inside a source's years; null = outside them (unknown)."""
    data = pl.DataFrame({"ccode": [2, 2, 2, 731], "year": [1990, 2013, 2017, 1816]})
    frame = UnitFrame(data, "state-year", "cow")
    for add in (add_alliances, add_contiguity, add_major_powers):
        frame = add(frame, source=source)  # type: ignore[operator]
    df = frame.data
    # alliance data end in 2012: later years carry the 2012 values, or are null if not carried
    us_2012 = add_alliances(
        UnitFrame(pl.DataFrame({"ccode": [2], "year": [2012]}), "state-year", "cow"),
        source=source,
    ).data["n_alliances"][0]
    assert df["n_alliances"].to_list()[1:3] == [us_2012, us_2012] and us_2012 > 0
    plain = add_alliances(UnitFrame(data, "state-year", "cow"), carry_forward=False, source=source)
    assert plain.data["n_alliances"].to_list()[1:3] == [None, None]
    assert df["n_alliances"][0] is not None and df["n_alliances"][3] == 0
    assert df["n_land"][2] is None and df["n_land"][1] is not None  # contiguity ends 2016
    assert df["major_power"].to_list()[2:] == [None, 0]
    assert df["major_power"][0] == 1


# --------------------------------------------------------------------------- invariants
STATE_ADDS = {
    "nmc": (lambda f, s: add_nmc(f, source=s), NMC_COLS),
    "alliances": (lambda f, s: add_alliances(f, source=s), ALLIANCE_COLS),
    "contiguity": (lambda f, s: add_contiguity(f, source=s), ["n_contiguous", "n_land"]),
    "majors": (lambda f, s: add_major_powers(f, source=s), ["major_power"]),
}
DYAD_ADDS = {
    "nmc": (
        lambda f, s: add_nmc(f, source=s),
        [f"{c}_{i}" for i in (1, 2) for c in NMC_COLS],
    ),
    "alliances": (lambda f, s: add_alliances(f, source=s), ALLIANCE_COLS),
    "contiguity": (lambda f, s: add_contiguity(f, source=s), ["conttype", "contiguous_land"]),
    "capital": (lambda f, s: add_distance(f, "capital", source=s), ["capdist"]),
    "minimum": (lambda f, s: add_distance(f, "minimum", source=s), ["mindist"]),
    "majors": (lambda f, s: add_major_powers(f, source=s), ["major_power_1", "major_power_2"]),
}


@settings(max_examples=15, deadline=None)
@given(
    years=st.sets(st.integers(1816, 2016), min_size=1, max_size=3),
    unit=st.sampled_from(["state-year", "dyad-year"]),
    is_directed=st.booleans(),
    keep=st.floats(0.01, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_add_functions_keep_rows_and_order(
    source: DataSource,
    years: set[int],
    unit: str,
    is_directed: bool,
    keep: float,
    seed: int,
) -> None:
    if unit == "state-year":
        base = create_stateyears(years=years, source=source)
        adds = STATE_ADDS
    else:
        base = create_dyadyears(is_directed, years=years, source=source)
        adds = DYAD_ADDS
    # A random subset of the rows, in random order (the frame need not be sorted).
    rng = np.random.default_rng(seed)
    n = max(1, round(keep * base.height))
    picked = rng.permutation(base.height)[:n]
    frame = UnitFrame(
        base.data[picked.tolist()], base.unit, base.system, base.directed, base.sources
    )
    for name, (add, cols) in adds.items():
        out = add(frame, source)
        assert out.height == frame.height, name
        assert out.data.columns == [*frame.data.columns, *cols], name
        assert out.data.select(frame.data.columns).equals(frame.data), name
        assert out.unit == frame.unit and out.directed == frame.directed
        assert len(out.sources) > len(frame.sources)


def test_full_directed_frame_with_all_variables(directed: UnitFrame, source: DataSource) -> None:
    frame = directed
    for name, (add, cols) in DYAD_ADDS.items():
        before = frame
        frame = add(frame, source)
        assert frame.height == before.height, name
        assert frame.data.columns[-len(cols) :] == cols
    df = frame.data
    assert df.select(["ccode1", "ccode2", "year"]).equals(directed.data)
    # After 2012 the alliance flags are those of 2012, carried; before they are 0/1 without
    # gaps other than blank publisher flags.
    late = df.filter(pl.col("year") > 2012)
    assert late["defense_pact"].null_count() == 0 and late.height > 0
    last = df.filter(pl.col("year") == 2012).select("ccode1", "ccode2", "defense_pact")
    both = late.join(last, on=["ccode1", "ccode2"], suffix="_2012")
    assert (both["defense_pact"] == both["defense_pact_2012"]).all() and both.height > 0
    early = df.filter(pl.col("year") <= 2012)
    assert early["defense_pact"].null_count() == 0
    assert early["n_alliances"].null_count() == 0
    # Directed frames are symmetric in the dyadic variables.
    sym = ["defense_pact", "conttype", "mindist", "capdist"]
    flipped = df.select(
        pl.col("ccode2").alias("ccode1"), pl.col("ccode1").alias("ccode2"), "year", *sym
    ).sort("ccode1", "ccode2", "year")
    assert flipped.equals(df.select("ccode1", "ccode2", "year", *sym))
