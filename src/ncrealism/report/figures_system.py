"""Figures of the system layer: capability shares over time, threat by source, structure.

Every figure has a title, labelled axes with units and a source note under the plot, and is
written with Matplotlib's non-interactive Agg backend (no display needed). Functions take the
frames returned by :mod:`ncrealism.system` and a path, or several paths (the figure is built
once and saved in each one's format, from its suffix); they return the (first) path written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

__all__ = ["plot_shares", "plot_structure", "plot_threat", "save_figure"]

NMC_NOTE = "Source: COW National Material Capabilities (Singer, Bremer & Stuckey 1972), CINC"

#: Where a figure is written: one path, or several (one figure, saved in each format).
FigurePaths = Path | str | Sequence[Path | str]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out: Path) -> None:
    """Save ``fig`` to ``out`` in the format of its suffix: PNG at 150 dpi; SVG with text kept
    as text, fixed ids (``svg.hashsalt``) and no creation date, so the same figure gives the
    same bytes from run to run."""
    if out.suffix != ".svg":
        fig.savefig(out, dpi=150)
        return
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ncrealism"}):
        fig.savefig(out, dpi=150, metadata={"Date": None})


def _finish(fig: Any, path: FigurePaths, note: str) -> Path:
    fig.text(0.01, 0.01, note, fontsize=7, ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    paths = [Path(path)] if isinstance(path, Path | str) else [Path(p) for p in path]
    for out in paths:
        out.parent.mkdir(parents=True, exist_ok=True)
        save_figure(fig, out)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths[0]


def plot_shares(
    shares: pl.DataFrame,
    path: FigurePaths,
    *,
    title: str | None = None,
    note: str | None = None,
) -> Path:
    """Line chart of ``capability_share`` by state over the years (a :func:`shares` frame).

    Extended years (``extended``) are drawn dashed and shaded.
    """
    import polars as pl

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    labels = shares.select("ccode", "stateabb").unique("ccode").sort("ccode")
    for ccode, abb in labels.iter_rows():
        s = shares.filter(pl.col("ccode") == ccode).sort("year")
        ax.plot(
            s["year"],
            s["capability_share"],
            label=f"{abb!s} ({ccode})" if abb else str(ccode),
            lw=1.6,
        )
    if "extended" in shares.columns and shares["extended"].any():
        first = int(shares.filter(pl.col("extended"))["year"].min())  # type: ignore[arg-type]
        last = int(shares["year"].max())  # type: ignore[arg-type]
        ax.axvspan(first - 0.5, last + 0.5, color="0.9", zorder=0, label="extended (not NMC)")
    y0, y1 = int(shares["year"].min()), int(shares["year"].max())  # type: ignore[arg-type]
    ax.set_title(title or f"Share of the group's capabilities (CINC), {y0}-{y1}")
    ax.set_xlabel("year")
    ax.set_ylabel("capability share (fraction of the group's summed CINC)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    base = NMC_NOTE
    if "extended" in shares.columns and shares["extended"].any():
        base += "; shaded years extended with SIPRI, World Bank and Maddison growth rates"
    return _finish(fig, path, note or base + ". Computed by ncrealism.system.shares.")


def plot_threat(
    faced: pl.DataFrame,
    path: FigurePaths,
    *,
    top: int = 6,
    title: str | None = None,
    note: str | None = None,
) -> Path:
    """The threat a state faces, broken down by source (a :func:`threat_faced` frame).

    Several years: stacked areas of the ``top`` largest non-allied sources, the rest summed as
    "others". Sources are ranked by their largest yearly threat, so a source that is among the
    largest in the years it is not allied is named even if it is allied, hence not counted,
    in other years. One year: horizontal bars of the ``top`` sources,
    allies hatched.
    """
    import polars as pl

    plt = _pyplot()
    target = faced["target"][0]
    if "target_abb" in faced.columns and faced["target_abb"][0]:
        target = f"{faced['target_abb'][0]} ({target})"
    years = faced["year"].unique().sort()
    valid = faced.filter(pl.col("threat").is_not_null())
    if years.len() == 1:
        rows = valid.sort("threat", descending=True).head(top)
        fig, ax = plt.subplots(figsize=(8, 0.5 * max(rows.height, 3) + 1.5))
        labels = [
            f"{a} ({c})" for a, c in zip(rows["source_abb"], rows["source_ccode"], strict=True)
        ]
        hatches = ["//" if al else "" for al in rows["allied"].fill_null(False)]
        bars = ax.barh(labels[::-1], rows["threat"].to_list()[::-1], color="tab:red", alpha=0.8)
        for bar, h in zip(bars, hatches[::-1], strict=True):
            bar.set_hatch(h)
        ax.set_xlabel("threat index (distance-discounted CINC × offensive × intentions)")
        ax.set_title(
            title or f"Threat faced by {target} in {years[0]}, by source (hatched: allies)"
        )
    else:
        hostile = valid.filter(~pl.col("allied").fill_null(False))
        order = (
            hostile.group_by("source_ccode", "source_abb")
            .agg(pl.col("threat").max())
            .sort("threat", "source_ccode", descending=[True, False])
        )
        keep = order.head(top)
        fig, ax = plt.subplots(figsize=(9, 5))
        grid = pl.DataFrame({"year": years})
        stacks, names = [], []
        for ccode, abb, _ in keep.iter_rows():
            s = grid.join(
                hostile.filter(pl.col("source_ccode") == ccode).select("year", "threat"),
                on="year",
                how="left",
            )
            stacks.append(s["threat"].fill_null(0.0).to_list())
            names.append(f"{abb!s} ({ccode})")
        rest = grid.join(
            hostile.filter(~pl.col("source_ccode").is_in(keep["source_ccode"].implode()))
            .group_by("year")
            .agg(pl.col("threat").sum()),
            on="year",
            how="left",
        )
        stacks.append(rest["threat"].fill_null(0.0).to_list())
        names.append("others")
        ax.stackplot(years.to_list(), stacks, labels=names, alpha=0.85)
        ax.set_xlabel("year")
        ax.set_ylabel("threat index (CINC units)")
        ax.set_title(
            title or f"Threat faced by {target}, {years[0]}-{years[-1]}, non-allied sources"
        )
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(alpha=0.3)
    base = (
        "Walt (1987) balance of threat: CINC × loss-of-strength proximity (Bueno de Mesquita "
        "1981) × offensive capability (military share, nuclear status: OWID/Bleek) × intentions "
        "(UNGA ideal points: Bailey et al. 2017; alliance S-score: COW alliances v4.1)."
    )
    return _finish(fig, path, note or base)


def plot_structure(
    structure: pl.DataFrame,
    path: FigurePaths,
    *,
    title: str | None = None,
    note: str | None = None,
) -> Path:
    """Concentration (CON) and the effective number of poles over the years (a
    :func:`ncrealism.system.structure.structure` frame), on twin axes."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.plot(structure["year"], structure["con"], color="tab:blue", label="CON (0-1)")
    ax.set_xlabel("year")
    ax.set_ylabel("concentration CON (0-1)", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(
        structure["year"],
        structure["effective_poles"],
        color="tab:orange",
        label="effective poles",
    )
    ax2.set_ylabel("effective number of poles (states)", color="tab:orange")
    y0, y1 = int(structure["year"].min()), int(structure["year"].max())  # type: ignore[arg-type]
    ax.set_title(title or f"System structure, {y0}-{y1}")
    ax.grid(alpha=0.3)
    base = (
        NMC_NOTE + "; CON: Singer, Bremer & Stuckey (1972); effective poles 1/Σs² "
        "(Laakso & Taagepera 1979)."
    )
    return _finish(fig, path, note or base)
