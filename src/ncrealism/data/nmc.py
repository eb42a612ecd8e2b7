"""COW National Material Capabilities (NMC): the six components of national power and CINC.

Columns of the frame returned by :func:`load_nmc` (one row per state-year, keyed by
``ccode``/``year``):

=========  ========  ==================================================================
column     dtype     meaning (unit)
=========  ========  ==================================================================
ccode      Int64     COW state code
stateabb   Utf8      COW state abbreviation (null in v7.0's derived copy, which drops it)
year       Int64     calendar year
milex      Float64   military expenditure: thousands of current GBP 1816-1913, thousands of
                     current US$ from 1914 (COW NMC codebook)
milper     Float64   military personnel (thousands)
irst       Float64   iron and steel production (thousands of tons)
pec        Float64   primary energy consumption (thousands of coal-ton equivalents)
tpop       Float64   total population (thousands)
upop       Float64   urban population (thousands; cities over 100,000)
cinc       Float64   Composite Index of National Capability as published by COW
=========  ========  ==================================================================

Missing values (-9 in the publisher's CSV, NA in the derived R file) are nulls, never numbers.

Sources: Singer, Bremer & Stuckey (1972); Singer (1987); NMC codebook v6.0 / v7.0.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ncrealism._defaults import (
    DEFAULT_NMC_VERSION,
    NMC_DATASET,
    NMC_LAST_YEAR,
    NMC_VERSIONS,
    NMCVersion,
)
from ncrealism.data._read import check_unique, read_rdata, read_table
from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError

__all__ = [
    "DEFAULT_NMC_VERSION",
    "NMC_COMPONENTS",
    "NMC_DATASET",
    "NMC_LAST_YEAR",
    "NMC_SCHEMA",
    "NMC_VERSIONS",
    "NMCVersion",
    "load_nmc",
    "nmc_version",
    "read_nmc_csv",
    "read_nmc_rda",
]

NMC_COMPONENTS: tuple[str, ...] = ("milex", "milper", "irst", "pec", "tpop", "upop")

NMC_SCHEMA: dict[str, type[pl.DataType]] = {
    "stateabb": pl.Utf8,
    "ccode": pl.Int64,
    "year": pl.Int64,
    **{c: pl.Float64 for c in NMC_COMPONENTS},
    "cinc": pl.Float64,
}

_KEYS = NMC_DATASET


def nmc_version(text: str) -> NMCVersion:
    """Validate an NMC version given as text ("6.0", "7.0"; "6" and "7" accepted)."""
    value = str(text).strip()
    if value in ("6", "7"):
        value += ".0"
    if value == "6.0":
        return "6.0"
    if value == "7.0":
        return "7.0"
    raise InputError(f"unknown NMC version '{text}'; choose 6.0 or 7.0")


def read_nmc_csv(path: Path | str) -> pl.DataFrame:
    """Read an NMC abridged CSV as COW ships it (v6.0 or v7.0), -9 codes becoming nulls."""
    df = read_table(path, NMC_SCHEMA, numeric_missing=(-9,), key=("ccode", "year"))
    return df.select(list(NMC_SCHEMA))


def read_nmc_rda(path: Path | str, object_name: str = "cow_nmc") -> pl.DataFrame:
    """Read the derived R data file of NMC v7.0 (peacesciencer's ``cow_nmc``)."""
    numbers = dict.fromkeys((*NMC_COMPONENTS, "cinc"), pl.Float64)
    schema = {"ccode": pl.Int64, "year": pl.Int64, **numbers}
    df = read_rdata(path, object_name, schema).with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("stateabb")
    )
    df = df.select(list(NMC_SCHEMA))
    check_unique(df, ("ccode", "year"), path, header=False)
    return df


def load_nmc(
    version: NMCVersion = DEFAULT_NMC_VERSION, *, source: DataSource | None = None
) -> pl.DataFrame:
    """Load COW NMC as a state-year frame (columns documented in this module's docstring).

    ``version="7.0"`` reads the publisher's CSV when it is available (downloaded or in the
    mirror) and otherwise the registered derived R file; ``source.used`` records which.
    """
    if version not in _KEYS:
        raise InputError(f"unknown NMC version '{version}'; choose one of {sorted(_KEYS)}")
    source = source or DataSource.from_env()
    resolved = source.resolve(_KEYS[version])
    if resolved.spec.format == "rda":
        from ncrealism.data.derived import cached_frame

        name = resolved.spec.rda_object or "cow_nmc"
        return cached_frame(
            f"nmc-rda-{name}",
            resolved.path,
            source,
            lambda p: read_nmc_rda(p, name),
            sha256=resolved.sha256,
        )
    return read_nmc_csv(resolved.path)
