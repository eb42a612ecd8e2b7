"""Calibration: no look-ahead, the estimator's invariants, the documented result table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from ncrealism.cli.calibrate import calibrate as calibrate_cmd
from ncrealism.data.fetch import DataSource
from ncrealism.data.records import POSTURES, YEARLY_OUTCOME_COLUMNS
from ncrealism.decision.calibrate import (
    KINK,
    NOT_CONCAVE,
    calibrate,
    laplace_uncertainty,
    score,
)
from ncrealism.decision.model import posture_probabilities
from ncrealism.decision.report import END, START, calibration_markdown, dprk_experiment
from ncrealism.errors import InputError
from ncrealism.perception.profiles import load_profile

TRAIN = (1990, 2004)
TEST = [2005, 2006, 2007, 2008, 2009]
REPO = Path(__file__).resolve().parents[2]


def prior(y: int):  # type: ignore[no-untyped-def]
    return load_profile("DPRK", y)


def _scramble(record: pl.DataFrame, years: list[int], seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    test = record.filter(pl.col("year").is_in(years))
    rest = record.filter(~pl.col("year").is_in(years))
    cols = {}
    for c in YEARLY_OUTCOME_COLUMNS:
        if c not in test.columns:
            continue
        if c == "dominant_posture":
            cols[c] = pl.Series(c, rng.choice(POSTURES, size=test.height).tolist())
        elif test[c].dtype == pl.Int64:
            cols[c] = pl.Series(c, rng.integers(0, 9, size=test.height).tolist(), dtype=pl.Int64)
        else:
            cols[c] = pl.Series(c, ["scrambled"] * test.height, dtype=pl.Utf8)
    return pl.concat([rest, test.with_columns(**cols)]).sort("year")


def test_scrambling_test_outcomes_changes_no_prediction(
    dprk_inputs: pl.DataFrame, record: pl.DataFrame
) -> None:
    base = calibrate(dprk_inputs, record, TRAIN, prior)
    p0 = posture_probabilities(dprk_inputs.filter(pl.col("year").is_in(TEST)), base.filters)
    for seed in (1, 2):
        scrambled = _scramble(record, TEST, seed)
        assert not scrambled.equals(record)
        res = calibrate(dprk_inputs, scrambled, TRAIN, prior)
        assert res.shift == base.shift
        p1 = posture_probabilities(dprk_inputs.filter(pl.col("year").is_in(TEST)), res.filters)
        assert p1.equals(p0)


def test_estimator_invariants(dprk_inputs: pl.DataFrame, record: pl.DataFrame) -> None:
    res = calibrate(dprk_inputs, record, TRAIN, prior)
    # The penalised optimum is no worse than the prior (delta = 0) on the penalised objective.
    assert res.loglik_penalised >= res.loglik_prior - 1e-6
    assert res.lr_stat == pytest.approx(2 * (res.loglik - res.loglik_neutral))
    assert res.lr_df == len(res.free) - 1
    est = res.estimates
    assert est["param"].to_list() == list(res.free)
    # Every standard error is either given (finite, > 0) or n/a with a reason: never 0.
    for r in est.iter_rows(named=True):
        if r["se_note"] is None:
            assert np.isfinite(r["std_error"]) and r["std_error"] > 0, r
            assert r["ci_low"] <= r["estimate"] + 1e-9 <= r["ci_high"] + 2e-9, r
        else:
            assert r["se_note"].startswith("n/a") and np.isnan(r["std_error"]), r
            assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"]), r
            assert any(r["param"] in n for n in res.notes)
    # The calibrated filter of each year is the prior plus the common shift, within bounds.
    f = res.filter_for(1996)
    for name, d in zip(res.free, res.shift, strict=True):
        assert f[name] == pytest.approx(prior(1996)[name] + d)
    sc = score(dprk_inputs, record, TEST, res.filters)
    assert sc["n"][0] == 5 and 0.0 <= sc["accuracy"][0] <= 1.0


def test_laplace_never_gives_zero_for_what_the_likelihood_ignores() -> None:
    """Property over random Gaussian posteriors: a coordinate the objective ignores has no
    finite standard error; with a Gaussian prior of sd s and nothing else it gets s (the
    posterior is the prior); the others get sqrt(diag(A^-1)) of their quadratic form A."""
    for seed in range(5):
        rng = np.random.default_rng(seed)
        m = rng.normal(size=(3, 3))
        a = m @ m.T + 0.5 * np.eye(3)
        x0 = rng.normal(size=4)
        sd = float(rng.uniform(0.2, 3.0))

        def flat(x: np.ndarray, a: np.ndarray = a) -> float:
            return 0.5 * float(x[:3] @ a @ x[:3])  # x[3] does not enter at all

        def prior_only(x: np.ndarray, a: np.ndarray = a, sd: float = sd) -> float:
            return 0.5 * float(x[:3] @ a @ x[:3]) + 0.5 * (x[3] / sd) ** 2

        expected = np.sqrt(np.diag(np.linalg.inv(a)))
        x = np.r_[np.zeros(3), x0[3]]
        _, se, why = laplace_uncertainty(flat, x)
        assert np.isnan(se[3]) and why[3] == NOT_CONCAVE
        assert se[:3] == pytest.approx(expected, rel=1e-3) and why[:3] == (None,) * 3
        _, se, why = laplace_uncertainty(prior_only, np.zeros(4))
        assert se == pytest.approx(np.r_[expected, sd], rel=1e-3) and why == (None,) * 4


def test_laplace_flags_a_kink() -> None:
    """|x0| has a kink at its minimum: no standard error; x1 ~ N(0, 2^2) keeps sd 2."""
    cov, se, why = laplace_uncertainty(lambda x: abs(x[0]) + 0.5 * (x[1] / 2.0) ** 2, np.zeros(2))
    assert why == (KINK, None)
    assert np.isnan(se[0]) and se[1] == pytest.approx(2.0, rel=1e-3)
    assert np.isnan(cov[0]).all() and cov[1, 1] == pytest.approx(4.0, rel=1e-3)


def test_bootstrap_is_reproducible(dprk_inputs: pl.DataFrame, record: pl.DataFrame) -> None:
    kw = {"free": ("self_reliance", "precision"), "method": "bootstrap", "n_boot": 4}
    a = calibrate(dprk_inputs, record, TRAIN, prior, rng=np.random.default_rng(5), **kw)  # type: ignore[arg-type]
    b = calibrate(dprk_inputs, record, TRAIN, prior, rng=np.random.default_rng(5), **kw)  # type: ignore[arg-type]
    assert a.estimates.equals(b.estimates)
    with pytest.raises(InputError, match="rng"):
        calibrate(dprk_inputs, record, TRAIN, prior, free=("precision",), method="bootstrap")
    with pytest.raises(InputError):
        calibrate(dprk_inputs, record, TRAIN, prior, free=("juche",))


def test_documented_table_is_computed(history_dir: Path, source: DataSource) -> None:
    table, res = dprk_experiment(history_dir, source=source)
    block = calibration_markdown(table, res)
    doc = (REPO / "docs" / "decision.md").read_text(encoding="utf-8")
    assert START in doc and END in doc
    in_doc = START + doc.split(START, 1)[1].split(END, 1)[0] + END
    assert in_doc == block, "docs/decision.md is stale: run python -m ncrealism.decision.report"
    assert table["filter"].to_list()[:3] == [
        "calibrated profile",
        "profile (uncalibrated prior)",
        "neutral (structural realism)",
    ]


def test_cli_calibrate(history_dir: Path) -> None:
    app = typer.Typer()
    app.command()(calibrate_cmd)
    app.command("noop")(lambda: None)
    args = [
        "calibrate",
        "--record",
        str(history_dir / "dprk_yearly_1990_2009.csv"),
        "--context",
        str(history_dir / "context_events_1990_2009.csv"),
        "--train",
        "1990:2004",
        "--test",
        "2005:2009",
        "--free",
        "self_reliance,precision",
        "--format",
        "csv",
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "self_reliance" in res.output and "neutral (structural realism)" in res.output
