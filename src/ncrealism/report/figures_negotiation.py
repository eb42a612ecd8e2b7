"""Figures of a negotiation case: positions by round, the bargaining range, durability.

Every figure is drawn with Matplotlib's Agg backend (no display needed), carries a title, axis
labels with units, and a footer naming its sources. Functions return the
:class:`matplotlib.figure.Figure`; :func:`save_case_figures` writes the set as PNG files.

* :func:`plot_positions`: the expected-utility model's positions by round on one dimension
  (Bueno de Mesquita 1994; Scholz, Calbert & Smith 2011), with the weighted mean.
* :func:`plot_bargaining_range`: each party's acceptable interval per dimension (its ideal point
  and red line), the zone of agreement, the Nash bargaining solution (Nash 1950) and the EUM
  forecast.
* :func:`plot_durability`: the survival curve of the agreement and of each party's commitment
  (Fearon 1995; Powell 2006; see :mod:`ncrealism.negotiation.commitment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ncrealism.negotiation.bargaining import BargainingProblem, NashSolution, Zone
    from ncrealism.negotiation.cases import Analysis
    from ncrealism.negotiation.commitment import Durability

__all__ = [
    "plot_bargaining_range",
    "plot_durability",
    "plot_positions",
    "save_case_figures",
]

CINC_SOURCE = "capabilities: COW NMC CINC (Singer, Bremer & Stuckey 1972)"


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _footer(fig: Figure, text: str) -> None:
    import textwrap

    width = int(fig.get_figwidth() * 17)
    fig.supxlabel(textwrap.fill(text, width), fontsize=7, ha="left", x=0.01, color="0.35")


def plot_positions(result: Any, dimension: str, *, title: str | None = None) -> Figure:
    """Positions of every actor by round (an :class:`~ncrealism.negotiation.eum.EUMResult`).

    x: round; y: position on the dimension's [0, 1] issue scale.
    """
    frame = result.positions_frame()
    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    rounds = frame["round"].to_numpy()
    for name in result.actors.names:
        ax.plot(rounds, frame[name].to_numpy(), marker="o", ms=3, lw=1.2, label=name)
    ax.plot(rounds, frame["mean"].to_numpy(), color="black", lw=2, ls="--", label="weighted mean")
    ax.set_xlabel("round")
    ax.set_ylabel(f"{dimension} (issue scale, 0-1)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(title or f"Expected-utility model: positions by round on {dimension}")
    ax.legend(fontsize=7, ncol=2, loc="best")
    ax.grid(alpha=0.3)
    _footer(
        fig,
        "Model: Bueno de Mesquita (1994), as specified by Scholz, Calbert & Smith (2011); "
        f"status {result.status}. Positions = coded ideal points; {CINC_SOURCE}.",
    )
    return fig


def plot_bargaining_range(
    problem: BargainingProblem,
    zone: Zone,
    nash: NashSolution | None = None,
    forecast: Mapping[str, float] | None = None,
    *,
    title: str | None = None,
    source: str = "",
) -> Figure:
    """Acceptable intervals, zone of agreement, Nash solution and EUM forecast per dimension.

    One panel per dimension; one row per party: a bar from its red line to the far end of what
    it accepts, a dot at its ideal point. The zone is shaded (or, when empty, the conflicting
    bounds are marked in red). x: issue scale [0, 1].
    """
    from ncrealism.negotiation.bargaining import Stance, acceptable_interval

    dims = problem.dimension_names
    names = problem.party_names
    fig = _figure(8.0, 1.2 + 1.0 * len(dims) + 0.18 * len(dims) * len(names))
    axes = fig.subplots(len(dims), 1, squeeze=False)[:, 0]
    couplings = {(c.party, c.dimension): c for c in problem.couplings}
    for ax, d in zip(axes, dims, strict=True):
        iv = zone.interval(d)
        for row, name in enumerate(names):
            st = problem.party(name).stances[d]
            c = couplings.get((name, d))
            if c is not None:
                st = Stance(st.ideal, c.rule(zone.anchor.get(c.depends_on, 0.0)), st.salience)
            lo, hi = acceptable_interval(st)
            ax.plot([lo, hi], [row, row], lw=5, color="tab:blue", alpha=0.35 + 0.6 * st.salience)
            ax.plot([st.ideal], [row], "o", color="tab:blue")
        if iv.width >= 0:
            ax.axvspan(iv.lower, iv.upper, color="tab:green", alpha=0.2, label="zone of agreement")
        else:
            ax.axvline(iv.lower, color="tab:red", ls=":", label="conflicting red lines")
            ax.axvline(iv.upper, color="tab:red", ls=":")
        if nash is not None:
            ax.axvline(nash.point[d], color="tab:green", lw=2, label="Nash solution")
        if forecast is not None and d in forecast:
            ax.axvline(forecast[d], color="black", ls="--", lw=1.2, label="EUM forecast")
        ticks = [n if n in zone.coalition else f"{n} (outside)" for n in names]
        ax.set_yticks(range(len(names)), ticks, fontsize=8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.set_title(d, fontsize=9, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel("issue scale (0-1; anchors in the case file)")
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:
        h, lab = ax.get_legend_handles_labels()
        for hh, ll in zip(h, lab, strict=True):
            if ll not in labels:
                handles.append(hh)
                labels.append(ll)
    if handles:
        # Outside the panels, so that no bar or point is hidden under the legend.
        fig.legend(handles, labels, fontsize=7, loc="outside upper center", ncol=len(handles))
    verdict = "zone of agreement" if zone.exists else "NO zone of agreement"
    fig.suptitle(title or f"Bargaining range: {verdict} (margin {zone.margin:+.3f})", fontsize=11)
    _footer(
        fig,
        "Bars: what each party accepts (darker = more salient), dots: ideal points; "
        "'outside': not in the coalition the forum rule needs. "
        "Nash (1950) solution weighted by capability; "
        + CINC_SOURCE
        + (f". Case: {source}" if source else ""),
    )
    return fig


def plot_durability(durability: Durability, *, title: str | None = None) -> Figure:
    """Survival curve of the agreement and of each party's commitment. x: days; y: probability."""
    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    days = durability.times * 365.25
    for name, curve in durability.by_party.items():
        ax.plot(days, curve, lw=1, ls="--", label=f"{name}'s commitment holds")
    ax.plot(days, durability.survival, color="black", lw=2, label="the agreement holds")
    ax.set_xlabel("days since the agreement")
    ax.set_ylabel("probability the agreement holds")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, days[-1])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    median = (
        f"median {durability.median_days:.0f} days"
        if durability.median_days is not None
        else "median beyond the horizon"
    )
    ax.set_title(title or f"Durability: expected {durability.expected_days:.0f} days ({median})")
    _footer(
        fig,
        "First passage of each party's slack (Wiener process with drift); drift = anticipated "
        "power shift (Powell 2006), volatility damped by credible, irreversible commitments "
        f"(Fearon 1995). Horizon {durability.horizon_years:g} years.",
    )
    return fig


def save_case_figures(analysis: Analysis, folder: str | Path) -> list[Path]:
    """Write ``bargaining_range.png``, ``durability.png`` (with a zone) and
    ``positions_<dimension>.png`` (with a forecast) into ``folder``; return the paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    fc = analysis.forecast
    fig = plot_bargaining_range(
        analysis.problem,
        analysis.zone,
        analysis.nash,
        fc.point if fc is not None else None,
        source=analysis.model.case.title,
    )
    path = out / "bargaining_range.png"
    fig.savefig(path, dpi=120)
    written.append(path)
    if analysis.durability is not None:
        path = out / "durability.png"
        plot_durability(analysis.durability).savefig(path, dpi=120)
        written.append(path)
    if fc is not None:
        for d, run in fc.runs.items():
            path = out / f"positions_{d}.png"
            plot_positions(run, d).savefig(path, dpi=120)
            written.append(path)
    return written
