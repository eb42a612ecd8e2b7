"""The row arithmetic of the dyad-year frames on small synthetic panels: which state-years a
row reads, the transposed row, the row of a dyad-year, the parts, and the S-score assembled
from sparse cross terms, each against a hand computation or a brute-force enumeration."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ncrealism.system._panel import FLAG_BITS, OBSERVED, UNKNOWN, Panel
from ncrealism.system.dyads import (
    ALL_MEASURES,
    DyadOptions,
    complete_columns,
    dyad_columns,
    portfolio_distance_rows,
    to_frame,
)

LEVEL_BITS = {3: FLAG_BITS["defense_pact"], 2: FLAG_BITS["neutrality"], 1: FLAG_BITS["entente"]}


def make_panel(present: np.ndarray, levels: np.ndarray | None = None, seed: int = 0) -> Panel:
    """A panel of T years × K states with the given presence and (symmetric) alliance levels
    (T×K×K, 0-3); CINC drawn at random, no contiguity, every distance 100 miles."""
    nt, nk = present.shape
    rng = np.random.default_rng(seed)
    cinc = np.where(present, rng.uniform(0.001, 0.3, (nt, nk)), np.nan)
    flags = np.zeros((nt, nk, nk), dtype=np.uint8)
    if levels is not None:
        for lev, bit in LEVEL_BITS.items():
            flags[levels == lev] = bit
        flags[:, np.arange(nk), np.arange(nk)] = 0
    cells = np.flatnonzero(flags).astype(np.int64)
    return Panel(
        years=np.arange(2000, 2000 + nt, dtype=np.int64),
        codes=np.arange(1, nk + 1, dtype=np.int64) * 10,
        abbs=tuple(f"S{k}" for k in range(nk)),
        present=present,
        cinc=cinc,
        milex=cinc.copy(),
        milper=cinc.copy(),
        flags=flags,
        blank_flags=np.zeros_like(flags),
        conttype=np.zeros((nt, nk, nk), dtype=np.int8),
        miles=np.full((nk, nk), 100.0),
        alliance_status=np.full(nt, OBSERVED, dtype=np.int8),
        contiguity_status=np.full(nt, OBSERVED, dtype=np.int8),
        sources=(),
        ally_cells=cells,
        blank_cells=np.zeros(0, dtype=np.int64),
        cont_cells=np.zeros(0, dtype=np.int64),
    )


# Year 0: states 0, 1, 2; year 1: all four; year 2: state 3 alone (no dyad).
PRESENT = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 1]], dtype=bool)


def test_directed_rows_by_hand() -> None:
    blocks = make_panel(PRESENT).blocks()
    ix = blocks.index()
    assert blocks.n_rows == 3 * 2 + 4 * 3
    # state-years in row order: year 0 states 0-2 (indices 0-2), year 1 states 0-3 (3-6)
    assert ix.sj.tolist() == [1, 2, 0, 2, 0, 1] + [
        3 + j for j in (1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2)
    ]
    assert ix.i.tolist() == [0, 0, 1, 1, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert ix.j.tolist() == [1, 2, 0, 2, 0, 1, 1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2]
    assert ix.t.tolist() == [0] * 6 + [1] * 12
    # (a, b) -> (b, a): year 0 rows (0,1) (0,2) (1,0) (1,2) (2,0) (2,1); each row receives
    # the value of its transposed row
    rows = np.arange(blocks.n_rows, dtype=float)
    moved = np.full(blocks.n_rows, -1.0)
    for part in ix.parts(max_rows=blocks.n_rows):
        part.transpose_into(rows[part.rows], moved[part.rows])
    assert moved.tolist() == [2, 4, 0, 5, 1, 3] + [
        6 + r for r in (3, 6, 9, 0, 7, 10, 1, 4, 11, 2, 5, 8)
    ]
    # flat K×K and T×K positions
    assert ix.ij[:3].tolist() == [1, 2, 4]
    assert ix.tj[6:9].tolist() == [5, 6, 7]
    values = np.arange(8, dtype=float) * 10  # one value per state-year (2002: index 7)
    assert ix.first(values)[:6].tolist() == [0, 0, 10, 10, 20, 20]
    assert ix.second(values)[6:9].tolist() == [40, 50, 60]


def test_undirected_rows_by_hand() -> None:
    blocks = make_panel(PRESENT).blocks(directed=False)
    ix = blocks.index()
    assert blocks.n_rows == 3 + 6
    assert ix.sj.tolist() == [1, 2, 2] + [3 + j for j in (1, 2, 3, 2, 3, 3)]
    assert ix.i.tolist() == [0, 0, 1, 0, 0, 0, 1, 1, 2]
    with pytest.raises(ValueError):
        ix.parts(max_rows=blocks.n_rows)[0].transpose_into(np.zeros(9), np.zeros(9))


def test_row_of_by_hand() -> None:
    panel = make_panel(PRESENT)
    directed = panel.blocks()
    t = np.array([0, 0, 1, 1, 0, 2, 1])
    i = np.array([2, 1, 3, 0, 3, 3, 2])
    j = np.array([0, 2, 2, 3, 0, 0, 2])
    # (2,0) in 2000 is row 4; (1,2) row 3; (3,2) in 2001 row 6 + 11; (0,3) row 6 + 2;
    # state 3 absent in 2000, state 0 absent in 2002, i = j: no row
    assert directed.row_of(t, i, j).tolist() == [4, 3, 17, 8, -1, -1, -1]
    undirected = panel.blocks(directed=False)
    assert undirected.row_of(t, i, j).tolist() == [-1, 2, -1, 5, -1, -1, -1]
    # a subset of years: 2001 alone starts at row 0
    only = panel.blocks(np.array([1]))
    assert only.row_of(np.array([1, 0]), np.array([0, 0]), np.array([3, 1])).tolist() == [2, -1]


def test_parts_by_hand() -> None:
    ix = make_panel(PRESENT).blocks().index()
    parts = ix.parts(max_rows=7)
    assert [(p.lo, p.hi, p.s_lo, p.s_hi) for p in parts] == [(0, 6, 0, 3), (6, 18, 3, 7)]
    assert [(p.lo, p.hi) for p in ix.parts(max_rows=100)] == [(0, 18)]
    # a new part where the label of the year changes
    assert [(p.lo, p.hi) for p in ix.parts(by=np.array([0, 1, 1]))] == [(0, 6), (6, 18)]


@st.composite
def panels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    nt = draw(st.integers(1, 4))
    nk = draw(st.integers(1, 7))
    present = draw(hnp.arrays(np.bool_, (nt, nk)))
    raw = draw(hnp.arrays(np.int8, (nt, nk, nk), elements=st.integers(0, 3)))
    levels = np.maximum(raw, raw.transpose(0, 2, 1))
    return present, levels


@settings(max_examples=60, deadline=None)
@given(panels(), st.booleans(), st.integers(1, 30))
def test_rows_match_an_enumeration(
    drawn: tuple[np.ndarray, np.ndarray], directed: bool, max_rows: int
) -> None:
    present, levels = drawn
    panel = make_panel(present, levels)
    blocks = panel.blocks(directed=directed)
    ix = blocks.index()
    expect = [
        (t, a, b)
        for t in range(present.shape[0])
        for a in np.flatnonzero(present[t])
        for b in np.flatnonzero(present[t])
        if (a != b if directed else a < b)
    ]
    got = list(zip(ix.t.tolist(), ix.i.tolist(), ix.j.tolist(), strict=True))
    assert got == [tuple(int(v) for v in row) for row in expect]
    transposed = np.zeros(0, dtype=np.int64)
    if expect:
        t, a, b = (np.array(c) for c in zip(*expect, strict=True))
        assert (blocks.row_of(t, a, b) == np.arange(len(expect))).all()
        if directed:
            transposed = blocks.row_of(t, b, a)  # the row of (b, a), by lookup
    # parts: whole years, consecutive, covering every row once, and reading the same values
    parts = ix.parts(max_rows=max_rows)
    assert parts[0].lo == 0 and parts[-1].hi == blocks.n_rows
    assert all(p.hi == q.lo for p, q in itertools.pairwise(parts))
    assert all(p.hi - p.lo <= max_rows or p.b_hi - p.b_lo == 1 for p in parts)
    values = np.arange(blocks.states.flat.size, dtype=float)
    for fn in ("first", "second"):
        joined = np.concatenate([getattr(p, fn)(values) for p in parts])
        assert (joined == getattr(ix, fn)(values)).all()
    if directed:
        # the year-by-year transposition moves each row's value to the row (b, a)
        rows = np.arange(blocks.n_rows, dtype=float)
        moved = np.full(blocks.n_rows, -1.0)
        for p in parts:
            p.transpose_into(rows[p.rows], moved[p.rows])
        assert (moved == transposed).all()


@settings(max_examples=60, deadline=None)
@given(panels(), st.booleans())
def test_s_score_rows_match_the_formula(
    drawn: tuple[np.ndarray, np.ndarray], directed: bool
) -> None:
    """d_ij = Σ_k w_k |a_ik − a_jk| / (3 Σ_k w_k) over the year's states (a_ii = 3), computed
    here pair by pair, against the sparse product read at the rows."""
    present, levels = drawn
    panel = make_panel(present, levels)
    blocks = panel.blocks(directed=directed)
    ix = blocks.index()
    d_one, d_cinc = portfolio_distance_rows(blocks, ix, [False, True])
    for row, (t, a, b) in enumerate(zip(ix.t, ix.i, ix.j, strict=True)):
        states = np.flatnonzero(present[t])
        lev = levels[t][np.ix_(states, states)].astype(float)
        np.fill_diagonal(lev, 3)
        ra, rb = np.searchsorted(states, [a, b])
        for w, d in ((np.ones(states.size), d_one), (panel.cinc[t, states], d_cinc)):
            expect = np.sum(w * np.abs(lev[ra] - lev[rb])) / (3 * w.sum())
            assert d[row] == pytest.approx(expect, abs=1e-12)


def test_s_score_rows_are_nan_when_alliances_are_unknown() -> None:
    levels = np.zeros((3, 4, 4), dtype=np.int8)
    levels[1, 0, 1] = levels[1, 1, 0] = 3
    panel = make_panel(PRESENT, levels)
    status = panel.alliance_status.copy()
    status[1] = UNKNOWN
    unknown = dataclasses.replace(panel, alliance_status=status)
    blocks = unknown.blocks()
    (d,) = portfolio_distance_rows(blocks, blocks.index(), [False])
    assert np.isnan(d[6:]).all() and not np.isnan(d[:6]).any()
    # by hand, 2000 (no alliance, 3 states): d = (3 + 3) / (3 · 3) for every pair
    assert d[:6] == pytest.approx(np.full(6, 6 / 9))


@settings(max_examples=40, deadline=None)
@given(panels(), hnp.arrays(np.int8, (4, 7), elements=st.integers(0, 2)), st.booleans())
def test_complete_columns_hold_no_nan(
    drawn: tuple[np.ndarray, np.ndarray], kind: np.ndarray, unknown: bool
) -> None:
    """The columns said to hold no NaN (taken without a pass to find NaN) hold none, so the
    frame is the same as one built with every float column scanned; CINC 0 (kind 1) and
    missing CINC (kind 2) are drawn to make 0/0 and NaN possible."""
    present, levels = drawn
    assume(present.any())  # a panel comes from capability data: some state-year exists
    panel = make_panel(present, levels)
    nt, nk = present.shape
    k = kind[:nt, :nk]
    cinc = np.where(k == 1, 0.0, np.where(k == 2, np.nan, panel.cinc))
    status = panel.alliance_status.copy()
    if unknown:
        status[-1] = UNKNOWN
    panel = dataclasses.replace(panel, cinc=cinc, alliance_status=status)
    blocks = panel.blocks()
    opts = DyadOptions(variants=("s_unweighted", "s_weighted"))
    cols = dyad_columns(blocks, list(ALL_MEASURES), opts)
    complete = complete_columns(blocks, opts)
    for name in complete:
        assert not np.isnan(cols[name]).any(), name
    assert to_frame(blocks, cols, complete=complete).equals(to_frame(blocks, cols))
