"""Evaluating one chunk of a sweep: draws → inputs with shocks → posture probabilities.

A sweep is ``variants × draws``: the variants are the points of the scenario's grid (one when
there is no grid), and each variant's draws are cut into blocks of ``chunk_size``. Chunk ``c``
is variant ``c // n_blocks``, block ``c % n_blocks``. A chunk is evaluated in one vectorised
pass: every uncertain parameter is drawn for the whole block, shocks are applied to the inputs
of every draw at once, and the posture model maps ``[draws, state-years, inputs]`` to
``[draws, state-years, postures]`` in one call.

Randomness. Parameter ``p``'s uniforms in block ``b`` come from
``numpy.random.SeedSequence(seed, spawn_key=(b, key(p)))``, i.e. child ``b`` of the root
sequence (as ``SeedSequence(seed).spawn(n)[b]``), then a stream named by a stable hash of the
parameter's name. Results therefore depend only on the seed, the block and the parameter, never
on which worker ran the chunk, how many workers there were, or which other parameters exist;
and variants of a grid share their draws (common random numbers, so differences between
variants are not Monte Carlo noise).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from ncrealism.scenario.distributions import inverse_cdf, support
from ncrealism.scenario.limits import grid_size
from ncrealism.scenario.model import PostureModel, ShockPlan, apply_shocks, combine
from ncrealism.scenario.schema import Distribution, Fixed

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "BATCH_DRAWS",
    "HIST_BINS",
    "BinnedStats",
    "ChunkResult",
    "Evaluation",
    "NegotiationModel",
    "NegotiationPlan",
    "ParamSpec",
    "Plan",
    "draw_parameters",
    "evaluate_chunk",
    "param_ranges",
    "stream_key",
]


def stream_key(name: str) -> int:
    """A stable 64-bit integer naming a random stream (first 8 bytes of sha256(name))."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class ParamSpec:
    """A drawn quantity: a model parameter (``target='model'``, column ``index`` of theta), a
    shock's value (``'shock'``) or a negotiation input (``'negotiation'``)."""

    name: str
    dist: Distribution
    target: Literal["model", "shock", "negotiation"]
    index: int = -1
    unit: str = ""


class NegotiationModel(Protocol):
    """A negotiation case evaluated for many draws at once.

    ``evaluate`` takes the case's inputs (name → values per draw) and a generator, and returns
    the agreement probability per draw and the expected durability of an agreement in days
    per draw (``nan`` where no agreement can be reached).
    """

    @property
    def case(self) -> str: ...

    @property
    def params(self) -> Mapping[str, float]: ...

    def evaluate(
        self, values: Mapping[str, FloatArray], rng: np.random.Generator
    ) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True)
class NegotiationPlan:
    """A negotiation case with the names of its drawn inputs (``negotiation.<case>.<name>``)."""

    model: NegotiationModel
    inputs: Mapping[str, str]  # case input name → parameter name in the draw matrix
    #: Shocks carried over to the case: (case input name, op, shock parameter name), in order.
    shocks: tuple[tuple[str, str, str], ...] = ()


def sweep_memory(plan: Plan, keep_draws: bool = False, chunk_size: int | None = None) -> int:
    """Estimated peak memory (bytes) of running ``plan``.

    One chunk is evaluated at a time, in batches of :data:`BATCH_DRAWS` draws (inputs,
    utilities, probabilities and the binning temporaries: six arrays of a batch's cells); its
    summaries are histograms of :data:`HIST_BINS` bins per cell (counted in 64 bits, stored in
    32, merged into a running total: 24 bytes per bin); a variant's chunks are merged one at a
    time, so only the per-draw arrays that are kept grow with the draws (negotiation outcomes
    always, posture probabilities and parameters with ``keep_draws``).
    """
    n_rows = int(plan.x.shape[0])
    n_opt = len(plan.model.options)
    n_par = len(plan.params)
    n_cases = len(plan.negotiations)
    cells = n_rows * n_opt + n_par
    size = plan.chunk_size if chunk_size is None else chunk_size
    batch = min(size, BATCH_DRAWS)
    per_draw = 2 * n_cases + (n_rows * n_opt + n_par if keep_draws else 0)
    batch_cells = n_rows * (n_opt + plan.x.shape[-1]) + n_par
    evaluate = 8 * (6 * batch * batch_cells + size * per_draw)
    summaries = cells * (HIST_BINS * 24 + 9 * 8)
    merged = 8 * plan.draws * per_draw
    return int(evaluate + summaries + merged)


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything needed to evaluate any chunk of a sweep (sent once to every worker)."""

    name: str
    scenario_hash: str
    model: PostureModel
    ccode: IntArray
    year: IntArray
    x: FloatArray
    theta_base: FloatArray  # [R, P]: R = 1 (same in every row) or N (per state-year)
    params: tuple[ParamSpec, ...]
    shocks: tuple[ShockPlan, ...] = ()
    negotiations: tuple[NegotiationPlan, ...] = ()
    grid: tuple[tuple[str, tuple[float, ...]], ...] = ()
    draws: int = 1000
    chunk_size: int = 500
    seed: int = 0
    quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.draws / self.chunk_size)

    @property
    def n_variants(self) -> int:
        """Number of grid points (1 without a grid), computed without building them."""
        return grid_size(len(values) for _, values in self.grid)

    def variant(self, index: int) -> dict[str, float]:
        """Grid point ``index`` in row-major order of the grid (``{}`` without a grid).

        Built on demand from its index (mixed-radix digits, the last parameter fastest), so a
        plan never holds its grid's cartesian product.
        """
        if not 0 <= index < self.n_variants:
            raise IndexError(f"variant {index} is outside 0..{self.n_variants - 1}")
        out: dict[str, float] = {}
        for name, values in reversed(self.grid):
            index, digit = divmod(index, len(values))
            out[name] = values[digit]
        return dict(reversed(out.items()))

    def iter_variants(self) -> Iterator[dict[str, float]]:
        """The grid points one at a time, in row-major order."""
        for i in range(self.n_variants):
            yield self.variant(i)

    @property
    def n_chunks(self) -> int:
        return self.n_variants * self.n_blocks

    def chunk_bounds(self, chunk: int) -> tuple[int, int, int]:
        """``(variant, first draw, end draw)`` of a chunk (draws numbered within a variant)."""
        if not 0 <= chunk < self.n_chunks:
            raise IndexError(f"chunk {chunk} is outside 0..{self.n_chunks - 1}")
        variant, block = divmod(chunk, self.n_blocks)
        first = block * self.chunk_size
        return variant, first, min(first + self.chunk_size, self.draws)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


#: Bins of the histograms behind the reported quantiles (resolution: range / HIST_BINS).
HIST_BINS = 1000


@dataclass(frozen=True, eq=False)
class BinnedStats:
    """Mergeable summaries over draws of an array of quantities ("cells").

    ``n`` draws; ``mean`` and ``m2`` (sum of squared deviations from the mean) per cell; and
    ``hist``: counts in :data:`HIST_BINS` equal bins of ``[lo, hi]`` per cell (shape
    ``cells + (HIST_BINS,)``; values outside the range count in the edge bins). Two summaries
    of the same cells merge exactly by the pairwise update of Chan, Golub & LeVeque (1979,
    "Updating formulae and a pairwise algorithm for computing sample variances", Stanford
    report STAN-CS-79-773, eq. 2.1) and by adding the histograms.
    """

    n: int
    mean: FloatArray
    m2: FloatArray
    hist: NDArray[np.uint32]
    lo: FloatArray
    hi: FloatArray

    @classmethod
    def of(cls, values: FloatArray, lo: FloatArray, hi: FloatArray) -> BinnedStats:
        """Summaries of ``values`` (draws on axis 0) with bins on ``[lo, hi]`` per cell."""
        d = values.shape[0]
        cells = values.shape[1:]
        n_cells = int(np.prod(cells)) if cells else 1
        mean = values.mean(axis=0)
        m2 = ((values - mean) ** 2).sum(axis=0)
        width = np.where(hi > lo, hi - lo, 1.0)
        pos = np.floor((values - lo) / width * HIST_BINS)
        bins = np.clip(pos, 0, HIST_BINS - 1).astype(np.int64)
        index = np.arange(n_cells, dtype=np.int64).reshape(cells) * HIST_BINS + bins
        counts = np.bincount(index.reshape(-1), minlength=n_cells * HIST_BINS)
        hist = counts.astype(np.uint32).reshape(*cells, HIST_BINS)
        return cls(d, mean, m2, hist, np.asarray(lo, float), np.asarray(hi, float))

    def merge(self, other: BinnedStats) -> BinnedStats:
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        m2 = self.m2 + other.m2 + delta**2 * (self.n * other.n / n)
        return BinnedStats(n, mean, m2, self.hist + other.hist, self.lo, self.hi)

    def sd(self) -> FloatArray:
        """Standard deviation over draws (ddof = 1; nan for one draw)."""
        if self.n < 2:
            return np.full(self.mean.shape, np.nan)
        return np.asarray(np.sqrt(np.maximum(self.m2, 0.0) / (self.n - 1)), dtype=np.float64)

    def quantiles(self, qs: tuple[float, ...]) -> FloatArray:
        """Quantiles ``[Q, *cells]`` read from the histogram: the value below which a share q
        of the draws falls, draws spread evenly within their bin. The sample's inverse
        empirical CDF at q (Hyndman & Fan 1996, type 1) lies in the same bin, so the two
        differ by less than one bin width, (hi − lo) / HIST_BINS, for values in range."""
        cum = np.cumsum(self.hist, axis=-1, dtype=np.int64)
        out = np.empty((len(qs), *self.mean.shape), dtype=np.float64)
        for i, q in enumerate(qs):
            target = q * self.n
            k = np.argmax(cum >= target, axis=-1)
            prev = np.where(k > 0, np.take_along_axis(cum, (k - 1)[..., None], -1)[..., 0], 0)
            count = np.take_along_axis(self.hist, k[..., None], -1)[..., 0].astype(np.float64)
            frac = np.clip((target - prev) / np.maximum(count, 1.0), 0.0, 1.0)
            out[i] = self.lo + (k + frac) / HIST_BINS * (self.hi - self.lo)
        return out


def param_ranges(plan: Plan, variant: int) -> tuple[FloatArray, FloatArray]:
    """The histogram range of every parameter in a variant: its value when it is fixed there,
    else the distribution's support where finite, else its 1e-6 and 1 − 1e-6 quantiles."""
    fixed = plan.variant(variant)
    lo = np.empty(len(plan.params))
    hi = np.empty(len(plan.params))
    for k, p in enumerate(plan.params):
        if p.name in fixed:
            lo[k] = hi[k] = fixed[p.name]
            continue
        a, b = support(p.dist)
        qa, qb = inverse_cdf(p.dist, np.array([1e-6, 1.0 - 1e-6]))
        lo[k] = a if np.isfinite(a) else qa
        hi[k] = b if np.isfinite(b) else qb
    return lo, hi


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Outcomes of a set of draws: ``probabilities [D, N, O]``, ``agreement`` and
    ``durability [D, C]``."""

    probabilities: FloatArray
    agreement: FloatArray
    durability: FloatArray


@dataclass(frozen=True, eq=False)
class ChunkResult:
    """What a chunk stores.

    ``stats`` summarises the posture probabilities of its draws (cells ``[N, O]``, range
    [0, 1]) and ``param_stats`` the drawn parameters (cells ``[K]``, ranges of
    :func:`param_ranges`). ``probabilities [D, N, O]`` and ``parameters [D, K]`` hold the
    draws themselves only when they are kept (else None). ``agreement`` and ``durability``
    ``[D, C]``, one column per negotiation case, are always stored.
    """

    chunk: int
    variant: int
    first_draw: int
    stats: BinnedStats
    param_stats: BinnedStats
    probabilities: FloatArray | None
    parameters: FloatArray | None
    agreement: FloatArray
    durability: FloatArray

    @property
    def n_draws(self) -> int:
        return int(self.stats.n)


def draw_parameters(plan: Plan, block: int, n: int, fixed: Mapping[str, float]) -> FloatArray:
    """Draw every parameter of ``plan`` for ``n`` draws of ``block`` → ``[n, K]``.

    ``fixed`` (a grid point) replaces a parameter's distribution by a value.
    """
    out = np.empty((n, len(plan.params)), dtype=np.float64)
    for k, p in enumerate(plan.params):
        if p.name in fixed:
            out[:, k] = fixed[p.name]
            continue
        if isinstance(p.dist, Fixed):
            out[:, k] = p.dist.value
            continue
        seq = np.random.SeedSequence(plan.seed, spawn_key=(block, stream_key(p.name)))
        u = np.random.default_rng(seq).random(n)
        out[:, k] = inverse_cdf(p.dist, u)
    return out


def evaluate_values(
    plan: Plan, values: FloatArray, block: int | None = None, offset: int = 0
) -> Evaluation:
    """Evaluate the model for a matrix of parameter values ``[D, K]`` (one row per draw).

    ``block`` and ``offset`` (the first draw's position in the block) name the random streams
    a negotiation model may use, so that batching a block does not change its draws.
    """
    n = values.shape[0]
    theta = np.repeat(plan.theta_base[None, :, :], n, axis=0)
    by_name: dict[str, FloatArray] = {}
    for k, p in enumerate(plan.params):
        by_name[p.name] = values[:, k]
        if p.target == "model":
            theta[:, :, p.index] = values[:, k, None]
    x = apply_shocks(plan.x, plan.shocks, by_name, plan.model.inputs)
    probs = plan.model.probabilities(x, theta)
    n_cases = len(plan.negotiations)
    agreement = np.empty((n, n_cases), dtype=np.float64)
    durability = np.empty((n, n_cases), dtype=np.float64)
    for c, neg in enumerate(plan.negotiations):
        seq = np.random.SeedSequence(
            plan.seed,
            spawn_key=(block if block is not None else 0, stream_key(neg.model.case), offset),
        )
        inputs = {k: by_name[v] for k, v in neg.inputs.items()}
        for target, op, param in neg.shocks:
            new = combine(op, inputs[target], by_name[param])
            inputs[target] = np.clip(np.broadcast_to(new, (n,)), 0.0, 1.0)
        a, dur = neg.model.evaluate(inputs, np.random.default_rng(seq))
        agreement[:, c] = a
        durability[:, c] = dur
    return Evaluation(probs, agreement, durability)


#: Draws evaluated per call of the posture model within a chunk: temporaries of shape
#: (draws, state-years) then stay in the processor's cache (see benchmarks/bench_scenario.py).
BATCH_DRAWS = 1024


def evaluate_chunk(plan: Plan, chunk: int, keep_draws: bool = False) -> ChunkResult:
    """Evaluate chunk ``chunk`` of ``plan`` (a pure function of the plan and the chunk id).

    Parameters are drawn for the whole chunk at once; the model is evaluated in batches of
    :data:`BATCH_DRAWS` draws (one vectorised call per batch) whose summaries are merged in
    order, so the result does not depend on anything but the plan and the chunk id.
    """
    variant, first, end = plan.chunk_bounds(chunk)
    block = first // plan.chunk_size
    fixed = plan.variant(variant)
    values = draw_parameters(plan, block, end - first, fixed)
    n = values.shape[0]
    stats: BinnedStats | None = None
    zero = np.zeros((plan.x.shape[0], len(plan.model.options)))
    kept: list[FloatArray] = []
    agreement: list[FloatArray] = []
    durability: list[FloatArray] = []
    for b0 in range(0, n, BATCH_DRAWS):
        r = evaluate_values(plan, values[b0 : b0 + BATCH_DRAWS], block, offset=b0)
        s = BinnedStats.of(r.probabilities, zero, zero + 1.0)
        stats = s if stats is None else stats.merge(s)
        if keep_draws:
            kept.append(r.probabilities)
        agreement.append(r.agreement)
        durability.append(r.durability)
    assert stats is not None
    lo, hi = param_ranges(plan, variant)
    return ChunkResult(
        chunk,
        variant,
        first,
        stats,
        BinnedStats.of(values, lo, hi),
        np.concatenate(kept, axis=0) if keep_draws else None,
        values if keep_draws else None,
        np.concatenate(agreement, axis=0),
        np.concatenate(durability, axis=0),
    )
