"""The panel's models: recovery of known coefficients, partial pooling, forecasts never certain."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ncrealism.errors import InputError
from ncrealism.panel.build import PanelFrame
from ncrealism.panel.models import (
    HierarchicalLogit,
    Standardiser,
    fit_predict,
    outcome_matrix,
)
from ncrealism.panel.outcomes import OUTCOMES


def test_standardiser_imputes_and_flags() -> None:
    df = pl.DataFrame({"x": [1.0, 3.0, None, 5.0], "z": [2.0, 2.0, 2.0, 2.0]})
    std = Standardiser.fit(df, ["x", "z"])
    assert std.median[0] == 3.0  # median of 1, 3, 5
    assert std.indicators == ("x",)
    x = std.transform(df)
    # imputed column 1, 3, 3, 5: mean 3, population sd sqrt(2)
    assert x[:, 0] == pytest.approx(np.array([-2, 0, 0, 2]) / np.sqrt(2))
    assert x[:, 1].tolist() == [0.0, 0.0, 0.0, 0.0]  # constant: centred, sd taken as 1
    assert x[:, 2].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_hierarchical_logit_recovers_slopes(synthetic_panel: PanelFrame) -> None:
    # The synthetic outcomes follow slopes 1.0 (internal), 0.5 (external), 0 (nuclear) per
    # unit of log_threat, which is standard normal, so the standardised slopes are about these.
    df = synthetic_panel.data
    fitted = HierarchicalLogit(("log_threat", "polity2"), random_slopes=()).fit(df)
    th = fitted.theta.ravel()
    assert th[fitted.flat_index("log_threat", "internal")] == pytest.approx(1.0, abs=0.25)
    assert th[fitted.flat_index("log_threat", "external")] == pytest.approx(0.5, abs=0.3)
    assert abs(th[fitted.flat_index("log_threat", "nuclear")]) < 0.6
    p = fitted.predict(df)
    assert p.shape == (df.height, 4)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p > 0).all() and (p < 1).all()


def test_partial_pooling_shrinks_small_states(synthetic_panel: PanelFrame) -> None:
    # Give state 10 an extra propensity to internal balancing; with all its years its random
    # intercept is clearly positive, with two years it is shrunk toward 0 and less certain.
    df = synthetic_panel.data
    rng = np.random.default_rng(3)
    flip = (df["ccode"] == 10).to_numpy() & (rng.random(df.height) < 0.5)
    outcome = np.where(flip, "internal", df["outcome"].to_numpy())
    full = df.with_columns(pl.Series("outcome", outcome))
    few = full.filter((pl.col("ccode") != 10) | (pl.col("year") <= 1951))
    spec = HierarchicalLogit(("log_threat",), random_slopes=())
    f_full, f_few = spec.fit(full), spec.fit(few)
    i_full = f_full.flat_index("u", "internal", 10)
    i_few = f_few.flat_index("u", "internal", 10)
    assert f_full.theta.ravel()[i_full] > 0.5
    assert abs(f_few.theta.ravel()[i_few]) < f_full.theta.ravel()[i_full]
    sd_full = np.sqrt(f_full.covariance()[i_full, i_full])
    sd_few = np.sqrt(f_few.covariance()[i_few, i_few])
    assert sd_few > sd_full
    assert sd_few < spec.intercept_sd  # never wider than the prior


def test_unseen_state_gets_the_pooled_forecast(synthetic_panel: PanelFrame) -> None:
    df = synthetic_panel.data
    fitted = HierarchicalLogit(("log_threat",), random_slopes=("log_threat",)).fit(
        df.filter(pl.col("ccode") != 120)
    )
    row = df.filter(pl.col("ccode") == 120).head(1)
    twin = row.with_columns(pl.lit(999, dtype=pl.Int64).alias("ccode"))
    assert np.allclose(fitted.predict(row), fitted.predict(twin))


def test_base_rate_is_smoothed_frequency() -> None:
    train = pl.DataFrame({"ccode": [1, 1, 2, 2], "outcome": ["none", "none", "none", "internal"]})
    p = fit_predict("base_rate", train, train.head(1))
    # (count + 0.5) / (4 + 2): none 3.5/6, internal 1.5/6, external and nuclear 0.5/6
    assert p[0] == pytest.approx(np.array([3.5, 1.5, 0.5, 0.5]) / 6)


def test_reference_and_unknown_model(synthetic_panel: PanelFrame) -> None:
    df = synthetic_panel.data
    p = fit_predict("reference", df, df.head(5))
    assert p.shape == (5, len(OUTCOMES)) and (p > 0).all()
    with pytest.raises(InputError):
        fit_predict("oracle", df, df)
    with pytest.raises(InputError):
        outcome_matrix(["war"])
