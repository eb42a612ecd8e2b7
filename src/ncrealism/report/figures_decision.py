"""Figures of the decision layer: posture probabilities against the record, and the anatomy
of a decision as a waterfall.

Every figure is drawn on a :class:`matplotlib.figure.Figure` (Agg backend, no display and no
global pyplot state), carries a title, axis labels with units and a footer naming the model
and the data; functions return the figure (save it with ``fig.savefig``).

* :func:`plot_posture_probabilities`: one panel per perception filter; per year a stacked bar
  of the choice probabilities of the options (quantal response: McKelvey & Palfrey 1995;
  multinomial logit: McFadden 1974), and the recorded posture of the coded record as a diamond
  placed on its option's segment (filled: the coder's confidence is high).
* :func:`plot_anatomy_waterfall`: the log-odds of one option, built up layer by layer from
  "all options equally likely" through the system layer (the neutral filter: structural
  realism) and the exact Shapley shares (Shapley 1953) of the perception clusters of Ripsman,
  Taliaferro & Lobell (2016), to the decision under the filter
  (:func:`ncrealism.decision.anatomy.anatomy`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from ncrealism.decision.anatomy import Anatomy

__all__ = [
    "LAYER_LABELS",
    "POSTURE_COLORS",
    "option_colors",
    "plot_anatomy_waterfall",
    "plot_posture_probabilities",
]

#: Colours of the postures, the same in every figure.
POSTURE_COLORS: dict[str, str] = {
    "internal_balancing": "#d62728",
    "external_balancing": "#9467bd",
    "engagement": "#2ca02c",
    "accommodation": "#1f77b4",
    "brinkmanship": "#ff7f0e",
}

#: How each layer of the decomposition is labelled in the waterfall: (name, stage).
LAYER_LABELS: dict[str, tuple[str, str]] = {
    "system": ("system layer", "IV: structure"),
    "leader_images": ("leader images", "perception"),
    "strategic_culture": ("strategic culture", "perception"),
    "state_society": ("state-society", "domestic"),
    "domestic_institutions": ("institutions", "domestic"),
    "precision": ("choice precision", "decision rule"),
}

_EXTRA_COLORS = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def option_colors(options: Sequence[str]) -> dict[str, str]:
    """A colour per option: :data:`POSTURE_COLORS` for the known postures, then others."""
    out: dict[str, str] = {}
    extra = iter(_EXTRA_COLORS * (1 + len(options) // len(_EXTRA_COLORS)))
    for o in options:
        out[o] = POSTURE_COLORS.get(o) or next(extra)
    return out


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _footer(fig: Figure, text: str) -> None:
    if not text:
        return
    width = int(fig.get_figwidth() * 17)
    wrapped = textwrap.fill(text, width, break_on_hyphens=False)
    fig.supxlabel(wrapped, fontsize=7, ha="left", x=0.01, color="0.3")


def _label(option: str) -> str:
    return option.replace("_", " ")


def plot_posture_probabilities(
    panels: Mapping[str, pl.DataFrame] | pl.DataFrame,
    *,
    record: pl.DataFrame | None = None,
    title: str | None = None,
    note: str = "",
) -> Figure:
    """Stacked choice probabilities by year, one panel per filter, with the recorded posture.

    ``panels`` maps a panel label to a :func:`ncrealism.decision.posture_probabilities` frame
    (``year``, ``option``, ``probability``); a single frame is drawn as one panel labelled by
    its ``filter`` column. ``record``: a :func:`ncrealism.data.records.read_yearly_record`
    frame (``year``, ``dominant_posture``, optional ``posture_confidence``); its years inside
    the plotted range are marked. Each panel's title gives the mean probability the model put
    on the recorded posture over those years. x: year; y: choice probability (0-1).
    """
    import polars as pl
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ncrealism.errors import InputError

    if isinstance(panels, pl.DataFrame):
        label = str(panels["filter"][0]) if "filter" in panels.columns else "model"
        panels = {label: panels}
    if not panels:
        raise InputError("plot_posture_probabilities needs at least one frame")
    first = next(iter(panels.values()))
    options = list(dict.fromkeys(first["option"].to_list()))
    colors = option_colors(options)
    fig = _figure(11.0, 1.3 + 3.0 * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    rec: dict[int, tuple[str, str | None]] = {}
    if record is not None:
        conf = (
            record["posture_confidence"].to_list()
            if "posture_confidence" in record.columns
            else [None] * record.height
        )
        for y, p, c in zip(record["year"], record["dominant_posture"], conf, strict=True):
            rec[int(y)] = (str(p), None if c is None else str(c))
    for ax, (label, frame) in zip(axes, panels.items(), strict=True):
        missing = {"year", "option", "probability"} - set(frame.columns)
        if missing:
            raise InputError(f"panel '{label}': columns {sorted(missing)} are missing")
        wide = frame.pivot(on="option", index="year", values="probability").sort("year")
        years = wide["year"].to_list()
        bottom = [0.0] * len(years)
        mids: dict[tuple[int, str], float] = {}
        for o in options:
            vals = wide[o].fill_null(0.0).to_list() if o in wide.columns else [0.0] * len(years)
            ax.bar(
                years, vals, bottom=bottom, width=0.8, color=colors[o], edgecolor="white", lw=0.4
            )
            for y, b, v in zip(years, bottom, vals, strict=True):
                mids[(int(y), o)] = b + v / 2
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        p_rec: list[float] = []
        for y in years:
            if int(y) not in rec:
                continue
            posture, confidence = rec[int(y)]
            if (int(y), posture) not in mids:
                raise InputError(
                    f"recorded posture '{posture}' of {y} is not an option of panel '{label}'"
                )
            ax.plot(
                [y],
                [mids[(int(y), posture)]],
                marker="D",
                ms=6.5,
                mec="black",
                mew=1.2,
                mfc="black" if confidence == "high" else "white",
                ls="none",
                zorder=5,
                clip_on=False,
            )
            row = wide.filter(pl.col("year") == y)
            p_rec.append(float(row[posture][0]))
        head = label
        if p_rec:
            head += (
                f": mean probability of the recorded posture {sum(p_rec) / len(p_rec):.2f} "
                f"over {len(p_rec)} record years"
            )
        ax.set_title(head, fontsize=9, loc="left")
        ax.set_ylabel("choice probability (0-1)")
        ax.set_ylim(0, 1)
        ax.set_xlim(min(years) - 0.6, max(years) + 0.6)
        ax.grid(axis="y", alpha=0.3)
        step = 1 if len(years) <= 20 else 2
        ax.set_xticks(list(range(int(min(years)), int(max(years)) + 1, step)))
        ax.tick_params(axis="x", labelsize=8, labelrotation=90)
    axes[-1].set_xlabel("year of the decision")
    handles: list[Patch | Line2D] = [Patch(color=colors[o], label=_label(o)) for o in options]
    if rec:
        handles += [
            Line2D(
                [], [], marker="D", mfc="black", mec="black", ls="none", label="recorded (high)"
            ),
            Line2D(
                [], [], marker="D", mfc="white", mec="black", ls="none", label="recorded (med./low)"
            ),
        ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
    y0, y1 = int(first["year"].min()), int(first["year"].max())  # type: ignore[arg-type]
    fig.suptitle(title or f"Posture probabilities by year, {y0}-{y1}", fontsize=11)
    _footer(fig, note)
    return fig


def _logodds(p: float) -> float:
    q = min(max(p, 1e-300), 1.0 - 1e-16)
    return math.log(q) - math.log1p(-q)


def plot_anatomy_waterfall(
    anat: Anatomy,
    *,
    option: str | None = None,
    title: str | None = None,
    note: str = "",
) -> Figure:
    """The anatomy of one decision as a waterfall of log-odds (nats).

    The first bar is the log-odds of ``option`` (default: the anatomy's focus) when all K
    options are equally likely, log(1/(K-1)); each following bar adds one layer's contribution
    from ``anat.shapley`` (system, then the perception clusters and the choice precision); the
    last bar is the log-odds under the filter, log(P/(1-P)). The probabilities at the start,
    after the system layer (neutral filter) and at the end are written on the bars.
    """
    import polars as pl

    from ncrealism.errors import InputError

    focus = option or anat.focus
    sh = anat.shapley.filter(pl.col("option") == focus)
    if sh.height == 0:
        raise InputError(f"no option '{focus}' in this anatomy")
    opt = anat.options.filter(pl.col("option") == focus).row(0, named=True)
    k = anat.options.height
    base = math.log(1.0 / (k - 1)) if k > 1 else 0.0
    contrib = {str(r["layer"]): float(r["contribution"]) for r in sh.iter_rows(named=True)}
    layers = [lay for lay in LAYER_LABELS if lay in contrib]
    layers += [lay for lay in contrib if lay not in LAYER_LABELS]
    fig = _figure(10.0, 5.4)
    ax = fig.add_subplot()
    xs = list(range(len(layers) + 2))

    def label(x: int, start: float, end: float, text: str, bold: bool = False) -> None:
        """Write ``text`` beyond the end of a bar that runs from ``start`` to ``end``."""
        up = end >= start
        ax.annotate(
            text,
            (x, end),
            textcoords="offset points",
            xytext=(0, 3 if up else -3),
            ha="center",
            va="bottom" if up else "top",
            fontsize=8,
            fontweight="bold" if bold else "normal",
        )

    ax.bar(0, base, color="0.6", width=0.6)
    label(0, 0.0, base, f"{base:+.2f}\nP = {opt['p_uniform']:.2f}", bold=True)
    level = base
    tops = [base]
    for i, lay in enumerate(layers, start=1):
        c = contrib[lay]
        ax.bar(
            i,
            c,
            bottom=level,
            width=0.6,
            color="#2ca02c" if c >= 0 else "#d62728",
            edgecolor="black" if abs(c) < 1e-9 else "none",
            lw=0.5,
        )
        ax.plot([i - 1.3, i + 0.3], [level, level], color="0.4", lw=0.7, ls=":")
        text = f"{c:+.2f}"
        if lay == "system":
            text += f"\nP = {opt['p_neutral']:.2f} (neutral)"
        label(i, level, level + c, text)
        level += c
        tops.append(level)
    last = len(layers) + 1
    ax.plot([last - 1.3, last + 0.3], [level, level], color="0.4", lw=0.7, ls=":")
    ax.bar(last, level, color="0.25", width=0.6)
    label(last, 0.0, level, f"{level:+.2f}\nP = {opt['p_filter']:.2f}", bold=True)
    ax.axhline(0, color="black", lw=0.8)
    span = max([*tops, 0.0]) - min([*tops, 0.0])
    pad = 0.08 * (span or 1.0)
    names = ["all options\nequally likely"]
    for lay in layers:
        name, stage = LAYER_LABELS.get(lay, (lay.replace("_", " "), ""))
        names.append(f"{name}\n({stage})" if stage else name)
    names.append("decision\n(filter)")
    ax.set_xticks(xs, names, fontsize=8)
    ax.set_xlim(-0.6, last + 0.6)
    lo, hi = min([*tops, 0.0]), max([*tops, 0.0])
    ax.set_ylim(lo - 3.5 * pad, hi + 3.5 * pad)
    ax.set_ylabel(f"log-odds of '{_label(focus)}' vs the rest (nats)")
    ax.set_xlabel("layer of the causal chain (contribution: exact Shapley value)")
    ax.grid(axis="y", alpha=0.3)
    who = anat.state or (str(anat.ccode) if anat.ccode is not None else "state")
    ax.set_title(
        title or f"Anatomy of the {who}'s {anat.year} decision: log-odds of '{_label(focus)}'",
        fontsize=11,
    )
    _footer(fig, note)
    return fig
