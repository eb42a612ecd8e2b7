"""Paired comparison of two forecasters scored on the same periods.

With few test periods a difference of mean scores says little by itself. The paired bootstrap
(Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13; for forecasts, the
resampling counterpart of the Diebold & Mariano 1995 test, *Journal of Business & Economic
Statistics* 13:253-263) resamples the *periods* with replacement, keeping each period's pair of
scores together, and reads the percentile interval of the mean difference.

``d_t = loss_baseline_t - loss_model_t`` (positive: the model scored better in period t); the
frame returned by :func:`paired_table` has one row per baseline:

=============  =======  ================================================================
column         dtype    meaning (unit)
=============  =======  ================================================================
horizon        Int64    forecast horizon (years ahead)
model          Utf8     the model compared (e.g. ``NCR (dynamic)``)
baseline       Utf8     the baseline it is compared with
n              Int64    periods scored
model_loss     Float64  mean log loss of the model (nats)
baseline_loss  Float64  mean log loss of the baseline (nats)
diff           Float64  mean of d_t (nats; positive: the model is better)
ci_low         Float64  2.5th percentile of the bootstrap mean of d_t
ci_high        Float64  97.5th percentile
share_better   Float64  share of bootstrap resamples with a positive mean d_t
=============  =======  ================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.errors import InputError
from ncrealism.evaluation.engine import Backtest
from ncrealism.scoring import log_probability

__all__ = ["N_BOOT", "paired_bootstrap", "paired_table", "period_log_loss"]

#: Bootstrap resamples of the paired comparison.
N_BOOT: int = 4000


def paired_bootstrap(
    diff: Sequence[float] | NDArray[np.float64],
    rng: np.random.Generator,
    n_boot: int = N_BOOT,
) -> tuple[float, float, float, float]:
    """Mean of ``diff``, the 95% percentile interval of its bootstrap mean, and the share of
    resamples with a positive mean (``rng``: an explicit generator)."""
    if not isinstance(rng, np.random.Generator):
        raise InputError("paired_bootstrap needs a numpy.random.Generator")
    d = np.asarray(diff, dtype=np.float64)
    if d.ndim != 1 or d.size == 0:
        raise InputError("paired_bootstrap needs a non-empty series of differences")
    idx = rng.integers(0, d.size, size=(n_boot, d.size))
    means = d[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(d.mean()), float(lo), float(hi), float(np.mean(means > 0))


def period_log_loss(bt: Backtest, model: str) -> NDArray[np.float64]:
    """Log loss of ``model`` in each test period (nats, one-hot targets, sorted years)."""
    recorded = np.argmax(bt.targets(), axis=1)
    return np.asarray(-log_probability(bt.probabilities(model), recorded), dtype=np.float64)


def paired_table(
    bt: Backtest, model: str, baselines: Sequence[str], *, seed: int = 0, n_boot: int = N_BOOT
) -> pl.DataFrame:
    """Paired bootstrap of ``model`` against each of ``baselines`` (any other model scored on
    the same periods; columns in the module docstring).

    The generator of each row is seeded by ``(seed, horizon, row)``: same seed, same numbers.
    """
    mine = period_log_loss(bt, model)
    rows: list[dict[str, Any]] = []
    for i, b in enumerate(baselines):
        theirs = period_log_loss(bt, b)
        rng = np.random.default_rng([seed, bt.horizon, i])
        diff, lo, hi, share = paired_bootstrap(theirs - mine, rng, n_boot)
        rows.append(
            {
                "horizon": bt.horizon,
                "model": model,
                "baseline": b,
                "n": int(mine.size),
                "model_loss": float(mine.mean()),
                "baseline_loss": float(theirs.mean()),
                "diff": diff,
                "ci_low": lo,
                "ci_high": hi,
                "share_better": share,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "horizon": pl.Int64,
            "model": pl.Utf8,
            "baseline": pl.Utf8,
            "n": pl.Int64,
            "model_loss": pl.Float64,
            "baseline_loss": pl.Float64,
            "diff": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "share_better": pl.Float64,
        },
    )
