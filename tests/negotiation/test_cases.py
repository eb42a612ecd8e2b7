"""Case files: validation with clear errors, data wiring, derived reservations, the CLI."""

from __future__ import annotations

import itertools
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError
from ncrealism.negotiation.bargaining import find_zone, nash_solution
from ncrealism.negotiation.cases import (
    CodedReader,
    analyse,
    build_case,
    case_path,
    list_cases,
    load_case,
    structural_threat,
)
from ncrealism.negotiation.forecast import PRIOR_STRENGTHS

SHIPPED = ["agreed_framework_1994", "four_party_1997", "six_party_2005", "six_party_2007"]


class StandInReader:
    """A stand-in perception filter: credibility = offered; threat read as T·(1 − A)."""

    def assurance_credibility(self, offered: float) -> float:
        return offered

    def perceived_threat(self, threat: float, credibility: float) -> float:
        return threat * (1.0 - credibility)


def fake_capabilities(
    values: Mapping[int, float],
) -> object:
    def fetch(codes: Sequence[int], years: Sequence[int]) -> dict[tuple[int, int], float]:
        return {(c, y): values[c] * (1.0 + 0.01 * (y - 1990)) for c in codes for y in years}

    return fetch


CAPS = {2: 0.15, 731: 0.012, 732: 0.023, 710: 0.15, 365: 0.05, 740: 0.045}


# ------------------------------------------------------------------ loading and validation


TEMPLATES = [
    "record_template_1993",
    "record_template_1996",
    "record_template_2002",
    "record_template_2003",
    "record_template_2006",
]
#: Fields that may hold a modelling convention instead of a dated, sourced value.
CONVENTION_FIELDS = {
    "quota",
    "sanctions_weight",
    "survival_threshold",
    "threat_reduction",
    "juche_discount",
    "reservation_floor",
    "volatility",
    "horizon_years",
    "extra_shift",
    "credibility",
    "reversibility",
}


def test_shipped_cases_are_listed_and_load() -> None:
    assert list_cases() == sorted(SHIPPED)
    assert set(list_cases(templates=True)) == {*SHIPPED, *TEMPLATES}
    for name in list_cases(templates=True):
        case = load_case(name)
        assert case.capability_year < case.start_date.year + 1
        assert len(case.parties) >= 2
        assert case.survival is not None
        assert not case.hindsight


def _coded(node: object, where: str) -> list[tuple[str, dict[str, object]]]:
    """Every ``{ value = ... }`` table of a raw TOML document, with its key."""
    out: list[tuple[str, dict[str, object]]] = []
    if isinstance(node, dict):
        if "value" in node:
            out.append((where, node))
        for k, v in node.items():
            out.extend(_coded(v, f"{where}.{k}"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_coded(v, f"{where}[{i}]"))
    return out


def test_no_shipped_value_is_dated_on_or_after_its_episode_start() -> None:
    """Scans the raw files (not the loader): each coded value has a date before the start of
    every episode it serves and a source, or is a convention of a convention field."""
    import datetime as dt

    from ncrealism.negotiation.record_scoring import TEMPLATES as RULES

    raw = {
        n: tomllib.loads(case_path(n).read_text(encoding="utf-8"))
        for n in list_cases(templates=True)
    }
    starts = {n: raw[n]["start_date"] for n in raw}
    # A template serves episodes from its start_date on; the rules switch on that date.
    assert {name: when for when, name in RULES} == {n: starts[n] for n in TEMPLATES}
    # An episode file serves its own start, through its template's values.
    for n in SHIPPED:
        tpl = raw[n]["template"]
        assert starts[n] >= starts[tpl], n
        later = [w for w, t in RULES if w <= starts[n]]
        assert dict((w, t) for w, t in RULES)[max(later)] == tpl, f"{n}: not the template in force"
        for h in raw[n]["history"]:
            end = h["end_date"]
            assert end < starts[n].isoformat()[: len(end)], f"{n}: {h['episode_id']} not ended"
            if "held_until" in h:
                assert h["held_until"] < starts[n].isoformat(), f"{n}: {h['episode_id']}"
    n_checked = 0
    for name in TEMPLATES:
        for key, node in _coded(raw[name], name):
            field = key.rsplit(".", 1)[-1]
            if "convention" in node:
                assert field in CONVENTION_FIELDS, f"{key}: a convention must be dated"
                assert "date" not in node, key
                continue
            assert isinstance(node.get("source"), str) and node["source"].strip(), key
            when = node.get("date")
            assert isinstance(when, dt.date), f"{key}: no date"
            assert when < starts[name], f"{key}: dated {when}, template starts {starts[name]}"
            n_checked += 1
    assert n_checked > 200


def test_a_value_dated_after_the_start_is_refused(tmp_path: Path) -> None:
    text = case_path("record_template_1993").read_text(encoding="utf-8")
    old = "reservation = { value = 0.5, date = 1993-05-11"
    assert old in text
    path = tmp_path / "late.toml"
    # The Agreed Framework (21 October 1994) is after the template's start (2 June 1993).
    path.write_text(text.replace(old, "reservation = { value = 0.5, date = 1994-10-21", 1))
    with pytest.raises(InputError) as info:
        load_case(path)
    msg = str(info.value)
    for part in (
        str(path),
        "parties[0].stances.nuclear_status.reservation",
        "1994-10-21",
        "1993-06-02",
        "--hindsight",
    ):
        assert part in msg, part
    # Allowed, and marked, in an analysis with hindsight.
    case = load_case(path, hindsight=True)
    assert case.hindsight
    # A value dated on the start day itself is refused too.
    path.write_text(text.replace(old, "reservation = { value = 0.5, date = 1993-06-02", 1))
    with pytest.raises(InputError, match="on or after the episode start 1993-06-02"):
        load_case(path)


def test_an_episode_refuses_template_values_dated_after_it(tmp_path: Path) -> None:
    from ncrealism.negotiation.cases import episode_case

    template = load_case("record_template_2006")
    # An episode before the template's values were public cannot use them.
    import datetime as dt

    with pytest.raises(InputError, match="on or after the episode start"):
        episode_case(template, ["US", "DPRK"], dt.date(2006, 1, 1), "EARLY")
    late = episode_case(template, ["US", "DPRK"], dt.date(2006, 1, 1), "EARLY", hindsight=True)
    assert late.hindsight


def _write(tmp_path: Path, text: str, edit: tuple[str, str]) -> Path:
    old, new = edit
    assert old in text
    path = tmp_path / "case.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            ("ideal = { value = 0.0, date = 1993-02-25", "ideal = { value = 0.0"),
            "parties[0].stances.nuclear_status.ideal",
            "date",
        ),
        (
            (
                "reservation = { value = 0.5, date = 1993-05-11",
                "reservation = { value = 1.5, date = 1993-05-11",
            ),
            "parties[0].stances.nuclear_status.reservation",
            "[0, 1]",
        ),
        (("trend_years = 5", "trend_years = 5\ncolour = 3"), "commitment.colour", "Extra"),
        (("capability_year = 1992", "capability_year = 1994"), None, "capability_year"),
    ],
)
def test_errors_name_the_file_and_the_key(
    tmp_path: Path, edit: tuple[str, str], key: str | None, message: str
) -> None:
    text = case_path("record_template_1993").read_text(encoding="utf-8")
    path = _write(tmp_path, text, edit)
    with pytest.raises(DataFileError) as info:
        load_case(path)
    err = info.value
    assert err.path == str(path)
    if key is not None:
        assert err.field is not None and key in err.field
    assert message in str(err)


def test_bad_toml_and_unknown_case(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("id = \n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid TOML"):
        load_case(path)
    with pytest.raises(InputError, match="no case 'nothing'"):
        load_case("nothing")


# ------------------------------------------------------------------ the derived reservation


def test_survival_reservation_follows_its_formula_with_a_stand_in_filter() -> None:
    model = build_case(
        "agreed_framework_1994",
        capabilities=fake_capabilities(CAPS),  # type: ignore[arg-type]
        reader=StandInReader(),
    ).with_values({"survival.reservation_floor": 0.0})
    surv = model.survival()
    assert surv is not None
    v = model.values
    caps = {c: CAPS[c] * (1.0 + 0.01 * (1993 - 1990)) for c in CAPS}
    patron = v["patron.China.support"] * caps[710] + v["patron.Russia.support"] * caps[365]
    threat = structural_threat(
        caps[2] + caps[732],
        caps[731],
        patron,
        v["survival.sanctions_pressure"],
        v["survival.sanctions_weight"],
    )
    assert surv.threat == pytest.approx(threat)
    theta, kappa, q0 = (
        v["survival.survival_threshold"],
        v["survival.threat_reduction"],
        v["survival.offer_credibility"],
    )
    for a in (0.0, 0.3, 0.7, 1.0):
        t_hat = threat * (1.0 - a * q0)
        expected = 0.0 if t_hat <= theta else min(1.0, (1 - theta / t_hat) / kappa)
        assert surv.reservation(a) == pytest.approx(expected)
    # More assurance never raises the least acceptable nuclear status.
    grid = [surv.reservation(a / 20) for a in range(21)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(grid))


def test_the_grid_reservation_is_the_scalar_one_at_every_point(source: DataSource) -> None:
    """The zone search reads the survival rule on a grid at once: the same numbers as one at a
    time, with the perception layer's filter, the coded reader and a reader without arrays."""
    grid = np.linspace(0.0, 1.0, 41)
    models = [
        build_case("six_party_2005", source=source),
        build_case(
            "agreed_framework_1994",
            capabilities=fake_capabilities(CAPS),  # type: ignore[arg-type]
            reader=StandInReader(),
        ).with_values({"survival.reservation_floor": 0.0}),
        build_case(
            "agreed_framework_1994",
            capabilities=fake_capabilities(CAPS),  # type: ignore[arg-type]
            reader=CodedReader(0.3),
        ),
    ]
    for model in models:
        surv = model.survival()
        assert surv is not None
        assert surv.reservation_grid(grid).tolist() == [surv.reservation(a) for a in grid]


def test_a_grid_rule_out_of_range_is_refused() -> None:
    from ncrealism.negotiation.bargaining import CoupledReservation, _rule_values

    c = CoupledReservation(
        "DPRK", "nuclear_status", "security_assurance", lambda v: 0.5, "", lambda a: a + 0.5
    )
    with pytest.raises(InputError, match="derived reservation of 'DPRK'"):
        _rule_values(c)


def test_coded_reader_discounts_assurances() -> None:
    r = CodedReader(0.5)
    assert r.assurance_credibility(0.6) == pytest.approx(0.3)
    assert r.perceived_threat(0.8, 0.25) == pytest.approx(0.6)
    with pytest.raises(InputError):
        CodedReader(1.5)


def test_case_results_do_not_depend_on_the_capability_unit() -> None:
    def run(scale: float) -> tuple[object, ...]:
        caps = {c: v * scale for c, v in CAPS.items()}
        model = build_case(
            "six_party_2007",
            capabilities=fake_capabilities(caps),  # type: ignore[arg-type]
            reader=StandInReader(),
        )
        res = analyse(model, with_forecast=False)
        point = None if res.nash is None else tuple(res.nash.point.values())
        days = None if res.durability is None else res.durability.expected_days
        return res.zone.exists, round(res.zone.margin, 9), point, days

    a, b = run(1.0), run(37.0)
    assert a[:2] == b[:2]
    if a[2] is not None:
        assert b[2] == pytest.approx(a[2], abs=1e-6)
        assert b[3] == pytest.approx(a[3], rel=1e-6)


# ------------------------------------------------------------------ real data


def test_capabilities_are_the_published_cinc(source: DataSource) -> None:
    from ncrealism.data.nmc import load_nmc

    model = build_case("agreed_framework_1994", source=source)
    assert model.case.nmc_version == "7.0"
    old = build_case("agreed_framework_1994", source=source, nmc_version="6.0")
    assert old.case.nmc_version == "6.0"
    for m in (model, old):
        nmc = load_nmc(m.case.nmc_version, source=source)
        for name, code in (("US", 2), ("DPRK", 731)):
            row = nmc.filter((nmc["ccode"] == code) & (nmc["year"] == 1993))
            assert m.capability[name] == pytest.approx(float(row["cinc"][0]), abs=1e-6)
    shares = model.problem().power_shares()
    assert math.fsum(shares.values()) == pytest.approx(1.0)


def test_perception_filter_drives_the_dprk_reservation(source: DataSource) -> None:
    from ncrealism.perception import (
        assurance_credibility,
        load_profile,
        perceived_threat,
        residual_threat,
    )
    from ncrealism.perception.functions import misperceived_share

    model = build_case("six_party_2005", source=source)
    surv = model.survival()
    assert surv is not None
    filt = load_profile("DPRK", 2005)
    assert "perception filter" in surv.reader_name
    v = model.values
    caps = model.threat_capability
    own = model.capability["DPRK"]
    patron = sum(v[f"patron.{n}.support"] * c for n, c in model.patron_capability.items())
    pool = sum(caps.values()) + own + patron
    a = 0.5
    q = assurance_credibility(
        own / pool, 0.0, filt["assurance_discount"], a * v["survival.offer_credibility"]
    )
    w = v["survival.sanctions_weight"]
    tm_cap = misperceived_share(
        [caps[c] / pool for c in sorted(caps)],
        [filt.misperception.get(c, 1.0) for c in sorted(caps)],
    )
    tm = surv.threat + (1 - w) * (float(tm_cap) - sum(caps.values()) / pool)
    t_hat = residual_threat(perceived_threat(surv.threat, tm, 0.0, filt["threat_sensitivity"]), q)
    theta, kappa = v["survival.survival_threshold"], v["survival.threat_reduction"]
    expected = max(0.0, min(1.0, (1 - theta / float(t_hat)) / kappa))
    assert surv.reservation(a) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_case_is_analysed_from_real_data(source: DataSource, name: str) -> None:
    model = build_case(name, source=source)
    res = analyse(model, rounds=20, draws=5, seed=3)
    assert res.forecast is not None
    assert set(res.forecast.point) == set(res.problem.dimension_names)
    if res.zone.exists:
        assert res.nash is not None and res.durability is not None
        from ncrealism.negotiation.bargaining import contains

        assert contains(res.problem, res.zone, res.nash.point)
        assert 0.0 < res.durability.expected_days <= 20 * 365.25
    else:
        assert res.nash is None and res.durability is None
        assert res.zone.binding and all(b.gap > 0 for b in res.zone.binding)
        assert res.forecast.agreement_probability == 0.0
    # Permuting the parties of the case permutes nothing that matters.
    order = list(reversed(range(len(res.problem.parties))))
    permuted = res.problem.permuted(order)
    z2 = find_zone(permuted)
    assert z2.exists == res.zone.exists
    assert z2.margin == pytest.approx(res.zone.margin, abs=1e-9)
    if res.nash is not None:
        n2 = nash_solution(permuted, z2)
        assert n2 is not None
        for d, x in res.nash.point.items():
            assert n2.point[d] == pytest.approx(x, abs=1e-5)


def test_cli_prints_probability_zone_durability_and_levers(
    source: DataSource, tmp_path: Path
) -> None:
    import typer
    from typer.testing import CliRunner

    from ncrealism.cli.negotiate import negotiate

    app = typer.Typer()
    app.command()(negotiate)
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "agreed_framework_1994",
            *("--draws", "5", "--rounds", "10", "--lever", "sanctions"),
            *("--plot", str(tmp_path / "figs")),
        ],
    )
    assert res.exit_code == 0, res.output
    pngs = sorted(p.name for p in (tmp_path / "figs").glob("*.png"))
    assert "bargaining_range.png" in pngs
    assert all((tmp_path / "figs" / p).stat().st_size > 10_000 for p in pngs)
    for part in (
        "Forecast: every coded value is dated before",
        "P(agreement) = ",
        "Expected-utility model not run: bilateral",
        "Zone of agreement",
        "Durability forecast",
        "chosen by the evidence of 3 earlier agreement(s)",
        "What would it take",
    ):
        assert part in res.output, part
    res = runner.invoke(
        app, ["agreed_framework_1994", "--draws", "5", "--format", "json", "--lever", "sanctions"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    got = {(r["section"], r["item"]): r for r in rows}
    p, lo, hi = (got[("agreement", k)]["value"] for k in ("p_agreement", "p_low", "p_high"))
    assert 0.0 < lo <= p <= hi < 1.0
    assert ("mode", "forecast") in got and ("eum", "not_run") in got
    # Two parties; the 1993-94 agreements before it were bilateral under the same template, so
    # their commitment indices differ from the AF's by well under 1% (the same credibility,
    # reversibility and parties; only five-year capability trends move): the data say nothing
    # of the slope, it stays near its prior 1, and the time ratio against an index of one
    # year is the index in years, (index / 365.25)^beta, within 2%.
    assert got[("agreement", "n_parties")]["value"] == 2.0
    # The commitment index of two parties lies between half a year (each party's slack 0.125
    # against shocks of at most 0.1 a sqrt-year) and the 20-year horizon.
    index = got[("durability", "commitment_index")]
    assert index["unit"] == "days" and 182.6 < index["value"] <= 20 * 365.25
    ratio = got[("durability", "time_ratio")]["value"]
    assert abs(math.log(ratio) - math.log(index["value"] / 365.25)) < 0.02
    # The prior strength the evidence chose is one of the strengths tried, on the three
    # earlier agreements (R1, R2, R3b; R3a ended without one).
    strength = got[("durability", "prior_sd")]
    assert strength["value"] in PRIOR_STRENGTHS and "3 earlier agreement(s)" in strength["detail"]
    bad = runner.invoke(app, ["agreed_framework_1994", "--lever", "bribes"])
    assert bad.exit_code != 0


def test_cli_labels_a_hindsight_analysis(source: DataSource, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from ncrealism.cli.negotiate import negotiate

    text = case_path("record_template_1993").read_text(encoding="utf-8")
    path = tmp_path / "late.toml"
    old = "reservation = { value = 0.5, date = 1993-05-11"
    path.write_text(text.replace(old, "reservation = { value = 0.5, date = 1994-10-21", 1))
    app = typer.Typer()
    app.command()(negotiate)
    runner = CliRunner()
    refused = runner.invoke(app, [str(path), "--draws", "2", "--lever", "sanctions"])
    assert refused.exit_code != 0
    res = runner.invoke(
        app, [str(path), "--hindsight", "--draws", "2", "--format", "json", "--lever", "sanctions"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert any(r["section"] == "mode" and r["item"] == "hindsight" for r in rows)
    assert any("HINDSIGHT" in (r["detail"] or "") for r in rows)
