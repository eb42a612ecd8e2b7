"""Rolling-origin backtests: calibrate on the past, forecast a year from its inputs, score.

The scheme is the rolling-origin evaluation of forecasting practice (Tashman 2000, "Out-of-sample
tests of forecasting accuracy: an analysis and review", International Journal of Forecasting
16:437-450): for each test year ``t``

* ``scheme="expanding"`` (default): every model is calibrated on the record years from the start
  of the training span up to ``t - 1`` (all years strictly before ``t``), then forecasts ``t``;
* ``scheme="fixed"``: every model is calibrated once on the training span and forecasts all test
  years.

Models receive the inputs and the record rows of their training years, and then the inputs of the
forecast year only: a test year's outcome never reaches a model, so a forecast for year ``t``
cannot change when the outcomes of ``t`` and later years are permuted (the scrambled-outcome
test in ``tests/evaluation``).

Columns of :attr:`Backtest.predictions`:

===========  =======  ===============================================================
column       dtype    meaning (unit)
===========  =======  ===============================================================
model        Utf8     model name
year         Int64    forecast (test) year
option       Utf8     posture
probability  Float64  forecast probability (unitless)
fit_start    Int64    first training year of the calibration used
fit_end      Int64    last training year of the calibration used
===========  =======  ===============================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from ncrealism.errors import InputError
from ncrealism.evaluation import metrics as M
from ncrealism.evaluation.models import CONFIDENCE, POSTURE, Model

Scheme = Literal["expanding", "fixed"]

#: Count columns of the yearly record correlated with forecast internal-balancing intensity.
COUNT_COLUMNS: tuple[str, ...] = ("missile_tests", "nuclear_tests")

#: The posture whose forecast probability measures internal-balancing intensity.
INTERNAL_BALANCING = "internal_balancing"


def parse_span(text: str) -> tuple[int, int]:
    """Parse ``"1990:2004"`` (or a single year ``"2005"``) into an inclusive year range."""
    parts = text.split(":")
    try:
        if len(parts) == 1:
            a = b = int(parts[0])
        elif len(parts) == 2:
            a, b = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise InputError(
            f"a year span is written FIRST:LAST (e.g. 1990:2004), not '{text}'"
        ) from None
    if a > b:
        raise InputError(f"year span '{text}' ends before it starts")
    from ncrealism.system._common import check_year

    return check_year(a), check_year(b)


def _validate_forecast(
    df: pl.DataFrame, name: str, years: Sequence[int], options: Sequence[str]
) -> pl.DataFrame:
    need = {"year", "option", "probability"}
    if not need <= set(df.columns):
        raise InputError(f"model '{name}' returned columns {df.columns}; need {sorted(need)}")
    df = df.select(
        pl.col("year").cast(pl.Int64),
        pl.col("option").cast(pl.Utf8),
        pl.col("probability").cast(pl.Float64),
    )
    for y in years:
        sub = df.filter(pl.col("year") == y)
        got = sorted(sub["option"].to_list())
        if got != sorted(options):
            raise InputError(
                f"model '{name}' forecast for {y} covers options {got}, expected {sorted(options)}"
            )
        p = sub["probability"].to_numpy()
        if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(float(p.sum()) - 1.0) > 1e-6:
            raise InputError(
                f"model '{name}' forecast for {y} is not a probability vector (sum {p.sum():.6f})"
            )
    return df.filter(pl.col("year").is_in(list(years)))


def check_record(record: pl.DataFrame, options: Sequence[str], where: str = "record") -> None:
    """Raise :class:`InputError` unless the yearly record has unique years and known postures."""
    for col in ("year", POSTURE):
        if col not in record.columns:
            raise InputError(f"{where}: required column '{col}' is absent (found {record.columns})")
    dup = record["year"].is_duplicated()
    if dup.any():
        raise InputError(f"{where}: year {record['year'].filter(dup)[0]} appears more than once")
    unknown = sorted(set(record[POSTURE].drop_nulls().to_list()) - set(options))
    if unknown:
        raise InputError(f"{where}: unknown postures {unknown}; expected one of {list(options)}")
    if record[POSTURE].null_count():
        raise InputError(f"{where}: '{POSTURE}' is empty for some years")


@dataclass(frozen=True)
class Backtest:
    """The forecasts of a backtest, with the record they are scored against.

    ``record`` holds the test years' rows of the yearly record (outcomes), ``predictions`` the
    long forecast frame (module docstring), ``options`` the posture order used in every matrix.
    """

    predictions: pl.DataFrame
    record: pl.DataFrame
    options: tuple[str, ...]
    models: tuple[str, ...]
    train: tuple[int, int]
    test_years: tuple[int, ...]
    scheme: Scheme
    counts: tuple[str, ...] = COUNT_COLUMNS
    horizon: int = 1

    # ---------------------------------------------------------------- matrices
    def probabilities(self, model: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        """``n × K`` forecast matrix of ``model`` over the test years (rows: sorted years)."""
        if model not in self.models:
            raise InputError(f"no model '{model}' in this backtest (have {list(self.models)})")
        wide = (
            self.predictions.filter(pl.col("model") == model)
            .pivot(on="option", index="year", values="probability")
            .sort("year")
        )
        return wide.select(list(self.options)).to_numpy().astype(np.float64)

    def _rows(self, high_confidence_only: bool) -> np.ndarray[Any, np.dtype[np.bool_]]:
        rec = self.record.sort("year")
        if not high_confidence_only:
            return np.ones(rec.height, dtype=bool)
        if CONFIDENCE not in rec.columns:
            raise InputError(f"high-confidence scoring needs a '{CONFIDENCE}' column")
        return np.asarray((rec[CONFIDENCE] == "high").to_numpy(), dtype=bool)

    def targets(
        self, credit: M.ConfidenceCredit | None = None
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        """``n × K`` targets over the test years: one-hot, or soft with partial credit."""
        rec = self.record.sort("year")
        ys = [str(y) for y in rec[POSTURE].to_list()]
        if credit is None:
            return M.one_hot(ys, self.options)
        if CONFIDENCE not in rec.columns:
            raise InputError(f"partial credit needs a '{CONFIDENCE}' column in the record")
        return M.soft_targets(ys, [str(c) for c in rec[CONFIDENCE].to_list()], self.options, credit)

    # ---------------------------------------------------------------- scores
    def scores(
        self,
        *,
        credit: M.ConfidenceCredit | None = None,
        high_confidence_only: bool = False,
        n_bins: int = 10,
    ) -> pl.DataFrame:
        """One row per model: the scores of its test-year forecasts.

        Columns: ``model`` (Utf8), ``n_years`` (Int64, years scored), ``accuracy``,
        ``balanced_accuracy`` (Float64, share in [0, 1]), ``log_loss`` (Float64, nats),
        ``brier`` (Float64, multi-category, [0, 2]), ``ece`` (Float64, top-label expected
        calibration error with ``n_bins`` equal-width bins, [0, 1]), and for each count column
        ``c`` of :attr:`counts` (by default ``missile_tests``, ``nuclear_tests``)
        ``spearman_<c>`` (Float64, Spearman's rho of forecast P(internal_balancing) with the
        recorded count; NaN when undefined). Definitions: :mod:`metrics`.
        """
        rows = self._rows(high_confidence_only)
        targets = self.targets(credit)[rows]
        rec = self.record.sort("year").filter(pl.Series(rows))
        recorded = np.array(
            [self.options.index(str(y)) for y in rec[POSTURE].to_list()], dtype=np.int64
        )
        out = []
        for m in self.models:
            p = self.probabilities(m)[rows]
            row: dict[str, Any] = {"model": m, "n_years": int(rows.sum())}
            if rows.sum() == 0:
                out.append(row)
                continue
            row["accuracy"] = M.accuracy(p, targets)
            row["balanced_accuracy"] = M.balanced_accuracy(p, targets, recorded)
            row["log_loss"] = M.log_loss(p, targets)
            row["brier"] = M.brier(p, targets)
            row["ece"] = M.expected_calibration_error(p, targets, n_bins)
            for col, rc in self._count_correlations(p, rec).items():
                row[f"spearman_{col}"] = rc.rho
            out.append(row)
        schema: dict[str, Any] = {
            "model": pl.Utf8,
            "n_years": pl.Int64,
            "accuracy": pl.Float64,
            "balanced_accuracy": pl.Float64,
            "log_loss": pl.Float64,
            "brier": pl.Float64,
            "ece": pl.Float64,
            **{f"spearman_{c}": pl.Float64 for c in self.counts},
        }
        return pl.DataFrame(out, schema=schema)

    def _count_correlations(
        self, p: np.ndarray[Any, np.dtype[np.float64]], rec: pl.DataFrame
    ) -> dict[str, M.RankCorrelation]:
        out: dict[str, M.RankCorrelation] = {}
        for col in self.counts:
            if col not in rec.columns or INTERNAL_BALANCING not in self.options:
                out[col] = M.RankCorrelation(math.nan, math.nan, 0, f"no '{col}' in the record")
                continue
            intensity = p[:, self.options.index(INTERNAL_BALANCING)]
            counts = rec[col].cast(pl.Float64).fill_null(float("nan")).to_numpy()
            out[col] = M.spearman(intensity, counts)
        return out

    def count_correlations(self, *, high_confidence_only: bool = False) -> pl.DataFrame:
        """Spearman's rho of forecast P(internal_balancing) with each recorded count column.

        Columns: ``model`` (Utf8), ``count`` (Utf8, record column), ``rho`` (Float64),
        ``p_value`` (Float64, two-sided, scipy), ``n`` (Int64, pairs), ``note`` (Utf8, why
        undefined).
        """
        rows = self._rows(high_confidence_only)
        rec = self.record.sort("year").filter(pl.Series(rows))
        out = []
        for m in self.models:
            p = self.probabilities(m)[rows]
            for col, rc in self._count_correlations(p, rec).items():
                out.append(
                    {
                        "model": m,
                        "count": col,
                        "rho": rc.rho,
                        "p_value": rc.p_value,
                        "n": rc.n,
                        "note": rc.note,
                    }
                )
        return pl.DataFrame(
            out,
            schema={
                "model": pl.Utf8,
                "count": pl.Utf8,
                "rho": pl.Float64,
                "p_value": pl.Float64,
                "n": pl.Int64,
                "note": pl.Utf8,
            },
        )

    def per_year(self) -> pl.DataFrame:
        """One row per (model, test year): the forecast against the recorded posture.

        Columns: ``model`` (Utf8), ``year`` (Int64), ``recorded`` (Utf8, recorded posture),
        ``confidence`` (Utf8, coder's confidence, null if absent), ``predicted`` (Utf8, the
        modal posture; tied modal postures joined by ``" / "``, ``"(all tied)"`` when every
        option ties), ``p_predicted`` (Float64, the modal probability), ``p_recorded``
        (Float64, forecast probability of the recorded posture), ``credit`` (Float64, 1 if the
        modal posture is the recorded one, 0 if not, ``1/m`` if the recorded posture is one of
        ``m`` tied modal postures), and one Float64 column ``p_<option>`` per option.
        """
        rec = self.record.sort("year")
        years = [int(y) for y in rec["year"].to_list()]
        recorded = [str(y) for y in rec[POSTURE].to_list()]
        conf = (
            [str(c) for c in rec[CONFIDENCE].to_list()]
            if CONFIDENCE in rec.columns
            else [None] * len(years)
        )
        onehot = M.one_hot(recorded, self.options)
        frames = []
        for m in self.models:
            p = self.probabilities(m)
            w = M.modal_weights(p)
            rec_idx = [self.options.index(r) for r in recorded]
            predicted = []
            for row in w:
                modal = [o for o, x in zip(self.options, row, strict=True) if x > 0]
                predicted.append(
                    "(all tied)" if len(modal) == len(self.options) else " / ".join(modal)
                )
            data: dict[str, Any] = {
                "model": [m] * len(years),
                "year": years,
                "recorded": recorded,
                "confidence": conf,
                "predicted": predicted,
                "p_predicted": [float(v) for v in p.max(axis=1)],
                "p_recorded": [float(p[i, j]) for i, j in enumerate(rec_idx)],
                "credit": [float(v) for v in M.credit(p, onehot)],
            }
            for k, o in enumerate(self.options):
                data[f"p_{o}"] = [float(v) for v in p[:, k]]
            frames.append(
                pl.DataFrame(data).with_columns(
                    pl.col("year").cast(pl.Int64), pl.col("confidence").cast(pl.Utf8)
                )
            )
        return pl.concat(frames)

    def confusion(self, model: str) -> pl.DataFrame:
        """Confusion matrix of ``model``'s modal forecasts over the test years.

        Columns: ``recorded`` (Utf8, the row's recorded posture), then one Float64 column per
        option: the number of years with that recorded posture forecast as the option (a year
        whose forecast ties ``m`` options adds ``1/m`` to each; without ties whole numbers).
        """
        rec = self.record.sort("year")
        t = M.one_hot([str(y) for y in rec[POSTURE].to_list()], self.options)
        cm = t.T @ M.modal_weights(self.probabilities(model))
        data: dict[str, Any] = {"recorded": list(self.options)}
        for k, o in enumerate(self.options):
            data[o] = [float(v) for v in cm[:, k]]
        return pl.DataFrame(data)

    def reliability(
        self, model: str, n_bins: int = 10, credit: M.ConfidenceCredit | None = None
    ) -> pl.DataFrame:
        """Reliability-diagram table of ``model`` (columns: :func:`metrics.reliability_table`)."""
        return M.reliability_table(self.probabilities(model), self.targets(credit), n_bins)


def run_backtest(
    models: Sequence[Model],
    inputs: pl.DataFrame,
    record: pl.DataFrame,
    *,
    options: Sequence[str],
    train: tuple[int, int],
    test: Sequence[int],
    scheme: Scheme = "expanding",
    counts: Sequence[str] = COUNT_COLUMNS,
    horizon: int = 1,
) -> Backtest:
    """Calibrate each model on the past and forecast each test year from its inputs alone.

    ``inputs`` is a year-keyed frame (column ``year`` plus whatever the models read); it must
    cover every training and test year. ``record`` is the yearly record (columns ``year``,
    ``dominant_posture``, optionally ``posture_confidence`` and count columns); it must contain
    every test year. ``test`` lists the test years (``range(2005, 2010)`` for 2005-2009).
    Training years are the record years inside ``train`` (and, with the
    expanding scheme, before the forecast year); test years must come after the training span.
    ``counts`` names the record's count columns correlated with forecast internal-balancing
    intensity.

    ``horizon`` h (expanding scheme): year ``t`` is forecast from the origin ``t - h + 1``:
    models are calibrated on the record years up to ``t - h`` and receive the inputs row of the
    origin year (what is known when the forecast is made), relabelled ``t``, with a ``horizon``
    column h and an ``origin`` column (the origin year); h = 1 is the one-step-ahead forecast
    from year ``t``'s own row. With the fixed scheme the origin is the year after the training
    span for every test year and the horizon is ``t`` minus the span's last year.
    """
    options = tuple(options)
    check_record(record, options)
    if scheme not in ("expanding", "fixed"):
        raise InputError(f"scheme must be 'expanding' or 'fixed', not '{scheme}'")
    if not models:
        raise InputError("no models to backtest")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise InputError(f"model names must be unique, got {names}")
    test_years = sorted({int(y) for y in test})
    if not test_years:
        raise InputError("no test years")
    if min(test_years) <= train[1]:
        raise InputError(
            f"test years must come after the training span {train[0]}:{train[1]} "
            f"(first test year {min(test_years)})"
        )
    rec_years = set(int(y) for y in record["year"].to_list())
    missing = [y for y in test_years if y not in rec_years]
    if missing:
        raise InputError(f"test years {missing} are not in the record (it has {sorted(rec_years)})")
    if "year" not in inputs.columns:
        raise InputError(f"inputs need a 'year' column (found {inputs.columns})")
    in_years = set(int(y) for y in inputs["year"].to_list())
    train_years_all = sorted(y for y in rec_years if train[0] <= y <= train[1])
    if not train_years_all:
        raise InputError(f"the record has no year in the training span {train[0]}:{train[1]}")
    needed = sorted(set(train_years_all) | set(test_years))
    absent = [y for y in needed if y not in in_years]
    if absent:
        raise InputError(f"inputs do not cover years {absent}")
    if inputs["year"].is_duplicated().any():
        raise InputError("inputs have more than one row for some year")

    if horizon < 1:
        raise InputError(f"the forecast horizon must be at least 1, got {horizon}")
    folds: list[tuple[list[int], list[int], int, int]] = []
    for t in test_years:
        if scheme == "fixed":
            fit_years, h = train_years_all, t - train[1]
        else:
            fit_years, h = sorted(y for y in rec_years if train[0] <= y <= t - horizon), horizon
        if not fit_years:
            raise InputError(
                f"no record year in {train[0]}:{t - h} to calibrate the forecast of {t} "
                f"({h} year(s) ahead)"
            )
        folds.append((fit_years, [t], t - h + 1, h))
    origin_absent = sorted({o for _, _, o, _ in folds if o not in in_years})
    if origin_absent:
        raise InputError(f"inputs do not cover the forecast origin year(s) {origin_absent}")

    frames = []
    for fit_years, fc_years, origin, h in folds:
        fit_inputs = inputs.filter(pl.col("year").is_in(fit_years)).sort("year")
        fit_record = record.filter(pl.col("year").is_in(fit_years)).sort("year")
        fc_inputs = inputs.filter(pl.col("year") == origin).with_columns(
            pl.lit(fc_years[0], dtype=pl.Int64).alias("year"),
            pl.lit(h, dtype=pl.Int64).alias("horizon"),
            pl.lit(origin, dtype=pl.Int64).alias("origin"),
        )
        for model in models:
            forecaster = model.fit(fit_inputs, fit_record, options)
            fc = _validate_forecast(forecaster.predict(fc_inputs), model.name, fc_years, options)
            frames.append(
                fc.with_columns(
                    pl.lit(model.name).alias("model"),
                    pl.lit(min(fit_years), dtype=pl.Int64).alias("fit_start"),
                    pl.lit(max(fit_years), dtype=pl.Int64).alias("fit_end"),
                )
            )
    predictions = (
        pl.concat(frames)
        .select("model", "year", "option", "probability", "fit_start", "fit_end")
        .sort("model", "year", "option")
    )
    return Backtest(
        predictions=predictions,
        record=record.filter(pl.col("year").is_in(test_years)).sort("year"),
        options=options,
        models=tuple(names),
        train=train,
        test_years=tuple(test_years),
        scheme=scheme,
        counts=tuple(counts),
        horizon=horizon,
    )
