"""The dashboard without a browser: its library calls, its figures, its inputs, ``ncr serve``.

Expected values come from the library's public functions on the data mirror (the dashboard must
show exactly what they return) or from the raw NMC file (the years a state can be chosen).
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.app.data import DashboardData, case_value_keys
from ncrealism.app.shared import Start
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError

pytest.importorskip("shiny")


@pytest.fixture(scope="module")
def data(source: DataSource, context_file: Path) -> DashboardData:
    return DashboardData.create(source, context_file)


def test_decision_is_the_library_decision(
    data: DashboardData, source: DataSource, context_file: Path
) -> None:
    from ncrealism.data.records import read_context_events
    from ncrealism.decision.inputs import build_inputs
    from ncrealism.decision.model import posture_probabilities
    from ncrealism.perception.profiles import load_profile

    profile = load_profile("DPRK", 2003)
    inputs = build_inputs(731, 2003, context=read_context_events(context_file), source=source)
    res = data.decision(731, 2003, profile.values)
    assert res.filter.label == profile.label
    assert res.probabilities.equals(posture_probabilities(inputs, profile))
    moved = data.decision(731, 2003, {**profile.values, "self_reliance": 0.9})
    assert "self_reliance 0.6→0.9" in moved.filter.label
    expected = posture_probabilities(inputs, profile.replace(self_reliance=0.9))
    assert moved.probabilities["probability"].to_list() == expected["probability"].to_list()
    assert not moved.probabilities["probability"].equals(res.probabilities["probability"])
    # Structural realism: the neutral filter, whatever the sliders say.
    assert moved.neutral.equals(res.neutral)
    assert moved.anatomy.options["p_filter"].to_list() == pytest.approx(
        expected["probability"].to_list(), abs=1e-12
    )


def test_year_span_comes_from_nmc(data: DashboardData, source: DataSource) -> None:
    from ncrealism.data.nmc import load_nmc

    nmc = load_nmc("7.0", source=source).filter(pl.col("ccode") == 731).drop_nulls("cinc")
    first, last = int(nmc["year"].min()), int(nmc["year"].max())  # type: ignore[arg-type]
    assert last == 2022  # the default release, COW NMC v7.0, ends in 2022 (codebook)
    assert data.year_span(731) == (first + 1, last + 1)
    with pytest.raises(InputError, match="no CINC"):
        data.year_span(99999)


def test_states_list_profiles_first(data: DashboardData) -> None:
    from ncrealism.perception.profiles import list_profiles

    states = data.states()
    n = len(list_profiles())
    assert states[0].ccode == 731
    assert all(s.has_profile for s in states[:n])
    assert not any(s.has_profile for s in states[n:])
    assert len({s.ccode for s in states}) == len(states)


def test_negotiation_is_the_library_analysis(data: DashboardData, source: DataSource) -> None:
    from ncrealism.negotiation.cases import analyse, build_case

    model = build_case("six_party_2005", source=source)
    keys = case_value_keys(model)
    assert "survival.offer_credibility" in keys
    assert all(k.startswith(("survival.", "patron.")) for k in keys)
    same = data.negotiation("six_party_2005", {k: model.values[k] for k in keys})
    assert same.changes == {}
    assert same.whatif is same.coded
    assert same.coded.zone.margin == analyse(model).zone.margin
    res = data.negotiation("six_party_2005", {"survival.offer_credibility": 0.9})
    expected = analyse(model.with_values({"survival.offer_credibility": 0.9}))
    assert res.changes == {"survival.offer_credibility": 0.9}
    assert res.whatif.zone.margin == expected.zone.margin
    assert res.whatif.zone.exists == expected.zone.exists


def test_environment_table_reads_the_inputs_row(data: DashboardData) -> None:
    from ncrealism.app import views
    from ncrealism.decision.inputs import DOMESTIC_COLUMNS, SYSTEM_COLUMNS

    row = data.inputs(731, 2003).row(0, named=True)
    for rows in (views.ENVIRONMENT_ROWS, views.DOMESTIC_ROWS):
        table = views.environment_table(row, rows)
        for spec, (label, value, unit, src) in zip(rows, table, strict=True):
            assert label and unit and src
            assert value == views.fmt_num(row[spec.column])
    shown = {r.column for r in views.ENVIRONMENT_ROWS} | {r.column for r in views.DOMESTIC_ROWS}
    # Every scalar column of the structural reading and every domestic indicator is shown.
    assert set(SYSTEM_COLUMNS) - {"threat_sources"} <= shown
    assert set(DOMESTIC_COLUMNS) <= shown


def test_charts_have_titles_units_and_sources(data: DashboardData) -> None:
    from ncrealism.app import views

    res = data.decision(731, 2003, data.profile(731, 2003).values)
    row = res.inputs.row(0, named=True)
    # A case with a zone of agreement, so that the durability chart has curves and an axis.
    with_zone = next(c for c in data.cases() if data.negotiation(c, {}).coded.zone.exists)
    neg = data.negotiation(with_zone, {"survival.offer_credibility": 0.8})
    charts = {
        "threat": views.threat_sources_chart(
            row, data.names(), "DPRK", "Data: nmc6 v6.0 and the others"
        ),
        "posture": views.posture_chart(res.probabilities, res.neutral, "DPRK", 2003, "x"),
        "anatomy": views.anatomy_chart(res.anatomy, "DPRK"),
        "zone": views.zone_chart(neg.coded, neg.whatif, "Zone of agreement"),
        "durability": views.durability_chart(neg.coded, neg.whatif, "Durability"),
    }
    for name, chart in charts.items():
        html = str(chart)
        title = re.search(r'class="ncr-title">([^<]+)<', html)
        assert title and title.group(1).strip(), name
        # An axis label with its unit in brackets, and a source line.
        assert re.search(r'class="ncr-xlabel">[^<]*\([^)]+\)|text-anchor="middle">[^<]*'
                         r"\(years\)", html), name  # fmt: skip
        assert re.search(r'class="ncr-source">[^<]{20,}', html), name
    # The bars carry the library's values.
    posture = str(charts["posture"])
    drawn = [float(v) for v in re.findall(r'data-value="([^"]+)"', posture)]
    assert sorted(drawn) == sorted(
        res.neutral["probability"].to_list() + res.probabilities["probability"].to_list()
    )
    anat = res.anatomy.shapley.filter(pl.col("option") == res.anatomy.focus)
    drawn = [float(v) for v in re.findall(r'data-value="([^"]+)"', str(charts["anatomy"]))]
    assert drawn == anat["contribution"].to_list()
    assert f"T = {row['threat']:.3f}" in str(charts["threat"])


def test_series_figure_has_title_units_and_source(data: DashboardData) -> None:
    import json

    from ncrealism.app.shared import PLOT_FONT_PX
    from ncrealism.app.tabs.decision import series_figure

    series = data.series(731)
    html = str(series_figure(series, 2003, "DPRK", "Data: the files"))
    payload = json.loads(re.search(r"var a = (\[.*\]);", html).group(1))  # type: ignore[union-attr]
    traces, layout = payload[0], payload[1]
    assert re.search(r'class="ncr-title">Measured environment of DPRK, 1949-', html)
    assert "(0-1)" in layout["yaxis"]["title"]["text"]
    assert "year" in layout["xaxis"]["title"]["text"]
    assert 'class="ncr-source">Data: the files' in html
    # The lines are the library's columns, year by year; the chosen year is marked.
    assert [t["x"] for t in traces] == [series["year"].to_list()] * 4
    threat = [round(v, 4) for v in series["threat"].to_list()]
    assert traces[0]["y"] == threat
    assert layout["shapes"][0]["x0"] == 2003
    # Readable text: at least 11 px.
    assert layout["font"]["size"] == PLOT_FONT_PX >= 11


def test_tab_outputs_are_the_page_outputs(data: DashboardData) -> None:
    from ncrealism.app.dashboard import TAB_OUTPUTS, _build_ui

    html = str(_build_ui(data, Start(731, 2003, "agreed_framework_1994")))
    outputs = set(re.findall(r'id="([^"]+)" class="shiny-html-output', html))
    outputs |= set(re.findall(r'class="shiny-html-output[^"]*" id="([^"]+)"', html))
    listed = {o for outs in TAB_OUTPUTS.values() for o in outs}
    assert outputs == listed


def test_initial_inputs_cover_the_page(data: DashboardData) -> None:
    from ncrealism.app.dashboard import _build_ui, initial_inputs, param_input_id
    from ncrealism.perception.filter import PARAM_NAMES

    html = str(_build_ui(data, Start(731, 2003, "agreed_framework_1994")))
    ids = set(re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html))
    ids |= set(re.findall(r'<button[^>]* id="([^"]+)"[^>]*action-button', html))
    ids |= set(re.findall(r'<button[^>]*action-button[^>]* id="([^"]+)"', html))
    start = initial_inputs(data, 731, 2003)
    assert ids <= set(start), ids - set(start)
    profile = data.profile(731, 2003)
    assert {start[param_input_id(n)] for n in PARAM_NAMES} <= set(profile.values.values())
    assert all(start[param_input_id(n)] == profile[n] for n in PARAM_NAMES)


def test_bad_context_file_names_file_row_and_field(tmp_path: Path) -> None:
    from ncrealism.app.dashboard import create_app

    bad = tmp_path / "context.csv"
    bad.write_text(
        "date,date_precision,event,type,actor\n"
        "1994-07-08,day,a leader dies,domestic_leadership,DPRK\n"
        "1994-13-40,day,an impossible date,sanction,US\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as err:
        create_app(DataSource(mirror=None, allow_download=False), context=bad)
    assert err.value.path == str(bad)
    assert err.value.row == 3
    assert err.value.field == "date"


def test_year_outside_the_state_span_is_refused(source: DataSource) -> None:
    from ncrealism.app.dashboard import create_app

    with pytest.raises(InputError, match="outside the years of state 731"):
        create_app(source, year=1900)


def test_serve_builds_the_app_and_runs_it(
    source: DataSource, context_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shiny
    import typer
    from typer.testing import CliRunner

    from ncrealism.cli.serve import serve

    calls: list[dict[str, Any]] = []

    def fake_run_app(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr(shiny, "run_app", fake_run_app)
    cli = typer.Typer()
    cli.command()(serve)
    runner = CliRunner()
    ok = runner.invoke(cli, ["--port", "8123", "--context", str(context_file), "--year", "1994"])
    assert ok.exit_code == 0, ok.output
    assert len(calls) == 1
    assert isinstance(calls[0]["app"], shiny.App)
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8123
    missing = runner.invoke(cli, ["--context", str(context_file.with_name("absent.csv"))])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    bad_port = runner.invoke(cli, ["--port", "70000"])
    assert bad_port.exit_code == 2
    assert "not a TCP port" in bad_port.output
    assert len(calls) == 1


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (-3.2, 2.7), (0.0, 0.152), (0.0, 20.0)])
def test_nice_ticks_are_round_and_span_the_range(lo: float, hi: float) -> None:
    from ncrealism.app.views import nice_ticks

    ticks = nice_ticks(lo, hi)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1.0, 2.0, 5.0)
    assert ticks[0] <= lo < ticks[0] + step
    assert ticks[-1] <= hi + 1e-9 < ticks[-1] + step
    assert 3 <= len(ticks) <= 9


def test_ties_are_shown_as_ties() -> None:
    from ncrealism.app.data import modal_options
    from ncrealism.app.tabs.decision import tie_text

    opts = ["internal_balancing", "external_balancing", "engagement", "accommodation", "x"]
    tied = pl.DataFrame({"option": opts, "probability": [0.2] * 5})
    modal = modal_options(tied)
    assert modal == opts
    assert tie_text(modal, 0.2).startswith("a five-way tie: internal balancing, ")
    assert tie_text(modal, 0.2).endswith("(0.200 each)")
    two = pl.DataFrame({"option": opts, "probability": [0.3, 0.3, 0.2, 0.1, 0.1]})
    assert tie_text(modal_options(two), 0.3) == (
        "a two-way tie: internal balancing, external balancing (0.300 each)"
    )
    one = pl.DataFrame({"option": opts, "probability": [0.1, 0.1, 0.6, 0.1, 0.1]})
    assert tie_text(modal_options(one), 0.6) == "engagement (0.600)"


def test_states_offered_are_those_with_data_in_the_year(
    data: DashboardData, source: DataSource
) -> None:
    from ncrealism.data.nmc import load_nmc

    nmc = load_nmc(DEFAULT_NMC_VERSION, source=source)
    for year in (1817, 1950, 2003):
        have = nmc.filter((pl.col("year") == year - 1) & pl.col("cinc").is_not_null())["ccode"]
        offered = [int(c) for group in data.state_choices(year).values() for c in group]
        assert sorted(offered) == sorted(int(c) for c in have.to_list())
        assert len(offered) == len(set(offered))
    # No state of 1816 alone is offered in 2003 (e.g. Hanover, COW 240, left in 1870).
    assert 240 not in [s.ccode for s in data.states_in_year(2003)]
    assert 240 in [s.ccode for s in data.states_in_year(1850)]


def test_profile_periods_end_where_they_end(data: DashboardData) -> None:
    assert data.period_span(731, 1960) == "1948-1994"
    assert data.period_span(731, 2003) == "1998-2011"
    assert data.period_span(731, 2015) == "from 2012"
    assert "Kim Jong Un" in data.profile(731, 2015).label
    assert data.period_span(710, 2003) is None


def test_context_defaults_to_the_history_folder_and_a_banner_says_when_off(
    source: DataSource, context_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ncrealism.app.dashboard import _build_ui

    monkeypatch.setenv("NCR_HISTORY_DIR", str(context_file.parent))
    on = DashboardData.create(source)
    assert not on.shocks_off
    assert context_file.name in on.context_label
    assert 'id="shocks-banner"' not in str(_build_ui(on, Start(731, 2003, "six_party_2005")))
    monkeypatch.setenv("NCR_HISTORY_DIR", str(tmp_path))  # a folder without context events
    off = DashboardData.create(source)
    assert off.shocks_off
    html = str(_build_ui(off, Start(731, 2003, "six_party_2005")))
    assert 'id="shocks-banner"' in html and "Outside shocks are off" in html


def test_series_skips_the_years_a_state_was_out_of_the_system(
    data: DashboardData, source: DataSource
) -> None:
    from ncrealism.data.nmc import load_nmc

    # Japan (COW 740) has no NMC rows while occupied (1946-1951): no row for those data years.
    nmc = load_nmc(DEFAULT_NMC_VERSION, source=source)
    have = nmc.filter((pl.col("ccode") == 740) & pl.col("cinc").is_not_null())["year"].to_list()
    assert 1947 not in have
    series = data.series(740)
    assert series["year"].to_list() == sorted(int(y) + 1 for y in have)


@pytest.fixture(scope="module")
def dynamic_data(source: DataSource, context_file: Path, history_dir: Path) -> DashboardData:
    return DashboardData.create(source, context_file, history=history_dir)


def test_dynamic_decision_probabilities_and_layers_add_up(
    dynamic_data: DashboardData, history_dir: Path
) -> None:
    from ncrealism.app.tabs.decision import dynamic_view
    from ncrealism.decision.anatomy import DYNAMIC_LAYERS

    year = 1992  # the earliest year with two record years before it: the fastest fit
    record = pl.read_csv(next(history_dir.glob("dprk_yearly_*.csv")))
    last = str(record.filter(pl.col("year") == year - 1)["dominant_posture"][0])
    assert dynamic_data.dynamic_missing(731, year) is None
    dyn = dynamic_data.dynamic_decision(731, year)
    assert dynamic_data.dynamic_decision(731, year) is dyn  # memoised on the data source
    assert dyn.status_quo == last
    assert (
        dyn.label == f"dynamic model: status quo = {last.replace('_', ' ')} ({year - 1}), ex ante"
    )
    d = dyn.anatomy.dynamic
    assert d is not None
    k = len(dyn.options)
    for probs in (dyn.probabilities, d["p_map"]):
        assert len(probs) == k
        assert math.fsum(probs) == pytest.approx(1.0, abs=1e-12)
        assert all(0.0 < p < 1.0 for p in probs)
    # Every option's layers add up exactly to its log-odds (at the posterior mode) against the
    # other options, relative to all options equally likely: log(p / (1 - p)) - log(1 / (K - 1)).
    sh = dyn.anatomy.shapley
    for i, option in enumerate(dyn.options):
        rows = sh.filter(pl.col("option") == option)
        assert rows["layer"].to_list() == list(DYNAMIC_LAYERS)
        p = d["p_map"][i]
        total = math.log(p / (1.0 - p)) - math.log(1.0 / (k - 1))
        assert math.fsum(rows["contribution"].to_list()) == pytest.approx(total, abs=1e-9)
    # A switching cost only ever favours the status quo: inertia raises its log-odds.
    inertia = sh.filter((pl.col("option") == last) & (pl.col("layer") == "inertia"))
    assert d["kappa_t"] > 0 and float(inertia["contribution"][0]) > 0
    html = str(dynamic_view(dyn, "DPRK"))
    assert dyn.label in html and 'id="dynamic-anatomy-chart"' in html


def test_dynamic_decision_needs_a_record_covering_the_year_before(
    dynamic_data: DashboardData, data: DashboardData
) -> None:
    assert "coded record" in (dynamic_data.dynamic_missing(2, 2003) or "")  # not the DPRK's
    assert "1990-2009" in (dynamic_data.dynamic_missing(731, 2015) or "")  # beyond the record
    assert dynamic_data.dynamic_missing(731, 1991) is not None  # one record year before it
    with pytest.raises(InputError, match="Static model shown"):
        dynamic_data.dynamic_decision(731, 2015)
    if data.history is None:  # no NCR_HISTORY_DIR: no record at all
        assert "NCR_HISTORY_DIR" in (data.dynamic_missing(731, 2003) or "")


@pytest.mark.parametrize("ccode", [740, 2])
def test_series_from_the_all_states_reading_is_build_inputs(
    data: DashboardData, source: DataSource, context_file: Path, ccode: int
) -> None:
    """A state's series and year come from the structural reading of every state computed
    once (``structural_panel``); they must be the frames ``build_inputs`` computes for that
    state alone: Japan (allies, years out of the system) and the United States (every year)."""
    from polars.testing import assert_frame_equal

    from ncrealism.data.records import read_context_events
    from ncrealism.decision.inputs import build_inputs

    series = data.series(ccode)
    years = series["year"].to_list()
    alone = build_inputs(ccode, years, context=read_context_events(context_file), source=source)
    assert_frame_equal(series, alone, check_exact=True)
    assert_frame_equal(data.inputs(ccode, 2003), alone.filter(pl.col("year") == 2003))
    assert series["threat"].is_not_null().all() and series["threat"].max() > 0
