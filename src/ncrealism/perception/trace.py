"""What each cluster of the filter changed: the filter as a stack of wrappers.

The four clusters are applied in the order of :data:`~ncrealism.perception.filter.CLUSTERS`,
each wrapping the reading of the clusters before it (leader images read the structural
environment; strategic culture reads that reading; and so on), then the choice rule's
precision. :func:`trace` switches the clusters on one by one and records, for every perceived
quantity a cluster acts on, its value before and after that cluster. Because every mechanism of
:mod:`ncrealism.perception.functions` is neutral at its neutral value, a cluster that is
switched off (:meth:`PerceptionFilter.with_cluster_off`) changes nothing and its rows show
``before == after``.

:func:`trace` returns one row per (year, cluster, quantity):

=========  =======  ==================================================================
column     dtype    meaning (unit)
=========  =======  ==================================================================
year       Int64    calendar year (when the structural frame has one; else the row index)
cluster    Utf8     leader_images, strategic_culture, state_society, domestic_institutions,
                    precision
quantity   Utf8     perceived quantity (see ``functions`` module table; 0-1 scale except
                    precision (1/utility unit) and survival_weight (multiplier))
before     Float64  value with the earlier clusters on
after      Float64  value with this cluster on as well
change     Float64  after - before
=========  =======  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from numpy.typing import ArrayLike

from ncrealism.perception.filter import CLUSTERS, PerceptionFilter
from ncrealism.perception.functions import cluster_quantities, perceive

__all__ = ["cumulative_filters", "trace"]


def cumulative_filters(filt: PerceptionFilter) -> list[tuple[str, PerceptionFilter]]:
    """The filter built up cluster by cluster: [("structural", neutral), (cluster, filter), ...].

    The last entry equals ``filt`` in every parameter.
    """
    order = [*CLUSTERS, "precision"]
    out: list[tuple[str, PerceptionFilter]] = []
    for k in range(len(order) + 1):
        off = order[k:]
        f = filt.with_clusters_off(off) if off else filt
        out.append((order[k - 1] if k else "structural", f))
    return out


def trace(
    structural: Mapping[str, ArrayLike],
    filt: PerceptionFilter,
    *,
    years: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Record what each cluster of ``filt`` changed (columns in the module docstring).

    ``structural`` maps :data:`~ncrealism.perception.functions.STRUCTURAL_KEYS` to arrays of
    one value per year, with ``threat_misperceived`` computed under ``filt``'s misperception
    map; the structural step (every cluster off) reads ``threat_misperceived = threat``.
    """
    steps = cumulative_filters(filt)
    n = int(np.asarray(structural["threat"], dtype=float).size)
    yrs = list(years) if years is not None else list(range(n))
    quantities = cluster_quantities()
    rows: list[tuple[int, str, str, float, float, float]] = []
    prev: dict[str, np.ndarray] | None = None
    for name, f in steps:
        s = dict(structural)
        if name == "structural":
            s["threat_misperceived"] = s["threat"]
        cur = perceive(s, f.values)
        if prev is not None:
            for q in quantities[name]:
                b = np.broadcast_to(prev[q], (n,))
                a = np.broadcast_to(cur[q], (n,))
                for i in range(n):
                    rows.append((yrs[i], name, q, float(b[i]), float(a[i]), float(a[i] - b[i])))
        prev = cur
    return pl.DataFrame(
        rows,
        schema={
            "year": pl.Int64,
            "cluster": pl.Utf8,
            "quantity": pl.Utf8,
            "before": pl.Float64,
            "after": pl.Float64,
            "change": pl.Float64,
        },
        orient="row",
    )
