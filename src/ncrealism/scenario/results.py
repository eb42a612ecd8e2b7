"""Result tables of a sweep: summaries of every quantity, and the full draws on request.

Every row carries its provenance: ``scenario_hash`` (sha256 of the scenario, see
:func:`ncrealism.scenario.schema.scenario_hash`), ``data_versions`` (JSON: each dataset read,
with version, file variant and sha256, and the registry version), ``package_version``
(ncrealism), ``seed`` (the root seed) and the chunk: ``chunk`` (Int32) on draw rows, ``chunks``
(Utf8, "first-last") on summary rows, which pool all chunks of a variant.

``summary`` (one row per variant × quantity × state-year × label):

================  ========  ===========================================================
column            dtype     meaning (unit)
================  ========  ===========================================================
variant           Int32     grid point (0 without a grid; see table ``variants``)
quantity          Utf8      ``posture_probability`` (probability, 0–1),
                            ``agreement_probability`` (probability, 0–1),
                            ``durability_days`` (days an agreement holds; draws without an
                            agreement are left out), ``parameter`` (the drawn value, in
                            the parameter's unit)
ccode             Int32     COW state code (null for negotiation and parameter rows)
year              Int32     year (null for negotiation and parameter rows)
label             Utf8      posture, negotiation case or parameter name
unit              Utf8      unit of mean, sd and quantiles
n                 Int64     draws with a finite value
mean, sd          Float64   mean and standard deviation (ddof = 1) over draws
q05, q25, …       Float64   quantiles over draws; names are 100·q, '_' for a decimal point.
                            Agreement and durability: exact (linear interpolation,
                            Hyndman & Fan 1996 type 7). Posture probabilities and
                            parameters: read from histograms of 1000 equal bins merged
                            over chunks (draws spread evenly within a bin), on [0, 1] for
                            probabilities and on the distribution's support (or its 1e-6
                            to 1 − 1e-6 quantiles) for parameters; within one bin width
                            (0.001 for probabilities) of the inverse empirical CDF (type
                            1). A sweep so keeps O(bins), not O(draws), per quantity
================  ========  ===========================================================

``variants``: ``variant`` (Int32), ``values`` (Utf8, JSON of the grid point). ``runs``: one row
describing the sweep (name, hash, draws, seed, chunk size, model, quantiles, grid, the scenario
as JSON). With ``keep_draws``: ``posture_draws`` (variant, draw, ccode, year, one Float64
column ``p_<posture>`` per posture), ``parameter_draws`` (variant, draw, parameter, value) and
``negotiation_draws`` (variant, draw, case, p_agreement, durability_days).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pyarrow as pa

    from ncrealism.scenario.engine import BinnedStats, ChunkResult, Plan

FloatArray = NDArray[np.float64]

__all__ = ["VariantDraws", "build_tables", "quantile_column", "summarise_columns"]


def quantile_column(q: float) -> str:
    """Column name of quantile ``q``: 0.05 → ``q05``, 0.5 → ``q50``, 0.025 → ``q2_5``."""
    s = format(round(q * 100, 6), "02g")
    return "q" + s.replace(".", "_")


def summarise_columns(
    values: FloatArray, quantiles: Sequence[float]
) -> tuple[NDArray[np.int64], FloatArray, FloatArray, FloatArray]:
    """Per-column n, mean, sd (ddof 1) and quantiles ``[Q, M]`` of ``values [D, M]``.

    Non-finite values are left out column by column (a column without finite values gives
    n = 0 and nan statistics).
    """
    d, m = values.shape
    finite = np.isfinite(values)
    n = finite.sum(axis=0).astype(np.int64)
    qs = np.asarray(quantiles, dtype=np.float64)
    if d == 0:
        nan = np.full(m, np.nan)
        return n, nan, nan.copy(), np.full((len(qs), m), np.nan)
    if finite.all():
        mean = values.mean(axis=0)
        sd = values.std(axis=0, ddof=1) if d > 1 else np.full(m, np.nan)
        q = np.quantile(values, qs, axis=0, method="linear")
        return n, mean, sd, q
    mean = np.full(m, np.nan)
    sd = np.full(m, np.nan)
    q = np.full((len(qs), m), np.nan)
    for j in range(m):
        col = values[finite[:, j], j]
        if col.size:
            mean[j] = col.mean()
            sd[j] = col.std(ddof=1) if col.size > 1 else np.nan
            q[:, j] = np.quantile(col, qs, method="linear")
    return n, mean, sd, q


@dataclass(frozen=True, eq=False)
class VariantDraws:
    """All draws of one variant, merged from its chunks in chunk order.

    ``stats`` and ``param_stats`` summarise the posture probabilities and the parameters;
    ``probabilities [D, N, O]`` and ``parameters [D, K]`` hold the draws when they were kept
    (else None); ``agreement`` and ``durability [D, C]`` are always complete.
    """

    variant: int
    chunks: tuple[int, ...]
    first_draw: NDArray[np.int64]  # first draw of each chunk
    stats: BinnedStats
    param_stats: BinnedStats
    probabilities: FloatArray | None
    parameters: FloatArray | None
    agreement: FloatArray
    durability: FloatArray

    @classmethod
    def merge(cls, variant: int, results: Iterable[ChunkResult]) -> VariantDraws:
        """Merge the chunks of one variant.

        A sequence is sorted by chunk first; any other iterable must yield the chunks in chunk
        order, and is consumed one chunk at a time, so that only one chunk's summaries are held
        besides the merged ones (the per-draw arrays that are kept grow with the draws).
        """
        rs: Iterable[ChunkResult] = (
            sorted(results, key=lambda r: r.chunk) if isinstance(results, Sequence) else results
        )
        stats: BinnedStats | None = None
        pstats: BinnedStats | None = None
        chunks: list[int] = []
        first: list[int] = []
        probs: list[FloatArray | None] = []
        params: list[FloatArray | None] = []
        agreement: list[FloatArray] = []
        durability: list[FloatArray] = []
        for r in rs:
            if stats is None or pstats is None:
                stats, pstats = r.stats, r.param_stats
            else:
                stats = stats.merge(r.stats)
                pstats = pstats.merge(r.param_stats)
            chunks.append(r.chunk)
            first.append(r.first_draw)
            probs.append(r.probabilities)
            params.append(r.parameters)
            agreement.append(r.agreement)
            durability.append(r.durability)
        if stats is None or pstats is None:
            raise ValueError(f"variant {variant}: no chunks to merge")

        def joined(arrays: list[FloatArray | None]) -> FloatArray | None:
            if any(a is None for a in arrays):
                return None
            return np.concatenate([a for a in arrays if a is not None], axis=0)

        return cls(
            variant,
            tuple(chunks),
            np.array(first, dtype=np.int64),
            stats,
            pstats,
            joined(probs),
            joined(params),
            np.concatenate(agreement, axis=0),
            np.concatenate(durability, axis=0),
        )


def _provenance_columns(plan: Plan, n: int, chunk: Any) -> dict[str, Any]:
    import pyarrow as pa

    prov = plan.provenance
    cols: dict[str, Any] = {
        "scenario_hash": pa.array([plan.scenario_hash] * n, pa.string()).dictionary_encode(),
        "data_versions": pa.array(
            [prov.get("data_versions", "{}")] * n, pa.string()
        ).dictionary_encode(),
        "package_version": pa.array(
            [prov.get("package_version", "")] * n, pa.string()
        ).dictionary_encode(),
        "seed": pa.array(np.full(n, plan.seed, dtype=np.int64)),
    }
    if isinstance(chunk, str):
        cols["chunks"] = pa.array([chunk] * n, pa.string())
    else:
        cols["chunk"] = pa.array(np.asarray(chunk, dtype=np.int32))
    return cols


def _summary_table(plan: Plan, v: VariantDraws) -> pa.Table:
    import pyarrow as pa

    qs = plan.quantiles
    opts = plan.model.options
    n_rows, n_opt = v.stats.mean.shape
    blocks: list[dict[str, Any]] = []

    def add(
        quantity: str,
        ccode: Any,
        year: Any,
        label: list[str],
        unit: list[str],
        stats: tuple[NDArray[np.int64], FloatArray, FloatArray, FloatArray],
    ) -> None:
        n, mean, sd, q = stats
        m = len(label)
        block: dict[str, Any] = {
            "variant": np.full(m, v.variant, dtype=np.int32),
            "quantity": [quantity] * m,
            "ccode": ccode,
            "year": year,
            "label": label,
            "unit": unit,
            "n": n,
            "mean": mean,
            "sd": sd,
        }
        for i, qq in enumerate(qs):
            block[quantile_column(qq)] = q[i]
        blocks.append(block)

    cells = n_rows * n_opt
    st = v.stats
    add(
        "posture_probability",
        np.repeat(plan.ccode.astype(np.int32), n_opt),
        np.repeat(plan.year.astype(np.int32), n_opt),
        list(opts) * n_rows,
        ["probability"] * cells,
        (
            np.full(cells, st.n, dtype=np.int64),
            st.mean.reshape(-1),
            st.sd().reshape(-1),
            st.quantiles(qs).reshape(len(qs), cells),
        ),
    )
    cases = [neg.model.case for neg in plan.negotiations]
    if cases:
        none = [None] * len(cases)
        add(
            "agreement_probability",
            none,
            none,
            cases,
            ["probability"] * len(cases),
            summarise_columns(v.agreement, qs),
        )
        add(
            "durability_days",
            none,
            none,
            cases,
            ["days"] * len(cases),
            summarise_columns(v.durability, qs),
        )
    if plan.params:
        none = [None] * len(plan.params)
        add(
            "parameter",
            none,
            none,
            [p.name for p in plan.params],
            [p.unit for p in plan.params],
            (
                np.full(len(plan.params), v.param_stats.n, dtype=np.int64),
                v.param_stats.mean,
                v.param_stats.sd(),
                v.param_stats.quantiles(qs),
            ),
        )
    cols: dict[str, Any] = {}
    schema = [
        ("variant", pa.int32()),
        ("quantity", pa.string()),
        ("ccode", pa.int32()),
        ("year", pa.int32()),
        ("label", pa.string()),
        ("unit", pa.string()),
        ("n", pa.int64()),
        ("mean", pa.float64()),
        ("sd", pa.float64()),
        *[(quantile_column(q), pa.float64()) for q in qs],
    ]
    for name, typ in schema:
        parts = []
        for b in blocks:
            parts.append(pa.array(b[name], typ))
        cols[name] = pa.concat_arrays(parts)
    total = len(cols["variant"])
    cols.update(_provenance_columns(plan, total, f"{v.chunks[0]}-{v.chunks[-1]}"))
    return pa.table(cols)


def _chunk_of_draw(plan: Plan, v: VariantDraws, d: int) -> NDArray[np.int32]:
    counts = np.diff(np.append(v.first_draw, d))
    return np.repeat(np.asarray(v.chunks, dtype=np.int32), counts)


def _draw_tables(plan: Plan, v: VariantDraws) -> dict[str, pa.Table]:
    import pyarrow as pa

    if v.probabilities is None or v.parameters is None:
        raise ValueError("the draws were not kept (run with keep_draws=True)")
    d, n_rows, _ = v.probabilities.shape
    draw = np.arange(d, dtype=np.int64)
    chunk = _chunk_of_draw(plan, v, d)
    out: dict[str, pa.Table] = {}
    cols: dict[str, Any] = {
        "variant": pa.array(np.full(d * n_rows, v.variant, dtype=np.int32)),
        "draw": pa.array(np.repeat(draw, n_rows)),
        "ccode": pa.array(np.tile(plan.ccode.astype(np.int32), d)),
        "year": pa.array(np.tile(plan.year.astype(np.int32), d)),
    }
    for j, o in enumerate(plan.model.options):
        cols[f"p_{o}"] = pa.array(np.ascontiguousarray(v.probabilities[:, :, j]).reshape(-1))
    cols.update(_provenance_columns(plan, d * n_rows, np.repeat(chunk, n_rows)))
    out["posture_draws"] = pa.table(cols)
    k = len(plan.params)
    names = [p.name for p in plan.params]
    cols = {
        "variant": pa.array(np.full(d * k, v.variant, dtype=np.int32)),
        "draw": pa.array(np.repeat(draw, k)),
        "parameter": pa.array(names * d, pa.string()).dictionary_encode(),
        "value": pa.array(v.parameters.reshape(-1)),
    }
    cols.update(_provenance_columns(plan, d * k, np.repeat(chunk, k)))
    out["parameter_draws"] = pa.table(cols)
    c = len(plan.negotiations)
    cases = [neg.model.case for neg in plan.negotiations]
    cols = {
        "variant": pa.array(np.full(d * c, v.variant, dtype=np.int32)),
        "draw": pa.array(np.repeat(draw, c)),
        "case": pa.array(cases * d, pa.string()),
        "p_agreement": pa.array(v.agreement.reshape(-1)),
        "durability_days": pa.array(v.durability.reshape(-1)),
    }
    cols.update(_provenance_columns(plan, d * c, np.repeat(chunk, c)))
    out["negotiation_draws"] = pa.table(cols)
    return out


def run_record(plan: Plan, scenario_json: str, keep_draws: bool) -> dict[str, Any]:
    """The ``runs`` row: what was run, with which settings."""
    return {
        "name": plan.name,
        "scenario_hash": plan.scenario_hash,
        "model": plan.model.name,
        "draws": plan.draws,
        "seed": plan.seed,
        "chunk_size": plan.chunk_size,
        "n_chunks": plan.n_chunks,
        "n_variants": plan.n_variants,
        "quantiles": json.dumps(list(plan.quantiles)),
        "grid": json.dumps({k: list(v) for k, v in plan.grid}),
        "keep_draws": keep_draws,
        "package_version": plan.provenance.get("package_version", ""),
        "data_versions": plan.provenance.get("data_versions", "{}"),
        "scenario": scenario_json,
    }


def build_tables(
    plan: Plan,
    variants: Iterable[VariantDraws],
    *,
    keep_draws: bool,
    scenario_json: str = "{}",
) -> dict[str, pa.Table]:
    """Every result table of a sweep (see the module docstring), rows in a fixed order."""
    import pyarrow as pa

    summaries: list[pa.Table] = []
    draws: dict[str, list[pa.Table]] = {}
    for v in variants:
        summaries.append(_summary_table(plan, v))
        if keep_draws:
            for name, t in _draw_tables(plan, v).items():
                draws.setdefault(name, []).append(t)
    tables: dict[str, pa.Table] = {"summary": pa.concat_tables(summaries)}
    for name, ts in draws.items():
        tables[name] = pa.concat_tables(ts)
    nv = plan.n_variants
    tables["variants"] = pa.table(
        {
            "variant": pa.array(np.arange(nv, dtype=np.int32)),
            "values": pa.array(
                [json.dumps(x, sort_keys=True) for x in plan.iter_variants()], pa.string()
            ),
            **_provenance_columns(plan, nv, f"0-{plan.n_chunks - 1}"),
        }
    )
    rec = run_record(plan, scenario_json, keep_draws)
    tables["runs"] = pa.table({k: [val] for k, val in rec.items()})
    return tables
