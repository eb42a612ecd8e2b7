"""Global sensitivity of scenario outputs to the uncertain parameters: Sobol indices, tornado.

Sobol indices (Sobol' 1993, "Sensitivity estimates for nonlinear mathematical models",
*Mathematical Modelling and Computational Experiments* 1: 407–414): for an output Y and
independent inputs X_i, the first-order index ``S1_i = Var(E[Y | X_i]) / Var(Y)`` is the share
of the output variance explained by X_i alone, the total index
``ST_i = E[Var(Y | X_~i)] / Var(Y)`` the share involving X_i in any interaction. They are
estimated with SALib (Herman & Usher 2017, *JOSS* 2(9): 97) from a Saltelli design (Saltelli
2002; Saltelli et al. 2010, *Computer Physics Communications* 181: 259–270, the estimators of
their Table 2), with bootstrap confidence intervals. The design's uniforms are mapped through
each parameter's inverse CDF (:mod:`ncrealism.scenario.distributions`), and the whole design
(N·(k + 2) parameter vectors) is evaluated in vectorised batches.

The tornado diagram (one-at-a-time swings; e.g. Howard 1988, "Decision analysis: practice and
promise", *Management Science* 34(6): 679–695) sets every parameter to its median, then moves
one parameter at a time to its lower and upper quantile (default 5 % and 95 %).

Outputs (``output`` argument):

* ``posture:<name>``: probability of the posture, averaged over the scenario's state-years
  (or for one ``year``) (probability, 0–1);
* ``agreement:<case>``: agreement probability of a negotiation case (probability, 0–1);
* ``durability:<case>``: expected days an agreement of the case holds (days).

Frames returned:

:func:`sobol_indices` — ``parameter`` (Utf8), ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
(Float64, shares of variance, unitless; ``*_conf`` the half-width of the 95 % bootstrap
interval), sorted by ``ST`` descending.

:func:`tornado` — ``parameter`` (Utf8), ``value_low``, ``value_high`` (Float64, the parameter's
quantiles, in its unit), ``output_low``, ``output_high`` (Float64, output at those values, in
the output's unit), ``base`` (Float64, output with every parameter at its median), ``swing``
(Float64, ``|output_high − output_low|``), sorted by ``swing`` descending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError
from ncrealism.scenario._toml import nearest
from ncrealism.scenario.distributions import inverse_cdf, is_fixed
from ncrealism.scenario.engine import ParamSpec, Plan, evaluate_values

if TYPE_CHECKING:
    import polars as pl

FloatArray = NDArray[np.float64]

__all__ = ["OutputSpec", "output_spec", "sobol_indices", "tornado", "tornado_plot"]

_BATCH = 20_000


@dataclass(frozen=True)
class OutputSpec:
    """A scalar output of a plan: name, unit and how to compute it from parameter values."""

    name: str
    unit: str
    fn: Callable[[FloatArray], FloatArray]


def output_spec(
    plan: Plan, output: str, *, year: int | None = None, variant: int = 0
) -> OutputSpec:
    """Parse ``output`` (see the module docstring) into a vectorised function of the values."""
    kind, _, label = output.partition(":")
    kinds = ("posture", "agreement", "durability")
    if kind not in kinds or not label:
        raise InputError(
            f"--output '{output}': expected posture:<name>, agreement:<case> or durability:<case>"
        )
    if year is not None and not np.any(plan.year == year):
        raise InputError(
            f"--year {year} is outside the scenario's years "
            f"{int(plan.year.min())}–{int(plan.year.max())}"
        )
    fixed = plan.variant(variant)

    def values_with_grid(values: FloatArray) -> FloatArray:
        if not fixed:
            return values
        out = values.copy()
        for k, p in enumerate(plan.params):
            if p.name in fixed:
                out[:, k] = fixed[p.name]
        return out

    if kind == "posture":
        opts = plan.model.options
        if label not in opts:
            hint = nearest(label, opts)
            raise InputError(
                f"--output: unknown posture '{label}' (postures: {', '.join(opts)})"
                + (f"; did you mean '{hint}'?" if hint else "")
            )
        j = opts.index(label)
        rows = np.ones(plan.year.shape, dtype=bool) if year is None else plan.year == year

        def posture_fn(values: FloatArray) -> FloatArray:
            r = evaluate_values(plan, values_with_grid(values))
            out: FloatArray = r.probabilities[:, rows, j].mean(axis=1)
            return out

        where = f" in {year}" if year is not None else ""
        return OutputSpec(f"P({label}){where}", "probability", posture_fn)
    cases = [n.model.case for n in plan.negotiations]
    if label not in cases:
        hint = nearest(label, cases)
        raise InputError(
            f"--output: the scenario has no negotiation case '{label}' (cases: "
            f"{', '.join(cases) or 'none'})" + (f"; did you mean '{hint}'?" if hint else "")
        )
    c = cases.index(label)
    agreement = kind == "agreement"

    def case_fn(values: FloatArray) -> FloatArray:
        r = evaluate_values(plan, values_with_grid(values))
        out: FloatArray = r.agreement[:, c] if agreement else r.durability[:, c]
        return out

    return OutputSpec(
        f"{'P(agreement)' if agreement else 'durability'} {label}",
        "probability" if agreement else "days",
        case_fn,
    )


def _uncertain(plan: Plan, variant: int) -> list[int]:
    fixed = plan.variant(variant)
    return [k for k, p in enumerate(plan.params) if not is_fixed(p.dist) and p.name not in fixed]


def _medians(plan: Plan) -> FloatArray:
    return np.array(
        [float(inverse_cdf(p.dist, np.array([0.5]))[0]) for p in plan.params], dtype=np.float64
    )


def _batched(fn: Callable[[FloatArray], FloatArray], values: FloatArray) -> FloatArray:
    parts = [fn(values[i : i + _BATCH]) for i in range(0, values.shape[0], _BATCH)]
    return np.concatenate(parts) if parts else np.empty(0)


def sobol_indices(
    plan: Plan,
    output: str,
    *,
    n: int = 1024,
    seed: int = 0,
    year: int | None = None,
    variant: int = 0,
    num_resamples: int = 200,
) -> pl.DataFrame:
    """First-order and total Sobol indices of ``output`` w.r.t. each uncertain parameter.

    ``n`` is the Saltelli base sample size (a power of 2); the model is evaluated
    ``n·(k + 2)`` times for k uncertain parameters. See the module docstring for the frame.
    """
    import polars as pl
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise InputError(f"--n must be a power of 2 (e.g. 512, 1024), not {n}")
    spec = output_spec(plan, output, year=year, variant=variant)
    idx = _uncertain(plan, variant)
    if not idx:
        raise InputError(
            "the scenario has no uncertain parameter: add distributions under [uncertainty] "
            "or a shock value with a distribution"
        )
    names = [plan.params[k].name for k in idx]
    problem = {"num_vars": len(idx), "names": names, "bounds": [[0.0, 1.0]] * len(idx)}
    u = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    u = np.clip(u, 1e-12, 1.0 - 1e-12)
    values = np.repeat(_medians(plan)[None, :], u.shape[0], axis=0)
    for j, k in enumerate(idx):
        values[:, k] = inverse_cdf(plan.params[k].dist, u[:, j])
    y = _batched(spec.fn, values)
    if not np.all(np.isfinite(y)):
        raise InputError(
            f"{spec.name} is not finite for every draw (e.g. no agreement is possible); Sobol "
            "indices need a finite output"
        )
    if float(np.var(y)) == 0.0:
        raise InputError(f"{spec.name} does not vary with the uncertain parameters")
    res = sobol_analyze.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=num_resamples,
        conf_level=0.95,
        seed=seed,
        print_to_console=False,
    )
    frame = pl.DataFrame(
        {
            "parameter": names,
            "S1": np.asarray(res["S1"], dtype=np.float64),
            "S1_conf": np.asarray(res["S1_conf"], dtype=np.float64),
            "ST": np.asarray(res["ST"], dtype=np.float64),
            "ST_conf": np.asarray(res["ST_conf"], dtype=np.float64),
        }
    )
    return frame.sort(["ST", "parameter"], descending=[True, False])


def tornado(
    plan: Plan,
    output: str,
    *,
    year: int | None = None,
    variant: int = 0,
    low: float = 0.05,
    high: float = 0.95,
) -> pl.DataFrame:
    """One-at-a-time swings of ``output`` (see the module docstring for the frame)."""
    import polars as pl

    if not 0.0 < low < high < 1.0:
        raise InputError(f"tornado quantiles must satisfy 0 < low < high < 1, not {low}, {high}")
    spec = output_spec(plan, output, year=year, variant=variant)
    idx = _uncertain(plan, variant)
    if not idx:
        raise InputError("the scenario has no uncertain parameter to swing")
    med = _medians(plan)
    values = np.repeat(med[None, :], 1 + 2 * len(idx), axis=0)
    lows, highs = [], []
    for j, k in enumerate(idx):
        p: ParamSpec = plan.params[k]
        lo_v, hi_v = inverse_cdf(p.dist, np.array([low, high]))
        values[1 + 2 * j, k] = lo_v
        values[2 + 2 * j, k] = hi_v
        lows.append(float(lo_v))
        highs.append(float(hi_v))
    y = spec.fn(values)
    out_lo = y[1::2]
    out_hi = y[2::2]
    frame = pl.DataFrame(
        {
            "parameter": [plan.params[k].name for k in idx],
            "value_low": lows,
            "value_high": highs,
            "output_low": out_lo,
            "output_high": out_hi,
            "base": np.full(len(idx), y[0]),
            "swing": np.abs(out_hi - out_lo),
        }
    )
    return frame.sort(["swing", "parameter"], descending=[True, False])


def tornado_plot(frame: pl.DataFrame, path: Path, *, title: str, unit: str) -> Path:
    """Draw a tornado diagram of :func:`tornado`'s frame to ``path`` (PNG, SVG or PDF)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame.sort("swing")  # largest at the top
    base = float(rows["base"][0]) if rows.height else 0.0
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * max(rows.height, 2) + 1.4))
    for i, r in enumerate(rows.iter_rows(named=True)):
        lo, hi = r["output_low"], r["output_high"]
        ax.barh(i, lo - base, left=base, color="#4C72B0", height=0.6)
        ax.barh(i, hi - base, left=base, color="#DD8452", height=0.6)
    ax.set_yticks(range(rows.height))
    ax.set_yticklabels(
        [
            f"{r['parameter']} ({r['value_low']:.3g} / {r['value_high']:.3g})"
            for r in rows.iter_rows(named=True)
        ]
    )
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_xlabel(f"{title} ({unit}); blue: parameter at low quantile, orange: at high")
    ax.set_title(f"Tornado: {title}")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
