"""End-to-end tests of the dashboard in Chromium: the numbers on the page are the library's.

Each test drives the served app with Playwright, moves a control as a user would, waits for
the page to show the new state, then recomputes the same quantities with the library's public
functions (``build_inputs``, ``load_profile``, ``posture_probabilities``, ``build_case``,
``analyse``, ``what_would_it_take``), or reads the raw record and data files, and compares them
with what the page shows, to the precision it shows. Every tab is opened at a phone's width
(390 px) and a desktop's (1440 px); one app process and one browser serve the whole session.
Screenshots are saved in each test's output folder (``test-results/``); with
``NCR_DASHBOARD_SCREENSHOT=<file.png>`` the first test also writes the documentation's
screenshot there.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.app.views import PROBABILITY_DIGITS
from ncrealism.data.fetch import DataSource

pytestmark = pytest.mark.slow

TOL = 0.5 * 10**-PROBABILITY_DIGITS + 1e-12
PAGE_TIMEOUT = 30_000  # ms: the first load reads the data files


def _shown_probabilities(page: Any) -> dict[str, float]:
    rows = page.locator("#posture-probabilities tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[str(row.get_attribute("data-key"))] = float(row.locator("td.p-filter").inner_text())
    return out


_INPUTS: dict[tuple[int, int], Any] = {}


def _inputs(source: DataSource, context_file: Path, ccode: int, year: int) -> Any:
    """``build_inputs`` for one state-year, computed once per test session."""
    from ncrealism.data.records import read_context_events
    from ncrealism.decision.inputs import build_inputs

    if (ccode, year) not in _INPUTS:
        ctx = read_context_events(context_file)
        _INPUTS[ccode, year] = build_inputs(ccode, year, context=ctx, source=source)
    return _INPUTS[ccode, year]


def _library_probabilities(
    source: DataSource, context_file: Path, ccode: int, year: int, **changes: float
) -> dict[str, float]:
    from ncrealism.decision.model import posture_probabilities
    from ncrealism.perception.profiles import load_profile

    filt = load_profile(ccode, year).replace(**changes)
    frame = posture_probabilities(_inputs(source, context_file, ccode, year), filt)
    return dict(zip(frame["option"].to_list(), frame["probability"].to_list(), strict=True))


def _drawn_probabilities(page: Any) -> dict[str, float]:
    """The values the probability chart draws for the filter's series (full precision)."""
    rows = page.locator("#posture-chart .ncr-row")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        bar = row.locator(".ncr-bar[data-series='with the filter']")
        out[str(row.get_attribute("data-key"))] = float(str(bar.get_attribute("data-value")))
    return out


def _assert_close(shown: dict[str, float], expected: dict[str, float]) -> None:
    assert set(shown) == set(expected)
    for option, p in expected.items():
        assert abs(shown[option] - p) <= TOL, (option, shown[option], p)


def _filter_cell(page: Any, name: str) -> Any:
    return page.locator(f"#filter-in-use tr[data-key='{name}'] td").nth(2)


def _tab(page: Any, name: str) -> None:
    """Show tab ``name``: on a phone the navigation is behind the menu button."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.get_by_role("tab", name=name).click()


def _no_horizontal_scroll(page: Any) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def _shot(page: Any, output_path: str, name: str) -> None:
    Path(output_path).mkdir(parents=True, exist_ok=True)
    w = page.viewport_size["width"]
    page.screenshot(path=str(Path(output_path) / f"{name}-{w}.png"), full_page=True)


def _open(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    # Count every output error that ever appears (a flash too), for the switch tests.
    page.evaluate(
        "() => { window.ncrErrors = []; new MutationObserver(() => {"
        " document.querySelectorAll('.shiny-output-error').forEach(e => {"
        " if (e.textContent) window.ncrErrors.push(e.id + ': ' + e.textContent); }); })"
        ".observe(document.body, {subtree: true, childList: true, attributes: true}); }"
    )
    expect(page.locator("#posture-probabilities tbody tr")).to_have_count(5, timeout=PAGE_TIMEOUT)
    expect(page.locator("#filter-in-use")).to_be_visible(timeout=PAGE_TIMEOUT)


def test_sliders_move_probabilities_as_the_library_does(
    page: Any, dashboard: Any, source: DataSource, context_file: Path, output_path: str
) -> None:
    from playwright.sync_api import expect
    from shiny.playwright import controller

    _open(page, dashboard.url)
    expect(page.locator("#top_posture")).to_be_visible()
    before = _shown_probabilities(page)
    _assert_close(before, _library_probabilities(source, context_file, 731, 2003))
    from ncrealism.perception.profiles import load_profile

    profile = load_profile(731, 2003)
    assert float(_filter_cell(page, "self_reliance").inner_text()) == profile["self_reliance"]

    # The self-reliance discount (Juche) of allies' guarantees, then the regime-survival weight.
    controller.InputSlider(page, "p_self_reliance").set("0.95")
    expect(_filter_cell(page, "self_reliance")).to_have_text("0.95", timeout=PAGE_TIMEOUT)
    after_one = _shown_probabilities(page)
    _assert_close(
        after_one, _library_probabilities(source, context_file, 731, 2003, self_reliance=0.95)
    )
    controller.InputSlider(page, "p_survival_priority").set("2.5")
    expect(_filter_cell(page, "survival_priority")).to_have_text("2.5", timeout=PAGE_TIMEOUT)
    after_two = _shown_probabilities(page)
    expected = _library_probabilities(
        source, context_file, 731, 2003, self_reliance=0.95, survival_priority=2.5
    )
    _assert_close(after_two, expected)
    drawn = _drawn_probabilities(page)
    assert drawn == pytest.approx(expected, abs=1e-9)
    # The sliders changed what the page shows (at its precision), not only the filter table.
    assert any(abs(before[k] - after_two[k]) > TOL for k in before)
    assert any(abs(after_one[k] - after_two[k]) > TOL for k in after_one)
    top = max(expected, key=lambda k: expected[k])
    expect(page.locator("#top_posture")).to_contain_text(top.replace("_", " "))

    Path(output_path).mkdir(parents=True, exist_ok=True)
    shot = Path(output_path) / "dashboard-decision.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    docs = os.environ.get("NCR_DASHBOARD_SCREENSHOT")
    if docs:  # the documentation's picture: the top of the page, as a user first sees it
        page.evaluate("window.scrollTo(0, 0)")
        page.locator(".sidebar").first.evaluate("el => el.scrollTo(0, 0)")
        page.screenshot(path=docs, full_page=False)
        with contextlib.suppress(ImportError):  # a 256-colour palette keeps the file small
            from PIL import Image

            with Image.open(docs) as im:
                im.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE).save(docs)

    # "Reset sliders to profile" restores the profile and its probabilities.
    page.get_by_role("button", name="Reset sliders to profile").click()
    expect(_filter_cell(page, "self_reliance")).to_have_text(
        f"{profile['self_reliance']:g}", timeout=PAGE_TIMEOUT
    )
    expect(_filter_cell(page, "survival_priority")).to_have_text(
        f"{profile['survival_priority']:g}", timeout=PAGE_TIMEOUT
    )
    _assert_close(
        _shown_probabilities(page), _library_probabilities(source, context_file, 731, 2003)
    )


def test_state_switch_keeps_the_year_and_shows_no_error(
    page: Any, dashboard: Any, source: DataSource, context_file: Path, output_path: str
) -> None:
    import polars as pl
    from playwright.sync_api import expect
    from shiny.playwright import controller

    from ncrealism.data.nmc import load_nmc
    from ncrealism.perception.profiles import load_profile

    _open(page, dashboard.url)
    # The DPRK's full name is shown, not cut.
    item = page.locator("#state + .selectize-control .selectize-input .item")
    expect(item).to_have_text("Democratic People's Republic of Korea (DPRK, 731)")
    assert item.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    # 1994 lies in another period of the DPRK profile: the sliders take its values.
    controller.InputSlider(page, "year").set("1994")
    p1994 = load_profile(731, 1994)
    expect(page.locator("#filter_table")).to_contain_text(p1994.label, timeout=PAGE_TIMEOUT)
    expect(page.locator("#profile-label")).to_contain_text("1948-1994")
    for name, value in p1994.values.items():
        expect(_filter_cell(page, name)).to_have_text(f"{value:g}", timeout=PAGE_TIMEOUT)
    _assert_close(
        _shown_probabilities(page), _library_probabilities(source, context_file, 731, 1994)
    )
    shown_env = page.locator("#environment-system tr[data-key='threat'] td.value").inner_text()
    row = _inputs(source, context_file, 731, 1994)
    assert float(shown_env) == pytest.approx(row["threat"][0], abs=0.5e-3)

    # The states offered are those with a CINC in the data year (1993), from the raw NMC file.
    nmc = load_nmc(DEFAULT_NMC_VERSION, source=source)
    have = nmc.filter((pl.col("year") == 1993) & pl.col("cinc").is_not_null())["ccode"]
    offered = page.evaluate("() => Object.keys(document.getElementById('state').selectize.options)")
    assert sorted(int(c) for c in offered) == sorted(int(c) for c in have.to_list())

    # Another state: China's profile (no periods); the year stays 1994; no error, not even
    # for a moment.
    controller.InputSelectize(page, "state").set("710")
    p_china = load_profile(710, 1994)
    expect(page.locator("#filter_table")).to_contain_text(p_china.label, timeout=PAGE_TIMEOUT)
    for name, value in p_china.values.items():
        expect(_filter_cell(page, name)).to_have_text(f"{value:g}", timeout=PAGE_TIMEOUT)
    controller.InputSlider(page, "year").expect_value("1994")
    expect(page.locator("#headline")).to_contain_text("1994")
    _assert_close(
        _shown_probabilities(page), _library_probabilities(source, context_file, 710, 1994)
    )
    expect(page.locator("#series .main-svg").first).to_be_visible(timeout=PAGE_TIMEOUT)
    # A first visit's time series arrives (computed from the structural reading of every state
    # that the app builds before serving): China's, over its years with data in NMC.
    _expect_series(page, nmc, 710, "China")
    assert page.evaluate("window.ncrErrors") == []
    _shot(page, output_path, "dashboard-china-1994")

    # A state without a profile, visited for the first time (Mongolia, COW 712): its series too.
    controller.InputSelectize(page, "state").set("712")
    expect(page.locator("#headline")).to_contain_text("(COW 712), 1994", timeout=PAGE_TIMEOUT)
    _expect_series(page, nmc, 712, "MON")
    assert page.evaluate("window.ncrErrors") == []


def _expect_series(page: Any, nmc: Any, ccode: int, name: str) -> None:
    """The series figure of ``ccode`` has arrived: its title names the state and the years
    whose data year has a CINC (``nmc``: the raw NMC file), and no "computing" note is left."""
    import polars as pl
    from playwright.sync_api import expect

    years = nmc.filter((pl.col("ccode") == ccode) & pl.col("cinc").is_not_null())["year"]
    first, last = int(years.min()) + 1, int(years.max()) + 1
    expect(page.locator("#series-figure .ncr-title")).to_contain_text(
        f"Measured environment of {name}, {first}-{last}", timeout=PAGE_TIMEOUT
    )
    expect(page.locator("#series-pending")).to_have_count(0)


def test_negotiation_what_if_matches_the_library(
    page: Any, dashboard: Any, source: DataSource, output_path: str
) -> None:
    from playwright.sync_api import expect
    from shiny.playwright import controller

    from ncrealism.negotiation.cases import analyse, build_case
    from ncrealism.negotiation.levers import what_would_it_take

    case = "six_party_2005"
    key = "survival.offer_credibility"
    model = build_case(case, source=source)
    coded = analyse(model)
    _open(page, dashboard.url)
    _tab(page, "Negotiation what-if")
    controller.InputSelect(page, "case").set(case)
    margin = page.locator("#negotiation-summary tr[data-key='margin'] td")
    expect(margin.nth(1)).to_have_text(f"{coded.zone.margin:+.3f}", timeout=PAGE_TIMEOUT)
    expect(margin.nth(2)).to_have_text(f"{coded.zone.margin:+.3f}", timeout=PAGE_TIMEOUT)

    new = 0.9 if model.values[key] < 0.85 else 0.1
    controller.InputSlider(page, "neg_survival_offer_credibility").set(f"{new:g}")
    moved = model.with_values({key: new})
    whatif = analyse(moved)
    expect(margin.nth(2)).to_have_text(f"{whatif.zone.margin:+.3f}", timeout=PAGE_TIMEOUT)
    zone = page.locator("#negotiation-summary tr[data-key='zone'] td").nth(2)
    expect(zone).to_have_text("yes" if whatif.zone.exists else "no")
    if whatif.durability is not None:
        days = page.locator("#negotiation-summary tr[data-key='expected_days'] td").nth(2)
        expect(days).to_have_text(f"{whatif.durability.expected_days:,.0f}")

    controller.InputSelect(page, "lever").set("patron_support")
    answer = what_would_it_take(moved, "patron_support", target="zone", sensitivity=False)
    # The select's new value can reach the server after the click; the answer, given for the
    # lever the server had, is then withdrawn as the lever changes. Pressing again asks for
    # the lever shown, as a user would; the answer must then be the library's.
    lever_text = page.locator("#lever-text")
    for attempt in range(3):
        page.get_by_role("button", name="Find the smallest change").click()
        try:
            expect(lever_text).to_have_text(
                answer.describe(), timeout=PAGE_TIMEOUT if attempt == 2 else 10_000
            )
            break
        except AssertionError:
            if attempt == 2:
                raise
    _shot(page, output_path, "dashboard-negotiation")

    # Another case: the answer given for the previous case is withdrawn.
    other = "agreed_framework_1994"
    controller.InputSelect(page, "case").set(other)
    coded_other = analyse(build_case(other, source=source))
    expect(margin.nth(1)).to_have_text(f"{coded_other.zone.margin:+.3f}", timeout=PAGE_TIMEOUT)
    expect(page.locator("#lever-text")).not_to_have_text(answer.describe())
    expect(page.locator("#lever-text")).to_contain_text("press the button")


def test_phone_negotiation_tab_shows_without_opening_the_sidebar(
    phone_page: Any, dashboard: Any, source: DataSource, output_path: str
) -> None:
    from playwright.sync_api import expect

    from ncrealism.negotiation.cases import analyse, build_case, list_cases

    page = phone_page
    _open(page, dashboard.url)
    _tab(page, "Negotiation what-if")
    first = list_cases()[0]
    coded = analyse(build_case(first, source=source))
    margin = page.locator("#negotiation-summary tr[data-key='margin'] td")
    expect(margin.nth(2)).to_have_text(f"{coded.zone.margin:+.3f}", timeout=PAGE_TIMEOUT)
    expect(page.locator("#zone-chart")).to_be_visible()
    # The sidebar stayed closed: the what-if sliders exist but are not shown.
    assert not page.locator("#negotiation_sidebar").is_visible()
    assert page.locator("#neg_controls .shiny-input-container").count() > 0
    _no_horizontal_scroll(page)
    _shot(page, output_path, "dashboard-negotiation")


def test_decision_tab_at_both_widths(
    any_page: Any, dashboard: Any, source: DataSource, context_file: Path, output_path: str
) -> None:
    from playwright.sync_api import expect

    page = any_page
    _open(page, dashboard.url)
    _assert_close(
        _shown_probabilities(page), _library_probabilities(source, context_file, 731, 2003)
    )
    expect(page.locator("#series .main-svg").first).to_be_visible(timeout=PAGE_TIMEOUT)
    # The series' text is readable: at least 11 CSS pixels.
    sizes = page.locator("#series text").evaluate_all(
        "els => els.filter(e => e.textContent.trim()).map(e => parseFloat(getComputedStyle(e)"
        ".fontSize))"
    )
    assert sizes and min(sizes) >= 11
    if page.viewport_size["width"] >= 1000:  # the desktop width
        # The dynamic model's card: last year's coded posture as the status quo.
        import polars as pl

        record = pl.read_csv(next(context_file.parent.glob("dprk_yearly_*.csv")))
        last = str(record.filter(pl.col("year") == 2002)["dominant_posture"][0])
        expect(page.locator("#dynamic-label")).to_have_text(
            f"dynamic model: status quo = {last.replace('_', ' ')} (2002), ex ante",
            timeout=PAGE_TIMEOUT,
        )
        expect(page.locator("#dynamic-probabilities tbody tr")).to_have_count(5)
    _no_horizontal_scroll(page)
    assert page.evaluate("window.ncrErrors") == []
    _shot(page, output_path, "dashboard-decision")


def test_distribution_of_power_tab(
    any_page: Any, dashboard: Any, source: DataSource, output_path: str
) -> None:
    from playwright.sync_api import expect

    from ncrealism.system import power_transition

    page = any_page
    _open(page, dashboard.url)
    _tab(page, "Distribution of power")
    for fig in ("#power-shares", "#power-poles", "#power-transition"):
        expect(page.locator(f"{fig} .main-svg").first).to_be_visible(timeout=PAGE_TIMEOUT)
    # The transition's title counts the years at parity and the overtakings of the library.
    pt = power_transition(2, 710, (1946, 2012), source=source)
    n_par, n_over = int(pt["at_parity"].sum()), int(pt["overtaking"].fill_null(False).sum())
    expect(page.locator("#power-transition-figure .ncr-title")).to_contain_text(
        f"{n_par} years at parity, {n_over} overtaking"
    )
    _no_horizontal_scroll(page)
    _shot(page, output_path, "dashboard-power")


def test_evidence_tab(any_page: Any, dashboard: Any, context_file: Path, output_path: str) -> None:
    import csv

    from playwright.sync_api import expect

    from ncrealism.app.data import BACKTEST_TEST

    page = any_page
    _open(page, dashboard.url)
    _tab(page, "Evidence")
    rows = page.locator("#evidence-per-year tbody tr")
    expect(rows).to_have_count(BACKTEST_TEST[1] - BACKTEST_TEST[0] + 1, timeout=120_000)
    # The recorded postures are the coded record's, year by year.
    record = next(context_file.parent.glob("dprk_yearly_*.csv"))
    with record.open(encoding="utf-8") as fh:
        coded = {int(r["year"]): r["dominant_posture"] for r in csv.DictReader(fh)}
    for i in range(rows.count()):
        year = int(str(rows.nth(i).get_attribute("data-key")))
        shown = rows.nth(i).locator("td.recorded").inner_text()
        assert shown == coded[year].replace("_", " ")
        p = float(rows.nth(i).locator("td.p-forecast").inner_text())
        assert 0 < p < 1
    # Scores beside the baselines.
    scores = page.locator("#evidence-scores-table tbody tr")
    keys = [scores.nth(i).get_attribute("data-key") for i in range(scores.count())]
    assert {"persistence", "base rate", "uniform"} <= set(keys)
    uniform = page.locator("#evidence-scores-table tr[data-key='uniform'] td").nth(4)
    # The uniform forecast's log loss is ln 5 whatever happened (5 postures).
    assert float(uniform.inner_text()) == pytest.approx(1.609, abs=1e-3)
    expect(page.locator("#evidence-reliability-figure .main-svg").first).to_be_visible()
    _no_horizontal_scroll(page)
    _shot(page, output_path, "dashboard-evidence")


def test_scenarios_tab(any_page: Any, dashboard: Any, output_path: str) -> None:
    from playwright.sync_api import expect
    from shiny.playwright import controller

    from ncrealism.scenario import load_scenario, locate

    page = any_page
    _open(page, dashboard.url)
    _tab(page, "Scenarios")
    controller.InputSelect(page, "scenario_draws").set("100")
    page.get_by_role("button", name="Run the sweep").click()
    expect(page.locator("#scenario-distribution-figure .main-svg").first).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    expect(page.locator("#scenario-head")).to_contain_text("100 draws")
    spec = load_scenario(locate("dprk-baseline")).spec
    rows = page.locator("#scenario-sobol-table tbody tr")
    expect(rows).to_have_count(len(spec.uncertainty), timeout=PAGE_TIMEOUT)
    shown = {rows.nth(i).get_attribute("data-key") for i in range(rows.count())}
    assert shown == set(spec.uncertainty)
    _no_horizontal_scroll(page)
    _shot(page, output_path, "dashboard-scenarios")


def test_sources_tab_lists_the_files_read(page: Any, dashboard: Any, source: DataSource) -> None:
    from playwright.sync_api import expect

    _open(page, dashboard.url)
    _tab(page, "Sources")
    table = page.locator("#datasets-used")
    expect(table).to_be_visible(timeout=PAGE_TIMEOUT)
    names = [str(n) for n in table.locator("tbody tr td:first-child").all_inner_texts()]
    # Every dataset the decision layer reads for the DPRK is listed, with its registry title.
    for name in ("nmc7", "alliance_dyad", "nuclear_status", "polity5", "maddison"):
        assert name in names
        expect(table).to_contain_text(source.registry[name].title)
    expect(page.locator("body")).to_contain_text("context_events_1990_2009.csv")
    # The outside shocks are on: no banner.
    assert page.locator("#shocks-banner").count() == 0
