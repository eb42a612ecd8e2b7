"""Figures of a panel backtest (Matplotlib, PNG): scores by era, paired differences, calibration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ncrealism.panel.backtest import SCORED, BacktestResult
from ncrealism.panel.outcomes import OUTCOMES

__all__ = ["plot_calibration", "plot_differences", "plot_scores", "write_figures"]

_COLOURS = {
    "base_rate": "#999999",
    "structural": "#1f77b4",
    "neoclassical": "#d62728",
    "reference": "#2ca02c",
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_scores(result: BacktestResult, path: Path, metric: str = "log_loss") -> Path:
    """Grouped bars: ``metric`` of each model by test era, one panel per scored outcome."""
    plt = _plt()
    df = result.scores
    folds = [f for f in dict.fromkeys(df["fold"].to_list())]
    models = list(result.info.get("models", list(_COLOURS)))
    fig, axes = plt.subplots(1, len(SCORED), figsize=(3.2 * len(SCORED), 3.4), sharey=False)
    width = 0.8 / max(1, len(models))
    for ax, outcome in zip(np.atleast_1d(axes), SCORED, strict=True):
        sub = df.filter(pl.col("outcome") == outcome)
        for j, m in enumerate(models):
            vals = [
                float(sub.filter((pl.col("fold") == f) & (pl.col("model") == m))[metric][0])
                for f in folds
            ]
            ax.bar(np.arange(len(folds)) + j * width, vals, width, label=m, color=_COLOURS.get(m))
        ax.set_xticks(np.arange(len(folds)) + width * (len(models) - 1) / 2)
        ax.set_xticklabels(folds, rotation=45, ha="right", fontsize=7)
        ax.set_title(outcome if outcome != "all" else "all four outcomes", fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel(f"{metric.replace('_', ' ')} (lower is better)")
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.suptitle(
        "Out-of-sample scores by test era (COW state-years; 'all' = the three eras pooled)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_differences(
    result: BacktestResult,
    path: Path,
    model: str = "neoclassical",
    comparison: str = "structural",
    metric: str = "log_loss",
) -> Path:
    """Paired differences (model minus comparison) with 95% cluster-bootstrap intervals."""
    plt = _plt()
    df = result.differences.filter(
        (pl.col("model") == model)
        & (pl.col("comparison") == comparison)
        & (pl.col("metric") == metric)
    )
    labels = [f"{r['fold']} · {r['outcome']}" for r in df.iter_rows(named=True)]
    y = np.arange(df.height)
    fig, ax = plt.subplots(figsize=(6.5, 0.28 * df.height + 1.2))
    d = df["difference"].to_numpy()
    lo = df["lower"].to_numpy()
    hi = df["upper"].to_numpy()
    ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="o", color=_COLOURS.get(model), capsize=2)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric.replace('_', ' ')}: {model} minus {comparison} (< 0: {model} better)")
    ax.set_title(
        "Paired differences, 95% cluster-bootstrap intervals (states resampled)", fontsize=9
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_calibration(result: BacktestResult, path: Path, n_bins: int = 8) -> Path:
    """Reliability of each outcome's forecast (test eras pooled): mean forecast vs. observed
    frequency in quantile bins of the forecast, one line per model."""
    plt = _plt()
    pred = result.predictions
    outcomes = [o for o in OUTCOMES if o != "none"]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.4 * len(outcomes), 3.3))
    for ax, o in zip(np.atleast_1d(axes), outcomes, strict=True):
        top = 0.0
        for m in result.info.get("models", list(_COLOURS)):
            sub = pred.filter(pl.col("model") == m)
            p = sub[o].to_numpy()
            y = (sub["outcome"] == o).to_numpy().astype(float)
            edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
            which = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, edges.size - 2)
            xs = [p[which == b].mean() for b in range(edges.size - 1) if (which == b).any()]
            ys = [y[which == b].mean() for b in range(edges.size - 1) if (which == b).any()]
            ax.plot(xs, ys, "o-", ms=3, label=m, color=_COLOURS.get(m))
            top = max(top, max(xs, default=0.0), max(ys, default=0.0))
        ax.plot([0, top], [0, top], color="black", lw=0.6, ls="--")
        ax.set_title(o, fontsize=9)
        ax.set_xlabel("mean forecast probability", fontsize=8)
    np.atleast_1d(axes)[0].set_ylabel("observed frequency", fontsize=8)
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.suptitle("Calibration, test eras pooled (quantile bins of the forecast)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_figures(result: BacktestResult, folder: Path) -> list[Path]:
    """Write ``scores.png``, ``differences.png`` and ``calibration.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        plot_scores(result, folder / "scores.png"),
        plot_differences(result, folder / "differences.png"),
        plot_calibration(result, folder / "calibration.png"),
    ]
