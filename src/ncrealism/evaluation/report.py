"""Writing a backtest to a folder: ``results.json``, ``report.md``, ``report.html`` and figures.

Every number in the report is read from the :class:`~ncrealism.evaluation.engine.Backtest` (and
the optional negotiation backtest) of the run; the text around them is fixed. ``results.json``
holds all metrics together with what is needed to reproduce them: the package versions, the
seed, the settings, and the sha256 of every file read (the record files given on the command
line and every registered dataset resolved through the run's :class:`DataSource`).

Figures (Matplotlib, Agg backend, PNG at 150 dpi):

* ``reliability.png``: top-label reliability diagram of every model (mean forecast probability
  of the modal posture against the share of years in which it was the recorded posture, per
  equal-width bin; the diagonal is perfect calibration).
* ``per_year.png``: for every model, the forecast probability of each posture in each test year
  (shading), with the recorded posture outlined.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ncrealism._jsonsafe import json_safe
from ncrealism.evaluation import metrics as M
from ncrealism.evaluation.engine import Backtest

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource
    from ncrealism.evaluation.negotiation import NegotiationBacktest

_PACKAGES = ("ncrealism", "numpy", "polars", "scipy", "matplotlib", "pydantic")


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape the results."""
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True)
class RunInfo:
    """What a report says about how it was produced.

    ``files`` maps a label (``record``, ``context``, ``negotiations``, …) to a file read; each is
    hashed. ``source`` is the run's data source, whose ``used`` list names every registered
    dataset read. ``seed`` is the seed of any randomness (None: the run used none).
    ``descriptions`` maps model names to one-line descriptions shown in the report.
    """

    command: str = ""
    seed: int | None = None
    files: Mapping[str, Path] = field(default_factory=dict)
    source: DataSource | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    notes: Sequence[str] = ()


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [dict(r) for r in df.iter_rows(named=True)]


def results(
    bt: Backtest,
    run: RunInfo,
    *,
    credit: M.ConfidenceCredit = M.ConfidenceCredit(),  # noqa: B008 - frozen, immutable
    n_bins: int = 10,
    negotiation: NegotiationBacktest | None = None,
    horizons: Mapping[int, Backtest] | None = None,
    comparison: pl.DataFrame | None = None,
    posterior: Mapping[str, Any] | None = None,
    counts: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """Everything the run computed, as a JSON-ready dictionary (the content of results.json).

    ``log_loss`` maps each model to its mean log loss over the test periods (nats, one year
    ahead, all years); ``horizons`` holds the scores of every horizon (``"1"``, ``"2"``, ...),
    ``paired_comparison`` the paired bootstrap table
    (:func:`ncrealism.evaluation.compare.paired_table`) and ``posterior`` the parameter table of
    the dynamic NCR model.
    """
    datasets = []
    if run.source is not None:
        for r in run.source.used:
            datasets.append(
                {
                    "name": r.dataset,
                    "version": r.version,
                    "variant": r.variant,
                    "origin": r.origin,
                    "file": r.spec.filename,
                    "sha256": r.sha256,
                }
            )
    out: dict[str, Any] = {
        "command": run.command,
        "versions": versions(),
        "seed": run.seed,
        "files": {
            label: {"path": str(p), "sha256": file_sha256(p)} for label, p in run.files.items()
        },
        "datasets": datasets,
        "settings": {
            "options": list(bt.options),
            "models": list(bt.models),
            "train": list(bt.train),
            "test_years": list(bt.test_years),
            "scheme": bt.scheme,
            "reliability_bins": n_bins,
            "partial_credit": {"high": credit.high, "medium": credit.medium, "low": credit.low},
            "log_loss_eps": M.LOG_LOSS_EPS,
            **dict(run.settings),
        },
        "model_descriptions": dict(run.descriptions),
        "forecast_type": run.settings.get("forecast_type", "conditional"),
        "log_loss": {
            r["model"]: r["log_loss"] for r in bt.scores(n_bins=n_bins).iter_rows(named=True)
        },
        "scores": {
            "all_years": _records(bt.scores(n_bins=n_bins)),
            "high_confidence_only": _records(bt.scores(high_confidence_only=True, n_bins=n_bins)),
            "partial_credit": _records(bt.scores(credit=credit, n_bins=n_bins)),
        },
        "count_correlations": _records(bt.count_correlations()),
        "per_year": _records(bt.per_year()),
        "confusion": {m: _records(bt.confusion(m)) for m in bt.models},
        "reliability": {m: _records(bt.reliability(m, n_bins)) for m in bt.models},
        "predictions": _records(bt.predictions),
        "notes": list(run.notes),
    }
    if horizons:
        out["horizons"] = {
            str(h): {
                "log_loss": {
                    r["model"]: r["log_loss"] for r in b.scores(n_bins=n_bins).iter_rows(named=True)
                },
                "scores": _records(b.scores(n_bins=n_bins)),
                "predictions": _records(b.predictions),
            }
            for h, b in horizons.items()
        }
    if comparison is not None:
        out["paired_comparison"] = _records(comparison)
    if posterior:
        out["posterior"] = dict(posterior)
    if counts is not None:
        from ncrealism.evaluation.counts import count_scores

        out["counts"] = {"scores": _records(count_scores(counts)), "quarters": _records(counts)}
    if negotiation is not None:
        out["negotiation"] = {
            "scores": _records(negotiation.scores()),
            "episodes": _records(negotiation.predictions),
            "reliability": _records(negotiation.reliability()),
            "settings": negotiation.settings(),
        }
    return json_safe(out)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- tables
def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return "n/a"
        return f"{v:.{digits}f}"
    return str(v)


def md_table(df: pl.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (floats to ``digits`` decimals)."""
    head = "| " + " | ".join(df.columns) + " |"
    sep = "|" + "|".join("---:" if dt.is_numeric() else "---" for dt in df.dtypes) + "|"
    body = ["| " + " | ".join(_fmt(v, digits) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([head, sep, *body])


def html_table(df: pl.DataFrame, digits: int = 3) -> str:
    """An HTML table of ``df`` (escaped; floats to ``digits`` decimals)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for row in df.iter_rows():
        cells = "".join(
            f'<td class="{"num" if dt.is_numeric() else "txt"}">{html.escape(_fmt(v, digits))}</td>'
            for v, dt in zip(row, df.dtypes, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# ---------------------------------------------------------------------- figures
def plot_reliability(bt: Backtest, path: Path, *, n_bins: int = 10, source_note: str = "") -> Path:
    """Draw the reliability diagram of every model, one panel each, into ``path`` (PNG).

    Each panel plots, for every non-empty bin, the mean forecast probability of the modal
    posture against the share of years in which it was recorded (marker area: years in the
    bin); the diagonal is perfect calibration.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_models = len(bt.models)
    cols = min(4, n_models)
    rows = math.ceil(n_models / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(2.6 * cols + 0.4, 2.6 * rows + 0.9),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for i, m in enumerate(bt.models):
        ax = axes[i // cols][i % cols]
        tab = bt.reliability(m, n_bins).filter(pl.col("n") > 0)
        ece = M.expected_calibration_error(bt.probabilities(m), bt.targets(), n_bins)
        ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=0.8)
        ax.scatter(
            tab["mean_confidence"].to_list(),
            tab["accuracy"].to_list(),
            s=[30 * n for n in tab["n"].to_list()],
            color="C0",
            alpha=0.8,
            zorder=3,
        )
        ax.set_title(f"{m}\nECE {ece:.2f}", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.05, 1.05)
        ax.tick_params(labelsize=7)
    for j in range(n_models, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.supxlabel(
        "forecast probability of the modal posture (bin mean)"
        + (f"\n{source_note}" if source_note else ""),
        fontsize=8,
    )
    fig.supylabel("share of years the modal posture was recorded", fontsize=8)
    years = f"{min(bt.test_years)}–{max(bt.test_years)}"
    fig.suptitle(
        f"Reliability diagrams, test years {years} ({n_bins} equal-width bins; "
        "marker area: years in the bin)",
        fontsize=10,
    )
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def plot_per_year(bt: Backtest, path: Path, *, source_note: str = "") -> Path:
    """Draw each model's yearly posture probabilities, recorded postures outlined (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    n_models = len(bt.models)
    cols = 2 if n_models > 1 else 1
    rows = math.ceil(n_models / cols)
    years = list(bt.test_years)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(4.2 * cols + 1.6, 0.8 + (0.9 + 0.22 * len(bt.options)) * rows),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    recorded = [bt.options.index(str(p)) for p in bt.record.sort("year")["dominant_posture"]]
    image = None
    for i, m in enumerate(bt.models):
        ax = axes[i // cols][i % cols]
        p = bt.probabilities(m).T  # options × years
        image = ax.imshow(p, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        for j, k in enumerate(recorded):
            ax.add_patch(Rectangle((j - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="red", lw=1.6))
        ax.set_title(m, fontsize=9)
        ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=7, rotation=90)
        ax.set_yticks(range(len(bt.options)), list(bt.options), fontsize=7)
        ax.tick_params(labelbottom=True)
    for j in range(n_models, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(
        "Forecast probability of each posture by test year (red box: recorded posture)", fontsize=10
    )
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.6, label="forecast probability")
    if source_note:
        fig.supxlabel(source_note, fontsize=6, color="0.3", x=0.01, ha="left")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------- the report
@dataclass(frozen=True)
class ReportFiles:
    """Paths of everything :func:`write_report` wrote."""

    results_json: Path
    report_md: Path
    report_html: Path
    figures: tuple[Path, ...]


def _sections(
    bt: Backtest,
    run: RunInfo,
    credit: M.ConfidenceCredit,
    n_bins: int,
    negotiation: NegotiationBacktest | None,
    figures: Mapping[str, str],
    horizons: Mapping[int, Backtest] | None = None,
    comparison: pl.DataFrame | None = None,
    posterior: Mapping[str, Any] | None = None,
    event_counts: pl.DataFrame | None = None,
) -> list[tuple[str, list[str | pl.DataFrame]]]:
    """The report as (heading, [paragraph or table or ``img:<file>``, …]) sections."""
    years = f"{min(bt.test_years)}–{max(bt.test_years)}"
    scheme = (
        "each test year forecast by models calibrated on every record year before it "
        "(rolling origin)"
        if bt.scheme == "expanding"
        else f"one calibration on {bt.train[0]}–{bt.train[1]}, then every test year forecast"
    )
    files = ", ".join(
        f"{label} `{Path(p).name}` (sha256 {file_sha256(Path(p))[:12]}…)"
        for label, p in run.files.items()
    )
    setup: list[str | pl.DataFrame] = [
        f"Test years {years} ({len(bt.test_years)} years); training span "
        f"{bt.train[0]}–{bt.train[1]}; {scheme}. Forecasts use inputs only: no test year's "
        "recorded outcome reaches a model.",
        f"Files: {files}." if files else "Files: none recorded.",
        f"Options (postures): {', '.join(bt.options)}.",
    ]
    if run.descriptions:
        setup.append(
            pl.DataFrame(
                {
                    "model": list(run.descriptions),
                    "what it is": list(run.descriptions.values()),
                }
            )
        )
    setup.extend(run.notes)
    if run.command:
        setup.append(f"Command: `{run.command}`")

    n_high = int(
        (bt.record["posture_confidence"] == "high").sum()
        if "posture_confidence" in bt.record.columns
        else 0
    )
    scores: list[str | pl.DataFrame] = [
        "Accuracy and balanced accuracy are shares of years (modal posture = recorded posture); "
        "log loss is in nats (lower is better; a uniform forecast scores ln K = "
        f"{math.log(len(bt.options)):.3f}); Brier is the multi-category score in [0, 2] "
        f"(uniform: {1 - 1 / len(bt.options):.3f}); ECE is the top-label expected calibration "
        f"error with {n_bins} bins; spearman_* is Spearman's rho of the forecast probability of "
        "internal balancing with the recorded counts (n/a when undefined, e.g. a constant "
        "forecast or count).",
        "All test years:",
        bt.scores(n_bins=n_bins),
        f"High-confidence years only ({n_high} of {len(bt.test_years)}):",
        bt.scores(high_confidence_only=True, n_bins=n_bins),
        f"Partial credit (recorded posture weighted {credit.high:g} / {credit.medium:g} / "
        f"{credit.low:g} for high / medium / low confidence, the rest spread over the other "
        "postures):",
        bt.scores(credit=credit, n_bins=n_bins),
    ]
    counts: list[str | pl.DataFrame] = [
        "Rank correlation of the forecast probability of internal balancing with the recorded "
        "missile and nuclear test counts over the test years (Spearman's rho, scipy; p-values "
        "two-sided).",
        bt.count_correlations(),
    ]
    per_year_cols = ["model", "year", "recorded", "confidence", "predicted", "p_predicted"]
    per_year: list[str | pl.DataFrame] = [
        f"img:{figures['per_year']}",
        bt.per_year().select([*per_year_cols, "p_recorded", "credit"]),
    ]
    reliability: list[str | pl.DataFrame] = [
        f"img:{figures['reliability']}",
        f"With {len(bt.test_years)} test years each bin holds few forecasts; read the diagram "
        "as a description of these years, not as an estimate of calibration.",
    ]
    confusion: list[str | pl.DataFrame] = []
    for m in bt.models:
        confusion.append(f"{m} (rows: recorded posture; columns: modal forecast; years)")
        confusion.append(bt.confusion(m))
    label = str(run.settings.get("forecast_type", "conditional"))
    scores.insert(0, f"Forecast type: {label}.")
    paired: list[str | pl.DataFrame] = []
    if comparison is not None:
        paired = [
            "Paired bootstrap over the test years (seeded; percentile interval of the mean "
            "difference) of the model against every other model, the baselines and then the "
            "model's own variants (ablations): diff = baseline log loss − model log loss in "
            "nats, positive when the model scored better, negative where it loses; "
            "share_better: share of resamples with a positive mean. Where the interval "
            "contains 0 the test years cannot tell the two apart.",
            comparison,
        ]
    more: list[str | pl.DataFrame] = []
    for h, b in sorted((horizons or {}).items()):
        if h == bt.horizon:
            continue
        more += [f"{h} years ahead ({label}; same test years):", b.scores(n_bins=n_bins)]
    post: list[str | pl.DataFrame] = []
    if posterior:
        post = [
            f"{posterior.get('model')} fitted on {posterior.get('fit_years')} "
            f"({posterior.get('n_obs')} years): Gaussian prior, maximum a posteriori (MAP) and "
            "Laplace posterior standard deviation of each parameter (log-odds units).",
            pl.DataFrame(list(posterior.get("parameters", []))),
        ]
    sections: list[tuple[str, list[str | pl.DataFrame]]] = [
        ("Set-up", setup),
        ("Models × metrics", scores),
        *([("Paired comparison", paired)] if paired else []),
        *([("Other horizons", more)] if more else []),
        *([("Posterior of the dynamic model", post)] if post else []),
        *(
            [("Event counts, quarter by quarter", _count_blocks(event_counts))]
            if event_counts is not None
            else []
        ),
        ("Counts", counts),
        ("Per-year forecasts against the recorded posture", per_year),
        ("Reliability diagram", reliability),
        ("Confusion matrices", confusion),
    ]
    if negotiation is not None:
        sections.append(("Negotiations", negotiation.report_blocks()))
    data: list[str | pl.DataFrame] = []
    if run.source is not None and run.source.used:
        data.append(
            pl.DataFrame(
                {
                    "dataset": [r.dataset for r in run.source.used],
                    "version": [r.version for r in run.source.used],
                    "variant": [r.variant for r in run.source.used],
                    "file": [r.spec.filename for r in run.source.used],
                    "sha256": [r.sha256[:16] + "…" for r in run.source.used],
                }
            )
        )
    else:
        data.append("No registered dataset was read.")
    data.append(
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + "."
        f" Seed: {run.seed if run.seed is not None else 'none (deterministic run)'}."
    )
    sections.append(("Data and versions", data))
    return sections


def _count_blocks(counts: pl.DataFrame) -> list[str | pl.DataFrame]:
    from ncrealism.evaluation.counts import count_scores

    return [
        "Quarter-ahead forecasts of the event record's counts (ncrealism.evaluation.counts): "
        "log_score is the mean −ln P(observed count) in nats, rps the ranked probability score; "
        "lower is better for both. The NCR counts mix over the year's posture forecast.",
        count_scores(counts),
    ]


def _title(bt: Backtest) -> str:
    return f"Backtest, test years {min(bt.test_years)}–{max(bt.test_years)}"


def render_markdown(sections: list[tuple[str, list[str | pl.DataFrame]]], title: str) -> str:
    """Render report sections as Markdown."""
    out = [f"# {title}", ""]
    for heading, blocks in sections:
        out += [f"## {heading}", ""]
        for b in blocks:
            if isinstance(b, pl.DataFrame):
                out += [md_table(b), ""]
            elif b.startswith("img:"):
                out += [f"![{heading}]({b[4:]})", ""]
            else:
                out += [b, ""]
    return "\n".join(out)


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;margin:0.5rem 0 1.2rem;font-size:0.85rem}"
    "th,td{border:1px solid #ccc;padding:0.2rem 0.5rem}td.num{text-align:right}"
    "th{background:#f2f2f2}img{max-width:100%}code{background:#f5f5f5;padding:0 0.2rem}"
)


def _inline(text: str) -> str:
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def render_html(sections: list[tuple[str, list[str | pl.DataFrame]]], title: str) -> str:
    """Render report sections as a standalone HTML page."""
    out = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, blocks in sections:
        out.append(f"<h2>{html.escape(heading)}</h2>")
        for b in blocks:
            if isinstance(b, pl.DataFrame):
                out.append(html_table(b))
            elif b.startswith("img:"):
                out.append(f'<img src="{html.escape(b[4:])}" alt="{html.escape(heading)}">')
            else:
                out.append(f"<p>{_inline(b)}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(
    out_dir: Path,
    bt: Backtest,
    run: RunInfo,
    *,
    credit: M.ConfidenceCredit = M.ConfidenceCredit(),  # noqa: B008 - frozen, immutable
    n_bins: int = 10,
    negotiation: NegotiationBacktest | None = None,
    horizons: Mapping[int, Backtest] | None = None,
    comparison: pl.DataFrame | None = None,
    posterior: Mapping[str, Any] | None = None,
    counts: pl.DataFrame | None = None,
) -> ReportFiles:
    """Write results.json, report.md, report.html, reliability.png and per_year.png.

    ``horizons``, ``comparison`` and ``posterior``: as in :func:`results` (from a
    :class:`~ncrealism.evaluation.run.BacktestRun`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = run.files.get("record")
    note = (
        f"Recorded postures: {Path(record).name}. Forecasts: this backtest."
        if record is not None
        else "Forecasts: this backtest."
    )
    rel = plot_reliability(bt, out_dir / "reliability.png", n_bins=n_bins, source_note=note)
    per = plot_per_year(bt, out_dir / "per_year.png", source_note=note)
    res = results(
        bt,
        run,
        credit=credit,
        n_bins=n_bins,
        negotiation=negotiation,
        horizons=horizons,
        comparison=comparison,
        posterior=posterior,
        counts=counts,
    )
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(res, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    sections = _sections(
        bt,
        run,
        credit,
        n_bins,
        negotiation,
        {"reliability": rel.name, "per_year": per.name},
        horizons,
        comparison,
        posterior,
        counts,
    )
    md = out_dir / "report.md"
    md.write_text(render_markdown(sections, _title(bt)), encoding="utf-8")
    page = out_dir / "report.html"
    page.write_text(render_html(sections, _title(bt)), encoding="utf-8")
    return ReportFiles(json_path, md, page, (rel, per))
