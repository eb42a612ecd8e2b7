"""National capabilities: CINC recomputed from its six components, and capability shares.

The Composite Index of National Capability (Singer, Bremer & Stuckey 1972; Singer
1987) of state i in year t is the mean, over the six NMC components k (military expenditure,
military personnel, iron and steel production, primary energy consumption, total population,
urban population), of i's share of the system total of k:

    CINC_it = (1 / K_it) · Σ_k  x_kit / Σ_j x_kjt

where the system total Σ_j runs over every state with a reported value of k that year, and K_it
is the number of components reported for i (COW averages over the components that are present;
a missing value is neither a zero nor imputed). With v6.0 this reproduces COW's published
``cinc`` column in every one of the 15,951 state-years to within 2.5e-8 (the published values
are rounded to nine decimals); see :func:`cinc_reproduction` and ``docs/system.md``.

Frames returned here
--------------------

:func:`recompute_cinc` adds to its input:

================  ========  ================================================================
column            dtype     meaning (unit)
================  ========  ================================================================
<k>_share         Float64   share of the system total of component k in that year (0-1),
                            null if the state's value is missing
n_components      Int64     number of components reported (0-6)
cinc_recomputed   Float64   mean of the component shares (0-1); null if no component
================  ========  ================================================================

:func:`capabilities` (one row per state-year):

================  ========  ================================================================
column            dtype     meaning (unit)
================  ========  ================================================================
ccode             Int64     COW state code
stateabb          Utf8      COW abbreviation
year              Int64     calendar year
milex             Float64   military expenditure (thousands of current US$; GBP before 1914)
milper            Float64   military personnel (thousands)
irst              Float64   iron and steel production (thousands of tons)
pec               Float64   primary energy consumption (thousands of coal-ton equivalents)
tpop              Float64   total population (thousands)
upop              Float64   urban population (thousands)
cinc              Float64   CINC recomputed from the components (share of the system, 0-1)
cinc_published    Float64   COW's published CINC (null in extended years)
n_components      Int64     components present (0-6)
extended          Boolean   True for years past NMC's last year (see ``extension``)
extension         Utf8      for extended rows, the source of each component (else null)
================  ========  ================================================================

:func:`shares`: ``ccode`` (Int64), ``stateabb`` (Utf8), ``year`` (Int64), ``cinc`` (Float64,
share of the whole system), ``capability_share`` (Float64, share of the summed CINC of the
requested states present that year, 0-1; sums to 1 within each year), ``extended`` (Boolean).

Sources: Singer, J. David, Stuart Bremer & John Stuckey (1972), "Capability Distribution,
Uncertainty, and Major Power War, 1820-1965", in B. Russett (ed.), *Peace, War, and Numbers*;
Singer (1987), *International Interactions* 14: 115-132; COW NMC codebook v6.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import (
    DEFAULT_NMC_VERSION,
    NMC_COMPONENTS,
    NMC_DATASET,
    NMCVersion,
    load_nmc,
)
from ncrealism.errors import InputError
from ncrealism.system._common import (
    Years,
    check_years,
    cow_codes,
    resolve_states,
    year_list,
)

__all__ = [
    "DEFAULT_NMC_VERSION",
    "NMC_COMPONENTS",
    "CincReproduction",
    "NMCVersion",
    "capabilities",
    "cinc_reproduction",
    "recompute_cinc",
    "shares",
]

_NMC_KEY = NMC_DATASET


def recompute_cinc(nmc: pl.DataFrame) -> pl.DataFrame:
    """Add each component's system share, the component count and the recomputed CINC.

    ``nmc`` must hold ``ccode``, ``year`` and the six components (any other columns are kept),
    one row per state-year, and should hold the whole system for each year: shares are taken of
    the totals over the rows present. Implements Singer, Bremer & Stuckey (1972) as
    COW computes it: the mean of the shares of the components that are present. The added
    columns are documented in the module docstring. Row order is preserved.

    Raises :class:`InputError` for a missing column, a repeated state-year or a negative value.
    """
    missing = [c for c in ("ccode", "year", *NMC_COMPONENTS) if c not in nmc.columns]
    if missing:
        raise InputError(f"recompute_cinc: columns {missing} are missing (have {nmc.columns})")
    dup = nmc.select(pl.struct("ccode", "year").is_duplicated().alias("d"))["d"]
    if dup.any():
        i = int(dup.arg_true()[0])
        raise InputError(
            f"recompute_cinc: state-year ccode={nmc['ccode'][i]}, year={nmc['year'][i]} "
            f"appears more than once (row {i + 1})"
        )
    for c in NMC_COMPONENTS:
        neg = nmc[c].cast(pl.Float64) < 0
        if neg.any():
            i = int(neg.arg_true()[0])
            raise InputError(
                f"recompute_cinc: negative {c} ({nmc[c][i]}) for ccode={nmc['ccode'][i]}, "
                f"year={nmc['year'][i]} (row {i + 1}); missing values must be null, not -9"
            )
    share_cols = [f"{c}_share" for c in NMC_COMPONENTS]
    total = [pl.col(c).cast(pl.Float64).sum().over("year") for c in NMC_COMPONENTS]
    out = nmc.with_columns(
        *(
            pl.when(t > 0).then(pl.col(c).cast(pl.Float64) / t).otherwise(None).alias(s)
            for c, t, s in zip(NMC_COMPONENTS, total, share_cols, strict=True)
        )
    )
    return out.with_columns(
        pl.sum_horizontal([pl.col(s).is_not_null() for s in share_cols])
        .cast(pl.Int64)
        .alias("n_components"),
        pl.mean_horizontal(share_cols).alias("cinc_recomputed"),
    )


@dataclass(frozen=True)
class CincReproduction:
    """How closely the recomputed CINC matches COW's published ``cinc`` column.

    ``exceptions`` lists every state-year outside ``tol``: ``ccode`` (Int64), ``stateabb``
    (Utf8), ``year`` (Int64), ``cinc_published`` and ``cinc_recomputed`` (Float64, 0-1),
    ``abs_diff`` (Float64), ``n_components`` (Int64), ``reason`` (Utf8).
    """

    version: str
    tol: float
    n_rows: int
    n_within: int
    max_abs_diff: float
    exceptions: pl.DataFrame

    @property
    def share_within(self) -> float:
        """Share of state-years whose recomputed CINC is within ``tol`` of the published one."""
        return self.n_within / self.n_rows if self.n_rows else float("nan")

    def summary(self) -> str:
        """One line: the reproduction figure, the largest difference and the exception count."""
        return (
            f"NMC v{self.version}: recomputed CINC within {self.tol:g} of the published cinc in "
            f"{self.n_within:,} of {self.n_rows:,} state-years ({100 * self.share_within:.3f}%); "
            f"largest absolute difference {self.max_abs_diff:.3g}; "
            f"{self.exceptions.height} exception(s)"
        )


def _reason(row: dict[str, object], tol: float) -> str:
    n = row["n_components"]
    pub, rec = row["cinc_published"], row["cinc_recomputed"]
    if pub is None:
        return "published cinc is missing"
    if rec is None or n == 0:
        return "all six components are missing, so no CINC can be recomputed"
    missing = [c for c in NMC_COMPONENTS if row.get(c) is None]
    what = f"components missing: {', '.join(missing)}" if missing else "all components present"
    return (
        f"difference {row['abs_diff']:.3g} exceeds {tol:g} ({what}); COW's published value was "
        "computed from a different revision of the components or rounded differently"
    )


def _load_nmc(version: NMCVersion, source: DataSource) -> pl.DataFrame:
    """NMC as loaded by :func:`ncrealism.data.nmc.load_nmc`, read once per data source."""
    return source.memo(_NMC_KEY[version], lambda: load_nmc(version, source=source))


def cinc_reproduction(
    version: NMCVersion = DEFAULT_NMC_VERSION,
    *,
    source: DataSource | None = None,
    tol: float = 1e-6,
) -> CincReproduction:
    """Recompute CINC from the six NMC components and compare it with COW's ``cinc`` column.

    Returns the share of state-years within ``tol`` and every exception with its reason
    (see :class:`CincReproduction`). Formula: Singer, Bremer & Stuckey (1972).
    """
    if tol <= 0:
        raise InputError(f"tol must be positive, got {tol}")
    if version not in _NMC_KEY:
        raise InputError(f"unknown NMC version '{version}'; choose one of {sorted(_NMC_KEY)}")
    nmc = _load_nmc(version, source or DataSource.from_env())
    rec = recompute_cinc(nmc).with_columns(
        pl.col("cinc").alias("cinc_published"),
        (pl.col("cinc_recomputed") - pl.col("cinc")).abs().alias("abs_diff"),
    )
    ok = rec["abs_diff"].fill_null(float("inf")) <= tol
    bad = rec.filter(~ok)
    reasons = [_reason(r, tol) for r in bad.iter_rows(named=True)]
    exceptions = bad.select(
        "ccode",
        "stateabb",
        "year",
        "cinc_published",
        "cinc_recomputed",
        "abs_diff",
        "n_components",
    ).with_columns(pl.Series("reason", reasons, dtype=pl.Utf8))
    max_diff = rec["abs_diff"].max()
    return CincReproduction(
        version=version,
        tol=tol,
        n_rows=rec.height,
        n_within=int(ok.sum()),
        max_abs_diff=float(max_diff) if isinstance(max_diff, int | float) else float("nan"),
        exceptions=exceptions,
    )


def capabilities(
    version: NMCVersion = DEFAULT_NMC_VERSION,
    *,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """State-year capabilities with CINC recomputed, optionally extended past NMC's last year.

    ``extend_to`` (a year after NMC's last year) extends every state present in the last NMC
    year with SIPRI military expenditure and World Bank / Maddison series, spliced by the rules
    documented in :mod:`ncrealism.system.extension`; extended rows carry ``extended = True``
    and name their sources in ``extension``. Columns are documented in the module docstring.
    """
    if version not in _NMC_KEY:
        raise InputError(f"unknown NMC version '{version}'; choose one of {sorted(_NMC_KEY)}")
    src = source or DataSource.from_env()
    return src.memo(
        ("capabilities", version, extend_to),
        lambda: _capabilities(version, extend_to, src),
    )


def _capabilities(version: NMCVersion, extend_to: int | None, src: DataSource) -> pl.DataFrame:
    base = recompute_cinc(_load_nmc(version, src))
    codes = cow_codes(src).select("ccode", pl.col("stateabb").alias("_abb"))
    base = (
        base.join(codes, on="ccode", how="left")
        .with_columns(pl.coalesce("stateabb", "_abb").alias("stateabb"))
        .drop("_abb")
    )
    out = base.select(
        "ccode",
        "stateabb",
        "year",
        *NMC_COMPONENTS,
        pl.col("cinc_recomputed").alias("cinc"),
        pl.col("cinc").alias("cinc_published"),
        "n_components",
        pl.lit(False).alias("extended"),
        pl.lit(None, dtype=pl.Utf8).alias("extension"),
    )
    last = int(out["year"].max())  # type: ignore[arg-type]
    if extend_to is not None:
        if extend_to <= last:
            raise InputError(
                f"extend_to={extend_to} is not after NMC v{version}'s last year ({last}); "
                "omit it to use NMC alone"
            )
        from ncrealism.system.extension import extend_components

        ext = extend_components(out, extend_to=extend_to, source=src)
        ext = recompute_cinc(ext).select(
            "ccode",
            "stateabb",
            "year",
            *NMC_COMPONENTS,
            pl.col("cinc_recomputed").alias("cinc"),
            pl.lit(None, dtype=pl.Float64).alias("cinc_published"),
            "n_components",
            pl.lit(True).alias("extended"),
            "extension",
        )
        out = pl.concat([out, ext], how="vertical")
    return out.sort(["year", "ccode"])


def shares(
    states: Sequence[int | str],
    years: Years,
    *,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Capability shares within a set of states (a region or subsystem), year by year.

    ``capability_share`` of state i in year t is CINC_it / Σ_{j in set, present in t} CINC_jt,
    so the shares of the states present sum to 1 in every year. States outside the system in a
    year (e.g. the ROK before 1949) have no row that year. Columns: see the module docstring.

    Raises :class:`InputError` for an empty set, a state with no capability data in the years
    asked for (an unknown code, or a state not yet or no longer in the system), or a year
    outside the data (1816 to NMC's last year, or to ``extend_to``).

    Example: ``shares([2, 710, 365, 740, 731, 732], (1985, 2016))``.
    """
    src = source or DataSource.from_env()
    codes = resolve_states(states, src)
    wanted = year_list(years)
    caps = capabilities(version, extend_to=extend_to, source=src)
    first, last = int(caps["year"].min()), int(caps["year"].max())  # type: ignore[arg-type]
    check_years(
        wanted, first, last, f"NMC v{version}" + (f" extended to {extend_to}" if extend_to else "")
    )
    sub = caps.filter(pl.col("ccode").is_in(codes) & pl.col("year").is_in(wanted))
    present = set(sub["ccode"].unique().to_list())
    absent = [c for c in codes if c not in present]
    if absent:
        known = set(caps["ccode"].unique().to_list())
        unknown = [c for c in absent if c not in known]
        if unknown:
            raise InputError(
                f"unknown COW code(s) {unknown}: not in NMC v{version} (`ncr data codes` lists "
                "the codes)"
            )
        raise InputError(
            f"state(s) {absent} have no capability data in {wanted[0]}-{wanted[-1]} "
            "(not members of the state system in those years)"
        )
    return (
        sub.with_columns(
            (pl.col("cinc") / pl.col("cinc").sum().over("year")).alias("capability_share")
        )
        .select("ccode", "stateabb", "year", "cinc", "capability_share", "extended")
        .sort(["year", "ccode"])
    )
