"""Array kernels of the expected-utility model (one round = a handful of n×n arrays).

Every function here is pure and works on whole arrays: no Python loop runs over actors. The
equations are those of Bueno de Mesquita (1994, 2002) in the specification of Scholz, Calbert &
Smith (2011), "Unravelling Bueno De Mesquita's group decision model", *Journal of Theoretical
Politics* 23(4): 510–531. Notation: actors i, j, k = 0..n-1, positions x, capabilities c,
saliences s, weights w = c·s, risk exponents r, position range R (fixed at the initial range).

The quantities that are naturally n×n×n, the sum of positive votes
N(i, j) = Σ_k max(0, v_k(x_i, x_j; r_k)) and the replication's denominator
Σ_k Σ_a Σ_b |v_k(x_a, x_b)|, are computed in O(n² log n) without building the cube: a voter k
prefers x_i to x_j exactly when it is strictly closer to x_i, i.e. when it lies on x_i's side
of the midpoint (x_i + x_j)/2, so with the voters sorted by position the sum over k is a
difference of two prefix (or suffix) sums of the matrix w_k·(|x_k − x_j|/R)^{r_k}; and the
sum of |U_a − U_b| over all pairs of one sorted row is a weighted sum of that row.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

#: Offer type codes used in the kernels (0 = no offer).
NO_OFFER, CONFRONTATION, COMPROMISE, CAPITULATION = 0, 1, 2, 3


def canonical_order(x: FloatArray, w: FloatArray, r: FloatArray) -> IntArray:
    """Order voters by (position, weight, exponent) so that sums do not depend on input order.

    Two voters with equal (x, w, r) contribute identical terms, so summing in this order gives
    bit-identical results for any permutation of the actors.
    """
    return np.lexsort((r, w, x))


def vote_distances(x: FloatArray, r: FloatArray, position_range: float) -> FloatArray:
    """U[k, a] = (|x_k − x_a| / R)^{r_k}: voter k's (risk-transformed) distance to position a.

    The vote of k for a over b (Scholz et al. 2011, after Bueno de Mesquita 1994) is
    v_k(a, b; r_k) = c_k·s_k·[U[k, b] − U[k, a]].
    """
    d = np.abs(x[:, None] - x[None, :]) / position_range
    return np.asarray(d ** r[:, None], dtype=np.float64)


def positive_votes(xs: FloatArray, ws: FloatArray, us: FloatArray) -> FloatArray:
    """N[a, b] = Σ_k max(0, v_k(x_a, x_b; r_k)) = Σ_k w_k·max(0, U[k, b] − U[k, a]).

    The numerator of the probability that a's position beats b's (Bueno de Mesquita 1994;
    Scholz et al. 2011). Actors must be sorted by position (``xs`` ascending; ``ws``, ``us``
    in the same order, rows and columns). Since U[k, ·] increases with distance for every
    r_k > 0, the positive part is non-zero only for voters strictly closer to x_a than to x_b:
    a prefix of the sorted voters (those left of the midpoint (x_a + x_b)/2) when x_a < x_b, a
    suffix when x_a > x_b. So N is a difference of cumulative sums: O(n² log n), no n×n×n
    array.
    """
    n = xs.shape[0]
    wu = ws[:, None] * us
    prefix = np.zeros((n + 1, n), dtype=np.float64)
    np.cumsum(wu, axis=0, out=prefix[1:])
    suffix = np.zeros((n + 1, n), dtype=np.float64)
    np.cumsum(wu[::-1], axis=0, out=suffix[1:])
    suffix = np.ascontiguousarray(suffix[::-1])  # suffix[t] = Σ_{k ≥ t}
    mid = 0.5 * (xs[:, None] + xs[None, :])  # rows ascending: fast searchsorted
    lo = np.searchsorted(xs, mid, side="left") * n  # n·#{k: x_k < midpoint}
    hi = np.searchsorted(xs, mid, side="right") * n  # n·#{k: x_k ≤ midpoint}
    col = np.arange(n)
    pf = prefix.ravel()
    sf = suffix.ravel()
    left = np.take(pf, lo + col[None, :]) - np.take(pf, lo + col[:, None])
    right = np.take(sf, hi + col[None, :]) - np.take(sf, hi + col[:, None])
    xa = xs[:, None]
    xb = xs[None, :]
    out = np.where(xa < xb, left, np.where(xa > xb, right, 0.0))
    return np.asarray(np.maximum(out, 0.0), dtype=np.float64)


def all_pairs_total(us: FloatArray, ws: FloatArray) -> float:
    """Σ_k Σ_a Σ_b |v_k(x_a, x_b; r_k)|, the replication's denominator, in O(n² log n).

    For one voter, Σ_a Σ_b |U_a − U_b| = 2·Σ_m (2m − n + 1)·U_(m) over the sorted values U_(m)
    (m = 0..n-1), so the n×n×n sum needs only a sort of each row of U.
    """
    n = us.shape[0]
    srt = np.sort(us, axis=1)
    coef = 2.0 * np.arange(n, dtype=np.float64) - (n - 1)
    per_voter = 2.0 * (srt * coef[None, :]).sum(axis=1)
    return float(np.sum(ws * per_voter))


def win_probability(
    x: FloatArray,
    w: FloatArray,
    r: FloatArray,
    position_range: float,
    denominator: Literal["pair", "all_pairs"],
) -> FloatArray:
    """P[i, j], the probability that i's position beats j's.

    ``denominator="pair"`` (Bueno de Mesquita 1994; Scholz et al. 2011, the paper):
    P(i, j) = Σ_k max(0, v_k(x_i, x_j)) / Σ_k |v_k(x_i, x_j)|, so P(i, j) + P(j, i) = 1; when no
    voter cares about the pair (zero denominator, x_i ≠ x_j) P = 1/2.

    ``denominator="all_pairs"`` (the public replication):
    P(i, j) = Σ_k max(0, v_k(x_i, x_j)) / Σ_k Σ_a Σ_b |v_k(x_a, x_b)|.

    In both cases P = 0 when x_i = x_j, and P is clipped to [0, 1] against rounding. The work
    is done with the actors in :func:`canonical_order`, so that P does not depend on the input
    order, not even in the last bit.
    """
    order = canonical_order(x, w, r)
    inv = np.empty_like(order)
    inv[order] = np.arange(order.shape[0])
    xs = x[order]
    ws = w[order]
    us = vote_distances(xs, r[order], position_range)
    num = positive_votes(xs, ws, us)
    if denominator == "pair":
        den = num + num.T
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(den > 0.0, num / den, 0.5)
    else:
        total = all_pairs_total(us, ws)
        p = num / total if total > 0.0 else np.zeros_like(num)
    p = np.where(xs[:, None] == xs[None, :], 0.0, p)
    p = np.clip(p, 0.0, 1.0)
    return np.asarray(p[np.ix_(inv, inv)], dtype=np.float64)


def utilities(
    x: FloatArray, r: FloatArray, position_range: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """U_s, U_f (n×n) and U_sq (n) from each observer i's point of view (exponent r_i).

    Scholz et al. (2011), after Bueno de Mesquita (1994), with d = |x_i − x_j| / R:
    U_s = 2 − 4·(0.5 − 0.5·d)^{r_i}, U_f = 2 − 4·(0.5 + 0.5·d)^{r_i}, U_sq = 2 − 4·0.5^{r_i}.
    Row i holds the utilities of a challenge across the distance |x_i − x_j| as seen by i.
    """
    d = np.abs(x[:, None] - x[None, :]) / position_range
    rr = r[:, None]
    u_s = 2.0 - 4.0 * np.maximum(0.5 - 0.5 * d, 0.0) ** rr
    u_f = 2.0 - 4.0 * (0.5 + 0.5 * d) ** rr
    u_sq = 2.0 - 4.0 * 0.5**r
    return (
        np.asarray(u_s, dtype=np.float64),
        np.asarray(u_f, dtype=np.float64),
        np.asarray(u_sq, dtype=np.float64),
    )


def expected_utilities(
    x: FloatArray,
    s: FloatArray,
    r: FloatArray,
    p: FloatArray,
    position_range: float,
    q: float,
) -> tuple[FloatArray, FloatArray]:
    """E[i, j] = e_ij = EU_i(i→j) and F[i, j] = e_ji = EU_i(j→i), both seen by i (exponent r_i).

    Scholz et al. (2011), after Bueno de Mesquita (1994, 2002):
    EU_p(i→j) = s_j·[P(i,j)·U_s + (1 − P(i,j))·U_f] + (1 − s_j)·U_s − q·U_sq,
    computed in the algebraically identical form U_s − s_j·(1 − P(i,j))·(U_s − U_f) − q·U_sq,
    so that with s_j = 0 the inequality e_ji ≤ e_ij holds exactly in floating point too (the
    zero-salience invariant in :mod:`ncrealism.negotiation.eum`).
    """
    u_s, u_f, u_sq = utilities(x, r, position_range)
    gap = u_s - u_f
    base = u_s - q * u_sq[:, None]
    e = base - s[None, :] * (1.0 - p) * gap
    f = base - s[:, None] * (1.0 - p.T) * gap
    return np.asarray(e, dtype=np.float64), np.asarray(f, dtype=np.float64)


def risk_exponents(
    x: FloatArray,
    s: FloatArray,
    w: FloatArray,
    position_range: float,
    denominator: Literal["pair", "all_pairs"],
    q: float,
) -> FloatArray:
    """Risk exponents r, recomputed from scratch with every r set to 1 first.

    Bueno de Mesquita (1994) as specified by Scholz et al. (2011): danger
    D_a = Σ_{b≠a} EU_a(b→a); risk acceptance ρ_a = (2·D_a − max D − min D)/(max D − min D);
    r_a = (1 − ρ_a/3)/(1 + ρ_a/3), so r ∈ [1/2, 2]. When every actor faces the same danger
    (max D = min D) the formula is 0/0; here ρ = 0 and r = 1.
    """
    n = x.shape[0]
    ones = np.ones(n, dtype=np.float64)
    order = canonical_order(x, w, ones)
    p1 = win_probability(x, w, ones, position_range, denominator)
    _, f1 = expected_utilities(x, s, ones, p1, position_range, q)
    np.fill_diagonal(f1, 0.0)
    danger = f1[:, order].sum(axis=1)
    d_max = float(danger.max())
    d_min = float(danger.min())
    if d_max == d_min:
        return ones
    rho = (2.0 * danger - d_max - d_min) / (d_max - d_min)
    return np.asarray((1.0 - rho / 3.0) / (1.0 + rho / 3.0), dtype=np.float64)


def offer_matrices(
    x: FloatArray, e: FloatArray, f: FloatArray, capitulation: Literal["paper", "never"]
) -> tuple[NDArray[np.int8], FloatArray]:
    """Offer type (0 none, 1 confrontation, 2 compromise, 3 capitulation) and new position.

    Scholz et al. (2011), after Bueno de Mesquita (1994), for actor i facing j with x_j ≠ x_i:
    confrontation if e_ji > e_ij > 0 (i moves to x_j); compromise if e_ji > 0 > e_ij and
    e_ji > |e_ij| (i moves to x_i + (x_j − x_i)·|e_ij/e_ji|); capitulation if e_ji > 0 > e_ij
    and e_ji < |e_ij| (i moves to x_j). ``capitulation="never"`` reproduces the public
    replication, whose test (e_ji < |e_ji|) can never hold.
    """
    xi = x[:, None]
    xj = x[None, :]
    valid = xi != xj
    conf = valid & (f > e) & (e > 0.0)
    lose = valid & (f > 0.0) & (e < 0.0)
    comp = lose & (f > np.abs(e))
    kind = np.zeros(e.shape, dtype=np.int8)
    kind[conf] = CONFRONTATION
    kind[comp] = COMPROMISE
    if capitulation == "paper":
        cap = lose & (f < np.abs(e))
        kind[cap] = CAPITULATION
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(np.where(comp, e, 0.0) / np.where(comp, f, 1.0))
    new = np.where(comp, xi + (xj - xi) * ratio, np.broadcast_to(xj, e.shape))
    return kind, np.asarray(new, dtype=np.float64)


def choose_offers(
    x: FloatArray,
    e: FloatArray,
    f: FloatArray,
    kind: NDArray[np.int8],
    new: FloatArray,
    compromise: Literal["least_move", "weighted_position"],
    ties: Literal["order_free", "input_order"],
) -> tuple[IntArray, IntArray]:
    """For every actor, the offer it takes: (counterpart index or −1, offer type code).

    Bueno de Mesquita (1994) and Scholz et al. (2011): a confrontation if there is one, else a
    compromise, else a capitulation; within a type, the offer that moves the actor least.
    ``compromise="weighted_position"`` reproduces the replication, which picks the compromise
    with the smallest (|e_ij|·x_i + |e_ji|·x_j)/(|e_ij| + |e_ji|). Ties: ``"input_order"`` takes
    the first counterpart in input order (the replication); ``"order_free"`` takes the largest
    e_ji, then the smallest new position, then the smallest e_ij (the most resolute
    counterpart), and only then input order, which can then decide nothing but which of
    several identical offers (same position, same salience) is reported.
    """
    present = kind > 0
    best_kind = np.where(
        (kind == CONFRONTATION).any(axis=1),
        CONFRONTATION,
        np.where(
            (kind == COMPROMISE).any(axis=1),
            COMPROMISE,
            np.where((kind == CAPITULATION).any(axis=1), CAPITULATION, 0),
        ),
    )
    mask = present & (kind == best_kind[:, None])
    key = np.abs(new - x[:, None])
    if compromise == "weighted_position":
        ae = np.abs(e)
        af = np.abs(f)
        with np.errstate(divide="ignore", invalid="ignore"):
            wpos = (ae * x[:, None] + af * x[None, :]) / (ae + af)
        key = np.where((best_kind == COMPROMISE)[:, None], wpos, key)
    key = np.where(mask, key, np.inf)
    if ties == "input_order":
        choice = np.argmin(key, axis=1)
    else:
        tied = mask & (key == key.min(axis=1)[:, None])
        f_t = np.where(tied, f, -np.inf)
        tied &= f_t == f_t.max(axis=1)[:, None]
        n_t = np.where(tied, new, np.inf)
        tied &= n_t == n_t.min(axis=1)[:, None]
        e_t = np.where(tied, e, np.inf)
        tied &= e_t == e_t.min(axis=1)[:, None]
        choice = np.argmax(tied, axis=1)
    has = mask.any(axis=1)
    counterpart = np.where(has, choice, -1).astype(np.intp)
    taken = np.where(has, best_kind, 0).astype(np.intp)
    return counterpart, taken


def weighted_mean(x: FloatArray, w: FloatArray) -> float:
    """Σ_k w_k·x_k / Σ_k w_k with w = c·s (Bueno de Mesquita 1994, the "mean" forecast)."""
    return float(np.sum(w * x) / np.sum(w))


def vote_median(x: FloatArray, w: FloatArray) -> float:
    """The pairwise-vote (Condorcet) winner among the actors' positions, all exponents 1.

    Position a beats b when Σ_k v_k(a, b; 1) = Σ_k w_k·(|x_k − b| − |x_k − a|)/R > 0, i.e. when
    T(a) < T(b) with T(a) = Σ_k w_k·|x_k − a|; the winner minimises T (the weighted median,
    Bueno de Mesquita 1994). When several positions tie (to 1e-12 relative), the smallest is
    returned; the replication's answer then depends on an arbitrary iteration order.
    """
    cand = np.unique(x)
    t = np.abs(x[None, :] - cand[:, None]) @ w
    scale = float(np.sum(w) * (cand[-1] - cand[0])) or 1.0
    best = t <= t.min() + 1e-12 * scale
    return float(cand[np.argmax(best)])
