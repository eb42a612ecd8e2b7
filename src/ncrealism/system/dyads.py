"""Dyadic power: relative power, power projected over distance, alliances, portfolio similarity.

Every function computes its measure for all dyad-years of the requested years at once, from
the arrays of :mod:`ncrealism.system._panel` (COW states of the NMC data; capital distances;
COW alliances and contiguity). Directed frames hold (a, b) and (b, a); rows are ordered by
``year``, ``ccode1``, ``ccode2`` (the same dyad-years as
:func:`ncrealism.data.frames.create_dyadyears`, which orders them by dyad first).

Measures
--------

**Relative power** (:func:`dyad_power`): ``power_share = cinc1 / (cinc1 + cinc2)`` (state 1's
share of the dyad's capabilities, 0-1) and ``power_ratio = cinc1 / cinc2``.

**Loss-of-strength gradient, Bueno de Mesquita** (:func:`loss_of_strength`). Bueno de Mesquita
(1981, *The War Trap*, Yale UP) discounts a state's capability by the distance over
which it must be projected:

    cinc_projected = cinc ** log10(miles / miles_per_day + (10 − e))

with ``miles`` the distance between the two capitals (statute miles; Gleditsch & Ward 2001
``capdist``), ``e`` Euler's number and ``miles_per_day`` the distance a state can move its
power in one day. CINC is below 1, so the exponent (log10(10 − e) ≈ 0.862 at zero distance,
1 at e·miles_per_day, rising with distance) shrinks capability as distance grows, and strong
states lose proportionally less. EUGene (Bennett & Stam 2000, "EUGene: A Conceptual Manual",
*International Interactions* 26(2): 179-204) implements this adjustment with a miles-per-day
rate that rises with transport technology. This library uses :class:`LossOfStrength` with the
eras 1816-1918: 250, 1919-1945: 375, from 1946: 500 miles per day. Neither *The War Trap* nor
the EUGene manual could be consulted when this was written, so the era table is a documented,
overridable parameter rather than a verified copy of either
(``LossOfStrength(eras=((1816, 250.0),))`` gives a single rate throughout). Dyads without a
capital distance (13 pre-unification German and Italian states, Kosovo, South Sudan and four
Pacific microstates; see :mod:`ncrealism.data.distance`) get null.

**Linear gradient, Boulding** (:func:`boulding_gradient`): Boulding (1962, *Conflict and
Defense*, Harper) lets strength fall linearly with distance, ``P(d) = max(0, P − s·d)``. The
slope ``s`` is not given in CINC units by Boulding; the default 0.01 CINC per 1,000 miles is a
convention of this library (a middle power with CINC 0.01 has no strength left 1,000 miles
from home; the United States' 0.14 of 2000 keeps half over 7,000 miles).

**Alliance-augmented power** (:func:`alliance_augmented_power`): a state's CINC plus the CINC
of each ally weighted by the strongest obligation between them, with
:class:`AllianceWeights` (defaults proportional to the ordinal commitment scale of Bueno de
Mesquita 1975/1981 and Signorino & Ritter 1999: defense pact 3/3, neutrality 2/3,
non-aggression 2/3, entente 1/3; overridable).

**Alliance-portfolio similarity** (:func:`s_score`): each state's portfolio is its vector of
commitment levels with every state in the system that year (3 defense pact, 2 neutrality or
non-aggression, 1 entente, 0 none; 3 with itself; Bueno de Mesquita 1975). Signorino & Ritter's
(1999, *International Studies Quarterly* 43(1): 115-144) S is
``1 − 2 Σ_k w_k |a_ik − a_jk| / (3 Σ_k w_k)`` with w_k = 1 (``s_unweighted``) or the CINC of k
(``s_weighted``), in [−1, 1]; Häge's (2011, *Political Analysis* 19(3): 287-305) chance-
corrected Cohen's κ (``kappa``) and Scott's π (``pi``) use the same distances (unweighted).
See :mod:`ncrealism.system._kernels` for the exact formulas.

Coverage and carrying forward: alliances end in 2012 and contiguity in 2016. For later years
(NMC v7.0, or an extension) the last covered year's alliances and contiguity are carried
forward by default and flagged (``alliance_carried``, ``contiguity_carried``); with
``carry_forward=False`` they are null. :func:`ncrealism.data.frames.add_alliances` applies the
same rule, so both routes give the same flags. A flag the publisher left blank (the entente of
alliance 122, Iran-Turkey, 1926-1936) is null on both routes and counts as no obligation in
``alliance_level`` and the S-scores.

Columns (directed dyad-year frames; ``1`` = ``ccode1``'s, ``2`` = ``ccode2``'s)
------------------------------------------------------------------------------

==================  ========  ============================================================
column              dtype     meaning (unit)
==================  ========  ============================================================
ccode1, ccode2      Int64     COW codes
year                Int64     calendar year
cinc1, cinc2        Float64   CINC (share of system capabilities, 0-1)
power_share         Float64   cinc1 / (cinc1 + cinc2) (0-1)
power_ratio         Float64   cinc1 / cinc2
miles               Float64   capital-to-capital distance (statute miles)
miles_per_day       Float64   loss-of-strength rate of the year's era (miles per day)
cinc1_projected     Float64   state 1's CINC projected to state 2's capital (BdM 1981)
cinc2_projected     Float64   state 2's CINC projected to state 1's capital (BdM 1981)
cinc1_linear        Float64   state 1's CINC at state 2's capital, Boulding's linear gradient
cinc2_linear        Float64   state 2's CINC at state 1's capital, Boulding's linear gradient
conttype            Int8      COW direct contiguity type (1 land, 2-5 water; 0 none)
defense_pact        Boolean   alliance flags of the dyad that year (COW v4.1)
neutrality          Boolean
nonaggression       Boolean
entente             Boolean
alliance_level      Int8      strongest commitment: 3 defense, 2 neutrality/non-aggression,
                              1 entente, 0 none
s_unweighted        Float64   Signorino & Ritter S, unweighted (−1 to 1)
s_weighted          Float64   Signorino & Ritter S, weighted by CINC (−1 to 1)
kappa               Float64   Häge's Cohen's κ (≤ 1; 0 = chance agreement)
pi                  Float64   Häge's Scott's π (≤ 1; 0 = chance agreement)
alliance_carried    Boolean   alliances carried forward from 2012
contiguity_carried  Boolean   contiguity carried forward from 2016
==================  ========  ============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl
from numpy.typing import DTypeLike, NDArray

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import DEFAULT_NMC_VERSION
from ncrealism.errors import InputError
from ncrealism.system import _kernels as k
from ncrealism.system._common import Years, year_list
from ncrealism.system._panel import (
    CARRIED,
    FLAG_BITS,
    LEVEL_OF_FLAGS,
    UNKNOWN,
    Blocks,
    Panel,
    RowIndex,
    RowPart,
    build_panel,
)
from ncrealism.system.capabilities import NMCVersion

__all__ = [
    "AllianceWeights",
    "LossOfStrength",
    "alliance_augmented_power",
    "boulding_gradient",
    "chance_corrected_matrix",
    "dyad_power",
    "dyad_years",
    "loss_of_strength",
    "lsg_exponent_rows",
    "s_score",
    "s_score_matrix",
]

s_score_matrix = k.s_score_matrix
chance_corrected_matrix = k.chance_corrected_matrix

FloatArray = NDArray[np.float64]
Measure = Literal["power", "distance", "lsg", "boulding", "contiguity", "alliances", "similarity"]
ALL_MEASURES: tuple[Measure, ...] = (
    "power",
    "distance",
    "lsg",
    "boulding",
    "contiguity",
    "alliances",
    "similarity",
)
SimilarityVariant = Literal["s_unweighted", "s_weighted", "kappa", "pi"]
ALL_VARIANTS: tuple[SimilarityVariant, ...] = ("s_unweighted", "s_weighted", "kappa", "pi")


@dataclass(frozen=True)
class LossOfStrength:
    """Miles per day by era for Bueno de Mesquita's (1981) gradient (see the module docstring).

    ``eras`` lists ``(first year, miles per day)`` in increasing year order; each rate holds
    from its first year until the next era begins.
    """

    eras: tuple[tuple[int, float], ...] = ((1816, 250.0), (1919, 375.0), (1946, 500.0))

    def __post_init__(self) -> None:
        if not self.eras:
            raise InputError("LossOfStrength needs at least one (first year, miles per day) era")
        starts = [y for y, _ in self.eras]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise InputError(f"LossOfStrength eras must start in increasing years: {starts}")
        if any(r <= 0 for _, r in self.eras):
            raise InputError("miles per day must be positive")

    def miles_per_day(self, years: NDArray[np.integer] | Sequence[int]) -> FloatArray:
        """The era rate for each year (years before the first era take the first rate)."""
        starts = np.array([y for y, _ in self.eras])
        rates = np.array([r for _, r in self.eras], dtype=float)
        pos = np.searchsorted(starts, np.asarray(years), side="right") - 1
        return rates[np.clip(pos, 0, None)]


@dataclass(frozen=True)
class AllianceWeights:
    """Weight of an ally's capability by the strongest obligation between the two states.

    Defaults are the ordinal commitment levels of Bueno de Mesquita (1975, 1981) and Signorino
    & Ritter (1999) divided by their maximum: defense pact 3/3, neutrality 2/3, non-aggression
    2/3, entente 1/3. Each must lie in [0, 1]; a dyad counts once, at its largest weight.
    """

    defense_pact: float = 1.0
    neutrality: float = 2.0 / 3.0
    nonaggression: float = 2.0 / 3.0
    entente: float = 1.0 / 3.0

    def __post_init__(self) -> None:
        for name in FLAG_BITS:
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"alliance weight {name}={v} must lie in [0, 1]")

    def of_flags(self, flags: NDArray[np.uint8]) -> FloatArray:
        """The weight of each dyad given its obligation bits (0 without an alliance)."""
        bits = np.arange(16, dtype=np.uint8)
        table = np.zeros(16)
        for name, bit in FLAG_BITS.items():
            table = np.maximum(table, np.where(bits & bit, getattr(self, name), 0.0))
        return np.asarray(np.take(table, flags), dtype=np.float64)


@dataclass(frozen=True)
class DyadOptions:
    """Options of :func:`dyad_years` (each documented in the module docstring)."""

    lsg: LossOfStrength = field(default_factory=LossOfStrength)
    boulding_slope: float = 0.01
    variants: tuple[SimilarityVariant, ...] = ALL_VARIANTS

    def __post_init__(self) -> None:
        if self.boulding_slope < 0:
            raise InputError("boulding_slope (CINC per 1,000 miles) must be non-negative")
        bad = [v for v in self.variants if v not in ALL_VARIANTS]
        if bad:
            raise InputError(f"unknown similarity variant(s) {bad}; choose from {ALL_VARIANTS}")


def _year_positions(panel: Panel, years: Years | None) -> NDArray[np.int64] | None:
    if years is None:
        return None
    return panel.year_positions(year_list(years))


def similarity_matrices(
    panel: Panel, t: int, idx: NDArray[np.int64], variants: Sequence[str]
) -> dict[str, FloatArray]:
    """One year's n×n similarity matrices among the states ``idx`` (portfolios over them)."""
    lev = panel.levels(t)[np.ix_(idx, idx)]
    out: dict[str, FloatArray] = {}
    want = set(variants)
    plain = bool(want & {"s_unweighted", "kappa", "pi"})
    weights: list[FloatArray | None] = [None] if plain else []
    if "s_weighted" in want:
        weights.append(np.nan_to_num(panel.cinc[t, idx], nan=0.0))
    dists = k.portfolio_distances(lev, weights)
    if plain:
        d = dists[0]
        if "s_unweighted" in want:
            out["s_unweighted"] = 1.0 - 2.0 * d
        for kind in ("kappa", "pi"):
            if kind in want:
                out[kind] = k.chance_corrected_matrix(lev, kind=kind, distance=d)
    if "s_weighted" in want:
        out["s_weighted"] = 1.0 - 2.0 * dists[-1]
    return out


@dataclass(frozen=True)
class LsgTable:
    """Bueno de Mesquita's exponent ``log10(miles / miles_per_day + 10 − e)`` for every era and
    pair of states (``table[e]``, K×K flattened) and the era of each year (frames are computed
    part by part, a new part at each new era)."""

    table: FloatArray
    era_of_year: NDArray[np.int64]

    @classmethod
    def of(cls, panel: Panel, lsg: LossOfStrength) -> LsgTable:
        rates = lsg.miles_per_day(panel.years)
        eras, era_of_year = np.unique(rates, return_inverse=True)
        with np.errstate(invalid="ignore"):
            table = k.lsg_exponent(panel.miles[None, :, :], eras[:, None, None])
        return cls(table.reshape(eras.size, -1), era_of_year.astype(np.int64))

    def rows(self, part: RowPart, pair: NDArray[np.int64]) -> FloatArray:
        """The exponent at the rows of ``part`` (within one era), given their K×K positions."""
        if part.hi == part.lo:
            return np.zeros(0)
        t = part.index.blocks.tpos[part.b_lo]
        out: FloatArray = np.take(self.table[self.era_of_year[t]], pair)
        return out


def lsg_exponent_rows(panel: Panel, index: RowIndex, lsg: LossOfStrength) -> FloatArray:
    """Bueno de Mesquita's exponent ``log10(miles / miles_per_day + 10 − e)`` of every row.

    Distances do not change over time and the rate only by era, so the exponent is computed
    once per era and pair of states, then read at the rows (:class:`LsgTable`).
    """
    table = LsgTable.of(panel, lsg)
    nk = panel.codes.size
    kpos = index.k_of_state
    out = np.empty(index.blocks.n_rows, dtype=np.float64)
    for part in index.parts(by=table.era_of_year):
        out[part.rows] = table.rows(part, part.pair(kpos * nk, kpos))
    return out


def _level_cells(
    blocks: Blocks, years: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The non-zero tie levels a_ik of the portfolios in the years ``years`` (T booleans): the
    state-year indices (into :attr:`Blocks.states`) of i and k and the level (1-3), with the
    top level for a state's tie with itself; sorted by i, then k (the order of the flat
    T×K×K positions, since state-years are indexed in year, then code order)."""
    panel = blocks.panel
    nk = panel.codes.size
    kk2 = nk * nk
    states = blocks.states
    cells = panel.ally_cells
    own = states.flat[years[states.flat // nk]]  # t·K + k of the years' state-years
    cells = np.sort(np.concatenate([cells[years[cells // kk2]], own * nk + own % nk]))
    si = np.take(states.lookup, cells // nk)
    sk = np.take(states.lookup, (cells // kk2) * nk + cells % nk)
    keep = (si >= 0) & (sk >= 0)
    cells, si, sk = cells[keep], si[keep], sk[keep]
    lev = np.take(LEVEL_OF_FLAGS, np.take(panel.flags, cells)).astype(np.int64)
    lev[si == sk] = k.MAX_LEVEL
    return si, sk, lev


@dataclass(frozen=True)
class PortfolioTerms:
    """The terms of Signorino & Ritter's portfolio distance for one weighting (see
    :func:`portfolio_distance_rows`): ``r`` = Σ_k w_k a_ik per state-year, the non-zero cross
    terms ``2 Σ_k w_k min(a_ik, a_jk)`` at the rows ``cross_rows`` (grouped by the state-year
    of i, ``cross_state``) and ``scale`` = 1 / (3 Σ_k w_k) per year (NaN: unknown)."""

    r: FloatArray
    cross_rows: NDArray[np.int64]
    cross_state: NDArray[np.int64]
    cross: FloatArray
    scale: FloatArray

    def rows(
        self, part: RowPart, out: FloatArray | None = None, *, s_score: bool = False
    ) -> FloatArray:
        """The distance ``d`` at the rows of ``part`` (``s_score``: S = 1 − 2d), written to
        ``out`` if given."""
        d: FloatArray = np.add(part.first(self.r), part.second(self.r), out=out)
        a, b = np.searchsorted(self.cross_state, [part.s_lo, part.s_hi])
        d[self.cross_rows[a:b] - part.lo] -= self.cross[a:b]
        d *= part.per_year(self.scale)
        np.clip(d, 0.0, 1.0, out=d)
        if s_score:
            d *= -2.0
            d += 1.0
        return d


def portfolio_terms(blocks: Blocks, weighted: Sequence[bool]) -> list[PortfolioTerms] | None:
    """The :class:`PortfolioTerms` of each weighting (None: no year with known alliances).

    ``weighted[m]`` False: every state of the year weighs 1; True: each state k weighs its CINC
    (missing CINC: 0). With ``|a − b| = a + b − 2·min(a, b)``, the cross terms
    ``Σ_k w_k min(a_ik, a_jk)`` of every year are one sparse product (block-diagonal by year)
    ``Z E_wᵀ``, with ``Z[j, (k, m)] = min(a_jk, m)`` for m = 1..3 and ``E_w[i, (k, m)] = w_k``
    where ``a_ik = m``: each of i's ties meets each tie of the same partner k once, so the
    product costs Σ_k (ties of k)² multiply-adds. The unweighted terms are sums of integers
    (exact); a weighted term adds ``w_k·min(a_ik, a_jk)`` once per partner, which can differ
    in the last bits (about 1e-15 in S) from a sum taken level by level
    (:func:`ncrealism.system._kernels.portfolio_distances`).
    """
    from scipy import sparse

    panel = blocks.panel
    nt = panel.present.shape[0]
    top = k.MAX_LEVEL
    sel = np.zeros(nt, dtype=bool)
    sel[blocks.tpos] = True
    sel &= panel.alliance_status != UNKNOWN
    if not sel.any() or blocks.n_rows == 0 or not weighted:
        return None
    states = blocks.states
    n_states = states.flat.size
    si, sk, lev = _level_cells(blocks, sel)
    # Σ_k w_k min(a_ik, a_jk) = (Z E_wᵀ)_ij with Z[j, (k, m)] = min(a_jk, m), m = 1..top, and
    # E_w[i, (k, m)] = w_k·1[a_ik = m]: each tie of i meets every tie of k once
    shape = (n_states, n_states * top)
    indptr = np.zeros(n_states + 1, dtype=np.int64)
    np.cumsum(np.bincount(si, minlength=n_states), out=indptr[1:])
    levels = np.arange(1, top + 1)
    z = sparse.csr_matrix(
        (
            np.minimum(lev[:, None], levels).astype(np.float64).reshape(-1),
            ((sk * top)[:, None] + (levels - 1)).reshape(-1),
            indptr * top,
        ),
        shape=shape,
    )
    w_one = np.ones(n_states)
    w_cinc = np.nan_to_num(panel.cinc.reshape(-1)[states.flat], nan=0.0)
    if all(weighted) or not any(weighted):
        w_e = w_cinc if weighted[0] else w_one
    else:  # both weightings in one product: real part weights 1, imaginary part weights CINC
        w_e = w_one + 1j * w_cinc
    e = sparse.csr_matrix((w_e[sk], sk * top + (lev - 1), indptr), shape=shape)
    cross = sparse.csr_matrix(z @ e.T.tocsr())
    # the row of the pair (j, i) of one year: j's first row plus i's place among j's partners
    # (directed: i's rank, less one past the diagonal; non-directed: i − j − 1, for i > j)
    cstate = np.repeat(np.arange(n_states, dtype=np.int64), np.diff(cross.indptr))
    other = cross.indices.astype(np.int64)
    ahead = other > cstate
    ok = other != cstate if blocks.directed else ahead
    crow = other - cstate
    crow += states.first_row[cstate]
    crow -= ahead
    if blocks.directed:
        crow += states.rank[cstate]
    crow, cstate, cdata = crow[ok], cstate[ok], cross.data[ok]
    pres = panel.present & sel[:, None]
    out: list[PortfolioTerms] = []
    for use_cinc in weighted:
        w = w_cinc if use_cinc else w_one
        # the year's total weight, summed over the T×K array as in the year-by-year kernel
        wsum = np.where(pres, np.nan_to_num(panel.cinc, nan=0.0), 0.0) if use_cinc else pres
        wsum = wsum.sum(axis=1, dtype=np.float64)
        r: FloatArray = np.bincount(si, weights=w[sk] * lev, minlength=n_states).astype(
            np.float64, copy=False
        )
        part = cdata.imag if use_cinc and np.iscomplexobj(cdata) else cdata.real
        scale = np.full(nt, np.nan)
        good = sel & (wsum > 0)
        scale[good] = 1.0 / (top * wsum[good])  # NaN: alliances unknown or no weight
        out.append(PortfolioTerms(r, crow, cstate, 2.0 * part, scale))
    return out


def portfolio_distance_rows(
    blocks: Blocks, index: RowIndex, weighted: Sequence[bool]
) -> list[FloatArray]:
    """Signorino & Ritter's scaled portfolio distance ``d`` of every row, for each weighting.

    ``weighted[m]`` False: every state of the year weighs 1; True: each state k weighs its CINC
    (missing CINC: 0). ``d_ij = Σ_k w_k |a_ik − a_jk| / (3 Σ_k w_k)`` over the states k of the
    year, exactly as :func:`ncrealism.system._kernels.portfolio_distances`, for all years at
    once (:func:`portfolio_terms`): ``Σ_k w_k a_ik`` is read at the rows of both states and the
    cross terms scattered to the few rows where they are not 0. NaN in years whose alliances
    are unknown or whose weights sum to 0.
    """
    terms = portfolio_terms(blocks, weighted)
    n_rows = blocks.n_rows
    if terms is None:
        return [np.full(n_rows, np.nan) for _ in weighted]
    out = [np.empty(n_rows) for _ in weighted]
    for part in index.parts():
        for d, term in zip(out, terms, strict=True):
            d[part.rows] = term.rows(part)
    return out


def _scatter(
    n_rows: int, rows: NDArray[np.int64], values: NDArray[Any] | bool, dtype: type[np.generic]
) -> NDArray[Any]:
    """An array of ``n_rows`` zeros holding ``values`` at ``rows``."""
    out = np.zeros(n_rows, dtype=dtype)
    out[rows] = values
    return out


#: Where a part's computation writes a column: its rows of the column for a name and dtype.
Slot = Callable[[str, DTypeLike], NDArray[Any]]

#: Further columns of a part of a frame from the part's measures, written to the slot (see
#: :func:`dyad_columns`).
PartColumns = Callable[[RowPart, Mapping[str, FloatArray], Slot], None]


class _Columns(dict[str, NDArray[Any]]):
    """Output columns filled part by part."""

    def __init__(self, n_rows: int) -> None:
        super().__init__()
        self.n_rows = n_rows

    def put(self, name: str, part: RowPart, values: NDArray[Any]) -> None:
        self.slot(name, part, values.dtype)[...] = values

    def slot(self, name: str, part: RowPart, dtype: DTypeLike) -> NDArray[Any]:
        """The rows of ``part`` in column ``name`` (created with ``dtype`` if new), to write."""
        arr = self.get(name)
        if arr is None:
            arr = self[name] = np.empty(self.n_rows, dtype=dtype)
        return arr[part.rows]

    def writer(self, part: RowPart) -> Slot:
        """:meth:`slot` for the rows of ``part``."""
        return lambda name, dtype: self.slot(name, part, dtype)


#: The float columns of the measures, in the documented order (module docstring).
_MEASURE_ORDER = (
    "cinc1",
    "cinc2",
    "power_share",
    "power_ratio",
    "miles",
    "miles_per_day",
    "cinc1_projected",
    "cinc2_projected",
    "cinc1_linear",
    "cinc2_linear",
)


def dyad_columns(
    blocks: Blocks,
    measures: Sequence[Measure],
    options: DyadOptions,
    index: RowIndex | None = None,
    lsg_exponent: FloatArray | None = None,
    extra: PartColumns | None = None,
) -> dict[str, NDArray[np.generic]]:
    """The key and measure columns of the dyad-years of ``blocks`` as NumPy arrays.

    Every column is read from the panel's year × state (× state) arrays at the rows' positions
    (``index``, from :meth:`Blocks.index` when not given), part by part
    (:meth:`RowIndex.parts`): state-year values by :meth:`RowPart.first` /
    :meth:`RowPart.second`, the few dyad-years with an alliance or a border scattered from the
    panel's lists of cells; no loop over years except for the chance-corrected similarity
    variants (names and units in the module docstring). ``lsg_exponent`` may pass
    :func:`lsg_exponent_rows` already computed. Projected capabilities are computed as
    ``exp(x · ln CINC)``, which equals ``CINC ** x`` to rounding; in a directed frame with
    symmetric distances the second state's is the first state's of the transposed row (the
    same number). ``extra`` (needs the measures power, lsg, distance and the ``s_unweighted``
    variant) computes further columns, appended last, from each part's ``cinc2``,
    ``cinc2_projected``, ``miles``, ``lsg_exponent`` and ``s_unweighted``, writing each in
    place in the output (the slot it is given).
    """
    panel = blocks.panel
    ix = blocks.index() if index is None else index
    n_rows = blocks.n_rows
    want = set(measures)
    nk = panel.codes.size
    kpos = ix.k_of_state
    kpos_nk = kpos * nk
    codes = panel.codes[kpos]
    cinc = ix.of_states(panel.cinc)
    need_miles = bool(want & {"distance", "lsg", "boulding"})
    lsg = LsgTable.of(panel, options.lsg) if "lsg" in want else None
    if lsg is not None:
        with np.errstate(divide="ignore"):
            log_cinc = np.log(cinc)
        rates = options.lsg.miles_per_day(panel.years)
    symmetric = blocks.directed and np.array_equal(panel.miles, panel.miles.T, equal_nan=True)
    variants: list[str] = list(options.variants) if "similarity" in want else []
    plain = [name for name in variants if name in ("s_unweighted", "s_weighted")]
    terms = portfolio_terms(blocks, [name == "s_weighted" for name in plain]) if plain else None
    miles_k = panel.miles.reshape(-1)
    cols = _Columns(n_rows)
    more = _Columns(n_rows)

    # the first state's values and the year's, for the whole frame at once (one repeat each)
    cols["ccode1"] = ix.first(codes)
    cols["ccode2"] = np.empty(n_rows, dtype=np.int64)
    cols["year"] = ix.per_year(panel.years)
    cinc1 = ix.first(cinc)
    if "power" in want:
        cols["cinc1"] = cinc1
    if lsg is not None:
        cols["miles_per_day"] = ix.per_year(rates)

    def compute(part: RowPart) -> None:
        slot = cols.slot
        part.second(codes, out=slot("ccode2", part, np.int64))
        c1 = cinc1[part.rows]
        miles = expo = p2 = np.zeros(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if "power" in want:
                c2 = part.second(cinc, out=slot("cinc2", part, np.float64))
                share = np.add(c1, c2, out=slot("power_share", part, np.float64))
                np.divide(c1, share, out=share)
                np.divide(c1, c2, out=slot("power_ratio", part, np.float64))
            else:
                c2 = part.second(cinc)
            if need_miles:
                pair = part.pair(kpos_nk, kpos)
                miles = np.take(miles_k, pair, out=slot("miles", part, np.float64))
            if lsg is not None:
                expo = lsg.rows(part, pair) if lsg_exponent is None else lsg_exponent[part.rows]
                p1 = np.multiply(
                    part.first(log_cinc), expo, out=slot("cinc1_projected", part, np.float64)
                )
                np.exp(p1, out=p1)
                p2 = slot("cinc2_projected", part, np.float64)
                if symmetric:
                    # x(d_ij) = x(d_ji): state 2's projection is state 1's in the row (j, i)
                    part.transpose_into(p1, p2)
                else:
                    np.multiply(part.second(log_cinc), expo, out=p2)
                    np.exp(p2, out=p2)
            if "boulding" in want:
                drop = options.boulding_slope * miles / 1000.0
                # np.maximum propagates NaN, so a missing CINC or distance stays missing.
                cols.put("cinc1_linear", part, np.maximum(c1 - drop, 0.0))
                cols.put("cinc2_linear", part, np.maximum(c2 - drop, 0.0))
        got: dict[str, FloatArray] = {}
        for name, term in zip(plain, terms or (), strict=False):
            got[name] = term.rows(part, out=slot(name, part, np.float64), s_score=True)
        if extra is not None:
            got.update(cinc2=c2, cinc2_projected=p2, miles=miles, lsg_exponent=expo)
            got.setdefault("s_unweighted", np.full(part.hi - part.lo, np.nan))
            extra(part, got, more.writer(part))

    for part in ix.parts(by=None if lsg is None else lsg.era_of_year):
        compute(part)
    if plain and terms is None:
        for name in plain:
            cols[name] = np.full(n_rows, np.nan)
    if "contiguity" in want:
        rows, cells = blocks.cell_rows(panel.cont_cells)
        cols["conttype"] = _scatter(n_rows, rows, np.take(panel.conttype, cells), np.int8)
        cols["contiguity_carried"] = ix.per_year(panel.contiguity_status == CARRIED)
    if "alliances" in want:
        rows, bits = blocks.alliance_rows
        blank_rows, blank_cells = blocks.cell_rows(panel.blank_cells)
        blank_bits = np.take(panel.blank_flags, blank_cells)
        for name, bit in FLAG_BITS.items():
            cols[name] = _scatter(n_rows, rows[(bits & bit) > 0], True, np.bool_)
            if blank_rows.size:
                cols[f"{name}{_BLANK}"] = _scatter(
                    n_rows, blank_rows[(blank_bits & bit) > 0], True, np.bool_
                )
        cols["alliance_level"] = _scatter(n_rows, rows, LEVEL_OF_FLAGS[bits], np.int8)
        cols["alliance_carried"] = ix.per_year(panel.alliance_status == CARRIED)
    corrected = [name for name in variants if name in ("kappa", "pi")]
    if corrected:
        for name in corrected:
            cols[name] = np.full(n_rows, np.nan)
        for blk in blocks:
            if panel.alliance_status[blk.t] == UNKNOWN:
                continue
            for name, mat in similarity_matrices(panel, blk.t, blk.idx, corrected).items():
                cols[name][blk.rows] = mat[blk.mask]
    # the documented column order: keys, floats, similarity, contiguity, alliances
    first = [c for c in _MEASURE_ORDER if c in cols]
    order = ["ccode1", "ccode2", "year", *first, *variants]
    order += [c for c in cols if c not in order]
    return {**{c: cols[c] for c in order}, **more}


#: Suffix of the helper columns that mark flags the publisher left blank (dropped by to_frame).
_BLANK = "__blank"


_NULLABLE_BY_STATUS = {
    "alliances": ("defense_pact", "neutrality", "nonaggression", "entente", "alliance_level"),
    "contiguity": ("conttype",),
}


def complete_columns(blocks: Blocks, options: DyadOptions) -> frozenset[str]:
    """The float columns of :func:`dyad_columns` that cannot hold NaN in the rows of
    ``blocks``, known from the year and state-year inputs without reading the rows.

    CINC: NaN only where a state-year's is missing; ``power_share`` and ``power_ratio`` are
    NaN only for two states of one year both with CINC 0 (0/0); ``miles_per_day``: the era
    rates; S: NaN only in years whose alliances are unknown or (weighted) whose CINC sums to
    0. Distances are missing for some dyads, so ``miles`` and the projections are not listed.
    """
    panel = blocks.panel
    nk = panel.codes.size
    with_rows = blocks.tpos[np.diff(blocks.offsets) > 0]
    flat = blocks.states.flat
    cinc = panel.cinc.reshape(-1)[flat]
    out: set[str] = set()
    if np.isfinite(cinc).all():
        out |= {"cinc1", "cinc2"}
        zeros = np.bincount(flat[cinc == 0] // nk, minlength=panel.years.size)
        if zeros.max(initial=0) < 2:
            out |= {"power_share", "power_ratio"}
    if np.isfinite(options.lsg.miles_per_day(panel.years)).all():
        out.add("miles_per_day")
    if (panel.alliance_status[with_rows] != UNKNOWN).all():
        out.add("s_unweighted")
        # the year's total weight as portfolio_terms sums it
        weight = np.where(panel.present, np.nan_to_num(panel.cinc, nan=0.0), 0.0)
        if (weight[with_rows].sum(axis=1, dtype=np.float64) > 0).all():
            out.add("s_weighted")
    return frozenset(out)


def to_frame(
    blocks: Blocks,
    cols: dict[str, NDArray[np.generic]],
    complete: Collection[str] = (),
) -> pl.DataFrame:
    """Build the Polars frame: NaN becomes null; alliance and contiguity values are null in
    years whose status is unknown (see :func:`ncrealism.system._panel.build_panel`). Names
    given the same array share one column's memory. The float columns named in ``complete``
    are known to hold no NaN (:func:`complete_columns`): they are taken as they are, without
    a pass to find NaN."""
    panel = blocks.panel
    blanks = {c[: -len(_BLANK)]: v for c, v in cols.items() if c.endswith(_BLANK)}
    made: dict[int, pl.Series] = {}
    series = []
    for n, v in cols.items():
        if n.endswith(_BLANK):
            continue
        # a column given twice (the same array) is built once; the second shares its memory
        s = made.get(id(v))
        if s is None:
            nan_to_null = v.dtype == np.float64 and n not in complete
            s = made[id(v)] = pl.Series(n, v, nan_to_null=nan_to_null)
        series.append(s.alias(n))
    df = pl.DataFrame(series)
    if blanks:
        df = df.with_columns(
            pl.when(pl.Series(mask)).then(None).otherwise(pl.col(c)).alias(c)
            for c, mask in blanks.items()
            if mask.any()
        )
    unknown = {
        "alliances": panel.alliance_status[blocks.tpos] == UNKNOWN,
        "contiguity": panel.contiguity_status[blocks.tpos] == UNKNOWN,
    }
    exprs = []
    for group, names in _NULLABLE_BY_STATUS.items():
        if unknown[group].any():
            years = panel.years[blocks.tpos][unknown[group]].tolist()
            hide = pl.col("year").is_in(years)
            exprs += [
                pl.when(hide).then(None).otherwise(pl.col(c)).alias(c)
                for c in names
                if c in df.columns
            ]
    return df.with_columns(exprs) if exprs else df


def dyad_years(
    years: Years | None = None,
    *,
    measures: Sequence[Measure] = ALL_MEASURES,
    directed: bool = True,
    options: DyadOptions | None = None,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    carry_forward: bool = True,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Every dyad-year of ``years`` (default: all) with the requested measures.

    Columns: the keys plus those of each measure in the module docstring; rows ordered by
    year, ``ccode1``, ``ccode2``. ``directed=False`` keeps ``ccode1 < ccode2``.
    """
    bad = [m for m in measures if m not in ALL_MEASURES]
    if bad:
        raise InputError(f"unknown measure(s) {bad}; choose from {ALL_MEASURES}")
    opts = options or DyadOptions()
    panel = build_panel(version, extend_to=extend_to, carry_forward=carry_forward, source=source)
    blocks = panel.blocks(_year_positions(panel, years), directed=directed)
    cols = dyad_columns(blocks, list(measures), opts)
    return to_frame(blocks, cols, complete=complete_columns(blocks, opts))


def dyad_power(
    years: Years | None = None,
    *,
    directed: bool = True,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Relative power of every dyad-year: ``cinc1``, ``cinc2``, ``power_share``, ``power_ratio``.

    ``power_share`` = cinc1 / (cinc1 + cinc2); in a directed frame the shares of (a, b) and
    (b, a) sum to 1 and the ratios are reciprocal.
    """
    return dyad_years(
        years,
        measures=("power",),
        directed=directed,
        version=version,
        extend_to=extend_to,
        source=source,
    )


def loss_of_strength(
    years: Years | None = None,
    *,
    params: LossOfStrength | None = None,
    directed: bool = True,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Capabilities projected over the capital-to-capital distance (Bueno de Mesquita 1981).

    Columns: keys, ``cinc1``, ``cinc2``, ``power_share``, ``power_ratio``, ``miles``,
    ``miles_per_day``, ``cinc1_projected``, ``cinc2_projected`` (module docstring).
    """
    opts = DyadOptions(lsg=params or LossOfStrength(), variants=())
    return dyad_years(
        years,
        measures=("power", "lsg"),
        directed=directed,
        options=opts,
        version=version,
        extend_to=extend_to,
        source=source,
    )


def boulding_gradient(
    years: Years | None = None,
    *,
    slope_per_1000mi: float = 0.01,
    directed: bool = True,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Capabilities at the other capital under Boulding's (1962) linear gradient.

    ``P(d) = max(0, CINC − slope · miles / 1000)``. Columns: keys, ``cinc1``, ``cinc2``,
    ``power_share``, ``power_ratio``, ``miles``, ``cinc1_linear``, ``cinc2_linear``.
    """
    opts = DyadOptions(boulding_slope=slope_per_1000mi, variants=())
    return dyad_years(
        years,
        measures=("power", "boulding"),
        directed=directed,
        options=opts,
        version=version,
        extend_to=extend_to,
        source=source,
    )


def s_score(
    years: Years | None = None,
    *,
    variants: Sequence[SimilarityVariant] = ALL_VARIANTS,
    directed: bool = True,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    carry_forward: bool = True,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Alliance-portfolio similarity of every dyad-year (Signorino & Ritter 1999; Häge 2011).

    Columns: keys, the requested ``variants`` (``s_unweighted``, ``s_weighted``, ``kappa``,
    ``pi``) and ``alliance_level``, the flags and ``alliance_carried``.
    """
    opts = DyadOptions(variants=tuple(variants))
    return dyad_years(
        years,
        measures=("alliances", "similarity"),
        directed=directed,
        options=opts,
        version=version,
        extend_to=extend_to,
        carry_forward=carry_forward,
        source=source,
    )


def alliance_augmented_power(
    years: Years | None = None,
    *,
    weights: AllianceWeights | None = None,
    version: NMCVersion = DEFAULT_NMC_VERSION,
    extend_to: int | None = None,
    carry_forward: bool = True,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Each state's CINC plus its allies' CINC weighted by alliance type, per state-year.

    ``augmented_cinc_i = cinc_i + Σ_j w(type_ij) · cinc_j`` over the states j allied with i
    that year (weights: :class:`AllianceWeights`). Columns: ``ccode`` (Int64), ``stateabb``
    (Utf8), ``year`` (Int64), ``cinc`` (Float64, 0-1), ``allied_cinc`` (Float64, the weighted
    allies' sum), ``augmented_cinc`` (Float64), ``n_allies`` (Int64), ``alliance_carried``
    (Boolean). Alliance terms are null in years whose alliances are unknown.
    """
    w = weights or AllianceWeights()
    panel = build_panel(version, extend_to=extend_to, carry_forward=carry_forward, source=source)
    pos = _year_positions(panel, years)
    tpos = np.arange(panel.years.size) if pos is None else np.unique(pos)
    rows_t, rows_k, allied, n_allies = [], [], [], []
    for t in tpos:
        idx = np.nonzero(panel.present[t])[0]
        wm = w.of_flags(panel.flags[t][np.ix_(idx, idx)])
        np.fill_diagonal(wm, 0.0)
        c = np.nan_to_num(panel.cinc[t, idx], nan=0.0)
        rows_t.append(np.full(idx.size, t))
        rows_k.append(idx)
        allied.append(wm @ c)
        n_allies.append((panel.flags[t][np.ix_(idx, idx)] > 0).sum(axis=1))
    tt = np.concatenate(rows_t)
    kk = np.concatenate(rows_k)
    al = np.concatenate(allied)
    unknown = panel.alliance_status[tt] == UNKNOWN
    al[unknown] = np.nan
    cinc = panel.cinc[tt, kk]
    df = pl.DataFrame(
        {
            "ccode": panel.codes[kk],
            "stateabb": [panel.abbs[i] for i in kk],
            "year": panel.years[tt],
            "cinc": cinc,
            "allied_cinc": al,
            "augmented_cinc": cinc + al,
            "n_allies": np.concatenate(n_allies).astype(np.int64),
            "alliance_carried": panel.alliance_status[tt] == CARRIED,
        }
    ).with_columns(pl.col(pl.Float64).fill_nan(None))
    df = df.with_columns(
        pl.when(pl.Series(unknown)).then(None).otherwise(pl.col("n_allies")).alias("n_allies")
    )
    return df.sort("ccode", "year")
