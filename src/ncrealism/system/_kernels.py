"""Array kernels of the dyadic measures (NumPy; no data access).

Each function works on one year's N×N matrices or on flat arrays of dyad-years, so that the
frame-level functions in :mod:`ncrealism.system.dyads` and :mod:`ncrealism.system.threat` and
the benchmark share exactly the same arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Ordinal alliance commitment levels (Bueno de Mesquita 1975, 1981; Signorino & Ritter 1999):
#: 3 defense pact, 2 neutrality or non-aggression pact, 1 entente, 0 no alliance. A state is
#: allied with itself at the top level.
LEVEL_DEFENSE, LEVEL_NEUTRALITY, LEVEL_ENTENTE, LEVEL_NONE = 3, 2, 1, 0
MAX_LEVEL = 3

#: 10 − e, the constant of Bueno de Mesquita's (1981) loss-of-strength exponent.
TEN_MINUS_E = 10.0 - math.e


def alliance_level(
    defense: NDArray[np.generic],
    neutrality: NDArray[np.generic],
    nonaggression: NDArray[np.generic],
    entente: NDArray[np.generic],
) -> NDArray[np.int8]:
    """The highest commitment level of each dyad (3, 2, 1 or 0; see :data:`LEVEL_DEFENSE`)."""
    d = np.asarray(defense, dtype=bool)
    n = np.asarray(neutrality, dtype=bool) | np.asarray(nonaggression, dtype=bool)
    e = np.asarray(entente, dtype=bool)
    return np.where(d, 3, np.where(n, 2, np.where(e, 1, 0))).astype(np.int8)


def lsg_exponent(miles: FloatArray, miles_per_day: FloatArray | float) -> FloatArray:
    """Bueno de Mesquita's (1981) exponent log10(miles / miles_per_day + 10 − e)."""
    return np.log10(np.asarray(miles, dtype=float) / miles_per_day + TEN_MINUS_E)


def loss_of_strength_kernel(
    cinc: FloatArray, miles: FloatArray, miles_per_day: FloatArray | float
) -> FloatArray:
    """Capability projected over ``miles``: CINC ** log10(miles / miles_per_day + 10 − e).

    Bueno de Mesquita (1981, *The War Trap*), as implemented in EUGene (Bennett & Stam
    2000). CINC lies in [0, 1], so a larger exponent (a longer distance) lowers the projected
    capability; at zero distance the exponent is log10(10 − e) ≈ 0.862.
    """
    c = np.asarray(cinc, dtype=float)
    out: FloatArray = np.power(c, lsg_exponent(miles, miles_per_day))
    return out


def boulding_kernel(power: FloatArray, miles: FloatArray, slope_per_1000mi: float) -> FloatArray:
    """Boulding's (1962, *Conflict and Defense*) linear gradient: max(0, P − s·d)."""
    p = np.asarray(power, dtype=float)
    return np.maximum(0.0, p - slope_per_1000mi * np.asarray(miles, dtype=float) / 1000.0)


def portfolio_distances(
    levels: NDArray[np.integer],
    weights: Sequence[FloatArray | None] = (None,),
    *,
    top: int = MAX_LEVEL,
) -> list[FloatArray]:
    """Scaled city-block distances between the rows of an N×N matrix of tie levels.

    For each weight vector w (None: all 1), ``d_ij = Σ_k w_k |a_ik − a_jk| / (top · Σ_k w_k)``,
    in [0, 1], for levels 0..``top``. Computed exactly with sparse products:
    |a − b| = a + b − 2·min(a, b) and min(a, b) = Σ_v 1[a ≥ v]·1[b ≥ v] for v = 1..top, so
    Σ_k w_k min(a_ik, a_jk) is the product of the N × top·N indicator matrix X (X[i, (v−1)N + k]
    = 1[a_ik ≥ v]) with its transpose, columns weighted by w_k. Alliance matrices are sparse, so
    the products cost little more than the N² output; the weight vectors share X.
    """
    from scipy import sparse

    a = np.asarray(levels)
    n = a.shape[0]
    rows, cols = np.nonzero(a)
    reps = a[rows, cols].astype(np.int64)
    if reps.size and (reps.min() < 0 or reps.max() > top):
        raise ValueError(f"tie levels must lie in 0..{top}")
    total = int(reps.sum())
    v = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
    xr = np.repeat(rows, reps)
    xc = v * n + np.repeat(cols, reps)
    ones = np.ones(total)
    x_t = sparse.csr_matrix((ones, (xc, xr)), shape=(top * n, n))
    out: list[FloatArray] = []
    for weights_k in weights:
        w = np.ones(n) if weights_k is None else np.asarray(weights_k, dtype=float)
        wsum = float(w.sum())
        if n == 0 or wsum <= 0:
            out.append(np.full((n, n), np.nan))
            continue
        xw = sparse.csr_matrix((w[xc % n], (xr, xc)), shape=(n, top * n))
        cross = (xw @ x_t).toarray()
        r = a.astype(np.float64) @ w
        dist = r[:, None] + r[None, :]
        dist -= 2.0 * cross
        dist /= top * wsum
        np.clip(dist, 0.0, 1.0, out=dist)
        out.append(dist)
    return out


def portfolio_distance(
    levels: NDArray[np.integer],
    weights: FloatArray | None = None,
    *,
    top: int = MAX_LEVEL,
) -> FloatArray:
    """One scaled city-block distance matrix (see :func:`portfolio_distances`)."""
    return portfolio_distances(levels, (weights,), top=top)[0]


def s_score_matrix(
    levels: NDArray[np.integer],
    weights: FloatArray | None = None,
    *,
    top: int = MAX_LEVEL,
) -> FloatArray:
    """Signorino & Ritter's (1999) S for every pair of rows of an N×N matrix of tie levels.

    ``levels[i, k]`` is i's tie with k on an ordinal scale 0..``top`` (the diagonal should hold
    ``top``: a state's tie with itself). With weights w_k (None: all 1; or capability shares,
    the "weighted S"):

        S_ij = 1 − 2 · Σ_k w_k |a_ik − a_jk| / (top · Σ_k w_k)

    (Signorino & Ritter 1999, *International Studies Quarterly* 43(1): 115-144) with the
    city-block metric (:func:`portfolio_distance`). S lies in [−1, 1]; S_ii = 1; S is symmetric.
    """
    out: FloatArray = 1.0 - 2.0 * portfolio_distance(levels, weights, top=top)
    return out


def _level_distribution(a: NDArray[np.integer], w: FloatArray, top: int) -> FloatArray:
    """Each row's (weighted) distribution over the levels 0..top: an N×(top+1) matrix."""
    wsum = w.sum()
    out: FloatArray = np.stack([(a == v).astype(float) @ w for v in range(top + 1)], axis=1) / wsum
    return out


def chance_corrected_matrix(
    levels: NDArray[np.integer],
    weights: FloatArray | None = None,
    *,
    kind: str = "kappa",
    top: int = MAX_LEVEL,
    distance: FloatArray | None = None,
) -> FloatArray:
    """Häge's (2011) chance-corrected similarity: Cohen's κ (``kind="kappa"``) or Scott's π.

    Both are 1 − D_o / D_e, with D_o the observed (weighted, city-block, scaled by ``top``)
    disagreement of the two portfolios, as in :func:`s_score_matrix`, and D_e the disagreement
    expected by chance given the distributions of tie levels: for κ each state's own
    distribution p_i (Cohen 1960), D_e = Σ_a Σ_b p_i(a) p_j(b) |a − b| / top; for π the pooled
    distribution (p_i + p_j) / 2 for both (Scott 1955). Häge, Frank M. 2011. "Choice or
    Circumstance? Adjusting Measures of Foreign Policy Similarity for Chance Agreement."
    *Political Analysis* 19(3): 287-305. Values are at most 1 (perfect agreement) and are 0 at
    chance agreement; null (nan) when no disagreement is expected (D_e = 0). ``distance`` may
    pass D_o already computed by :func:`portfolio_distance` with the same weights.
    """
    a = np.asarray(levels)
    n = a.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if n == 0 or w.sum() <= 0:
        return np.full((n, n), np.nan)
    d_obs = portfolio_distance(a, w, top=top) if distance is None else distance
    p = _level_distribution(a, w, top)
    grid = np.arange(top + 1, dtype=float)
    m = np.abs(grid[:, None] - grid[None, :]) / top
    if kind == "kappa":
        d_exp = p @ m @ p.T
    elif kind == "pi":
        pm = p @ m
        own = np.einsum("ij,ij->i", pm, p)
        cross = pm @ p.T
        d_exp = 0.25 * (own[:, None] + own[None, :] + cross + cross.T)
    else:
        raise ValueError(f"kind must be 'kappa' or 'pi', got {kind!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - d_obs / d_exp
    out[d_exp <= 1e-15] = np.nan
    return out
