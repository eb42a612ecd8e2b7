"""Decision figures on small hand-made inputs: what is drawn is what the frames say."""

from __future__ import annotations

import math

import polars as pl
import pytest

from ncrealism.decision.anatomy import LAYERS, Anatomy
from ncrealism.errors import InputError
from ncrealism.report.figures_decision import (
    option_colors,
    plot_anatomy_waterfall,
    plot_posture_probabilities,
)

OPTIONS = ("internal_balancing", "engagement", "brinkmanship")
PROBS = {  # year -> probabilities in OPTIONS order
    2000: (0.5, 0.3, 0.2),
    2001: (0.1, 0.6, 0.3),
    2002: (0.2, 0.2, 0.6),
}


def _frame(label: str, scale: float = 1.0) -> pl.DataFrame:
    rows = []
    for y, ps in PROBS.items():
        rows += [
            {"year": y, "option": o, "probability": p, "filter": label}
            for o, p in zip(OPTIONS, ps, strict=True)
        ]
    return pl.DataFrame(rows)


RECORD = pl.DataFrame(
    {
        "year": [2001, 2002, 2010],
        "dominant_posture": ["brinkmanship", "brinkmanship", "engagement"],
        "posture_confidence": ["high", "low", "high"],
    }
)


def test_posture_figure_marks_the_recorded_posture_on_its_segment() -> None:
    fig = plot_posture_probabilities(
        {"filter A": _frame("A"), "filter B": _frame("B")}, record=RECORD, title="T"
    )
    axes = fig.axes
    assert len(axes) == 2
    assert fig.get_suptitle() == "T"
    for ax in axes:
        assert ax.get_ylabel() == "choice probability (0-1)"
        markers = [ln for ln in ax.get_lines() if ln.get_marker() == "D"]
        # 2010 is outside the plotted years: two markers, at the middle of the segment
        assert len(markers) == 2
        got = dict(sorted((float(m.get_xdata()[0]), float(m.get_ydata()[0])) for m in markers))
        # brinkmanship is stacked last: its segment starts at 1 - p
        assert list(got) == [2001.0, 2002.0]
        assert list(got.values()) == pytest.approx([1.0 - PROBS[y][2] / 2 for y in (2001, 2002)])
        faces = sorted((float(m.get_xdata()[0]), m.get_markerfacecolor()) for m in markers)
        assert faces[0][1] == "black" and faces[1][1] == "white"  # high vs low confidence
        mean = (PROBS[2001][2] + PROBS[2002][2]) / 2
        assert f"{mean:.2f} over 2 record years" in ax.get_title(loc="left")
        # stacked bars: three segments per year, summing to the probabilities
        heights = [p.get_height() for p in ax.patches]
        assert len(heights) == 3 * len(PROBS)
        assert sum(heights) == pytest.approx(len(PROBS))
    assert axes[-1].get_xlabel() == "year of the decision"


def test_posture_figure_without_record_and_bad_record() -> None:
    fig = plot_posture_probabilities(_frame("only"))
    assert [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "D"] == []
    assert fig.axes[0].get_title(loc="left") == "only"
    bad = RECORD.with_columns(pl.lit("accommodation").alias("dominant_posture"))
    with pytest.raises(InputError, match="accommodation"):
        plot_posture_probabilities(_frame("x"), record=bad)


def test_option_colours_are_fixed_and_distinct() -> None:
    c = option_colors([*OPTIONS, "new_option"])
    assert len(set(c.values())) == 4
    assert option_colors(["engagement"])["engagement"] == c["engagement"]


def _anatomy(contrib: dict[str, float], focus: str = "engagement") -> Anatomy:
    k = 5
    base = math.log(1 / (k - 1))
    total = base + sum(contrib.values())
    p_filter = 1 / (1 + math.exp(-total))
    p_neutral = 1 / (1 + math.exp(-(base + contrib["system"])))
    options = pl.DataFrame(
        {
            "option": [focus, "a", "b", "c", "d"],
            "utility": [0.0] * k,
            "p_uniform": [1 / k] * k,
            "p_neutral": [p_neutral, *([(1 - p_neutral) / 4] * 4)],
            "p_filter": [p_filter, *([(1 - p_filter) / 4] * 4)],
        }
    )
    tot = sum(contrib.values())
    shap = pl.DataFrame(
        {
            "option": [focus] * len(LAYERS),
            "layer": list(LAYERS),
            "contribution": [contrib[x] for x in LAYERS],
            "share": [contrib[x] / tot for x in LAYERS],
        }
    )
    return Anatomy(
        ccode=731,
        year=1994,
        state="DPRK",
        filter_label="test",
        filter_origin="test",
        structural={},
        domestic={},
        perception=pl.DataFrame(),
        options=options,
        shapley=shap,
        focus=focus,
    )


def test_waterfall_bars_chain_from_uniform_to_the_filter() -> None:
    contrib = dict(zip(LAYERS, (-0.8, -0.5, 2.0, 1.5, -1.2, 0.0), strict=True))
    anat = _anatomy(contrib)
    fig = plot_anatomy_waterfall(anat, note="source note")
    ax = fig.axes[0]
    bars = list(ax.patches)
    assert len(bars) == len(LAYERS) + 2
    base = math.log(1 / 4)
    assert bars[0].get_y() + bars[0].get_height() == pytest.approx(base)
    level = base
    for bar, lay in zip(bars[1:-1], LAYERS, strict=True):
        lo, hi = sorted((bar.get_y(), bar.get_y() + bar.get_height()))
        assert (lo, hi) == pytest.approx(tuple(sorted((level, level + contrib[lay]))))
        level += contrib[lay]
    assert bars[-1].get_height() == pytest.approx(level)
    texts = [t.get_text() for t in ax.texts]
    p_filter = float(anat.options["p_filter"][0])
    assert any(f"P = {p_filter:.2f}" in t for t in texts)
    assert any("(neutral)" in t for t in texts)
    assert "log-odds of 'engagement'" in ax.get_ylabel() and "(nats)" in ax.get_ylabel()
    assert ax.get_title().startswith("Anatomy of the DPRK's 1994 decision")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].startswith("all options") and labels[-1].startswith("decision")
    assert "(perception)" in labels[3] and "(domestic)" in labels[5]


def test_waterfall_unknown_option() -> None:
    anat = _anatomy(dict.fromkeys(LAYERS, 0.1))
    with pytest.raises(InputError, match="no option"):
        plot_anatomy_waterfall(anat, option="nonsense")
