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
  last covered year (alliances 2012, contiguity 2016), 2 unknown (carrying switched off).

Directed dyad-years are the cells (t, a, b) with both states present and a ≠ b, listed year by
year (:meth:`Panel.blocks`): each measure is computed on one year's n×n matrices and written to
that year's contiguous block of rows, so the whole 1816-2016 directed frame (about 1.9 million
rows) needs no join.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

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

    def index(self) -> RowIndex:
        """The year position and the two state positions of every row, in row order.

        One boolean mask over years × states × states, read in C order, lists the dyad-years
        in the order of :meth:`Panel.blocks` (year, first code, second code), so every measure
        is then a gather from the panel's arrays, with no loop over years.
        """
        present = self.panel.present[self.tpos]
        nk = present.shape[1]
        mask = present[:, :, None] & present[:, None, :]
        pair = ~np.eye(nk, dtype=bool) if self.directed else np.triu(np.ones((nk, nk), bool), 1)
        mask &= pair[None, :, :]
        flat = np.flatnonzero(mask)
        ij = flat % (nk * nk)
        t = self.tpos[flat // (nk * nk)]
        i = ij // nk
        j = ij - i * nk
        ti = t * nk + i
        return RowIndex(t, i, j, ti, t * nk + j, ij, ti * nk + j)

    def row_of(self, t: IntArray, i: IntArray, j: IntArray) -> IntArray:
        """The row of each dyad-year (year position t, state positions i and j); -1 for a
        dyad-year that is not in the frame (year not selected, state absent, or i ≥ j in a
        non-directed frame)."""
        panel = self.panel
        block_of = np.full(panel.years.size, -1, dtype=np.int64)
        block_of[self.tpos] = np.arange(self.tpos.size)
        rank = np.cumsum(panel.present, axis=1) - 1  # position among the year's states
        b = block_of[t]
        ok = (b >= 0) & (i != j) & panel.present[t, i] & panel.present[t, j]
        if not self.directed:
            ok &= i < j
        n = panel.present.sum(axis=1)[t]
        ri, rj = rank[t, i], rank[t, j]
        if self.directed:
            within = ri * (n - 1) + rj - (rj > ri)
        else:
            within = ri * n - ri * (ri + 1) // 2 + (rj - ri - 1)
        return np.where(ok, self.offsets[np.maximum(b, 0)] + within, -1).astype(np.int64)


@dataclass(frozen=True)
class RowIndex:
    """Per-row positions of a dyad-year frame: year ``t``, states ``i`` (``ccode1``) and ``j``
    (``ccode2``), all positions in the panel's arrays, and the flat positions of (t, i),
    (t, j), (i, j) and (t, i, j) in the C-ordered T×K, K×K and T×K×K arrays (for
    :func:`numpy.take`)."""

    t: IntArray
    i: IntArray
    j: IntArray
    ti: IntArray
    tj: IntArray
    ij: IntArray
    tij: IntArray


def load_table(name: str, source: DataSource, load: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """The loaded input table of dataset ``name``, read once per data source."""
    return source.memo(name, load)


def _status(years: IntArray, last: int, carry: bool) -> NDArray[np.int8]:
    return np.where(years <= last, OBSERVED, CARRIED if carry else UNKNOWN).astype(np.int8)


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

    ti = caps["year"].to_numpy() - years[0]
    ki = np.searchsorted(codes, caps["ccode"].to_numpy())
    present = np.zeros((nt, nk), dtype=bool)
    present[ti, ki] = True

    def state_array(col: str) -> FloatArray:
        out = np.full((nt, nk), np.nan)
        out[ti, ki] = caps[col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return out

    cinc, milex, milper = state_array("cinc"), state_array("milex"), state_array("milper")

    def dyad_positions(df: pl.DataFrame) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
        c1 = df["ccode1"].to_numpy()
        c2 = df["ccode2"].to_numpy()
        y = df["year"].to_numpy()
        a = np.searchsorted(codes, c1)
        b = np.searchsorted(codes, c2)
        ok = (
            (a < nk)
            & (b < nk)
            & (codes[np.minimum(a, nk - 1)] == c1)
            & (codes[np.minimum(b, nk - 1)] == c2)
            & (y >= years[0])
            & (y <= years[-1])
        )
        return (y - years[0]).astype(np.int64), a.astype(np.int64), b.astype(np.int64), ok

    # Alliances: non-directed dyad-years 1816-2012, written both ways.
    ally = load_table("alliance_dyad", src, lambda: alliance_dyad_years(False, source=src))
    t, a, b, ok = dyad_positions(ally)
    bits = np.zeros(ally.height, dtype=np.uint8)
    for col, bit in FLAG_BITS.items():
        bits |= np.where(ally[col].fill_null(0).to_numpy() > 0, bit, 0).astype(np.uint8)
    flags = np.zeros((nt, nk, nk), dtype=np.uint8)
    flags[t[ok], a[ok], b[ok]] = bits[ok]
    flags[t[ok], b[ok], a[ok]] = bits[ok]
    # flags the publisher left blank: unknown, shown as null, counted as no obligation
    blank_bits = np.zeros(ally.height, dtype=np.uint8)
    for col, bit in FLAG_BITS.items():
        blank_bits |= np.where(ally[col].is_null().to_numpy(), bit, 0).astype(np.uint8)
    blank_flags = np.zeros((nt, nk, nk), dtype=np.uint8)
    nb = ok & (blank_bits > 0)
    blank_flags[t[nb], a[nb], b[nb]] = blank_bits[nb]
    blank_flags[t[nb], b[nb], a[nb]] = blank_bits[nb]

    contig = load_table("contdird", src, lambda: load_contiguity_directed(source=src))
    t, a, b, ok = dyad_positions(contig)
    conttype = np.zeros((nt, nk, nk), dtype=np.int8)
    conttype[t[ok], a[ok], b[ok]] = contig["conttype"].to_numpy()[ok].astype(np.int8)

    alliance_status = _status(years, ALLIANCE_LAST_YEAR, carry_forward)
    contiguity_status = _status(years, CONTIGUITY_LAST_YEAR, carry_forward)
    for arr, status, last in (
        (flags, alliance_status, ALLIANCE_LAST_YEAR),
        (blank_flags, alliance_status, ALLIANCE_LAST_YEAR),
        (conttype, contiguity_status, CONTIGUITY_LAST_YEAR),
    ):
        if carry_forward and years[-1] > last >= years[0]:
            base = arr[last - years[0]]
            for tt in np.nonzero(status == CARRIED)[0]:
                both = present[tt][:, None] & present[tt][None, :]
                arr[tt] = np.where(both, base, 0)

    dist = load_table("capdist", src, lambda: load_capdist_cow(source=src))
    miles = np.full((nk, nk), np.nan)
    c1 = dist["ccode1"].to_numpy()
    c2 = dist["ccode2"].to_numpy()
    a = np.searchsorted(codes, c1)
    b = np.searchsorted(codes, c2)
    ok = (
        (a < nk)
        & (b < nk)
        & (codes[np.minimum(a, nk - 1)] == c1)
        & (codes[np.minimum(b, nk - 1)] == c2)
    )
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
    )
    return panel
