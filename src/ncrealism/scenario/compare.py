"""Comparing two scenarios draw by draw, with common random numbers.

Both scenarios are evaluated with the same seed, draws and chunking. A parameter with the
same name and distribution in both gets the same draws (its random stream is named by the
parameter, see :mod:`ncrealism.scenario.engine`), so the difference B − A of an outcome in a
draw is the effect of what differs between the scenarios, not Monte Carlo noise (common random
numbers; Glasserman 2004, *Monte Carlo Methods in Financial Engineering*, §4.2). The frame
reports the mean of each outcome under A and B and the distribution of the paired difference.

Columns of :func:`compare_plans`' frame (one row per quantity × state-year × label):

===============  ========  ========================================================
column           dtype     meaning (unit)
===============  ========  ========================================================
quantity         Utf8      posture_probability, agreement_probability or
                           durability_days
ccode, year      Int32     state and year (null for negotiation rows)
label            Utf8      posture or negotiation case
unit             Utf8      probability or days
mean_a, mean_b   Float64   mean over draws under A and under B
diff_mean        Float64   mean of B − A over draws
diff_q05, …      Float64   quantiles of B − A (the plan's quantiles)
p_b_greater      Float64   share of draws in which B's value exceeds A's
n                Int64     draws with a finite value under both
===============  ========  ========================================================

Only the first grid point of each scenario is compared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError
from ncrealism.scenario.engine import ChunkResult, Plan, evaluate_chunk
from ncrealism.scenario.results import VariantDraws, quantile_column

if TYPE_CHECKING:
    import polars as pl

FloatArray = NDArray[np.float64]

__all__ = ["compare_plans", "variant_draws"]


def variant_draws(plan: Plan, variant: int = 0) -> VariantDraws:
    """Evaluate every chunk of one variant in memory and merge them."""
    nb = plan.n_blocks
    results: list[ChunkResult] = [
        evaluate_chunk(plan, c, keep_draws=True) for c in range(variant * nb, (variant + 1) * nb)
    ]
    return VariantDraws.merge(variant, results)


def _diff_rows(a: FloatArray, b: FloatArray, qs: tuple[float, ...]) -> dict[str, Any]:
    d = b - a
    ok = np.isfinite(a) & np.isfinite(b)
    m = a.shape[1]
    out: dict[str, Any] = {
        "mean_a": np.full(m, np.nan),
        "mean_b": np.full(m, np.nan),
        "diff_mean": np.full(m, np.nan),
        **{f"diff_{quantile_column(q)}": np.full(m, np.nan) for q in qs},
        "p_b_greater": np.full(m, np.nan),
        "n": ok.sum(axis=0).astype(np.int64),
    }
    for j in range(m):
        sel = ok[:, j]
        if not sel.any():
            continue
        out["mean_a"][j] = a[sel, j].mean()
        out["mean_b"][j] = b[sel, j].mean()
        dj = d[sel, j]
        out["diff_mean"][j] = dj.mean()
        qv = np.quantile(dj, qs, method="linear")
        for q, v in zip(qs, qv, strict=True):
            out[f"diff_{quantile_column(q)}"][j] = v
        out["p_b_greater"][j] = float((dj > 0).mean())
    return out


def compare_plans(a: Plan, b: Plan) -> pl.DataFrame:
    """Paired comparison of B against A (see the module docstring for the frame)."""
    import polars as pl

    if (a.draws, a.seed, a.chunk_size) != (b.draws, b.seed, b.chunk_size):
        raise InputError(
            "compare needs the same draws, seed and chunk size for both scenarios "
            f"(A: {a.draws}, {a.seed}, {a.chunk_size}; B: {b.draws}, {b.seed}, {b.chunk_size})"
        )
    if a.model.options != b.model.options:
        raise InputError("the two scenarios use models with different postures")
    va, vb = variant_draws(a), variant_draws(b)
    assert va.probabilities is not None and vb.probabilities is not None
    frames: list[pl.DataFrame] = []
    qs = a.quantiles
    # state-years present in both
    key_a = {(int(c), int(y)): i for i, (c, y) in enumerate(zip(a.ccode, a.year, strict=True))}
    key_b = {(int(c), int(y)): i for i, (c, y) in enumerate(zip(b.ccode, b.year, strict=True))}
    common = [k for k in key_a if k in key_b]
    if common:
        ia = np.array([key_a[k] for k in common])
        ib = np.array([key_b[k] for k in common])
        opts = a.model.options
        n_opt = len(opts)
        pa_ = va.probabilities[:, ia, :].reshape(a.draws, -1)
        pb_ = vb.probabilities[:, ib, :].reshape(b.draws, -1)
        rows = _diff_rows(pa_, pb_, qs)
        frames.append(
            pl.DataFrame(
                {
                    "quantity": ["posture_probability"] * pa_.shape[1],
                    "ccode": np.repeat([k[0] for k in common], n_opt).astype(np.int32),
                    "year": np.repeat([k[1] for k in common], n_opt).astype(np.int32),
                    "label": list(opts) * len(common),
                    "unit": ["probability"] * pa_.shape[1],
                    **rows,
                },
                schema_overrides={"ccode": pl.Int32, "year": pl.Int32},
            )
        )
    cases_a = [n.model.case for n in a.negotiations]
    cases_b = [n.model.case for n in b.negotiations]
    shared = [c for c in cases_a if c in cases_b]
    if shared:
        ca = [cases_a.index(c) for c in shared]
        cb = [cases_b.index(c) for c in shared]
        for quantity, unit, arr_a, arr_b in (
            ("agreement_probability", "probability", va.agreement, vb.agreement),
            ("durability_days", "days", va.durability, vb.durability),
        ):
            rows = _diff_rows(arr_a[:, ca], arr_b[:, cb], qs)
            frames.append(
                pl.DataFrame(
                    {
                        "quantity": [quantity] * len(shared),
                        "ccode": [None] * len(shared),
                        "year": [None] * len(shared),
                        "label": shared,
                        "unit": [unit] * len(shared),
                        **rows,
                    },
                    schema_overrides={"ccode": pl.Int32, "year": pl.Int32},
                )
            )
    if not frames:
        raise InputError(
            "the two scenarios share no state-year and no negotiation case: nothing to compare"
        )
    return pl.concat(frames, how="vertical")
