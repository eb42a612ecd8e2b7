"""The report section of a panel backtest: what won where, from ``results.json``.

:func:`panel_section` turns the document written by ``ncr panel backtest`` (or
:meth:`ncrealism.panel.backtest.BacktestResult.to_json`) into a
:class:`~ncrealism.report.html.Section` of the HTML/Markdown report; :func:`findings` gives its
sentences, each built from the numbers of the run (nothing is written by hand).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from ncrealism.errors import DataFileError
from ncrealism.report.html import Section, Table, Text

__all__ = ["findings", "load_results", "panel_section", "winners"]


def load_results(path: Path | str) -> dict[str, Any]:
    """Read a panel ``results.json`` (clear error naming the file if it is not one)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataFileError(p, f"cannot read a panel results file ({exc})") from exc
    for key in ("info", "scores", "differences"):
        if key not in doc:
            raise DataFileError(p, f"not a panel results file: no '{key}'", field=key)
    out: dict[str, Any] = doc
    return out


def winners(results: Mapping[str, Any], metric: str = "log_loss") -> pl.DataFrame:
    """The model with the lowest ``metric`` in each fold and scored outcome.

    Columns: ``fold``, ``outcome``, ``winner`` (Utf8), ``best`` (Float64, its score) and
    ``base_rate`` (Float64, the base rate's score).
    """
    s = pl.DataFrame(results["scores"], infer_schema_length=None)
    best = (
        s.sort(metric)
        .group_by("fold", "outcome", maintain_order=True)
        .first()
        .select("fold", "outcome", pl.col("model").alias("winner"), pl.col(metric).alias("best"))
    )
    base = s.filter(pl.col("model") == "base_rate").select(
        "fold", "outcome", pl.col(metric).alias("base_rate")
    )
    order = {f: i for i, f in enumerate(dict.fromkeys(s["fold"].to_list()))}
    outs = {o: i for i, o in enumerate(dict.fromkeys(s["outcome"].to_list()))}
    return (
        best.join(base, on=["fold", "outcome"], how="left")
        .with_columns(
            pl.col("fold").replace_strict(order, return_dtype=pl.Int64).alias("_f"),
            pl.col("outcome").replace_strict(outs, return_dtype=pl.Int64).alias("_o"),
        )
        .sort("_f", "_o")
        .drop("_f", "_o")
    )


def _diffs(results: Mapping[str, Any], model: str, comparison: str, metric: str) -> pl.DataFrame:
    d = pl.DataFrame(results["differences"], infer_schema_length=None)
    return d.filter(
        (pl.col("model") == model)
        & (pl.col("comparison") == comparison)
        & (pl.col("metric") == metric)
    )


def findings(results: Mapping[str, Any], metric: str = "log_loss") -> list[str]:
    """Sentences stating which model wins where and where neoclassical realism helps or not."""
    out = []
    w = winners(results, metric).filter(pl.col("outcome") == "all")
    for r in w.iter_rows(named=True):
        fold = "all test eras pooled" if r["fold"] == "all" else f"the test era {r['fold']}"
        what = f"In {fold}, the lowest {metric.replace('_', ' ')} of the four-outcome forecast is "
        if r["winner"] == "base_rate":
            out.append(what + f"the base rate's ({r['best']:.4f}): no model beats it.")
        else:
            out.append(
                what + f"the {r['winner'].replace('_', ' ')} model's ({r['best']:.4f}; base "
                f"rate {r['base_rate']:.4f})."
            )
    d = _diffs(results, "neoclassical", "structural", metric)
    better = d.filter(pl.col("upper") < 0)
    worse = d.filter(pl.col("lower") > 0)
    unclear = d.height - better.height - worse.height

    def cells(df: pl.DataFrame) -> str:
        return "; ".join(
            f"{r['fold']} {r['outcome']} ({r['difference']:+.4f} [{r['lower']:+.4f}, "
            f"{r['upper']:+.4f}])"
            for r in df.iter_rows(named=True)
        )

    out.append(
        f"Neoclassical minus structural realism ({metric.replace('_', ' ')}, 95% cluster-"
        f"bootstrap intervals): better in {better.height} of {d.height} era × outcome cells"
        + (f": {cells(better)}" if better.height else "")
        + "."
    )
    out.append(
        f"Worse in {worse.height} cells" + (f": {cells(worse)}" if worse.height else "") + "; "
        f"no clear difference in {unclear}."
    )
    return out


def panel_section(results: Mapping[str, Any] | Path | str) -> Section:
    """The report section of a panel backtest (tables and findings from ``results``)."""
    doc = load_results(results) if isinstance(results, Path | str) else results
    info = doc["info"]
    scores = pl.DataFrame(doc["scores"], infer_schema_length=None)
    table = scores.filter(pl.col("outcome") == "all").select(
        "fold", "model", "n", "log_loss", "brier", "ece"
    )
    diffs = _diffs(doc, "neoclassical", "structural", "log_loss").select(
        "fold", "outcome", "difference", "lower", "upper", "share_better"
    )
    folds = ", ".join(
        f"fit to {f['train_last']}, test {f['test_first']}-{f['test_last']}" for f in info["folds"]
    )
    blocks: list[Any] = [
        Text(
            f"Every COW state-year {info['panel_years'][0]}-{info['panel_years'][1]} "
            f"({info['state_years']} with an outcome, {info['states']} states; capability data "
            f"COW NMC v{info['nmc_version']}): internal balancing, external balancing, nuclear "
            "steps or none, forecast one year ahead by the base rate, structural realism, "
            "neoclassical realism and a statistical reference, rolling origin by era "
            f"({folds}). Bootstrap: {info['n_boot']} draws, seed {info['seed']}."
        ),
        Table(
            pl.DataFrame(doc.get("base_rates", []), infer_schema_length=None),
            caption="Share of state-years with each outcome, by era.",
        ),
        Table(
            table,
            caption="Out-of-sample scores of the four-outcome forecast (lower is better): log "
            "loss in nats, Brier 0-2, ece = top-label expected calibration error.",
            digits=4,
        ),
        Table(
            diffs,
            caption="Log loss, neoclassical minus structural realism (negative: neoclassical "
            "better), 95% cluster-bootstrap interval (states resampled).",
            digits=4,
        ),
    ]
    if doc.get("regions"):
        reg = pl.DataFrame(doc["regions"], infer_schema_length=None).select(
            "region", "model", "n", "log_loss", "brier"
        )
        blocks.append(
            Table(reg, caption="Scores by region, test eras pooled (four outcomes).", digits=4)
        )
    blocks += [Text(s) for s in findings(doc)]
    return Section(
        "panel", "Every state, every year: structural against neoclassical realism", blocks
    )
