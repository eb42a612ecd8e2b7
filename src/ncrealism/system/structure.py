"""System structure per year: concentration, effective number of poles, poles, power transition.

All measures are computed from the CINC of a reference set of states (by default the COW major
powers of each year; any set of COW codes can be given), with s_i = CINC_i / Σ_{j in set} CINC_j.

* **Concentration** (Singer, Bremer & Stuckey 1972):
  ``CON = sqrt((Σ s_i² − 1/N) / (1 − 1/N))``, 0 when capabilities are equal, 1 when one state
  holds them all; undefined (null) for N = 1.
* **Herfindahl-Hirschman index** ``HHI = Σ s_i²`` and the **effective number of poles**
  ``1 / Σ s_i²`` (the "effective number" of Laakso & Taagepera 1979, *Comparative Political
  Studies* 12(1): 3-27, applied to capability shares).
* **Number of poles**, by a threshold rule (a convention of this library, documented and
  adjustable, not taken from a source): a state is a pole in year t if its share reaches
  ``threshold`` (default 0.10) of the *system's* capabilities (its CINC, ``basis="system"``) or,
  with ``basis="set"``, of the reference set's capabilities. With the defaults the major powers
  holding at least a tenth of world capabilities are counted.
* **Power transition** between two states (Organski 1958; Organski & Kugler 1980, *The War
  Ledger*): growth rates, the capability ratio, parity (the weaker holds at least 80% of
  the stronger's capabilities; Organski & Kugler 1980) and overtaking (the lead changes
  hands between consecutive years).

Frames returned (one row per year):

* :func:`concentration`: ``year`` (Int64), ``n_states`` (Int64, states of the set present),
  ``con`` (Float64, 0-1).
* :func:`effective_poles`: ``year``, ``n_states``, ``hhi`` (Float64, 1/N-1), ``effective_poles``
  (Float64, states).
* :func:`n_poles`: ``year``, ``n_states``, ``n_poles`` (Int64), ``poles`` (Utf8, the COW
  abbreviations of the poles, comma separated).
* :func:`structure`: all of the above in one frame.
* :func:`power_transition`: see its docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import DEFAULT_NMC_VERSION
from ncrealism.errors import InputError
from ncrealism.system._common import (
    Years,
    check_years,
    major_power_years,
    resolve_state,
    resolve_states,
    year_list,
)
from ncrealism.system.capabilities import NMCVersion, capabilities

__all__ = [
    "concentration",
    "concentration_index",
    "effective_poles",
    "n_poles",
    "power_transition",
    "structure",
]


def concentration_index(values: Sequence[float] | np.ndarray) -> float:
    """CON of Singer, Bremer & Stuckey (1972) for one year's capabilities.

    ``values`` are capabilities (e.g. CINC) of the N states of a set; they are turned into
    shares first. Returns ``nan`` for N < 2 or a zero total.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    total = x.sum()
    if n < 2 or total <= 0:
        return float("nan")
    s = x / total
    v = (np.sum(s * s) - 1.0 / n) / (1.0 - 1.0 / n)
    return float(np.sqrt(max(v, 0.0)))


def _set_capabilities(
    years: Years | None,
    states: Sequence[int | str] | None,
    version: NMCVersion,
    extend_to: int | None,
    source: DataSource | None,
) -> tuple[pl.DataFrame, list[int]]:
    """CINC of the reference set per year, with shares within the set (``s``)."""
    src = source or DataSource.from_env()
    caps = capabilities(version, extend_to=extend_to, source=src)
    first, last = int(caps["year"].min()), int(caps["year"].max())  # type: ignore[arg-type]
    wanted = list(range(first, last + 1)) if years is None else year_list(years)
    check_years(wanted, first, last, f"NMC v{version}")
    caps = caps.filter(pl.col("year").is_in(wanted) & pl.col("cinc").is_not_null())
    if states is None:
        majors = major_power_years(src, wanted).select("ccode", "year")
        sub = caps.join(majors, on=["ccode", "year"], how="inner")
    else:
        codes = resolve_states(states, src)
        known = set(caps["ccode"].unique().to_list())
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(
                f"COW code(s) {unknown} have no capability data in {wanted[0]}-{wanted[-1]}"
            )
        sub = caps.filter(pl.col("ccode").is_in(codes))
    sub = sub.with_columns((pl.col("cinc") / pl.col("cinc").sum().over("year")).alias("s"))
    return sub.select("ccode", "stateabb", "year", "cinc", "s"), wanted


def _per_year(sub: pl.DataFrame, wanted: list[int]) -> pl.DataFrame:
    agg = sub.group_by("year").agg(
        pl.len().cast(pl.Int64).alias("n_states"),
        (pl.col("s") ** 2).sum().alias("hhi"),
    )
    frame = pl.DataFrame({"year": wanted}, schema={"year": pl.Int64})
    return frame.join(agg, on="year", how="left").with_columns(pl.col("n_states").fill_null(0))


def concentration(
    years: Years | None = None,
    *,
    states: Sequence[int | str] | None = None,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """CON per year over the COW major powers (default) or ``states`` (Singer et al. 1972).

    Columns: ``year`` (Int64), ``n_states`` (Int64), ``con`` (Float64, 0-1; null if N < 2).
    """
    sub, wanted = _set_capabilities(years, states, version, extend_to, source)
    per = _per_year(sub, wanted)
    return per.select(
        "year",
        "n_states",
        pl.when(pl.col("n_states") >= 2)
        .then(
            ((pl.col("hhi") - 1.0 / pl.col("n_states")) / (1.0 - 1.0 / pl.col("n_states")))
            .clip(lower_bound=0.0)
            .sqrt()
        )
        .otherwise(None)
        .alias("con"),
    ).sort("year")


def effective_poles(
    years: Years | None = None,
    *,
    states: Sequence[int | str] | None = None,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Effective number of poles 1/Σs² per year (Laakso & Taagepera 1979 applied to CINC).

    Columns: ``year`` (Int64), ``n_states`` (Int64), ``hhi`` (Float64), ``effective_poles``
    (Float64, between 1 and ``n_states``).
    """
    sub, wanted = _set_capabilities(years, states, version, extend_to, source)
    per = _per_year(sub, wanted)
    return per.select(
        "year", "n_states", "hhi", (1.0 / pl.col("hhi")).alias("effective_poles")
    ).sort("year")


def n_poles(
    years: Years | None = None,
    *,
    states: Sequence[int | str] | None = None,
    threshold: float = 0.10,
    basis: Literal["system", "set"] = "system",
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Number of poles per year by the threshold rule in the module docstring.

    A member of the reference set (major powers by default) is a pole when its CINC
    (``basis="system"``) or its share of the set (``basis="set"``) is at least ``threshold``.
    Columns: ``year`` (Int64), ``n_states`` (Int64), ``n_poles`` (Int64), ``poles`` (Utf8).
    """
    if not 0 < threshold <= 1:
        raise InputError(f"threshold must be in (0, 1], got {threshold}")
    if basis not in ("system", "set"):
        raise InputError(f"basis must be 'system' or 'set', got '{basis}'")
    sub, wanted = _set_capabilities(years, states, version, extend_to, source)
    col = "cinc" if basis == "system" else "s"
    agg = (
        sub.sort(["year", col], descending=[False, True])
        .group_by("year", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("n_states"),
            (pl.col(col) >= threshold).sum().cast(pl.Int64).alias("n_poles"),
            pl.col("stateabb").filter(pl.col(col) >= threshold).str.join(",").alias("poles"),
        )
    )
    frame = pl.DataFrame({"year": wanted}, schema={"year": pl.Int64})
    return (
        frame.join(agg, on="year", how="left")
        .with_columns(pl.col("n_states").fill_null(0), pl.col("n_poles").fill_null(0))
        .sort("year")
    )


def structure(
    years: Years | None = None,
    *,
    states: Sequence[int | str] | None = None,
    threshold: float = 0.10,
    basis: Literal["system", "set"] = "system",
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """CON, HHI, effective poles and number of poles per year in one frame.

    Columns: ``year``, ``n_states``, ``con``, ``hhi``, ``effective_poles``, ``n_poles``,
    ``poles`` (see the module docstring for dtypes and sources).
    """
    src = source or DataSource.from_env()
    kw = {"states": states, "version": version, "extend_to": extend_to, "source": src}
    con = concentration(years, **kw)  # type: ignore[arg-type]
    eff = effective_poles(years, **kw)  # type: ignore[arg-type]
    pol = n_poles(years, threshold=threshold, basis=basis, **kw)  # type: ignore[arg-type]
    return (
        con.join(eff.drop("n_states"), on="year").join(pol.drop("n_states"), on="year").sort("year")
    )


def power_transition(
    a: int | str,
    b: int | str,
    years: Years | None = None,
    *,
    window: int = 10,
    parity: float = 0.8,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Power-transition indicators between states ``a`` and ``b`` (Organski & Kugler 1980).

    One row per year in which both are in the system:

    ===============  ========  =========================================================
    column           dtype     meaning (unit)
    ===============  ========  =========================================================
    year             Int64     calendar year
    ccode_a, ccode_b Int64     COW codes
    cinc_a, cinc_b   Float64   CINC (share of system capabilities, 0-1)
    growth_a/_b      Float64   change of CINC on the previous year (percent)
    cagr_a/_b        Float64   compound annual growth of CINC over ``window`` years (%/yr)
    ratio            Float64   cinc_a / cinc_b
    parity_ratio     Float64   weaker / stronger (0-1)
    at_parity        Boolean   parity_ratio >= ``parity`` (0.8: Organski & Kugler 1980)
    leader           Int64     COW code of the stronger state
    overtaking       Boolean   the leader differs from the previous year's
    ===============  ========  =========================================================
    """
    if window < 1:
        raise InputError(f"window must be at least 1 year, got {window}")
    if not 0 < parity <= 1:
        raise InputError(f"parity must be in (0, 1], got {parity}")
    src = source or DataSource.from_env()
    ca, cb = resolve_state(a, src), resolve_state(b, src)
    if ca == cb:
        raise InputError(f"power_transition needs two different states, got {ca} twice")
    caps = capabilities(version, extend_to=extend_to, source=src)
    first, last = int(caps["year"].min()), int(caps["year"].max())  # type: ignore[arg-type]
    wanted = list(range(first, last + 1)) if years is None else year_list(years)
    check_years(wanted, first, last, f"NMC v{version}")
    for c in (ca, cb):
        if caps.filter(pl.col("ccode") == c).height == 0:
            raise InputError(f"unknown COW code {c}: not in NMC v{version}")

    def series(c: int, tag: str) -> pl.DataFrame:
        s = caps.filter(pl.col("ccode") == c).select("year", pl.col("cinc").alias(f"cinc_{tag}"))
        full = pl.DataFrame({"year": range(first, last + 1)}, schema={"year": pl.Int64})
        s = full.join(s, on="year", how="left").sort("year")
        x = pl.col(f"cinc_{tag}")
        return s.with_columns(
            (100.0 * (x / x.shift(1) - 1.0)).alias(f"growth_{tag}"),
            (100.0 * ((x / x.shift(window)) ** (1.0 / window) - 1.0)).alias(f"cagr_{tag}"),
        )

    sa, sb = series(ca, "a"), series(cb, "b")
    df = (
        sa.join(sb, on="year")
        .filter(pl.col("cinc_a").is_not_null() & pl.col("cinc_b").is_not_null())
        .with_columns(
            pl.lit(ca, dtype=pl.Int64).alias("ccode_a"),
            pl.lit(cb, dtype=pl.Int64).alias("ccode_b"),
            (pl.col("cinc_a") / pl.col("cinc_b")).alias("ratio"),
            (pl.min_horizontal("cinc_a", "cinc_b") / pl.max_horizontal("cinc_a", "cinc_b")).alias(
                "parity_ratio"
            ),
            pl.when(pl.col("cinc_a") >= pl.col("cinc_b"))
            .then(pl.lit(ca))
            .otherwise(pl.lit(cb))
            .cast(pl.Int64)
            .alias("leader"),
        )
        .sort("year")
    )
    df = df.with_columns(
        (pl.col("parity_ratio") >= parity).alias("at_parity"),
        (
            (pl.col("leader") != pl.col("leader").shift(1))
            & (pl.col("year") == pl.col("year").shift(1) + 1)
        )
        .fill_null(False)
        .alias("overtaking"),
    )
    df = df.filter(pl.col("year").is_in(wanted))
    if df.height == 0:
        raise InputError(
            f"states {ca} and {cb} are never both in the system in {wanted[0]}-{wanted[-1]}"
        )
    return df.select(
        "year",
        "ccode_a",
        "ccode_b",
        "cinc_a",
        "cinc_b",
        "growth_a",
        "growth_b",
        "cagr_a",
        "cagr_b",
        "ratio",
        "parity_ratio",
        "at_parity",
        "leader",
        "overtaking",
    )
