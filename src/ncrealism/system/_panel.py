"""The year × state × state arrays behind every dyadic measure.

A :class:`Panel` holds, for the years T and the COW states K of the capability data:

* ``present[t, k]``: state k is in the system in year t (it has an NMC row; for 1816-2016 the
  NMC v6.0 state-years are exactly the COW State System Membership v2016 state-years);
* ``cinc``, ``milex``, ``milper`` (T×K; nan where absent or missing);
* ``flags[t, a, b]``: COW alliance obligations of the dyad as bits (1 defense pact,
  2 neutrality, 4 non-aggression, 8 entente), symmetric; ``blank_flags[t, a, b]``: the bits
  the publisher left blank (unknown: null in the frames, no obligation in levels and S);
* ``conttype[t, a, b]``: COW direct contiguity type (1-5; 0 none), directed as published;
* ``miles[a, b]``: capital-to-capital distance in statute miles (Gleditsch & Ward 2001,
  time-invariant; nan where capdist has no value);
* ``alliance_status[t]`` / ``contiguity_status[t]``: 0 observed, 1 carried forward from the
  last covered year (alliances 2012, contiguity 2016), 2 unknown (carrying switched off);
* ``ally_cells`` / ``blank_cells`` / ``cont_cells``: the flat positions (t·K + a)·K + b of the
  non-zero cells of ``flags`` / ``blank_flags`` / ``conttype``, so that a frame can scatter the
  few dyad-years with an alliance or a border instead of reading all T×K×K cells.

Directed dyad-years are the cells (t, a, b) with both states present and a ≠ b, listed year by
year (:meth:`Panel.blocks`): each measure is computed on one year's n×n matrices and written to
that year's contiguous block of rows, so the whole 1816-2016 directed frame (about 1.9 million
rows) needs no join. :class:`RowIndex` reads a state-year quantity at every row without a
per-row index into the T×K arrays: the first state's value is one ``numpy.repeat`` of the
state-years' values (rows are grouped by first state), the second state's one gather from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import DEFAULT_NMC_VERSION, NMC_DATASET, NMCVersion
from ncrealism.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

BIT_DEFENSE, BIT_NEUTRALITY, BIT_NONAGGRESSION, BIT_ENTENTE = 1, 2, 4, 8
FLAG_BITS: dict[str, int] = {
    "defense_pact": BIT_DEFENSE,
    "neutrality": BIT_NEUTRALITY,
    "nonaggression": BIT_NONAGGRESSION,
    "entente": BIT_ENTENTE,
}
OBSERVED, CARRIED, UNKNOWN = 0, 1, 2

#: Rows of a :class:`RowPart` (about 0.5 MB per float column: a part's intermediate arrays
#: stay in a processor's level-2 cache).
PART_ROWS = 65_536


def _level_table() -> NDArray[np.int8]:
    """Commitment level of every combination of the four obligation bits: 3 with a defense
    pact, else 2 with neutrality or non-aggression, else 1 with an entente, else 0."""
    f = np.arange(16)
    lev = np.where(
        f & BIT_DEFENSE,
        3,
        np.where(f & (BIT_NEUTRALITY | BIT_NONAGGRESSION), 2, np.where(f & BIT_ENTENTE, 1, 0)),
    )
    return lev.astype(np.int8)


#: Lookup table from obligation bits (0-15) to the ordinal commitment level (0-3).
LEVEL_OF_FLAGS: NDArray[np.int8] = _level_table()


@dataclass(frozen=True)
class Panel:
    """Year × state arrays (see the module docstring)."""

    years: IntArray
    codes: IntArray
    abbs: tuple[str, ...]
    present: BoolArray
    cinc: FloatArray
    milex: FloatArray
    milper: FloatArray
    flags: NDArray[np.uint8]
    blank_flags: NDArray[np.uint8]
    conttype: NDArray[np.int8]
    miles: FloatArray
    alliance_status: NDArray[np.int8]
    contiguity_status: NDArray[np.int8]
    sources: tuple[str, ...]
    ally_cells: IntArray
    blank_cells: IntArray
    cont_cells: IntArray

    # ------------------------------------------------------------------ lookups
    def year_positions(self, years: list[int]) -> IntArray:
        """Positions of ``years`` in :attr:`years` (all must be present)."""
        pos = np.searchsorted(self.years, years)
        ok = (pos < self.years.size) & (self.years[np.minimum(pos, self.years.size - 1)] == years)
        if not ok.all():
            bad = [y for y, k in zip(years, ok, strict=True) if not k]
            raise InputError(
                f"year(s) {bad[:5]} outside the data ({self.years[0]}-{self.years[-1]})"
            )
        return pos.astype(np.int64)

    def code_positions(self, codes: list[int]) -> IntArray:
        """Positions of COW ``codes`` in :attr:`codes` (all must be known)."""
        pos = np.searchsorted(self.codes, codes)
        ok = (pos < self.codes.size) & (self.codes[np.minimum(pos, self.codes.size - 1)] == codes)
        if not ok.all():
            bad = [c for c, k in zip(codes, ok, strict=True) if not k]
            raise InputError(f"unknown COW code(s) {bad}: no capability data for them")
        return pos.astype(np.int64)

    def levels(self, t: int) -> NDArray[np.int8]:
        """Alliance commitment levels (3 defense, 2 neutrality/non-aggression, 1 entente, 0)
        among all K states in year position ``t``; the diagonal is 3."""
        lev: NDArray[np.int8] = LEVEL_OF_FLAGS[self.flags[t]]
        np.fill_diagonal(lev, 3)
        return lev

    def blocks(self, year_pos: IntArray | None = None, *, directed: bool = True) -> Blocks:
        """The dyad-years of the years at ``year_pos`` (default: all), year by year.

        Rows are ordered by year, then first code, then second code; within a year the states
        present are in code order and the rows are the off-diagonal cells (a ≠ b) of the
        states × states matrix in row-major order (``directed=False``: a < b only).
        """
        tpos = (
            np.arange(self.years.size, dtype=np.int64)
            if year_pos is None
            else np.unique(np.asarray(year_pos, dtype=np.int64))
        )
        n = self.present[tpos].sum(axis=1).astype(np.int64)
        sizes = n * (n - 1) if directed else n * (n - 1) // 2
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return Blocks(self, tpos, offsets, directed)


def pairs(n: int, directed: bool) -> tuple[IntArray, IntArray, BoolArray]:
    """Row and column indices (and the mask) of the dyads among n states, row-major."""
    mask = ~np.eye(n, dtype=bool) if directed else np.triu(np.ones((n, n), dtype=bool), 1)
    a, b = np.nonzero(mask)
    return a.astype(np.int64), b.astype(np.int64), mask


@dataclass(frozen=True)
class Block:
    """One year's dyads: year position ``t``, the states present ``idx`` (positions in the
    panel's codes), the pair indices ``a``/``b`` into ``idx``, the off-diagonal ``mask`` of the
    n×n matrix, and the rows ``rows`` of the output frame."""

    t: int
    idx: IntArray
    a: IntArray
    b: IntArray
    mask: BoolArray
    rows: slice


@dataclass(frozen=True)
class StateYears:
    """The state-years of a :class:`Blocks`' years, in row order (year, then code).

    ``flat``: their positions t·K + k in the panel's T×K arrays; ``rank``: position among the
    year's states; ``size``: number of states that year; ``count``: rows with the state as
    ``ccode1`` (n − 1 directed, n − 1 − rank otherwise); ``first_row``: the row of its first
    dyad as ``ccode1``; ``block_start`` / ``block_size``: per year block, the index of its
    first state-year and its number of states; ``lookup``: T·K → index into ``flat`` (−1 for a
    state-year outside the blocks).
    """

    flat: IntArray
    rank: IntArray
    size: IntArray
    count: IntArray
    first_row: IntArray
    block_start: IntArray
    block_size: IntArray
    lookup: IntArray


@dataclass(frozen=True)
class Blocks:
    """The year blocks of a dyad-year frame (see :meth:`Panel.blocks`)."""

    panel: Panel
    tpos: IntArray
    offsets: IntArray
    directed: bool

    @property
    def n_rows(self) -> int:
        return int(self.offsets[-1])

    def __iter__(self) -> Iterator[Block]:
        for i, t in enumerate(self.tpos):
            rows = slice(int(self.offsets[i]), int(self.offsets[i + 1]))
            if rows.stop == rows.start:
                continue
            idx = np.flatnonzero(self.panel.present[t])
            a, b, mask = pairs(idx.size, self.directed)
            yield Block(int(t), idx, a, b, mask, rows)

    def year_of_rows(self) -> IntArray:
        """The year position of every row."""
        return np.repeat(self.tpos, np.diff(self.offsets))

    @cached_property
    def states(self) -> StateYears:
        """The state-years of the blocks and where their rows start (:class:`StateYears`)."""
        panel = self.panel
        nt, nk = panel.present.shape
        present = panel.present[self.tpos]
        block_size = present.sum(axis=1).astype(np.int64)
        rr, kk = np.nonzero(present)
        flat = self.tpos[rr] * nk + kk
        block_start = np.concatenate([[0], np.cumsum(block_size)[:-1]]).astype(np.int64)
        rank = np.arange(flat.size, dtype=np.int64) - block_start[rr]
        size = block_size[rr]
        base = self.offsets[:-1][rr]
        if self.directed:
            count = size - 1
            first_row = base + rank * (size - 1)
        else:
            count = size - 1 - rank
            first_row = base + rank * size - rank * (rank + 1) // 2
        lookup = np.full(nt * nk, -1, dtype=np.int64)
        lookup[flat] = np.arange(flat.size, dtype=np.int64)
        return StateYears(
            flat.astype(np.int64),
            rank,
            size,
            count.astype(np.int64),
            first_row.astype(np.int64),
            block_start,
            block_size,
            lookup,
        )

    def index(self) -> RowIndex:
        """The per-row positions of the frame's dyad-years (:class:`RowIndex`)."""
        return RowIndex(self)

    def rows_of_states(self, first: IntArray, second: IntArray) -> IntArray:
        """The row of each dyad-year given the flat T×K positions t·K + i and t·K + j of its two
        state-years (same year t); −1 for one that is not in the frame (year not selected,
        state absent, i = j, or i > j in a non-directed frame)."""
        st = self.states
        return self.rows_of_pairs(np.take(st.lookup, first), np.take(st.lookup, second))

    def rows_of_pairs(self, a: IntArray, b: IntArray) -> IntArray:
        """The row of each dyad-year given the indices into :attr:`states` of its two
        state-years (same year; −1: not in the frame), −1 for one that is not in the frame."""
        st = self.states
        ok = (a >= 0) & (b >= 0) & (a != b)
        a0 = np.maximum(a, 0)
        ra = np.take(st.rank, a0)
        rb = np.take(st.rank, np.maximum(b, 0))
        if self.directed:
            row = np.take(st.first_row, a0) + rb - (rb > ra)
        else:
            ok &= rb > ra
            row = np.take(st.first_row, a0) + (rb - ra - 1)
        return np.where(ok, row, -1).astype(np.int64)

    def rows_of_cells(self, cells: IntArray) -> IntArray:
        """The row of each T×K×K cell (t·K + a)·K + b (−1 outside the frame)."""
        nk = self.panel.codes.size
        return self.rows_of_states(cells // nk, (cells // (nk * nk)) * nk + cells % nk)

    def cell_rows(self, cells: IntArray) -> tuple[IntArray, IntArray]:
        """The rows of those T×K×K ``cells`` that lie in the frame, and those cells."""
        rows = self.rows_of_cells(cells)
        keep = rows >= 0
        return rows[keep], cells[keep]

    @cached_property
    def alliance_rows(self) -> tuple[IntArray, NDArray[np.uint8]]:
        """The rows with an alliance obligation and their obligation bits."""
        rows, cells = self.cell_rows(self.panel.ally_cells)
        return rows, np.take(self.panel.flags, cells)

    @cached_property
    def alliance_flags(self) -> NDArray[np.uint8]:
        """The alliance obligation bits of every row (0: none)."""
        rows, bits = self.alliance_rows
        out = np.zeros(self.n_rows, dtype=np.uint8)
        out[rows] = bits
        return out

    def row_of(self, t: IntArray, i: IntArray, j: IntArray) -> IntArray:
        """The row of each dyad-year (year position t, state positions i and j); -1 for a
        dyad-year that is not in the frame (year not selected, state absent, or i ≥ j in a
        non-directed frame)."""
        nk = self.panel.codes.size
        t = np.asarray(t, dtype=np.int64)
        return self.rows_of_states(t * nk + np.asarray(i), t * nk + np.asarray(j))


@dataclass(frozen=True)
class RowIndex:
    """Where each row of a dyad-year frame reads the panel's arrays.

    Rows are grouped by year, then by first state (``ccode1``), so a state-year quantity is
    read for the first state by one :func:`numpy.repeat` (:meth:`first`) and for the second
    by one gather at :attr:`sj` (:meth:`second`); a year quantity by :meth:`per_year`.
    The per-row positions ``t`` (year), ``i`` (``ccode1``) and ``j`` (``ccode2``) in the
    panel's arrays, and the flat positions ``ti``, ``tj``, ``ij`` and ``tij`` of (t, i),
    (t, j), (i, j) and (t, i, j) in the C-ordered T×K, K×K and T×K×K arrays, are computed on
    first use.
    """

    blocks: Blocks

    def _states_of(self, values: NDArray[Any]) -> NDArray[Any]:
        if values.ndim == 2:
            return self.of_states(values)
        return values

    def of_states(self, values: NDArray[Any]) -> NDArray[Any]:
        """The values of a T×K array at the state-years of :attr:`Blocks.states`."""
        return np.asarray(values).reshape(-1)[self.blocks.states.flat]

    def parts(self, max_rows: int = PART_ROWS, by: IntArray | None = None) -> list[RowPart]:
        """The rows in consecutive parts of whole years, each of at most ``max_rows`` rows
        (or one year), a new part also wherever ``by`` (a label per year of the panel, such as
        an era) changes from one year of the frame to the next.

        Working part by part keeps a computation's intermediate arrays in the processor's
        cache; each row is computed by the same operations as on the whole frame.
        """
        blocks = self.blocks
        offsets = blocks.offsets
        cut = np.zeros(blocks.tpos.size + 1, dtype=bool)
        if by is not None:
            labels = np.asarray(by)[blocks.tpos]
            cut[1:-1] = labels[1:] != labels[:-1]
        starts = blocks.states.block_start
        n_states = blocks.states.flat.size
        out: list[RowPart] = []
        b_lo = 0
        for b in range(1, blocks.tpos.size + 1):
            last = b == blocks.tpos.size
            if last or cut[b] or offsets[b + 1] - offsets[b_lo] > max_rows:
                s_hi = n_states if last else int(starts[b])
                lo, hi = int(offsets[b_lo]), int(offsets[b])
                if hi > lo:
                    out.append(RowPart(self, b_lo, b, lo, hi, int(starts[b_lo]), s_hi))
                b_lo = b
        if not out:  # no rows: one empty part, so that computations give empty columns
            out.append(RowPart(self, 0, blocks.tpos.size, 0, 0, 0, n_states))
        return out

    def first(self, values: NDArray[Any]) -> NDArray[Any]:
        """The value of ``ccode1``'s state-year at every row, from a T×K array or an array over
        :attr:`Blocks.states` (one value per state-year)."""
        return np.repeat(self._states_of(values), self.blocks.states.count)

    def second(self, values: NDArray[Any]) -> NDArray[Any]:
        """The value of ``ccode2``'s state-year at every row (arguments as :meth:`first`)."""
        return np.take(self._states_of(values), self.sj)

    def per_year(self, values: NDArray[Any]) -> NDArray[Any]:
        """The value of each row's year, from an array over the panel's years."""
        return np.repeat(np.asarray(values)[self.blocks.tpos], np.diff(self.blocks.offsets))

    @cached_property
    def sj_runs(self) -> tuple[IntArray, IntArray, IntArray, IntArray | int]:
        """Start, step, jump position and jump of :attr:`sj` along each state-year's rows.

        In the rows of a first state of rank ρ among the year's n states (first state-year of
        the year: B), the second runs B, B + 1, ... skipping B + ρ (directed), or B + ρ + 1 to
        B + n − 1 (non-directed): runs of consecutive integers.
        """
        st = self.blocks.states
        first_state = np.arange(st.rank.size, dtype=np.int64) - st.rank
        if self.blocks.directed:
            start = first_state + (st.rank == 0)
            jump_at = np.where((st.rank >= 1) & (st.rank < st.count), st.rank, -1)
        else:
            start = first_state + st.rank + 1
            jump_at = np.full(st.rank.size, -1, dtype=np.int64)
        return start, np.ones_like(start), jump_at, 1

    @cached_property
    def sj(self) -> IntArray:
        """Index into :attr:`Blocks.states` of every row's second state-year (built by one
        cumulative sum, :attr:`sj_runs`)."""
        st = self.blocks.states
        return _runs(self.blocks.n_rows, st.count, st.first_row, *self.sj_runs)

    @cached_property
    def t(self) -> IntArray:
        return self.per_year(np.arange(self.blocks.panel.years.size, dtype=np.int64))

    @cached_property
    def k_of_state(self) -> IntArray:
        """Position in the panel's codes of every state-year of :attr:`Blocks.states`."""
        nk = self.blocks.panel.codes.size
        out: IntArray = self.blocks.states.flat % nk
        return out

    @cached_property
    def i(self) -> IntArray:
        return self.first(self.k_of_state)

    @cached_property
    def j(self) -> IntArray:
        return self.second(self.k_of_state)

    @cached_property
    def ti(self) -> IntArray:
        return self.first(self.blocks.states.flat)

    @cached_property
    def tj(self) -> IntArray:
        return self.second(self.blocks.states.flat)

    @cached_property
    def ij(self) -> IntArray:
        """Flat position (i, j) in the K×K arrays: ``first(k·K) + second(k)``."""
        nk = self.blocks.panel.codes.size
        out: IntArray = self.first(self.k_of_state * nk)
        out += self.second(self.k_of_state)
        return out

    @cached_property
    def tij(self) -> IntArray:
        nk = self.blocks.panel.codes.size
        out: IntArray = self.ti * nk + self.j
        return out


@dataclass(frozen=True)
class RowPart:
    """Rows ``lo`` to ``hi`` of a frame: the year blocks ``b_lo`` to ``b_hi`` (positions in
    :attr:`Blocks.tpos`) and their state-years ``s_lo`` to ``s_hi``. Reads values as
    :class:`RowIndex` does, for these rows only, from arrays over :attr:`Blocks.states`
    (:meth:`RowIndex.of_states`)."""

    index: RowIndex
    b_lo: int
    b_hi: int
    lo: int
    hi: int
    s_lo: int
    s_hi: int

    @property
    def rows(self) -> slice:
        return slice(self.lo, self.hi)

    def first(self, values: NDArray[Any]) -> NDArray[Any]:
        """``ccode1``'s value at each row, from an array over the state-years."""
        count = self.index.blocks.states.count[self.s_lo : self.s_hi]
        return np.repeat(values[self.s_lo : self.s_hi], count)

    def _runs(self, runs: tuple[IntArray, IntArray, IntArray, IntArray | int]) -> IntArray:
        st = self.index.blocks.states
        s = slice(self.s_lo, self.s_hi)
        start, step, jump_at, jump = runs
        return _runs(
            self.hi - self.lo,
            st.count[s],
            st.first_row[s] - self.lo,
            start[s],
            step[s],
            jump_at[s],
            jump if isinstance(jump, int) else jump[s],
        )

    @cached_property
    def sj(self) -> IntArray:
        """Index into :attr:`Blocks.states` of each row's second state-year."""
        return self._runs(self.index.sj_runs)

    @cached_property
    def year_blocks(self) -> list[tuple[int, int, int]]:
        """Per year of the part with a dyad: its first row (within the part), its number of
        states n and its first state-year (index into :attr:`Blocks.states`)."""
        blocks = self.index.blocks
        sizes = blocks.states.block_size[self.b_lo : self.b_hi].tolist()
        rows = (blocks.offsets[self.b_lo : self.b_hi] - self.lo).tolist()
        starts = blocks.states.block_start[self.b_lo : self.b_hi].tolist()
        return [(r, n, b) for r, n, b in zip(rows, sizes, starts, strict=True) if n >= 2]

    def second(self, values: NDArray[Any], out: NDArray[Any] | None = None) -> NDArray[Any]:
        """``ccode2``'s value at each row, from an array over the state-years (written to
        ``out`` if given).

        In a directed frame, year by year without an index: the year's n(n − 1) rows, cut
        into n − 1 runs of n, read the year's values v doubled (v v) from position r + 1 in
        run r (the off-diagonal cells of an n×n matrix, in order, are the first n of each
        row of its last n² − 1 cells seen as an (n − 1)×(n + 1) matrix: in run r the second
        state is (r + 1 + c) mod n).
        """
        if not self.index.blocks.directed:
            return np.take(values, self.sj, out=out)
        res = np.empty(self.hi - self.lo, dtype=values.dtype) if out is None else out
        dtype, item = res.dtype, res.itemsize
        values = values.astype(dtype, casting="same_kind", copy=False)
        for lo, n, start in self.year_blocks:
            v = values[start : start + n]
            runs = np.ndarray((n - 1, n), dtype, np.concatenate((v, v)), item, (item, item))
            res[lo : lo + n * (n - 1)].reshape(n - 1, n)[...] = runs
        return res

    def per_year(self, values: NDArray[Any]) -> NDArray[Any]:
        """The value of each row's year, from an array over the panel's years."""
        blocks = self.index.blocks
        sizes = np.diff(blocks.offsets[self.b_lo : self.b_hi + 1])
        return np.repeat(np.asarray(values)[blocks.tpos[self.b_lo : self.b_hi]], sizes)

    def pair(self, k_times_nk: IntArray, k: IntArray) -> IntArray:
        """Flat position (i, j) in the K×K arrays of each row, from the state-years' codes
        positions k (``k_times_nk`` = k·K)."""
        out: IntArray = self.first(k_times_nk)
        out += self.second(k)
        return out

    def transpose_into(self, values: NDArray[Any], out: NDArray[Any]) -> None:
        """``out[r]`` = ``values`` at the row (b, a), for each row r = (a, b) of the part
        (``values`` and ``out`` hold the part's rows): year by year, the off-diagonal cells of
        the n×n matrix are placed in a full matrix, transposed, and read back (no index
        array)."""
        if not self.index.blocks.directed:
            raise ValueError("a non-directed frame has no transposed rows")
        for lo, n, _ in self.year_blocks:
            hi = lo + n * (n - 1)
            full = np.empty(n * n, dtype=values.dtype)
            # the off-diagonal cells of a row-major n×n matrix, in order, are the first n of
            # each row of its last n² − 1 cells seen as an (n − 1)×(n + 1) matrix
            full[1:].reshape(n - 1, n + 1)[:, :n] = values[lo:hi].reshape(n - 1, n)
            flipped = np.empty((n, n), dtype=values.dtype)
            flipped.T[...] = full.reshape(n, n)
            back = flipped.reshape(-1)[1:].reshape(n - 1, n + 1)
            out[lo:hi].reshape(n - 1, n)[...] = back[:, :n]


def _runs(
    n_rows: int,
    count: IntArray,
    first_row: IntArray,
    start: IntArray,
    step: IntArray,
    jump_at: IntArray,
    jump: IntArray | int,
) -> IntArray:
    """Per row, ``start + step·c + jump·[c ≥ jump_at]`` of its first state-year, c the row's
    position among that state-year's ``count`` rows, which begin at ``first_row`` (``jump_at``
    −1: no jump), by one cumulative sum of the increments."""
    keep = count > 0
    delta = np.repeat(step, count)
    jumps = np.broadcast_to(np.asarray(jump, dtype=np.int64), start.shape)
    has_jump = jump_at >= 0
    last = start + step * (count - 1) + np.where(has_jump, jumps, 0)
    delta[first_row[keep]] = start[keep] - np.concatenate([[0], last[keep][:-1]])
    delta[first_row[has_jump] + jump_at[has_jump]] += jumps[has_jump]
    out: IntArray = np.cumsum(delta, out=delta)
    return out


def load_table(name: str, source: DataSource, load: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """The loaded input table of dataset ``name``, read once per data source."""
    return source.memo(name, load)


def _status(years: IntArray, last: int, carry: bool) -> NDArray[np.int8]:
    return np.where(years <= last, OBSERVED, CARRIED if carry else UNKNOWN).astype(np.int8)


def _symmetric_cells(
    t: IntArray,
    a: IntArray,
    b: IntArray,
    keep: BoolArray,
    values: NDArray[np.uint8],
    shape: tuple[int, int],
) -> tuple[NDArray[np.uint8], IntArray]:
    """The T×K×K array holding ``values`` at (t, a, b) and (t, b, a) for the rows ``keep``
    (one row per non-directed dyad-year), and the flat positions of those cells."""
    nt, nk = shape
    out = np.zeros((nt, nk, nk), dtype=np.uint8)
    t, a, b, v = t[keep], a[keep], b[keep], values[keep]
    out[t, a, b] = v
    out[t, b, a] = v
    cells = np.concatenate([(t * nk + a) * nk + b, (t * nk + b) * nk + a]).astype(np.int64)
    return out, cells


def _carry(
    arr: NDArray[Any],
    cells: IntArray,
    status: NDArray[np.int8],
    last: int,
    years: IntArray,
    present: BoolArray,
) -> IntArray:
    """Copy the cells of year ``last`` to the years carried forward (both states present), in
    the T×K×K array ``arr`` and in the list of its non-zero ``cells``; returns the list."""
    carried = np.flatnonzero(status == CARRIED)
    if carried.size == 0 or not years[0] <= last <= years[-1]:
        return cells
    nk = present.shape[1]
    kk2 = nk * nk
    base = last - int(years[0])
    here = cells[cells // kk2 == base] - base * kk2  # a·K + b of the last covered year
    pa, pb = here // nk, here % nk
    extra = [cells]
    for tt in carried:
        arr[tt] = np.where(present[tt][:, None] & present[tt][None, :], arr[base], 0)
        both = present[tt, pa] & present[tt, pb]
        extra.append(here[both] + int(tt) * kk2)
    return np.concatenate(extra).astype(np.int64)


def build_panel(
    version: NMCVersion = DEFAULT_NMC_VERSION,
    *,
    extend_to: int | None = None,
    carry_forward: bool = True,
    source: DataSource | None = None,
) -> Panel:
    """Build (once per data source and options) the arrays of the module docstring.

    ``carry_forward``: for years after the alliance (2012) or contiguity (2016) data end, use
    the last covered year's values for dyads of states present then (status ``CARRIED``); if
    False, those years are ``UNKNOWN`` and dyadic alliance/contiguity measures are null.
    """
    src = source or DataSource.from_env()
    return src.memo(
        ("panel", version, extend_to, carry_forward),
        lambda: _build_panel(version, extend_to, carry_forward, src),
    )


def _build_panel(
    version: NMCVersion, extend_to: int | None, carry_forward: bool, src: DataSource
) -> Panel:
    from ncrealism.data.alliances import ALLIANCE_LAST_YEAR, alliance_dyad_years
    from ncrealism.data.contiguity import CONTIGUITY_LAST_YEAR, load_contiguity_directed
    from ncrealism.data.distance import load_capdist_cow
    from ncrealism.system.capabilities import capabilities

    names = (
        NMC_DATASET[version],
        "alliance_dyad",
        "contdird",
        "capdist",
        "capitals",
        "cow_codes",
    )

    caps = capabilities(version, extend_to=extend_to, source=src)
    years = np.arange(int(caps["year"].min()), int(caps["year"].max()) + 1)  # type: ignore[arg-type]
    codes_df = caps.select("ccode", "stateabb").unique("ccode").sort("ccode")
    codes = codes_df["ccode"].to_numpy().astype(np.int64)
    abbs = tuple(str(a) for a in codes_df["stateabb"].fill_null("").to_list())
    nt, nk = years.size, codes.size

    # position of each COW code in ``codes`` (−1: not a state of the capability data)
    code_pos = np.full(int(codes.max(initial=0)) + 2, -1, dtype=np.int64)
    code_pos[codes] = np.arange(nk, dtype=np.int64)

    def positions(c: NDArray[Any]) -> IntArray:
        # A code column with nulls arrives as floats with NaN: no state (−1).
        whole = np.nan_to_num(c, nan=-1.0).astype(np.int64) if c.dtype.kind == "f" else c
        out: IntArray = np.take(code_pos, np.clip(whole, -1, code_pos.size - 1))
        return out

    ti = caps["year"].to_numpy() - years[0]
    ki = positions(caps["ccode"].to_numpy())
    present = np.zeros((nt, nk), dtype=bool)
    present[ti, ki] = True

    def state_array(col: str) -> FloatArray:
        out = np.full((nt, nk), np.nan)
        out[ti, ki] = caps[col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return out

    cinc, milex, milper = state_array("cinc"), state_array("milex"), state_array("milper")

    def dyad_positions(df: pl.DataFrame) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
        y = df["year"].to_numpy()
        a = positions(df["ccode1"].to_numpy())
        b = positions(df["ccode2"].to_numpy())
        ok = (a >= 0) & (b >= 0) & (y >= years[0]) & (y <= years[-1])
        return (y - years[0]).astype(np.int64), a, b, ok

    # Alliances: non-directed dyad-years 1816-2012 (one row per dyad-year), written both ways.
    ally = load_table("alliance_dyad", src, lambda: alliance_dyad_years(False, source=src))
    t, a, b, ok = dyad_positions(ally)
    bits = np.zeros(ally.height, dtype=np.uint8)
    blank_bits = np.zeros(ally.height, dtype=np.uint8)
    for col, bit in FLAG_BITS.items():
        values = ally[col]
        bits |= np.where(values.fill_null(0).to_numpy() > 0, bit, 0).astype(np.uint8)
        # flags the publisher left blank: unknown, shown as null, counted as no obligation
        blank_bits |= np.where(values.is_null().to_numpy(), bit, 0).astype(np.uint8)
    flags, ally_cells = _symmetric_cells(t, a, b, ok & (bits > 0), bits, (nt, nk))
    blank_flags, blank_cells = _symmetric_cells(
        t, a, b, ok & (blank_bits > 0), blank_bits, (nt, nk)
    )

    contig = load_table("contdird", src, lambda: load_contiguity_directed(source=src))
    t, a, b, ok = dyad_positions(contig)
    ctype = contig["conttype"].to_numpy().astype(np.int8)
    ok &= ctype != 0
    conttype = np.zeros((nt, nk, nk), dtype=np.int8)
    conttype[t[ok], a[ok], b[ok]] = ctype[ok]
    cont_cells = ((t[ok] * nk + a[ok]) * nk + b[ok]).astype(np.int64)

    alliance_status = _status(years, ALLIANCE_LAST_YEAR, carry_forward)
    contiguity_status = _status(years, CONTIGUITY_LAST_YEAR, carry_forward)
    ally_cells = _carry(flags, ally_cells, alliance_status, ALLIANCE_LAST_YEAR, years, present)
    blank_cells = _carry(
        blank_flags, blank_cells, alliance_status, ALLIANCE_LAST_YEAR, years, present
    )
    cont_cells = _carry(
        conttype, cont_cells, contiguity_status, CONTIGUITY_LAST_YEAR, years, present
    )

    dist = load_table("capdist", src, lambda: load_capdist_cow(source=src))
    miles = np.full((nk, nk), np.nan)
    a = positions(dist["ccode1"].to_numpy())
    b = positions(dist["ccode2"].to_numpy())
    ok = (a >= 0) & (b >= 0)
    miles[a[ok], b[ok]] = dist["midist"].cast(pl.Float64).to_numpy()[ok]
    np.fill_diagonal(miles, 0.0)

    labels = tuple(f"{n} {src.resolve(n).version}" for n in names)
    panel = Panel(
        years=years.astype(np.int64),
        codes=codes,
        abbs=abbs,
        present=present,
        cinc=cinc,
        milex=milex,
        milper=milper,
        flags=flags,
        blank_flags=blank_flags,
        conttype=conttype,
        miles=miles,
        alliance_status=alliance_status,
        contiguity_status=contiguity_status,
        sources=labels,
        ally_cells=ally_cells,
        blank_cells=blank_cells,
        cont_cells=cont_cells,
    )
    return panel
