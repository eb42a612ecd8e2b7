"""Fixtures of the panel tests: a small synthetic panel (no data needed) and a real slice."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.panel.build import INTERVENING, STRUCTURAL, PanelFrame, build_panel_frame
from ncrealism.panel.outcomes import OUTCOMES


def synthetic_frame(
    n_states: int = 12, first: int = 1950, last: int = 1989, seed: int = 7
) -> pl.DataFrame:
    """A panel with the columns of :mod:`ncrealism.panel.build`, outcomes drawn from a known
    multinomial logit on ``log_threat`` (so the structural model has something to find)."""
    rng = np.random.default_rng(seed)
    years = np.arange(first, last + 1)
    codes = np.arange(1, n_states + 1) * 10
    c, y = np.meshgrid(codes, years, indexing="ij")
    n = c.size
    data: dict[str, object] = {"ccode": c.ravel(), "year": y.ravel()}
    for name in (*STRUCTURAL, *INTERVENING):
        data[name] = rng.normal(size=n)
    x = np.asarray(data["log_threat"])
    eta = np.column_stack([np.zeros(n), -2.0 + 1.0 * x, -3.0 + 0.5 * x, -4.0 + 0.0 * x])
    p = np.exp(eta)
    p /= p.sum(axis=1, keepdims=True)
    draws = np.array([rng.choice(len(OUTCOMES), p=row) for row in p])
    data["outcome"] = [OUTCOMES[k] for k in draws]
    data["region"] = ["Europe" if cc < 70 else "Africa" for cc in data["ccode"]]  # type: ignore[attr-defined]
    data["stateabb"] = [f"S{cc}" for cc in data["ccode"]]  # type: ignore[attr-defined]
    # some missing intervening values, as in the data
    pol = np.asarray(data["polity2"])
    pol[rng.random(n) < 0.2] = np.nan
    data["polity2"] = pol
    df = pl.DataFrame(data, nan_to_null=True).with_columns(
        pl.col("ccode").cast(pl.Int64), pl.col("year").cast(pl.Int64)
    )
    return df.sort("year", "ccode")


@pytest.fixture(scope="session")
def synthetic_panel() -> PanelFrame:
    return PanelFrame(synthetic_frame(), ("synthetic",), "7.0", 1989)


@pytest.fixture(scope="session")
def real_slice(source: DataSource) -> PanelFrame:
    """The panel of the data mirror, 1955-1965 and 2000-2008 outcome years not needed: one
    slice, 1955-1965 (the DPRK's 1961 treaties and 1962 nuclear step fall inside)."""
    return build_panel_frame(version="7.0", first_year=1955, last_year=1965, source=source)
