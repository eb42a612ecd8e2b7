"""What the dashboard shows: library results turned into tables and figures, nothing computed.

Every function here takes objects the library returned (a :func:`~ncrealism.decision.inputs.
build_inputs` row, a :func:`~ncrealism.decision.model.posture_probabilities` frame, an
:class:`~ncrealism.decision.anatomy.Anatomy`, a negotiation
:class:`~ncrealism.negotiation.cases.Analysis`) and lays them out: it formats numbers, names
their units and sources, and draws them. No model quantity is derived here; a figure plots
columns as they come.

Charts are HTML and inline SVG (:mod:`ncrealism.app.charts`), cheap to update while a slider
moves; the charts people would rather hover (time series, distributions) are interactive
Plotly figures (:func:`ncrealism.app.shared.plotly_figure`). Each has a title, an axis label
with its unit, and a source line.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ncrealism.app import charts

if TYPE_CHECKING:
    import polars as pl
    from htmltools import HTML, Tag

    from ncrealism.data.registry import Registry
    from ncrealism.decision.anatomy import Anatomy
    from ncrealism.negotiation.cases import Analysis

__all__ = [
    "DOMESTIC_ROWS",
    "ENVIRONMENT_ROWS",
    "PROBABILITY_DIGITS",
    "EnvRow",
    "anatomy_chart",
    "dataset_label",
    "durability_chart",
    "environment_table",
    "fmt_num",
    "fmt_prob",
    "nice_ticks",
    "posture_chart",
    "posture_table",
    "threat_sources_chart",
    "zone_chart",
]

#: Decimals of the probabilities shown (the end-to-end test compares to this precision).
PROBABILITY_DIGITS = 3

# Colours (Okabe & Ito 2008 colour-blind-safe palette).
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
RED = "#D55E00"
GREY = "#999999"
PURPLE = "#CC79A7"


@dataclass(frozen=True)
class EnvRow:
    """One line of the measured-environment table: a column of the inputs frame, its label,
    its unit and where it comes from (as documented in :mod:`ncrealism.decision.inputs`)."""

    column: str
    label: str
    unit: str
    source: str


_SYSTEM = "system layer: balance of threat (Walt 1987), threat_faced"
_CONTEXT = "context-event file"

#: The structural reading (the independent variable).
ENVIRONMENT_ROWS: tuple[EnvRow, ...] = (
    EnvRow("cinc", "own CINC", "share of world capabilities, 0-1", "COW NMC, CINC recomputed"),
    EnvRow("relative_power", "relative power r", "own share of the pool, 0-1", _SYSTEM),
    EnvRow("threat", "threat T", "share of the pool that threatens, 0-1", _SYSTEM),
    EnvRow(
        "ally_support",
        "ally support A",
        "defence-pact allies' share of the pool, net of defection, 0-1",
        f"{_SYSTEM}; {_CONTEXT}",
    ),
    EnvRow("patron_defection", "patron defection", "mean over allies, 0-1", _CONTEXT),
    EnvRow(
        "nuclear_latency",
        "nuclear latency",
        "status / 3 (0 none, 1/3 considering, 2/3 pursuing, 1 has)",
        "Bleek 2017 via Our World in Data",
    ),
    EnvRow("sanctions", "sanctions s", "1 - exp(-exposure), 0-1", _CONTEXT),
    EnvRow("inducements", "inducements i", "1 - exp(-exposure), 0-1", _CONTEXT),
    EnvRow("clarity", "clarity c", "clarity of outside signals, 0-1", _CONTEXT),
)

#: Unit-level indicators that only a non-neutral filter reads.
DOMESTIC_ROWS: tuple[EnvRow, ...] = (
    EnvRow(
        "econ_shock",
        "economic shock",
        "fall of GDP per capita below its 10-year high / 10%, at most 1",
        "Maddison Project 2020; Barro & Ursua 2008",
    ),
    EnvRow("regime_transition", "regime transition", "1 if durable <= 2, else 0", "Polity5"),
    EnvRow("succession", "succession", "leadership-change exposure, 0-1", _CONTEXT),
    EnvRow("domestic_crisis", "domestic crisis", "crisis exposure, 0-1", _CONTEXT),
    EnvRow(
        "regime_vulnerability",
        "regime vulnerability RV",
        "1 - product of (1 - each part above), 0-1",
        "the four parts above",
    ),
)


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals; ``no data`` for None."""
    if value is None:
        return "no data"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{float(value):.{digits}f}"


def fmt_prob(p: float) -> str:
    """A probability as shown on the page (:data:`PROBABILITY_DIGITS` decimals)."""
    return f"{float(p):.{PROBABILITY_DIGITS}f}"


def dataset_label(name: str, registry: Registry) -> str:
    """Short label of a registered dataset: ``<registry name> v<version>``."""
    return f"{name} v{registry[name].version}"


def environment_table(
    row: Mapping[str, Any], rows: Sequence[EnvRow]
) -> list[tuple[str, str, str, str]]:
    """(label, value, unit, source) for each of ``rows``, read from one inputs row."""
    return [(r.label, fmt_num(row.get(r.column)), r.unit, r.source) for r in rows]


def posture_table(filtered: pl.DataFrame, neutral: pl.DataFrame) -> list[tuple[str, str, str, str]]:
    """(option, utility, P neutral, P filter) per option, in the frames' order.

    ``filtered``/``neutral``: :func:`~ncrealism.decision.model.posture_probabilities` frames
    of one year under the filter and under the neutral filter.
    """
    pn = dict(zip(neutral["option"].to_list(), neutral["probability"].to_list(), strict=True))
    return [
        (opt, f"{u:+.3f}", fmt_prob(pn[opt]), fmt_prob(p))
        for opt, u, p in filtered.select("option", "utility", "probability").iter_rows()
    ]


# --------------------------------------------------------------------------------- charts
def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]."""
    span = max(hi - lo, 1e-12)
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    out = []
    k = 0
    while first + k * step <= hi + 1e-9 * span:
        out.append(round(first + k * step, 12))
        k += 1
    return out


def _tick_text(values: Sequence[float]) -> list[tuple[float, str]]:
    return [(v, f"{v:g}") for v in values]


def threat_sources_chart(
    row: Mapping[str, Any], names: Mapping[int, str], state: str, source: str, *, top: int = 10
) -> HTML:
    """The largest sources of threat and their shares of the pool (``threat_sources`` of one
    :func:`~ncrealism.decision.inputs.build_inputs` row); ``names``: COW code -> abbreviation,
    used where a source carries no ``abb``."""
    sources = sorted(row.get("threat_sources") or [], key=lambda s: -float(s["share"]))
    shown = sources[:top]
    more = f"; the {len(shown)} largest shown" if len(sources) > len(shown) else ""
    title = (
        f"Sources of threat to {state}, data year {row.get('data_year')}: threat T = "
        f"{float(row['threat']):.3f}, the sum over {len(sources)} non-allied sources{more}"
    )
    cats = [
        (str(s["ccode"]), str(s.get("abb") or names.get(int(s["ccode"]), s["ccode"])))
        for s in shown
    ]
    vals = [float(s["share"]) for s in shown]
    hi = max([*vals, 1e-6])
    ticks = nice_ticks(0.0, hi * 1.05)
    return charts.bar_chart(
        "threat-sources",
        title,
        cats,
        [charts.Bar("share of the pool", RED, vals)],
        domain=(0.0, max(ticks[-1], hi)),
        ticks=_tick_text(ticks),
        xlabel="share of the pool (0-1)",
        source=source,
        label_width="4rem",
    )


def posture_chart(
    filtered: pl.DataFrame, neutral: pl.DataFrame, state: str, year: int, filter_label: str
) -> HTML:
    """Each posture's probability under structural realism (the neutral filter) and with the
    filter (:func:`~ncrealism.decision.model.posture_probabilities` frames of one year)."""
    opts = filtered["option"].to_list()
    pn = dict(zip(neutral["option"].to_list(), neutral["probability"].to_list(), strict=True))
    return charts.bar_chart(
        "posture-chart",
        f"Posture probabilities, {state} {year}; filter: {filter_label}",
        [(o, o.replace("_", " ")) for o in opts],
        [
            charts.Bar("structural realism", GREY, [pn[o] for o in opts]),
            charts.Bar("with the filter", BLUE, filtered["probability"].to_list()),
        ],
        domain=(0.0, 1.0),
        ticks=_tick_text([0, 0.25, 0.5, 0.75, 1]),
        xlabel="choice probability (0-1)",
        source=(
            "Model: multinomial logit over option utilities (McKelvey & Palfrey 1995; McFadden "
            "1974), ncrealism.decision.model.posture_probabilities."
        ),
        fmt="{:." + str(PROBABILITY_DIGITS) + "f}",
    )


def anatomy_chart(
    anat: Anatomy, state: str, *, chart_id: str = "anatomy-chart", source: str | None = None
) -> HTML:
    """The exact Shapley decomposition of the focus option's log-odds, by layer
    (``anat.shapley``); ``chart_id`` and ``source`` (the note under the chart) default to
    those of the static decision."""
    sh = anat.shapley.filter(anat.shapley["option"] == anat.focus)
    layers = sh["layer"].to_list()
    vals = [float(v) for v in sh["contribution"].to_list()]
    m = max([abs(v) for v in vals] + [1e-6]) * 1.1
    ticks = nice_ticks(-m, m)
    lo, hi = min(ticks[0], -m), max(ticks[-1], m)
    colors = [GREY if lay == "system" else (GREEN if v >= 0 else RED) for lay, v in
              zip(layers, vals, strict=True)]  # fmt: skip
    present = [(n, c) for n, c in (("system", GREY), ("raises", GREEN), ("lowers", RED))
               if c in colors]  # fmt: skip
    series = [charts.Bar("contribution", GREY, vals, colors)]
    chart = charts.bar_chart(
        chart_id,
        f"Why '{anat.focus.replace('_', ' ')}'? {state} {anat.year}: its log-odds against the "
        f"other options, {anat.total():+.2f} nats above all options equally likely, by layer",
        [(lay, lay.replace("_", " ")) for lay in layers],
        series,
        domain=(lo, hi),
        ticks=_tick_text(ticks),
        xlabel="contribution to the log-odds (nats)",
        source=source
        or (
            "Exact Shapley decomposition (Shapley 1953) over the clusters of Ripsman, Taliaferro "
            "& Lobell (2016); system = structural realism against all options equally likely. "
            "ncrealism.decision.anatomy."
        ),
        fmt="{:+.2f}",
        label_width="9rem",
        legend=present,
    )
    return chart


def zone_chart(coded: Analysis, whatif: Analysis, title: str) -> Tag:
    """Each dimension's zone of agreement, as coded and under the what-if (a hatched bar is the
    gap between conflicting red lines), with the what-if's Nash solution and expected-utility
    forecast (``Analysis`` objects of :func:`ncrealism.negotiation.cases.analyse`)."""
    dims = list(whatif.problem.dimension_names)
    nash = charts.Marker(0.0, "◆", ORANGE, "Nash solution")
    eum = charts.Marker(0.0, "●", "#000000", "EUM forecast")

    def marks(an: Analysis) -> list[list[charts.Marker]]:
        out: list[list[charts.Marker]] = []
        for d in dims:
            cat: list[charts.Marker] = []
            if an.nash is not None:
                cat.append(dataclasses.replace(nash, value=float(an.nash.point[d])))
            if an.forecast is not None:
                cat.append(dataclasses.replace(eum, value=float(an.forecast.point[d])))
            out.append(cat)
        return out

    def ivs(an: Analysis) -> list[charts.Interval]:
        return [charts.Interval(an.zone.interval(d).lower, an.zone.interval(d).upper) for d in dims]

    return charts.interval_chart(
        "zone-chart",
        title,
        [(d, d.replace("_", " ")) for d in dims],
        [
            ("zone as coded", GREY, ivs(coded), marks(coded)),
            ("zone under the what-if", BLUE, ivs(whatif), marks(whatif)),
        ],
        domain=(0.0, 1.0),
        ticks=_tick_text([0, 0.25, 0.5, 0.75, 1]),
        xlabel="issue scale (0-1; anchors in the case file); hatched: gap between red lines",
        source=(
            "Zone: Fearon (1995), Putnam (1988); Nash (1950) weighted by COW CINC; EUM: Bueno de "
            "Mesquita (1994). ncrealism.negotiation.cases.analyse."
        ),
        label_width="10.5rem",
    )


def durability_chart(coded: Analysis, whatif: Analysis, title: str, *, points: int = 200) -> Tag:
    """Survival curves of the Nash agreement (probability it still holds) as coded and under
    the what-if (``Analysis.durability``), drawn at about ``points`` of their times."""
    from htmltools import tags

    lines = []
    horizon = 0.0
    for label, an, color, dash in (
        ("as coded", coded, GREY, ""),
        ("what-if", whatif, BLUE, "5,3"),
    ):
        if an.durability is None:
            continue
        d = an.durability
        stride = max(1, len(d.times) // points)
        xs = [float(x) for x in d.times[::stride]] + [float(d.times[-1])]
        ys = [float(y) for y in d.survival[::stride]] + [float(d.survival[-1])]
        horizon = max(horizon, float(d.times[-1]))
        lines.append(
            charts.Line(f"{label}: {d.expected_days:,.0f} expected days", color, xs, ys, dash)
        )
    source = (
        "First passage of each party's slack (Fearon 1995; Powell 2006; inverse Gaussian, Cox & "
        "Miller 1965); expected days truncated at the case's horizon. "
        "ncrealism.negotiation.commitment."
    )
    if not lines:
        return tags.figure(
            tags.div(title, class_="ncr-title"),
            tags.p("No zone of agreement, as coded or under the what-if: no agreement to hold."),
            tags.div(source, class_="ncr-source"),
            id="durability-chart",
            class_="ncr-chart",
        )
    xt = nice_ticks(0.0, horizon)
    return charts.line_chart(
        "durability-chart",
        title,
        lines,
        xdomain=(0.0, horizon),
        ydomain=(0.0, 1.0),
        xticks=_tick_text(xt),
        yticks=_tick_text([0, 0.25, 0.5, 0.75, 1]),
        xlabel="time after the agreement (years)",
        ylabel="P(still holds) (0-1)",
        source=source,
    )
