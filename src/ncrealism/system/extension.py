"""Extending the six NMC components past NMC's last year, with documented splicing rules.

NMC v6.0 ends in 2016 and v7.0 in 2022. :func:`extend_components` carries every state present
in the last NMC year T forward to ``extend_to`` by **chain-linked growth rates**: for each
component c, state i and year t > T,

    x_c,i,t = x_c,i,t−1 · g_c,i,t,      g = I_t / I_{t−1}

where I is the first series in the component's list below that has positive values for the
state in both t − 1 and t. Anchoring on NMC's own last value keeps COW's level and definitions
(a ratio splice: only growth comes from the other source). When no series covers a year the
value is carried forward unchanged (g = 1) and the year is marked ``carried`` for that
component. A state with no NMC value in T stays missing (nothing is invented).

=========  ===============================================================================
component  growth series, in order of preference
=========  ===============================================================================
milex      SIPRI military expenditure in **current** US$ (``current_usd`` sheet). NMC's
           ``milex`` is in thousands of current US$ from 1914, so only a current-dollar
           series is used: a constant-dollar series would strip inflation out of a
           nominal series.
milper     none in the registered data: carried forward.
irst, pec  real GDP (Maddison Project 2020, GDP in 2011 international $, to 2018); then
           World Bank GDP in current US$ deflated to constant prices and exchange rates with
           the state's SIPRI price factor P_t = milex_current_t / milex_constant2022_t (SIPRI
           converts local-currency spending at 2022 exchange rates after deflating by the
           local CPI, so GDP_current / P is GDP at constant 2022 prices and exchange rates).
           Iron and steel and energy have no open annual source here; real output growth is
           the proxy, an assumption flagged in ``extension``.
tpop       World Bank total population (persons); then Maddison population.
upop       the state's tpop growth (constant urban share; a flagged proxy).
=========  ===============================================================================

The ``extension`` column of each extended row reads, e.g.,
``milex=sipri_current;milper=carried;irst=maddison_gdp;pec=maddison_gdp;tpop=wb_population;
upop=tpop``: the series that gave that year's growth for each component.

Sources: SIPRI Military Expenditure Database 2024; World Bank WDI (SP.POP.TOTL,
NY.GDP.MKTP.CD); Bolt & van Zanden (2020), Maddison Project Database 2020.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import NMC_COMPONENTS
from ncrealism.errors import InputError

__all__ = ["EXTENSION_RULES", "extend_components", "growth_series"]

#: Growth series per component, in order of preference (names as in ``growth_series``);
#: "tpop" means the state's extended total population.
EXTENSION_RULES: dict[str, tuple[str, ...]] = {
    "milex": ("sipri_current",),
    "milper": (),
    "irst": ("maddison_gdp", "wb_gdp_deflated"),
    "pec": ("maddison_gdp", "wb_gdp_deflated"),
    "tpop": ("wb_population", "maddison_pop"),
    "upop": ("tpop",),
}


def _cached(
    key: str, dataset: str, source: DataSource, load: Callable[[], pl.DataFrame]
) -> pl.DataFrame:
    """A table derived from ``dataset``, read once per data source."""
    return source.memo(("extension", key, dataset), load)


def _sipri(measure: str, source: DataSource) -> pl.DataFrame:
    from ncrealism.data.milex import load_sipri_milex

    return _cached(
        f"sipri_{measure}",
        "sipri_milex",
        source,
        lambda: load_sipri_milex(measure, source=source).select(  # type: ignore[arg-type]
            "ccode", "year", pl.col("value").alias("v")
        ),
    )


def _wb_gdp_deflated(source: DataSource) -> pl.DataFrame:
    from ncrealism.data.economy import load_wb_gdp

    cur = _sipri("current_usd", source).rename({"v": "cur"})
    con = _sipri("constant_2022_usd", source).rename({"v": "con"})
    gdp = _cached(
        "wb_gdp",
        "wb_gdp",
        source,
        lambda: load_wb_gdp(source=source).select("ccode", "year", "gdp_current_usd"),
    )
    return (
        gdp.join(cur, on=["ccode", "year"], how="inner")
        .join(con, on=["ccode", "year"], how="inner")
        .filter((pl.col("cur") > 0) & (pl.col("con") > 0))
        .select(
            "ccode",
            "year",
            (pl.col("gdp_current_usd") * pl.col("con") / pl.col("cur")).alias("v"),
        )
    )


def _maddison(col: str, source: DataSource) -> pl.DataFrame:
    from ncrealism.data.economy import load_maddison

    table = _cached("maddison", "maddison", source, lambda: load_maddison(source=source))
    return table.select("ccode", "year", pl.col(col).alias("v"))


def _wb_population(source: DataSource) -> pl.DataFrame:
    from ncrealism.data.economy import load_wb_population

    return _cached(
        "wb_population",
        "wb_population",
        source,
        lambda: load_wb_population(source=source).select(
            "ccode", "year", pl.col("population").alias("v")
        ),
    )


_SERIES: dict[str, Callable[[DataSource], pl.DataFrame]] = {
    "sipri_current": lambda s: _sipri("current_usd", s),
    "maddison_gdp": lambda s: _maddison("gdp", s),
    "wb_gdp_deflated": _wb_gdp_deflated,
    "wb_population": _wb_population,
    "maddison_pop": lambda s: _maddison("pop", s),
}


def growth_series(name: str, source: DataSource) -> pl.DataFrame:
    """Year-on-year growth factors of series ``name``: ``ccode``, ``year`` (Int64), ``g``
    (Float64, I_t / I_{t−1}; only for consecutive years with positive values)."""
    if name not in _SERIES:
        raise InputError(f"unknown growth series '{name}'; choose from {sorted(_SERIES)}")
    df = _SERIES[name](source).drop_nulls("v").filter(pl.col("v") > 0).sort("ccode", "year")
    return (
        df.with_columns(
            (pl.col("v") / pl.col("v").shift(1).over("ccode")).alias("g"),
            (pl.col("year") - pl.col("year").shift(1).over("ccode")).alias("dy"),
        )
        .filter(pl.col("dy") == 1)
        .select("ccode", "year", "g")
    )


def extend_components(base: pl.DataFrame, *, extend_to: int, source: DataSource) -> pl.DataFrame:
    """Rows for the years after ``base``'s last year up to ``extend_to`` (rules above).

    ``base`` is a capability frame (``ccode``, ``stateabb``, ``year`` and the six components).
    Returns ``ccode``, ``stateabb``, ``year``, the six components (Float64, NMC units) and
    ``extension`` (Utf8): the series behind each component's growth that year.
    """
    last = int(base["year"].max())  # type: ignore[arg-type]
    if extend_to <= last:
        raise InputError(f"extend_to={extend_to} must be after the last data year {last}")
    anchor = base.filter(pl.col("year") == last).select("ccode", "stateabb", *NMC_COMPONENTS)
    years = pl.DataFrame({"year": range(last + 1, extend_to + 1)}, schema={"year": pl.Int64})
    grid = anchor.select("ccode").join(years, how="cross")
    cache: dict[str, pl.DataFrame] = {}
    growth: dict[str, pl.DataFrame] = {}
    for comp in ("milex", "milper", "irst", "pec", "tpop", "upop"):
        chain = EXTENSION_RULES[comp]
        g = grid.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("g"), pl.lit(None, dtype=pl.Utf8).alias("src")
        )
        for name in chain:
            if name == "tpop":
                other = growth["tpop"].select("ccode", "year", pl.col("g").alias("g_new"))
            else:
                if name not in cache:
                    cache[name] = growth_series(name, source)
                other = cache[name].rename({"g": "g_new"})
            g = (
                g.join(other, on=["ccode", "year"], how="left")
                .with_columns(
                    pl.when(pl.col("g").is_null() & pl.col("g_new").is_not_null())
                    .then(pl.lit(name))
                    .otherwise(pl.col("src"))
                    .alias("src"),
                    pl.coalesce("g", "g_new").alias("g"),
                )
                .drop("g_new")
            )
        g = g.with_columns(
            pl.col("g").fill_null(1.0),
            pl.col("src").fill_null("carried"),
        )
        growth[comp] = g
    out = grid
    for comp, g in growth.items():
        level = (
            g.sort("ccode", "year")
            .with_columns(pl.col("g").cum_prod().over("ccode").alias("cum"))
            .join(anchor.select("ccode", pl.col(comp).alias("x_T")), on="ccode", how="left")
            .select(
                "ccode",
                "year",
                (pl.col("x_T") * pl.col("cum")).alias(comp),
                pl.format("{}={}", pl.lit(comp), pl.col("src")).alias(f"_src_{comp}"),
            )
        )
        out = out.join(level, on=["ccode", "year"], how="left")
    src_cols = [f"_src_{c}" for c in growth]
    out = out.with_columns(pl.concat_str(src_cols, separator=";").alias("extension")).drop(src_cols)
    return (
        out.join(anchor.select("ccode", "stateabb"), on="ccode", how="left")
        .select("ccode", "stateabb", "year", *NMC_COMPONENTS, "extension")
        .sort("year", "ccode")
    )
