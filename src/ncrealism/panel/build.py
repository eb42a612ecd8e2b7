"""The state-year panel: every state in the COW system, every year, outcomes and predictors.

:func:`build_panel_frame` builds one row per COW state-year ``(ccode, year)`` from 1817 to
``last_year`` (default 2012, the last year in which all three outcomes are observed: the COW
alliance data end in 2012). Outcomes of year ``t`` are those of :mod:`ncrealism.panel.outcomes`;
every predictor of year ``t`` is measured in ``t − 1`` (``d_`` columns: changes up to ``t − 1``),
so a forecast of year ``t`` uses only what was known before ``t`` began. Nothing is fitted here.

Structural predictors (the system layer; :data:`STRUCTURAL`):

==================  =========================================================================
column              meaning (all in ``t − 1``)
==================  =========================================================================
log_threat          ln(total threat from non-allied states + 1e-4); Walt's index summed over
                    sources (:func:`ncrealism.system.threat.threat_columns`), CINC units
d_log_threat        change of ``log_threat`` from ``t − 2``
log_ally_support    ln(allies' distance-discounted power + 1e-4) (the index's ``support``)
relative_power      CINC_i / (CINC_i + CINC of the largest source of threat), 0-1
major_power         COW major power (0/1)
nuclear_status      own nuclear status / 3 (Bleek 2017 stages; 0-1)
n_poles             poles of the system (:func:`ncrealism.system.structure.n_poles`)
d_n_poles           change of ``n_poles`` over the previous five years
con                 concentration of major-power capabilities (Singer et al. 1972), 0-1
==================  =========================================================================

Intervening variables the data measure (neoclassical realism adds them; :data:`INTERVENING`):

==================  =========================================================================
polity2             Polity5 ``polity2`` / 10 (Marshall & Gurr 2020), −1 (autocracy) to 1
d_polity2           change of ``polity2``/10 over the previous three years
regime_transition   1 if ``polity2`` moved by 3 or more points in a year of ``t − 3``…``t − 1``
                    or Polity coded an interruption, interregnum or transition (-66/-77/-88):
                    the Polity5 manual's threshold for a regime change (Marshall & Gurr 2020,
                    ``regtrans``)
polyarchy           V-Dem electoral democracy index (Coppedge et al.), 0-1
gdp_growth          growth of Maddison GDP per head (Bolt & van Zanden 2020), log points
economic_shock      1 if ``gdp_growth`` ≤ −0.05 (a fall of 5% or more)
extraction          ln(military personnel / population): the military participation ratio
                    (Andreski 1968, *Military Organization and Society*), a measure of the
                    state's capacity to extract resources from society (Christensen 1996;
                    Ripsman, Taliaferro & Lobell 2016, ch. 3)
unga_distance       UNGA ideal-point distance to the largest source of threat, scaled 0-1 as
                    in the threat index (Bailey, Strezhnev & Voeten 2017); from 1946
==================  =========================================================================

Leadership transitions are not coded in the registry's data (no Archigos); the regime
transition above is the closest measured variable.

Other columns: ``ccode`` (Int64), ``stateabb`` (Utf8), ``year`` (Int64), ``region`` (Utf8, by
COW code range: Americas 2-165, Europe 200-399, Africa 400-626, Middle East 630-698, Asia and
Oceania 700-990), ``military`` (Float64, share of system military capability in ``t``),
``military_growth``, ``military_trend``, ``internal_balancing``, ``external_balancing``,
``nuclear_step``, ``outcome``, ``n_outcomes`` (see :mod:`ncrealism.panel.outcomes`),
``top_source`` (Int64, COW code of the largest source of threat in ``t − 1``). Predictors are
Float64 and null where the source has no value (models impute; :mod:`ncrealism.panel.models`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.panel.outcomes import classify, external_balancing, military_surge, nuclear_steps
from ncrealism.system.capabilities import NMCVersion

__all__ = ["INTERVENING", "STRUCTURAL", "PanelFrame", "build_panel_frame", "region_of"]

STRUCTURAL: tuple[str, ...] = (
    "log_threat",
    "d_log_threat",
    "log_ally_support",
    "relative_power",
    "major_power",
    "nuclear_status",
    "n_poles",
    "d_n_poles",
    "con",
)
INTERVENING: tuple[str, ...] = (
    "polity2",
    "d_polity2",
    "regime_transition",
    "polyarchy",
    "gdp_growth",
    "economic_shock",
    "extraction",
    "unga_distance",
)

_FLOOR = 1e-4
_REGIONS = (
    (2, 165, "Americas"),
    (200, 399, "Europe"),
    (400, 626, "Africa"),
    (630, 698, "Middle East"),
    (700, 990, "Asia and Oceania"),
)


def region_of(ccode: pl.Expr) -> pl.Expr:
    """The COW region of a code, by the COW code ranges (module docstring)."""
    expr = pl.lit("Other")
    for lo, hi, name in reversed(_REGIONS):
        expr = pl.when(ccode.is_between(lo, hi)).then(pl.lit(name)).otherwise(expr)
    return expr


@dataclass(frozen=True, eq=False)
class PanelFrame:
    """The panel (``data``, columns in the module docstring) and the datasets it was read from."""

    data: pl.DataFrame
    sources: tuple[str, ...]
    version: str
    last_year: int


def _system_arrays(
    version: NMCVersion, src: DataSource, first: int, last: int
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """State-year aggregates of the threat index and the alliance outcome, from the panel.

    Dyadic measures are computed for ``first − 3`` to ``last`` only (the lags the panel needs);
    state-level ones for every year."""
    from ncrealism.system._panel import FLAG_BITS, build_panel
    from ncrealism.system.threat import ThreatParams, threat_columns, threat_inputs

    params = ThreatParams()
    panel = build_panel(version, carry_forward=True, source=src)
    inputs = threat_inputs(panel, src)
    lo = max(0, first - 3 - int(panel.years[0]))
    hi = min(int(panel.years.size) - 1, last - int(panel.years[0]))
    blocks = panel.blocks(np.arange(lo, hi + 1, dtype=np.int64), directed=True)
    cols = threat_columns(blocks, inputs, params, keys=False)
    nt, nk = panel.present.shape
    total = np.full((nt, nk), np.nan)
    support = np.full((nt, nk), np.nan)
    top = np.full((nt, nk), -1, dtype=np.int64)
    udist = np.full((nt, nk), np.nan)
    external = np.zeros((nt, nk), dtype=bool)
    ally_bits = np.uint8(sum(FLAG_BITS[t] for t in params.ally_types))
    threat = np.asarray(cols["threat"], dtype=np.float64)
    allied_rows = np.asarray(cols["allied"], dtype=bool)
    sup = np.asarray(cols["support"], dtype=np.float64)
    ud = np.asarray(cols["unga_distance"], dtype=np.float64)
    prev: tuple[np.ndarray, np.ndarray, np.ndarray, int] | None = None
    for blk in blocks:
        t, idx, a, b, rows = blk.t, blk.idx, blk.a, blk.b, blk.rows
        th = np.full((nk, nk), np.nan)
        th[idx[a], idx[b]] = threat[rows]
        um = np.full((nk, nk), np.nan)
        um[idx[a], idx[b]] = ud[rows]
        non_allied = ~allied_rows[rows]
        tv = threat[rows]
        ok = non_allied & np.isfinite(tv)
        total[t, idx] = np.bincount(a[ok], weights=tv[ok], minlength=idx.size)
        sv = sup[rows]
        support[t, idx] = np.bincount(a, weights=np.nan_to_num(sv), minlength=idx.size)
        allied_now = (panel.flags[t] & ally_bits) > 0
        present = panel.present[t]
        if prev is not None and prev[3] == t - 1:
            ext, _ = external_balancing(prev[0], allied_now, prev[1], prev[2])
            external[t] = ext & present
        allied_self = allied_now.copy()
        score = np.where(~allied_self & np.isfinite(th), th, -np.inf)
        has = np.isfinite(score).any(axis=1)
        best = np.argmax(score, axis=1)
        top[t] = np.where(has & present, best, -1)
        udist[t] = np.where(has, um[np.arange(nk), best], np.nan)
        prev = (allied_now, th, present, t)
    keep = np.argwhere(panel.present)
    ti, ki = keep[:, 0], keep[:, 1]
    top_pos = top[ti, ki]
    cinc = panel.cinc
    top_cinc = np.where(top_pos >= 0, cinc[ti, np.maximum(top_pos, 0)], np.nan)
    own = cinc[ti, ki]
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = own / (own + top_cinc)
    state = pl.DataFrame(
        {
            "ccode": panel.codes[ki],
            "stateabb": [panel.abbs[k] for k in ki],
            "year": panel.years[ti],
            "cinc": own,
            "military": inputs.military[ti, ki],
            "milper": panel.milper[ti, ki],
            "total_threat": total[ti, ki],
            "ally_support": support[ti, ki],
            "top_source": np.where(top_pos >= 0, panel.codes[np.maximum(top_pos, 0)], -1),
            "relative_power": rel,
            "unga_distance": udist[ti, ki],
            "external_balancing": external[ti, ki].astype(np.int8),
        },
        schema_overrides={"ccode": pl.Int64, "year": pl.Int64, "top_source": pl.Int64},
        nan_to_null=True,
    ).with_columns(
        pl.when(pl.col("top_source") < 0)
        .then(None)
        .otherwise(pl.col("top_source"))
        .alias("top_source")
    )
    return state, (*panel.sources, *inputs.sources)


def build_panel_frame(
    *,
    version: NMCVersion = "7.0",
    first_year: int = 1817,
    last_year: int = 2012,
    source: DataSource | None = None,
) -> PanelFrame:
    """Build the state-year panel (module docstring) from the data registry.

    ``version``: NMC version of the capability data (the printed label names it);
    ``first_year``/``last_year``: outcome years kept (1817-2012 at most: outcomes need the
    previous year, and external balancing is unknown after 2012). Memoised on ``source``.
    """
    from ncrealism.data.alliances import ALLIANCE_LAST_YEAR

    if not 1817 <= first_year <= last_year <= ALLIANCE_LAST_YEAR:
        raise InputError(
            f"panel years {first_year}-{last_year}: choose 1817 <= first <= last <= "
            f"{ALLIANCE_LAST_YEAR} (the alliance data end in {ALLIANCE_LAST_YEAR})"
        )
    src = source or DataSource.from_env()
    return src.memo(
        ("panel_frame", version, first_year, last_year),
        lambda: _build(version, first_year, last_year, src),
    )


def _lag(df: pl.DataFrame, cols: list[str], k: int = 1, suffix: str = "_lag") -> list[pl.Expr]:
    """Value of ``cols`` k years earlier in the same state (null if that year is absent)."""
    ok = pl.col("year").shift(k).over("ccode") == pl.col("year") - k
    return [
        pl.when(ok).then(pl.col(c).shift(k).over("ccode")).otherwise(None).alias(f"{c}{suffix}{k}")
        for c in cols
    ]


def _build(version: NMCVersion, first: int, last: int, src: DataSource) -> PanelFrame:
    from ncrealism.data.economy import load_maddison
    from ncrealism.data.nuclear import load_nuclear_status
    from ncrealism.data.regime import load_polity, load_vdem
    from ncrealism.system._common import major_power_years
    from ncrealism.system._panel import load_table
    from ncrealism.system.capabilities import capabilities
    from ncrealism.system.structure import structure

    state, sources = _system_arrays(version, src, first, last)
    caps = capabilities(version, source=src).select("ccode", "year", "tpop")
    nuc = load_table("nuclear_status", src, lambda: load_nuclear_status(source=src))
    nuc_first = int(nuc["year"].min())  # type: ignore[arg-type]
    nuc_last = int(nuc["year"].max())  # type: ignore[arg-type]
    polity = load_polity(source=src).select("ccode", "year", "polity2", "polity_special")
    polity = polity.unique(["ccode", "year"], keep="first", maintain_order=True)
    vdem = load_vdem(source=src).select("ccode", "year", pl.col("v2x_polyarchy").alias("polyarchy"))
    vdem = vdem.unique(["ccode", "year"], keep="first", maintain_order=True)
    madd = load_maddison(source=src).select("ccode", "year", "gdppc")
    madd = madd.unique(["ccode", "year"], keep="first", maintain_order=True)
    majors = major_power_years(src).select("ccode", "year", pl.lit(1.0).alias("major_power"))
    struct = structure(version=version, source=src).select(
        "year", pl.col("n_poles").cast(pl.Float64), "con"
    )
    df = (
        state.join(caps, on=["ccode", "year"], how="left")
        .join(nuc.select("ccode", "year", "nuclear_status"), on=["ccode", "year"], how="left")
        .join(polity, on=["ccode", "year"], how="left")
        .join(vdem, on=["ccode", "year"], how="left")
        .join(madd, on=["ccode", "year"], how="left")
        .join(majors, on=["ccode", "year"], how="left")
        .join(struct, on="year", how="left")
        .with_columns(
            pl.when(pl.col("year") < nuc_first)
            .then(0)
            .when(pl.col("year") > nuc_last)
            .then(None)
            .otherwise(pl.col("nuclear_status").fill_null(0))
            .alias("nuclear_status"),
            pl.col("major_power").fill_null(0.0),
        )
        .sort("ccode", "year")
    )
    df = military_surge(df)
    df = nuclear_steps(df)
    df = classify(df)
    # Raw values of year t, to be lagged.
    special = pl.col("polity_special").is_not_null()
    df = df.with_columns(
        (pl.col("total_threat") + _FLOOR).log().alias("log_threat"),
        (pl.col("ally_support").fill_null(0.0) + _FLOOR).log().alias("log_ally_support"),
        (pl.col("nuclear_status").cast(pl.Float64) / 3.0).alias("nuclear_status_scaled"),
        (pl.col("polity2").cast(pl.Float64) / 10.0).alias("polity2_scaled"),
        pl.when(pl.col("milper") > 0)
        .then((pl.col("milper") / pl.col("tpop")).log())
        .otherwise(None)
        .alias("extraction"),
        special.cast(pl.Float64).alias("__special"),
    )
    df = df.with_columns(
        *_lag(df, ["log_threat", "polity2_scaled", "n_poles", "gdppc"]),
        *_lag(df, ["polity2_scaled", "n_poles"], 3),
        *_lag(df, ["n_poles"], 5),
    )
    df = df.with_columns(
        (pl.col("log_threat") - pl.col("log_threat_lag1")).alias("d_log_threat"),
        (pl.col("polity2_scaled") - pl.col("polity2_scaled_lag3")).alias("d_polity2"),
        (pl.col("n_poles") - pl.col("n_poles_lag5")).alias("d_n_poles"),
        pl.when((pl.col("gdppc") > 0) & (pl.col("gdppc_lag1") > 0))
        .then(pl.col("gdppc").log() - pl.col("gdppc_lag1").log())
        .otherwise(None)
        .alias("gdp_growth"),
        (pl.col("polity2_scaled") - pl.col("polity2_scaled_lag1")).abs().alias("__jump"),
    ).with_columns(
        pl.max_horizontal(
            (pl.col("__jump") >= 0.3).cast(pl.Float64).fill_null(0.0), pl.col("__special")
        ).alias("__trans")
    )
    df = df.with_columns(*_lag(df, ["__trans"], 1, "_l"), *_lag(df, ["__trans"], 2, "_l"))
    df = df.with_columns(
        pl.max_horizontal("__trans", "__trans_l1", "__trans_l2").alias("regime_transition")
    )
    df = df.with_columns(
        pl.when(pl.col("gdp_growth").is_null())
        .then(None)
        .otherwise((pl.col("gdp_growth") <= -0.05).cast(pl.Float64))
        .alias("economic_shock")
    )
    raw = {
        "log_threat": "log_threat",
        "d_log_threat": "d_log_threat",
        "log_ally_support": "log_ally_support",
        "relative_power": "relative_power",
        "major_power": "major_power",
        "nuclear_status": "nuclear_status_scaled",
        "n_poles": "n_poles",
        "d_n_poles": "d_n_poles",
        "con": "con",
        "polity2": "polity2_scaled",
        "d_polity2": "d_polity2",
        "regime_transition": "regime_transition",
        "polyarchy": "polyarchy",
        "gdp_growth": "gdp_growth",
        "economic_shock": "economic_shock",
        "extraction": "extraction",
        "unga_distance": "unga_distance",
        "top_source": "top_source",
    }
    prev_ok = pl.col("year").shift(1).over("ccode") == pl.col("year") - 1
    lagged = [
        pl.when(prev_ok).then(pl.col(src_col).shift(1).over("ccode")).otherwise(None).alias(name)
        for name, src_col in raw.items()
    ]
    out = (
        df.select(
            "ccode",
            "stateabb",
            "year",
            "military",
            "military_growth",
            "military_trend",
            "internal_balancing",
            "external_balancing",
            "nuclear_step",
            "outcome",
            "n_outcomes",
            *lagged,
        )
        .with_columns(
            region_of(pl.col("ccode")).alias("region"),
            *(pl.col(c).cast(pl.Float64) for c in (*STRUCTURAL, *INTERVENING)),
        )
        .filter(pl.col("year").is_between(first, last) & prev_ok)
        .select(
            "ccode",
            "stateabb",
            "year",
            "region",
            "military",
            "military_growth",
            "military_trend",
            "internal_balancing",
            "external_balancing",
            "nuclear_step",
            "outcome",
            "n_outcomes",
            "top_source",
            *STRUCTURAL,
            *INTERVENING,
        )
        .sort("year", "ccode")
    )
    labels = [
        f"{name} {src.resolve(name).version}"
        for name in ("polity5", "vdem", "maddison", "cow_majors")
    ]
    return PanelFrame(
        data=out,
        sources=tuple(dict.fromkeys((*sources, *labels))),
        version=version,
        last_year=last,
    )
